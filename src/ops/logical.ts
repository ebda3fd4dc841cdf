/** Logical ops on bool tensors: logicalAnd, logicalOr (with broadcasting), logicalNot. Not differentiable. */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import { assertDtype, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

function logicalBinary(name: string, kernel: 'LogicalAnd' | 'LogicalOr') {
  return op(name, (a: TensorLike, b: TensorLike): Tensor => {
    const [$a, $b] = binaryArgs(a, b, name, true);
    if ($a.dtype !== 'bool') fail(name, `operands must have dtype bool, received ${$a.dtype} (use tf.cast or a comparison)`);
    return ENGINE.runKernel(kernel, { a: $a, b: $b });
  });
}

/** a AND b */
export const logicalAnd = logicalBinary('logicalAnd', 'LogicalAnd');
/** a OR b */
export const logicalOr = logicalBinary('logicalOr', 'LogicalOr');

/** NOT x */
export const logicalNot = op('logicalNot', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'logicalNot', 'bool');
  assertDtype($x, ['bool'], 'x', 'logicalNot');
  return ENGINE.runKernel('LogicalNot', { x: $x });
});
