/**
 * depthwiseConv2d: each input channel i is convolved with its own `multiplier` filters:
 * y[b,oy,ox,i*M+m] = Σ_{ky,kx} x[b, oy*sh + ky*dh - top, ox*sw + kx*dw - left, i] · w[ky,kx,i,m]
 * (NHWC or NCHW input, filter [fh, fw, inC, M], zero padding; 'same' pads as TensorFlow).
 *
 * Gradients, closed over the three linear kernels as for conv2d:
 * - Depthwise(x, w):            dx = BackpropInput(dy, w),  dw = BackpropFilter(x, dy)
 * - BackpropInput(dy, w) = dx:  d(dy) = Depthwise(g, w),    dw = BackpropFilter(g, dy)
 * - BackpropFilter(x, dy) = dw: dx = BackpropInput(dy, g),  d(dy) = Depthwise(x, g)
 */
import type { Attrs } from '../core/backend.ts';
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convArgs, geometryAttrs } from './conv2d.ts';
import { registerConvGradients, convAttrs, convInfo, pair, type PadSpec, type RoundingMode } from './conv_util.ts';
import type { TensorLike } from './convert.ts';
import { op } from './op.ts';

function depthwiseKernel(x: Tensor, filter: Tensor, attrs: Attrs): Tensor {
  return ENGINE.runKernel('DepthwiseConv2dNative', { x, filter }, geometryAttrs(attrs));
}

export function depthwiseConv2dBackpropInput(dy: Tensor, filter: Tensor, inputShape: readonly number[], attrs: Attrs): Tensor {
  return ENGINE.runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...geometryAttrs(attrs), inputShape: inputShape.slice() });
}

export function depthwiseConv2dBackpropFilter(x: Tensor, dy: Tensor, filterShape: readonly number[], attrs: Attrs): Tensor {
  return ENGINE.runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...geometryAttrs(attrs), filterShape: filterShape.slice() });
}

/** Depthwise 2-D convolution. x: [batch, h, w, inC] or [h, w, inC]; filter: [fh, fw, inC, multiplier]; output channels inC*multiplier. */
export const depthwiseConv2d = op(
  'depthwiseConv2d',
  (
    x: TensorLike,
    filter: TensorLike,
    strides: number | [number, number],
    pad: PadSpec,
    dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
    dilations: number | [number, number] = [1, 1],
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const name = 'depthwiseConv2d';
    const { $x, $f, x4, pad: pad4, back } = convArgs(x, filter, name, dataFormat, pad);
    const s = pair(strides, 'strides', name);
    const d = pair(dilations, 'dilations', name, 1);
    if (x4.shape[3] !== $f.shape[2]) {
      fail(name, `input depth must match filter in-channels: x is ${fmtShape($x.shape)}, filter is ${fmtShape($f.shape)}`);
    }
    const outC = $f.shape[2]! * $f.shape[3]!;
    const info = convInfo(name, x4.shape, [$f.shape[0]!, $f.shape[1]!], outC, s, d, pad4, dimRoundingMode, `, filter is ${fmtShape($f.shape)}`);
    return back(depthwiseKernel(x4, $f, convAttrs(info)));
  },
);

registerConvGradients({
  forward: 'DepthwiseConv2dNative',
  input: 'DepthwiseConv2dNativeBackpropInput',
  filter: 'DepthwiseConv2dNativeBackpropFilter',
}, { forward: depthwiseKernel, input: depthwiseConv2dBackpropInput, filter: depthwiseConv2dBackpropFilter });
