/** round(x) to the nearest integer, halves to even (banker's rounding, as TF: round(0.5) = 0, round(1.5) = 2, round(2.5) = 2). Piecewise constant: its gradient is zero. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { zerosLike } from './creation.ts';

export const round = op('round', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'round');
  assertFloat($x, 'x', 'round');
  return ENGINE.runKernel('Round', { x: $x });
});

ENGINE.registerGradient('Round', (_dy, { inputs }) => ({ x: () => zerosLike(inputs['x']!) }));
