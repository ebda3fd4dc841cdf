/**
 * expandDims(x, axis = 0): inserts a dimension of size 1 at `axis` (in [-(rank+1), rank]).
 * A reshape (shares storage); its gradient is the reshape's.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

export const expandDims = op('expandDims', (x: TensorLike, axis = 0): Tensor => {
  const $x = convertToTensor(x, 'x', 'expandDims');
  const r = $x.rank;
  if (!Number.isInteger(axis) || axis < -(r + 1) || axis > r) {
    fail('expandDims', `\`axis\` must be an integer in [${-(r + 1)}, ${r}] for x of rank ${r}, received ${axis}`);
  }
  const a = axis < 0 ? axis + r + 1 : axis;
  const shape = $x.shape.slice();
  shape.splice(a, 0, 1);
  return reshape($x, shape);
});
