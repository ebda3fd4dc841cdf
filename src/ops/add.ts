import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { reduceTo } from './broadcast_util.ts';
import type { TensorLike } from './convert.ts';
import { op } from './op.ts';

/** a + b, with broadcasting. */
export const add = op('add', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = binaryArgs(a, b, 'add');
  return ENGINE.runKernel('Add', { a: $a, b: $b });
});

ENGINE.registerGradient('Add', (dy, { inputs }) => ({
  a: () => reduceTo(dy, inputs['a']!.shape),
  b: () => reduceTo(dy, inputs['b']!.shape),
}));
