/**
 * Elementwise comparisons with broadcasting, bool outputs: equal, notEqual, greater,
 * greaterEqual, less, lessEqual. Operands share a dtype (float32 or int32; bool also for
 * equal/notEqual). NaN compares false (notEqual: true). Not differentiable (no gradient).
 */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import type { TensorLike } from './convert.ts';
import { op } from './op.ts';

function compareOp(name: string, kernel: 'Equal' | 'NotEqual' | 'Greater' | 'GreaterEqual' | 'Less' | 'LessEqual', allowBool: boolean) {
  return op(name, (a: TensorLike, b: TensorLike): Tensor => {
    const [$a, $b] = binaryArgs(a, b, name, allowBool);
    return ENGINE.runKernel(kernel, { a: $a, b: $b });
  });
}

/** a == b */
export const equal = compareOp('equal', 'Equal', true);
/** a != b */
export const notEqual = compareOp('notEqual', 'NotEqual', true);
/** a > b */
export const greater = compareOp('greater', 'Greater', false);
/** a >= b */
export const greaterEqual = compareOp('greaterEqual', 'GreaterEqual', false);
/** a < b */
export const less = compareOp('less', 'Less', false);
/** a <= b */
export const lessEqual = compareOp('lessEqual', 'LessEqual', false);
