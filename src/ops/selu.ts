/**
 * selu(x) = scale·x for x > 0, scale·alpha·(e^x - 1) otherwise, with
 * alpha = 1.6732632423543772 and scale = 1.0507009873554805 (Klambauer et al., as TF).
 */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { add } from './add.ts';
import { greater } from './compare.ts';
import { mul } from './mul.ts';
import { where } from './where.ts';

export const selu = op('selu', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'selu');
  assertFloat($x, 'x', 'selu');
  return ENGINE.runKernel('Selu', { x: $x });
});

export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

// d selu = scale for x > 0, scale·alpha·e^x = y + scale·alpha otherwise.
ENGINE.registerGradient('Selu', (dy, { inputs, outputs }) => ({
  x: () => where(greater(inputs['x']!, 0), mul(dy, SELU_SCALE), mul(dy, add(outputs[0]!, SELU_SCALE * SELU_ALPHA))),
}));
