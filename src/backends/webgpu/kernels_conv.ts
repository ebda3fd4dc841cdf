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
import { sizeFromShape } from '../../core/shape.ts';
import { grid1d, MAIN_1D, type Program, type WebGPUBackend, type WgslType } from './backend.ts';
import { HELPERS } from './kernels_elementwise.ts';
import { KAHAN } from './kernels_reduce.ts';

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

// y[b, oy, ox, o]: in0 = x, in1 = w [fh, fw, inC, outC]
const CONV = `  let o = gid % p.outC; var q = gid / p.outC; let ox = i32(q % u32(p.outW)); q = q / u32(p.outW); let oy = i32(q % u32(p.outH)); let b = q / u32(p.outH);
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
  out0[gid] = acc;`;

// The same with 4 output channels per invocation (outC % 4 == 0): each sum in the same order.
const CONV4 = `  let o4 = gid % (p.outC / 4u); let o = o4 * 4u; var q = gid / (p.outC / 4u); let ox = i32(q % u32(p.outW)); q = q / u32(p.outW); let oy = i32(q % u32(p.outH)); let b = q / u32(p.outH);
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
  out0[yo] = acc.x; out0[yo + 1u] = acc.y; out0[yo + 2u] = acc.z; out0[yo + 3u] = acc.w;`;

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

// MaxPoolGrad dx: in0 = x, in1 = dy
const MAXPOOL_DX = `${PIXEL}
  let me = i32(gid);
  var s = 0.0; var c = 0.0;
${COVER('      if (winArg_(b, oy, ox, i) == me) { kadd_(&s, &c, in1[yo * p.inC + i]); }')}
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

export const convKernels: Record<string, KernelFunc> = {
  Conv2D: (args) => {
    const be = args.backend as WebGPUBackend;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    if (!f32Inputs(args, 'x', 'filter')) return be.cpuKernel('Conv2D', args);
    const [fh, fw, , outC] = filter.shape as [number, number, number, number];
    const g = geo(args, x.shape, fh, fw);
    if (outC % 4 === 0) return launch(be, program('conv2d4', 2, CONV4), [x, filter], [g.batch, g.outH, g.outW, outC], g, outC, 1, [], 4);
    return launch(be, program('conv2d', 2, CONV), [x, filter], [g.batch, g.outH, g.outW, outC], g, outC, 1);
  },
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
    const [fh, fw] = args.attrs['filterSize'] as number[];
    const g = geo(args, x.shape, fh!, fw!, [dy.shape[1]!, dy.shape[2]!]);
    return launch(be, poolProgram('maxpool_dx', 2, MAXPOOL_DX, ARGMAX_FN), [x, dy], x.shape.slice(), g, g.inC, 1);
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
