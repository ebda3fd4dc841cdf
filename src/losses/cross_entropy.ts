/**
 * Cross-entropy losses on logits (TF1 `tf.losses` / TF.js `tf.losses`), weighted and reduced by
 * `computeWeightedLoss` rules (default SUM_BY_NONZERO_WEIGHTS). Labels are cast to float32 and
 * must have the logits' shape.
 *   softmaxCrossEntropy(onehotLabels, logits, weights?, labelSmoothing = 0, reduction):
 *     y = onehotLabels·(1 - ls) + ls / numClasses (numClasses = last dim);
 *     L = -Σ_last y·logSoftmax(logits), one loss per example (shape logits.shape[:-1]).
 *     As TF1, the labels get no gradient (stop_gradient); d logits = softmax(logits) - y per unit
 *     row sum of y.
 *   sigmoidCrossEntropy(multiClassLabels, logits, weights?, labelSmoothing = 0, reduction):
 *     y = labels·(1 - ls) + ½·ls; L = max(x, 0) - x·y + log(1 + exp(-|x|)) elementwise.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { TensorLike } from '../ops/convert.ts';
import { add } from '../ops/add.ts';
import { mul } from '../ops/mul.ts';
import { op } from '../ops/op.ts';
import { sigmoidCrossEntropyWithLogits, softmaxCrossEntropyWithLogits } from '../ops/cross_entropy.ts';
import { stopGradient } from '../ops/stop_gradient.ts';
import { weightAndReduce } from './compute_weighted_loss.ts';
import { Reduction, type ReductionLike } from './reduction.ts';
import { assertNumberIn, assertSameShape, toFloat } from './util.ts';

const DEFAULT = Reduction.SUM_BY_NONZERO_WEIGHTS;

/** Weighted softmax cross-entropy with optional label smoothing; see the file comment. */
export const softmaxCrossEntropy = op(
  'losses.softmaxCrossEntropy',
  (onehotLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0, reduction: ReductionLike = DEFAULT): Tensor => {
    const name = 'losses.softmaxCrossEntropy';
    assertNumberIn(name, 'labelSmoothing', labelSmoothing, 0, 1);
    let $labels = toFloat(onehotLabels, 'onehotLabels', name);
    const $logits = toFloat(logits, 'logits', name);
    if ($logits.rank === 0) fail(name, '`logits` must have rank >= 1 (classes on the last axis), received a scalar');
    assertSameShape(name, 'onehotLabels', $labels, 'logits', $logits);
    if (labelSmoothing > 0) {
      const numClasses = $logits.shape[$logits.rank - 1]!;
      $labels = add(mul($labels, 1 - labelSmoothing), labelSmoothing / numClasses);
    }
    const losses = softmaxCrossEntropyWithLogits(stopGradient($labels), $logits, -1);
    return weightAndReduce(name, losses, weights, reduction, 'per-example losses');
  },
);

/** Weighted sigmoid cross-entropy with optional label smoothing; see the file comment. */
export const sigmoidCrossEntropy = op(
  'losses.sigmoidCrossEntropy',
  (multiClassLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0, reduction: ReductionLike = DEFAULT): Tensor => {
    const name = 'losses.sigmoidCrossEntropy';
    assertNumberIn(name, 'labelSmoothing', labelSmoothing, 0, 1);
    let $labels = toFloat(multiClassLabels, 'multiClassLabels', name);
    const $logits = toFloat(logits, 'logits', name);
    assertSameShape(name, 'multiClassLabels', $labels, 'logits', $logits);
    if (labelSmoothing > 0) $labels = add(mul($labels, 1 - labelSmoothing), 0.5 * labelSmoothing);
    const losses = sigmoidCrossEntropyWithLogits($labels, $logits);
    return weightAndReduce(name, losses, weights, reduction);
  },
);
