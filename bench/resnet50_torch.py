"""ResNet50 inference in PyTorch for bench/resnet50.ts: the Keras architecture (torchvision-free,
hand-built: ZeroPad 3, conv 7x7/2 with bias, BN eps 1.001e-5, relu, ZeroPad 1, maxpool 3/2,
bottleneck blocks 3-4-6-3 with the stride on the first 1x1 conv, global average pool, Dense 1000
softmax), eval mode, no_grad, NCHW float32, batch 1 and 8 at 224x224.

    /usr/bin/python3 bench/resnet50_torch.py [reps] [threads]
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F



def bn(c):
    return nn.BatchNorm2d(c, eps=1.001e-5, momentum=0.01)


class Block(nn.Module):
    def __init__(self, cin, f, stride, shortcut):
        super().__init__()
        self.short = nn.Sequential(nn.Conv2d(cin, 4 * f, 1, stride), bn(4 * f)) if shortcut else None
        self.c1, self.b1 = nn.Conv2d(cin, f, 1, stride), bn(f)
        self.c2, self.b2 = nn.Conv2d(f, f, 3, 1, padding=1), bn(f)
        self.c3, self.b3 = nn.Conv2d(f, 4 * f, 1), bn(4 * f)

    def forward(self, x):
        s = self.short(x) if self.short is not None else x
        y = F.relu(self.b1(self.c1(x)))
        y = F.relu(self.b2(self.c2(y)))
        y = self.b3(self.c3(y))
        return F.relu(s + y)


class ResNet50(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 64, 7, 2), bn(64)
        blocks, cin = [], 64
        for f, n, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            for i in range(n):
                blocks.append(Block(cin, f, stride if i == 0 else 1, i == 0))
                cin = 4 * f
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(2048, 1000)
        self.logits = False  # True: return the Dense layer's output without softmax

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(F.pad(x, (3, 3, 3, 3)))))
        x = F.max_pool2d(F.pad(x, (1, 1, 1, 1)), 3, 2)
        x = self.blocks(x)
        z = self.fc(x.mean((2, 3)))
        return z if self.logits else F.softmax(z, dim=1)


if __name__ == '__main__':
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = ResNet50().eval()
    params = sum(p.numel() for p in m.parameters()) + sum(b.numel() for n, b in m.named_buffers() if not n.endswith('num_batches_tracked'))
    print(f"torch {torch.__version__}: {params:,} weights (Keras count), threads {torch.get_num_threads()}")
    with torch.no_grad():
        for batch in (1, 8):
            x = torch.rand(batch, 3, 224, 224) * 255
            m(x)
            ts, cpu = [], []
            for _ in range(reps):
                c0 = time.process_time()
                t0 = time.perf_counter()
                m(x)
                ts.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            s = sorted(ts)
            c = sorted(cpu)
            print(f"torch batch {batch}: median {s[len(s) // 2]:.0f} ms, best {s[0]:.0f} ms ({reps} runs: {', '.join(f'{t:.0f}' for t in ts)}); CPU time median {c[len(c) // 2]:.0f} ms")
