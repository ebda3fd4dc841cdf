/**
 * dot(a, b) as TF.js: ranks 1 or 2. 1D·1D → scalar Σ a_i b_i; 2D·1D → [m] (matrix·vector);
 * 1D·2D → [n] (vector·matrix); 2D·2D → matMul. Built on matMul + reshape, which carry the gradients.
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertPair, type TensorLike } from './convert.ts';
import { matMul } from './mat_mul.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

export const dot = op('dot', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = convertPair(a, b, 'dot');
  if ($a.dtype === 'bool') fail('dot', 'operands must be numeric (float32 or int32), received bool (use tf.cast)');
  if ($a.rank < 1 || $a.rank > 2) fail('dot', `\`a\` must have rank 1 or 2, received rank ${$a.rank} (shape ${fmtShape($a.shape)})`);
  if ($b.rank < 1 || $b.rank > 2) fail('dot', `\`b\` must have rank 1 or 2, received rank ${$b.rank} (shape ${fmtShape($b.shape)})`);
  const ka = $a.shape[$a.rank - 1]!;
  const kb = $b.shape[0]!;
  if (ka !== kb) fail('dot', `inner dimensions must match: a is ${fmtShape($a.shape)}, b is ${fmtShape($b.shape)}`);
  const a2 = $a.rank === 1 ? reshape($a, [1, ka]) : $a;
  const b2 = $b.rank === 1 ? reshape($b, [kb, 1]) : $b;
  const out = matMul(a2, b2);
  if ($a.rank === 1 && $b.rank === 1) return reshape(out, []);
  if ($a.rank === 1) return reshape(out, [$b.shape[1]!]);
  if ($b.rank === 1) return reshape(out, [$a.shape[0]!]);
  return out;
});
