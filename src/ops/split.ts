/**
 * split(x, numOrSizeSplits, axis = 0): cuts x along `axis` into `numOrSizeSplits` equal pieces
 * (which must divide the axis) or pieces of the listed sizes (summing to the axis size; one
 * may be -1 = the rest). Kernel SplitV (several outputs); gradient: concat of the pieces' dys.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { parseAxis } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { concat } from './concat.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

/** Runs SplitV (pieces of `sizes` along normalized `axis`); no validation. */
export function splitRaw(x: Tensor, sizes: number[], axis: number): Tensor[] {
  if (sizes.length === 0) return [];
  return ENGINE.runKernelMulti('SplitV', { x }, { sizes, axis });
}

export const split = op('split', (x: TensorLike, numOrSizeSplits: number | number[], axis = 0): Tensor[] => {
  const $x = convertToTensor(x, 'x', 'split');
  if ($x.rank === 0) fail('split', `x must have rank at least 1, received a scalar`);
  const a = parseAxis(axis, $x.rank, 'split');
  const n = $x.shape[a]!;
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    const k = numOrSizeSplits;
    if (!Number.isInteger(k) || k <= 0 || n % k !== 0) {
      fail('split', `\`numOrSizeSplits\` = ${k} must be a positive integer dividing the size ${n} of axis ${a} of x ${fmtShape($x.shape)}`);
    }
    sizes = new Array<number>(k).fill(n / k);
  } else {
    if (!Array.isArray(numOrSizeSplits) || numOrSizeSplits.length === 0 || !numOrSizeSplits.every((v) => Number.isInteger(v) && v >= -1)) {
      fail('split', `\`numOrSizeSplits\` must be a positive integer or a non-empty array of non-negative integers (one may be -1), received ${JSON.stringify(numOrSizeSplits)}`);
    }
    sizes = numOrSizeSplits.slice();
    const unknown = sizes.filter((v) => v === -1).length;
    if (unknown > 1) fail('split', `\`numOrSizeSplits\` may contain only one -1, received ${JSON.stringify(numOrSizeSplits)}`);
    const known = sizes.reduce((s, v) => (v === -1 ? s : s + v), 0);
    if (unknown === 1) {
      if (known > n) fail('split', `\`numOrSizeSplits\` ${JSON.stringify(numOrSizeSplits)} exceeds the size ${n} of axis ${a} of x ${fmtShape($x.shape)}`);
      sizes[sizes.indexOf(-1)] = n - known;
    } else if (known !== n) {
      fail('split', `\`numOrSizeSplits\` ${JSON.stringify(numOrSizeSplits)} sums to ${known}, expected the size ${n} of axis ${a} of x ${fmtShape($x.shape)}`);
    }
  }
  return splitRaw($x, sizes, a);
});

ENGINE.registerGradient('SplitV', (_dy, { attrs }, dys) => ({
  x: () => concat(dys, attrs['axis'] as number),
}));
