/** Gradient helper: sums a broadcast gradient back to the shape of the operand it came from. */
import { broadcastedAxes, shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { reshape } from './reshape.ts';
import { sum } from './sum.ts';

export function reduceTo(dy: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const axes = broadcastedAxes(shape, dy.shape);
  const s = axes.length > 0 ? sum(dy, axes) : dy;
  // A bias gradient ([batch, n] → [n]) already has the shape: no Reshape op to record.
  return shapesEqual(s.shape, shape) ? s : reshape(s, shape.slice());
}
