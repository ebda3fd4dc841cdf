"""W6 (PRODUCT.md) in PyTorch for `npm run bench`, and the ONNX models ONNX Runtime runs.

    /usr/bin/python3 bench/torch_w6.py <threads> <W6|W6T> '<options json>'   one measurement
    /usr/bin/python3 bench/torch_w6.py export <dir>                         ONNX files for W5/W6

The network is Keras's ResNet50 built layer for layer in PyTorch (bench/resnet50_torch.py: the
stride on the first 1x1 conv of a stack, a bias on every conv, BN eps 1.001e-5), so all three
libraries run the same 4.1 GMAC per image (torchvision's resnet50 puts the stride on the 3x3
conv and drops the conv biases: a different, slightly cheaper network).
- W6 inference: eval mode, no_grad, batch 8 at 224x224, the full network with softmax, ms.
- W6T training: no top + global average pool + Linear(2048, 10), train mode (batch statistics),
  softmax cross-entropy, SGD momentum 0.9, one step of batch 8, ms.
Inputs: fixed uniform images (values do not change the speed). Before the timed repetitions
`warm` untimed steps. Prints one line `RESULT {json}` like bench/child.ts, with the BLAS that
torch's matrix products run on (`blas`) so a reference-BLAS install is visible.

`export` writes resnet50.onnx (W6, batch 8, the full network with softmax) and w1_mlp.onnx (W5:
the W1 MLP 784-256x4-10 in inference, batch 1000) with seeded random weights (ONNX Runtime's
speed does not depend on them).
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet50_torch import ResNet50  # noqa: E402

BATCH = 8


def blas_info():
    """Which BLAS library this process mapped (OpenBLAS expected; the reference BLAS is ~20x slower)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and line.split()[-1].startswith('/')}
        return ', '.join(sorted(os.path.basename(os.path.dirname(p)) + '/' + os.path.basename(p) for p in libs)) or 'none mapped'
    except OSError:
        return 'unknown'


class Trunk(nn.Module):
    """ResNet50 without the top + global average pooling + Linear(2048, 10) (logits)."""

    def __init__(self):
        super().__init__()
        self.net = ResNet50()
        self.head = nn.Linear(2048, 10)

    def forward(self, x):
        n = self.net
        x = F.relu(n.bn1(n.conv1(F.pad(x, (3, 3, 3, 3)))))
        x = F.max_pool2d(F.pad(x, (1, 1, 1, 1)), 3, 2)
        x = n.blocks(x)
        return self.head(x.mean((2, 3)))


def measure(step, warm, reps):
    for _ in range(warm):
        step()
    wall, cpu = [], []
    for _ in range(reps):
        c0 = time.process_time()
        t0 = time.perf_counter()
        step()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def w6(mode, o):
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(6)
    x = torch.rand(BATCH, 3, 224, 224, generator=g) * 255
    if mode == 'W6':
        m = ResNet50().eval()

        def step():
            with torch.no_grad():
                m(x)
        key, unit = 'W6 inference', 'ms per predict (batch 8)'
    else:
        m = Trunk().train()
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        y = torch.tensor([(i * 7) % 10 for i in range(BATCH)])

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            opt.step()
        key, unit = 'W6 training', 'ms per training step (batch 8)'
    wall, cpu = measure(step, o.get('warm', 1), o.get('reps', 3))
    return {'values': {key: wall}, 'cpuValues': {key: cpu}, 'unit': unit}


def export(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    m = ResNet50().eval()
    torch.onnx.export(m, torch.rand(BATCH, 3, 224, 224), os.path.join(out_dir, 'resnet50.onnx'), input_names=['x'],
                      output_names=['y'], opset_version=13, do_constant_folding=True)
    layers, d = [], 784
    for _ in range(4):
        layers += [nn.Linear(d, 256), nn.ReLU()]
        d = 256
    layers.append(nn.Linear(256, 10))
    mlp = nn.Sequential(*layers).eval()
    torch.onnx.export(mlp, torch.rand(1000, 784), os.path.join(out_dir, 'w1_mlp.onnx'), input_names=['x'],
                      output_names=['y'], opset_version=13, dynamic_axes={'x': {0: 'batch'}, 'y': {0: 'batch'}})
    print('exported', sorted(os.listdir(out_dir)))


def main():
    if sys.argv[1] == 'export':
        export(sys.argv[2])
        return
    threads, w, opts = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    if threads > 0:
        torch.set_num_threads(threads)
    r = w6(w, opts)
    r['maxRssMB'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    r['version'] = f'PyTorch {torch.__version__} ({torch.get_num_threads()} threads; BLAS: {blas_info()})'
    print('RESULT ' + json.dumps(r))


if __name__ == '__main__':
    main()
