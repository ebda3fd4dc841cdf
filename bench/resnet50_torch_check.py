"""Loads idem's ResNet50 weights (a .safetensors file from `model.saveWeights`) into the
hand-built PyTorch ResNet50 of resnet50_torch.py and runs it on idem's input; prints the
largest absolute and relative differences from idem's output. Used by bench/resnet50_check.ts.

    /usr/bin/python3 bench/resnet50_torch_check.py weights.safetensors input.f32 output.f32 B H W C
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet50_torch import ResNet50  # noqa: E402


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        assert e['dtype'] == 'F32', (name, e['dtype'])
        b, end = e['data_offsets']
        out[name] = torch.frombuffer(bytearray(data[base + b:base + end]), dtype=torch.float32).reshape(e['shape'])
    return out


def main():
    wpath, xpath, ypath, b, h, w, c = sys.argv[1:8]
    b, h, w, c = int(b), int(h), int(w), int(c)
    W = read_safetensors(wpath)
    m = ResNet50().eval()
    m.logits = True

    def conv(mod, name):  # Keras kernel [kh, kw, in, out] -> torch [out, in, kh, kw]
        mod.weight.data.copy_(W[f'{name}/kernel'].permute(3, 2, 0, 1))
        mod.bias.data.copy_(W[f'{name}/bias'])

    def bn(mod, name):
        mod.weight.data.copy_(W[f'{name}/gamma'])
        mod.bias.data.copy_(W[f'{name}/beta'])
        mod.running_mean.copy_(W[f'{name}/moving_mean'])
        mod.running_var.copy_(W[f'{name}/moving_variance'])

    conv(m.conv1, 'conv1_conv')
    bn(m.bn1, 'conv1_bn')
    i = 0
    for s, n in [(2, 3), (3, 4), (4, 6), (5, 3)]:
        for k in range(1, n + 1):
            blk, p = m.blocks[i], f'conv{s}_block{k}'
            if blk.short is not None:
                conv(blk.short[0], f'{p}_0_conv')
                bn(blk.short[1], f'{p}_0_bn')
            for j, (cv, bnm) in enumerate([(blk.c1, blk.b1), (blk.c2, blk.b2), (blk.c3, blk.b3)], 1):
                conv(cv, f'{p}_{j}_conv')
                bn(bnm, f'{p}_{j}_bn')
            i += 1
    m.fc.weight.data.copy_(W['predictions/kernel'].t())
    m.fc.bias.data.copy_(W['predictions/bias'])
    x = torch.frombuffer(bytearray(open(xpath, 'rb').read()), dtype=torch.float32).reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous()
    y_idem = torch.frombuffer(bytearray(open(ypath, 'rb').read()), dtype=torch.float32).reshape(b, -1)
    with torch.no_grad():
        y = m(x)
    d = (y - y_idem).abs()
    print(f"torch vs idem: max |diff| {d.max().item():.3e}, max |diff| / max |y| {(d.max() / y.abs().max()).item():.3e}, "
          f"argmax equal {bool((y.argmax(1) == y_idem.argmax(1)).all())}, outputs {tuple(y.shape)}")


main()
