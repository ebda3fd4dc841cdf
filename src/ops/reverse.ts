/**
 * reverse(x, axis?): y[..., i_d, ...] = x[..., n_d - 1 - i_d, ...] on each listed axis (all
 * axes when omitted). Gradient: reverse dy on the same axes.
 */
import { ENGINE } from '../core/engine.ts';
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

export const reverse = op('reverse', (x: TensorLike, axis?: number | number[]): Tensor => {
  const $x = convertToTensor(x, 'x', 'reverse');
  const axes = parseAxes(axis, $x.rank, 'reverse');
  return ENGINE.runKernel('Reverse', { x: $x }, { axes });
});

ENGINE.registerGradient('Reverse', (dy, { attrs }) => ({ x: () => reverse(dy, attrs['axes'] as number[]) }));
