/**
 * GELU. Exact (default, as Keras): 0.5·x·(1 + erf(x/√2)).
 * approximate = true: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { erf } from './erf.ts';
import { exp } from './exp.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { sub } from './sub.ts';
import { tanh } from './tanh.ts';

export const gelu = op('gelu', (x: TensorLike, approximate = false): Tensor => {
  const $x = convertToTensor(x, 'x', 'gelu');
  assertFloat($x, 'x', 'gelu');
  if (typeof approximate !== 'boolean') fail('gelu', `\`approximate\` must be a boolean, received ${String(approximate)}`);
  return ENGINE.runKernel('Gelu', { x: $x }, { approximate });
});

const C = Math.sqrt(2 / Math.PI);
const K = 0.044715;

ENGINE.registerGradient('Gelu', (dy, { inputs, attrs }) => ({
  x: () => {
    const x = inputs['x']!;
    if (attrs['approximate']) {
      // t = tanh(c(x + k x³)); d = 0.5(1 + t) + 0.5 x (1 - t²) c (1 + 3k x²)
      const x2 = mul(x, x);
      const t = tanh(mul(C, add(x, mul(K, mul(x2, x)))));
      const dt = mul(sub(1, mul(t, t)), mul(C, add(1, mul(3 * K, x2))));
      return mul(dy, add(mul(0.5, add(1, t)), mul(mul(0.5, x), dt)));
    }
    // d = 0.5(1 + erf(x/√2)) + x e^{-x²/2} / √(2π)
    const cdf = mul(0.5, add(1, erf(mul(x, Math.SQRT1_2))));
    const pdf = mul(1 / Math.sqrt(2 * Math.PI), exp(mul(-0.5, mul(x, x))));
    return mul(dy, add(cdf, mul(x, pdf)));
  },
}));
