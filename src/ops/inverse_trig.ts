/**
 * The inverse trigonometric functions of TF.js: `asin`, `acos`, `atan` (kernels `Asin`, `Acos`,
 * `Atan`) and `atan2(a, b)` — the angle of the point (b, a), in (−π, π], with broadcasting
 * (kernel `Atan2`). Float32 only (as `tan`): an integer tensor is refused, not converted.
 * NaN outside [−1, 1] for asin/acos.
 *
 *   d asin x = 1/√(1 − x²)     d acos x = −1/√(1 − x²)     d atan x = 1/(1 + x²)
 *   ∂atan2(a, b)/∂a = b/(a² + b²)     ∂atan2(a, b)/∂b = −a/(a² + b²)
 */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { binaryArgs } from './binary_util.ts';
import { reduceTo } from './broadcast_util.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { div } from './div.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';
import { op } from './op.ts';
import { sqrt } from './sqrt.ts';
import { square } from './square.ts';
import { sub } from './sub.ts';

function unary(name: string, kernel: 'Asin' | 'Acos' | 'Atan') {
  return op(name, (x: TensorLike): Tensor => {
    const $x = convertToTensor(x, 'x', name);
    assertFloat($x, 'x', name);
    return ENGINE.runKernel(kernel, { x: $x });
  });
}

export const asin = unary('asin', 'Asin');
export const acos = unary('acos', 'Acos');
export const atan = unary('atan', 'Atan');

export const atan2 = op('atan2', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = binaryArgs(a, b, 'atan2');
  assertFloat($a, 'a', 'atan2');
  return ENGINE.runKernel('Atan2', { a: $a, b: $b });
});

const invSqrt1mx2 = (x: Tensor): Tensor => sqrt(sub(1, square(x)));
ENGINE.registerGradient('Asin', (dy, { inputs }) => ({ x: () => div(dy, invSqrt1mx2(inputs['x']!)) }));
ENGINE.registerGradient('Acos', (dy, { inputs }) => ({ x: () => neg(div(dy, invSqrt1mx2(inputs['x']!))) }));
ENGINE.registerGradient('Atan', (dy, { inputs }) => ({ x: () => div(dy, add(square(inputs['x']!), 1)) }));
ENGINE.registerGradient('Atan2', (dy, { inputs }) => {
  const a = inputs['a']!;
  const b = inputs['b']!;
  const r2 = (): Tensor => add(square(a), square(b));
  return {
    a: () => reduceTo(div(mul(dy, b), r2()), a.shape),
    b: () => reduceTo(neg(div(mul(dy, a), r2())), b.shape),
  };
});
