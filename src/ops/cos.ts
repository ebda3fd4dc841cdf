/** cos(x), radians. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';
import { sin } from './sin.ts';

export const cos = op('cos', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'cos');
  assertFloat($x, 'x', 'cos');
  return ENGINE.runKernel('Cos', { x: $x });
});

// d cos = -sin
ENGINE.registerGradient('Cos', (dy, { inputs }) => ({ x: () => neg(mul(dy, sin(inputs['x']!))) }));
