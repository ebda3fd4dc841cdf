/** Shared argument handling of elementwise binary ops. */
import { fail } from '../core/errors.ts';
import { broadcastShapes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertPair, type TensorLike } from './convert.ts';

/**
 * Converts and checks the operands of a broadcasting binary op: same dtype, shapes that
 * broadcast, and (for arithmetic) no bool operands.
 */
export function binaryArgs(a: TensorLike, b: TensorLike, op: string, allowBool = false): [Tensor, Tensor] {
  const [$a, $b] = convertPair(a, b, op);
  if (!allowBool && $a.dtype === 'bool') fail(op, `operands must be numeric (float32 or int32), received bool (use tf.cast)`);
  broadcastShapes($a.shape, $b.shape, op);
  return [$a, $b];
}
