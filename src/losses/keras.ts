/**
 * Keras losses (`compile({loss: 'categoricalCrossentropy'})`), Keras 3 formulas. Each returns the
 * per-sample loss (reduced over the last axis); `reduceLoss` then averages over the batch
 * ("sum_over_batch_size"), weighting by `sampleWeight` when given.
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { abs } from '../ops/abs.ts';
import { add } from '../ops/add.ts';
import { cast } from '../ops/cast.ts';
import { clipByValue } from '../ops/clip_by_value.ts';
import { div } from '../ops/div.ts';
import { log } from '../ops/log.ts';
import { mean } from '../ops/mean.ts';
import { mul } from '../ops/mul.ts';
import { neg } from '../ops/neg.ts';
import { oneHot } from '../ops/one_hot.ts';
import { reshape } from '../ops/reshape.ts';
import { sigmoidCrossEntropyWithLogits, softmaxCrossEntropyWithLogits, sparseSoftmaxCrossEntropyWithLogits } from '../ops/cross_entropy.ts';
import { square } from '../ops/square.ts';
import { sub } from '../ops/sub.ts';
import { sum } from '../ops/sum.ts';

/** Keras's backend epsilon, used to clip probabilities. */
export const EPSILON = 1e-7;

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

function sameShape(name: string, yTrue: Tensor, yPred: Tensor): void {
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    fail(name, `labels and predictions must have the same shape: labels are ${fmtShape(yTrue.shape)}, predictions ${fmtShape(yPred.shape)}`);
  }
}

function floatLabels(t: Tensor): Tensor {
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/** `categoricalCrossentropy`: −Σ y·log(p) over the last axis (p renormalized and clipped), or with logits the stable softmax form. */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false, labelSmoothing = 0): Tensor {
  sameShape('categoricalCrossentropy', yTrue, yPred);
  let y = floatLabels(yTrue);
  if (labelSmoothing > 0) {
    const k = yPred.shape[yPred.rank - 1]!;
    y = add(mul(y, 1 - labelSmoothing), labelSmoothing / k);
  }
  if (fromLogits) return softmaxCrossEntropyWithLogits({ labels: y, logits: yPred });
  const p = clipByValue(div(yPred, sum(yPred, -1, true)), EPSILON, 1 - EPSILON);
  return neg(sum(mul(y, log(p)), -1));
}

/** `sparseCategoricalCrossentropy`: integer class labels (shape [batch] or [batch, 1]). */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  let labels = yTrue;
  if (labels.rank === yPred.rank && labels.shape[labels.rank - 1] === 1) labels = reshape(labels, labels.shape.slice(0, -1));
  if (labels.rank !== yPred.rank - 1 || labels.shape.some((d, i) => d !== yPred.shape[i])) {
    fail('sparseCategoricalCrossentropy', `labels must have the predictions' shape without the class axis: labels are ${fmtShape(yTrue.shape)}, predictions ${fmtShape(yPred.shape)}`);
  }
  const ints = labels.dtype === 'int32' ? labels : cast(labels, 'int32');
  if (fromLogits) return sparseSoftmaxCrossEntropyWithLogits({ labels: ints, logits: yPred });
  return categoricalCrossentropy(cast(oneHot(ints, yPred.shape[yPred.rank - 1]!), 'float32'), yPred, false);
}

/** `binaryCrossentropy`: mean over the last axis of −(y·log p + (1−y)·log(1−p)), p clipped; or the stable logits form. */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  sameShape('binaryCrossentropy', yTrue, yPred);
  const y = floatLabels(yTrue);
  if (fromLogits) return mean(sigmoidCrossEntropyWithLogits({ labels: y, logits: yPred }), -1);
  const p = clipByValue(yPred, EPSILON, 1 - EPSILON);
  const bce = add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p))));
  return neg(mean(bce, -1));
}

export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('meanSquaredError', yTrue, yPred);
  return mean(square(sub(floatLabels(yTrue), yPred)), -1);
}

export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('meanAbsoluteError', yTrue, yPred);
  return mean(abs(sub(floatLabels(yTrue), yPred)), -1);
}

const LOSSES: Record<string, LossFn> = {
  categoricalCrossentropy: (a, b) => categoricalCrossentropy(a, b),
  sparseCategoricalCrossentropy: (a, b) => sparseCategoricalCrossentropy(a, b),
  binaryCrossentropy: (a, b) => binaryCrossentropy(a, b),
  meanSquaredError,
  meanAbsoluteError,
};
const ALIASES: Record<string, string> = {
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
  mean_squared_error: 'meanSquaredError',
  mse: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
  mae: 'meanAbsoluteError',
};

/** More losses by name, registered by keras_more.ts (kept out of this file to avoid an import cycle). */
const extra: { losses: Record<string, LossFn>; aliases: Record<string, string> } = { losses: {}, aliases: {} };
export function registerLosses(losses: Record<string, LossFn>, aliases: Record<string, string>): void {
  Object.assign(extra.losses, losses);
  Object.assign(extra.aliases, aliases);
}

/** A Keras loss object: per-sample function plus its name and `fromLogits`. */
export interface KerasLoss {
  name: string;
  fn: LossFn;
  fromLogits: boolean;
}

/** Loss by name (Keras or camelCase), function, or `{name, fromLogits}`-style object from `losses.*`. */
export function getLoss(id: string | LossFn | KerasLoss): KerasLoss {
  if (typeof id === 'function') return { name: id.name || 'custom_loss', fn: id, fromLogits: false };
  if (typeof id === 'object' && id !== null && typeof id.fn === 'function') return id;
  if (typeof id === 'string') {
    const n = ALIASES[id] ?? extra.aliases[id] ?? id;
    const fn = LOSSES[n] ?? extra.losses[n];
    if (!fn) {
      const known = [...Object.keys(LOSSES), ...Object.keys(ALIASES), ...Object.keys(extra.losses), ...Object.keys(extra.aliases)];
      fail('compile', `unknown loss '${id}' (expected one of ${known.join(', ')}, a function, or a loss object)`);
    }
    return { name: n, fn, fromLogits: false };
  }
  fail('compile', `\`loss\` must be a name, a function or a loss object, received ${typeof id}`);
}

/** Loss objects with options, as Keras classes: `losses.categoricalCrossentropy({fromLogits: true})`. */
export const kerasLosses = {
  categoricalCrossentropy: (o: { fromLogits?: boolean; labelSmoothing?: number } = {}): KerasLoss => ({
    name: 'categoricalCrossentropy',
    fn: (a, b) => categoricalCrossentropy(a, b, o.fromLogits ?? false, o.labelSmoothing ?? 0),
    fromLogits: o.fromLogits ?? false,
  }),
  sparseCategoricalCrossentropy: (o: { fromLogits?: boolean } = {}): KerasLoss => ({
    name: 'sparseCategoricalCrossentropy',
    fn: (a, b) => sparseCategoricalCrossentropy(a, b, o.fromLogits ?? false),
    fromLogits: o.fromLogits ?? false,
  }),
  binaryCrossentropy: (o: { fromLogits?: boolean } = {}): KerasLoss => ({
    name: 'binaryCrossentropy',
    fn: (a, b) => binaryCrossentropy(a, b, o.fromLogits ?? false),
    fromLogits: o.fromLogits ?? false,
  }),
  meanSquaredError: (): KerasLoss => ({ name: 'meanSquaredError', fn: meanSquaredError, fromLogits: false }),
  meanAbsoluteError: (): KerasLoss => ({ name: 'meanAbsoluteError', fn: meanAbsoluteError, fromLogits: false }),
};

/**
 * Keras's "sum_over_batch_size" reduction of per-sample losses: their mean; with sample weights,
 * Σ(loss·w) / number of samples.
 */
export function reduceLoss(perSample: Tensor, sampleWeight?: Tensor | null): Tensor {
  if (!sampleWeight) return mean(perSample);
  const w = sampleWeight.rank < perSample.rank ? reshape(sampleWeight, [...sampleWeight.shape, ...new Array(perSample.rank - sampleWeight.rank).fill(1)]) : sampleWeight;
  return div(sum(mul(perSample, w)), perSample.size);
}
