/** softsign(x) = x / (1 + |x|). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { abs } from './abs.ts';
import { add } from './add.ts';
import { div } from './div.ts';
import { mul } from './mul.ts';

export const softsign = op('softsign', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'softsign');
  assertFloat($x, 'x', 'softsign');
  return ENGINE.runKernel('Softsign', { x: $x });
});

// d softsign = 1 / (1 + |x|)²
ENGINE.registerGradient('Softsign', (dy, { inputs }) => {
  const d = add(abs(inputs['x']!), 1);
  return { x: () => div(dy, mul(d, d)) };
});
