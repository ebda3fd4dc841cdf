/**
 * logSumExp(x, axis?, keepDims?) = log Σ exp(x) over `axis` (all axes when omitted), computed
 * stably as m + log Σ exp(x - m) with m = max(x) held constant (stop-gradient, as TF's
 * reduce_logsumexp; a non-finite max is replaced by 0, so an all -Infinity slice gives
 * -Infinity). Gradient: dx = dy · softmax(x) over the reduced axes, obtained by
 * differentiating the composition.
 */
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { exp } from './exp.ts';
import { log } from './log.ts';
import { max } from './max.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { sub } from './sub.ts';
import { sum } from './sum.ts';
import { zerosLike } from './creation.ts';
import { isFinite } from './is_nan.ts';
import { where } from './where.ts';
import { noGrad } from '../autodiff/tape.ts';

/**
 * max(x) over `axes` (kept dims), held constant: it only shifts for stability. A non-finite
 * maximum is replaced by 0 (TF's reduce_logsumexp), so all -Infinity gives -Infinity, not NaN.
 */
export function stableShift(x: Tensor, axes: number[]): Tensor {
  return noGrad(() => {
    const m = max(x, axes, true);
    return where(isFinite(m), m, zerosLike(m));
  });
}

export const logSumExp = op('logSumExp', (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => {
  const $x = convertToTensor(x, 'x', 'logSumExp');
  assertFloat($x, 'x', 'logSumExp');
  const axes = parseAxes(axis, $x.rank, 'logSumExp');
  const m = stableShift($x, axes);
  const s = log(sum(exp(sub($x, m)), axes, true));
  const r = add(s, m);
  return keepDims ? r : reshape(r, $x.shape.filter((_, i) => !axes.includes(i)));
});
