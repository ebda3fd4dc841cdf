/**
 * conv1d: y[b,ox,o] = Σ_{kx,i} x[b, ox*s + kx*d - left, i] · w[kx,i,o]  (NWC input, or NCW
 * transposed to it and back; filter [fw, inC, outC]).
 * Computed as conv2d on [batch, 1, width, inC] with filter [1, fw, inC, outC]; gradients flow
 * through reshape and conv2d.
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { conv2d } from './conv2d.ts';
import { checkPad, type PadSpec, type RoundingMode } from './conv_util.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { transpose } from './transpose.ts';

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
    if (dataFormat !== 'NWC' && dataFormat !== 'NCW') fail(name, `\`dataFormat\` must be 'NWC' or 'NCW', received ${JSON.stringify(dataFormat)}`);
    const ncw = dataFormat === 'NCW';
    if ($x.rank !== 3 && $x.rank !== 2) {
      fail(name, `\`x\` must be rank 3 (${ncw ? 'NCW' : 'NWC'}) or 2 (${ncw ? 'CW' : 'WC'}), received rank ${$x.rank} of shape ${fmtShape($x.shape)}`);
    }
    if ($f.rank !== 3) fail(name, `\`filter\` must be rank 3 [width, inChannels, outChannels], received rank ${$f.rank} of shape ${fmtShape($f.shape)}`);
    if (!Number.isInteger(stride) || stride <= 0) fail(name, `\`stride\` must be a positive integer, received ${String(stride)}`);
    if (!Number.isInteger(dilation) || dilation <= 0) fail(name, `\`dilation\` must be a positive integer, received ${String(dilation)}`);
    // channels last from here on
    const xw = ncw ? transpose($x, $x.rank === 3 ? [0, 2, 1] : [1, 0]) : $x;
    if (xw.shape[xw.rank - 1] !== $f.shape[1]) {
      fail(name, `input depth must match filter in-channels: x is ${fmtShape($x.shape)}, filter is ${fmtShape($f.shape)}`);
    }
    checkPad(pad as PadSpec, name, dimRoundingMode);
    const batched = xw.rank === 3;
    const x4 = reshape(xw, batched ? [xw.shape[0]!, 1, xw.shape[1]!, xw.shape[2]!] : [1, 1, xw.shape[0]!, xw.shape[1]!]);
    const f4 = reshape($f, [1, ...$f.shape]);
    const w = xw.shape[xw.rank - 2]!;
    const eff = ($f.shape[0]! - 1) * dilation + 1;
    const p = typeof pad === 'number' ? pad : 0;
    if (pad !== 'same' && w + 2 * p < eff) {
      fail(name, `the filter (effective width ${eff} with dilation ${dilation}) does not fit the padded input: x is ${fmtShape($x.shape)}, filter is ${fmtShape($f.shape)}, pad ` +
        `${JSON.stringify(pad)}`);
    }
    // A numeric pad applies to the width only: explicit [p, right], right grown for 'ceil'/'round'.
    let pad2: PadSpec = pad;
    if (typeof pad === 'number') {
      const v = (w - eff + 2 * pad) / stride + 1;
      const out = dimRoundingMode === 'ceil' ? Math.ceil(v) : dimRoundingMode === 'round' ? Math.round(v) : Math.floor(v);
      const right = Math.max(pad, (out - 1) * stride + eff - w - pad);
      pad2 = [[0, 0], [0, 0], [pad, right], [0, 0]];
    }
    const y = conv2d(x4, f4, [1, stride], pad2, 'NHWC', [1, dilation]);
    const outW = y.shape[2]!;
    const outC = y.shape[3]!;
    const yw = reshape(y, batched ? [xw.shape[0]!, outW, outC] : [outW, outC]);
    return ncw ? transpose(yw, batched ? [0, 2, 1] : [1, 0]) : yw;
  },
);
