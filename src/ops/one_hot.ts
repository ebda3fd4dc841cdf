/**
 * oneHot(indices, depth, onValue = 1, offValue = 0, dtype = 'int32'): y[..., j] = onValue where
 * indices[...] = j, offValue elsewhere; y.shape = indices.shape + [depth]. Indices outside
 * [0, depth) give a row of offValue (as TensorFlow). Not differentiable (int32 indices).
 */
import { ENGINE } from '../core/engine.ts';
import { type DataType, isDataType } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertDtype, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { checkElements } from '../core/limits.ts';

export const oneHot = op('oneHot', (indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DataType = 'int32'): Tensor => {
  const $i = convertToTensor(indices, 'indices', 'oneHot', 'int32');
  assertDtype($i, ['int32'], 'indices', 'oneHot');
  if (!Number.isInteger(depth) || depth < 0) fail('oneHot', `\`depth\` must be a non-negative integer, received ${depth}`);
  if (!isDataType(dtype)) fail('oneHot', `\`dtype\` must be 'float32', 'int32' or 'bool', received ${String(dtype)}`);
  for (const [nm, v] of [['onValue', onValue], ['offValue', offValue]] as const) {
    if (typeof v !== 'number') fail('oneHot', `\`${nm}\` must be a number, received ${typeof v}`);
    if (dtype === 'int32' && !Number.isInteger(v)) fail('oneHot', `\`${nm}\` must be an integer for dtype int32, received ${v}`);
    if (dtype === 'bool' && v !== 0 && v !== 1) fail('oneHot', `\`${nm}\` must be 0 or 1 for dtype bool, received ${v}`);
  }
  checkElements('oneHot', $i.size * depth, `the result ${fmtShape([...$i.shape, depth])}`);
  return ENGINE.runKernel('OneHot', { indices: $i }, { depth, onValue, offValue, dtype });
});
