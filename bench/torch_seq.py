"""The sequence workloads W7 (LSTM) and W8 (Transformer block) of PRODUCT.md in PyTorch, for the
PyTorch columns of `npm run bench` (bench/index.ts), as bench/sequence.ts defines them: the same
networks, the same LCG data (tokens, inputs, labels), the same loss and Adam(1e-3, eps 1e-7), and
Keras's initializers where PyTorch's differ (Glorot-uniform kernels, orthogonal recurrent
kernels, zero biases, LSTM forget-gate bias 1).

    /usr/bin/python3 bench/torch_seq.py <threads> <W7|W8> '<options json>'

threads 0 leaves PyTorch's default. Run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset
(bench/index.ts drops them). Prints one line `RESULT {json}` like bench/child.ts.
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

W7 = dict(vocab=10000, embed=128, units=128, seq=100, batch=64)
W8 = dict(batch=32, seq=64, dim=128, heads=4, key_dim=32, ffn=512, classes=10)
BATCHES = 4


def lcg(n, seed):
    out = []
    s = seed & 0xFFFFFFFF
    for _ in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out.append(s)
    return out


def uniform(n, seed):
    return torch.tensor([((s >> 8) / 16777216) * 2 - 1 for s in lcg(n, seed)], dtype=torch.float32)


def ints(n, seed, k):
    return torch.tensor([int(((s >> 8) / 16777216) * k) for s in lcg(n, seed)], dtype=torch.long)


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        u = W7['units']
        self.embed = nn.Embedding(W7['vocab'], W7['embed'])
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)  # Keras 'uniform'
        self.lstm = nn.LSTM(W7['embed'], u, batch_first=True)
        nn.init.xavier_uniform_(self.lstm.weight_ih_l0)
        nn.init.orthogonal_(self.lstm.weight_hh_l0)
        nn.init.zeros_(self.lstm.bias_ih_l0)
        nn.init.zeros_(self.lstm.bias_hh_l0)
        with torch.no_grad():
            self.lstm.bias_ih_l0[u:2 * u] = 1.0  # unit forget bias (PyTorch's gate order i, f, g, o)
        self.dense = nn.Linear(u, 1)
        nn.init.xavier_uniform_(self.dense.weight)
        nn.init.zeros_(self.dense.bias)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embed(x))
        return torch.sigmoid(self.dense(h[-1]))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        d, h, k = W8['dim'], W8['heads'], W8['key_dim']
        self.q = nn.Linear(d, h * k)
        self.k = nn.Linear(d, h * k)
        self.v = nn.Linear(d, h * k)
        self.o = nn.Linear(h * k, d)
        self.n1 = nn.LayerNorm(d, eps=1e-3)
        self.f1 = nn.Linear(d, W8['ffn'])
        self.f2 = nn.Linear(W8['ffn'], d)
        self.n2 = nn.LayerNorm(d, eps=1e-3)
        self.out = nn.Linear(d, W8['classes'])
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        b, t, d = x.shape
        h, k = W8['heads'], W8['key_dim']
        q = self.q(x).view(b, t, h, k).transpose(1, 2) * (1.0 / k ** 0.5)
        kk = self.k(x).view(b, t, h, k).transpose(1, 2)
        v = self.v(x).view(b, t, h, k).transpose(1, 2)
        p = torch.softmax(q @ kk.transpose(-1, -2), dim=-1)
        a = self.o((p @ v).transpose(1, 2).reshape(b, t, h * k))
        n1 = self.n1(x + a)
        n2 = self.n2(n1 + self.f2(F.relu(self.f1(n1))))
        return self.out(n2.mean(dim=1))


def main():
    threads, w, opts = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    if w == 'W7':
        model = LSTMModel()
        batches = [(ints(W7['batch'] * W7['seq'], 7000 + b, W7['vocab']).view(W7['batch'], W7['seq']),
                    ints(W7['batch'], 7100 + b, 2).float().view(W7['batch'], 1)) for b in range(BATCHES)]
        loss_fn = lambda out, y: F.binary_cross_entropy(out.clamp(1e-7, 1 - 1e-7), y)
        unit = 'ms per step (batch %d, seq %d)' % (W7['batch'], W7['seq'])
    elif w == 'W8':
        model = Block()
        batches = [(uniform(W8['batch'] * W8['seq'] * W8['dim'], 8000 + b).view(W8['batch'], W8['seq'], W8['dim']),
                    ints(W8['batch'], 8100 + b, W8['classes'])) for b in range(BATCHES)]
        loss_fn = F.cross_entropy
        unit = 'ms per step (batch %d, seq %d)' % (W8['batch'], W8['seq'])
    else:
        raise SystemExit('torch_seq.py: unknown workload %s (W7 or W8)' % w)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    step = [0]

    def run(steps):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            x, y = batches[step[0] % len(batches)]
            step[0] += 1
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        return (time.perf_counter() - w0) * 1000 / steps, (time.process_time() - c0) * 1000 / steps

    if opts.get('warm', 0) > 0:
        run(opts['warm'])
    values, cpu = [], []
    for _ in range(opts.get('reps', 3)):
        a, c = run(opts['steps'])
        values.append(a)
        cpu.append(c)
    print('RESULT ' + json.dumps({
        'values': {w: values}, 'cpuValues': {w: cpu}, 'unit': unit,
        'maxRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'version': 'PyTorch ' + torch.__version__ + ' (%d threads)' % torch.get_num_threads(),
    }))


if __name__ == '__main__':
    main()
