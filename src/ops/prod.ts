/**
 * prod(x, axis?, keepDims?): Πx over `axis` (all axes when omitted). bool multiplies as int32.
 *
 * Gradient: dx_i = dy · Π_{j≠i} x_j, exact also when x holds zeros. With z = [x = 0]
 * (constant), x' = x + z (zeros replaced by 1), P' = Πx' and k = #zeros in the reduced slice:
 * Π_{j≠i} x_j = P' / x'_i when no other element of the slice is zero (k - z_i = 0), else 0.
 */
import { ENGINE } from '../core/engine.ts';
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { cast } from './cast.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { div } from './div.ts';
import { equalMask } from './max.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { sub } from './sub.ts';
import { sum } from './sum.ts';
import { noGrad } from '../autodiff/tape.ts';

export const prod = op('prod', (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => {
  let $x = convertToTensor(x, 'x', 'prod');
  if ($x.dtype === 'bool') $x = cast($x, 'int32');
  const axes = parseAxes(axis, $x.rank, 'prod');
  return ENGINE.runKernel('Prod', { x: $x }, { axes, keepDims });
});

ENGINE.registerGradient('Prod', (dy, { inputs, attrs }) => ({
  x: () => {
    const x = inputs['x']!;
    const axes = attrs['axes'] as number[];
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const z = equalMask(x, 0);
    const othersNonZero = noGrad(() => equalMask(sub(sum(z, axes, true), z), 0));
    const xr = add(x, z);
    const pr = prod(xr, axes, true);
    return mul(mul(reshape(dy, kept), div(pr, xr)), othersNonZero);
  },
}));
