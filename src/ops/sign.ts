/** sign(x): -1, 0 or 1 (NaN stays NaN); float32 or int32. Piecewise constant: gradient zero. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { zerosLike } from './creation.ts';
import { op } from './op.ts';

export const sign = op('sign', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'sign');
  assertNumeric($x, 'x', 'sign');
  return ENGINE.runKernel('Sign', { x: $x });
});

ENGINE.registerGradient('Sign', (_dy, { inputs }) => ({ x: () => zerosLike(inputs['x']!) }));
