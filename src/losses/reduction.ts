/**
 * `Reduction`: how a loss tensor is reduced to the returned value (TF.js `tf.losses.Reduction`,
 * TF1 `tf.losses.Reduction`). With per-element losses L, weights w broadcast to L's shape:
 *   NONE                   → L·w (same shape as L)
 *   SUM                    → Σ L·w
 *   MEAN                   → Σ L·w / Σ w           (0 when Σ w = 0)
 *   SUM_BY_NONZERO_WEIGHTS → Σ L·w / #{w ≠ 0}      (0 when no weight is non-zero; the default)
 *   SUM_OVER_BATCH_SIZE    → Σ L·w / size(L)       (TF1 only; 0 for an empty L)
 * The numeric values are TF.js's (NONE 0, MEAN 1, SUM 2, SUM_BY_NONZERO_WEIGHTS 3);
 * TF1's string names ('none', 'weighted_sum', 'weighted_mean', 'weighted_sum_by_nonzero_weights',
 * 'weighted_sum_over_batch_size') are accepted too.
 */
import { fail } from '../core/errors.ts';

export const Reduction = {
  NONE: 0,
  MEAN: 1,
  SUM: 2,
  SUM_BY_NONZERO_WEIGHTS: 3,
  SUM_OVER_BATCH_SIZE: 4,
} as const;

export type Reduction = (typeof Reduction)[keyof typeof Reduction];

/** TF1 string names of the reductions. */
export type ReductionName =
  | 'none'
  | 'weighted_sum'
  | 'weighted_mean'
  | 'weighted_sum_by_nonzero_weights'
  | 'weighted_sum_over_nonzero_weights'
  | 'weighted_sum_over_batch_size';

export type ReductionLike = Reduction | ReductionName;

const BY_NAME: Record<string, Reduction> = {
  none: Reduction.NONE,
  weighted_sum: Reduction.SUM,
  weighted_mean: Reduction.MEAN,
  weighted_sum_by_nonzero_weights: Reduction.SUM_BY_NONZERO_WEIGHTS,
  weighted_sum_over_nonzero_weights: Reduction.SUM_BY_NONZERO_WEIGHTS,
  weighted_sum_over_batch_size: Reduction.SUM_OVER_BATCH_SIZE,
};

/** Validates a reduction argument; `undefined` gives the default SUM_BY_NONZERO_WEIGHTS. */
export function parseReduction(reduction: unknown, name: string): Reduction {
  if (reduction === undefined) return Reduction.SUM_BY_NONZERO_WEIGHTS;
  if (typeof reduction === 'number' && Object.values(Reduction).includes(reduction as Reduction)) return reduction as Reduction;
  if (typeof reduction === 'string' && Object.prototype.hasOwnProperty.call(BY_NAME, reduction)) return BY_NAME[reduction]!;
  const shown = typeof reduction === 'string' ? `'${reduction}'` : String(reduction);
  fail(
    name,
    `unknown \`reduction\`: expected Reduction.NONE (0), MEAN (1), SUM (2), SUM_BY_NONZERO_WEIGHTS (3), SUM_OVER_BATCH_SIZE (4) or a TF1 name ` +
      `(${Object.keys(BY_NAME).map((k) => `'${k}'`).join(', ')}), received ${shown}`,
  );
}
