/**
 * moments(x, axis?, keepDims?) → { mean, variance } over `axis` (all axes when omitted), as
 * tf.nn.moments / TF.js: mean = Σx / n, variance = Σ(x - mean)² / n (population variance).
 * int32 input is cast to float32. Gradients come from the composition (mean and sub/mul ops).
 */
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { cast } from './cast.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { mean } from './mean.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { sub } from './sub.ts';

export const moments = op('moments', (x: TensorLike, axis?: number | number[] | null, keepDims = false): { mean: Tensor; variance: Tensor } => {
  let $x = convertToTensor(x, 'x', 'moments');
  assertNumeric($x, 'x', 'moments');
  if ($x.dtype !== 'float32') $x = cast($x, 'float32');
  const axes = parseAxes(axis, $x.rank, 'moments');
  const m = mean($x, axes, true);
  const d = sub($x, m);
  const v = mean(mul(d, d), axes, keepDims);
  const outMean = keepDims ? m : reshape(m, $x.shape.filter((_, i) => !axes.includes(i)));
  return { mean: outMean, variance: v };
});
