/**
 * squeeze(x, axis?): removes dimensions of size 1 (all of them, or those listed in `axis`,
 * each of which must have size 1). A reshape (shares storage).
 */
import { fail, fmtShape } from '../core/errors.ts';
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

export const squeeze = op('squeeze', (x: TensorLike, axis?: number | number[]): Tensor => {
  const $x = convertToTensor(x, 'x', 'squeeze');
  let axes: number[];
  if (axis === undefined || axis === null) axes = $x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  else {
    axes = parseAxes(axis, $x.rank, 'squeeze');
    for (const a of axes) {
      if ($x.shape[a] !== 1) fail('squeeze', `cannot squeeze axis ${a} of x ${fmtShape($x.shape)}: its size is ${$x.shape[a]}, expected 1`);
    }
  }
  return reshape($x, $x.shape.filter((_, i) => !axes.includes(i)));
});
