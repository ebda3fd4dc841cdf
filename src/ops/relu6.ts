/** relu6(x) = min(max(x, 0), 6). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { greater, less } from './compare.ts';
import { logicalAnd } from './logical.ts';
import { where } from './where.ts';

export const relu6 = op('relu6', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'relu6');
  assertFloat($x, 'x', 'relu6');
  return ENGINE.runKernel('Relu6', { x: $x });
});

// Gradient passes where 0 < x < 6 (TF's Relu6Grad).
ENGINE.registerGradient('Relu6', (dy, { inputs }) => {
  const x = inputs['x']!;
  return { x: () => where(logicalAnd(greater(x, 0), less(x, 6)), dy, 0) };
});
