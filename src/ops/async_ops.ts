/**
 * TF.js's data-dependent async ops: each reads its inputs' values (`await t.data()`, so GPU
 * tensors too) and builds the result on the host.
 *
 * - whereAsync(condition): int32 [numTrue, rank], the coordinates of the true entries, row-major.
 * - booleanMaskAsync(tensor, mask, axis = 0): the slices of `tensor` where `mask` (whose shape
 *   is tensor.shape[axis:axis + mask.rank]) is true (a gather, so gradients reach `tensor`).
 * - setdiff1dAsync(x, y): [the values of x not in y, in order; their int32 indices in x].
 * - inTopKAsync(predictions, targets, k = 1): bool, whether each target is among the k largest
 *   predictions of its row (equal values in index order, as TF.js).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { tensor } from './creation.ts';
import { gather } from './gather.ts';
import { reshape } from './reshape.ts';
import { topkBefore } from '../backends/reference/kernels/scan.ts';

function coordinates(v: ArrayLike<number>, shape: readonly number[]): Tensor {
  const rank = shape.length;
  const out: number[] = [];
  let rows = 0;
  for (let p = 0; p < v.length; p++) {
    if (!v[p]) continue;
    rows++;
    let rem = p;
    const c = new Array<number>(rank);
    for (let d = rank - 1; d >= 0; d--) {
      c[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    out.push(...c);
  }
  return tensor(Int32Array.from(out), [rows, rank], 'int32');
}

export async function whereAsync(condition: TensorLike): Promise<Tensor> {
  const c = convertToTensor(condition, 'condition', 'whereAsync', 'bool');
  if (c.dtype !== 'bool') fail('whereAsync', `\`condition\` must be bool, received ${c.dtype}`);
  return coordinates(await c.data(), c.shape);
}

export async function booleanMaskAsync(tensorIn: TensorLike, mask: TensorLike, axis: number | null = 0): Promise<Tensor> {
  const t = convertToTensor(tensorIn, 'tensor', 'booleanMaskAsync');
  const m = convertToTensor(mask, 'mask', 'booleanMaskAsync', 'bool');
  if (m.dtype !== 'bool') fail('booleanMaskAsync', `\`mask\` must be bool, received ${m.dtype}`);
  if (m.rank === 0) fail('booleanMaskAsync', '`mask` must have rank >= 1, received a scalar');
  const a = axis ?? 0;
  if (!Number.isInteger(a) || a < 0 || a + m.rank > t.rank || m.shape.some((d, i) => d !== t.shape[a + i])) {
    fail('booleanMaskAsync', `\`mask\` ${fmtShape(m.shape)} must match the axes of tensor ${fmtShape(t.shape)} from \`axis\` ${axis}`);
  }
  const v = await m.data();
  const keep: number[] = [];
  for (let i = 0; i < v.length; i++) if (v[i]) keep.push(i);
  const flat = reshape(t, [...t.shape.slice(0, a), m.size, ...t.shape.slice(a + m.rank)]);
  return gather(flat, tensor(Int32Array.from(keep), [keep.length], 'int32'), a);
}

export async function setdiff1dAsync(x: TensorLike, y: TensorLike): Promise<[Tensor, Tensor]> {
  const $x = convertToTensor(x, 'x', 'setdiff1dAsync');
  const $y = convertToTensor(y, 'y', 'setdiff1dAsync');
  if ($x.dtype !== $y.dtype) fail('setdiff1dAsync', `\`x\` and \`y\` must have one dtype, received ${$x.dtype} and ${$y.dtype}`);
  if ($x.rank !== 1 || $y.rank !== 1) fail('setdiff1dAsync', `\`x\` and \`y\` must be 1-D, received shapes ${fmtShape($x.shape)} and ${fmtShape($y.shape)}`);
  const [xv, yv] = await Promise.all([$x.data(), $y.data()]);
  const ys = new Set(Array.from(yv));
  const idx: number[] = [];
  for (let i = 0; i < xv.length; i++) if (!ys.has(xv[i]!)) idx.push(i);
  return [tensor(idx.map((i) => xv[i]!), [idx.length], $x.dtype), tensor(Int32Array.from(idx), [idx.length], 'int32')];
}

export async function inTopKAsync(predictions: TensorLike, targets: TensorLike, k = 1): Promise<Tensor> {
  const p = convertToTensor(predictions, 'predictions', 'inTopKAsync');
  const t = convertToTensor(targets, 'targets', 'inTopKAsync', 'int32');
  if (p.rank < 2 || t.rank !== p.rank - 1 || t.shape.some((d, i) => d !== p.shape[i])) {
    fail('inTopKAsync', `\`predictions\` must have rank >= 2 and \`targets\` its shape without the last axis: received ${fmtShape(p.shape)} and ${fmtShape(t.shape)}`);
  }
  if (p.dtype === 'bool' || t.dtype !== 'int32') fail('inTopKAsync', `\`predictions\` must be numeric and \`targets\` int32, received ${p.dtype} and ${t.dtype}`);
  const n = p.shape[p.rank - 1]!;
  if (!Number.isInteger(k) || k < 1 || k > n) fail('inTopKAsync', `\`k\` must be an integer in [1, ${n}] (the last dimension of predictions), received ${k}`);
  const [pv, tv] = await Promise.all([p.data(), t.data()]);
  const out = new Uint8Array(t.size);
  for (let r = 0; r < t.size; r++) {
    const j = tv[r]!;
    if (j < 0 || j >= n) continue;
    let ahead = 0;
    for (let i = 0; i < n; i++) if (i !== j && topkBefore(pv[r * n + i]!, i, pv[r * n + j]!, j)) ahead++;
    out[r] = ahead < k ? 1 : 0;
  }
  return tensor(out, t.shape, 'bool');
}
