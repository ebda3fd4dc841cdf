/** isNaN, isFinite, isInf: elementwise float32 classification, bool outputs. Not differentiable. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

function classify(name: string, kernel: 'IsNan' | 'IsFinite' | 'IsInf') {
  return op(name, (x: TensorLike): Tensor => {
    const $x = convertToTensor(x, 'x', name);
    assertFloat($x, 'x', name);
    return ENGINE.runKernel(kernel, { x: $x });
  });
}

/** x is NaN */
export const isNaN = classify('isNaN', 'IsNan');
/** x is neither NaN nor ±Infinity */
export const isFinite = classify('isFinite', 'IsFinite');
/** x is +Infinity or -Infinity */
export const isInf = classify('isInf', 'IsInf');
