/**
 * maximum(a, b) elementwise with broadcasting (float32 or int32; NaN propagates).
 * Gradient (TF): to `a` where a >= b, to `b` where a < b (ties go to `a`).
 */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { reduceTo } from './broadcast_util.ts';
import { greaterEqual } from './compare.ts';
import type { TensorLike } from './convert.ts';
import { op } from './op.ts';
import { where } from './where.ts';

export const maximum = op('maximum', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = binaryArgs(a, b, 'maximum');
  return ENGINE.runKernel('Maximum', { a: $a, b: $b });
});

ENGINE.registerGradient('Maximum', (dy, { inputs }) => {
  const a = inputs['a']!;
  const b = inputs['b']!;
  const toA = greaterEqual(a, b);
  return {
    a: () => reduceTo(where(toA, dy, 0), a.shape),
    b: () => reduceTo(where(toA, 0, dy), b.shape),
  };
});
