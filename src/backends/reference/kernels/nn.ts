/**
 * Softmax-family kernels, all max-shifted for stability. Along axis `d` of length n, per slice:
 *   m = max x, s = Σ exp(x - m)
 *   Softmax (attr dim):        y = exp(x - m) / s
 *   LogSoftmax (attr axis):    y = x - m - log s
 *   SoftmaxCrossEntropyWithLogits (attr axis; labels, logits same shape, slice axis removed):
 *                              loss = Σ labels · (m + log s - x)   (terms with label 0 skipped,
 *                              so a -Infinity logit with label 0 adds nothing instead of NaN)
 *   SparseSoftmaxCrossEntropyWithLogits (last axis; int32 labels of shape logits.shape[:-1]):
 *                              loss = m + log s - x[label]; a label outside [0, n) throws.
 *   SigmoidCrossEntropyWithLogits (elementwise, z = labels, x = logits):
 *                              loss = max(x, 0) - x·z + log(1 + exp(-|x|))
 */
import type { KernelFunc, TensorInfo } from '../../../core/backend.ts';
import type { TypedArray } from '../../../core/dtypes.ts';
import { fail } from '../../../core/errors.ts';
import { sizeFromShape } from '../../../core/shape.ts';
import type { ReferenceBackend } from '../backend.ts';
import { ref } from './util.ts';

/** Calls `fn(base, n, stride)` for every 1-D slice along `axis` (elements base + j·stride). */
function forEachSlice(shape: readonly number[], axis: number, fn: (base: number, n: number, stride: number, slice: number) => void): void {
  const n = shape[axis]!;
  const outer = sizeFromShape(shape.slice(0, axis));
  const inner = sizeFromShape(shape.slice(axis + 1));
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) fn(o * n * inner + i, n, inner, o * inner + i);
}

/** m and log s of one slice. */
function shiftAndLogSum(xv: TypedArray, base: number, n: number, stride: number): [number, number] {
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, xv[base + j * stride]!);
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(xv[base + j * stride]! - m);
  return [m, Math.log(s)];
}

function softmaxLike(be: ReferenceBackend, x: TensorInfo, axis: number, log: boolean): TensorInfo {
  const xv = be.values(x);
  const out = be.alloc(x.dtype, xv.length);
  forEachSlice(x.shape, axis, (base, n, stride) => {
    const [m, ls] = shiftAndLogSum(xv, base, n, stride);
    for (let j = 0; j < n; j++) {
      const p = base + j * stride;
      out[p] = log ? xv[p]! - m - ls : Math.exp(xv[p]! - m - ls);
    }
  });
  return be.make(out, x.shape, x.dtype);
}

export const nnKernels: Record<string, KernelFunc> = {
  Softmax: (args) => softmaxLike(ref(args), args.inputs['logits']!, args.attrs['dim'] as number, false),
  LogSoftmax: (args) => softmaxLike(ref(args), args.inputs['logits']!, args.attrs['axis'] as number, true),

  SoftmaxCrossEntropyWithLogits: (args) => {
    const be = ref(args);
    const labels = args.inputs['labels']!;
    const logits = args.inputs['logits']!;
    const axis = args.attrs['axis'] as number;
    const xv = be.values(logits);
    const zv = be.values(labels);
    const outShape = logits.shape.filter((_, i) => i !== axis);
    const out = be.alloc(logits.dtype, sizeFromShape(outShape));
    forEachSlice(logits.shape, axis, (base, n, stride, slice) => {
      const [m, ls] = shiftAndLogSum(xv, base, n, stride);
      let loss = 0;
      for (let j = 0; j < n; j++) {
        const p = base + j * stride;
        const z = zv[p]!;
        if (z !== 0) loss += z * (m + ls - xv[p]!);
      }
      out[slice] = loss;
    });
    return be.make(out, outShape, logits.dtype);
  },

  SparseSoftmaxCrossEntropyWithLogits: (args) => {
    const be = ref(args);
    const labels = args.inputs['labels']!;
    const logits = args.inputs['logits']!;
    const axis = logits.shape.length - 1;
    const xv = be.values(logits);
    const lv = be.values(labels);
    const out = be.alloc(logits.dtype, lv.length);
    forEachSlice(logits.shape, axis, (base, n, stride, slice) => {
      const label = lv[slice]!;
      if (!(label >= 0 && label < n)) {
        fail('sparseSoftmaxCrossEntropyWithLogits', `\`labels\` must be in [0, ${n}) (the number of classes), received labels[${slice}] = ${label}`);
      }
      const [m, ls] = shiftAndLogSum(xv, base, n, stride);
      out[slice] = m + ls - xv[base + label * stride]!;
    });
    return be.make(out, labels.shape, logits.dtype);
  },

  SigmoidCrossEntropyWithLogits: (args) => {
    const be = ref(args);
    const labels = args.inputs['labels']!;
    const logits = args.inputs['logits']!;
    const xv = be.values(logits);
    const zv = be.values(labels);
    const out = be.alloc(logits.dtype, xv.length);
    for (let i = 0; i < xv.length; i++) {
      const x = xv[i]!;
      out[i] = Math.max(x, 0) - x * zv[i]! + Math.log1p(Math.exp(-Math.abs(x)));
    }
    return be.make(out, logits.shape, logits.dtype);
  },
};
