/**
 * gather(x, indices, axis = 0, batchDims = 0): picks slices of x along `axis`.
 * With x viewed as [B, M, A, N] (B = the first batchDims axes, A = x.shape[axis]) and indices as
 * [B, I]: y[b, m, i, n] = x[b, m, indices[b, i], n], y.shape = x.shape[:axis] +
 * indices.shape[batchDims:] + x.shape[axis+1:]. Indices are int32 in [0, A) (else an error
 * naming the offending index). Gradient: unsortedSegmentSum of dy into x's rows.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { sizeFromShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { assertDtype, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { range } from './range.ts';
import { reshape } from './reshape.ts';
import { transpose } from './transpose.ts';
import { unsortedSegmentSum } from './unsorted_segment_sum.ts';

export const gather = op('gather', (x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor => {
  const $x = convertToTensor(x, 'x', 'gather');
  const $i = convertToTensor(indices, 'indices', 'gather', 'int32');
  assertDtype($i, ['int32'], 'indices', 'gather');
  if (!Number.isInteger(batchDims) || batchDims < -$i.rank || batchDims > $i.rank) {
    fail('gather', `\`batchDims\` must be an integer in [${-$i.rank}, ${$i.rank}] (the rank of indices ${fmtShape($i.shape)}), received ${batchDims}`);
  }
  const b = batchDims < 0 ? batchDims + $i.rank : batchDims;
  if ($x.rank === 0) fail('gather', `x must have rank at least 1, received a scalar`);
  if (!Number.isInteger(axis) || axis < -$x.rank || axis >= $x.rank) {
    fail('gather', `\`axis\` must be an integer in [${-$x.rank}, ${$x.rank}) for x ${fmtShape($x.shape)}, received ${axis}`);
  }
  const a = axis < 0 ? axis + $x.rank : axis;
  if (a < b) fail('gather', `\`axis\` (${a}) must be >= \`batchDims\` (${b})`);
  for (let d = 0; d < b; d++) {
    if ($x.shape[d] !== $i.shape[d]) {
      fail('gather', `the first ${b} (batchDims) dimensions of x and indices must match: x is ${fmtShape($x.shape)}, indices is ${fmtShape($i.shape)}`);
    }
  }
  return ENGINE.runKernel('GatherV2', { x: $x, indices: $i }, { axis: a, batchDims: b });
});

ENGINE.registerGradient('GatherV2', (dy, { inputs, attrs }) => ({
  x: () => {
    const x = inputs['x']!;
    const indices = inputs['indices']!;
    const axis = attrs['axis'] as number;
    const b = attrs['batchDims'] as number;
    const B = sizeFromShape(x.shape.slice(0, b));
    const M = sizeFromShape(x.shape.slice(b, axis));
    const A = x.shape[axis]!;
    const N = sizeFromShape(x.shape.slice(axis + 1));
    const I = sizeFromShape(indices.shape.slice(b));
    // dy viewed as [B, M, I, N] → [B·I, M, N]; rows summed into segments b·A + indices[b, i].
    // (With M = 1 the transposes only move a size-1 axis: reshapes, the same values.)
    const g = M === 1 ? reshape(dy, [B * I, 1, N]) : reshape(transpose(reshape(dy, [B, M, I, N]), [0, 2, 1, 3]), [B * I, M, N]);
    let ids = reshape(indices, [B, I]);
    if (B > 1 && A > 0) ids = add(ids, reshape(range(0, B * A, A, 'int32'), [B, 1]));
    const s = unsortedSegmentSum(g, reshape(ids, [B * I]), B * A);
    return M === 1 ? reshape(s, x.shape.slice()) : reshape(transpose(reshape(s, [B, A, M, N]), [0, 2, 1, 3]), x.shape.slice());
  },
}));
