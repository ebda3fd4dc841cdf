/**
 * TF.js's rank-specific spellings of `concat`, `pad`, `slice` and `reverse` (`concat1d` …
 * `concat4d`, `pad1d` … `pad4d`, `slice1d` … `slice4d`, `reverse1d` … `reverse4d`): the general op
 * after a check that every input has the rank the name promises.
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { concat } from './concat.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { pad } from './pad.ts';
import { op } from './op.ts';
import { reverse } from './reverse.ts';
import { slice } from './slice.ts';

function checkRank(t: Tensor, rank: number, name: string, arg: string): void {
  if (t.rank !== rank) fail(name, `\`${arg}\` must be of rank ${rank}, received shape ${fmtShape(t.shape)} (rank ${t.rank})`);
}

function concatN(rank: number) {
  const name = `concat${rank}d`;
  return op(name, (tensors: TensorLike[], axis = 0): Tensor => {
    if (!Array.isArray(tensors)) fail(name, `\`tensors\` must be an array of tensors, received ${typeof tensors}`);
    const ts = tensors.map((t, i) => {
      const x = convertToTensor(t, `tensors[${i}]`, name);
      checkRank(x, rank, name, `tensors[${i}]`);
      return x;
    });
    return concat(ts, axis);
  });
}

/** `tf.concat1d(tensors)`: rank-1 tensors end to end. */
export const concat1d = op('concat1d', (tensors: TensorLike[]): Tensor => concatN(1)(tensors, 0));
export const concat2d = concatN(2);
export const concat3d = concatN(3);
export const concat4d = concatN(4);

/** `tf.pad1d(x, [before, after], constantValue)`. */
export const pad1d = op('pad1d', (x: TensorLike, paddings: [number, number], constantValue = 0): Tensor => {
  const t = convertToTensor(x, 'x', 'pad1d');
  checkRank(t, 1, 'pad1d', 'x');
  if (!Array.isArray(paddings) || paddings.length !== 2 || Array.isArray(paddings[0])) {
    fail('pad1d', `\`paddings\` must be [before, after], received ${JSON.stringify(paddings)}`);
  }
  return pad(t, [paddings], constantValue);
});

function padN(rank: number) {
  const name = `pad${rank}d`;
  return op(name, (x: TensorLike, paddings: Array<[number, number]>, constantValue = 0): Tensor => {
    const t = convertToTensor(x, 'x', name);
    checkRank(t, rank, name, 'x');
    if (!Array.isArray(paddings) || paddings.length !== rank) fail(name, `\`paddings\` must hold ${rank} [before, after] pairs, received ${JSON.stringify(paddings)}`);
    return pad(t, paddings, constantValue);
  });
}
export const pad2d = padN(2);
export const pad3d = padN(3);
export const pad4d = padN(4);

/** `tf.slice1d(x, begin, size)` … `slice4d(x, [b…], [s…])`: `slice` on a tensor of that rank. */
function sliceN(rank: number) {
  const name = `slice${rank}d`;
  return op(name, (x: TensorLike, begin: number | number[], size: number | number[]): Tensor => {
    const t = convertToTensor(x, 'x', name);
    checkRank(t, rank, name, 'x');
    if (rank > 1 && (!Array.isArray(begin) || begin.length !== rank)) fail(name, `\`begin\` must hold ${rank} numbers, received ${JSON.stringify(begin)}`);
    return slice(t, begin, size);
  });
}
export const slice1d = sliceN(1);
export const slice2d = sliceN(2);
export const slice3d = sliceN(3);
export const slice4d = sliceN(4);

/** `tf.reverse1d(x)` … `reverse4d(x, axis?)`: `reverse` on a tensor of that rank. */
function reverseN(rank: number) {
  const name = `reverse${rank}d`;
  return op(name, (x: TensorLike, axis?: number | number[]): Tensor => {
    const t = convertToTensor(x, 'x', name);
    checkRank(t, rank, name, 'x');
    return reverse(t, rank === 1 ? 0 : axis);
  });
}
export const reverse1d = reverseN(1);
export const reverse2d = reverseN(2);
export const reverse3d = reverseN(3);
export const reverse4d = reverseN(4);
