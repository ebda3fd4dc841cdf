/**
 * mod(a, b): floor-mod, a - floor(a/b)·b, so the result has the sign of the divisor
 * (TF's FloorMod: mod(-1, 3) = 2, mod(1, -3) = -2). float32 or int32, with broadcasting.
 * Gradient (TF): d/da = 1, d/db = -floor(a/b).
 */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { reduceTo } from './broadcast_util.ts';
import type { TensorLike } from './convert.ts';
import { floorDiv } from './floor_div.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';
import { op } from './op.ts';

export const mod = op('mod', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = binaryArgs(a, b, 'mod');
  return ENGINE.runKernel('FloorMod', { a: $a, b: $b });
});

ENGINE.registerGradient('FloorMod', (dy, { inputs }) => {
  const a = inputs['a']!;
  const b = inputs['b']!;
  return {
    a: () => reduceTo(dy, a.shape),
    b: () => reduceTo(mul(dy, neg(floorDiv(a, b))), b.shape),
  };
});
