/**
 * prelu(x, alpha) = x for x > 0, alpha·x otherwise, with a learned `alpha` that broadcasts
 * against `x` (e.g. one slope per channel).
 */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { reduceTo } from './broadcast_util.ts';
import { greater } from './compare.ts';
import { assertFloat, type TensorLike } from './convert.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { where } from './where.ts';

export const prelu = op('prelu', (x: TensorLike, alpha: TensorLike): Tensor => {
  const [$x, $alpha] = binaryArgs(x, alpha, 'prelu');
  assertFloat($x, 'x', 'prelu');
  return ENGINE.runKernel('Prelu', { x: $x, alpha: $alpha });
});

// d/dx = 1 for x > 0, alpha otherwise; d/dalpha = 0 for x > 0, x otherwise.
ENGINE.registerGradient('Prelu', (dy, { inputs }) => {
  const x = inputs['x']!;
  const alpha = inputs['alpha']!;
  const pos = greater(x, 0);
  return {
    x: () => reduceTo(where(pos, dy, mul(dy, alpha)), x.shape),
    alpha: () => reduceTo(where(pos, 0, mul(dy, x)), alpha.shape),
  };
});
