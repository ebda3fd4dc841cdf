/**
 * cumsum(x, axis = 0, exclusive = false, reverse = false) and cumprod(...) as TF.js: running sums
 * / products along `axis` (negative counts from the end); `exclusive` leaves the current element
 * out (the first output is 0 / 1), `reverse` runs from the end. bool counts as int32 (TF.js's
 * upcast); float32 and int32 keep their dtype.
 *
 * Gradients: cumsum's is the cumsum of dy the other way (same `exclusive`); cumprod's is
 * TensorFlow's, cumsum(y·dy, other way) / x — not defined where x is 0 (TF.js defines none).
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { parseAxis } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { cast } from './cast.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { div } from './div.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';

function scan(name: 'cumsum' | 'cumprod', kernel: 'Cumsum' | 'Cumprod') {
  return op(name, (x: TensorLike, axis = 0, exclusive = false, reverse = false): Tensor => {
    let $x = convertToTensor(x, 'x', name);
    if ($x.rank === 0) fail(name, '`x` must have rank at least 1, received a scalar');
    const ax = parseAxis(axis, $x.rank, name);
    if (typeof exclusive !== 'boolean') fail(name, `\`exclusive\` must be a boolean, received ${typeof exclusive}`);
    if (typeof reverse !== 'boolean') fail(name, `\`reverse\` must be a boolean, received ${typeof reverse}`);
    if ($x.dtype === 'bool') $x = cast($x, 'int32');
    return ENGINE.runKernel(kernel, { x: $x }, { axis: ax, exclusive, reverse });
  });
}

export const cumsum = scan('cumsum', 'Cumsum');
export const cumprod = scan('cumprod', 'Cumprod');

ENGINE.registerGradient('Cumsum', (dy, { attrs }) => ({
  x: () => cumsum(dy, attrs['axis'] as number, attrs['exclusive'] as boolean, !attrs['reverse']),
}));

ENGINE.registerGradient('Cumprod', (dy, { inputs, attrs, outputs }) => {
  const x = inputs['x']!;
  const axis = attrs['axis'] as number;
  const exclusive = attrs['exclusive'] as boolean;
  return { x: () => div(cumsum(mul(outputs[0]!, dy), axis, exclusive, !attrs['reverse']), x) };
});
