/**
 * Native convolution, pooling and softmax-family kernels (native/src/conv.cc, pool2d.cc,
 * softmax.cc through nn_napi.cc), with the reference kernels' contracts (NHWC, attrs `strides`,
 * `dilations`, `pad` [top, bottom, left, right], `filterSize`; see
 * src/backends/reference/kernels/conv.ts and nn.ts). float32 only: any other dtype, or a
 * geometry the addon does not take (negative output size, sizes beyond int32), runs the reference
 * kernel.
 *
 * Numerics against the reference (float64 accumulation, one rounding):
 * - Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter: im2col + the float32 GEMM; within
 *   ~1e-6·√K relative of the reference (K = fh·fw·inC, or the pixel count for the filter
 *   gradient), identical run to run and for any thread count.
 * - DepthwiseConv2dNative and its two gradients, MaxPool, MaxPoolGrad, AvgPool, AvgPoolGrad:
 *   float64 accumulation in the reference's order: bit-identical.
 * - Softmax, LogSoftmax, SoftmaxCrossEntropyWithLogits: float64 as the reference; the C
 *   library's exp/log may differ from V8's in the last float64 bit, so a float32 result can
 *   (very rarely) differ by 1 ulp.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { IdemError } from '../../core/errors.ts';
import { sizeFromShape } from '../../core/shape.ts';
import { kernels as referenceKernels } from '../reference/kernels/index.ts';
import type { ReferenceBackend } from '../reference/backend.ts';
import { hasNormKernels, nativeNormKernels, referenceBatchNormKernels } from './norm_kernels.ts';

/** The addon's convolution, pooling and softmax entry points (see native/src/nn_napi.cc). */
export interface NnAddon {
  /**
   * op 0 Conv2D (a x, b w, out y), 1 Conv2DBackpropInput (a dy, b w, out dx), 2
   * Conv2DBackpropFilter (a x, b dy, out dw); 3/4/5 the same for depthwise. geo: Int32Array
   * [batch, inH, inW, inC, outH, outW, outC, fh, fw, sh, sw, dh, dw, top, left].
   */
  conv2d(op: number, geo: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /**
   * Conv2D with an epilogue: y = relu?((((conv + bias) − mean)·inv + beta) + residual), each
   * step one float32 operation; empty arrays for absent operands (mean and inv together).
   */
  conv2dFused(geo: Int32Array, x: Float32Array, w: Float32Array, y: Float32Array, bias: Float32Array, mean: Float32Array,
    inv: Float32Array, beta: Float32Array, residual: Float32Array, relu: boolean): void;
  /** op 0 MaxPool (a x), 1 MaxPoolGrad (a dy, b x), 2 AvgPool (a x), 3 AvgPoolGrad (a dy). */
  pool2d(op: number, geo: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** op 0 softmax, 1 log-softmax, 2 softmax cross-entropy (labels; out [outer, inner]). */
  softmax(op: number, outer: number, n: number, inner: number, x: Float32Array, labels: Float32Array, out: Float32Array): void;
}

/**
 * The fused batch-norm kernels (norm_kernels.ts): native-only like the other fused kernels (the
 * reference table lacks them), so a caller tests `ENGINE.hasKernel('FusedBatchNorm')` and runs
 * the moments + batchNorm composition elsewhere.
 */
const NORM_KERNELS = ['FusedBatchNorm', 'FusedBatchNormGrad'];

/** Kernel names this file implements natively. */
export const NATIVE_NN_KERNELS: readonly string[] = [
  'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', '_FusedConv2D',
  'DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
  'MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad',
  'Softmax', 'LogSoftmax', 'SoftmaxCrossEntropyWithLogits',
  ...NORM_KERNELS,
];

/** True when the addon was built with these entry points. */
export function hasNnKernels(addon: object): addon is NnAddon {
  const a = addon as Partial<NnAddon>;
  return typeof a.conv2d === 'function' && typeof a.conv2dFused === 'function' && typeof a.pool2d === 'function' && typeof a.softmax === 'function';
}

type Backend = ReferenceBackend;

function f32(be: Backend, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = be.values(t);
  return v instanceof Float32Array ? v : null;
}

/**
 * Output storage: the native backend's pooled, uninitialised `allocF32` (every kernel here writes
 * all of its output), else a plain zeroed array.
 */
export function newF32(be: Backend, n: number): Float32Array | null {
  const pooled = (be as { allocF32?: (n: number) => Float32Array }).allocF32;
  if (pooled) return pooled.call(be, n);
  const v = be.alloc('float32', n);
  return v instanceof Float32Array ? v : null;
}

const I32_MAX = 2 ** 31 - 1;
const EMPTY = new Float32Array(0);

/**
 * The geometry array for the addon, or null when a value is out of its range: x is the NHWC
 * input shape, [fh, fw] the window, outC the output channels, outHW the output size when known
 * (gradients: from dy), else computed from the padding as the reference does.
 */
function geometry(args: KernelArgs, xShape: readonly number[], fh: number, fw: number, outC: number, outHW?: readonly number[]): Int32Array | null {
  if (xShape.length !== 4) return null;
  const strides = args.attrs['strides'] as number[] | undefined;
  const dilations = (args.attrs['dilations'] as number[] | undefined) ?? [1, 1];
  const pad = args.attrs['pad'] as number[] | undefined;
  if (!strides || !pad || strides.length !== 2 || dilations.length !== 2 || pad.length !== 4) return null;
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const [sh, sw] = strides as [number, number];
  const [dh, dw] = dilations as [number, number];
  const [top, bottom, left, right] = pad as [number, number, number, number];
  const outH = outHW ? outHW[0]! : Math.floor((inH + top + bottom - ((fh - 1) * dh + 1)) / sh) + 1;
  const outW = outHW ? outHW[1]! : Math.floor((inW + left + right - ((fw - 1) * dw + 1)) / sw) + 1;
  const g = [batch, inH, inW, inC, outH, outW, outC, fh, fw, sh, sw, dh, dw, top, left];
  if (!g.every((v) => Number.isInteger(v) && v >= 0 && v <= I32_MAX)) return null;
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1) return null;
  // Element counts the addon multiplies out must stay exact.
  if (batch * Math.max(inH * inW * inC, outH * outW * outC) > 2 ** 48 || fh * fw * inC * outC > 2 ** 48) return null;
  return Int32Array.from(g);
}

export function nativeNnKernels(addon: NnAddon): Record<string, KernelFunc> {
  const ref = (name: string): KernelFunc => referenceKernels[name]!;

  /** Conv2D-family kernel: op 0/1/2 (or 3/4/5 depthwise). */
  const conv = (name: string, op: number): KernelFunc => {
    const fallback = ref(name);
    const depthwise = op >= 3;
    const kind = op % 3;
    return (args) => {
      const be = args.backend as Backend;
      let a: TensorInfo, b: TensorInfo, xShape: number[], wShape: number[], outHW: number[] | undefined;
      if (kind === 0) {
        a = args.inputs['x']!;
        b = args.inputs['filter']!;
        xShape = a.shape.slice();
        wShape = b.shape.slice();
      } else if (kind === 1) {
        a = args.inputs['dy']!;
        b = args.inputs['filter']!;
        xShape = (args.attrs['inputShape'] as number[]).slice();
        wShape = b.shape.slice();
        outHW = [a.shape[1]!, a.shape[2]!];
      } else {
        a = args.inputs['x']!;
        b = args.inputs['dy']!;
        xShape = a.shape.slice();
        wShape = (args.attrs['filterShape'] as number[]).slice();
        outHW = [b.shape[1]!, b.shape[2]!];
      }
      const av = f32(be, a);
      const bv = f32(be, b);
      if (!av || !bv || wShape.length !== 4 || xShape.length !== 4) return fallback(args);
      const [fh, fw, wIn, wOut] = wShape as [number, number, number, number];
      if (wIn !== xShape[3]) return fallback(args);
      const outC = depthwise ? wIn * wOut : wOut;
      const g = geometry(args, xShape, fh, fw, outC, outHW);
      if (!g) return fallback(args);
      const yShape = [xShape[0]!, g[4]!, g[5]!, outC];
      if (kind !== 0 && !sameShape((kind === 1 ? a : b).shape, yShape)) return fallback(args);
      const outShape = kind === 0 ? yShape : kind === 1 ? xShape : wShape;
      const out = newF32(be, sizeFromShape(outShape));
      if (!out) return fallback(args);
      if (out.length > 0) addon.conv2d(op, g, av, bv, out);
      return be.make(out, outShape, 'float32');
    };
  };

  /**
   * `_FusedConv2D` (native-only, like `_FusedMatMul`; src/ops/fused_conv2d.ts): inputs x, filter
   * and optionally bias, mean + inv, beta, residual; attrs as Conv2D's plus activation
   * ('linear' | 'relu'). The ops call it only with float32 NHWC operands of matching shapes.
   */
  const fusedConv: KernelFunc = (args) => {
    const be = args.backend as Backend;
    const x = args.inputs['x']!;
    const filter = args.inputs['filter']!;
    const need = (t: TensorInfo | undefined, what: string): Float32Array => {
      if (!t) return EMPTY;
      const v = f32(be, t);
      if (!v) throw new IdemError(`native _FusedConv2D: ${what} must be float32`);
      return v;
    };
    const xv = need(x, 'x');
    const wv = need(filter, 'filter');
    if (x.shape.length !== 4 || filter.shape.length !== 4 || filter.shape[2] !== x.shape[3]) {
      throw new IdemError(`native _FusedConv2D: x [b, h, w, c] and filter [fh, fw, c, outC] expected, got ${JSON.stringify(x.shape)} and ${JSON.stringify(filter.shape)}`);
    }
    const outC = filter.shape[3]!;
    const g = geometry(args, x.shape, filter.shape[0]!, filter.shape[1]!, outC);
    if (!g) throw new IdemError('native _FusedConv2D: geometry out of range');
    const yShape = [x.shape[0]!, g[4]!, g[5]!, outC];
    const vec = (name: string): Float32Array => {
      const t = args.inputs[name];
      if (t && !sameShape(t.shape, [outC])) throw new IdemError(`native _FusedConv2D: ${name} must have shape [${outC}], got ${JSON.stringify(t.shape)}`);
      return need(t, name);
    };
    const residual = args.inputs['residual'];
    if (residual && !sameShape(residual.shape, yShape)) throw new IdemError(`native _FusedConv2D: residual must have shape ${JSON.stringify(yShape)}, got ${JSON.stringify(residual.shape)}`);
    const out = newF32(be, sizeFromShape(yShape))!;
    if (out.length > 0) {
      addon.conv2dFused(g, xv, wv, out, vec('bias'), vec('mean'), vec('inv'), vec('beta'), need(residual, 'residual'), args.attrs['activation'] === 'relu');
    }
    return be.make(out, yShape, 'float32');
  };

  /** Pooling kernel: op 0 MaxPool, 1 MaxPoolGrad, 2 AvgPool, 3 AvgPoolGrad. */
  const pool = (name: string, op: number): KernelFunc => {
    const fallback = ref(name);
    return (args) => {
      const be = args.backend as Backend;
      const size = args.attrs['filterSize'] as number[] | undefined;
      if (!size || size.length !== 2) return fallback(args);
      const [fh, fw] = size as [number, number];
      const dy = op === 1 || op === 3 ? args.inputs['dy']! : null;
      const x = op === 3 ? null : args.inputs['x']!;
      const xShape = x ? x.shape.slice() : (args.attrs['inputShape'] as number[]).slice();
      const av = f32(be, dy ?? x!);
      const bv = op === 1 ? f32(be, x!) : av;
      if (!av || !bv || xShape.length !== 4) return fallback(args);
      const g = geometry(args, xShape, fh, fw, xShape[3]!, dy ? [dy.shape[1]!, dy.shape[2]!] : undefined);
      if (!g) return fallback(args);
      const yShape = [xShape[0]!, g[4]!, g[5]!, xShape[3]!];
      if (dy && !sameShape(dy.shape, yShape)) return fallback(args);
      const outShape = dy ? xShape : yShape;
      const out = newF32(be, sizeFromShape(outShape));
      if (!out) return fallback(args);
      if (out.length > 0) addon.pool2d(op, g, av, bv, out);
      return be.make(out, outShape, 'float32');
    };
  };

  /** Softmax (op 0, attr dim), LogSoftmax (op 1, attr axis), cross-entropy (op 2, attr axis). */
  const softmax = (name: string, op: number, attr: string): KernelFunc => {
    const fallback = ref(name);
    return (args) => {
      const be = args.backend as Backend;
      const logits = args.inputs['logits']!;
      const labels = op === 2 ? args.inputs['labels']! : null;
      const axis = args.attrs[attr] as number;
      const xv = f32(be, logits);
      const zv = labels ? f32(be, labels) : xv;
      const rank = logits.shape.length;
      if (!xv || !zv || !Number.isInteger(axis) || axis < 0 || axis >= rank) return fallback(args);
      if (labels && !sameShape(labels.shape, logits.shape)) return fallback(args);
      const outer = sizeFromShape(logits.shape.slice(0, axis));
      const n = logits.shape[axis]!;
      const inner = sizeFromShape(logits.shape.slice(axis + 1));
      const outShape = op === 2 ? logits.shape.filter((_, i) => i !== axis) : logits.shape.slice();
      const out = newF32(be, sizeFromShape(outShape));
      if (!out) return fallback(args);
      if (out.length > 0) addon.softmax(op, outer, n, inner, xv, zv, out);
      return be.make(out, outShape, 'float32');
    };
  };

  const norm = hasNormKernels(addon) ? nativeNormKernels(addon, { ...referenceBatchNormKernels, ...referenceKernels }) : {};
  return {
    ...Object.fromEntries(NORM_KERNELS.filter((n) => n in norm).map((n) => [n, norm[n]!])),
    Conv2D: conv('Conv2D', 0),
    Conv2DBackpropInput: conv('Conv2DBackpropInput', 1),
    Conv2DBackpropFilter: conv('Conv2DBackpropFilter', 2),
    _FusedConv2D: fusedConv,
    DepthwiseConv2dNative: conv('DepthwiseConv2dNative', 3),
    DepthwiseConv2dNativeBackpropInput: conv('DepthwiseConv2dNativeBackpropInput', 4),
    DepthwiseConv2dNativeBackpropFilter: conv('DepthwiseConv2dNativeBackpropFilter', 5),
    MaxPool: pool('MaxPool', 0),
    MaxPoolGrad: pool('MaxPoolGrad', 1),
    AvgPool: pool('AvgPool', 2),
    AvgPoolGrad: pool('AvgPoolGrad', 3),
    Softmax: softmax('Softmax', 0, 'dim'),
    LogSoftmax: softmax('LogSoftmax', 1, 'axis'),
    SoftmaxCrossEntropyWithLogits: softmax('SoftmaxCrossEntropyWithLogits', 2, 'axis'),
  };
}

function sameShape(x: readonly number[], y: readonly number[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}
