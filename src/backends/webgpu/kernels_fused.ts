/**
 * Fused kernels the ops and layers use when a backend has them:
 * - `Dropout` (attrs rate, key0, key1, stream → [y, mask]): Philox-4x32-10 in WGSL with 32-bit
 *   integer arithmetic only (the 32×32→64 products in 16-bit halves), so the mask is the one
 *   `src/random` draws on the CPU and every other backend uses, bit for bit; unit i is kept when
 *   (word_i >> 9) ≥ ⌈rate·2²³⌉, the same test as (word_i >> 9)·2⁻²³ ≥ rate; y = (x·scale)·mask.
 * - `_DropoutGrad`: (dy·mask)·scale.
 * - `AdamUpdate`, `SGDUpdate`, `RMSpropUpdate` (src/core/kernels.ts; the formulas of wasm/kernels.ts in the same float32
 *   operations, so the same bits on a correctly rounding device): one dispatch per variable
 *   (two for centered RMSprop with momentum, to stay within 8 storage bindings).
 * - `FusedBatchNorm` / `FusedBatchNormGrad`: the float32 operations of
 *   src/backends/native/norm_kernels.ts, channel sums compensated in float32 (the reference
 *   sums in float64): within an ulp or so of the composition.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { IdemError } from '../../core/errors.ts';
import { optimizerKernelArgs } from '../../core/kernels.ts';
import { sizeFromShape } from '../../core/shape.ts';
import { referenceBatchNormKernels } from '../native/norm_kernels.ts';
import { grid1d, MAIN_1D, type Program, type WebGPUBackend, type WgslType } from './backend.ts';
import { runBinary } from './kernels_elementwise.ts';
import { KAHAN } from './kernels_reduce.ts';

const PHILOX = `
fn mulhilo_(a: u32, b: u32) -> vec2u {
  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
  let lh = al * bh; let hl = ah * bl;
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2u(ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}
fn philox_(ctr: vec4u, key: vec2u) -> vec4u {
  var c = ctr; var k = key;
  for (var r = 0; r < 10; r++) {
    let p0 = mulhilo_(0xd2511f53u, c.x);
    let p1 = mulhilo_(0xcd9e8d57u, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k = k + vec2u(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}`;

function dropout(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const x = args.inputs['x']!;
  if (x.dtype !== 'float32') throw new IdemError('webgpu Dropout: x must be float32');
  const rate = args.attrs['rate'] as number;
  const stream = args.attrs['stream'] as number;
  const n = sizeFromShape(x.shape);
  const y = be.makeOutput(x.shape, 'float32');
  const mask = be.makeOutput(x.shape, 'float32');
  if (n === 0) return [y, mask];
  const threshold = Math.ceil(rate * 8388608);
  const blocks = Math.ceil(n / 4);
  const prog: Program = {
    key: 'dropout',
    inputs: ['f32'],
    outputs: ['f32', 'f32'],
    params: [['n', 'u32'], ['blocks', 'u32'], ['k0', 'u32'], ['k1', 'u32'], ['slo', 'u32'], ['shi', 'u32'], ['thr', 'u32'], ['scale', 'f32']],
    code: () => `${PHILOX}\n${MAIN_1D}  if (gid >= p.blocks) { return; }
  let w = philox_(vec4u(gid, 0u, p.slo, p.shi), vec2u(p.k0, p.k1));
  for (var j = 0u; j < 4u; j++) {
    let i = gid * 4u + j; if (i >= p.n) { break; }
    let keep = select(0.0, 1.0, (w[j] >> 9u) >= p.thr);
    out1[i] = keep;
    out0[i] = (in0[i] * p.scale) * keep;
  }
}`,
  };
  be.run(prog, [x], [y, mask], [n, blocks, args.attrs['key0'] as number, args.attrs['key1'] as number, stream >>> 0,
    Math.floor(stream / 4294967296) >>> 0, threshold, Math.fround(1 / (1 - rate))], grid1d(blocks));
  return [y, mask];
}

function dropoutGrad(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const dy = args.inputs['dy']!;
  const mask = args.inputs['mask']!;
  const scale = args.attrs['scale'] as number;
  const t = runBinary(be, 'Mul', dy, mask, 'a * b', 'float32');
  const out = runBinary(be, 'Mul', t, be.makeHost(new Float32Array([scale]), [], 'float32'), 'a * b', 'float32');
  be.disposeData(t.dataId);
  return out;
}

// ---------------------------------------------------------------- optimizers

function elementwise(be: WebGPUBackend, key: string, ins: TensorInfo[], outs: number, body: string, params: [string, WgslType][], values: number[], shape: readonly number[]): TensorInfo[] {
  const n = sizeFromShape(shape);
  const ys = Array.from({ length: outs }, () => be.makeOutput(shape, 'float32'));
  if (n === 0) return ys;
  const prog: Program = {
    key,
    inputs: ins.map(() => 'f32'),
    outputs: ys.map(() => 'f32'),
    params: [['n', 'u32'], ...params],
    code: () => `${MAIN_1D}  if (gid >= p.n) { return; }\n  let i = gid;\n${body}\n}`,
  };
  be.run(prog, ins, ys, [n, ...values], grid1d(n));
  return ys;
}

function adamUpdate(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const { attrs: a, vars } = optimizerKernelArgs('AdamUpdate', args.inputs, args.attrs);
  const result: TensorInfo[] = [];
  for (const v of vars) {
    // m' = m + (g − m)·c1;  v' = v + (g·g − v)·c2;  x' = x − (m'·a)/(√v' + e)
    result.push(...elementwise(be, 'adam', [v.g, v.x, v.slots[0]!, v.slots[1]!], 3, `  let g = in0[i]; let m = in2[i] + (g - in2[i]) * p.c1; let v = in3[i] + (g * g - in3[i]) * p.c2;
  out1[i] = m; out2[i] = v; out0[i] = in1[i] - (m * p.a) / (sqrt(v) + p.e);`,
    [['c1', 'f32'], ['c2', 'f32'], ['a', 'f32'], ['e', 'f32']], [1 - a.beta1, 1 - a.beta2, a.alpha, a.epsilon], v.x.shape));
  }
  return result;
}

function sgdUpdate(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const { attrs: a, vars } = optimizerKernelArgs('SGDUpdate', args.inputs, args.attrs);
  const kind = a.momentum === 0 ? 0 : a.nesterov ? 2 : 1;
  const body = kind === 0
    ? '  out0[i] = in1[i] - in0[i] * p.lr;'
    : `  let g = in0[i]; let m = in2[i] * p.mu - g * p.lr; out1[i] = m; out0[i] = ${kind === 1 ? 'in1[i] + m' : 'in1[i] + (m * p.mu - g * p.lr)'};`;
  const result: TensorInfo[] = [];
  for (const v of vars) {
    const ins = kind === 0 ? [v.g, v.x] : [v.g, v.x, v.slots[0]!];
    result.push(...elementwise(be, `sgd${kind}`, ins, ins.length - 1, body, [['lr', 'f32'], ['mu', 'f32']], [a.learningRate, a.momentum], v.x.shape));
  }
  return result;
}

function rmspropUpdate(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const { attrs: a, vars } = optimizerKernelArgs('RMSpropUpdate', args.inputs, args.attrs);
  const centered = a.centered;
  const momentum = a.momentum > 0;
  const params: [string, WgslType][] = [['r', 'f32'], ['c', 'f32'], ['lr', 'f32'], ['e', 'f32'], ['mom', 'f32']];
  const values = [a.rho, 1 - a.rho, a.learningRate, a.epsilon, a.momentum];
  const result: TensorInfo[] = [];
  for (const v of vars) {
    const { g, x } = v;
    const [vel, mg, mo] = v.slots as [TensorInfo, TensorInfo | null, TensorInfo | null];
    const shape = x.shape;
    let vel2: TensorInfo;
    let mg2: TensorInfo | null = null;
    if (centered) {
      [vel2, mg2] = elementwise(be, 'rms_stats_c', [g, vel, mg!], 2,
        '  let g = in0[i]; out0[i] = in1[i] * p.r + (g * g) * p.c; out1[i] = in2[i] * p.r + g * p.c;', params, values, shape) as [TensorInfo, TensorInfo];
    } else {
      [vel2] = elementwise(be, 'rms_stats', [g, vel], 1, '  let g = in0[i]; out0[i] = in1[i] * p.r + (g * g) * p.c;', params, values, shape) as [TensorInfo];
    }
    // inc = (g·lr)/√den, den = (vel' − mg'·mg') + e or vel' + e
    const den = centered ? '(in2[i] - in3[i] * in3[i]) + p.e' : 'in2[i] + p.e';
    const upIns = [g, x, vel2, ...(centered ? [mg2!] : []), ...(momentum ? [mo!] : [])];
    const moIdx = centered ? 4 : 3;
    const body = `  let inc = (in0[i] * p.lr) / sqrt(${den});\n` + (momentum ? `  let m = in${moIdx}[i] * p.mom + inc; out1[i] = m; out0[i] = in1[i] - m;` : '  out0[i] = in1[i] - inc;');
    const [x2, mo2] = elementwise(be, `rms_update:${centered}:${momentum}`, upIns, momentum ? 2 : 1, body, params, values, shape);
    result.push(x2!, vel2);
    if (centered) result.push(mg2!);
    if (momentum) result.push(mo2!);
  }
  return result;
}

// ---------------------------------------------------------------- batch norm

function rowsAndChannels(shape: readonly number[]): [number, number] {
  const C = shape.length ? shape[shape.length - 1]! : 1;
  return [C === 0 ? 0 : sizeFromShape(shape) / C, C];
}

function fusedBatchNorm(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const x = args.inputs['x']!;
  const scale = args.inputs['scale'];
  const offset = args.inputs['offset'];
  const eps = (args.attrs['epsilon'] as number | undefined) ?? 0.001;
  const [M, C] = rowsAndChannels(x.shape);
  if (x.shape.length === 0 || M === 0) return be.cpuKernel('FusedBatchNorm', args, referenceBatchNormKernels['FusedBatchNorm']) as TensorInfo[];
  const mean = be.makeOutput([C], 'float32');
  const variance = be.makeOutput([C], 'float32');
  const sc = be.makeOutput([C], 'float32');
  const ins = [x, ...(scale ? [scale] : [])];
  const stats: Program = {
    key: `bn_stats:${!!scale}`,
    inputs: ins.map(() => 'f32'),
    outputs: ['f32', 'f32', 'f32'],
    params: [['M', 'u32'], ['C', 'u32'], ['eps', 'f32']],
    code: () => `${KAHAN}\n${MAIN_1D}  if (gid >= p.C) { return; }
  let c = gid;
  var s = 0.0; var k = 0.0;
  for (var r = 0u; r < p.M; r++) { kadd_(&s, &k, in0[r * p.C + c]); }
  let m = (s + k) / f32(p.M);
  s = 0.0; k = 0.0;
  for (var r = 0u; r < p.M; r++) { let d = in0[r * p.C + c] - m; kadd_(&s, &k, d * d); }
  let v = (s + k) / f32(p.M);
  out0[c] = m; out1[c] = v;
  let rr = 1.0 / sqrt(v + p.eps);
  out2[c] = ${scale ? 'rr * in1[c]' : 'rr'};
}`,
  };
  be.run(stats, ins, [mean, variance, sc], [M, C, eps], grid1d(C));
  const y = be.makeOutput(x.shape, 'float32');
  const apply: Program = {
    key: `bn_apply:${!!offset}`,
    inputs: offset ? ['f32', 'f32', 'f32', 'f32'] : ['f32', 'f32', 'f32'],
    outputs: ['f32'],
    params: [['n', 'u32'], ['C', 'u32']],
    code: () => `${MAIN_1D}  if (gid >= p.n) { return; }\n  let c = gid % p.C;\n  let z = (in0[gid] - in1[c]) * in2[c];\n  out0[gid] = ${offset ? 'z + in3[c]' : 'z'};\n}`,
  };
  be.run(apply, offset ? [x, mean, sc, offset] : [x, mean, sc], [y], [M * C, C], grid1d(M * C));
  be.disposeData(sc.dataId);
  return [y, mean, variance];
}

function fusedBatchNormGrad(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const { dy, x, mean, variance } = args.inputs as Record<string, TensorInfo>;
  const scale = args.inputs['scale'];
  const dmean = args.inputs['dmean'];
  const dvar = args.inputs['dvariance'];
  const eps = (args.attrs['epsilon'] as number | undefined) ?? 0.001;
  const [M, C] = rowsAndChannels(x!.shape);
  if (x!.shape.length === 0 || M === 0) return be.cpuKernel('FusedBatchNormGrad', args, referenceBatchNormKernels['FusedBatchNormGrad']) as TensorInfo[];
  const dscale = be.makeOutput([C], 'float32');
  const doffset = be.makeOutput([C], 'float32');
  const s = be.makeOutput([C], 'float32');
  const dsq = be.makeOutput([C], 'float32');
  const dx3 = be.makeOutput([C], 'float32');
  // in: dy, x, mean, variance, [scale], [dmean], [dvariance]
  const ins = [dy!, x!, mean!, variance!];
  const idx = (t: TensorInfo | undefined): number => (t ? ins.push(t) - 1 : -1);
  const iScale = idx(scale);
  const iDm = idx(dmean);
  const iDv = idx(dvar);
  const sv = (c: string): string => (iScale >= 0 ? `in${iScale}[${c}]` : '');
  const stats: Program = {
    key: `bn_grad_stats:${iScale}:${iDm}:${iDv}`,
    inputs: ins.map(() => 'f32'),
    outputs: ['f32', 'f32', 'f32', 'f32', 'f32'],
    params: [['M', 'u32'], ['C', 'u32'], ['eps', 'f32'], ['Mf', 'f32']],
    code: () => `${KAHAN}\n${MAIN_1D}  if (gid >= p.C) { return; }
  let c = gid;
  let mc = in2[c];
  let rr = 1.0 / sqrt(in3[c] + p.eps);
  let sc = ${iScale >= 0 ? `rr * ${sv('c')}` : 'rr'};
  var sdy = 0.0; var k1 = 0.0; var sdyd = 0.0; var k2 = 0.0; var sdt = 0.0; var k3 = 0.0;
  for (var r = 0u; r < p.M; r++) {
    let g = in0[r * p.C + c];
    kadd_(&sdy, &k1, g);
    kadd_(&sdyd, &k2, g * (in1[r * p.C + c] - mc));
    kadd_(&sdt, &k3, g * sc);
  }
  out1[c] = sdy + k1;
  let ds = sdyd + k2;
  var dmA = -(sdt + k3);
  ${iDm >= 0 ? `dmA = dmA + in${iDm}[c];` : ''}
  let dr = ${iScale >= 0 ? `ds * ${sv('c')}` : 'ds'};
  out0[c] = ${iScale >= 0 ? 'ds * rr' : '0.0'};
  var dvar = dr * (-0.5 * (rr * (rr * rr)));
  ${iDv >= 0 ? `dvar = dvar + in${iDv}[c];` : ''}
  let q = dvar / p.Mf;
  var sdd = 0.0; var k4 = 0.0;
  for (var r = 0u; r < p.M; r++) { let g = q * (in1[r * p.C + c] - mc); kadd_(&sdd, &k4, g + g); }
  out2[c] = sc; out3[c] = q; out4[c] = (dmA + (-(sdd + k4))) / p.Mf;
}`,
  };
  be.run(stats, ins, [dscale, doffset, s, dsq, dx3], [M, C, eps, M], grid1d(C));
  const dx = be.makeOutput(x!.shape, 'float32');
  const apply: Program = {
    key: 'bn_grad_apply',
    inputs: ['f32', 'f32', 'f32', 'f32', 'f32', 'f32'],
    outputs: ['f32'],
    params: [['n', 'u32'], ['C', 'u32']],
    code: () => `${MAIN_1D}  if (gid >= p.n) { return; }
  let c = gid % p.C;
  let dt = in0[gid] * in3[c];
  let g = in4[c] * (in1[gid] - in2[c]);
  out0[gid] = (dt + (g + g)) + in5[c];
}`,
  };
  be.run(apply, [dy!, x!, mean!, s, dsq, dx3], [dx], [M * C, C], grid1d(M * C));
  for (const t of [s, dsq, dx3]) be.disposeData(t.dataId);
  return [dx, dscale, doffset];
}

export const fusedKernels: Record<string, KernelFunc> = {
  Dropout: dropout,
  _DropoutGrad: dropoutGrad,
  AdamUpdate: adamUpdate,
  SGDUpdate: sgdUpdate,
  RMSpropUpdate: rmspropUpdate,
  FusedBatchNorm: fusedBatchNorm,
  FusedBatchNormGrad: fusedBatchNormGrad,
};
