/**
 * min(x, axis?, keepDims?): the smallest element over `axis` (all axes when omitted).
 *
 * Gradient (TensorFlow's reduce_min gradient): dy flows to the elements equal to the minimum,
 * split equally among ties: dx = dy · [x = y] / #{x = y}.
 */
import { ENGINE } from '../core/engine.ts';
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { extremumGrad } from './max.ts';
import { op } from './op.ts';

export const min = op('min', (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => {
  const $x = convertToTensor(x, 'x', 'min');
  assertNumeric($x, 'x', 'min');
  const axes = parseAxes(axis, $x.rank, 'min');
  return ENGINE.runKernel('Min', { x: $x }, { axes, keepDims });
});

ENGINE.registerGradient('Min', extremumGrad);
