/**
 * unstack(x, axis = 0): the x.shape[axis] slices of x along `axis`, each without that axis
 * (y_i = x[..., i, ...]). SplitV into size-1 pieces, then reshapes; gradient through those.
 */
import { fail } from '../core/errors.ts';
import { parseAxis } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { splitRaw } from './split.ts';

export const unstack = op('unstack', (x: TensorLike, axis = 0): Tensor[] => {
  const $x = convertToTensor(x, 'x', 'unstack');
  if ($x.rank === 0) fail('unstack', `x must have rank at least 1, received a scalar`);
  const a = parseAxis(axis, $x.rank, 'unstack');
  const outShape = $x.shape.filter((_, i) => i !== a);
  return splitRaw($x, new Array<number>($x.shape[a]!).fill(1), a).map((t) => reshape(t, outShape));
});
