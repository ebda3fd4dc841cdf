/**
 * outerProduct(v1, v2): [m]⊗[n] → [m, n], out[i, j] = v1_i · v2_j. A matMul of [m,1] by [1,n],
 * which carries the gradient (d v1 = dy·v2, d v2 = dyᵀ·v1).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertPair, type TensorLike } from './convert.ts';
import { matMul } from './mat_mul.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

export const outerProduct = op('outerProduct', (v1: TensorLike, v2: TensorLike): Tensor => {
  const [a, b] = convertPair(v1, v2, 'outerProduct');
  if (a.dtype === 'bool') fail('outerProduct', 'operands must be numeric (float32 or int32), received bool (use tf.cast)');
  if (a.rank !== 1) fail('outerProduct', `\`v1\` must have rank 1, received rank ${a.rank} (shape ${fmtShape(a.shape)})`);
  if (b.rank !== 1) fail('outerProduct', `\`v2\` must have rank 1, received rank ${b.rank} (shape ${fmtShape(b.shape)})`);
  return matMul(reshape(a, [a.shape[0]!, 1]), reshape(b, [1, b.shape[0]!]));
});
