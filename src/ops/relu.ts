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

// where(x > 0, dy, +0); as one `_ReluGrad(dy, x)` kernel where the backend has it (the same
// selection: NaN and ≤ 0 give +0) — unless an outer tape records this backward pass, which then
// differentiates the composition (its second-order gradients, exactly).
ENGINE.registerGradient('Relu', (dy, { inputs }) => ({
  x: () => {
    const x = inputs['x']!;
    if (x.dtype === 'float32' && dy.dtype === 'float32' && ENGINE.fastBackward() && ENGINE.hasKernel('_ReluGrad')) {
      return ENGINE.runKernel('_ReluGrad', { dy, y: x });
    }
    return where(greater(x, 0), dy, 0);
  },
}));
