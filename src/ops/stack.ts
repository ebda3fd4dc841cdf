/**
 * stack(tensors, axis = 0): joins tensors of identical shape and dtype along a new axis
 * (in [-(rank+1), rank]): y[..., i, ...] = tensors[i]. Composed of expandDims + concat, whose
 * gradients give each input its slice of dy.
 */
import { fail, fmtShape } from '../core/errors.ts';
import { shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { concat, convertList } from './concat.ts';
import type { TensorLike } from './convert.ts';
import { expandDims } from './expand_dims.ts';
import { op } from './op.ts';

export const stack = op('stack', (tensors: TensorLike[], axis = 0): Tensor => {
  const ts = convertList(tensors, 'stack');
  const t0 = ts[0]!;
  for (let i = 1; i < ts.length; i++) {
    if (!shapesEqual(ts[i]!.shape, t0.shape)) fail('stack', `tensors must have the same shape: tensors[0] is ${fmtShape(t0.shape)}, tensors[${i}] is ${fmtShape(ts[i]!.shape)}`);
  }
  const r = t0.rank;
  if (!Number.isInteger(axis) || axis < -(r + 1) || axis > r) {
    fail('stack', `\`axis\` must be an integer in [${-(r + 1)}, ${r}] for tensors of rank ${r}, received ${axis}`);
  }
  const a = axis < 0 ? axis + r + 1 : axis;
  return concat(ts.map((t) => expandDims(t, a)), a);
});
