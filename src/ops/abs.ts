/** |x| (float32 or int32). Gradient sign(x), so abs'(0) = 0 (TF convention). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { sign } from './sign.ts';

export const abs = op('abs', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'abs');
  assertNumeric($x, 'x', 'abs');
  return ENGINE.runKernel('Abs', { x: $x });
});

ENGINE.registerGradient('Abs', (dy, { inputs }) => ({ x: () => mul(dy, sign(inputs['x']!)) }));
