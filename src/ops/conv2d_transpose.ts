/**
 * conv2dTranspose: the transpose (adjoint) of conv2d in its input, as TensorFlow's
 * conv2d_transpose: y = Conv2DBackpropInput(x, filter) with y of shape `outputShape`, so that
 * Σ y·z = Σ x·conv2d(z, filter) for every z of `outputShape`.
 * filter: [fh, fw, outC, inC] (the filter of the forward conv2d mapping outputShape → x).
 * Its gradients are those of Conv2DBackpropInput (see conv2d.ts).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { conv2dBackpropInput, convArgs } from './conv2d.ts';
import { convAttrs, convInfo, pair, type PadSpec, type RoundingMode } from './conv_util.ts';
import type { TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

/** Transposed 2-D convolution. x: [batch, h, w, inC] or [h, w, inC]; filter [fh, fw, outC, inC]; outputShape [batch, H, W, outC] or [H, W, outC]. */
export const conv2dTranspose = op(
  'conv2dTranspose',
  (
    x: TensorLike,
    filter: TensorLike,
    outputShape: number[],
    strides: number | [number, number],
    pad: PadSpec,
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const name = 'conv2dTranspose';
    const { $x, $f, x4, batched } = convArgs(x, filter, name);
    const s = pair(strides, 'strides', name);
    if (!Array.isArray(outputShape) || outputShape.length !== $x.rank || !outputShape.every((d) => Number.isInteger(d) && d > 0)) {
      fail(name, `\`outputShape\` must be ${$x.rank} positive integers (the rank of x), received ${JSON.stringify(outputShape)}`);
    }
    const out4 = batched ? outputShape.slice() : [1, ...outputShape];
    if (x4.shape[3] !== $f.shape[3]) {
      fail(name, `input depth must match filter in-channels (filter dimension 3): x is ${fmtShape($x.shape)}, filter is ${fmtShape($f.shape)}`);
    }
    if (out4[3] !== $f.shape[2]) {
      fail(name, `output depth must match filter out-channels (filter dimension 2): outputShape is ${fmtShape(outputShape)}, filter is ${fmtShape($f.shape)}`);
    }
    if (out4[0] !== x4.shape[0]) {
      fail(name, `batch of \`outputShape\` must match x: outputShape is ${fmtShape(outputShape)}, x is ${fmtShape($x.shape)}`);
    }
    const info = convInfo(name, out4, [$f.shape[0]!, $f.shape[1]!], $f.shape[3]!, s, [1, 1], pad, dimRoundingMode, `, filter is ${fmtShape($f.shape)}`);
    if (info.outH !== x4.shape[1] || info.outW !== x4.shape[2]) {
      fail(
        name,
        `\`outputShape\` ${fmtShape(outputShape)} does not match x ${fmtShape($x.shape)}: a conv2d of outputShape with this filter, ` +
          `strides [${s}] and pad ${JSON.stringify(pad)} gives spatial size [${info.outH},${info.outW}], x has [${x4.shape[1]},${x4.shape[2]}]`,
      );
    }
    const y = conv2dBackpropInput(x4, $f, out4, convAttrs(info));
    return batched ? y : reshape(y, y.shape.slice(1));
  },
);
