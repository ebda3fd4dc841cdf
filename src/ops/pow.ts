/**
 * pow(a, b) = a^b with broadcasting. float32, or int32 (exact with 32-bit wrap-around;
 * negative integer exponents throw, as TF). Gradient (TF): d/da = b·a^(b-1);
 * d/db = a^b·log(a) where a > 0, and 0 elsewhere.
 *
 * The one mixed-dtype case allowed: a float32 base with an int32 exponent tensor (TF.js's
 * `x.pow(tf.scalar(3, 'int32'))`, as its polynomial-regression tutorial writes it) computes in
 * float32 — the exponent converts exactly (|e| < 2^24) and the result is float32 as in TF.js.
 */
import { ENGINE } from '../core/engine.ts';
import { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { cast } from './cast.ts';
import { reduceTo } from './broadcast_util.ts';
import { greater } from './compare.ts';
import type { TensorLike } from './convert.ts';
import { log } from './log.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { sub } from './sub.ts';
import { where } from './where.ts';

export const pow = op('pow', (base: TensorLike, exp: TensorLike): Tensor => {
  const mixed = base instanceof Tensor && exp instanceof Tensor && base.dtype === 'float32' && exp.dtype === 'int32';
  const [$a, $b] = binaryArgs(base, mixed ? cast(exp, 'float32') : exp, 'pow');
  return ENGINE.runKernel('Pow', { a: $a, b: $b });
});

ENGINE.registerGradient('Pow', (dy, { inputs, outputs }) => {
  const a = inputs['a']!;
  const b = inputs['b']!;
  return {
    a: () => reduceTo(mul(dy, mul(b, pow(a, sub(b, 1)))), a.shape),
    b: () => {
      const pos = greater(a, 0);
      // log of a safe value where a <= 0, so no NaN/-Inf enters (even in second order).
      const logA = where(pos, log(where(pos, a, 1)), 0);
      return reduceTo(mul(dy, mul(outputs[0]!, logA)), b.shape);
    },
  };
});
