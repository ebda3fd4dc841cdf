import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { reduceTo } from './broadcast_util.ts';
import type { TensorLike } from './convert.ts';
import { neg } from './neg.ts';
import { op } from './op.ts';

/** a - b, with broadcasting. */
export const sub = op('sub', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = binaryArgs(a, b, 'sub');
  return ENGINE.runKernel('Sub', { a: $a, b: $b });
});

ENGINE.registerGradient('Sub', (dy, { inputs }) => ({
  a: () => reduceTo(dy, inputs['a']!.shape),
  b: () => reduceTo(neg(dy), inputs['b']!.shape),
}));
