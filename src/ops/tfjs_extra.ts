/**
 * TF.js ops idem writes as compositions of its own (so every backend runs them and autodiff
 * differentiates them through the composition): `tan`, `sinh`, `cosh`, `asinh`, `acosh`, `atanh`,
 * `logSigmoid`, `step`, `divNoNan`, `euclideanNorm`.
 *
 *   tan x = sin x / cos x            sinh x = (eˣ − e⁻ˣ)/2          cosh x = (eˣ + e⁻ˣ)/2
 *   asinh x = sign(x)·log(|x| + √(x² + 1))   acosh x = log(x + √(x² − 1))   (NaN below 1)
 *   atanh x = ½·(log1p(x) − log1p(−x))        (±∞ at ±1, NaN outside)
 *   logSigmoid x = −softplus(−x)     step(x, α) = 1 where x > 0, α elsewhere (NaN stays NaN)
 *   divNoNan(a, b) = 0 where b = 0, a / b elsewhere (gradients 0 there too)
 *   euclideanNorm(x, axis, keepDims) = √Σx²
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { abs } from './abs.ts';
import { add } from './add.ts';
import { cast } from './cast.ts';
import { equal, greater } from './compare.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { cos } from './cos.ts';
import { div } from './div.ts';
import { exp } from './exp.ts';
import { log } from './log.ts';
import { log1p } from './log1p.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';
import { op } from './op.ts';
import { sign } from './sign.ts';
import { sin } from './sin.ts';
import { softplus } from './softplus.ts';
import { sqrt } from './sqrt.ts';
import { square } from './square.ts';
import { sub } from './sub.ts';
import { sum } from './sum.ts';
import { where } from './where.ts';
import { onesLike, zerosLike } from './creation.ts';

function float(x: TensorLike, name: string): Tensor {
  const t = convertToTensor(x, 'x', name);
  if (t.dtype !== 'float32') fail(name, `\`x\` must have dtype float32, received ${t.dtype} (use tf.cast)`);
  return t;
}

export const tan = op('tan', (x: TensorLike): Tensor => {
  const t = float(x, 'tan');
  return div(sin(t), cos(t));
});

export const sinh = op('sinh', (x: TensorLike): Tensor => {
  const t = float(x, 'sinh');
  return mul(sub(exp(t), exp(neg(t))), 0.5);
});

export const cosh = op('cosh', (x: TensorLike): Tensor => {
  const t = float(x, 'cosh');
  return mul(add(exp(t), exp(neg(t))), 0.5);
});

export const asinh = op('asinh', (x: TensorLike): Tensor => {
  const t = float(x, 'asinh');
  const a = abs(t);
  return mul(sign(t), log(add(a, sqrt(add(square(a), 1)))));
});

export const acosh = op('acosh', (x: TensorLike): Tensor => {
  const t = float(x, 'acosh');
  return log(add(t, sqrt(sub(square(t), 1))));
});

export const atanh = op('atanh', (x: TensorLike): Tensor => {
  const t = float(x, 'atanh');
  return mul(sub(log1p(t), log1p(neg(t))), 0.5);
});

export const logSigmoid = op('logSigmoid', (x: TensorLike): Tensor => neg(softplus(neg(float(x, 'logSigmoid')))));

export const step = op('step', (x: TensorLike, alpha = 0): Tensor => {
  const t = convertToTensor(x, 'x', 'step');
  if (typeof alpha !== 'number') fail('step', `\`alpha\` must be a number, received ${typeof alpha}`);
  const f = t.dtype === 'float32' ? t : cast(t, 'float32');
  const r = where(greater(f, 0), onesLike(f), mul(onesLike(f), alpha));
  // NaN compares false: keep it NaN, as TF.js.
  const nan = where(equal(f, f), r, f);
  return t.dtype === 'float32' ? nan : cast(nan, t.dtype);
});

export const divNoNan = op('divNoNan', (a: TensorLike, b: TensorLike): Tensor => {
  const $a = convertToTensor(a, 'a', 'divNoNan');
  const $b = convertToTensor(b, 'b', 'divNoNan');
  const zero = equal($b, 0);
  const safe = where(zero, onesLike($b), $b);
  const q = div($a, safe);
  return where(zero, zerosLike(q), q);
});

export const euclideanNorm = op('euclideanNorm', (x: TensorLike, axis: number | number[] | null = null, keepDims = false): Tensor => {
  const t = convertToTensor(x, 'x', 'euclideanNorm');
  const f = t.dtype === 'float32' ? t : cast(t, 'float32');
  const r = sqrt(sum(square(f), axis ?? undefined, keepDims));
  return t.dtype === 'float32' ? r : cast(r, t.dtype);
});
