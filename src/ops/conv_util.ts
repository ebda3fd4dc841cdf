/**
 * Shared argument handling of convolution and pooling ops: padding and output sizes.
 *
 * Effective filter size with dilation d: eff = (f - 1) * d + 1.
 * - 'valid': out = floor((in - eff) / s) + 1, no padding.
 * - 'same' (TensorFlow): out = ceil(in / s); total = max((out - 1) * s + eff - in, 0),
 *   top/left = floor(total / 2), the extra one at the bottom/right.
 * - number p (TF.js): p on every side, out = round((in - eff + 2p) / s + 1) with
 *   `dimRoundingMode` ('floor' default, 'round', 'ceil').
 * - explicit [[0,0],[top,bottom],[left,right],[0,0]] (NHWC): out = floor((in + top + bottom - eff) / s) + 1.
 *
 * Kernels receive `pad: [top, bottom, left, right]` with `bottom`/`right` adjusted so that
 * out = floor((in + top + bottom - eff) / s) + 1 holds (it may be negative when trailing
 * input rows are never read).
 */
import { fail, fmtShape } from '../core/errors.ts';
import { ENGINE } from '../core/engine.ts';
import type { KernelName } from '../core/kernels.ts';
import type { Attrs } from '../core/backend.ts';
import type { Tensor } from '../core/tensor.ts';

export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];
export type PadSpec = 'valid' | 'same' | number | ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil';

export interface Conv2DInfo {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  fh: number;
  fw: number;
  strides: [number, number];
  dilations: [number, number];
  /** [top, bottom, left, right]. */
  pad: [number, number, number, number];
}

/** Normalizes a stride/dilation/filter-size argument (number or pair) to a pair of positive integers. */
export function pair(v: number | readonly number[] | undefined, arg: string, op: string, dflt?: number): [number, number] {
  if (v === undefined || v === null) {
    if (dflt === undefined) fail(op, `argument \`${arg}\` is required, received ${String(v)}`);
    return [dflt, dflt];
  }
  const p: readonly number[] = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d > 0)) {
    fail(op, `\`${arg}\` must be a positive integer or a pair of positive integers, received ${JSON.stringify(v)}`);
  }
  return [p[0]!, p[1]!];
}

function roundBy(v: number, mode: RoundingMode | undefined): number {
  if (mode === 'ceil') return Math.ceil(v);
  if (mode === 'round') return Math.round(v);
  return Math.floor(v);
}

/** Output size and [before, after] padding of one spatial dimension. */
function dimPadding(
  inSize: number,
  eff: number,
  stride: number,
  pad: PadSpec,
  dimIdx: 1 | 2,
  rounding: RoundingMode | undefined,
): { out: number; before: number; after: number } {
  let out: number;
  let before: number;
  if (pad === 'same') {
    out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + eff - inSize, 0);
    before = Math.floor(total / 2);
  } else if (pad === 'valid') {
    out = Math.floor((inSize - eff) / stride) + 1;
    before = 0;
  } else if (typeof pad === 'number') {
    out = roundBy((inSize - eff + 2 * pad) / stride + 1, rounding);
    before = pad;
  } else {
    const [b, a] = pad[dimIdx];
    out = Math.floor((inSize + b + a - eff) / stride) + 1;
    before = b;
  }
  // bottom/right padding consistent with `out` (floor formula in kernels).
  const after = (out - 1) * stride + eff - inSize - before;
  return { out, before, after };
}

/** Validates a pad argument. */
export function checkPad(pad: PadSpec, op: string, dimRoundingMode?: RoundingMode): void {
  if (pad === 'same' || pad === 'valid') {
    if (dimRoundingMode !== undefined) fail(op, `\`dimRoundingMode\` is only allowed with a numeric \`pad\`, received pad '${pad}'`);
    return;
  }
  if (typeof pad === 'number') {
    if (!Number.isInteger(pad) || pad < 0) fail(op, `\`pad\` must be 'valid', 'same', a non-negative integer or explicit padding, received ${pad}`);
    if (dimRoundingMode !== undefined && !['floor', 'round', 'ceil'].includes(dimRoundingMode)) {
      fail(op, `\`dimRoundingMode\` must be 'floor', 'round' or 'ceil', received ${JSON.stringify(dimRoundingMode)}`);
    }
    return;
  }
  const ok =
    Array.isArray(pad) &&
    pad.length === 4 &&
    pad.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0)) &&
    pad[0][0] === 0 && pad[0][1] === 0 && pad[3][0] === 0 && pad[3][1] === 0;
  if (!ok) {
    fail(op, `\`pad\` must be 'valid', 'same', a non-negative integer or explicit padding [[0,0],[top,bottom],[left,right],[0,0]], received ${JSON.stringify(pad)}`);
  }
}

/**
 * Geometry of a 2-D convolution/pool: `xShape` NHWC, filter spatial size `[fh, fw]`, `outC`
 * output channels. Throws naming `op` when the (dilated) filter does not fit.
 */
export function convInfo(
  op: string,
  xShape: readonly number[],
  filterHW: [number, number],
  outC: number,
  strides: [number, number],
  dilations: [number, number],
  pad: PadSpec,
  dimRoundingMode?: RoundingMode,
  filterDesc = '',
): Conv2DInfo {
  checkPad(pad, op, dimRoundingMode);
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const [fh, fw] = filterHW;
  const effH = (fh - 1) * dilations[0] + 1;
  const effW = (fw - 1) * dilations[1] + 1;
  const h = dimPadding(inH, effH, strides[0], pad, 1, dimRoundingMode);
  const w = dimPadding(inW, effW, strides[1], pad, 2, dimRoundingMode);
  if (h.out <= 0 || w.out <= 0) {
    fail(
      op,
      `the filter (effective size [${effH},${effW}] with dilations [${dilations}]) does not fit the padded input: ` +
        `x is ${fmtShape(xShape)}${filterDesc}, pad ${JSON.stringify(pad)} gives an output of [${h.out},${w.out}]`,
    );
  }
  return {
    batch,
    inH,
    inW,
    inC,
    outH: h.out,
    outW: w.out,
    outC,
    fh,
    fw,
    strides,
    dilations,
    pad: [h.before, h.after, w.before, w.after],
  };
}

/** Kernel attributes of a conv/pool from its geometry. */
export function convAttrs(info: Conv2DInfo): { strides: number[]; dilations: number[]; pad: number[] } {
  return { strides: info.strides.slice(), dilations: info.dilations.slice(), pad: info.pad.slice() };
}

/**
 * Registers the gradients of a convolution's three kernels, which are each other's gradients:
 * forward y = F(x, w), input backprop dx = I(dy, w) and filter backprop dw = W(x, dy).
 * dF/dx = I, dF/dw = W; dI/ddy = F, dI/dw = W(g, dy); dW/dx = I(dy, g), dW/ddy = F(x, g).
 * Conv2D and DepthwiseConv2dNative share this triangle.
 */
export function registerConvGradients(
  names: { forward: KernelName; input: KernelName; filter: KernelName },
  k: {
    forward: (x: Tensor, w: Tensor, attrs: Attrs) => Tensor;
    input: (dy: Tensor, w: Tensor, xShape: readonly number[], attrs: Attrs) => Tensor;
    filter: (x: Tensor, dy: Tensor, wShape: readonly number[], attrs: Attrs) => Tensor;
  },
): void {
  ENGINE.registerGradient(names.forward, (dy, { inputs, attrs }) => {
    const x = inputs['x']!;
    const filter = inputs['filter']!;
    return { x: () => k.input(dy, filter, x.shape, attrs), filter: () => k.filter(x, dy, filter.shape, attrs) };
  });
  ENGINE.registerGradient(names.input, (g, { inputs, attrs }) => {
    const dy = inputs['dy']!;
    const filter = inputs['filter']!;
    return { dy: () => k.forward(g, filter, attrs), filter: () => k.filter(g, dy, filter.shape, attrs) };
  });
  ENGINE.registerGradient(names.filter, (g, { inputs, attrs }) => {
    const x = inputs['x']!;
    const dy = inputs['dy']!;
    return { x: () => k.input(dy, g, x.shape, attrs), dy: () => k.forward(x, g, attrs) };
  });
}

/**
 * A pooling window (no dilation) on one axis, clipped to what the input can fill: the filter
 * size `f` and padding `before`/`after` replaced by the smallest ones that give every output
 * position the same in-bounds taps, in the same order, and the same output size. A window far
 * larger than its input (a filter of 10^6 with 'same' padding: 10^6 taps per output, almost all
 * in the padding) becomes at most `in + (out - 1)·s` taps, so the work is bounded by the input
 * whatever the filter; ordinary windows (no tap wholly beyond the input at both ends) are
 * returned unchanged. Exact for max and average pooling and their gradients: each output's taps
 * read the same input elements, padding is skipped (max) or not counted (average), and only the
 * taps' relative order, not their number, is used.
 *
 * With out = ⌊(in + before + after − f)/s⌋ + 1, output o's window covers input positions
 * [o·s − before, o·s − before + f − 1]. Lowering `before` by δ ≤ before − (out−1)·s leaves the
 * clipped start (0) of every window as it was; lowering the end by γ ≤ f − before − in (every
 * window still reaches past the input's end) leaves the clipped end (in − 1) as it was; `after`
 * drops by γ (γ ≤ after) so the output size is unchanged; δ + γ < f keeps one tap (a window
 * wholly in the padding stays one, empty as before).
 */
export function clipPoolWindow(inSize: number, f: number, s: number, before: number, after: number): { f: number; before: number; after: number } {
  const out = Math.floor((inSize + before + after - f) / s) + 1;
  if (inSize <= 0 || out <= 0) return { f, before, after };
  const gamma = Math.max(0, Math.min(f - before - inSize, after));
  const delta = Math.max(0, Math.min(before - (out - 1) * s, f - 1 - gamma)); // at least one tap is left
  return { f: f - delta - gamma, before: before - delta, after: after - gamma };
}
