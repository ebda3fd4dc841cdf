/** Hyperbolic tangent. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { mul } from './mul.ts';
import { sub } from './sub.ts';

export const tanh = op('tanh', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'tanh');
  assertFloat($x, 'x', 'tanh');
  return ENGINE.runKernel('Tanh', { x: $x });
});

// d tanh = 1 - tanh²: reuse the output.
ENGINE.registerGradient('Tanh', (dy, { outputs }) => {
  const y = outputs[0]!;
  return { x: () => mul(dy, sub(1, mul(y, y))) };
});
