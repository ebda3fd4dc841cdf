/**
 * maxPool: y[b,oy,ox,c] = max over in-bounds taps (ky, kx) of x[b, oy*sh + ky - top, ox*sw + kx - left, c]
 * (NHWC; padding is never the maximum). The gradient goes to the first maximum of each
 * window in row-major order, as TensorFlow.
 *
 * Gradients: MaxPool(x): dx = MaxPoolGrad(dy, x). MaxPoolGrad is linear in dy, its adjoint is
 * MaxPoolGradGrad (ddx read at each window's first maximum) and vice versa; both are locally
 * constant in x (gradient zero).
 */
import type { Attrs } from '../core/backend.ts';
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { clipPoolWindow, convInfo, pair, type PadSpec, type RoundingMode } from './conv_util.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { zerosLike } from './creation.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

export function poolAttrs(attrs: Attrs): Attrs {
  return { filterSize: attrs['filterSize'], strides: attrs['strides'], pad: attrs['pad'] };
}

/** Converts and checks x (rank 3 or 4) and the pool geometry; returns x as rank 4 and the kernel attrs. */
export function poolArgs(
  name: string,
  x: TensorLike,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: PadSpec,
  dimRoundingMode?: RoundingMode,
): { x4: Tensor; batched: boolean; attrs: Attrs } {
  const $x = convertToTensor(x, 'x', name);
  assertFloat($x, 'x', name);
  if ($x.rank !== 4 && $x.rank !== 3) fail(name, `\`x\` must be rank 4 (NHWC) or 3 (HWC), received rank ${$x.rank} of shape ${fmtShape($x.shape)}`);
  const f = pair(filterSize, 'filterSize', name);
  const s = pair(strides, 'strides', name);
  const batched = $x.rank === 4;
  const x4 = batched ? $x : reshape($x, [1, ...$x.shape]);
  const info = convInfo(name, x4.shape, f, x4.shape[3]!, s, [1, 1], pad, dimRoundingMode, `, filterSize is [${f}]`);
  // Windows clipped to what the input can fill (the same taps): every backend's work is then
  // bounded by the input, whatever the filter size.
  const [top, bottom, left, right] = info.pad as [number, number, number, number];
  const h = clipPoolWindow(info.inH, f[0], s[0], top, bottom);
  const w = clipPoolWindow(info.inW, f[1], s[1], left, right);
  return { x4, batched, attrs: { filterSize: [h.f, w.f], strides: s, pad: [h.before, h.after, w.before, w.after] } };
}

/** 2-D max pooling. x: [batch, h, w, c] or [h, w, c]. */
export const maxPool = op(
  'maxPool',
  (
    x: TensorLike,
    filterSize: number | [number, number],
    strides: number | [number, number],
    pad: PadSpec,
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const { x4, batched, attrs } = poolArgs('maxPool', x, filterSize, strides, pad, dimRoundingMode);
    const y = ENGINE.runKernel('MaxPool', { x: x4 }, attrs);
    return batched ? y : reshape(y, y.shape.slice(1));
  },
);

ENGINE.registerGradient('MaxPool', (dy, { inputs, attrs }) => {
  const x = inputs['x']!;
  return { x: () => ENGINE.runKernel('MaxPoolGrad', { dy, x }, poolAttrs(attrs)) };
});

ENGINE.registerGradient('MaxPoolGrad', (g, { inputs, attrs }) => {
  const x = inputs['x']!;
  return {
    dy: () => ENGINE.runKernel('MaxPoolGradGrad', { x, ddx: g }, poolAttrs(attrs)),
    x: () => zerosLike(x),
  };
});

ENGINE.registerGradient('MaxPoolGradGrad', (g, { inputs, attrs }) => {
  const x = inputs['x']!;
  return {
    ddx: () => ENGINE.runKernel('MaxPoolGrad', { dy: g, x }, poolAttrs(attrs)),
    x: () => zerosLike(x),
  };
});
