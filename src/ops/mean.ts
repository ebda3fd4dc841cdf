/**
 * mean(x, axis?, keepDims?): Σx / n over `axis` (all axes when omitted). int32 input gives a
 * float32 mean (idem choice: TF would truncate to int32). bool is rejected.
 *
 * Gradient: dx = broadcast(dy) / n, n = number of elements reduced into each output.
 */
import { ENGINE } from '../core/engine.ts';
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { broadcastTo } from './broadcast_to.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { div } from './div.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

export const mean = op('mean', (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => {
  const $x = convertToTensor(x, 'x', 'mean');
  assertNumeric($x, 'x', 'mean');
  const axes = parseAxes(axis, $x.rank, 'mean');
  return ENGINE.runKernel('Mean', { x: $x }, { axes, keepDims });
});

ENGINE.registerGradient('Mean', (dy, { inputs, attrs }) => ({
  x: () => {
    const x = inputs['x']!;
    const axes = attrs['axes'] as number[];
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    let n = 1;
    for (const a of axes) n *= x.shape[a]!;
    // Each element is dy / n: divided before broadcasting when dy is one value (the same bits,
    // fewer ops), after otherwise.
    if (dy.size === 1) return broadcastTo(div(dy.rank === 0 ? dy : reshape(dy, []), n), x.shape);
    return div(broadcastTo(reshape(dy, kept), x.shape), n);
  },
}));
