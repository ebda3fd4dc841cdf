"""The peer side of bench/gemm_pair.ts: n×n float32 products on PyTorch or NumPy (OpenBLAS).

Reads lines `n reps` on stdin, runs `reps` products C = A·B (the result read into a fresh array,
as idem's W4 does), answers `cpu_s wall_s` (process CPU time and wall time for the reps).
Started by bench/gemm_pair.ts with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed and the thread
count set; argv[1] is 'torch' or 'numpy'.
"""
import sys
import time

import numpy as np

lib = sys.argv[1] if len(sys.argv) > 1 else 'torch'
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
mats = {}
if lib == 'torch':
    import torch
    torch.set_num_threads(threads)
    info = f'torch {torch.__version__}, {torch.get_num_threads()} threads'
else:
    info = f'numpy {np.__version__}'
print(info, flush=True)


def operands(n):
    if n not in mats:
        rng = np.random.default_rng(n)
        a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
        mats[n] = (torch.from_numpy(a), torch.from_numpy(b)) if lib == 'torch' else (a, b)
    return mats[n]


for line in sys.stdin:
    n, reps = (int(x) for x in line.split())
    a, b = operands(n)
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(reps):
        c = (a @ b).numpy().copy() if lib == 'torch' else (a @ b).copy()
    c1, w1 = time.process_time(), time.perf_counter()
    print(f'{c1 - c0} {w1 - w0}', flush=True)
