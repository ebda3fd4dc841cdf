/** e^x - 1, accurate for small x. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { exp } from './exp.ts';
import { mul } from './mul.ts';

export const expm1 = op('expm1', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'expm1');
  assertFloat($x, 'x', 'expm1');
  return ENGINE.runKernel('Expm1', { x: $x });
});

// d (e^x - 1) = e^x
ENGINE.registerGradient('Expm1', (dy, { inputs }) => ({ x: () => mul(dy, exp(inputs['x']!)) }));
