/**
 * conv2d: y[b,oy,ox,o] = Σ_{ky,kx,i} x[b, oy*sh + ky*dh - top, ox*sw + kx*dw - left, i] · w[ky,kx,i,o]
 * (NHWC input — 'NCHW' is transposed to it and back —, HWIO filter, zero padding outside the
 * input; 'same' pads as TensorFlow).
 *
 * Gradients (all three kernels are linear in each input, so the set is closed and every
 * order of derivative works):
 * - Conv2D(x, w):               dx = BackpropInput(dy, w),  dw = BackpropFilter(x, dy)
 * - BackpropInput(dy, w) = dx:  d(dy) = Conv2D(g, w),       dw = BackpropFilter(g, dy)
 * - BackpropFilter(x, dy) = dw: dx = BackpropInput(dy, g),  d(dy) = Conv2D(x, g)
 */
import type { Attrs } from '../core/backend.ts';
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { registerConvGradients, convAttrs, convInfo, pair, type ExplicitPadding, type PadSpec, type RoundingMode } from './conv_util.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { transpose } from './transpose.ts';

/** Geometry attrs only (strides, dilations, pad) of a conv kernel's attrs. */
export function geometryAttrs(attrs: Attrs): Attrs {
  return { strides: attrs['strides'], dilations: attrs['dilations'], pad: attrs['pad'] };
}

/** dx of a conv2d: the transpose of Conv2D in x (`inputShape` NHWC). */
export function conv2dBackpropInput(dy: Tensor, filter: Tensor, inputShape: readonly number[], attrs: Attrs): Tensor {
  return ENGINE.runKernel('Conv2DBackpropInput', { dy, filter }, { ...geometryAttrs(attrs), inputShape: inputShape.slice() });
}

/** dw of a conv2d (`filterShape` HWIO). */
export function conv2dBackpropFilter(x: Tensor, dy: Tensor, filterShape: readonly number[], attrs: Attrs): Tensor {
  return ENGINE.runKernel('Conv2DBackpropFilter', { x, dy }, { ...geometryAttrs(attrs), filterShape: filterShape.slice() });
}

function conv2dKernel(x: Tensor, filter: Tensor, attrs: Attrs): Tensor {
  return ENGINE.runKernel('Conv2D', { x, filter }, geometryAttrs(attrs));
}

/**
 * Converts x (rank 3 or 4) and filter (rank 4), checking dtypes and ranks. Returns x as
 * rank-4 NHWC (`x4`; an 'NCHW' x is transposed), the pad in NHWC order, and `back` restoring
 * the caller's rank and layout on the NHWC output.
 */
export function convArgs(
  x: TensorLike,
  filter: TensorLike,
  name: string,
  dataFormat: string | undefined = 'NHWC',
  pad: PadSpec = 'valid',
): { $x: Tensor; $f: Tensor; x4: Tensor; batched: boolean; pad: PadSpec; back: (y: Tensor) => Tensor } {
  const $x = convertToTensor(x, 'x', name);
  const $f = convertToTensor(filter, 'filter', name);
  assertFloat($x, 'x', name);
  assertFloat($f, 'filter', name);
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') fail(name, `\`dataFormat\` must be 'NHWC' or 'NCHW', received ${JSON.stringify(dataFormat)}`);
  const nchw = dataFormat === 'NCHW';
  const layout = nchw ? 'NCHW' : 'NHWC';
  if ($x.rank !== 4 && $x.rank !== 3) {
    fail(name, `\`x\` must be rank 4 (${layout}) or 3 (${layout.slice(1)}), received rank ${$x.rank} of shape ${fmtShape($x.shape)}`);
  }
  if ($f.rank !== 4) fail(name, `\`filter\` must be rank 4, received rank ${$f.rank} of shape ${fmtShape($f.shape)}`);
  const batched = $x.rank === 4;
  let x4 = batched ? $x : reshape($x, [1, ...$x.shape]);
  let pad4 = pad;
  if (nchw) {
    x4 = transpose(x4, [0, 2, 3, 1]);
    // explicit padding is given in the data format's axis order
    if (Array.isArray(pad) && pad.length === 4) pad4 = [pad[0], pad[2], pad[3], pad[1]] as ExplicitPadding;
  }
  const back = (y: Tensor): Tensor => {
    const yl = nchw ? transpose(y, [0, 3, 1, 2]) : y;
    return batched ? yl : reshape(yl, yl.shape.slice(1));
  };
  return { $x, $f, x4, batched, pad: pad4, back };
}

/** 2-D convolution (cross-correlation, as TensorFlow). x: [batch, h, w, inC] or [h, w, inC]; filter: [fh, fw, inC, outC]. */
export const conv2d = op(
  'conv2d',
  (
    x: TensorLike,
    filter: TensorLike,
    strides: number | [number, number],
    pad: PadSpec,
    dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
    dilations: number | [number, number] = [1, 1],
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const name = 'conv2d';
    const { $x, $f, x4, pad: pad4, back } = convArgs(x, filter, name, dataFormat, pad);
    const s = pair(strides, 'strides', name);
    const d = pair(dilations, 'dilations', name, 1);
    if (x4.shape[3] !== $f.shape[2]) {
      fail(name, `input depth must match filter in-channels: x is ${fmtShape($x.shape)}, filter is ${fmtShape($f.shape)}`);
    }
    const info = convInfo(name, x4.shape, [$f.shape[0]!, $f.shape[1]!], $f.shape[3]!, s, d, pad4, dimRoundingMode, `, filter is ${fmtShape($f.shape)}`);
    return back(conv2dKernel(x4, $f, convAttrs(info)));
  },
);

registerConvGradients({ forward: 'Conv2D', input: 'Conv2DBackpropInput', filter: 'Conv2DBackpropFilter' }, { forward: conv2dKernel, input: conv2dBackpropInput, filter: conv2dBackpropFilter });
