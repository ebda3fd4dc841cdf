/** σ(x) = 1 / (1 + e^{-x}), computed stably for large |x| (e^{x}/(1+e^{x}) for x < 0). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { mul } from './mul.ts';
import { sub } from './sub.ts';

export const sigmoid = op('sigmoid', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'sigmoid');
  assertFloat($x, 'x', 'sigmoid');
  return ENGINE.runKernel('Sigmoid', { x: $x });
});

// dσ = σ(1 - σ): reuse the output.
ENGINE.registerGradient('Sigmoid', (dy, { outputs }) => {
  const y = outputs[0]!;
  return { x: () => mul(dy, mul(y, sub(1, y))) };
});
