/** ceil(x): smallest integer >= x. Piecewise constant: its gradient is zero. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { zerosLike } from './creation.ts';

export const ceil = op('ceil', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'ceil');
  assertFloat($x, 'x', 'ceil');
  return ENGINE.runKernel('Ceil', { x: $x });
});

ENGINE.registerGradient('Ceil', (_dy, { inputs }) => ({ x: () => zerosLike(inputs['x']!) }));
