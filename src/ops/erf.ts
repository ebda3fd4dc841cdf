/** Gauss error function erf(x) = 2/√π ∫₀ˣ e^{-t²} dt. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { exp } from './exp.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';

export const erf = op('erf', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'erf');
  assertFloat($x, 'x', 'erf');
  return ENGINE.runKernel('Erf', { x: $x });
});

// d erf = 2/√π e^{-x²}
ENGINE.registerGradient('Erf', (dy, { inputs }) => {
  const x = inputs['x']!;
  return { x: () => mul(dy, mul(2 / Math.sqrt(Math.PI), exp(neg(mul(x, x))))) };
});
