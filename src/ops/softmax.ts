/**
 * softmax(logits, dim = -1): y = exp(x - m) / Σ exp(x - m) along `dim` (m = max, for stability);
 * logSoftmax(logits, axis = -1): y = x - m - log Σ exp(x - m). Any axis is accepted (TF.js
 * allows only the last). Kernels `Softmax` (attr dim) and `LogSoftmax` (attr axis).
 *
 * Gradients: softmax dx = (dy - Σ dy·y) · y; logSoftmax dx = dy - exp(y) · Σ dy (sums along the axis).
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { parseAxis } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { exp } from './exp.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { sub } from './sub.ts';
import { sum } from './sum.ts';

function check(name: string, logits: TensorLike, axis: number, arg: string): [Tensor, number] {
  const $x = convertToTensor(logits, 'logits', name);
  assertFloat($x, 'logits', name);
  if ($x.rank === 0) fail(name, '`logits` must have rank >= 1, received a scalar');
  return [$x, parseAxis(axis, $x.rank, name, arg)];
}

export const softmax = op('softmax', (logits: TensorLike, dim = -1): Tensor => {
  const [$x, d] = check('softmax', logits, dim, 'dim');
  return ENGINE.runKernel('Softmax', { logits: $x }, { dim: d });
});

export const logSoftmax = op('logSoftmax', (logits: TensorLike, axis = -1): Tensor => {
  const [$x, a] = check('logSoftmax', logits, axis, 'axis');
  return ENGINE.runKernel('LogSoftmax', { logits: $x }, { axis: a });
});

ENGINE.registerGradient('Softmax', (dy, { outputs, attrs }) => ({
  logits: () => {
    const y = outputs[0]!;
    const d = attrs['dim'] as number;
    return mul(sub(dy, sum(mul(dy, y), d, true)), y);
  },
}));

ENGINE.registerGradient('LogSoftmax', (dy, { outputs, attrs }) => ({
  logits: () => {
    const y = outputs[0]!;
    const a = attrs['axis'] as number;
    return sub(dy, mul(exp(y), sum(dy, a, true)));
  },
}));
