/**
 * matMul(a, b, transposeA = false, transposeB = false) = op(a) · op(b), op = optional transpose
 * of the last two axes. Rank 2 or batched (rank ≥ 3): leading batch dimensions broadcast with
 * NumPy rules (ranks may differ, e.g. [2,3,4]·[4,5] → [2,3,5]). The op reshapes (and broadcasts
 * where needed) to the rank-3 `BatchMatMul` kernel (attrs transposeA, transposeB; a batch of 1
 * broadcasts) and reshapes the result back.
 *
 * Gradients (per batch, then summed over a broadcast batch), C = op(A)·op(B):
 *   ( , ):  dA = dC·Bᵀ      dB = Aᵀ·dC
 *   ( ,T):  dA = dC·B       dB = dCᵀ·A
 *   (T, ):  dA = B·dCᵀ      dB = A·dC
 *   (T,T):  dA = Bᵀ·dCᵀ     dB = dCᵀ·Aᵀ
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { shapesEqual, sizeFromShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { broadcastTo } from './broadcast_to.ts';
import { convertPair, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { sum } from './sum.ts';

/** The rank-3 kernel call (no validation beyond what the gradient needs). */
function batchMatMul3(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  return ENGINE.runKernel('BatchMatMul', { a, b }, { transposeA, transposeB });
}

function describe(name: string, t: Tensor, transposed: boolean): string {
  return `${name} is ${fmtShape(t.shape)}${transposed ? ` (transpose${name.toUpperCase()}=true)` : ''}`;
}

export const matMul = op('matMul', (a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor => {
  const [$a, $b] = convertPair(a, b, 'matMul');
  if ($a.dtype === 'bool') fail('matMul', 'operands must be numeric (float32 or int32), received bool (use tf.cast)');
  if ($a.rank < 2) fail('matMul', `\`a\` must have rank >= 2, received rank ${$a.rank} (shape ${fmtShape($a.shape)}); use tf.dot for vectors`);
  if ($b.rank < 2) fail('matMul', `\`b\` must have rank >= 2, received rank ${$b.rank} (shape ${fmtShape($b.shape)}); use tf.dot for vectors`);
  const ra = $a.rank;
  const rb = $b.rank;
  const m = transposeA ? $a.shape[ra - 1]! : $a.shape[ra - 2]!;
  const ka = transposeA ? $a.shape[ra - 2]! : $a.shape[ra - 1]!;
  const kb = transposeB ? $b.shape[rb - 1]! : $b.shape[rb - 2]!;
  const n = transposeB ? $b.shape[rb - 2]! : $b.shape[rb - 1]!;
  if (ka !== kb) {
    fail('matMul', `inner dimensions must match: ${describe('a', $a, transposeA)}, ${describe('b', $b, transposeB)}`);
  }
  const batchA = $a.shape.slice(0, -2);
  const batchB = $b.shape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = batchA[batchA.length - rank + i] ?? 1;
    const db = batchB[batchB.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail('matMul', `batch dimensions ${fmtShape(batchA)} and ${fmtShape(batchB)} cannot be broadcast: a is ${fmtShape($a.shape)}, b is ${fmtShape($b.shape)}`);
    }
    batch.push(da === 1 ? db : da);
  }
  const size = sizeFromShape(batch);
  // To rank 3: a batch equal to the result's is flattened; a batch of one element broadcasts in
  // the kernel; anything else is broadcast explicitly first.
  const to3 = (t: Tensor, own: number[]): Tensor => {
    const r = t.rank;
    const mat = [t.shape[r - 2]!, t.shape[r - 1]!];
    if (sizeFromShape(own) === 1) return reshape(t, [1, ...mat]);
    if (!shapesEqual(own, batch)) t = broadcastTo(t, [...batch, ...mat]);
    return reshape(t, [size, ...mat]);
  };
  const a3 = to3($a, batchA);
  const b3 = to3($b, batchB);
  const out = batchMatMul3(a3, b3, transposeA, transposeB);
  const res = reshape(out, [...batch, m, n]);
  // When no frame sees the computation (nothing records, traces or watches the ops), the rank-3
  // views (which share storage with the operands and the result) are freed now: the result's storage then goes back to the backend's pool as
  // soon as the caller disposes it, instead of when the GC finds the views — a 256×256 product
  // otherwise page-faulted a fresh 256 KB output every time (~70 µs of its ~400).
  if (ENGINE.mayUse('BatchMatMul', 'inference')) {
    for (const t of [a3, b3, out]) if (t !== res && t !== $a && t !== $b && !t.isDisposed) t.dispose();
  }
  return res;
});

ENGINE.registerGradient('BatchMatMul', (dy, { inputs, attrs }) => {
  const a = inputs['a']!;
  const b = inputs['b']!;
  const ta = attrs['transposeA'] === true;
  const tb = attrs['transposeB'] === true;
  // A gradient computed per batch element of dy is summed back over a broadcast batch of 1.
  const fit = (g: Tensor, like: Tensor): Tensor => (g.shape[0] !== like.shape[0] ? sum(g, 0, true) : g);
  return {
    a: () => {
      let g: Tensor;
      if (!ta && !tb) g = batchMatMul3(dy, b, false, true);
      else if (!ta && tb) g = batchMatMul3(dy, b, false, false);
      else if (ta && !tb) g = batchMatMul3(b, dy, false, true);
      else g = batchMatMul3(b, dy, true, true);
      return fit(g, a);
    },
    b: () => {
      let g: Tensor;
      if (!ta && !tb) g = batchMatMul3(a, dy, true, false);
      else if (!ta && tb) g = batchMatMul3(dy, a, true, false);
      else if (ta && !tb) g = batchMatMul3(a, dy, false, false);
      else g = batchMatMul3(dy, a, true, true);
      return fit(g, b);
    },
  };
});
