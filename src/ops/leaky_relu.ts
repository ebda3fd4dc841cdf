/**
 * leakyRelu(x, alpha) = x for x > 0, alpha·x otherwise. Default alpha = 0.2 as TF.js's
 * `tf.leakyRelu` (Keras's `LeakyReLU` layer defaults to 0.3: that default belongs to the layer).
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { greater } from './compare.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { where } from './where.ts';

export const leakyRelu = op('leakyRelu', (x: TensorLike, alpha = 0.2): Tensor => {
  const $x = convertToTensor(x, 'x', 'leakyRelu');
  assertFloat($x, 'x', 'leakyRelu');
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) {
    fail('leakyRelu', `\`alpha\` must be a finite number, received ${String(alpha)}`);
  }
  return ENGINE.runKernel('LeakyRelu', { x: $x }, { alpha });
});

// d = 1 for x > 0, alpha otherwise.
ENGINE.registerGradient('LeakyRelu', (dy, { inputs, attrs }) => ({
  x: () => where(greater(inputs['x']!, 0), dy, mul(dy, attrs['alpha'] as number)),
}));
