/**
 * `tf.linalg` as TF.js: bandPart, gramSchmidt, qr. Compositions of idem's ops (every backend runs
 * them; autodiff differentiates them).
 *
 * - bandPart(a, numLower, numUpper): keeps a[..., i, j] where i − j ≤ numLower and j − i ≤
 *   numUpper (a negative bound keeps that whole triangle), zeros elsewhere.
 * - gramSchmidt(xs): orthonormalizes the rows of a 2-D tensor (or a list of 1-D tensors) in
 *   order: each vector minus its projections on the ones before, divided by its norm.
 * - qr(x, fullMatrices = false): Householder reflections, TF.js's sign convention (each
 *   reflection maps the column onto −sign(r_jj)·‖column‖, sign(0) = +), batched over leading
 *   axes: q [..., m, k], r [..., k, n] with k = min(m, n) (m when fullMatrices). A column that is
 *   already zero is left alone (TF.js divides by its zero norm: NaN).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { equal, greater, greaterEqual, less, lessEqual } from './compare.ts';
import { concat } from './concat.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { div } from './div.ts';
import { eye } from './eye.ts';
import { logicalAnd } from './logical.ts';
import { matMul } from './mat_mul.ts';
import { minimum } from './minimum.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';
import { op } from './op.ts';
import { range } from './range.ts';
import { reshape } from './reshape.ts';
import { slice } from './slice.ts';
import { sqrt } from './sqrt.ts';
import { square } from './square.ts';
import { stack } from './stack.ts';
import { sub } from './sub.ts';
import { sum } from './sum.ts';
import { unstack } from './unstack.ts';
import { where } from './where.ts';
import { scalar, zerosLike } from './creation.ts';
import { broadcastTo } from './broadcast_to.ts';

/** A band bound: a number (checked) or an int32 scalar tensor; negative means the whole side. */
function bound(v: number | TensorLike, size: number, arg: string): Tensor {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v > size) fail('bandPart', `\`${arg}\` must be an integer <= ${size} (negative: no bound), received ${v}`);
    return scalar(v < 0 ? size : v, 'int32');
  }
  const t = convertToTensor(v, arg, 'bandPart');
  if (t.dtype !== 'int32' || t.rank !== 0) fail('bandPart', `\`${arg}\` must be a number or an int32 scalar, received ${t.dtype} ${fmtShape(t.shape)}`);
  return where(less(t, 0), scalar(size, 'int32'), minimum(t, size));
}

export const bandPart = op('bandPart', (a: TensorLike, numLower: number | TensorLike, numUpper: number | TensorLike): Tensor => {
  const x = convertToTensor(a, 'a', 'bandPart');
  if (x.rank < 2) fail('bandPart', `\`a\` must have rank >= 2, received rank ${x.rank} (shape ${fmtShape(x.shape)})`);
  const [m, n] = x.shape.slice(-2) as [number, number];
  const lo = bound(numLower, m, 'numLower');
  const hi = bound(numUpper, n, 'numUpper');
  const d = sub(reshape(range(0, m, 1, 'int32'), [m, 1]), range(0, n, 1, 'int32'));
  return where(logicalAnd(lessEqual(d, lo), greaterEqual(d, neg(hi))), x, zerosLike(x));
});

const norm = (x: Tensor): Tensor => sqrt(sum(square(x)));

export const gramSchmidt = op('gramSchmidt', (xs: Tensor | Tensor[]): Tensor | Tensor[] => {
  const list = Array.isArray(xs);
  if (list && xs.length === 0) fail('gramSchmidt', '`xs` must not be empty');
  if (!list && (xs.rank !== 2)) fail('gramSchmidt', `\`xs\` must be a 2-D tensor or a list of 1-D tensors, received shape ${fmtShape(xs.shape)}`);
  const vs = list ? xs.map((x, i) => convertToTensor(x, `xs[${i}]`, 'gramSchmidt')) : unstack(xs);
  const dim = vs[0]!.shape[0]!;
  vs.forEach((v, i) => {
    if (v.rank !== 1 || v.shape[0] !== dim) fail('gramSchmidt', `\`xs[${i}]\` must be a vector of length ${dim}, received shape ${fmtShape(v.shape)}`);
    if (v.dtype !== 'float32') fail('gramSchmidt', `\`xs[${i}]\` must be float32, received ${v.dtype}`);
  });
  if (vs.length > dim) fail('gramSchmidt', `${vs.length} vectors cannot be orthonormal in ${dim} dimensions`);
  const ys: Tensor[] = [];
  for (const v of vs) {
    let x = v;
    for (const y of ys) x = sub(x, mul(sum(mul(y, x)), y));
    ys.push(div(x, norm(x)));
  }
  return list ? ys : stack(ys);
});

/** x[..., r0:r0+nr, c0:c0+nc]. */
function block(x: Tensor, r0: number, nr: number, c0: number, nc: number): Tensor {
  const lead = x.shape.slice(0, -2);
  return slice(x, [...lead.map(() => 0), r0, c0], [...lead, nr, nc]);
}

export const qr = op('qr', (x: TensorLike, fullMatrices = false): [Tensor, Tensor] => {
  const a = convertToTensor(x, 'x', 'qr');
  if (a.rank < 2) fail('qr', `\`x\` must have rank >= 2, received rank ${a.rank} (shape ${fmtShape(a.shape)})`);
  if (a.dtype !== 'float32') fail('qr', `\`x\` must be float32, received ${a.dtype}`);
  if (typeof fullMatrices !== 'boolean') fail('qr', `\`fullMatrices\` must be a boolean, received ${typeof fullMatrices}`);
  const lead = a.shape.slice(0, -2);
  const [m, n] = a.shape.slice(-2) as [number, number];
  let q = eye(m, m, lead.length ? lead : null);
  let r = a;
  const sumCols = (t: Tensor): Tensor => sum(t, -2, true);
  for (let j = 0; j < Math.min(m, n); j++) {
    const col = block(r, j, m - j, j, 1); // [..., m−j, 1]
    const rjj = block(r, j, 1, j, 1);
    const nx = sqrt(sumCols(square(col)));
    const s = where(greater(rjj, 0), scalar(-1), scalar(1));
    const u1 = sub(rjj, mul(s, nx));
    const zero = equal(nx, 0);
    // w = col / u1 with w[0] = 1; tau = −s·u1/‖col‖ (a zero column: tau = 0, no reflection).
    const tail = div(block(col, 1, m - j - 1, 0, 1), where(zero, scalar(1), u1));
    const w = concat([broadcastTo(scalar(1), [...lead, 1, 1]), tail], -2);
    const tau = where(zero, scalar(0), neg(div(mul(s, u1), where(zero, scalar(1), nx))));
    const tw = mul(tau, w);
    const below = block(r, j, m - j, 0, n);
    const reflected = sub(below, matMul(tw, matMul(w, below, true, false)));
    r = j === 0 ? reflected : concat([block(r, 0, j, 0, n), reflected], -2);
    const right = block(q, 0, m, j, m - j);
    const updated = sub(right, matMul(matMul(right, w), tw, false, true));
    q = j === 0 ? updated : concat([block(q, 0, m, 0, j), updated], -1);
  }
  if (!fullMatrices && m > n) return [block(q, 0, m, 0, n), block(r, 0, n, 0, n)];
  return [q, r];
});
