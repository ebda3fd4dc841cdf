/** 1/x. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';

export const reciprocal = op('reciprocal', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'reciprocal');
  assertFloat($x, 'x', 'reciprocal');
  return ENGINE.runKernel('Reciprocal', { x: $x });
});

// d (1/x) = -1/x² = -y²
ENGINE.registerGradient('Reciprocal', (dy, { outputs }) => {
  const y = outputs[0]!;
  return { x: () => neg(mul(dy, mul(y, y))) };
});
