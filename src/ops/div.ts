import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { reduceTo } from './broadcast_util.ts';
import type { TensorLike } from './convert.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';
import { op } from './op.ts';

/** a / b elementwise, with broadcasting. int32 operands floor-divide (as TF.js). */
export const div = op('div', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = binaryArgs(a, b, 'div');
  return ENGINE.runKernel('Div', { a: $a, b: $b });
});

// d(a/b)/da = 1/b ; d(a/b)/db = -a/b²
ENGINE.registerGradient('Div', (dy, { inputs }) => {
  const a = inputs['a']!;
  const b = inputs['b']!;
  return {
    a: () => reduceTo(div(dy, b), a.shape),
    b: () => reduceTo(neg(div(mul(dy, a), mul(b, b))), b.shape),
  };
});
