import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { assertValidShape, shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { reduceTo } from './broadcast_util.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

/** Broadcasts `x` to `shape` with NumPy rules (x's dimensions must be 1 or match). */
export const broadcastTo = op('broadcastTo', (x: TensorLike, shape: number[]): Tensor => {
  const $x = convertToTensor(x, 'x', 'broadcastTo');
  assertValidShape(shape, 'broadcastTo');
  if (shape.length < $x.rank) fail('broadcastTo', `\`shape\` ${fmtShape(shape)} has lower rank than x ${fmtShape($x.shape)}`);
  const lead = shape.length - $x.rank;
  for (let i = 0; i < $x.rank; i++) {
    const d = $x.shape[i]!;
    if (d !== 1 && d !== shape[lead + i]) fail('broadcastTo', `cannot broadcast x of shape ${fmtShape($x.shape)} to ${fmtShape(shape)}`);
  }
  if (shapesEqual($x.shape, shape)) return ENGINE.runKernel('Identity', { x: $x });
  return ENGINE.runKernel('BroadcastTo', { x: $x }, { shape: shape.slice() });
});

ENGINE.registerGradient('BroadcastTo', (dy, { inputs }) => ({ x: () => reduceTo(dy, inputs['x']!.shape) }));
