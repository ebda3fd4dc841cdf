/**
 * computeWeightedLoss(losses, weights?, reduction = SUM_BY_NONZERO_WEIGHTS): TF1
 * `tf.losses.compute_weighted_loss` / TF.js `tf.losses.computeWeightedLoss`.
 *   weighted = losses · weights (weights omitted ≡ 1)
 *   NONE → weighted; SUM → Σ weighted; MEAN → Σ weighted / Σ broadcast(weights);
 *   SUM_BY_NONZERO_WEIGHTS → Σ weighted / #{broadcast(weights) ≠ 0};
 *   SUM_OVER_BATCH_SIZE → Σ weighted / size(losses).
 * Divisions are "safe" (TF's div_no_nan): a zero denominator gives 0.
 * Weights follow TF's `assert_broadcastable`: a scalar, or the same rank as `losses` with each
 * dimension 1 or equal to the losses' dimension (so per-example weights for losses [batch, d]
 * have shape [batch, 1]); anything else throws.
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { cast } from '../ops/cast.ts';
import { notEqual, equal } from '../ops/compare.ts';
import type { TensorLike } from '../ops/convert.ts';
import { onesLike, scalar, zerosLike } from '../ops/creation.ts';
import { div } from '../ops/div.ts';
import { mul } from '../ops/mul.ts';
import { op } from '../ops/op.ts';
import { sum } from '../ops/sum.ts';
import { where } from '../ops/where.ts';
import { parseReduction, Reduction, type ReductionLike } from './reduction.ts';
import { toFloat } from './util.ts';

/** num / den, or 0 where den is 0 (gradient-safe: the unused branch never divides by 0). */
function safeDiv(num: Tensor, den: Tensor): Tensor {
  const isZero = equal(den, 0);
  const safeDen = where(isZero, onesLike(den), den);
  return where(isZero, zerosLike(num), div(num, safeDen));
}

/** TF's `assert_broadcastable(weights, values)` for static shapes. */
export function assertWeightsBroadcastable(name: string, weights: Tensor, losses: Tensor, lossesDesc = 'losses'): void {
  if (weights.rank === 0) return;
  const bad = weights.rank !== losses.rank || weights.shape.some((d, i) => d !== 1 && d !== losses.shape[i]);
  if (bad) {
    fail(
      name,
      `\`weights\` must be a scalar or have the same rank as the ${lossesDesc} with each dimension 1 or equal to theirs, received weights ${fmtShape(weights.shape)} for ${lossesDesc} ` +
        `${fmtShape(losses.shape)}`,
    );
  }
}

/**
 * Applies weights and reduction to per-element losses (already float32). Used by every loss;
 * `lossesDesc` names what the weights are checked against in errors.
 */
export function weightAndReduce(
  name: string,
  losses: Tensor,
  weights: TensorLike | undefined | null,
  reduction: ReductionLike | undefined,
  lossesDesc = 'losses',
): Tensor {
  const red = parseReduction(reduction, name);
  let $weights: Tensor | null = null;
  if (weights !== undefined && weights !== null) {
    $weights = toFloat(weights, 'weights', name);
    assertWeightsBroadcastable(name, $weights, losses, lossesDesc);
  }
  const weighted = $weights === null ? losses : mul(losses, $weights);
  if (red === Reduction.NONE) return weighted;
  const total = sum(weighted);
  switch (red) {
    case Reduction.SUM:
      return total;
    case Reduction.MEAN: {
      const den = $weights === null ? scalar(losses.size) : sum(mul(onesLike(losses), $weights));
      return safeDiv(total, den);
    }
    case Reduction.SUM_BY_NONZERO_WEIGHTS: {
      const den =
        $weights === null ? scalar(losses.size) : cast(sum(notEqual(mul(onesLike(losses), $weights), 0)), 'float32');
      return safeDiv(total, den);
    }
    case Reduction.SUM_OVER_BATCH_SIZE:
      return safeDiv(total, scalar(losses.size));
  }
  return fail(name, `unknown reduction ${String(red)}`);
}

/** Weighted, reduced loss from per-element `losses`; see the file comment. */
export const computeWeightedLoss = op(
  'losses.computeWeightedLoss',
  (losses: TensorLike, weights?: TensorLike | null, reduction: ReductionLike = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor => {
    const name = 'losses.computeWeightedLoss';
    const $losses = toFloat(losses, 'losses', name);
    return weightAndReduce(name, $losses, weights, reduction);
  },
);
