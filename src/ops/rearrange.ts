/**
 * TF.js's rearranging ops, as compositions of pad / reshape / transpose / slice / reverse /
 * concat / where (every backend runs them; autodiff differentiates them): mirrorPad,
 * spaceToBatchND, batchToSpaceND, depthToSpace, diag, and localResponseNormalization (square,
 * a window sum over channels, pow).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { equal } from './compare.ts';
import { concat } from './concat.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { zerosLike } from './creation.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { pad } from './pad.ts';
import { pow } from './pow.ts';
import { range } from './range.ts';
import { reshape } from './reshape.ts';
import { reverse } from './reverse.ts';
import { slice } from './slice.ts';
import { square } from './square.ts';
import { transpose } from './transpose.ts';
import { where } from './where.ts';
import { broadcastTo } from './broadcast_to.ts';

const isInt = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;

/** x[..., start:start+size, ...] on `axis`. */
function along(x: Tensor, axis: number, start: number, size: number): Tensor {
  return slice(x, x.shape.map((_, i) => (i === axis ? start : 0)), x.shape.map((d, i) => (i === axis ? size : d)));
}

export const mirrorPad = op('mirrorPad', (x: TensorLike, paddings: Array<[number, number]>, mode: 'reflect' | 'symmetric'): Tensor => {
  const t = convertToTensor(x, 'x', 'mirrorPad');
  if (mode !== 'reflect' && mode !== 'symmetric') fail('mirrorPad', `\`mode\` must be 'reflect' or 'symmetric', received ${JSON.stringify(mode)}`);
  if (t.rank === 0) fail('mirrorPad', '`x` must have rank >= 1, received a scalar');
  if (!Array.isArray(paddings) || paddings.length !== t.rank) fail('mirrorPad', `\`paddings\` must have one [before, after] pair per axis of x (${t.rank}), received ${JSON.stringify(paddings)}`);
  const off = mode === 'reflect' ? 1 : 0;
  let y = t;
  paddings.forEach((p, axis) => {
    const n = t.shape[axis]!;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => isInt(v, 0) && v <= n - off)) {
      fail('mirrorPad', `\`paddings[${axis}]\` must be two integers in [0, ${n - off}] (${mode}, x shape ${fmtShape(t.shape)}), received ${JSON.stringify(p)}`);
    }
    const [a, b] = p;
    const parts = [];
    if (a > 0) parts.push(reverse(along(y, axis, off, a), axis));
    parts.push(y);
    if (b > 0) parts.push(reverse(along(y, axis, n - off - b, b), axis));
    if (parts.length > 1) y = concat(parts, axis);
  });
  return y;
});

function checkBlock(name: string, x: Tensor, blockShape: number[], pairs: Array<[number, number]>, arg: string): number {
  const m = Array.isArray(blockShape) ? blockShape.length : -1;
  if (m < 1 || !blockShape.every((b) => isInt(b, 1))) fail(name, `\`blockShape\` must be a non-empty list of positive integers, received ${JSON.stringify(blockShape)}`);
  if (x.rank < 1 + m) fail(name, `\`x\` must have rank >= ${1 + m} (a batch axis and ${m} spatial axes), received shape ${fmtShape(x.shape)}`);
  if (!Array.isArray(pairs) || pairs.length !== m || !pairs.every((p) => Array.isArray(p) && p.length === 2 && isInt(p[0], 0) && isInt(p[1], 0))) {
    fail(name, `\`${arg}\` must be ${m} pairs of non-negative integers, received ${JSON.stringify(pairs)}`);
  }
  return m;
}

export const spaceToBatchND = op('spaceToBatchND', (x: TensorLike, blockShape: number[], paddings: Array<[number, number]>): Tensor => {
  const t = convertToTensor(x, 'x', 'spaceToBatchND');
  const m = checkBlock('spaceToBatchND', t, blockShape, paddings, 'paddings');
  const padded = pad(t, t.shape.map((_, i) => (i >= 1 && i <= m ? paddings[i - 1]! : [0, 0])) as Array<[number, number]>);
  const [b, ...rest] = padded.shape as number[];
  const spatial = rest.slice(0, m);
  const inner = rest.slice(m);
  spatial.forEach((d, i) => {
    if (d % blockShape[i]! !== 0) {
      fail('spaceToBatchND', `spatial axis ${i + 1} (${t.shape[i + 1]} + paddings ${JSON.stringify(paddings[i])} = ${d}) must be divisible by blockShape[${i}] = ${blockShape[i]}`);
    }
  });
  // [b, s1/b1, b1, ..., sM/bM, bM, inner] → [b1, ..., bM, b, s1/b1, ..., sM/bM, inner].
  const split = reshape(padded, [b!, ...spatial.flatMap((d, i) => [d / blockShape[i]!, blockShape[i]!]), ...inner]);
  const perm = [...spatial.map((_, i) => 2 + 2 * i), 0, ...spatial.map((_, i) => 1 + 2 * i), ...inner.map((_, i) => 1 + 2 * m + i)];
  const prod = blockShape.reduce((p, q) => p * q, 1);
  return reshape(transpose(split, perm), [b! * prod, ...spatial.map((d, i) => d / blockShape[i]!), ...inner]);
});

export const batchToSpaceND = op('batchToSpaceND', (x: TensorLike, blockShape: number[], crops: Array<[number, number]>): Tensor => {
  const t = convertToTensor(x, 'x', 'batchToSpaceND');
  const m = checkBlock('batchToSpaceND', t, blockShape, crops, 'crops');
  const prod = blockShape.reduce((p, q) => p * q, 1);
  const [bb, ...rest] = t.shape as number[];
  if (bb! % prod !== 0) fail('batchToSpaceND', `the batch axis of x (${bb}) must be divisible by the product of blockShape ${JSON.stringify(blockShape)} = ${prod}`);
  const b = bb! / prod;
  const spatial = rest.slice(0, m);
  const inner = rest.slice(m);
  // [b1, ..., bM, b, s1, ..., sM, inner] → [b, s1, b1, ..., sM, bM, inner].
  const split = reshape(t, [...blockShape, b, ...rest]);
  const perm = [m, ...spatial.flatMap((_, i) => [m + 1 + i, i]), ...inner.map((_, i) => 2 * m + 1 + i)];
  const full = reshape(transpose(split, perm), [b, ...spatial.map((d, i) => d * blockShape[i]!), ...inner]);
  spatial.forEach((d, i) => {
    const [c0, c1] = crops[i]!;
    if (c0 + c1 > d * blockShape[i]!) fail('batchToSpaceND', `crops[${i}] ${JSON.stringify(crops[i])} remove more than axis ${i + 1}'s ${d * blockShape[i]!} entries`);
  });
  return slice(full, full.shape.map((_, i) => (i >= 1 && i <= m ? crops[i - 1]![0] : 0)),
    full.shape.map((d, i) => (i >= 1 && i <= m ? d - crops[i - 1]![0] - crops[i - 1]![1] : d)));
});

export const depthToSpace = op('depthToSpace', (x: TensorLike, blockSize: number, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): Tensor => {
  const t = convertToTensor(x, 'x', 'depthToSpace');
  if (t.rank !== 4) fail('depthToSpace', `\`x\` must have rank 4, received shape ${fmtShape(t.shape)}`);
  if (!isInt(blockSize, 2)) fail('depthToSpace', `\`blockSize\` must be an integer > 1, received ${blockSize}`);
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') fail('depthToSpace', `\`dataFormat\` must be 'NHWC' or 'NCHW', received ${JSON.stringify(dataFormat)}`);
  const nhwc = dataFormat === 'NHWC';
  const [b, h, w, c] = (nhwc ? t.shape : [t.shape[0], t.shape[2], t.shape[3], t.shape[1]]) as number[];
  const s = blockSize;
  if (c! % (s * s) !== 0) fail('depthToSpace', `the depth of x (${c}) must be divisible by blockSize² = ${s * s} (shape ${fmtShape(t.shape)})`);
  const d = c! / (s * s);
  if (nhwc) return reshape(transpose(reshape(t, [b!, h!, w!, s, s, d]), [0, 1, 3, 2, 4, 5]), [b!, h! * s, w! * s, d]);
  return reshape(transpose(reshape(t, [b!, s, s, d, h!, w!]), [0, 3, 4, 1, 5, 2]), [b!, d, h! * s, w! * s]);
});

export const diag = op('diag', (x: TensorLike): Tensor => {
  const t = convertToTensor(x, 'x', 'diag');
  if (t.rank === 0) fail('diag', '`x` must have rank >= 1, received a scalar');
  const n = t.size;
  const flat = broadcastTo(reshape(t, [1, n]), [n, n]);
  const onDiag = equal(reshape(range(0, n, 1, 'int32'), [n, 1]), range(0, n, 1, 'int32'));
  return reshape(where(onDiag, flat, zerosLike(flat)), [...t.shape, ...t.shape]);
});

export const localResponseNormalization = op('localResponseNormalization', (x: TensorLike, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5): Tensor => {
  const t = convertToTensor(x, 'x', 'localResponseNormalization');
  if (t.rank !== 3 && t.rank !== 4) fail('localResponseNormalization', `\`x\` must have rank 3 or 4, received shape ${fmtShape(t.shape)}`);
  if (t.dtype !== 'float32') fail('localResponseNormalization', `\`x\` must be float32, received ${t.dtype}`);
  if (!isInt(depthRadius, 0)) fail('localResponseNormalization', `\`depthRadius\` must be a non-negative integer, received ${depthRadius}`);
  for (const [k, v] of Object.entries({ bias, alpha, beta })) if (typeof v !== 'number') fail('localResponseNormalization', `\`${k}\` must be a number, received ${typeof v}`);
  const axis = t.rank - 1;
  const c = t.shape[axis]!;
  const r = Math.min(depthRadius, c);
  // Σ x² over channels [d − r, d + r] (clipped): the sum of 2r + 1 shifted views of x² padded by r zeros.
  const sq = pad(square(t), t.shape.map((_, i) => (i === axis ? [r, r] : [0, 0])) as Array<[number, number]>);
  let s = along(sq, axis, 0, c);
  for (let k = 1; k <= 2 * r; k++) s = add(s, along(sq, axis, k, c));
  return mul(t, pow(add(mul(s, alpha), bias), -beta));
});
