/**
 * Fused LayerNormalization and attention kernels (the attrs, inputs and outputs of the native
 * ones, src/backends/native/seq_kernels.ts; the ops are src/ops/layer_norm.ts and
 * src/ops/attention.ts).
 *
 * Each computes, float32 operation for float32 operation, what this backend's own kernels
 * compute for the op's composition — the GEMM's `acc = acc + a·b` in increasing index, the
 * Mean/Sum kernels' compensated float32 sums (s + c) in increasing index, the Softmax kernel
 * itself, Rsqrt as 1/√x — so on a device that rounds each operation (SwiftShader) the fused
 * results equal the composition run on this backend bit for bit, forward and backward. The
 * native kernels sum in float64, so against native the results agree within an ulp or two (the
 * difference of a compensated float32 sum, then divided, from a float64 sum rounded once).
 *
 * - `_LayerNorm` (x [.., C], gamma, beta [C]; attr epsilon) → [y, mean [R], inv0 [R]]: one
 *   invocation per row for the statistics, one per element for y.
 * - `_LayerNormGrad` (dy, x, gamma, mean, inv0; attrs gamma, beta) → [dx through x·inv, through
 *   x − mean, through mean(x) (, dγ) (, dβ)]: per row (the row sums), per element, per column
 *   (dγ, dβ: sums over rows in increasing row order).
 * - `_Attention` (q [B, T, H, K], k [B, S, H, K], v [B, S, H, V] [, mask bool
 *   [B|1, 1, T|1, S|1]]) → [o [B, T, H, V], probs [B, H, T, S]]: the scores per element on the
 *   heads' strided rows (no transposed copies), masked entries −1e9, the Softmax kernel over S,
 *   then o per element.
 * - `_AttentionGrad` (q, k, v, probs [, mask, dO, dProbs]; attr grads: 1 q, 2 k, 4 v) → the
 *   wanted gradients in that order: d probs per element (dO·vᵀ, plus dProbs), the softmax
 *   gradient (dp − Σ dp·p)·p per row (masked entries +0), then dq, dk, dv per element.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { IdemError } from '../../core/errors.ts';
import { sizeFromShape } from '../../core/shape.ts';
import { grid1d, MAIN_1D, type Program, type WebGPUBackend, type WgslType } from './backend.ts';
import { HELPERS } from './kernels_elementwise.ts';
import { KAHAN, softmaxLike } from './kernels_reduce.ts';

function program(key: string, inputs: WgslType[], outputs: number, params: [string, WgslType][], body: string, fns = ''): Program {
  return {
    key,
    inputs,
    outputs: Array<WgslType>(outputs).fill('f32'),
    params,
    code: () => `${HELPERS}\n${KAHAN}\n${fns}\n${MAIN_1D}${body}\n}`,
  };
}

function f32Only(name: string, ts: (TensorInfo | undefined)[]): void {
  for (const t of ts) if (t && t.dtype !== 'float32') throw new IdemError(`webgpu ${name}: expected float32 operands, got ${t.dtype}`);
}

// ---------------------------------------------------------------- layer norm

const LN_PARAMS: [string, WgslType][] = [['R', 'u32'], ['C', 'u32'], ['eps', 'f32']];

function layerNorm(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  f32Only('_LayerNorm', [x, gamma, beta]);
  const C = x.shape[x.shape.length - 1]!;
  if (x.shape.length < 2 || gamma.shape.length !== 1 || gamma.shape[0] !== C || beta.shape.length !== 1 || beta.shape[0] !== C) {
    throw new IdemError(`webgpu _LayerNorm: expected x [.., C] with gamma, beta [C], got [${x.shape}], [${gamma.shape}], [${beta.shape}]`);
  }
  const R = C === 0 ? 0 : sizeFromShape(x.shape) / C;
  const y = be.makeOutput(x.shape, 'float32');
  const mean = be.makeOutput([R], 'float32');
  const inv0 = be.makeOutput([R], 'float32');
  if (R * C === 0) return [y, mean, inv0];
  const eps = Math.fround(args.attrs['epsilon'] as number);
  // mean(x); d = x − m; mean(d·d); rsqrt(v + ε) — the Mean, Sub, Mul, Add and Rsqrt kernels.
  be.run(program('ln_stats', ['f32'], 2, LN_PARAMS, `  if (gid >= p.R) { return; }
  let base = gid * p.C;
  var s = 0.0; var c = 0.0;
  for (var j = 0u; j < p.C; j++) { kadd_(&s, &c, in0[base + j]); }
  let m = (s + c) / f32(p.C);
  s = 0.0; c = 0.0;
  for (var j = 0u; j < p.C; j++) { let d = in0[base + j] - m; kadd_(&s, &c, d * d); }
  let v = (s + c) / f32(p.C);
  out0[gid] = m;
  out1[gid] = 1.0 / sqrt(v + p.eps);`), [x], [mean, inv0], [R, C, eps], grid1d(R));
  // inv = inv0·γ; res = (−m)·inv + β; y = x·inv + res.
  be.run(program('ln_apply', ['f32', 'f32', 'f32', 'f32', 'f32'], 1, LN_PARAMS, `  if (gid >= p.R * p.C) { return; }
  let r = gid / p.C; let j = gid % p.C;
  let inv = in4[r] * in1[j];
  let res = (-in3[r]) * inv + in2[j];
  out0[gid] = in0[gid] * inv + res;`), [x, gamma, beta, mean, inv0], [y], [R, C, eps], grid1d(R * C));
  return [y, mean, inv0];
}

function layerNormGrad(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const { dy, x, gamma, mean, inv0 } = args.inputs as Record<string, TensorInfo>;
  f32Only('_LayerNormGrad', [dy, x, gamma, mean, inv0]);
  const C = x!.shape[x!.shape.length - 1]!;
  const R = mean!.shape[0]!;
  if (sizeFromShape(x!.shape) !== R * C || sizeFromShape(dy!.shape) !== R * C) throw new IdemError(`webgpu _LayerNormGrad: dy [${dy!.shape}], x [${x!.shape}] and mean [${mean!.shape}] do not match`);
  const wantG = args.attrs['gamma'] === true;
  const wantB = args.attrs['beta'] === true;
  const dxMul = be.makeOutput(x!.shape, 'float32');
  const dxSub = be.makeOutput(x!.shape, 'float32');
  const dxMean = be.makeOutput(x!.shape, 'float32');
  const dgamma = wantG ? be.makeOutput([C], 'float32') : null;
  const dbeta = wantB ? be.makeOutput([C], 'float32') : null;
  const out = [dxMul, dxSub, dxMean, ...(dgamma ? [dgamma] : []), ...(dbeta ? [dbeta] : [])];
  if (R * C === 0) {
    for (const g of [dgamma, dbeta]) if (g && C > 0) be.run(program('ln_zero', [], 1, [['n', 'u32']], '  if (gid >= p.n) { return; }\n  out0[gid] = 0.0;'), [], [g], [C], grid1d(C));
    return out;
  }
  const P: [string, WgslType][] = [['R', 'u32'], ['C', 'u32'], ['Cf', 'f32'], ['never', 'u32']];
  const vals = [R, C, C, 0];
  // keep_(g·b) in g·a + keep_(g·b): the shader compiler may factor g·a + g·b into g·(a + b)
  // (SwiftShader does), which is not the composition's two roundings; a select on a runtime
  // value it cannot see through keeps the products apart.
  const KEEP = 'fn keep_(v: f32) -> f32 { return select(v, 0.0, p.never == 1u); }';
  // Per row: Σ dy·inv (−m's gradient, negated), Σ (dy·x + dy·(−m))·γ (inv0's), the rsqrt, the
  // variance mean and d·d gradients, Σ −gd (m's through x − m) → [gdd, dx1] per row.
  const rows = be.makeOutput([R, 2], 'float32');
  be.run(program('lng_rows', ['f32', 'f32', 'f32', 'f32', 'f32'], 1, P, `  if (gid >= p.R) { return; }
  let base = gid * p.C; let m = in3[gid]; let i0 = in4[gid]; let nm = -m;
  var s1 = 0.0; var c1 = 0.0; var s2 = 0.0; var c2 = 0.0;
  for (var j = 0u; j < p.C; j++) {
    let g = in0[base + j]; let inv = i0 * in2[j];
    kadd_(&s1, &c1, g * inv);
    let ginv = g * in1[base + j] + keep_(g * nm);
    kadd_(&s2, &c2, ginv * in2[j]);
  }
  let dmNeg = -(s1 + c1);
  let t1 = i0 * i0; let t2 = i0 * t1; let t3 = -0.5 * t2;
  let gdd = (s2 + c2) * t3 / p.Cf;
  var s3 = 0.0; var c3 = 0.0;
  for (var j = 0u; j < p.C; j++) { let d = in1[base + j] - m; let q = gdd * d; kadd_(&s3, &c3, -(q + q)); }
  out0[gid * 2u] = gdd;
  out0[gid * 2u + 1u] = (dmNeg + (s3 + c3)) / p.Cf;`, KEEP), [dy!, x!, gamma!, mean!, inv0!], [rows], vals, grid1d(R));
  be.run(program('lng_mul', ['f32', 'f32', 'f32'], 1, P, `  if (gid >= p.R * p.C) { return; }
  out0[gid] = in0[gid] * (in2[gid / p.C] * in1[gid % p.C]);`), [dy!, gamma!, inv0!], [dxMul], vals, grid1d(R * C));
  be.run(program('lng_sub', ['f32', 'f32', 'f32'], 2, P, `  if (gid >= p.R * p.C) { return; }
  let r = gid / p.C;
  let q = in2[r * 2u] * (in0[gid] - in1[r]);
  out0[gid] = q + q;
  out1[gid] = in2[r * 2u + 1u];`), [x!, mean!, rows], [dxSub, dxMean], vals, grid1d(R * C));
  be.disposeData(rows.dataId);
  if (dgamma || dbeta) {
    const outs = [...(dgamma ? [dgamma] : []), ...(dbeta ? [dbeta] : [])];
    const body = `  if (gid >= p.C) { return; }
  var sg = 0.0; var cg = 0.0; var sb = 0.0; var cb = 0.0;
  for (var r = 0u; r < p.R; r++) {
    let g = in0[r * p.C + gid];
    ${dgamma ? 'kadd_(&sg, &cg, (g * in1[r * p.C + gid] + keep_(g * (-in2[r]))) * in3[r]);' : ''}
    ${dbeta ? 'kadd_(&sb, &cb, g);' : ''}
  }
  ${dgamma ? 'out0[gid] = sg + cg;' : ''}
  ${dbeta ? `out${dgamma ? 1 : 0}[gid] = sb + cb;` : ''}`;
    be.run(program(`lng_cols:${wantG}:${wantB}`, ['f32', 'f32', 'f32', 'f32'], outs.length, P, body, KEEP), [dy!, x!, mean!, inv0!], outs, vals, grid1d(C));
  }
  return out;
}

// ---------------------------------------------------------------- attention

interface AttnGeo {
  B: number; T: number; S: number; H: number; K: number; V: number;
  mB: number; mT: number; mS: number;
}

const ATTN_PARAMS: [string, WgslType][] = [
  ['n', 'u32'], ['B', 'u32'], ['T', 'u32'], ['S', 'u32'], ['H', 'u32'], ['K', 'u32'], ['V', 'u32'], ['mB', 'u32'], ['mT', 'u32'], ['mS', 'u32'],
];

function attnGeo(args: KernelArgs, name: string): AttnGeo {
  const { q, k, v, mask } = args.inputs as Record<string, TensorInfo | undefined>;
  f32Only(name, [q, k, v]);
  if (q?.shape.length !== 4 || k?.shape.length !== 4 || v?.shape.length !== 4) throw new IdemError(`webgpu ${name}: expected q, k, v of rank 4`);
  const [B, T, H, K] = q.shape as [number, number, number, number];
  const [Bk, S, Hk, Kk] = k.shape as [number, number, number, number];
  const [Bv, Sv, Hv, V] = v.shape as [number, number, number, number];
  if (Bk !== B || Bv !== B || Hk !== H || Hv !== H || Kk !== K || Sv !== S) throw new IdemError(`webgpu ${name}: q [${q.shape}], k [${k.shape}], v [${v.shape}] do not match`);
  let mB = 0, mT = 0, mS = 0;
  if (mask) {
    if (mask.dtype !== 'bool' || mask.shape.length !== 4) throw new IdemError(`webgpu ${name}: mask must be bool [B|1, 1, T|1, S|1], got ${mask.dtype} [${mask.shape}]`);
    const [mb, , mt, ms] = mask.shape as [number, number, number, number];
    mS = ms === 1 ? 0 : 1;
    mT = mt === 1 ? 0 : ms;
    mB = mb === 1 ? 0 : mt * ms;
  }
  return { B, T, S, H, K, V, mB, mT, mS };
}

const geoVals = (g: AttnGeo, n: number): number[] => [n, g.B, g.T, g.S, g.H, g.K, g.V, g.mB, g.mT, g.mS];

/** WGSL: b, h, t, s of a flat index into [B, H, T, S]. */
const BHTS = '  let s = gid % p.S; var r = gid / p.S; let t = r % p.T; r = r / p.T; let h = r % p.H; let b = r / p.H;';

function attention(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const g = attnGeo(args, '_Attention');
  const { q, k, v, mask } = args.inputs as Record<string, TensorInfo | undefined>;
  const o = be.makeOutput([g.B, g.T, g.H, g.V], 'float32');
  const nP = g.B * g.H * g.T * g.S;
  if (nP === 0) return [o, be.makeOutput([g.B, g.H, g.T, g.S], 'float32')];
  // scores[b, h, t, s] = Σ_k q[b, t, h, k]·k[b, s, h, k] (matMul's order); where(mask, ·, −1e9).
  const scores = be.makeOutput([g.B, g.H, g.T, g.S], 'float32');
  be.run(program(`attn_scores:${!!mask}`, mask ? ['f32', 'f32', 'u32'] : ['f32', 'f32'], 1, ATTN_PARAMS, `  if (gid >= p.n) { return; }
${BHTS}
  let qo = ((b * p.T + t) * p.H + h) * p.K; let ko = ((b * p.S + s) * p.H + h) * p.K;
  var acc = 0.0;
  for (var j = 0u; j < p.K; j++) { acc = acc + in0[qo + j] * in1[ko + j]; }
  ${mask ? 'if (in2[b * p.mB + t * p.mT + s * p.mS] == 0u) { acc = -1e9; }' : ''}
  out0[gid] = acc;`), mask ? [q!, k!, mask] : [q!, k!], [scores], geoVals(g, nP), grid1d(nP));
  const probs = softmaxLike(be, scores, 3, false);
  be.disposeData(scores.dataId);
  // o[b, t, h, j] = Σ_s probs[b, h, t, s]·v[b, s, h, j].
  const nO = g.B * g.T * g.H * g.V;
  if (nO > 0) {
    be.run(program('attn_out', ['f32', 'f32'], 1, ATTN_PARAMS, `  if (gid >= p.n) { return; }
  let j = gid % p.V; var r = gid / p.V; let h = r % p.H; r = r / p.H; let t = r % p.T; let b = r / p.T;
  let po = ((b * p.H + h) * p.T + t) * p.S;
  var acc = 0.0;
  for (var s = 0u; s < p.S; s++) { acc = acc + in0[po + s] * in1[((b * p.S + s) * p.H + h) * p.V + j]; }
  out0[gid] = acc;`), [probs, v!], [o], geoVals(g, nO), grid1d(nO));
  }
  return [o, probs];
}

function attentionGrad(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const g = attnGeo(args, '_AttentionGrad');
  const { q, k, v, mask, probs, dO, dProbs } = args.inputs as Record<string, TensorInfo | undefined>;
  f32Only('_AttentionGrad', [probs, dO, dProbs]);
  if (!dO && !dProbs) throw new IdemError('webgpu _AttentionGrad: needs dO or dProbs');
  const want = args.attrs['grads'] as number;
  const dq = want & 1 ? be.makeOutput(q!.shape, 'float32') : null;
  const dk = want & 2 ? be.makeOutput(k!.shape, 'float32') : null;
  const dv = want & 4 ? be.makeOutput(v!.shape, 'float32') : null;
  const out = [dq, dk, dv].filter((t): t is TensorInfo => t !== null);
  const nP = g.B * g.H * g.T * g.S;
  const zero = (t: TensorInfo) => {
    const n = sizeFromShape(t.shape);
    if (n > 0) be.run(program('attn_zero', [], 1, [['n', 'u32']], '  if (gid >= p.n) { return; }\n  out0[gid] = 0.0;'), [], [t], [n], grid1d(n));
  };
  if (nP === 0) {
    for (const t of out) zero(t);
    return out;
  }
  // d probs = dO·vᵀ per element (BatchMatMul's gradient), plus the gradient from outside.
  const dp = be.makeOutput([g.B, g.H, g.T, g.S], 'float32');
  if (dO) {
    const ins = dProbs ? [dO, v!, dProbs] : [dO, v!];
    be.run(program(`attn_dp:${!!dProbs}`, ins.map(() => 'f32'), 1, ATTN_PARAMS, `  if (gid >= p.n) { return; }
${BHTS}
  let oo = ((b * p.T + t) * p.H + h) * p.V; let vo = ((b * p.S + s) * p.H + h) * p.V;
  var acc = 0.0;
  for (var j = 0u; j < p.V; j++) { acc = acc + in0[oo + j] * in1[vo + j]; }
  out0[gid] = ${dProbs ? 'in2[gid] + acc' : 'acc'};`), ins, [dp], geoVals(g, nP), grid1d(nP));
  }
  // The softmax gradient per row: (dp − Σ dp·p)·p; then the where's: masked entries +0.
  const ds = be.makeOutput([g.B, g.H, g.T, g.S], 'float32');
  const rows = g.B * g.H * g.T;
  const sIns = [dO ? dp : dProbs!, probs!, ...(mask ? [mask] : [])];
  be.run(program(`attn_dsoft:${!!mask}`, mask ? ['f32', 'f32', 'u32'] : ['f32', 'f32'], 1, ATTN_PARAMS, `  if (gid >= p.n) { return; }
  let t = gid % p.T; let b = gid / (p.T * p.H);
  let base = gid * p.S;
  var sm = 0.0; var c = 0.0;
  for (var s = 0u; s < p.S; s++) { kadd_(&sm, &c, in0[base + s] * in1[base + s]); }
  let tot = sm + c;
  for (var s = 0u; s < p.S; s++) {
    var d = (in0[base + s] - tot) * in1[base + s];
    ${mask ? 'if (in2[b * p.mB + t * p.mT + s * p.mS] == 0u) { d = 0.0; }' : ''}
    out0[base + s] = d;
  }`), sIns, [ds], geoVals(g, rows), grid1d(rows));
  be.disposeData(dp.dataId);
  if (dv) {
    // dv[b, s, h, j] = Σ_t probs[b, h, t, s]·dO[b, t, h, j] (zeros when o had no gradient).
    if (!dO) zero(dv);
    else {
      const n = sizeFromShape(dv.shape);
      if (n > 0) be.run(program('attn_dv', ['f32', 'f32'], 1, ATTN_PARAMS, `  if (gid >= p.n) { return; }
  let j = gid % p.V; var r = gid / p.V; let h = r % p.H; r = r / p.H; let s = r % p.S; let b = r / p.S;
  var acc = 0.0;
  for (var t = 0u; t < p.T; t++) { acc = acc + in0[((b * p.H + h) * p.T + t) * p.S + s] * in1[((b * p.T + t) * p.H + h) * p.V + j]; }
  out0[gid] = acc;`), [probs!, dO], [dv], geoVals(g, n), grid1d(n));
    }
  }
  if (dq && g.K > 0) {
    // dq[b, t, h, j] = Σ_s ds[b, h, t, s]·k[b, s, h, j].
    const n = sizeFromShape(dq.shape);
    be.run(program('attn_dq', ['f32', 'f32'], 1, ATTN_PARAMS, `  if (gid >= p.n) { return; }
  let j = gid % p.K; var r = gid / p.K; let h = r % p.H; r = r / p.H; let t = r % p.T; let b = r / p.T;
  let so = ((b * p.H + h) * p.T + t) * p.S;
  var acc = 0.0;
  for (var s = 0u; s < p.S; s++) { acc = acc + in0[so + s] * in1[((b * p.S + s) * p.H + h) * p.K + j]; }
  out0[gid] = acc;`), [ds, k!], [dq], geoVals(g, n), grid1d(n));
  }
  if (dk && g.K > 0) {
    // dk[b, s, h, j] = Σ_t ds[b, h, t, s]·q[b, t, h, j].
    const n = sizeFromShape(dk.shape);
    be.run(program('attn_dk', ['f32', 'f32'], 1, ATTN_PARAMS, `  if (gid >= p.n) { return; }
  let j = gid % p.K; var r = gid / p.K; let h = r % p.H; r = r / p.H; let s = r % p.S; let b = r / p.S;
  var acc = 0.0;
  for (var t = 0u; t < p.T; t++) { acc = acc + in0[((b * p.H + h) * p.T + t) * p.S + s] * in1[((b * p.T + t) * p.H + h) * p.K + j]; }
  out0[gid] = acc;`), [ds, q!], [dk], geoVals(g, n), grid1d(n));
  }
  be.disposeData(ds.dataId);
  return out;
}

export const seqKernels: Record<string, KernelFunc> = {
  _LayerNorm: layerNorm,
  _LayerNormGrad: layerNormGrad,
  _Attention: attention,
  _AttentionGrad: attentionGrad,
};
