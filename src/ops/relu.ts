/** relu(x) = max(x, 0) (float32 or int32; NaN propagates). Gradient 1 for x > 0, 0 otherwise (relu'(0) = 0, TF). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { greater } from './compare.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { where } from './where.ts';

export const relu = op('relu', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'relu');
  assertNumeric($x, 'x', 'relu');
  return ENGINE.runKernel('Relu', { x: $x });
});

ENGINE.registerGradient('Relu', (dy, { inputs }) => ({ x: () => where(greater(inputs['x']!, 0), dy, 0) }));
