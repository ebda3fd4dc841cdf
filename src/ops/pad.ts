/**
 * pad(x, paddings, constantValue = 0): y has shape x.shape[d] + before[d] + after[d], holds x at
 * offset `before` and `constantValue` elsewhere. Gradient: slice dy back to x's region.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { slice } from './slice.ts';
import { checkElements } from '../core/limits.ts';

export const pad = op('pad', (x: TensorLike, paddings: Array<[number, number]>, constantValue: number | boolean = 0): Tensor => {
  const $x = convertToTensor(x, 'x', 'pad');
  if (!Array.isArray(paddings) || paddings.length !== $x.rank) {
    fail('pad', `\`paddings\` must have ${$x.rank} [before, after] pairs (x is ${fmtShape($x.shape)}), received ${JSON.stringify(paddings)}`);
  }
  const p = paddings.map((pr, d) => {
    if (!Array.isArray(pr) || pr.length !== 2 || !pr.every((v) => Number.isInteger(v) && v >= 0)) {
      fail('pad', `\`paddings[${d}]\` must be a pair of non-negative integers [before, after], received ${JSON.stringify(pr)}`);
    }
    return [pr[0], pr[1]] as [number, number];
  });
  const out = $x.shape.map((d, i) => d + p[i]![0] + p[i]![1]);
  checkElements('pad', out.reduce((a, b) => a * b, 1), `the result ${fmtShape(out)}`);
  const c = typeof constantValue === 'boolean' ? (constantValue ? 1 : 0) : constantValue;
  if (typeof c !== 'number') fail('pad', `\`constantValue\` must be a number, received ${typeof constantValue}`);
  if ($x.dtype === 'int32' && !Number.isInteger(c)) fail('pad', `\`constantValue\` must be an integer for int32 x, received ${c}`);
  if ($x.dtype === 'bool' && c !== 0 && c !== 1) fail('pad', `\`constantValue\` must be a boolean (or 0/1) for bool x, received ${c}`);
  return ENGINE.runKernel('PadV2', { x: $x }, { paddings: p, constantValue: c });
});

ENGINE.registerGradient('PadV2', (dy, { inputs, attrs }) => ({
  x: () => slice(dy, (attrs['paddings'] as [number, number][]).map((p) => p[0]), inputs['x']!.shape.slice()),
}));
