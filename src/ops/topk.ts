/**
 * topk(x, k = 1, sorted = true) as TF.js: the k largest entries of each row (the last axis) and
 * their int32 indices, largest first — `{values, indices}`. Equal values come in index order
 * (TF.js's tie order); NaN counts as larger than every number. `sorted: false` gives the same
 * (sorted) result, which TF.js allows. Gradient (TF.js defines none; TensorFlow's): dy scattered
 * back to the chosen positions.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { range } from './range.ts';
import { reshape } from './reshape.ts';
import { unsortedSegmentSum } from './unsorted_segment_sum.ts';
import { mul } from './mul.ts';

export const topk = op('topk', (x: TensorLike, k = 1, sorted = true): { values: Tensor; indices: Tensor } => {
  const $x = convertToTensor(x, 'x', 'topk');
  assertNumeric($x, 'x', 'topk');
  if ($x.rank === 0) fail('topk', '`x` must have rank at least 1, received a scalar');
  const n = $x.shape[$x.rank - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    fail('topk', `\`k\` must be an integer in [0, ${n}] (the last dimension of x, shape ${fmtShape($x.shape)}), received ${k}`);
  }
  if (typeof sorted !== 'boolean') fail('topk', `\`sorted\` must be a boolean, received ${typeof sorted}`);
  const [values, indices] = ENGINE.runKernelMulti('TopK', { x: $x }, { k });
  return { values: values!, indices: indices! };
});

ENGINE.registerGradient('TopK', (_dy, { inputs, outputs }, dys) => ({
  x: () => {
    const x = inputs['x']!;
    const idx = outputs[1]!;
    const n = x.shape[x.rank - 1]!;
    const k = idx.shape[idx.rank - 1]!;
    const rows = n === 0 ? 0 : x.size / n;
    // Row r's index i lands at r·n + i of the flattened input.
    const flat = add(reshape(idx, [rows, k]), reshape(mul(range(0, rows, 1, 'int32'), n), [rows, 1]));
    const g = unsortedSegmentSum(reshape(dys[0]!, [rows * k]), reshape(flat, [rows * k]), rows * n);
    return reshape(g, x.shape);
  },
}));
