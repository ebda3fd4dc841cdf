import { ENGINE } from '../core/engine.ts';
import { type DataType, isDataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { zerosLike } from './creation.ts';

/** Converts dtype. float → int32 truncates toward zero; → bool is `x != 0`. */
export const cast = op('cast', (x: TensorLike, dtype: DataType): Tensor => {
  const $x = convertToTensor(x, 'x', 'cast');
  if (!isDataType(dtype)) fail('cast', `\`dtype\` must be 'float32', 'int32' or 'bool', received ${String(dtype)}`);
  if ($x.dtype === dtype) return ENGINE.runKernel('Identity', { x: $x });
  return ENGINE.runKernel('Cast', { x: $x }, { dtype });
});

// Only float → float casts carry a gradient; casts to integers are piecewise constant.
ENGINE.registerGradient('Cast', (dy, { inputs }) => ({
  x: () => (inputs['x']!.dtype === 'float32' ? dy : zerosLike(inputs['x']!)),
}));
