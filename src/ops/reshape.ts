import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { sizeFromShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

/** Resolves one -1 in `shape` against `size`; throws naming the op on mismatch. */
export function inferReshape(shape: readonly number[], size: number, from: readonly number[], name = 'reshape'): number[] {
  const out = shape.slice();
  let unknown = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i]!;
    if (d === -1) {
      if (unknown >= 0) fail(name, `\`shape\` may contain only one -1, received ${fmtShape(shape)}`);
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) fail(name, `\`shape\` must contain non-negative integers or -1, received ${fmtShape(shape)}`);
    else known *= d;
  }
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) fail(name, `cannot reshape a tensor of shape ${fmtShape(from)} (${size} values) into ${fmtShape(shape)}`);
    out[unknown] = size / known;
  }
  if (sizeFromShape(out) !== size) fail(name, `cannot reshape a tensor of shape ${fmtShape(from)} (${size} values) into ${fmtShape(shape)}`);
  return out;
}

/** Same values, new shape (one dimension may be -1). Shares storage with `x`. */
export const reshape = op('reshape', (x: TensorLike, shape: number[]): Tensor => {
  const $x = convertToTensor(x, 'x', 'reshape');
  const s = inferReshape(shape, $x.size, $x.shape);
  return ENGINE.runKernel('Reshape', { x: $x }, { shape: s });
});

ENGINE.registerGradient('Reshape', (dy, { inputs }) => ({ x: () => reshape(dy, inputs['x']!.shape) }));
