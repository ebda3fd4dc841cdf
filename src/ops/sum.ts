import { ENGINE } from '../core/engine.ts';
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { broadcastTo } from './broadcast_to.ts';
import { cast } from './cast.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

/** Sum over `axis` (all axes when omitted). bool sums to int32. */
export const sum = op('sum', (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => {
  let $x = convertToTensor(x, 'x', 'sum');
  if ($x.dtype === 'bool') $x = cast($x, 'int32');
  const axes = parseAxes(axis, $x.rank, 'sum');
  return ENGINE.runKernel('Sum', { x: $x }, { axes, keepDims });
});

ENGINE.registerGradient('Sum', (dy, { inputs, attrs }) => ({
  x: () => {
    const x = inputs['x']!;
    const axes = attrs['axes'] as number[];
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return broadcastTo(reshape(dy, kept), x.shape);
  },
}));
