/**
 * where(condition, a, b): `a` where `condition` is true, `b` elsewhere. All three broadcast
 * together (NumPy rules); `condition` must be bool, `a` and `b` share a dtype.
 * Gradient: to `a` where the condition holds, to `b` elsewhere (none to `condition`).
 */
import { ENGINE } from '../core/engine.ts';
import { broadcastShapes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { reduceTo } from './broadcast_util.ts';
import { assertDtype, convertPair, convertToTensor, type TensorLike } from './convert.ts';
import { zerosLike } from './creation.ts';
import { op } from './op.ts';

export const where = op('where', (condition: TensorLike, a: TensorLike, b: TensorLike): Tensor => {
  const $c = convertToTensor(condition, 'condition', 'where', 'bool');
  assertDtype($c, ['bool'], 'condition', 'where');
  const [$a, $b] = convertPair(a, b, 'where');
  broadcastShapes(broadcastShapes($c.shape, $a.shape, 'where'), $b.shape, 'where');
  return ENGINE.runKernel('Select', { condition: $c, t: $a, e: $b });
});

ENGINE.registerGradient('Select', (dy, { inputs }) => {
  const c = inputs['condition']!;
  const t = inputs['t']!;
  const e = inputs['e']!;
  return {
    t: () => reduceTo(where(c, dy, zerosLike(dy)), t.shape),
    e: () => reduceTo(where(c, zerosLike(dy), dy), e.shape),
  };
});
