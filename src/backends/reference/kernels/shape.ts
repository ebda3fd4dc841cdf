/**
 * Reference kernels of the shape family: pure data movement (strided views, scatters, gathers)
 * plus UnsortedSegmentSum's accumulation and the generators Range / LinSpace / OneHot.
 *
 * Most kernels are one loop over an output (or input) shape with a flat offset
 * `base + Σ_d idx[d]·steps[d]` into the other tensor (see `forEachOffset`). Attributes arrive
 * already validated and normalized by the ops (no negative axes, no -1 sizes, no masks).
 */
import type { KernelFunc, TensorInfo } from '../../../core/backend.ts';
import type { DataType, TypedArray } from '../../../core/dtypes.ts';
import { fail } from '../../../core/errors.ts';
import { sizeFromShape, stridesOf } from '../../../core/shape.ts';
import type { ReferenceBackend } from '../backend.ts';
import { ref } from './util.ts';

/** Calls `fn(p, off)` for every element p of `shape` in row-major order, off = base + Σ idx[d]·steps[d]. */
function forEachOffset(shape: readonly number[], base: number, steps: readonly number[], fn: (p: number, off: number) => void): void {
  const size = sizeFromShape(shape);
  if (size === 0) return;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = base;
  for (let p = 0; p < size; p++) {
    fn(p, off);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      off += steps[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= steps[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** out[p] = x[base + Σ idx·steps] over `outShape`. */
function gatherView(be: ReferenceBackend, x: TensorInfo, base: number, steps: readonly number[], outShape: readonly number[]): TensorInfo {
  const xv = be.values(x);
  const out = be.alloc(x.dtype, sizeFromShape(outShape));
  const r = outShape.length;
  if (r > 0 && steps[r - 1] === 1 && outShape[r - 1]! > 1) {
    // The last axis is contiguous in x: the same copy, one run of that axis at a time.
    const run = outShape[r - 1]!;
    forEachOffset(outShape.slice(0, -1), base, steps.slice(0, -1), (p, o) => {
      out.set(xv.subarray(o, o + run), p * run);
    });
  } else {
    forEachOffset(outShape, base, steps, (p, o) => {
      out[p] = xv[o]!;
    });
  }
  return be.make(out, outShape, x.dtype);
}

/** out[base + Σ idx·steps] = src[p] over src's shape. */
function scatterView(out: TypedArray, src: TypedArray, srcShape: readonly number[], base: number, steps: readonly number[]): void {
  forEachOffset(srcShape, base, steps, (p, o) => {
    out[o] = src[p]!;
  });
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** `[i,j,k]` multi-index of flat position `p` in `shape` (for error messages). */
function multiIndex(p: number, shape: readonly number[]): string {
  const s = stridesOf(shape);
  const idx = s.map((st, d) => Math.floor(p / st) % shape[d]!);
  return `[${idx.join(',')}]`;
}

const prod = (a: readonly number[]): number => sizeFromShape(a);

export const shapeKernels: Record<string, KernelFunc> = {
  /** y.shape[k] = x.shape[perm[k]]. */
  Transpose: (args) => {
    const x = args.inputs['x']!;
    const perm = args.attrs['perm'] as number[];
    const xs = stridesOf(x.shape);
    return gatherView(ref(args), x, 0, perm.map((p) => xs[p]!), perm.map((p) => x.shape[p]!));
  },

  /** y = x[begin[d] : begin[d] + size[d]] on every axis. */
  Slice: (args) => {
    const x = args.inputs['x']!;
    const begin = args.attrs['begin'] as number[];
    const size = args.attrs['size'] as number[];
    const xs = stridesOf(x.shape);
    return gatherView(ref(args), x, dot(begin, xs), xs, size);
  },

  /** y[i_0..] = x[begin[d] + i_d·strides[d]], output shape `size` (one entry per axis of x). */
  StridedSlice: (args) => {
    const x = args.inputs['x']!;
    const begin = args.attrs['begin'] as number[];
    const strides = args.attrs['strides'] as number[];
    const size = args.attrs['size'] as number[];
    const xs = stridesOf(x.shape);
    return gatherView(ref(args), x, dot(begin, xs), strides.map((s, d) => s * xs[d]!), size);
  },

  /** Adjoint of StridedSlice: zeros of `shape` with dy scattered at begin + i·strides. */
  StridedSliceGrad: (args) => {
    const be = ref(args);
    const dy = args.inputs['dy']!;
    const shape = args.attrs['shape'] as number[];
    const begin = args.attrs['begin'] as number[];
    const strides = args.attrs['strides'] as number[];
    const out = be.alloc(dy.dtype, sizeFromShape(shape));
    const os = stridesOf(shape);
    scatterView(out, be.values(dy), dy.shape, dot(begin, os), strides.map((s, d) => s * os[d]!));
    return be.make(out, shape, dy.dtype);
  },

  /** Reverses the listed axes. */
  Reverse: (args) => {
    const x = args.inputs['x']!;
    const axes = args.attrs['axes'] as number[];
    const xs = stridesOf(x.shape);
    let base = 0;
    const steps = xs.map((s, d) => {
      if (!axes.includes(d)) return s;
      base += (x.shape[d]! - 1) * s;
      return -s;
    });
    return gatherView(ref(args), x, base, steps, x.shape);
  },

  /** Pads each axis with paddings[d] = [before, after] copies of constantValue. */
  PadV2: (args) => {
    const be = ref(args);
    const x = args.inputs['x']!;
    const paddings = args.attrs['paddings'] as [number, number][];
    const c = args.attrs['constantValue'] as number;
    const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const out = be.alloc(x.dtype, sizeFromShape(outShape));
    if (c !== 0) out.fill(c);
    const os = stridesOf(outShape);
    scatterView(out, be.values(x), x.shape, dot(paddings.map((p) => p[0]), os), os);
    return be.make(out, outShape, x.dtype);
  },

  /** Concatenates inputs x0..x{n-1} along `axis`. */
  Concat: (args) => {
    const be = ref(args);
    const axis = args.attrs['axis'] as number;
    const xs: TensorInfo[] = [];
    for (let i = 0; `x${i}` in args.inputs; i++) xs.push(args.inputs[`x${i}`]!);
    const outShape = xs[0]!.shape.slice();
    outShape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0);
    const dtype = xs[0]!.dtype;
    const out = be.alloc(dtype, sizeFromShape(outShape));
    const os = stridesOf(outShape);
    let offset = 0;
    for (const t of xs) {
      scatterView(out, be.values(t), t.shape, offset * os[axis]!, os);
      offset += t.shape[axis]!;
    }
    return be.make(out, outShape, dtype);
  },

  /** Splits x along `axis` into pieces of the given sizes (several outputs). */
  SplitV: (args) => {
    const be = ref(args);
    const x = args.inputs['x']!;
    const sizes = args.attrs['sizes'] as number[];
    const axis = args.attrs['axis'] as number;
    const xs = stridesOf(x.shape);
    let start = 0;
    return sizes.map((n) => {
      const shape = x.shape.slice();
      shape[axis] = n;
      const r = gatherView(be, x, start * xs[axis]!, xs, shape);
      start += n;
      return r;
    });
  },

  /** y[i] = x[i mod x.shape] with y.shape = x.shape · reps. */
  Tile: (args) => {
    const be = ref(args);
    const x = args.inputs['x']!;
    const reps = args.attrs['reps'] as number[];
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const xv = be.values(x);
    const out = be.alloc(x.dtype, sizeFromShape(outShape));
    const os = stridesOf(outShape);
    const xs = stridesOf(x.shape);
    for (let p = 0; p < out.length; p++) {
      let rem = p;
      let off = 0;
      for (let d = 0; d < outShape.length; d++) {
        const i = Math.floor(rem / os[d]!);
        rem -= i * os[d]!;
        off += (i % x.shape[d]!) * xs[d]!;
      }
      out[p] = xv[off]!;
    }
    return be.make(out, outShape, x.dtype);
  },

  /**
   * With x viewed as [B, M, A, N] (B = batch dims, A = x.shape[axis]) and indices as [B, I]:
   * y[b, m, i, n] = x[b, m, indices[b, i], n]. Out-of-range indices throw.
   */
  GatherV2: (args) => {
    const be = ref(args);
    const x = args.inputs['x']!;
    const indices = args.inputs['indices']!;
    const axis = args.attrs['axis'] as number;
    const batchDims = args.attrs['batchDims'] as number;
    const B = prod(x.shape.slice(0, batchDims));
    const M = prod(x.shape.slice(batchDims, axis));
    const A = x.shape[axis]!;
    const N = prod(x.shape.slice(axis + 1));
    const I = prod(indices.shape.slice(batchDims));
    const outShape = [...x.shape.slice(0, axis), ...indices.shape.slice(batchDims), ...x.shape.slice(axis + 1)];
    const xv = be.values(x);
    const iv = be.values(indices);
    for (let k = 0; k < iv.length; k++) {
      const j = iv[k]!;
      if (j < 0 || j >= A) {
        const where = indices.shape.length > 1 ? multiIndex(k, indices.shape) : `[${k}]`;
        fail('gather', `indices${where} = ${j} is out of range [0, ${A}) (x has shape [${x.shape}], axis ${axis})`);
      }
    }
    const out = be.alloc(x.dtype, sizeFromShape(outShape));
    let p = 0;
    for (let b = 0; b < B; b++)
      for (let m = 0; m < M; m++)
        for (let i = 0; i < I; i++) {
          const src = ((b * M + m) * A + iv[b * I + i]!) * N;
          for (let n = 0; n < N; n++) out[p++] = xv[src + n]!;
        }
    return be.make(out, outShape, x.dtype);
  },

  /** y[s, ...] = Σ over positions q of segmentIds with segmentIds[q] = s of x[q, ...]. */
  UnsortedSegmentSum: (args) => {
    const be = ref(args);
    const x = args.inputs['x']!;
    const ids = args.inputs['segmentIds']!;
    const numSegments = args.attrs['numSegments'] as number;
    const inner = x.shape.slice(ids.shape.length);
    const N = prod(inner);
    const outShape = [numSegments, ...inner];
    const xv = be.values(x);
    const iv = be.values(ids);
    const acc = new Float64Array(numSegments * N);
    for (let q = 0; q < iv.length; q++) {
      const s = iv[q]!;
      if (s < 0 || s >= numSegments) {
        const where = ids.shape.length > 1 ? multiIndex(q, ids.shape) : `[${q}]`;
        fail('unsortedSegmentSum', `segmentIds${where} = ${s} is out of range [0, ${numSegments})`);
      }
      for (let n = 0; n < N; n++) acc[s * N + n]! += xv[q * N + n]!;
    }
    const out = be.alloc(x.dtype, acc.length);
    for (let i = 0; i < acc.length; i++) out[i] = acc[i]!;
    return be.make(out, outShape, x.dtype);
  },

  /** y[..., j] = onValue if indices[...] = j else offValue; shape indices.shape + [depth]. */
  OneHot: (args) => {
    const be = ref(args);
    const indices = args.inputs['indices']!;
    const depth = args.attrs['depth'] as number;
    const onValue = args.attrs['onValue'] as number;
    const offValue = args.attrs['offValue'] as number;
    const dtype = args.attrs['dtype'] as DataType;
    const iv = be.values(indices);
    const out = be.alloc(dtype, iv.length * depth);
    if (offValue !== 0) out.fill(offValue);
    for (let k = 0; k < iv.length; k++) {
      const j = iv[k]!;
      if (j >= 0 && j < depth) out[k * depth + j] = onValue;
    }
    return be.make(out, [...indices.shape, depth], dtype);
  },

  /** y[i] = start + i·step, i < num. */
  Range: (args) => {
    const be = ref(args);
    const start = args.attrs['start'] as number;
    const step = args.attrs['step'] as number;
    const num = args.attrs['num'] as number;
    const dtype = args.attrs['dtype'] as DataType;
    const out = be.alloc(dtype, num);
    for (let i = 0; i < num; i++) out[i] = start + i * step;
    return be.make(out, [num], dtype);
  },

  /** y[i] = start + i·(stop − start)/(num − 1), float32; y[num−1] = stop exactly. */
  LinSpace: (args) => {
    const be = ref(args);
    const start = args.attrs['start'] as number;
    const stop = args.attrs['stop'] as number;
    const num = args.attrs['num'] as number;
    const out = be.alloc('float32', num);
    const step = num > 1 ? (stop - start) / (num - 1) : 0;
    for (let i = 0; i < num; i++) out[i] = start + i * step;
    if (num > 1) out[num - 1] = stop;
    return be.make(out, [num], 'float32');
  },
};
