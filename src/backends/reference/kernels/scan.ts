/**
 * Scans along one axis: `Cumsum`, `Cumprod` (attrs `axis`, `exclusive`, `reverse`).
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

export const scanKernels: Record<string, KernelFunc> = {
  Cumsum: scan('sum'),
  Cumprod: scan('prod'),
};
