/** softplus(x) = log(1 + e^x), computed as log1p(e^{-|x|}) + max(x, 0) (no overflow). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { mul } from './mul.ts';
import { sigmoid } from './sigmoid.ts';

export const softplus = op('softplus', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'softplus');
  assertFloat($x, 'x', 'softplus');
  return ENGINE.runKernel('Softplus', { x: $x });
});

// d softplus = σ(x)
ENGINE.registerGradient('Softplus', (dy, { inputs }) => ({ x: () => mul(dy, sigmoid(inputs['x']!)) }));
