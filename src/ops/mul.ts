import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { reduceTo } from './broadcast_util.ts';
import type { TensorLike } from './convert.ts';
import { op } from './op.ts';

/** a * b elementwise, with broadcasting. */
export const mul = op('mul', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = binaryArgs(a, b, 'mul');
  return ENGINE.runKernel('Mul', { a: $a, b: $b });
});

ENGINE.registerGradient('Mul', (dy, { inputs }) => ({
  a: () => reduceTo(mul(dy, inputs['b']!), inputs['a']!.shape),
  b: () => reduceTo(mul(dy, inputs['a']!), inputs['b']!.shape),
}));
