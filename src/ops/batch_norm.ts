/**
 * batchNorm: y = (x - mean) · rsqrt(variance + varianceEpsilon) · scale + offset, every
 * parameter broadcast against x (a composition of broadcasting ops, so its gradients are
 * theirs). Argument order as TF.js: x, mean, variance, offset?, scale?, varianceEpsilon = 0.001.
 */
import { fail, fmtShape } from '../core/errors.ts';
import { broadcastShapes, shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { rsqrt } from './rsqrt.ts';
import { sub } from './sub.ts';

function param(v: TensorLike, arg: string, x: Tensor): Tensor {
  const t = convertToTensor(v, arg, 'batchNorm', 'float32');
  assertFloat(t, arg, 'batchNorm');
  let ok = t.rank <= x.rank;
  if (ok) {
    try {
      ok = shapesEqual(broadcastShapes(t.shape, x.shape), x.shape);
    } catch {
      ok = false;
    }
  }
  if (!ok) fail('batchNorm', `\`${arg}\` of shape ${fmtShape(t.shape)} does not broadcast to x of shape ${fmtShape(x.shape)}`);
  return t;
}

/** Batch normalization with given statistics: (x - mean) / √(variance + ε) · scale + offset. */
export const batchNorm = op(
  'batchNorm',
  (
    x: TensorLike,
    mean: TensorLike,
    variance: TensorLike,
    offset?: TensorLike | null,
    scale?: TensorLike | null,
    varianceEpsilon = 0.001,
  ): Tensor => {
    const $x = convertToTensor(x, 'x', 'batchNorm');
    assertFloat($x, 'x', 'batchNorm');
    const $mean = param(mean, 'mean', $x);
    const $var = param(variance, 'variance', $x);
    const $offset = offset === undefined || offset === null ? null : param(offset, 'offset', $x);
    const $scale = scale === undefined || scale === null ? null : param(scale, 'scale', $x);
    if (typeof varianceEpsilon !== 'number' || !(varianceEpsilon >= 0)) {
      fail('batchNorm', `\`varianceEpsilon\` must be a non-negative number, received ${String(varianceEpsilon)}`);
    }
    let inv = rsqrt(add($var, varianceEpsilon));
    if ($scale) inv = mul(inv, $scale);
    const y = mul(sub($x, $mean), inv);
    return $offset ? add(y, $offset) : y;
  },
);

function ranked(rank: number) {
  const name = `batchNorm${rank}d`;
  return op(
    name,
    (
      x: TensorLike,
      mean: TensorLike,
      variance: TensorLike,
      offset?: TensorLike | null,
      scale?: TensorLike | null,
      varianceEpsilon = 0.001,
    ): Tensor => {
      const $x = convertToTensor(x, 'x', name);
      if ($x.rank !== rank) fail(name, `\`x\` must be rank ${rank}, received rank ${$x.rank} of shape ${fmtShape($x.shape)}`);
      return batchNorm($x, mean, variance, offset, scale, varianceEpsilon);
    },
  );
}

/** batchNorm for a rank-2 x (TF.js alias). */
export const batchNorm2d = ranked(2);
/** batchNorm for a rank-3 x (TF.js alias). */
export const batchNorm3d = ranked(3);
/** batchNorm for a rank-4 x (TF.js alias). */
export const batchNorm4d = ranked(4);
