import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { noGrad } from '../autodiff/tape.ts';

/**
 * The same values with no gradient path (TensorFlow's `tf.stop_gradient`): the copy is made
 * with every tape paused, so nothing that depends on it sends a gradient back to `x`.
 */
export const stopGradient = op('stopGradient', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'stopGradient');
  return noGrad(() => ENGINE.runKernel('Identity', { x: $x }));
});
