/**
 * slice(x, begin, size): y = x[begin[d] : begin[d] + size[d]] on every axis d. A number
 * `begin` slices the first axis; missing trailing entries mean begin 0 / the whole axis;
 * size -1 means "to the end". Gradient: pad dy with zeros back to x's shape.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { pad } from './pad.ts';

/** Checks that `v` is an array of integers (shape-family argument helper). */
export function intList(v: unknown, arg: string, opName: string): number[] {
  if (!Array.isArray(v) || !v.every((e) => Number.isInteger(e))) fail(opName, `\`${arg}\` must be an array of integers, received ${JSON.stringify(v)}`);
  return v as number[];
}

export const slice = op('slice', (x: TensorLike, begin: number | number[], size?: number | number[]): Tensor => {
  const $x = convertToTensor(x, 'x', 'slice');
  const rank = $x.rank;
  const b = typeof begin === 'number' ? [begin] : intList(begin, 'begin', 'slice').slice();
  let s = size === undefined || size === null ? [] : typeof size === 'number' ? [size] : intList(size, 'size', 'slice').slice();
  if (b.length > rank) fail('slice', `\`begin\` has ${b.length} entries but x ${fmtShape($x.shape)} has rank ${rank}`);
  if (s.length > rank) fail('slice', `\`size\` has ${s.length} entries but x ${fmtShape($x.shape)} has rank ${rank}`);
  while (b.length < rank) b.push(0);
  s = s.slice();
  while (s.length < rank) s.push(-1);
  for (let d = 0; d < rank; d++) {
    const n = $x.shape[d]!;
    if (!Number.isInteger(b[d]) || b[d]! < 0 || b[d]! > n) {
      fail('slice', `\`begin[${d}]\` must be an integer in [0, ${n}] for x ${fmtShape($x.shape)}, received ${b[d]}`);
    }
    if (s[d] === -1) s[d] = n - b[d]!;
    if (!Number.isInteger(s[d]) || s[d]! < 0 || b[d]! + s[d]! > n) {
      fail('slice', `\`size[${d}]\` must be -1 or an integer in [0, ${n - b[d]!}] (begin ${b[d]} on an axis of size ${n} of x ${fmtShape($x.shape)}), received ${s[d]}`);
    }
  }
  return ENGINE.runKernel('Slice', { x: $x }, { begin: b, size: s });
});

ENGINE.registerGradient('Slice', (dy, { inputs, attrs }) => ({
  x: () => {
    const shape = inputs['x']!.shape;
    const begin = attrs['begin'] as number[];
    const size = attrs['size'] as number[];
    return pad(dy, shape.map((n, d) => [begin[d]!, n - begin[d]! - size[d]!] as [number, number]));
  },
}));
