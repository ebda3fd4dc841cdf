/** sin(x), radians. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { cos } from './cos.ts';
import { mul } from './mul.ts';

export const sin = op('sin', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'sin');
  assertFloat($x, 'x', 'sin');
  return ENGINE.runKernel('Sin', { x: $x });
});

// d sin = cos
ENGINE.registerGradient('Sin', (dy, { inputs }) => ({ x: () => mul(dy, cos(inputs['x']!)) }));
