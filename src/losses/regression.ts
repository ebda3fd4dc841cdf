/**
 * Regression-style losses (TF1 `tf.losses` / TF.js `tf.losses`), each elementwise then weighted
 * and reduced by `computeWeightedLoss` rules (default SUM_BY_NONZERO_WEIGHTS). `labels` and
 * `predictions` must have the same shape; int32/bool inputs are cast to float32 as TF does.
 *   meanSquaredError:   L = (predictions - labels)²
 *   absoluteDifference: L = |predictions - labels|
 *   huberLoss:          e = |predictions - labels|, q = min(e, δ): L = ½q² + δ(e - q)   (δ > 0, default 1)
 *   logLoss:            L = -labels·log(predictions + ε) - (1 - labels)·log(1 - predictions + ε)  (ε default 1e-7)
 *   hingeLoss:          y = 2·labels - 1 (labels in {0,1} → {-1,1}); L = max(0, 1 - y·predictions)
 *   cosineDistance:     L = 1 - Σ_axis labels·predictions (kept as a size-1 axis; inputs assumed unit-normalized)
 */
import { fail } from '../core/errors.ts';
import { parseAxis } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { abs } from '../ops/abs.ts';
import { add } from '../ops/add.ts';
import type { TensorLike } from '../ops/convert.ts';
import { log } from '../ops/log.ts';
import { minimum } from '../ops/minimum.ts';
import { mul } from '../ops/mul.ts';
import { neg } from '../ops/neg.ts';
import { op } from '../ops/op.ts';
import { relu } from '../ops/relu.ts';
import { squaredDifference } from '../ops/squared_difference.ts';
import { sub } from '../ops/sub.ts';
import { sum } from '../ops/sum.ts';
import { weightAndReduce } from './compute_weighted_loss.ts';
import { Reduction, type ReductionLike } from './reduction.ts';
import { assertNumberIn, assertSameShape, toFloat } from './util.ts';

const DEFAULT = Reduction.SUM_BY_NONZERO_WEIGHTS;

function pair(name: string, labels: TensorLike, predictions: TensorLike): [Tensor, Tensor] {
  const $labels = toFloat(labels, 'labels', name);
  const $predictions = toFloat(predictions, 'predictions', name);
  assertSameShape(name, 'labels', $labels, 'predictions', $predictions);
  return [$labels, $predictions];
}

/** Weighted mean squared error; see the file comment. */
export const meanSquaredError = op(
  'losses.meanSquaredError',
  (labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: ReductionLike = DEFAULT): Tensor => {
    const name = 'losses.meanSquaredError';
    const [$l, $p] = pair(name, labels, predictions);
    return weightAndReduce(name, squaredDifference($p, $l), weights, reduction);
  },
);

/** Weighted absolute difference (L1); see the file comment. */
export const absoluteDifference = op(
  'losses.absoluteDifference',
  (labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: ReductionLike = DEFAULT): Tensor => {
    const name = 'losses.absoluteDifference';
    const [$l, $p] = pair(name, labels, predictions);
    return weightAndReduce(name, abs(sub($p, $l)), weights, reduction);
  },
);

/** Weighted Huber loss with threshold `delta`; see the file comment. */
export const huberLoss = op(
  'losses.huberLoss',
  (labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, delta = 1, reduction: ReductionLike = DEFAULT): Tensor => {
    const name = 'losses.huberLoss';
    assertNumberIn(name, 'delta', delta, 0, Infinity, true);
    const [$l, $p] = pair(name, labels, predictions);
    const absError = abs(sub($p, $l));
    const quadratic = minimum(absError, delta);
    const linear = sub(absError, quadratic);
    const losses = add(mul(0.5, mul(quadratic, quadratic)), mul(delta, linear));
    return weightAndReduce(name, losses, weights, reduction);
  },
);

/** Weighted log loss (binary cross-entropy on probabilities); see the file comment. */
export const logLoss = op(
  'losses.logLoss',
  (labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, epsilon = 1e-7, reduction: ReductionLike = DEFAULT): Tensor => {
    const name = 'losses.logLoss';
    assertNumberIn(name, 'epsilon', epsilon, 0, Infinity);
    const [$l, $p] = pair(name, labels, predictions);
    const pos = mul($l, log(add($p, epsilon)));
    const negPart = mul(sub(1, $l), log(add(sub(1, $p), epsilon)));
    return weightAndReduce(name, sub(neg(pos), negPart), weights, reduction);
  },
);

/** Weighted hinge loss; labels in {0, 1} are mapped to {-1, 1}. See the file comment. */
export const hingeLoss = op(
  'losses.hingeLoss',
  (labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: ReductionLike = DEFAULT): Tensor => {
    const name = 'losses.hingeLoss';
    const [$l, $p] = pair(name, labels, predictions);
    const signed = sub(mul(2, $l), 1);
    return weightAndReduce(name, relu(sub(1, mul(signed, $p))), weights, reduction);
  },
);

/** Weighted cosine distance along `axis` (inputs assumed unit-normalized); see the file comment. */
export const cosineDistance = op(
  'losses.cosineDistance',
  (labels: TensorLike, predictions: TensorLike, axis: number, weights?: TensorLike | null, reduction: ReductionLike = DEFAULT): Tensor => {
    const name = 'losses.cosineDistance';
    const [$l, $p] = pair(name, labels, predictions);
    if (axis === undefined || axis === null) fail(name, '`axis` is required (the axis holding the vectors), received ' + String(axis));
    if ($l.rank === 0) fail(name, '`labels` and `predictions` must have rank >= 1, received scalars');
    const ax = parseAxis(axis, $l.rank, name);
    const losses = sub(1, sum(mul($l, $p), ax, true));
    return weightAndReduce(name, losses, weights, reduction, 'per-vector losses');
  },
);
