/** x² (float32 or int32; int32 wraps around on overflow as in TF). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';

export const square = op('square', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'square');
  assertNumeric($x, 'x', 'square');
  return ENGINE.runKernel('Square', { x: $x });
});

// d x² = 2x
ENGINE.registerGradient('Square', (dy, { inputs }) => ({ x: () => mul(dy, mul(inputs['x']!, 2)) }));
