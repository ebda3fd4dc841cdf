/**
 * Scans along one axis: `Cumsum`, `Cumprod` (attrs `axis`, `exclusive`, `reverse`), and `TopK`
 * (the last axis: the `k` largest of each row, largest first; equal values in index order; NaN
 * counts as larger than every number; outputs values and int32 indices).
 *
 * Each line along the axis is folded in order (from its end when `reverse`); out[k] is the fold
 * of the elements up to k (before k when `exclusive`: 0 for the sum, 1 for the product first).
 * float32 accumulates in float64 and rounds each output once; int32 wraps as 32-bit C arithmetic.
 */
import type { KernelFunc, TensorInfo } from '../../../core/backend.ts';
import { sizeFromShape } from '../../../core/shape.ts';
import { ref } from './util.ts';

function scan(kind: 'sum' | 'prod'): KernelFunc {
  return (args): TensorInfo => {
    const be = ref(args);
    const x = args.inputs['x']!;
    const axis = args.attrs['axis'] as number;
    const exclusive = Boolean(args.attrs['exclusive']);
    const reverse = Boolean(args.attrs['reverse']);
    const isInt = x.dtype === 'int32';
    const xv = be.values(x);
    const out = be.alloc(x.dtype, xv.length);
    const n = x.shape[axis]!;
    const inner = sizeFromShape(x.shape.slice(axis + 1));
    const outer = sizeFromShape(x.shape.slice(0, axis));
    const init = kind === 'sum' ? 0 : 1;
    const step = kind === 'sum' ? (isInt ? (a: number, v: number) => (a + v) | 0 : (a: number, v: number) => a + v) : isInt ? Math.imul : (a: number, v: number) => a * v;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let acc = init;
        for (let j = 0; j < n; j++) {
          const p = base + (reverse ? n - 1 - j : j) * inner;
          if (exclusive) {
            out[p] = acc;
            acc = step(acc, xv[p]!);
          } else {
            acc = step(acc, xv[p]!);
            out[p] = acc;
          }
        }
      }
    }
    return be.make(out, x.shape, x.dtype);
  };
}

/** Whether (v, i) comes before (w, j) in TopK's order. */
export function topkBefore(v: number, i: number, w: number, j: number): boolean {
  if (v !== v) return w === w || i < j;
  if (w !== w) return false;
  return v > w || (v === w && i < j);
}

function topk(args: Parameters<KernelFunc>[0]): TensorInfo[] {
  const be = ref(args);
  const x = args.inputs['x']!;
  const k = args.attrs['k'] as number;
  const n = x.shape[x.shape.length - 1]!;
  const rows = n === 0 ? 0 : sizeFromShape(x.shape) / n;
  const xv = be.values(x);
  const values = be.alloc(x.dtype, rows * k);
  const indices = be.alloc('int32', rows * k);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < rows; r++) {
    const at = (i: number): number => xv[r * n + i]!;
    order.sort((i, j) => (topkBefore(at(i), i, at(j), j) ? -1 : 1));
    for (let q = 0; q < k; q++) {
      values[r * k + q] = at(order[q]!);
      indices[r * k + q] = order[q]!;
    }
    order.sort((i, j) => i - j);
  }
  const shape = [...x.shape.slice(0, -1), k];
  return [be.make(values, shape, x.dtype), be.make(indices, shape, 'int32')];
}

export const scanKernels: Record<string, KernelFunc> = {
  TopK: topk,
  Cumsum: scan('sum'),
  Cumprod: scan('prod'),
};
