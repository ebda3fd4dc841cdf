/**
 * Linear algebra kernels.
 *
 * BatchMatMul: a [Ba, m, k] (or [Ba, k, m] with transposeA), b [Bb, k, n] (or [Bb, n, k] with
 * transposeB), Ba = Bb or one of them 1 (broadcast) → out [max(Ba, Bb), m, n] (0 if either is 0) with
 * out[p, i, j] = Σ_l A[p, i, l] · B[p, l, j]. A plain triple loop accumulating in float64: it is
 * the oracle for fast GEMMs, so it stays obviously right rather than fast.
 */
import type { KernelArgs, KernelFunc } from '../../../core/backend.ts';
import { ref } from './util.ts';

/** BatchMatMul's sizes from its inputs and attrs (every backend's kernel starts here). */
export interface MatMulGeometry {
  ta: boolean;
  tb: boolean;
  /** Batch sizes of a and b, and of the output: a batch of 1 broadcasts, a batch of 0 gives 0. */
  ba: number;
  bb: number;
  batch: number;
  m: number;
  k: number;
  n: number;
}

export function matMulGeometry(args: KernelArgs): MatMulGeometry {
  const a = args.inputs['a']!;
  const b = args.inputs['b']!;
  const ta = args.attrs['transposeA'] === true;
  const tb = args.attrs['transposeB'] === true;
  const [ba, a1, a2] = a.shape as [number, number, number];
  const [bb, b1, b2] = b.shape as [number, number, number];
  // Broadcasting a batch of 1 against an empty batch gives an empty batch (as any broadcast with 0).
  const batch = ba === 0 || bb === 0 ? 0 : Math.max(ba, bb);
  return { ta, tb, ba, bb, batch, m: ta ? a2 : a1, k: ta ? a1 : a2, n: tb ? b1 : b2 };
}

export const linalgKernels: Record<string, KernelFunc> = {
  BatchMatMul: (args) => {
    const be = ref(args);
    const a = args.inputs['a']!;
    const b = args.inputs['b']!;
    const { ta, tb, ba, bb, batch, m, k, n } = matMulGeometry(args);
    const av = be.values(a);
    const bv = be.values(b);
    const out = be.alloc(a.dtype, batch * m * n);
    // Element (i, l) of op(A) and (l, j) of op(B), as flat offsets within one batch matrix.
    const aStrideI = ta ? 1 : k;
    const aStrideL = ta ? m : 1;
    const bStrideL = tb ? 1 : n;
    const bStrideJ = tb ? k : 1;
    for (let p = 0; p < batch; p++) {
      const aOff = (ba === 1 ? 0 : p) * m * k;
      const bOff = (bb === 1 ? 0 : p) * k * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let l = 0; l < k; l++) {
            acc += av[aOff + i * aStrideI + l * aStrideL]! * bv[bOff + l * bStrideL + j * bStrideJ]!;
          }
          out[(p * m + i) * n + j] = acc;
        }
      }
    }
    return be.make(out, [batch, m, n], a.dtype);
  },
};
