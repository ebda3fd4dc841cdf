/**
 * Reduction kernels: Mean, Max, Min, Prod, All, Any (over attrs.axes, sorted and unique, with
 * attrs.keepDims) and ArgMax/ArgMin (over one attrs.axis, int32 output, first index on ties).
 *
 * mean = Σx / n; max/min fold with Math.max/min (NaN propagates); prod = Πx;
 * all = ∧x (true on empty); any = ∨x (false on empty). Accumulation is in float64.
 */
import type { KernelFunc, TensorInfo } from '../../../core/backend.ts';
import type { DataType } from '../../../core/dtypes.ts';
import { sizeFromShape } from '../../../core/shape.ts';
import { reduceOp, ref } from './util.ts';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

function axesOf(attrs: Record<string, unknown>): number[] {
  return attrs['axes'] as number[];
}

/** Max/min that propagate NaN (Math.max already does). Identity of an empty max is -inf (int32: INT_MIN). */
function extremum(kind: 'max' | 'min'): KernelFunc {
  return (args) => {
    const x = args.inputs['x']!;
    const isInt = x.dtype === 'int32';
    const init = kind === 'max' ? (isInt ? INT_MIN : -Infinity) : isInt ? INT_MAX : Infinity;
    const step = kind === 'max' ? (a: number, v: number) => Math.max(a, v) : (a: number, v: number) => Math.min(a, v);
    return reduceOp(ref(args), x, axesOf(args.attrs), args.attrs['keepDims'] as boolean, x.dtype, init, step);
  };
}

/** Index of the first maximum (minimum) along `axis`. NaN counts as the extremum (first NaN wins), as TF does on CPU. */
function argExtremum(kind: 'max' | 'min'): KernelFunc {
  return (args) => {
    const be = ref(args);
    const x = args.inputs['x']!;
    const axis = args.attrs['axis'] as number;
    const xv = be.values(x);
    const shape = x.shape;
    const n = shape[axis]!;
    const outer = sizeFromShape(shape.slice(0, axis));
    const inner = sizeFromShape(shape.slice(axis + 1));
    const out = be.alloc('int32', outer * inner);
    const better = kind === 'max' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let best = xv[base]!;
        let bestIdx = 0;
        for (let j = 1; j < n && best === best; j++) {
          const v = xv[base + j * inner]!;
          if (v !== v || better(v, best)) {
            best = v;
            bestIdx = j;
          }
        }
        out[o * inner + i] = bestIdx;
      }
    }
    return be.make(out, shape.filter((_, d) => d !== axis), 'int32');
  };
}

function logical(kind: 'all' | 'any'): KernelFunc {
  return (args) => {
    const x = args.inputs['x']!;
    const init = kind === 'all' ? 1 : 0;
    const step = kind === 'all' ? (a: number, v: number) => (a && v ? 1 : 0) : (a: number, v: number) => (a || v ? 1 : 0);
    return reduceOp(ref(args), x, axesOf(args.attrs), args.attrs['keepDims'] as boolean, 'bool', init, step);
  };
}

/**
 * A reduction of `shape` over `axes` (attrs of Sum/Mean…, already normalised by the op) seen
 * as [outer, mid, inner] with `mid` reduced, when the axes are one contiguous block of valid
 * axes (the empty block included); null otherwise (the caller runs the reference kernel). `outShape` honours `keepDims`. Fast backends use it
 * to hand the reduction to a flat kernel.
 */
export function contiguousReduceGeometry(
  shape: readonly number[],
  axesAttr: readonly number[],
  keepDims: boolean,
): { outer: number; mid: number; inner: number; outShape: number[] } | null {
  const rank = shape.length;
  const axes = [...new Set(axesAttr)].sort((p, q) => p - q);
  if (!axes.every((a, i) => a === axes[0]! + i && a >= 0 && a < rank)) return null;
  const lo = axes.length ? axes[0]! : rank;
  const hi = axes.length ? axes[axes.length - 1]! + 1 : rank;
  return {
    outer: sizeFromShape(shape.slice(0, lo)),
    mid: sizeFromShape(shape.slice(lo, hi)),
    inner: sizeFromShape(shape.slice(hi)),
    outShape: keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i)),
  };
}

export const reduceKernels: Record<string, KernelFunc> = {
  /** float32 output for float32 and int32 inputs. */
  Mean: (args): TensorInfo =>
    reduceOp(ref(args), args.inputs['x']!, axesOf(args.attrs), args.attrs['keepDims'] as boolean, 'float32', 0, (a, v) => a + v, (a, n) => a / n),
  Max: extremum('max'),
  Min: extremum('min'),
  Prod: (args) => {
    const x = args.inputs['x']!;
    const outDtype: DataType = x.dtype === 'bool' ? 'int32' : x.dtype;
    return reduceOp(ref(args), x, axesOf(args.attrs), args.attrs['keepDims'] as boolean, outDtype, 1, (a, v) => a * v);
  },
  ArgMax: argExtremum('max'),
  ArgMin: argExtremum('min'),
  All: logical('all'),
  Any: logical('any'),
};
