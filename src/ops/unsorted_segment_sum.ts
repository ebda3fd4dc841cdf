/**
 * unsortedSegmentSum(x, segmentIds, numSegments): y[s, ...] = Σ_{q: segmentIds[q] = s} x[q, ...]
 * where segmentIds' shape is a prefix of x's; y.shape = [numSegments] + x.shape[ids.rank:].
 * Ids must lie in [0, numSegments) (an error names the offending one). Gradient: gather(dy, ids).
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertDtype, assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { gather } from './gather.ts';
import { op } from './op.ts';

export const unsortedSegmentSum = op('unsortedSegmentSum', (x: TensorLike, segmentIds: TensorLike, numSegments: number): Tensor => {
  const $x = convertToTensor(x, 'x', 'unsortedSegmentSum');
  assertNumeric($x, 'x', 'unsortedSegmentSum');
  const $ids = convertToTensor(segmentIds, 'segmentIds', 'unsortedSegmentSum', 'int32');
  assertDtype($ids, ['int32'], 'segmentIds', 'unsortedSegmentSum');
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    fail('unsortedSegmentSum', `\`numSegments\` must be a non-negative integer, received ${numSegments}`);
  }
  if ($ids.rank > $x.rank || $ids.shape.some((d, i) => d !== $x.shape[i])) {
    fail('unsortedSegmentSum', `the shape of segmentIds ${fmtShape($ids.shape)} must be a prefix of the shape of x ${fmtShape($x.shape)}`);
  }
  return ENGINE.runKernel('UnsortedSegmentSum', { x: $x, segmentIds: $ids }, { numSegments });
});

ENGINE.registerGradient('UnsortedSegmentSum', (dy, { inputs }) => ({
  x: () => gather(dy, inputs['segmentIds']!, 0),
}));
