/**
 * max(x, axis?, keepDims?): the largest element over `axis` (all axes when omitted).
 *
 * Gradient (TensorFlow's reduce_max gradient): dy flows to the elements equal to the maximum,
 * split equally among ties: dx = dy · [x = y] / #{x = y}.
 */
import { ENGINE } from '../core/engine.ts';
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import type { GradFunc } from '../core/engine.ts';
import { cast } from './cast.ts';
import { equal } from './compare.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { div } from './div.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { sum } from './sum.ts';
import { noGrad } from '../autodiff/tape.ts';

/**
 * 1 where `a == b` (broadcast), 0 elsewhere, as float32. Piecewise constant, so computed with
 * tapes paused (it carries no gradient).
 */
export function equalMask(a: Tensor, b: Tensor | number): Tensor {
  return noGrad(() => cast(equal(a, b), 'float32'));
}

/** Shared gradient of Max and Min: dy to every element equal to the result, split among ties. */
export const extremumGrad: GradFunc = (dy, { inputs, outputs, attrs }) => ({
  x: () => {
    const x = inputs['x']!;
    const axes = attrs['axes'] as number[];
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const mask = equalMask(x, reshape(outputs[0]!, kept));
    const count = noGrad(() => sum(mask, axes, true));
    return mul(reshape(dy, kept), div(mask, count));
  },
});

export const max = op('max', (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => {
  const $x = convertToTensor(x, 'x', 'max');
  assertNumeric($x, 'x', 'max');
  const axes = parseAxes(axis, $x.rank, 'max');
  return ENGINE.runKernel('Max', { x: $x }, { axes, keepDims });
});

ENGINE.registerGradient('Max', extremumGrad);
