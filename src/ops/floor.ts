/** floor(x): largest integer <= x. Piecewise constant: its gradient is zero. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { zerosLike } from './creation.ts';

export const floor = op('floor', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'floor');
  assertFloat($x, 'x', 'floor');
  return ENGINE.runKernel('Floor', { x: $x });
});

ENGINE.registerGradient('Floor', (_dy, { inputs }) => ({ x: () => zerosLike(inputs['x']!) }));
