/**
 * 3-D convolution and pooling on NDHWC tensors ([batch, depth, height, width, channels]), as
 * TF.js's `conv3d`, `maxPool3d` and `avgPool3d` (TensorFlow's SAME/VALID geometry), written with
 * the 2-D ops over depth slices, so they run on every backend and differentiate through autodiff:
 *
 *   conv3d:    y[:, od] = Σ_t conv2d(x[:, od·s_d + t·d_d], filter[t])       (t over the kernel depth)
 *   maxPool3d: y[:, od] = max_t maxPool(x[:, od·s_d + t])                   (max is separable)
 *   avgPool3d: y[:, od] = Σ_t avgPool(x[:, od·s_d + t]) / (valid depth taps) (so is the mean of a box)
 *
 * with the depth axis padded as SAME pads it (zeros for the convolution and the average, which
 * then counts only real taps; −∞ for the maximum). Each depth slice is a batch of 2-D images
 * ([batch·outDepth, h, w, c]) for one 2-D kernel call per tap.
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { avgPool } from './avg_pool.ts';
import { conv2d } from './conv2d.ts';
import { clipPoolWindow } from './conv_util.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { tensor } from './creation.ts';
import { maxPool } from './max_pool.ts';
import { maximum } from './maximum.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { pad } from './pad.ts';
import { reshape } from './reshape.ts';
import { slice } from './slice.ts';
import { stridedSlice } from './strided_slice.ts';

type Triple = [number, number, number];

function triple(v: unknown, arg: string, name: string, min = 1): Triple {
  const t = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(t) || t.length !== 3 || t.some((d) => !Number.isInteger(d) || d < min)) {
    fail(name, `\`${arg}\` must be a positive integer or [depth, height, width] of them, received ${JSON.stringify(v)}`);
  }
  return t as Triple;
}

function padArg(p: unknown, name: string): 'valid' | 'same' {
  if (p !== 'valid' && p !== 'same') fail(name, `\`pad\` must be 'valid' or 'same', received ${JSON.stringify(p)}`);
  return p;
}

/** Output length and the padding before/after along one axis (TensorFlow's SAME / VALID). */
export function axisGeometry(name: string, len: number, k: number, s: number, d: number, padding: 'valid' | 'same'): { out: number; before: number; after: number } {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') {
    const out = Math.floor((len - eff) / s) + 1;
    if (out <= 0) fail(name, `the input is too small: depth ${len} with an effective kernel depth of ${eff} ('valid') gives an output depth of ${out}`);
    return { out, before: 0, after: 0 };
  }
  const out = Math.ceil(len / s);
  const total = Math.max((out - 1) * s + eff - len, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** x as a batched 5-D tensor (an unbatched 4-D one gets a batch of 1, undone by `back`). */
function as5d(x: TensorLike, name: string): { x5: Tensor; back: (y: Tensor) => Tensor } {
  const $x = convertToTensor(x, 'x', name);
  if ($x.dtype !== 'float32') fail(name, `\`x\` must have dtype float32, received ${$x.dtype}`);
  if ($x.rank === 4) return { x5: reshape($x, [1, ...$x.shape]), back: (y) => reshape(y, y.shape.slice(1)) };
  if ($x.rank !== 5) fail(name, `\`x\` must be of rank 5 [batch, depth, height, width, channels] (or 4 without the batch), received shape ${fmtShape($x.shape)}`);
  return { x5: $x, back: (y) => y };
}

/** The depth slices tap t reads: [n, outDepth, h, w, c] → [n·outDepth, h, w, c]. */
function depthTap(xp: Tensor, t: number, outDepth: number, stride: number, dilation: number): Tensor {
  const [n, , h, w, c] = xp.shape as [number, number, number, number, number];
  const start = t * dilation;
  const s = stridedSlice(xp, [0, start, 0, 0, 0], [n, start + (outDepth - 1) * stride + 1, h, w, c], [1, stride, 1, 1, 1]);
  return reshape(s, [n * outDepth, h, w, c]);
}

function checkDataFormat(df: unknown, name: string): void {
  if (df !== undefined && df !== 'NDHWC') fail(name, `only dataFormat 'NDHWC' is supported, received ${JSON.stringify(df)}`);
}

/** `tf.conv3d(x, filter [kd, kh, kw, in, out], strides, pad, dataFormat = 'NDHWC', dilations = 1)`. */
export const conv3d = op('conv3d', (x: TensorLike, filter: TensorLike, strides: number | Triple, pad: 'valid' | 'same', dataFormat: 'NDHWC' = 'NDHWC', dilations: number | Triple = 1): Tensor => {
  const name = 'conv3d';
  checkDataFormat(dataFormat, name);
  const { x5, back } = as5d(x, name);
  const $f = convertToTensor(filter, 'filter', name);
  if ($f.rank !== 5) fail(name, `\`filter\` must be of rank 5 [depth, height, width, inChannels, outChannels], received shape ${fmtShape($f.shape)}`);
  if ($f.dtype !== 'float32') fail(name, `\`filter\` must have dtype float32, received ${$f.dtype}`);
  const [kd, kh, kw, cin, cout] = $f.shape as [number, number, number, number, number];
  if (x5.shape[4] !== cin) fail(name, `input channels must match the filter's: x is ${fmtShape(x5.shape)}, filter is ${fmtShape($f.shape)}`);
  const [sd, sh, sw] = triple(strides, 'strides', name);
  const [dd, dh, dw] = triple(dilations, 'dilations', name);
  const p = padArg(pad, name);
  if (Math.max(sd, sh, sw) > 1 && Math.max(dd, dh, dw) > 1) fail(name, `strides > 1 together with dilations > 1 is not supported, received strides [${[sd, sh, sw]}] and dilations [${[dd, dh, dw]}]`);
  const [n, depth] = x5.shape as [number, number];
  const g = axisGeometry(name, depth, kd, sd, dd, p);
  const xp = g.before || g.after ? padDepth(x5, g.before, g.after, 0) : x5;
  let acc: Tensor | null = null;
  for (let t = 0; t < kd; t++) {
    const w = reshape(slice($f, [t, 0, 0, 0, 0], [1, kh, kw, cin, cout]), [kh, kw, cin, cout]);
    const y = conv2d(depthTap(xp, t, g.out, sd, dd), w, [sh, sw], p, 'NHWC', [dh, dw]);
    acc = acc === null ? y : add(acc, y);
  }
  const [, oh, ow] = acc!.shape as [number, number, number, number];
  return back(reshape(acc!, [n, g.out, oh, ow, cout]));
});

function padDepth(x5: Tensor, before: number, after: number, value: number): Tensor {
  return pad(x5, [[0, 0], [before, after], [0, 0], [0, 0], [0, 0]], value);
}

function pool3d(name: string, mode: 'max' | 'avg', x: TensorLike, filterSize: number | Triple, strides: number | Triple, padding: 'valid' | 'same', dataFormat: unknown): Tensor {
  checkDataFormat(dataFormat, name);
  const { x5, back } = as5d(x, name);
  const [kd0, kh, kw] = triple(filterSize, 'filterSize', name);
  const [sd, sh, sw] = triple(strides, 'strides', name);
  const p = padArg(padding, name);
  const [n, depth, , , c] = x5.shape as [number, number, number, number, number];
  // The depth window clipped to what the input can fill (the same taps; see clipPoolWindow):
  // a filter far deeper than the input neither pads nor loops beyond it.
  const g0 = axisGeometry(name, depth, kd0, sd, 1, p);
  const clipped = clipPoolWindow(depth, kd0, sd, g0.before, g0.after);
  const g = { out: g0.out, before: clipped.before, after: clipped.after };
  const kd = clipped.f;
  const xp = g.before || g.after ? padDepth(x5, g.before, g.after, mode === 'max' ? -Infinity : 0) : x5;
  let acc: Tensor | null = null;
  for (let t = 0; t < kd; t++) {
    const slab = depthTap(xp, t, g.out, sd, 1);
    const y = mode === 'max' ? maxPool(slab, [kh, kw], [sh, sw], p) : avgPool(slab, [kh, kw], [sh, sw], p);
    acc = acc === null ? y : mode === 'max' ? maximum(acc, y) : add(acc, y);
  }
  const [, oh, ow] = acc!.shape as [number, number, number, number];
  let y = reshape(acc!, [n, g.out, oh, ow, c]);
  if (mode === 'avg') {
    // Divide by the number of real (unpadded) depth taps of each output depth position.
    const inv = new Float32Array(g.out);
    for (let od = 0; od < g.out; od++) {
      let k = 0;
      for (let t = 0; t < kd; t++) {
        const i = od * sd + t - g.before;
        if (i >= 0 && i < depth) k++;
      }
      inv[od] = 1 / k;
    }
    y = mul(y, tensor(inv, [1, g.out, 1, 1, 1], 'float32'));
  }
  return back(y);
}

/** `tf.maxPool3d(x, filterSize, strides, pad, dimRoundingMode?, dataFormat = 'NDHWC')`. */
export const maxPool3d = op('maxPool3d', (x: TensorLike, filterSize: number | Triple, strides: number | Triple, pad: 'valid' | 'same',
  dimRoundingMode?: unknown, dataFormat: 'NDHWC' = 'NDHWC'): Tensor => {
  if (dimRoundingMode !== undefined && dimRoundingMode !== null) fail('maxPool3d', '`dimRoundingMode` is not supported (use pad \'valid\' or \'same\')');
  return pool3d('maxPool3d', 'max', x, filterSize, strides, pad, dataFormat);
});

/** `tf.avgPool3d(x, filterSize, strides, pad, dimRoundingMode?, dataFormat = 'NDHWC')`: SAME padding averages the real elements only. */
export const avgPool3d = op('avgPool3d', (x: TensorLike, filterSize: number | Triple, strides: number | Triple, pad: 'valid' | 'same',
  dimRoundingMode?: unknown, dataFormat: 'NDHWC' = 'NDHWC'): Tensor => {
  if (dimRoundingMode !== undefined && dimRoundingMode !== null) fail('avgPool3d', '`dimRoundingMode` is not supported (use pad \'valid\' or \'same\')');
  return pool3d('avgPool3d', 'avg', x, filterSize, strides, pad, dataFormat);
});
