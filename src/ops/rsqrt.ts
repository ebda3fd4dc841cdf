/** 1/√x. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { mul } from './mul.ts';

export const rsqrt = op('rsqrt', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'rsqrt');
  assertFloat($x, 'x', 'rsqrt');
  return ENGINE.runKernel('Rsqrt', { x: $x });
});

// d x^{-1/2} = -1/2 x^{-3/2} = -1/2 y³
ENGINE.registerGradient('Rsqrt', (dy, { outputs }) => {
  const y = outputs[0]!;
  return { x: () => mul(dy, mul(-0.5, mul(y, mul(y, y)))) };
});
