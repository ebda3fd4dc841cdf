/** Helpers shared by reference kernels: broadcasting loops, reductions, typed access. */
import type { KernelArgs, TensorInfo } from '../../../core/backend.ts';
import type { DataType } from '../../../core/dtypes.ts';
import { broadcastShapes, sizeFromShape, stridesOf } from '../../../core/shape.ts';
import type { ReferenceBackend } from '../backend.ts';

export function ref(args: KernelArgs): ReferenceBackend {
  return args.backend as ReferenceBackend;
}

/** Strides of `inShape` aligned to `outShape` (0 on broadcast axes and on missing leading axes). */
export function alignedStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const s = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((d, i) => (i < lead || inShape[i - lead] === 1 ? 0 : s[i - lead]!));
}

/**
 * Calls `fn(outIndex, offsetA, offsetB)` for every element of `outShape`, in row-major order,
 * with flat offsets into inputs broadcast by strides `sa` and `sb`.
 */
export function forEachBroadcast2(
  outShape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
  fn: (p: number, pa: number, pb: number) => void,
): void {
  const size = sizeFromShape(outShape);
  if (size === 0) return;
  const rank = outShape.length;
  if (rank === 0) {
    fn(0, 0, 0);
    return;
  }
  const inner = outShape[rank - 1]!;
  const ia = sa[rank - 1]!;
  const ib = sb[rank - 1]!;
  const outer = size / inner;
  const idx = new Array<number>(rank).fill(0);
  let offA = 0;
  let offB = 0;
  let p = 0;
  for (let o = 0; o < outer; o++) {
    let pa = offA;
    let pb = offB;
    for (let i = 0; i < inner; i++) {
      fn(p++, pa, pb);
      pa += ia;
      pb += ib;
    }
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      offA += sa[d]!;
      offB += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      offA -= sa[d]! * outShape[d]!;
      offB -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

/** Elementwise binary kernel body with NumPy broadcasting. */
export function binaryOp(
  args: KernelArgs,
  outDtype: DataType,
  fn: (a: number, b: number) => number,
): TensorInfo {
  const be = ref(args);
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const outShape = broadcastShapes(a.shape, b.shape);
  const av = be.values(a);
  const bv = be.values(b);
  const out = be.alloc(outDtype, sizeFromShape(outShape));
  if (av.length === out.length && bv.length === out.length) {
    for (let i = 0; i < out.length; i++) out[i] = fn(av[i]!, bv[i]!);
  } else if (bv.length === 1 && av.length === out.length) {
    const y = bv[0]!;
    for (let i = 0; i < out.length; i++) out[i] = fn(av[i]!, y);
  } else if (av.length === 1 && bv.length === out.length) {
    const x = av[0]!;
    for (let i = 0; i < out.length; i++) out[i] = fn(x, bv[i]!);
  } else {
    const sa = alignedStrides(a.shape, outShape);
    const sb = alignedStrides(b.shape, outShape);
    forEachBroadcast2(outShape, sa, sb, (p, pa, pb) => {
      out[p] = fn(av[pa]!, bv[pb]!);
    });
  }
  return be.make(out, outShape, outDtype);
}

/** Elementwise unary kernel body. */
export function unaryOp(args: KernelArgs, outDtype: DataType | null, fn: (x: number) => number): TensorInfo {
  const be = ref(args);
  const x = args.inputs['x']!;
  const xv = be.values(x);
  const dtype = outDtype ?? x.dtype;
  const out = be.alloc(dtype, xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = fn(xv[i]!);
  return be.make(out, x.shape, dtype);
}

/**
 * Generic reduction over `axes` of `x` (sorted, unique). `step(acc, v)` folds each input
 * element, in row-major input order, into its output slot starting from `init`.
 * Accumulates in float64; the output array rounds once at the end.
 */
export function reduceOp(
  be: ReferenceBackend,
  x: TensorInfo,
  axes: readonly number[],
  keepDims: boolean,
  outDtype: DataType,
  init: number,
  step: (acc: number, v: number) => number,
  finish?: (acc: number, count: number) => number,
): TensorInfo {
  const shape = x.shape;
  const xv = be.values(x);
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = sizeFromShape(kept);
  const acc = new Float64Array(outSize).fill(init);
  const ks = stridesOf(kept);
  const os = shape.map((_, i) => (axes.includes(i) ? 0 : ks[i]!));
  forEachBroadcast2(shape, os, os, (p, po) => {
    acc[po] = step(acc[po]!, xv[p]!);
  });
  const count = outSize === 0 ? 0 : sizeFromShape(shape) / outSize;
  const out = be.alloc(outDtype, outSize);
  for (let i = 0; i < outSize; i++) out[i] = finish ? finish(acc[i]!, count) : acc[i]!;
  const outShape = keepDims ? kept : shape.filter((_, i) => !axes.includes(i));
  return be.make(out, outShape, outDtype);
}
