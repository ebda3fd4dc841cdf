/** elu(x) = x for x > 0, e^x - 1 otherwise (alpha = 1, as TF). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { add } from './add.ts';
import { greater } from './compare.ts';
import { mul } from './mul.ts';
import { where } from './where.ts';

export const elu = op('elu', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'elu');
  assertFloat($x, 'x', 'elu');
  return ENGINE.runKernel('Elu', { x: $x });
});

// d elu = 1 for x > 0, e^x = y + 1 otherwise.
ENGINE.registerGradient('Elu', (dy, { inputs, outputs }) => ({
  x: () => where(greater(inputs['x']!, 0), dy, mul(dy, add(outputs[0]!, 1))),
}));
