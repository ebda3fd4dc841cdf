/**
 * conv1d: y[b,ox,o] = Σ_{kx,i} x[b, ox*s + kx*d - left, i] · w[kx,i,o]  (NWC input, filter [fw, inC, outC]).
 * Computed as conv2d on [batch, 1, width, inC] with filter [1, fw, inC, outC]; gradients flow
 * through reshape and conv2d.
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { conv2d } from './conv2d.ts';
import { checkDataFormat, checkPad, type PadSpec, type RoundingMode } from './conv_util.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';

/** 1-D convolution. x: [batch, width, inC] or [width, inC]; filter: [fw, inC, outC]. */
export const conv1d = op(
  'conv1d',
  (
    x: TensorLike,
    filter: TensorLike,
    stride: number,
    pad: 'valid' | 'same' | number,
    dataFormat: 'NWC' | 'NCW' = 'NWC',
    dilation = 1,
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const name = 'conv1d';
    const $x = convertToTensor(x, 'x', name);
    const $f = convertToTensor(filter, 'filter', name);
    assertFloat($x, 'x', name);
    assertFloat($f, 'filter', name);
    checkDataFormat(dataFormat, 'NWC', name);
    if ($x.rank !== 3 && $x.rank !== 2) fail(name, `\`x\` must be rank 3 (NWC) or 2 (WC), received rank ${$x.rank} of shape ${fmtShape($x.shape)}`);
    if ($f.rank !== 3) fail(name, `\`filter\` must be rank 3 [width, inChannels, outChannels], received rank ${$f.rank} of shape ${fmtShape($f.shape)}`);
    if (!Number.isInteger(stride) || stride <= 0) fail(name, `\`stride\` must be a positive integer, received ${String(stride)}`);
    if (!Number.isInteger(dilation) || dilation <= 0) fail(name, `\`dilation\` must be a positive integer, received ${String(dilation)}`);
    if ($x.shape[$x.rank - 1] !== $f.shape[1]) {
      fail(name, `input depth must match filter in-channels: x is ${fmtShape($x.shape)}, filter is ${fmtShape($f.shape)}`);
    }
    checkPad(pad as PadSpec, name, dimRoundingMode);
    const batched = $x.rank === 3;
    const x4 = reshape($x, batched ? [$x.shape[0]!, 1, $x.shape[1]!, $x.shape[2]!] : [1, 1, $x.shape[0]!, $x.shape[1]!]);
    const f4 = reshape($f, [1, ...$f.shape]);
    // A numeric pad applies to the width only: explicit [p, right], right grown for 'ceil'/'round'.
    let pad2: PadSpec = pad;
    if (typeof pad === 'number') {
      const w = $x.shape[$x.rank - 2]!;
      const eff = ($f.shape[0]! - 1) * dilation + 1;
      const v = (w - eff + 2 * pad) / stride + 1;
      const out = dimRoundingMode === 'ceil' ? Math.ceil(v) : dimRoundingMode === 'round' ? Math.round(v) : Math.floor(v);
      const right = Math.max(pad, (out - 1) * stride + eff - w - pad);
      pad2 = [[0, 0], [0, 0], [pad, right], [0, 0]];
    }
    const y = conv2d(x4, f4, [1, stride], pad2, 'NHWC', [1, dilation]);
    const outW = y.shape[2]!;
    const outC = y.shape[3]!;
    return reshape(y, batched ? [$x.shape[0]!, outW, outC] : [outW, outC]);
  },
);
