/**
 * More Keras 3 losses, each the per-sample loss reduced over the last axis (ε = 1e-7):
 *
 *   meanAbsolutePercentageError  100·mean(|y − p| / max(|y|, ε))
 *   meanSquaredLogarithmicError  mean((log(max(p, ε) + 1) − log(max(y, ε) + 1))²)
 *   huber (δ = 1)                mean(|e| ≤ δ ? ½e² : δ|e| − ½δ²),  e = p − y
 *   hinge                        mean(max(1 − y·p, 0))     (labels in {0, 1} become {−1, 1})
 *   squaredHinge                 mean(max(1 − y·p, 0)²)    (same label conversion)
 *   categoricalHinge             max(max((1 − y)·p) − Σ y·p + 1, 0)
 *   kullbackLeiblerDivergence    Σ y·log(y / p),  y and p clipped to [ε, 1]
 *   poisson                      mean(p − y·log(p + ε))
 *   cosineSimilarity             −Σ ŷ·p̂,  v̂ = v·min(rsqrt(Σv²), 1/ε) = v / max(‖v‖, ε)
 *                                (Keras returns the NEGATIVE similarity)
 *   logCosh                      mean(e + softplus(−2e) − log 2),  e = p − y  (stable log(cosh e))
 *
 * The hinge label conversion is Keras's: it happens when EVERY label of the batch is 0 or 1.
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { abs } from '../ops/abs.ts';
import { add } from '../ops/add.ts';
import { cast } from '../ops/cast.ts';
import { clipByValue } from '../ops/clip_by_value.ts';
import { div } from '../ops/div.ts';
import { equal, lessEqual } from '../ops/compare.ts';
import { all } from '../ops/all_any.ts';
import { logicalOr } from '../ops/logical.ts';
import { log } from '../ops/log.ts';
import { max } from '../ops/max.ts';
import { maximum } from '../ops/maximum.ts';
import { mean } from '../ops/mean.ts';
import { minimum } from '../ops/minimum.ts';
import { mul } from '../ops/mul.ts';
import { neg } from '../ops/neg.ts';
import { rsqrt } from '../ops/rsqrt.ts';
import { softplus } from '../ops/softplus.ts';
import { square } from '../ops/square.ts';
import { sub } from '../ops/sub.ts';
import { sum } from '../ops/sum.ts';
import { where } from '../ops/where.ts';
import { EPSILON, type KerasLoss, type LossFn } from './keras.ts';

function prepare(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    fail(name, `labels and predictions must have the same shape: labels are ${fmtShape(yTrue.shape)}, predictions ${fmtShape(yPred.shape)}`);
  }
  if (yPred.rank === 0) fail(name, 'predictions must have at least one axis (the last axis is reduced), received a scalar');
  return yTrue.dtype === yPred.dtype ? yTrue : cast(yTrue, yPred.dtype);
}

export function meanAbsolutePercentageError(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = prepare('meanAbsolutePercentageError', yTrue, yPred);
  const diff = abs(div(sub(y, yPred), maximum(abs(y), EPSILON)));
  return mul(100, mean(diff, -1));
}

export function meanSquaredLogarithmicError(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = prepare('meanSquaredLogarithmicError', yTrue, yPred);
  const first = log(add(maximum(yPred, EPSILON), 1));
  const second = log(add(maximum(y, EPSILON), 1));
  return mean(square(sub(first, second)), -1);
}

export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) fail('huber', `\`delta\` must be a positive number, received ${String(delta)}`);
  const y = prepare('huber', yTrue, yPred);
  const error = sub(yPred, y);
  const absError = abs(error);
  const quadratic = mul(0.5, square(error));
  const linear = sub(mul(delta, absError), 0.5 * delta * delta);
  return mean(where(lessEqual(absError, delta), quadratic, linear), -1);
}

/** Keras `convert_binary_labels_to_hinge`: if every label is 0 or 1, map to −1/1 (with ops, so graphs can trace it). */
function hingeLabels(y: Tensor): Tensor {
  const isBinary = all(logicalOr(equal(y, 0), equal(y, 1)));
  return where(isBinary, sub(mul(2, y), 1), y);
}

export function hinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = hingeLabels(prepare('hinge', yTrue, yPred));
  return mean(maximum(sub(1, mul(y, yPred)), 0), -1);
}

export function squaredHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = hingeLabels(prepare('squaredHinge', yTrue, yPred));
  return mean(square(maximum(sub(1, mul(y, yPred)), 0)), -1);
}

export function categoricalHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = prepare('categoricalHinge', yTrue, yPred);
  const pos = sum(mul(y, yPred), -1);
  const negative = max(mul(sub(1, y), yPred), -1);
  return maximum(add(sub(negative, pos), 1), 0);
}

export function kullbackLeiblerDivergence(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = clipByValue(prepare('kullbackLeiblerDivergence', yTrue, yPred), EPSILON, 1);
  const p = clipByValue(yPred, EPSILON, 1);
  return sum(mul(y, log(div(y, p))), -1);
}

export function poisson(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = prepare('poisson', yTrue, yPred);
  return mean(sub(yPred, mul(y, log(add(yPred, EPSILON)))), -1);
}

/** Keras `ops.normalize(x, order=2)` over the last axis: x·min(rsqrt(Σx²), 1/ε). */
export function l2Normalize(x: Tensor): Tensor {
  return mul(x, minimum(rsqrt(sum(square(x), -1, true)), 1 / EPSILON));
}

export function cosineSimilarity(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = prepare('cosineSimilarity', yTrue, yPred);
  return neg(sum(mul(l2Normalize(y), l2Normalize(yPred)), -1));
}

export function logCosh(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = prepare('logCosh', yTrue, yPred);
  const e = sub(yPred, y);
  return mean(sub(add(e, softplus(mul(e, -2))), Math.log(2)), -1);
}

/** The losses by camelCase name (merged into `getLoss`). */
export const moreLosses: Record<string, LossFn> = {
  meanAbsolutePercentageError,
  meanSquaredLogarithmicError,
  huber: (a, b) => huber(a, b),
  hinge,
  squaredHinge,
  categoricalHinge,
  kullbackLeiblerDivergence,
  poisson,
  cosineSimilarity,
  logCosh,
};

/** Keras snake_case (and short) names → camelCase names of `moreLosses`. */
export const moreLossAliases: Record<string, string> = {
  mean_absolute_percentage_error: 'meanAbsolutePercentageError',
  mape: 'meanAbsolutePercentageError',
  MAPE: 'meanAbsolutePercentageError',
  mean_squared_logarithmic_error: 'meanSquaredLogarithmicError',
  msle: 'meanSquaredLogarithmicError',
  MSLE: 'meanSquaredLogarithmicError',
  huber_loss: 'huber',
  squared_hinge: 'squaredHinge',
  categorical_hinge: 'categoricalHinge',
  kl_divergence: 'kullbackLeiblerDivergence',
  kld: 'kullbackLeiblerDivergence',
  KLD: 'kullbackLeiblerDivergence',
  kullback_leibler_divergence: 'kullbackLeiblerDivergence',
  klDivergence: 'kullbackLeiblerDivergence',
  cosine_similarity: 'cosineSimilarity',
  log_cosh: 'logCosh',
  logcosh: 'logCosh',
};

/** Loss objects with options (Keras classes): `moreLossObjects.huber({delta: 2})`. */
export const moreLossObjects = {
  huber: (o: { delta?: number } = {}): KerasLoss => {
    const delta = o.delta ?? 1;
    if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) fail('Huber', `\`delta\` must be a positive number, received ${String(delta)}`);
    return { name: 'huber', fn: (a, b) => huber(a, b, delta), fromLogits: false };
  },
  ...Object.fromEntries(
    Object.entries(moreLosses)
      .filter(([k]) => k !== 'huber')
      .map(([k, fn]) => [k, (): KerasLoss => ({ name: k, fn, fromLogits: false })]),
  ),
} as { huber: (o?: { delta?: number }) => KerasLoss } & Record<string, (o?: Record<string, unknown>) => KerasLoss>;
