/** relu(x) = max(x, 0) (float32 or int32; NaN propagates). Gradient 1 for x > 0, 0 otherwise (relu'(0) = 0, TF). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { greater } from './compare.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { fused, op } from './op.ts';
import { where } from './where.ts';

export const relu = op('relu', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'relu');
  assertNumeric($x, 'x', 'relu');
  return ENGINE.runKernel('Relu', { x: $x });
});

/**
 * Relu's gradient from its input or its output: where(y > 0, dy, +0) (y > 0 exactly where
 * x > 0: relu(x) = x there, 0 or NaN elsewhere). Fast path: the backward-only `_ReluGrad` kernel
 * (the same selection, one pass); when something records this backward pass (second order), the
 * composition, whose own gradient is exact.
 */
export const reluGrad = fused(
  (dy: Tensor, y: Tensor): Tensor => where(greater(y, 0), dy, 0),
  { kernel: '_ReluGrad', fits: (dy, y) => dy.dtype === 'float32' && y.dtype === 'float32', run: (dy, y) => ENGINE.runKernel('_ReluGrad', { dy, y }) },
);

ENGINE.registerGradient('Relu', (dy, { inputs }) => ({ x: () => reluGrad(dy, inputs['x']!) }));
