/**
 * `tf.losses`: TF1-style / TF.js losses that return a weighted, reduced value (default
 * Reduction.SUM_BY_NONZERO_WEIGHTS). Arguments follow TF.js order: (labels, predictions,
 * weights?, [loss parameter], reduction?).
 */
import { computeWeightedLoss } from './compute_weighted_loss.ts';
import { sigmoidCrossEntropy, softmaxCrossEntropy } from './cross_entropy.ts';
import { Reduction } from './reduction.ts';
import { absoluteDifference, cosineDistance, hingeLoss, huberLoss, logLoss, meanSquaredError } from './regression.ts';

export { Reduction, type ReductionLike, type ReductionName } from './reduction.ts';
export { computeWeightedLoss } from './compute_weighted_loss.ts';
export { softmaxCrossEntropy, sigmoidCrossEntropy } from './cross_entropy.ts';
export { meanSquaredError, absoluteDifference, huberLoss, logLoss, hingeLoss, cosineDistance } from './regression.ts';

export const losses = {
  Reduction,
  computeWeightedLoss,
  softmaxCrossEntropy,
  sigmoidCrossEntropy,
  meanSquaredError,
  absoluteDifference,
  huberLoss,
  logLoss,
  hingeLoss,
  cosineDistance,
};
