/**
 * avgPool: y[b,oy,ox,c] = mean over the in-bounds taps of x[b, oy*sh + ky - top, ox*sw + kx - left, c]
 * (NHWC; padded positions are not counted, as TensorFlow).
 *
 * Gradients: AvgPool(x): dx = AvgPoolGrad(dy) (each dy spread evenly over its window's taps);
 * AvgPoolGrad is linear with adjoint AvgPool, so its gradient is AvgPool(g).
 */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import type { PadSpec, RoundingMode } from './conv_util.ts';
import type { TensorLike } from './convert.ts';
import { poolArgs, poolAttrs } from './max_pool.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

/** 2-D average pooling. x: [batch, h, w, c] or [h, w, c]. */
export const avgPool = op(
  'avgPool',
  (
    x: TensorLike,
    filterSize: number | [number, number],
    strides: number | [number, number],
    pad: PadSpec,
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const { x4, batched, attrs } = poolArgs('avgPool', x, filterSize, strides, pad, dimRoundingMode);
    const y = ENGINE.runKernel('AvgPool', { x: x4 }, attrs);
    return batched ? y : reshape(y, y.shape.slice(1));
  },
);

ENGINE.registerGradient('AvgPool', (dy, { inputs, attrs }) => {
  const x = inputs['x']!;
  return { x: () => ENGINE.runKernel('AvgPoolGrad', { dy }, { ...poolAttrs(attrs), inputShape: x.shape.slice() }) };
});

ENGINE.registerGradient('AvgPoolGrad', (g, { attrs }) => ({
  dy: () => ENGINE.runKernel('AvgPool', { x: g }, poolAttrs(attrs)),
}));
