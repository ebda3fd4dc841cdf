/**
 * Convolution and pooling, NHWC, with the reference kernels' attrs (strides, dilations, pad
 * [top, bottom, left, right]; inputShape / filterShape for gradients). One invocation per output
 * element, direct loops (no im2col buffer):
 * - `Conv2D`: y = Σ over (ky, kx, ci) in that order, float32, skipping taps outside the input —
 *   the wasm backend's im2col GEMM order (its zero taps add +0), so equal to it bit for bit.
 * - `Conv2DBackpropFilter`: dw = Σ over (b, oy, ox) in order, float32 — wasm's Pᵀ·dY order.
 * - `Conv2DBackpropInput`: per input pixel, each contributing output pixel's Σ_o dy·w (float32
 *   in increasing o, as wasm's dY·Wᵀ), the contributions added in output-pixel order with a
 *   compensated float32 sum (wasm adds them in float64): within an ulp of wasm.
 * - Depthwise conv and its gradients, `AvgPool`/`AvgPoolGrad`: float32 compensated sums (the
 *   reference sums in float64). `MaxPool`/`MaxPoolGrad`/`MaxPoolGradGrad`: the first maximum of
 *   each window in row-major tap order, NaN wins — exact.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { IdemError } from '../../core/errors.ts';
import { sizeFromShape } from '../../core/shape.ts';
import { grid1d, MAIN_1D, type Program, type WebGPUBackend, type WgslType } from './backend.ts';
import { HELPERS } from './kernels_elementwise.ts';
import { KAHAN } from './kernels_reduce.ts';

/** WGSL of the fused epilogue applied to value `v` of output channel `o` at output index `idx`. */
type Epilogue = (v: string, o: string, idx: string) => string;

/** relu as the Relu kernel computes it (NaN passes through). */
const RELU_FN = 'fn relu_(x: f32) -> f32 { return select(select(0.0, x, isnan_(x)), x, x > 0.0); }';

interface Geo {
  batch: number; inH: number; inW: number; inC: number; outH: number; outW: number;
  fh: number; fw: number; sh: number; sw: number; dh: number; dw: number; top: number; left: number;
}

function geo(args: KernelArgs, xShape: readonly number[], fh: number, fw: number, outHW?: readonly number[]): Geo {
  const [sh, sw] = args.attrs['strides'] as number[];
  const [dh, dw] = (args.attrs['dilations'] as number[] | undefined) ?? [1, 1];
  const [top, bottom, left, right] = args.attrs['pad'] as number[];
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const out = (n: number, a: number, b: number, f: number, s: number, d: number) => Math.floor((n + a + b - ((f - 1) * d + 1)) / s) + 1;
  return {
    batch, inH, inW, inC, fh, fw, sh: sh!, sw: sw!, dh: dh!, dw: dw!, top: top!, left: left!,
    outH: outHW ? outHW[0]! : out(inH, top!, bottom!, fh, sh!, dh!),
    outW: outHW ? outHW[1]! : out(inW, left!, right!, fw, sw!, dw!),
  };
}

const GEO_PARAMS: [string, WgslType][] = [
  ['batch', 'u32'], ['inH', 'i32'], ['inW', 'i32'], ['inC', 'u32'], ['outH', 'i32'], ['outW', 'i32'],
  ['fh', 'i32'], ['fw', 'i32'], ['sh', 'i32'], ['sw', 'i32'], ['dh', 'i32'], ['dw', 'i32'], ['top', 'i32'], ['left', 'i32'],
];
const geoValues = (g: Geo): number[] => [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.fh, g.fw, g.sh, g.sw, g.dh, g.dw, g.top, g.left];

function program(key: string, inputs: number, body: string, extra: [string, WgslType][] = []): Program {
  return {
    key,
    inputs: Array<WgslType>(inputs).fill('f32'),
    outputs: ['f32'],
    params: [['n', 'u32'], ['outC', 'u32'], ['mult', 'u32'], ...GEO_PARAMS, ...extra],
    code: () => `${HELPERS}\n${KAHAN}\n${MAIN_1D}  if (gid >= p.n) { return; }\n${body}\n}`,
  };
}

function launch(be: WebGPUBackend, prog: Program, inputs: TensorInfo[], shape: number[], g: Geo, outC: number, mult: number, extra: number[] = [], per = 1): TensorInfo {
  const n = sizeFromShape(shape);
  if (n > 0 && inputs.some((t) => sizeFromShape(t.shape) === 0)) return be.makeHost(new Float32Array(n), shape, 'float32');
  const y = be.makeOutput(shape, 'float32');
  if (n === 0) return y;
  be.run(prog, inputs, [y], [n / per, outC, mult, ...geoValues(g), ...extra], grid1d(n / per));
  return y;
}

// y[b, oy, ox, o]: in0 = x, in1 = w [fh, fw, inC, outC]; `epi(v, o, index)` the fused epilogue (identity for Conv2D)
const CONV = (epi: Epilogue = (v) => v): string => `  let o = gid % p.outC; var q = gid / p.outC;
  let ox = i32(q % u32(p.outW)); q = q / u32(p.outW); let oy = i32(q % u32(p.outH)); let b = q / u32(p.outH);
  var acc = 0.0;
  for (var ky = 0; ky < p.fh; ky++) {
    let iy = oy * p.sh + ky * p.dh - p.top; if (iy < 0 || iy >= p.inH) { continue; }
    for (var kx = 0; kx < p.fw; kx++) {
      let ix = ox * p.sw + kx * p.dw - p.left; if (ix < 0 || ix >= p.inW) { continue; }
      let xo = ((b * u32(p.inH) + u32(iy)) * u32(p.inW) + u32(ix)) * p.inC;
      let wo = (u32(ky * p.fw + kx) * p.inC) * p.outC + o;
      for (var i = 0u; i < p.inC; i++) { acc = acc + in0[xo + i] * in1[wo + i * p.outC]; }
    }
  }
  out0[gid] = ${epi('acc', 'o', 'gid')};`;

// The same with 4 output channels per invocation (outC % 4 == 0): each sum in the same order.
const CONV4 = (epi: Epilogue = (v) => v): string => `  let o4 = gid % (p.outC / 4u); let o = o4 * 4u; var q = gid / (p.outC / 4u);
  let ox = i32(q % u32(p.outW)); q = q / u32(p.outW); let oy = i32(q % u32(p.outH)); let b = q / u32(p.outH);
  var acc = vec4f(0.0);
  for (var ky = 0; ky < p.fh; ky++) {
    let iy = oy * p.sh + ky * p.dh - p.top; if (iy < 0 || iy >= p.inH) { continue; }
    for (var kx = 0; kx < p.fw; kx++) {
      let ix = ox * p.sw + kx * p.dw - p.left; if (ix < 0 || ix >= p.inW) { continue; }
      let xo = ((b * u32(p.inH) + u32(iy)) * u32(p.inW) + u32(ix)) * p.inC;
      var wo = (u32(ky * p.fw + kx) * p.inC) * p.outC + o;
      for (var i = 0u; i < p.inC; i++) { acc = acc + in0[xo + i] * vec4f(in1[wo], in1[wo + 1u], in1[wo + 2u], in1[wo + 3u]); wo = wo + p.outC; }
    }
  }
  let yo = gid * 4u;
  out0[yo] = ${epi('acc.x', 'o', 'yo')}; out0[yo + 1u] = ${epi('acc.y', 'o + 1u', 'yo + 1u')};
  out0[yo + 2u] = ${epi('acc.z', 'o + 2u', 'yo + 2u')}; out0[yo + 3u] = ${epi('acc.w', 'o + 3u', 'yo + 3u')};`;

// dw[ky, kx, i, o..o+3] with 4 output channels per invocation.
const CONV_DW4 = `  let o = (gid % (p.outC / 4u)) * 4u; var q = gid / (p.outC / 4u); let i = q % p.inC; q = q / p.inC; let kx = i32(q % u32(p.fw)); let ky = i32(q / u32(p.fw));
  var acc = vec4f(0.0);
  for (var b = 0u; b < p.batch; b++) {
    for (var oy = 0; oy < p.outH; oy++) {
      let iy = oy * p.sh + ky * p.dh - p.top; if (iy < 0 || iy >= p.inH) { continue; }
      let xrow = (b * u32(p.inH) + u32(iy)) * u32(p.inW);
      let yrow = (b * u32(p.outH) + u32(oy)) * u32(p.outW);
      for (var ox = 0; ox < p.outW; ox++) {
        let ix = ox * p.sw + kx * p.dw - p.left; if (ix < 0 || ix >= p.inW) { continue; }
        let yo = (yrow + u32(ox)) * p.outC + o;
        acc = acc + in0[(xrow + u32(ix)) * p.inC + i] * vec4f(in1[yo], in1[yo + 1u], in1[yo + 2u], in1[yo + 3u]);
      }
    }
  }
  let wo = gid * 4u;
  out0[wo] = acc.x; out0[wo + 1u] = acc.y; out0[wo + 2u] = acc.z; out0[wo + 3u] = acc.w;`;

// dw[ky, kx, i, o]: in0 = x, in1 = dy
const CONV_DW = `  let o = gid % p.outC; var q = gid / p.outC; let i = q % p.inC; q = q / p.inC; let kx = i32(q % u32(p.fw)); let ky = i32(q / u32(p.fw));
  var acc = 0.0;
  for (var b = 0u; b < p.batch; b++) {
    for (var oy = 0; oy < p.outH; oy++) {
      let iy = oy * p.sh + ky * p.dh - p.top; if (iy < 0 || iy >= p.inH) { continue; }
      for (var ox = 0; ox < p.outW; ox++) {
        let ix = ox * p.sw + kx * p.dw - p.left; if (ix < 0 || ix >= p.inW) { continue; }
        acc = acc + in0[((b * u32(p.inH) + u32(iy)) * u32(p.inW) + u32(ix)) * p.inC + i] * in1[((b * u32(p.outH) + u32(oy)) * u32(p.outW) + u32(ox)) * p.outC + o];
      }
    }
  }
  out0[gid] = acc;`;

/** Loops over the output pixels (oy, ox) whose window covers input pixel (iy, ix), in output order; `inner` sees ky, kx, oy, ox. */
const COVER = (inner: string): string => `
  for (var ky = p.fh - 1; ky >= 0; ky--) {
    let ty = iy + p.top - ky * p.dh; if (ty < 0 || ty % p.sh != 0) { continue; } let oy = ty / p.sh; if (oy >= p.outH) { continue; }
    for (var kx = p.fw - 1; kx >= 0; kx--) {
      let tx = ix + p.left - kx * p.dw; if (tx < 0 || tx % p.sw != 0) { continue; } let ox = tx / p.sw; if (ox >= p.outW) { continue; }
      let yo = ((b * u32(p.outH) + u32(oy)) * u32(p.outW) + u32(ox));
${inner}
    }
  }`;

const PIXEL = `  let i = gid % p.inC; var q = gid / p.inC; let ix = i32(q % u32(p.inW)); q = q / u32(p.inW); let iy = i32(q % u32(p.inH)); let b = q / u32(p.inH);`;

// dx[b, iy, ix, i]: in0 = dy, in1 = w
const CONV_DX = `${PIXEL}
  var s = 0.0; var c = 0.0;
${COVER(`      let wo = (u32(ky * p.fw + kx) * p.inC + i) * p.outC; let yb = yo * p.outC;
      var t = 0.0; for (var o = 0u; o < p.outC; o++) { t = t + in0[yb + o] * in1[wo + o]; }
      kadd_(&s, &c, t);`)}
  out0[gid] = s + c;`;

const KAHAN4 = `
fn kadd4_(s: ptr<function, vec4f>, c: ptr<function, vec4f>, v: vec4f) {
  let t = *s + v;
  *c = *c + select((v - t) + *s, (*s - t) + v, abs(*s) >= abs(v));
  *s = t;
}`;

// The same with 4 input channels per invocation (inC % 4 == 0): each lane the scalar program's
// operations in its order (the products over o, then the compensated sum over the covering
// output pixels), dy read once for the four.
const CONV_DX4 = `  let i = (gid % (p.inC / 4u)) * 4u; var q = gid / (p.inC / 4u); let ix = i32(q % u32(p.inW)); q = q / u32(p.inW); let iy = i32(q % u32(p.inH)); let b = q / u32(p.inH);
  var s = vec4f(0.0); var c = vec4f(0.0);
${COVER(`      let wo = (u32(ky * p.fw + kx) * p.inC + i) * p.outC; let yb = yo * p.outC;
      var t = vec4f(0.0);
      for (var o = 0u; o < p.outC; o++) { t = t + in0[yb + o] * vec4f(in1[wo + o], in1[wo + p.outC + o], in1[wo + 2u * p.outC + o], in1[wo + 3u * p.outC + o]); }
      kadd4_(&s, &c, t);`)}
  let r = s + c;
  let xo = gid * 4u;
  out0[xo] = r.x; out0[xo + 1u] = r.y; out0[xo + 2u] = r.z; out0[xo + 3u] = r.w;`;

// Depthwise: y[b, oy, ox, i*M + m] = Σ x[b, iy, ix, i] w[ky, kx, i, m]; outC = inC·M.
const DW = `  let oc = gid % p.outC; var q = gid / p.outC; let ox = i32(q % u32(p.outW)); q = q / u32(p.outW); let oy = i32(q % u32(p.outH)); let b = q / u32(p.outH);
  let i = oc / p.mult;
  var s = 0.0; var c = 0.0;
  for (var ky = 0; ky < p.fh; ky++) {
    let iy = oy * p.sh + ky * p.dh - p.top; if (iy < 0 || iy >= p.inH) { continue; }
    for (var kx = 0; kx < p.fw; kx++) {
      let ix = ox * p.sw + kx * p.dw - p.left; if (ix < 0 || ix >= p.inW) { continue; }
      kadd_(&s, &c, in0[((b * u32(p.inH) + u32(iy)) * u32(p.inW) + u32(ix)) * p.inC + i] * in1[u32(ky * p.fw + kx) * p.outC + oc]);
    }
  }
  out0[gid] = s + c;`;

// Depthwise dx[b, iy, ix, i] = Σ over covering (oy, ox) of Σ_m dy[.., i*M+m] w[ky, kx, i, m]; in0 = dy, in1 = w
const DW_DX = `${PIXEL}
  var s = 0.0; var c = 0.0;
${COVER(`      let yb = yo * p.outC + i * p.mult; let wb = u32(ky * p.fw + kx) * p.outC + i * p.mult;
      var t = 0.0; for (var m = 0u; m < p.mult; m++) { t = t + in0[yb + m] * in1[wb + m]; }
      kadd_(&s, &c, t);`)}
  out0[gid] = s + c;`;

// Depthwise dw[ky, kx, i, m]: in0 = x, in1 = dy
const DW_DW = `  let oc = gid % p.outC; let kk = gid / p.outC; let kx = i32(kk % u32(p.fw)); let ky = i32(kk / u32(p.fw)); let i = oc / p.mult;
  var s = 0.0; var c = 0.0;
  for (var b = 0u; b < p.batch; b++) {
    for (var oy = 0; oy < p.outH; oy++) {
      let iy = oy * p.sh + ky * p.dh - p.top; if (iy < 0 || iy >= p.inH) { continue; }
      for (var ox = 0; ox < p.outW; ox++) {
        let ix = ox * p.sw + kx * p.dw - p.left; if (ix < 0 || ix >= p.inW) { continue; }
        kadd_(&s, &c, in0[((b * u32(p.inH) + u32(iy)) * u32(p.inW) + u32(ix)) * p.inC + i] * in1[((b * u32(p.outH) + u32(oy)) * u32(p.outW) + u32(ox)) * p.outC + oc]);
      }
    }
  }
  out0[gid] = s + c;`;

/** WGSL: index (flat into x) of the first maximum of window (b, oy, ox, ch), or -1. */
const ARGMAX_FN = `
fn winArg_(b: u32, oy: i32, ox: i32, ch: u32) -> i32 {
  var best = 0.0; var arg = -1;
  for (var ky = 0; ky < p.fh; ky++) {
    let iy = oy * p.sh + ky * p.dh - p.top; if (iy < 0 || iy >= p.inH) { continue; }
    for (var kx = 0; kx < p.fw; kx++) {
      let ix = ox * p.sw + kx * p.dw - p.left; if (ix < 0 || ix >= p.inW) { continue; }
      let q = ((b * u32(p.inH) + u32(iy)) * u32(p.inW) + u32(ix)) * p.inC + ch;
      let v = in0[q];
      if (arg < 0 || v > best || (isnan_(v) && !isnan_(best))) { best = v; arg = i32(q); }
    }
  }
  return arg;
}`;

const OUTPIX = `  let ch = gid % p.inC; var q = gid / p.inC; let ox = i32(q % u32(p.outW)); q = q / u32(p.outW); let oy = i32(q % u32(p.outH)); let b = q / u32(p.outH);`;

function poolProgram(key: string, inputs: number, body: string, fn = ''): Program {
  const prog = program(key, inputs, body);
  return { ...prog, code: () => `${HELPERS}\n${KAHAN}\n${fn}\n${MAIN_1D}  if (gid >= p.n) { return; }\n${body}\n}` };
}

// MaxPool: in0 = x
const MAXPOOL = `${OUTPIX}
  let a = winArg_(b, oy, ox, ch);
  out0[gid] = select(in0[u32(max(a, 0))], inf_(true), a < 0);`;

// MaxPoolGrad in two passes: each window's argmax (index into x, or -1) once, in0 = x → out0 i32;
const MAXPOOL_ARG = `${OUTPIX}
  out0[gid] = winArg_(b, oy, ox, ch);`;
// then per input element the dy of the covering windows whose argmax it is, in0 = arg, in1 = dy
// (in window order: the same sum as the reference's scatter).
const MAXPOOL_DX = `${PIXEL}
  let me = i32(gid);
  var s = 0.0; var c = 0.0;
${COVER('      if (in0[yo * p.inC + i] == me) { kadd_(&s, &c, in1[yo * p.inC + i]); }')}
  out0[gid] = s + c;`;

// MaxPoolGradGrad: in0 = x, in1 = ddx → [b, oy, ox, c]
const MAXPOOL_GG = `${OUTPIX}
  let a = winArg_(b, oy, ox, ch);
  out0[gid] = select(in1[u32(max(a, 0))], 0.0, a < 0);`;

const COUNT_FN = `
fn taps_(oy: i32, ox: i32) -> f32 {
  var n = 0;
  for (var ky = 0; ky < p.fh; ky++) { let iy = oy * p.sh + ky * p.dh - p.top; if (iy < 0 || iy >= p.inH) { continue; }
    for (var kx = 0; kx < p.fw; kx++) { let ix = ox * p.sw + kx * p.dw - p.left; if (ix >= 0 && ix < p.inW) { n = n + 1; } } }
  return f32(n);
}`;

// AvgPool: in0 = x
const AVGPOOL = `${OUTPIX}
  var s = 0.0; var c = 0.0; var n = 0;
  for (var ky = 0; ky < p.fh; ky++) {
    let iy = oy * p.sh + ky * p.dh - p.top; if (iy < 0 || iy >= p.inH) { continue; }
    for (var kx = 0; kx < p.fw; kx++) {
      let ix = ox * p.sw + kx * p.dw - p.left; if (ix < 0 || ix >= p.inW) { continue; }
      kadd_(&s, &c, in0[((b * u32(p.inH) + u32(iy)) * u32(p.inW) + u32(ix)) * p.inC + ch]); n = n + 1;
    }
  }
  out0[gid] = (s + c) / f32(n);`;

// AvgPoolGrad dx: in0 = dy
const AVGPOOL_DX = `${PIXEL}
  var s = 0.0; var c = 0.0;
${COVER('      kadd_(&s, &c, in0[yo * p.inC + i] / taps_(oy, ox));')}
  out0[gid] = s + c;`;

function f32Inputs(args: KernelArgs, ...names: string[]): boolean {
  return names.every((n) => args.inputs[n]!.dtype === 'float32');
}

/**
 * `_FusedConv2D` (inputs x, filter [, bias] [, mean, inv [, beta]] [, residual]; attrs as
 * Conv2D's plus activation 'linear' | 'relu'): src/ops/fused_conv2d.ts's composition
 * relu?(residual + ((conv + bias) − mean)·inv + beta) with the Conv2D program's sums and each
 * epilogue operation one float32 operation of the Add / Sub / Mul / Relu kernels, in order — the
 * composition's bits on this backend (and the wasm backend's, whose convolution sums alike).
 */
function fusedConv2D(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const names = ['bias', 'mean', 'inv', 'beta', 'residual'].filter((n) => args.inputs[n] !== undefined);
  if (!f32Inputs(args, 'x', 'filter', ...names)) throw new IdemError('webgpu _FusedConv2D: operands must be float32');
  if (x.shape.length !== 4 || filter.shape.length !== 4 || filter.shape[2] !== x.shape[3]) {
    throw new IdemError(`webgpu _FusedConv2D: x [b, h, w, c] and filter [fh, fw, c, outC] expected, got [${x.shape}] and [${filter.shape}]`);
  }
  if ((args.inputs['mean'] === undefined) !== (args.inputs['inv'] === undefined)) throw new IdemError('webgpu _FusedConv2D: mean and inv come together');
  const [fh, fw, , outC] = filter.shape as [number, number, number, number];
  const g = geo(args, x.shape, fh, fw);
  const yShape = [g.batch, g.outH, g.outW, outC];
  for (const n of names) {
    const want = n === 'residual' ? yShape : [outC];
    const t = args.inputs[n]!;
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) throw new IdemError(`webgpu _FusedConv2D: ${n} must have shape [${want}], got [${t.shape}]`);
  }
  const at = (n: string): number => 2 + names.indexOf(n);
  const relu = args.attrs['activation'] === 'relu';
  if (args.attrs['activation'] !== undefined && args.attrs['activation'] !== 'linear' && !relu) {
    throw new IdemError(`webgpu _FusedConv2D: activation must be 'linear' or 'relu', got ${String(args.attrs['activation'])}`);
  }
  const epi: Epilogue = (v, o, idx) => {
    let e = v;
    if (names.includes('bias')) e = `(${e} + in${at('bias')}[${o}])`;
    if (names.includes('mean')) e = `((${e} - in${at('mean')}[${o}]) * in${at('inv')}[${o}])`;
    if (names.includes('beta')) e = `(${e} + in${at('beta')}[${o}])`;
    if (names.includes('residual')) e = `(in${at('residual')}[${idx}] + ${e})`;
    return relu ? `relu_(${e})` : e;
  };
  const inputs = [x, filter, ...names.map((n) => args.inputs[n]!)];
  const four = outC % 4 === 0;
  const base = program(`fconv${four ? 4 : 1}:${names.join(',')}:${relu}`, inputs.length, four ? CONV4(epi) : CONV(epi));
  const prog: Program = { ...base, code: () => `${RELU_FN}\n${base.code()}` };
  return launch(be, prog, inputs, yShape, g, outC, 1, [], four ? 4 : 1);
}

export const convKernels: Record<string, KernelFunc> = {
  Conv2D: (args) => {
    const be = args.backend as WebGPUBackend;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    if (!f32Inputs(args, 'x', 'filter')) return be.cpuKernel('Conv2D', args);
    const [fh, fw, , outC] = filter.shape as [number, number, number, number];
    const g = geo(args, x.shape, fh, fw);
    if (outC % 4 === 0) return launch(be, program('conv2d4', 2, CONV4()), [x, filter], [g.batch, g.outH, g.outW, outC], g, outC, 1, [], 4);
    return launch(be, program('conv2d', 2, CONV()), [x, filter], [g.batch, g.outH, g.outW, outC], g, outC, 1);
  },
  _FusedConv2D: fusedConv2D,
  Conv2DBackpropFilter: (args) => {
    const be = args.backend as WebGPUBackend;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    if (!f32Inputs(args, 'x', 'dy')) return be.cpuKernel('Conv2DBackpropFilter', args);
    const fs = (args.attrs['filterShape'] as number[]).slice();
    const g = geo(args, x.shape, fs[0]!, fs[1]!, [dy.shape[1]!, dy.shape[2]!]);
    if (fs[3]! % 4 === 0) return launch(be, program('conv2d_dw4', 2, CONV_DW4), [x, dy], fs, g, fs[3]!, 1, [], 4);
    return launch(be, program('conv2d_dw', 2, CONV_DW), [x, dy], fs, g, fs[3]!, 1);
  },
  Conv2DBackpropInput: (args) => {
    const be = args.backend as WebGPUBackend;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    if (!f32Inputs(args, 'dy', 'filter')) return be.cpuKernel('Conv2DBackpropInput', args);
    const inputShape = (args.attrs['inputShape'] as number[]).slice();
    const [fh, fw, , outC] = filter.shape as [number, number, number, number];
    const g = geo(args, inputShape, fh, fw, [dy.shape[1]!, dy.shape[2]!]);
    if (inputShape[3]! % 4 === 0) {
      const prog = program('conv2d_dx4', 2, CONV_DX4);
      return launch(be, { ...prog, code: () => `${KAHAN4}\n${prog.code()}` }, [dy, filter], inputShape, g, outC, 1, [], 4);
    }
    return launch(be, program('conv2d_dx', 2, CONV_DX), [dy, filter], inputShape, g, outC, 1);
  },
  DepthwiseConv2dNative: (args) => {
    const be = args.backend as WebGPUBackend;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    if (!f32Inputs(args, 'x', 'filter')) return be.cpuKernel('DepthwiseConv2dNative', args);
    const [fh, fw, inC, mult] = filter.shape as [number, number, number, number];
    const g = geo(args, x.shape, fh, fw);
    return launch(be, program('dwconv', 2, DW), [x, filter], [g.batch, g.outH, g.outW, inC * mult], g, inC * mult, mult);
  },
  DepthwiseConv2dNativeBackpropInput: (args) => {
    const be = args.backend as WebGPUBackend;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    if (!f32Inputs(args, 'dy', 'filter')) return be.cpuKernel('DepthwiseConv2dNativeBackpropInput', args);
    const inputShape = (args.attrs['inputShape'] as number[]).slice();
    const [fh, fw, inC, mult] = filter.shape as [number, number, number, number];
    const g = geo(args, inputShape, fh, fw, [dy.shape[1]!, dy.shape[2]!]);
    return launch(be, program('dwconv_dx', 2, DW_DX), [dy, filter], inputShape, g, inC * mult, mult);
  },
  DepthwiseConv2dNativeBackpropFilter: (args) => {
    const be = args.backend as WebGPUBackend;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    if (!f32Inputs(args, 'x', 'dy')) return be.cpuKernel('DepthwiseConv2dNativeBackpropFilter', args);
    const fs = (args.attrs['filterShape'] as number[]).slice();
    const g = geo(args, x.shape, fs[0]!, fs[1]!, [dy.shape[1]!, dy.shape[2]!]);
    return launch(be, program('dwconv_dw', 2, DW_DW), [x, dy], fs, g, fs[2]! * fs[3]!, fs[3]!);
  },
  MaxPool: (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    if (x.dtype !== 'float32') return be.cpuKernel('MaxPool', args);
    const [fh, fw] = args.attrs['filterSize'] as number[];
    const g = geo(args, x.shape, fh!, fw!);
    return launch(be, poolProgram('maxpool', 1, MAXPOOL, ARGMAX_FN), [x], [g.batch, g.outH, g.outW, g.inC], g, g.inC, 1);
  },
  MaxPoolGrad: (args) => {
    const be = args.backend as WebGPUBackend;
    const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') return be.cpuKernel('MaxPoolGrad', args);
    const [fh, fw] = args.attrs['filterSize'] as number[];
    const g = geo(args, x.shape, fh!, fw!, [dy.shape[1]!, dy.shape[2]!]);
    const n = sizeFromShape(x.shape);
    const nOut = g.batch * g.outH * g.outW * g.inC;
    if (n === 0 || nOut === 0) return be.makeHost(new Float32Array(n), x.shape, 'float32');
    const arg = be.makeOutput([g.batch, g.outH, g.outW, g.inC], 'int32');
    const argProg = { ...poolProgram('maxpool_arg', 1, MAXPOOL_ARG, ARGMAX_FN), outputs: ['i32'] as WgslType[] };
    be.run(argProg, [x], [arg], [nOut, g.inC, 1, ...geoValues(g)], grid1d(nOut));
    const dxProg = { ...poolProgram('maxpool_dx', 2, MAXPOOL_DX), inputs: ['i32', 'f32'] as WgslType[] };
    const dx = launch(be, dxProg, [arg, dy], x.shape.slice(), g, g.inC, 1);
    be.disposeData(arg.dataId);
    return dx;
  },
  MaxPoolGradGrad: (args) => {
    const be = args.backend as WebGPUBackend;
    const { x, ddx } = args.inputs as { x: TensorInfo; ddx: TensorInfo };
    const [fh, fw] = args.attrs['filterSize'] as number[];
    const g = geo(args, x.shape, fh!, fw!);
    return launch(be, poolProgram('maxpool_gg', 2, MAXPOOL_GG, ARGMAX_FN), [x, ddx], [g.batch, g.outH, g.outW, g.inC], g, g.inC, 1);
  },
  AvgPool: (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    if (x.dtype !== 'float32') return be.cpuKernel('AvgPool', args);
    const [fh, fw] = args.attrs['filterSize'] as number[];
    const g = geo(args, x.shape, fh!, fw!);
    return launch(be, poolProgram('avgpool', 1, AVGPOOL), [x], [g.batch, g.outH, g.outW, g.inC], g, g.inC, 1);
  },
  AvgPoolGrad: (args) => {
    const be = args.backend as WebGPUBackend;
    const dy = args.inputs['dy']!;
    const xShape = ((args.attrs['inputShape'] ?? (args.inputs['x'] as TensorInfo | undefined)?.shape) as number[]).slice();
    const [fh, fw] = args.attrs['filterSize'] as number[];
    const g = geo(args, xShape, fh!, fw!, [dy.shape[1]!, dy.shape[2]!]);
    return launch(be, poolProgram('avgpool_dx', 1, AVGPOOL_DX, COUNT_FN), [dy], xShape, g, g.inC, 1);
  },
};
