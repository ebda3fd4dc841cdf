/**
 * tile(x, reps): y.shape[d] = x.shape[d]·reps[d], y[i] = x[i mod x.shape].
 * Gradient: reshape dy to [reps[0], x.shape[0], reps[1], x.shape[1], ...] and sum the reps axes.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { sum } from './sum.ts';
import { checkElements } from '../core/limits.ts';

export const tile = op('tile', (x: TensorLike, reps: number[]): Tensor => {
  const $x = convertToTensor(x, 'x', 'tile');
  if (!Array.isArray(reps) || reps.length !== $x.rank) {
    fail('tile', `\`reps\` must have one entry per axis of x ${fmtShape($x.shape)} (${$x.rank}), received ${JSON.stringify(reps)}`);
  }
  if (!reps.every((r) => Number.isInteger(r) && r >= 0)) fail('tile', `\`reps\` must contain non-negative integers, received ${JSON.stringify(reps)}`);
  const out = $x.shape.map((d, i) => d * reps[i]!);
  checkElements('tile', out.reduce((a, b) => a * b, 1), `the result ${fmtShape(out)}`);
  return ENGINE.runKernel('Tile', { x: $x }, { reps: reps.slice() });
});

ENGINE.registerGradient('Tile', (dy, { inputs, attrs }) => ({
  x: () => {
    const shape = inputs['x']!.shape;
    const reps = attrs['reps'] as number[];
    const inter = shape.flatMap((d, i) => [reps[i]!, d]);
    const axes = shape.map((_, i) => 2 * i);
    return reshape(sum(reshape(dy, inter), axes), shape.slice());
  },
}));
