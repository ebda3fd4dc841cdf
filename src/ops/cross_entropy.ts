/**
 * Cross-entropy losses on logits, per example (no reduction), with tf.nn semantics. Each accepts
 * the keyword form `f({ labels, logits, axis? })` (TF Python style) or the positional form
 * `f(labels, logits, axis?)`.
 *
 * softmaxCrossEntropyWithLogits: loss = -Σ labels · logSoftmax(logits) along `axis` (default
 *   -1; labels and logits float32 of the same shape; the axis is removed). Stable for any logits.
 *   Gradients as TensorFlow's kernel: d logits = dy · (softmax(logits) - labels) — the true
 *   derivative when each label row sums to 1, as TF assumes — and d labels = -dy · logSoftmax(logits).
 * sparseSoftmaxCrossEntropyWithLogits: int32 class indices `labels` of shape logits.shape[:-1];
 *   loss = -logSoftmax(logits)[label] over the last axis; a label outside [0, classes) throws,
 *   naming it. d logits = dy · (softmax(logits) - oneHot(labels)).
 * sigmoidCrossEntropyWithLogits: elementwise, TF's stable formula
 *   loss = max(x, 0) - x·z + log(1 + exp(-|x|)) (x = logits, z = labels, same shape);
 *   d x = dy · (σ(x) - z), d z = -dy · x.
 */
import { ENGINE } from '../core/engine.ts';
import { isTypedArray } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { parseAxis, shapesEqual } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { cast } from './cast.ts';
import { assertDtype, assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { tensor, zerosLike } from './creation.ts';
import { equalMask } from './max.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';
import { fused, op } from './op.ts';
import { reshape } from './reshape.ts';
import { sigmoid } from './sigmoid.ts';
import { logSoftmax, softmax } from './softmax.ts';
import { sub } from './sub.ts';

export interface CrossEntropyArgs {
  labels: TensorLike;
  logits: TensorLike;
  axis?: number;
}

function isKeywordArgs(x: unknown): x is CrossEntropyArgs {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && !Array.isArray(x) && !isTypedArray(x);
}

function parseArgs(name: string, first: CrossEntropyArgs | TensorLike, logits?: TensorLike, axis?: number): CrossEntropyArgs {
  if (isKeywordArgs(first)) {
    if (logits !== undefined) fail(name, 'pass either one object { labels, logits } or positional (labels, logits), not both');
    return first;
  }
  return { labels: first, logits: logits as TensorLike, axis };
}

function sameShape(name: string, labels: Tensor, logits: Tensor): void {
  if (!shapesEqual(labels.shape, logits.shape)) {
    fail(name, `\`labels\` and \`logits\` must have the same shape, received labels ${fmtShape(labels.shape)} and logits ${fmtShape(logits.shape)}`);
  }
}

/** Per-example softmax cross-entropy; see the file comment. */
export const softmaxCrossEntropyWithLogits = op(
  'softmaxCrossEntropyWithLogits',
  (args: CrossEntropyArgs | TensorLike, logitsArg?: TensorLike, axisArg?: number): Tensor => {
    const name = 'softmaxCrossEntropyWithLogits';
    const { labels, logits, axis = -1 } = parseArgs(name, args, logitsArg, axisArg);
    const $logits = convertToTensor(logits, 'logits', name);
    const $labels = convertToTensor(labels, 'labels', name, 'float32');
    assertFloat($logits, 'logits', name);
    assertFloat($labels, 'labels', name);
    if ($logits.rank === 0) fail(name, '`logits` must have rank >= 1, received a scalar');
    sameShape(name, $labels, $logits);
    const ax = parseAxis(axis, $logits.rank, name);
    return ENGINE.runKernel('SoftmaxCrossEntropyWithLogits', { labels: $labels, logits: $logits }, { axis: ax });
  },
);

/**
 * The logits gradient dy[.., None] · (softmax(logits) − labels); fast path: one backward-only
 * `_SoftmaxCrossEntropyGrad` kernel (the same kernels' arithmetic: same bits) along the last axis.
 */
const softmaxCrossEntropyLogitsGrad = fused(
  (dy: Tensor, logits: Tensor, labels: Tensor, axis: number): Tensor => {
    const kept = logits.shape.map((d, i) => (i === axis ? 1 : d));
    return mul(reshape(dy, kept), sub(softmax(logits, axis), labels));
  },
  {
    kernel: '_SoftmaxCrossEntropyGrad',
    fits: (dy, logits, labels, axis) =>
      logits.rank >= 2 && axis === logits.rank - 1 && logits.shape[axis]! > 1 && logits.dtype === 'float32' && labels.dtype === 'float32' && dy.dtype === 'float32',
    run: (dy, logits, labels) => ENGINE.runKernel('_SoftmaxCrossEntropyGrad', { dy, logits, labels }),
  },
);

ENGINE.registerGradient('SoftmaxCrossEntropyWithLogits', (dy, { inputs, attrs, needed }): Record<string, () => Tensor> => {
  const labels = inputs['labels']!;
  const logits = inputs['logits']!;
  const axis = attrs['axis'] as number;
  const kept = logits.shape.map((d, i) => (i === axis ? 1 : d));
  // The fast path computes the logits gradient alone: only when the labels' is not wanted.
  if (needed !== undefined && !needed.includes('labels')) return { logits: () => softmaxCrossEntropyLogitsGrad(dy, logits, labels, axis) };
  return {
    logits: () => mul(reshape(dy, kept), sub(softmax(logits, axis), labels)),
    labels: () => mul(reshape(dy, kept), neg(logSoftmax(logits, axis))),
  };
});

/** Per-example cross-entropy against int32 class indices; see the file comment. */
export const sparseSoftmaxCrossEntropyWithLogits = op(
  'sparseSoftmaxCrossEntropyWithLogits',
  (args: CrossEntropyArgs | TensorLike, logitsArg?: TensorLike): Tensor => {
    const name = 'sparseSoftmaxCrossEntropyWithLogits';
    const { labels, logits, axis } = parseArgs(name, args, logitsArg);
    if (axis !== undefined && axis !== -1) fail(name, `classes are on the last axis; \`axis\` must be -1 or omitted, received ${axis}`);
    const $logits = convertToTensor(logits, 'logits', name);
    const $labels = convertToTensor(labels, 'labels', name, 'int32');
    assertFloat($logits, 'logits', name);
    assertDtype($labels, ['int32'], 'labels', name);
    if ($logits.rank === 0) fail(name, '`logits` must have rank >= 1, received a scalar');
    if (!shapesEqual($labels.shape, $logits.shape.slice(0, -1))) {
      fail(name, `\`labels\` must have shape logits.shape[:-1] = ${fmtShape($logits.shape.slice(0, -1))}, received labels ${fmtShape($labels.shape)} and logits ${fmtShape($logits.shape)}`);
    }
    return ENGINE.runKernel('SparseSoftmaxCrossEntropyWithLogits', { labels: $labels, logits: $logits });
  },
);

ENGINE.registerGradient('SparseSoftmaxCrossEntropyWithLogits', (dy, { inputs }) => {
  const labels = inputs['labels']!;
  const logits = inputs['logits']!;
  const n = logits.shape[logits.rank - 1]!;
  return {
    logits: () => {
      const classes = tensor(Array.from({ length: n }, (_, j) => j), [n], 'float32');
      const oneHot = equalMask(reshape(cast(labels, 'float32'), [...labels.shape, 1]), classes);
      return mul(reshape(dy, [...labels.shape, 1]), sub(softmax(logits), oneHot));
    },
    labels: () => zerosLike(labels),
  };
});

/** Elementwise sigmoid cross-entropy; see the file comment. */
export const sigmoidCrossEntropyWithLogits = op(
  'sigmoidCrossEntropyWithLogits',
  (args: CrossEntropyArgs | TensorLike, logitsArg?: TensorLike): Tensor => {
    const name = 'sigmoidCrossEntropyWithLogits';
    const { labels, logits } = parseArgs(name, args, logitsArg);
    const $logits = convertToTensor(logits, 'logits', name);
    const $labels = convertToTensor(labels, 'labels', name, 'float32');
    assertFloat($logits, 'logits', name);
    assertFloat($labels, 'labels', name);
    sameShape(name, $labels, $logits);
    return ENGINE.runKernel('SigmoidCrossEntropyWithLogits', { labels: $labels, logits: $logits });
  },
);

ENGINE.registerGradient('SigmoidCrossEntropyWithLogits', (dy, { inputs }) => {
  const labels = inputs['labels']!;
  const logits = inputs['logits']!;
  return {
    logits: () => mul(dy, sub(sigmoid(logits), labels)),
    labels: () => mul(dy, neg(logits)),
  };
});
