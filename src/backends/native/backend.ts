/**
 * The native backend: the reference backend's storage handles (`RefData` holding JS typed
 * arrays) and kernels, with the hot kernels replaced by C++ ones from the Node-API addon
 * (native/). Float32 outputs of ≥ 1024 elements are 64-byte aligned views into V8
 * ArrayBuffers, recycled through a pool when their tensor is disposed (../pooled.ts); the
 * multi-threaded kernels run on the addon's persistent thread pool (native/src/pool.h) in fixed
 * chunks, so no result depends on the thread count. Fused kernels: fused_kernels.ts;
 * convolution, pooling, batch norm, softmax: conv_kernels.ts, norm_kernels.ts.
 *
 * BatchMatMul (float32): out[p] = op(a[p]) · op(b[p]) computed by the addon's packed,
 * cache-blocked GEMM (AVX2+FMA micro-kernel when the CPU has it, a portable one otherwise)
 * directly on the inputs' Float32Arrays, written into a new Float32Array (no copies). It
 * accumulates in float32 (with FMA), so it differs from the reference kernel (float64
 * accumulation) by rounding only: relative error ~1e-6·√k; results are identical run to run
 * and whatever the thread count (large products split C's columns over threads).
 *
 * Add, Sub, Mul, Div, Greater, GreaterEqual, Less, LessEqual (float32; same shapes, a scalar
 * operand, one operand a row broadcast over the trailing axes, or a column — the output's shape
 * with the last axis 1 — broadcast along the last axis), Relu and Select (same
 * shapes, or scalar t/e): C++ loops (vectorised; threaded from 2^17 elements), bit-identical
 * to the reference kernels (IEEE float32 +−×÷
 * is the float64 result rounded once, as the reference stores it). Sum (float32) over a
 * contiguous block of axes: float64 accumulation in increasing index order, rounded once, the
 * reference's order and precision, so also bit-identical.
 *
 * int32/bool inputs, other broadcast patterns and every other kernel are the reference ones,
 * unchanged.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { broadcastShapes, sizeFromShape } from '../../core/shape.ts';
import { PooledBackend } from '../pooled.ts';
import { kernels as referenceKernels } from '../reference/kernels/index.ts';
import { matMulGeometry } from '../reference/kernels/linalg.ts';
import { contiguousReduceGeometry } from '../reference/kernels/reduce.ts';
import type { NativeAddon } from './loader.ts';
import { hasBackwardKernels, hasFusedKernels, hasStorage, NATIVE_BACKWARD_KERNELS, NATIVE_FUSED_KERNELS, nativeBackwardKernels, nativeFusedKernels } from './fused_kernels.ts';
import { hasNnKernels, NATIVE_NN_KERNELS, nativeNnKernels } from './conv_kernels.ts';
import { hasSeqKernels, NATIVE_SEQ_KERNELS, nativeActivationKernels, nativeSeqKernels } from './seq_kernels.ts';

/**
 * The addon's broadcast mode for out = f(a, b) (see NativeAddon.binary), or null when the
 * pattern is not one it handles: [mode, inner, outShape].
 */
function broadcastMode(a: TensorInfo, b: TensorInfo): [number, number, number[]] | null {
  const outShape = broadcastShapes(a.shape, b.shape);
  const n = sizeFromShape(outShape);
  const na = sizeFromShape(a.shape);
  const nb = sizeFromShape(b.shape);
  if (na === n && nb === n) return [0, n, outShape];
  if (nb === 1 && na === n) return [1, 1, outShape];
  if (na === 1 && nb === n) return [2, 1, outShape];
  // A row: the operand's shape without leading 1s equals the trailing axes of the output.
  const isRow = (s: readonly number[]): boolean => {
    let i = 0;
    while (i < s.length && s[i] === 1) i++;
    const t = s.slice(i);
    const tail = outShape.slice(outShape.length - t.length);
    return t.length > 0 && t.every((d, j) => d === tail[j]);
  };
  if (na === n && nb > 0 && isRow(b.shape)) return [3, nb, outShape];
  if (nb === n && na > 0 && isRow(a.shape)) return [4, na, outShape];
  // A column: the output's shape with the last axis 1 (a per-row value, e.g. x / sum(x, -1, true)).
  const inner = outShape[outShape.length - 1]!;
  const isColumn = (s: readonly number[]): boolean => {
    if (inner <= 1 || s.length === 0 || s.length > outShape.length || s[s.length - 1] !== 1) return false;
    // Left-padded with 1s to the output's rank, it is the output's shape with the last axis 1.
    const pad = outShape.length - s.length;
    for (let j = 0; j < outShape.length - 1; j++) if ((j < pad ? 1 : s[j - pad]!) !== outShape[j]) return false;
    return true;
  };
  if (na === n && isColumn(b.shape)) return [5, inner, outShape];
  if (nb === n && isColumn(a.shape)) return [6, inner, outShape];
  return null;
}

/** Float32 storage of a kernel input, or null (other dtypes fall back to the reference). */
function f32(be: NativeBackend, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = be.values(t);
  return v instanceof Float32Array ? v : null;
}

function nativeKernels(addon: NativeAddon): Record<string, KernelFunc> {
  const refBatchMatMul = referenceKernels['BatchMatMul']!;
  const binary = (name: string, op: number): KernelFunc => {
    const fallback = referenceKernels[name]!;
    return (args: KernelArgs) => {
      const be = args.backend as NativeBackend;
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const av = f32(be, a);
      const bv = f32(be, b);
      const mode = av && bv ? broadcastMode(a, b) : null;
      if (!mode) return fallback(args);
      const out = be.allocF32(sizeFromShape(mode[2]));
      if (out.length > 0) addon.binary(op, mode[0], mode[1], av!, bv!, out);
      return be.make(out, mode[2], 'float32');
    };
  };
  const compare = (name: string, op: number): KernelFunc => {
    const fallback = referenceKernels[name]!;
    return (args: KernelArgs) => {
      const be = args.backend as NativeBackend;
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const av = f32(be, a);
      const bv = f32(be, b);
      const mode = av && bv ? broadcastMode(a, b) : null;
      if (!mode) return fallback(args);
      const out = new Uint8Array(sizeFromShape(mode[2]));
      if (out.length > 0) addon.compare(op, mode[0], mode[1], av!, bv!, out);
      return be.make(out, mode[2], 'bool');
    };
  };
  const refSlice = referenceKernels['Slice']!;
  const refRelu = referenceKernels['Relu']!;
  const refSelect = referenceKernels['Select']!;
  const refSum = referenceKernels['Sum']!;
  const refPad = referenceKernels['PadV2']!;
  const refMean = referenceKernels['Mean']!;
  return {
    Add: binary('Add', 0),
    Sub: binary('Sub', 1),
    Mul: binary('Mul', 2),
    Div: binary('Div', 3),
    Greater: compare('Greater', 0),
    GreaterEqual: compare('GreaterEqual', 1),
    Less: compare('Less', 2),
    LessEqual: compare('LessEqual', 3),
    Relu: (args) => {
      const be = args.backend as NativeBackend;
      const x = args.inputs['x']!;
      const xv = f32(be, x);
      if (!xv) return refRelu(args);
      const out = be.allocF32(xv.length);
      addon.relu(xv, out);
      return be.make(out, x.shape, 'float32');
    },
    Select: (args) => {
      const be = args.backend as NativeBackend;
      const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
      const tv = f32(be, t);
      const ev = f32(be, e);
      const cv = be.values(condition);
      const n = cv.length;
      const outShape = broadcastShapes(broadcastShapes(condition.shape, t.shape), e.shape);
      if (!tv || !ev || !(cv instanceof Uint8Array) || !sameShape(outShape, condition.shape) ||
          (tv.length !== n && tv.length !== 1) || (ev.length !== n && ev.length !== 1)) return refSelect(args);
      const out = be.allocF32(n);
      if (n > 0) addon.select(cv, tv, ev, out);
      return be.make(out, outShape, 'float32');
    },
    BatchMatMul: (args) => {
      const be = args.backend as NativeBackend;
      const a = args.inputs['a']!;
      const b = args.inputs['b']!;
      const av = f32(be, a);
      const bv = f32(be, b);
      if (!av || !bv) return refBatchMatMul(args);
      const { ta, tb, ba, bb, batch, m, k, n } = matMulGeometry(args);
      const out = be.allocF32(batch * m * n);
      addon.batchMatMul(av, bv, out, batch, ba, bb, m, n, k, ta, tb);
      return be.make(out, [batch, m, n], 'float32');
    },
    // A slice that is one contiguous run of x (full trailing axes, size 1 before the first
    // partial axis: a batch of rows, `predict`'s and `fit`'s batches) is one copy into pooled
    // storage, without the reference kernel's zero-fill and index walk. Other slices: reference.
    // (A view of x's storage was tried: no copy, but the next kernel then read the rows from
    // memory instead of cache, and W5 got slower.)
    Slice: (args) => {
      const be = args.backend as NativeBackend;
      const x = args.inputs['x']!;
      const xv = f32(be, x);
      if (!xv) return refSlice(args);
      const begin = args.attrs['begin'] as number[];
      const size = args.attrs['size'] as number[];
      const rank = x.shape.length;
      let j = rank - 1;
      while (j >= 0 && begin[j] === 0 && size[j] === x.shape[j]) j--;
      for (let d = 0; d < j; d++) if (size[d] !== 1) return refSlice(args);
      let offset = 0;
      let stride = 1;
      for (let d = rank - 1; d >= 0; d--) {
        offset += begin[d]! * stride;
        stride *= x.shape[d]!;
      }
      const n = sizeFromShape(size);
      const out = be.allocF32(n);
      out.set(xv.subarray(offset, offset + n));
      return be.make(out, size.slice(), 'float32');
    },
    // Constant padding (ZeroPadding2D, tf.pad) of float32: the constant everywhere, then x's rows
    // copied in as runs that are contiguous in both x and the output (all trailing axes after the
    // last padded one). The same values as the reference kernel, without its index walk.
    PadV2: (args) => {
      const be = args.backend as NativeBackend;
      const x = args.inputs['x']!;
      const xv = f32(be, x);
      const paddings = args.attrs['paddings'] as [number, number][];
      const c = args.attrs['constantValue'] as number;
      if (!xv || x.shape.length === 0 || paddings.length !== x.shape.length) return refPad(args);
      const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
      const out = be.allocF32(sizeFromShape(outShape));
      out.fill(c);
      if (xv.length === 0) return be.make(out, outShape, 'float32');
      const rank = x.shape.length;
      let j = rank - 1;
      while (j > 0 && paddings[j]![0] === 0 && paddings[j]![1] === 0) j--;
      let inner = 1;
      for (let d = j + 1; d < rank; d++) inner *= x.shape[d]!;
      const run = x.shape[j]! * inner;
      // Output strides of axes 0..j, and the offset of x's first element.
      const os = new Array<number>(j + 1);
      let stride = inner;
      for (let d = j; d >= 0; d--) {
        os[d] = stride;
        stride *= outShape[d]!;
      }
      let base = 0;
      for (let d = 0; d <= j; d++) base += paddings[d]![0] * os[d]!;
      const idx = new Array<number>(j).fill(0);
      const rows = xv.length / run;
      for (let r = 0, src = 0; r < rows; r++, src += run) {
        let dst = base;
        for (let d = 0; d < j; d++) dst += idx[d]! * os[d]!;
        out.set(xv.subarray(src, src + run), dst);
        for (let d = j - 1; d >= 0; d--) {
          if (++idx[d]! < x.shape[d]!) break;
          idx[d] = 0;
        }
      }
      return be.make(out, outShape, 'float32');
    },
    Sum: sumOrMean(false),
    Mean: sumOrMean(true),
  };
  function sumOrMean(mean: boolean): KernelFunc {
    const fallback = mean ? refMean : refSum;
    return (args) => {
      const be = args.backend as NativeBackend;
      const x = args.inputs['x']!;
      const xv = f32(be, x);
      const g = xv ? contiguousReduceGeometry(x.shape, args.attrs['axes'] as number[], args.attrs['keepDims'] === true) : null;
      if (!g) return fallback(args);
      const { outer, mid, inner, outShape } = g;
      const out = be.allocF32(outer * inner);
      if (out.length > 0) addon.sum(xv!, out, outer, mid, inner, mean);
      return be.make(out, outShape, 'float32');
    };
  }
}

function sameShape(x: readonly number[], y: readonly number[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

/** Names of the kernels this backend implements natively (the rest are the reference ones). */
export const NATIVE_KERNELS = [
  'BatchMatMul', 'Add', 'Sub', 'Mul', 'Div', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Relu', 'Select', 'Slice', 'PadV2', 'Sum', 'Mean',
  ...NATIVE_NN_KERNELS, ...NATIVE_FUSED_KERNELS, ...NATIVE_BACKWARD_KERNELS, ...NATIVE_SEQ_KERNELS,
] as const;

export class NativeBackend extends PooledBackend {
  override readonly kernels: Readonly<Record<string, KernelFunc>>;

  constructor(readonly addon: NativeAddon) {
    // Outputs 64-byte aligned (the addon finds the boundary); no pool without that helper.
    super({ name: 'native' }, hasStorage(addon) ? (buffer) => addon.alignOffset(buffer) : null, hasStorage(addon));
    // Convolution, pooling and softmax kernels: conv_kernels.ts.
    this.kernels = { ...referenceKernels, ...nativeKernels(addon), ...(hasNnKernels(addon) ? nativeNnKernels(addon) : {}),
      ...(hasFusedKernels(addon) ? nativeFusedKernels(addon) : {}), ...(hasBackwardKernels(addon) ? nativeBackwardKernels(addon) : {}),
      // Tanh, Sigmoid and the fused recurrent layer kernels: seq_kernels.ts.
      ...(hasSeqKernels(addon) ? { ...nativeActivationKernels(addon, referenceKernels), ...nativeSeqKernels(addon) } : {}) };
  }
}
