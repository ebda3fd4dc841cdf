/** squaredDifference(a, b) = (a - b)², with broadcasting (float32 or int32). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { reduceTo } from './broadcast_util.ts';
import type { TensorLike } from './convert.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';
import { op } from './op.ts';
import { sub } from './sub.ts';

export const squaredDifference = op('squaredDifference', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = binaryArgs(a, b, 'squaredDifference');
  return ENGINE.runKernel('SquaredDifference', { a: $a, b: $b });
});

// d/da = 2(a - b), d/db = -2(a - b)
ENGINE.registerGradient('SquaredDifference', (dy, { inputs }) => {
  const a = inputs['a']!;
  const b = inputs['b']!;
  const g = (): Tensor => mul(dy, mul(sub(a, b), 2));
  return {
    a: () => reduceTo(g(), a.shape),
    b: () => reduceTo(neg(g()), b.shape),
  };
});
