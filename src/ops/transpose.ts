/**
 * transpose(x, perm): permutes the axes, y.shape[k] = x.shape[perm[k]] and
 * y[i_0, ..., i_{r-1}] = x[j] with j[perm[k]] = i_k. Default perm reverses the axes.
 * Gradient: transpose dy by the inverse permutation.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

export const transpose = op('transpose', (x: TensorLike, perm?: number[]): Tensor => {
  const $x = convertToTensor(x, 'x', 'transpose');
  const rank = $x.rank;
  if (perm === undefined || perm === null) perm = Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (!Array.isArray(perm) || perm.length !== rank) {
    fail('transpose', `\`perm\` must have length ${rank} (the rank of x ${fmtShape($x.shape)}), received ${JSON.stringify(perm)}`);
  }
  const seen = new Set<number>();
  const p = perm.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) fail('transpose', `\`perm\` must be a permutation of [0, ${rank}), received ${JSON.stringify(perm)}`);
    const n = a < 0 ? a + rank : a;
    if (seen.has(n)) fail('transpose', `\`perm\` must be a permutation of [0, ${rank}), received ${JSON.stringify(perm)} (axis ${n} twice)`);
    seen.add(n);
    return n;
  });
  return ENGINE.runKernel('Transpose', { x: $x }, { perm: p });
});

ENGINE.registerGradient('Transpose', (dy, { attrs }) => ({
  x: () => {
    const perm = attrs['perm'] as number[];
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return transpose(dy, inv);
  },
}));
