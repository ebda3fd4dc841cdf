/**
 * Fused recurrent sequence kernels `_RNNSequence` / `_RNNSequenceGrad` (SimpleRNN, LSTM, GRU —
 * the attrs, inputs, outputs and `saved` layout of the native ones, src/backends/native/
 * seq_kernels.ts and native/src/rnn.h; the op is src/ops/recurrent.ts).
 *
 * Forward: the input projection of every step as one GEMM (this backend's, [B·T, I]·[I, G·U]),
 * then one dispatch per step (GRU without resetAfter: two) in which each invocation computes one
 * unit of 4 rows: the recurrent products of its gates (`acc = acc + h·R` in increasing k, the
 * GEMM's order, as 4-row vectors like the blocked GEMM's), then per row the gate arithmetic, the
 * mask's selections, the new states, the output and the intermediates the backward pass reads.
 * Backward: per step in reverse, one dispatch for the cell's gradients (per row and unit) and one
 * for the recurrent product's gradient to the previous state (4 rows × 4 units per invocation;
 * GRU without resetAfter: three dispatches), then the weight gradients as one dispatch per weight
 * (4 × 4 outputs per invocation: each step's product summed over the batch, the steps' products
 * added in the tape's order), the bias gradient (each step's compensated column sum, as the Sum
 * kernel), and the input gradient as one GEMM. All of a call's dispatches go in one submission
 * (`batch`). Register blocking by 4 (a first version computed one output per invocation) makes a
 * W7-shaped LSTM step about 3× faster on SwiftShader (bench/RESULTS.md).
 *
 * Numerics: every float32 operation is the one the op-by-op composition runs on this backend —
 * the GEMM's sums, the Tanh / Sigmoid / Relu kernels' expressions, the activations' gradient ops
 * (tanh: dy·(1 − y·y), sigmoid: dy·(y·(1 − y)), relu: select), the Sum kernel's compensated
 * sums, the gradient contributions added in the order the tape adds them (native/src/rnn.cc
 * documents that order; this file follows it step for step) — so on a device that rounds every
 * float32 operation and does not contract into FMA (SwiftShader) the results, forward and
 * gradients, are bit-identical to the composition on webgpu.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { IdemError } from '../../core/errors.ts';
import { rnnSavedLayout, RNN_GATES } from '../../core/kernels.ts';
import { grid1d, MAIN_1D, type Program, type WebGPUBackend, type WgslType } from './backend.ts';
import { HELPERS } from './kernels_elementwise.ts';
import { runGemm } from './kernels_matmul.ts';
import { KAHAN } from './kernels_reduce.ts';


/** The activation and its gradient op (from the activation's output y), as WGSL expressions. */
const ACT_FWD: Record<string, string> = {
  linear: 'return x;',
  tanh: 'return tanh_(x);',
  sigmoid: 'return sigmoid_(x);',
  relu: 'return select(select(0.0, x, isnan_(x)), x, x > 0.0);',
};
const ACT_BWD: Record<string, string> = {
  linear: 'return d;',
  tanh: 'let yy = y * y; let s = 1.0 - yy; return d * s;',
  sigmoid: 'let s = 1.0 - y; let t = y * s; return d * t;',
  relu: 'return select(0.0, d, y > 0.0);',
};

function actFns(act: string, ract: string): string {
  return `fn act_(x: f32) -> f32 { ${ACT_FWD[act]} }
fn ract_(x: f32) -> f32 { ${ACT_FWD[ract]} }
fn actb_(d: f32, y: f32) -> f32 { ${ACT_BWD[act]} }
fn ractb_(d: f32, y: f32) -> f32 { ${ACT_BWD[ract]} }`;
}

/** Every program takes these parameters (unused ones are 0). */
const PARAMS: [string, WgslType][] = [
  ['B', 'u32'], ['T', 'u32'], ['U', 'u32'], ['GU', 'u32'], ['BU', 'u32'], ['s', 'u32'], ['t', 'u32'], ['f', 'u32'],
  ['o1', 'u32'], ['o2', 'u32'], ['o3', 'u32'], ['o4', 'u32'], ['par', 'u32'], ['dys', 'u32'], ['dsl', 'u32'], ['n', 'u32'],
  ['M', 'u32'], ['N', 'u32'], ['I', 'u32'], ['zero', 'u32'], ['kb', 'u32'], ['co', 'u32'], ['rows', 'u32'], ['ldo', 'u32'],
];
type P = Partial<Record<(typeof PARAMS)[number][0], number>>;
const values = (p: P): number[] => PARAMS.map(([k]) => p[k as keyof P] ?? 0);

function program(key: string, inputs: WgslType[], outputs: number, body: string, fns: string): Program {
  return {
    key,
    inputs,
    outputs: Array<WgslType>(outputs).fill('f32'),
    params: PARAMS,
    code: () => `${HELPERS}\n${KAHAN}\n${fns}\n${MAIN_1D}${body}\n}`,
  };
}

interface Geo {
  cell: 'simple' | 'lstm' | 'gru';
  act: string;
  ract: string;
  B: number;
  T: number;
  I: number;
  U: number;
  G: number;
  GU: number;
  BU: number;
  goBackwards: boolean;
  returnSequences: boolean;
  zeroOutputForMask: boolean;
  resetAfter: boolean;
  /** Offsets in `saved` (native/src/rnn.cc's layout): H at 0, then per cell (core/kernels.ts rnnSavedLayout). */
  o1: number;
  o2: number;
  o3: number;
  o4: number;
  savedSize: number;
}

function geometry(args: KernelArgs, what: string): Geo {
  const { x, recurrentKernel } = args.inputs as { x: TensorInfo; recurrentKernel: TensorInfo };
  const cell = args.attrs['cell'] as Geo['cell'];
  const act = args.attrs['activation'] as string;
  const ract = (args.attrs['recurrentActivation'] as string | undefined) ?? 'linear';
  if (!(cell in RNN_GATES) || !(act in ACT_FWD) || !(ract in ACT_FWD)) throw new IdemError(`webgpu ${what}: unsupported cell or activation (${cell}, ${act}, ${ract})`);
  if (x.shape.length !== 3 || recurrentKernel.shape.length !== 2) {
    throw new IdemError(`webgpu ${what}: expected x [B, T, I] and a recurrent kernel [U, G·U], got [${x.shape}] and [${recurrentKernel.shape}]`);
  }
  for (const [k, t] of Object.entries(args.inputs)) {
    if (k !== 'mask' && t.dtype !== 'float32') throw new IdemError(`webgpu ${what}: input '${k}' must be float32, got ${t.dtype}`);
  }
  const [B, T, I] = x.shape as [number, number, number];
  const U = recurrentKernel.shape[0]!;
  const G = RNN_GATES[cell]!;
  const BU = B * U;
  const { offsets: o, size: savedSize } = rnnSavedLayout(cell, B, T, U);
  return {
    cell, act, ract, B, T, I, U, G, GU: G * U, BU,
    goBackwards: args.attrs['goBackwards'] === true,
    returnSequences: args.attrs['returnSequences'] === true,
    zeroOutputForMask: args.attrs['zeroOutputForMask'] === true,
    resetAfter: cell === 'gru' && args.attrs['resetAfter'] === true,
    o1: o[0], o2: o[1], o3: o[2], o4: o[3], savedSize,
  };
}

const empty = (be: WebGPUBackend): TensorInfo => be.makeHost(new Float32Array(0), [0], 'float32');

/** out0[i] = 0 for i < n. */
function zeroFill(be: WebGPUBackend, t: TensorInfo, n: number): void {
  if (n === 0) return;
  be.run(program('rnn_zero', [], 1, '  if (gid >= p.n) { return; }\n  out0[gid] = 0.0;', ''), [], [t], values({ n }), grid1d(n));
}

/** x·inMask for every step ([B, T, I] times [B, I]), or x itself. */
function maskedInput(be: WebGPUBackend, g: Geo, x: TensorInfo, inMask: TensorInfo | undefined): TensorInfo {
  if (!inMask) return x;
  const n = g.B * g.T * g.I;
  const out = be.makeOutput([g.B, g.T, g.I], 'float32');
  be.run(program('rnn_inmask', ['f32', 'f32'], 1, `  if (gid >= p.n) { return; }
  let b = gid / (p.T * p.I); let i = gid % p.I;
  out0[gid] = in0[gid] * in1[b * p.I + i];`, ''), [x, inMask], [out], values({ n, T: g.T, I: g.I }), grid1d(n));
  return out;
}

// ================================================================== forward

/**
 * The per-step program. Inputs: XP (x'·W, rows b·T + t), R, bias, mask (u32), recMask; outputs:
 * saved, Y (y [B, T, U] with returnSequences, else the masked outputs [T, B, U]). f: 1 bias,
 * 2 masked, 4 returnSequences, 8 zeroOutputForMask, 16 recMask. `part`: GRU without resetAfter
 * runs 'zr' (gates z, r and r·h₋) then 'h' (the candidate and the new state); else 'all'.
 */
function forwardProgram(g: Geo, part: 'all' | 'zr' | 'h'): Program {
  const { cell } = g;
  // Each invocation: unit j of 4 rows b0 … b0 + 3 (the recurrent products as 4-row vectors, as
  // the blocked GEMM: each component is its own acc + h·R), then each row's gate arithmetic.
  const head = `  if (gid >= p.n) { return; }
  let j = gid % p.U; let b0 = (gid / p.U) * 4u;
  let F = p.f;
  let sb = p.s * p.BU;
  var rows: array<u32, 4>;
  for (var r = 0u; r < 4u; r++) { rows[r] = min(b0 + r, p.B - 1u); }`;
  const dots = (gates: number[], col0 = '0u'): string => {
    const hBase = part === 'h' ? 'p.o3 + sb' : 'sb';
    let s = gates.map((k) => `var A${k} = vec4f(0.0);`).join(' ') + '\n';
    s += `  var h0 = ${hBase} + rows[0] * p.U; let h1 = (rows[1] - rows[0]) * p.U; let h2 = (rows[2] - rows[0]) * p.U; let h3 = (rows[3] - rows[0]) * p.U;\n`;
    s += '  var m0 = rows[0] * p.U;\n';
    s += `  var rr = j + ${col0};\n  for (var k = 0u; k < p.U; k++) {\n`;
    s += '    var h = vec4f(out0[h0], out0[h0 + h1], out0[h0 + h2], out0[h0 + h3]);\n';
    if (cell === 'simple') s += '    if ((F & 16u) != 0u) { h = h * vec4f(in4[m0], in4[m0 + h1], in4[m0 + h2], in4[m0 + h3]); }\n';
    for (const k of gates) s += `    A${k} = A${k} + h * in1[rr + ${k}u * p.U];\n`;
    s += '    h0 = h0 + 1u; m0 = m0 + 1u; rr = rr + p.GU;\n';
    return s + '  }\n  for (var r = 0u; r < 4u; r++) {\n  let b = b0 + r; if (b >= p.B) { break; }\n  let e = b * p.U + j;\n  let xr = (b * p.T + p.t) * p.GU;\n  let hp = out0[sb + e];\n  ' +
      gates.map((k) => `let a${k} = A${k}[r];`).join(' ');
  };
  // v + bias[off + k·U + j] only when there is a bias (adding 0 would turn −0 into +0).
  const plusBias = (v: string, k: number, off = '0u'): string => `if ((F & 1u) != 0u) { ${v} = ${v} + in2[${off} + ${k}u * p.U + j]; }`;
  let body: string;
  if (cell === 'simple') {
    body = `${dots([0])}
  var xp = in0[xr + j];
  ${plusBias('xp', 0)}
  let ht = act_(xp + a0);
  out0[p.o1 + e + sb] = ht;`;
  } else if (cell === 'lstm') {
    body = `${dots([0, 1, 2, 3])}
  var z0 = in0[xr + j] + a0; var z1 = in0[xr + p.U + j] + a1; var z2 = in0[xr + 2u * p.U + j] + a2; var z3 = in0[xr + 3u * p.U + j] + a3;
  if ((F & 1u) != 0u) { z0 = z0 + in2[j]; z1 = z1 + in2[p.U + j]; z2 = z2 + in2[2u * p.U + j]; z3 = z3 + in2[3u * p.U + j]; }
  let gi = ract_(z0); let gf = ract_(z1); let gg = act_(z2); let go = ract_(z3);
  let gb = p.o2 + (p.s * p.B + b) * p.GU + j;
  out0[gb] = gi; out0[gb + p.U] = gf; out0[gb + 2u * p.U] = gg; out0[gb + 3u * p.U] = go;
  let cp = out0[p.o1 + sb + e];
  let fc = gf * cp; let ig = gi * gg; let ct = fc + ig;
  let th = act_(ct);
  out0[p.o3 + sb + e] = th;
  let ht = go * th;
  var cn = ct;
  if ((F & 2u) != 0u) { cn = select(cp, ct, in3[b * p.T + p.t] != 0u); }
  out0[p.o1 + sb + p.BU + e] = cn;`;
  } else if (part === 'all') {
    // GRU, resetAfter: inner = h₋·R + recurrent bias (the bias' second row), mx = XP + input bias.
    body = `${dots([0, 1, 2])}
  var rz = a0; var rrr = a1; var rh = a2;
  ${plusBias('rz', 0, 'p.GU')} ${plusBias('rrr', 1, 'p.GU')} ${plusBias('rh', 2, 'p.GU')}
  var xz = in0[xr + j]; var xrr = in0[xr + p.U + j]; var xh = in0[xr + 2u * p.U + j];
  ${plusBias('xz', 0)} ${plusBias('xrr', 1)} ${plusBias('xh', 2)}
  let zz = ract_(xz + rz); let rg = ract_(xrr + rrr);
  let rrh = rg * rh; let hh = act_(xh + rrh);
  let zh = zz * hp; let omz = 1.0 - zz; let ohh = omz * hh; let ht = zh + ohh;
  out0[p.o1 + sb + e] = zz; out0[p.o2 + sb + e] = rg; out0[p.o3 + sb + e] = rh; out0[p.o4 + sb + e] = hh;`;
  } else if (part === 'zr') {
    // GRU without resetAfter, first part: the gates z and r from matMul(h₋, R[:, :2U]), and r·h₋.
    body = `${dots([0, 1])}
  var xz = in0[xr + j]; var xrr = in0[xr + p.U + j];
  ${plusBias('xz', 0)} ${plusBias('xrr', 1)}
  let zz = ract_(xz + a0); let rg = ract_(xrr + a1);
  out0[p.o1 + sb + e] = zz; out0[p.o2 + sb + e] = rg; out0[p.o3 + sb + e] = rg * hp;
  }`;
    return program(`rnn_fwd:gru:zr:${g.act}:${g.ract}`, ['f32', 'f32', 'f32', 'u32', 'f32'], 2, `${head}\n  ${body}`, actFns(g.act, g.ract));
  } else {
    // GRU without resetAfter, second part: matMul(r·h₋, R[:, 2U:]), the candidate, the new state.
    body = `${dots([0], '2u * p.U')}
  var xh = in0[xr + 2u * p.U + j];
  ${plusBias('xh', 2)}
  let hh = act_(xh + a0);
  let zz = out0[p.o1 + sb + e];
  let zh = zz * hp; let omz = 1.0 - zz; let ohh = omz * hh; let ht = zh + ohh;
  out0[p.o4 + sb + e] = hh;`;
  }
  const tail = `
  var hn = ht; var ov = ht;
  if ((F & 2u) != 0u) {
    let m = in3[b * p.T + p.t] != 0u;
    hn = select(hp, ht, m);
    var prev = 0.0;
    if ((F & 8u) == 0u && p.s > 0u) {
      if ((F & 4u) != 0u) { prev = out1[(b * p.T + p.s - 1u) * p.U + j]; } else { prev = out1[sb - p.BU + e]; }
    }
    ov = select(prev, ht, m);
  }
  out0[sb + p.BU + e] = hn;
  if ((F & 4u) != 0u) { out1[(b * p.T + p.s) * p.U + j] = ov; } else if ((F & 2u) != 0u) { out1[sb + e] = ov; }
  }`;
  return program(`rnn_fwd:${cell}:${part}:${g.act}:${g.ract}`, ['f32', 'f32', 'f32', 'u32', 'f32'], 2, `${head}\n  ${body}${tail}`, actFns(g.act, g.ract));
}

function rnnForward(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const g = geometry(args, '_RNNSequence');
  const ins = args.inputs;
  const { B, T, U, GU, BU } = g;
  const y = be.makeOutput(g.returnSequences ? [B, T, U] : [B, U], 'float32');
  const hT = be.makeOutput([B, U], 'float32');
  const cT = g.cell === 'lstm' ? be.makeOutput([B, U], 'float32') : null;
  const save = args.attrs['save'] === true;
  const saved = be.makeOutput([g.savedSize], 'float32');
  const result = (): TensorInfo[] => {
    const out = [y, hT];
    if (cT) out.push(cT);
    if (save) out.push(saved);
    else be.disposeData(saved.dataId);
    return out;
  };
  if (BU === 0) return result();
  return be.batch(() => {
    const none = empty(be);
    const mask = ins['mask'];
    // H[0] (and C[0]): the initial states, or zeros.
    const h0 = ins['h0'];
    const c0 = ins['c0'];
    be.run(program('rnn_init', ['f32', 'f32'], 1, `  if (gid >= p.BU) { return; }
  out0[gid] = select(0.0, in0[gid], (p.f & 1u) != 0u);
  if ((p.f & 4u) != 0u) { out0[p.o1 + gid] = select(0.0, in1[gid], (p.f & 2u) != 0u); }`, ''),
    [h0 ?? none, c0 ?? none], [saved], values({ BU, o1: g.o1, f: (h0 ? 1 : 0) | (c0 ? 2 : 0) | (g.cell === 'lstm' ? 4 : 0) }), grid1d(BU));
    // The input projection of every step: one GEMM.
    const xin = maskedInput(be, g, ins['x']!, ins['inMask']);
    const xp = runGemm(be, { a: xin, b: ins['kernel']!, ta: false, tb: false, ba: 1, bb: 1, batch: 1, m: B * T, k: g.I, n: GU }, [B * T, GU]);
    if (xin !== ins['x']) be.disposeData(xin.dataId);
    const outs = g.returnSequences ? y : mask ? be.makeOutput([T * BU], 'float32') : be.makeOutput([1], 'float32');
    const f = (ins['bias'] ? 1 : 0) | (mask ? 2 : 0) | (g.returnSequences ? 4 : 0) | (g.zeroOutputForMask ? 8 : 0) | (ins['recMask'] ? 16 : 0);
    const stepIns = [xp, ins['recurrentKernel']!, ins['bias'] ?? none, mask ?? none, ins['recMask'] ?? none];
    const parts: ('all' | 'zr' | 'h')[] = g.cell === 'gru' && !g.resetAfter ? ['zr', 'h'] : ['all'];
    const progs = parts.map((part) => forwardProgram(g, part));
    const nInv = Math.ceil(B / 4) * U; // 4 rows per invocation
    for (let s = 0; s < T; s++) {
      const t = g.goBackwards ? T - 1 - s : s;
      for (const prog of progs) be.run(prog, stepIns, [saved, outs], values({ B, T, U, GU, BU, s, t, f, o1: g.o1, o2: g.o2, o3: g.o3, o4: g.o4, n: nInv }), grid1d(nInv));
    }
    be.copy(saved, hT, BU * 4, T * BU * 4);
    if (cT) be.copy(saved, cT, BU * 4, (g.o1 + T * BU) * 4);
    if (!g.returnSequences) {
      if (mask) be.copy(outs, y, BU * 4, (T - 1) * BU * 4);
      else be.copy(saved, y, BU * 4, T * BU * 4);
    }
    if (outs !== y) be.disposeData(outs.dataId);
    be.disposeData(xp.dataId);
    return result();
  });
}

// ================================================================== backward

/** Host-side flags of one backward step (the same for every row; native/src/rnn.cc's). */
const BF = {
  pGH: 1, pGC: 2, pGO: 4, active: 8, nPH: 16, nPC: 32, stacked: 64, viaWhere: 128, masked: 512, pHt: 4096, pCt: 8192,
} as const;

/**
 * The cell's gradients of one step. Inputs: saved, dy, mask (u32); outputs: GS (gradient
 * states: parity × [h, c, out] × [B, U]), DZ ([B, T, G·U] at the step's time; GRU with
 * resetAfter: then the recurrent half's dz, the same layout from p.N = B·T·G·U).
 */
function cellGradProgram(g: Geo): Program {
  const { cell } = g;
  const lstm = cell === 'lstm';
  let cellCode: string;
  if (cell === 'simple') {
    cellCode = '    out1[dzb + j] = actb_(ht, in0[p.o1 + sb + e]);';
  } else if (lstm) {
    cellCode = `    let gb = p.o2 + (p.s * p.B + b) * p.GU + j;
    let gi = in0[gb]; let gf = in0[gb + p.U]; let gg = in0[gb + 2u * p.U]; let go = in0[gb + 3u * p.U];
    let th = in0[p.o3 + sb + e]; let cp = in0[p.o1 + sb + e];
    var pc = (F & ${BF.pCt}u) != 0u;
    if ((F & ${BF.pHt}u) != 0u) {
      let w1 = ht * th; var w2 = ht * go;
      w2 = actb_(w2, th);
      if (pc) { ct = ct + w2; } else { ct = w2; }
      pc = true;
      out1[dzb + 3u * p.U + j] = ractb_(w1, go);
    }
    let w1 = ct * gg; let w2 = ct * gi; let w3 = ct * cp;
    out1[dzb + 2u * p.U + j] = actb_(w2, gg);
    let w4 = ct * gf;
    if (nPC) { nc = nc + w4; } else { nc = w4; }
    nPC = true;
    out1[dzb + p.U + j] = ractb_(w3, gf);
    out1[dzb + j] = ractb_(w1, gi);`;
  } else {
    cellCode = `    let zz = in0[p.o1 + sb + e]; let rr = in0[p.o2 + sb + e]; let rh = in0[p.o3 + sb + e]; let hh = in0[p.o4 + sb + e];
    let hp = in0[sb + e];
    let omz = 1.0 - zz; let dOmz = ht * hh; let w2 = ht * omz; let gz = -dOmz; let hz = ht * hp; let w1 = gz + hz; let w3 = ht * zz;
    if (nPH) { nh = nh + w3; } else { nh = w3; }
    nPH = true;
    let dah = actb_(w2, hh);
    out1[dzb + 2u * p.U + j] = dah;
${g.resetAfter ? `    let w3b = dah * rh; out1[p.N + dzb + 2u * p.U + j] = dah * rr;
    let dr = ractb_(w3b, rr); let dzz = ractb_(w1, zz);
    out1[dzb + p.U + j] = dr; out1[dzb + j] = dzz; out1[p.N + dzb + j] = dzz; out1[p.N + dzb + p.U + j] = dr;`
    : '    out1[dzb + j] = w1; // d z before its activation: the next program finishes it'}`;
  }
  const body = `  if (gid >= p.BU) { return; }
  let e = gid; let b = e / p.U; let j = e % p.U;
  let F = p.f;
  let sb = p.s * p.BU;
  let cur = p.par * 3u * p.BU; let nxt = (1u - p.par) * 3u * p.BU;
  let masked = (F & ${BF.masked}u) != 0u;
  var m = true;
  if (masked) { m = in2[b * p.T + p.t] != 0u; }
  let stacked = (F & ${BF.stacked}u) != 0u;
  var nh = 0.0; var nc = 0.0;
  var nPH = (F & ${BF.nPH}u) != 0u; var nPC = (F & ${BF.nPC}u) != 0u;
  if (masked) {
    let via = (F & ${BF.viaWhere}u) != 0u;
    var no = 0.0;
    if (stacked) { no = in1[b * p.dys + (p.s - 1u) * p.dsl + j]; }
    if (via) { let v = select(out0[cur + 2u * p.BU + e], 0.0, m); if (stacked) { no = no + v; } else { no = v; } }
    if (stacked || via) { out0[nxt + 2u * p.BU + e] = no; }
  } else if (stacked) {
    nh = in1[b * p.dys + (p.s - 1u) * p.dsl + j];
  }
  if ((F & ${BF.active}u) != 0u) {
    let pGH = (F & ${BF.pGH}u) != 0u; let pGO = (F & ${BF.pGO}u) != 0u;
    var ht = 0.0; var ct = 0.0;
    if (masked) {
${lstm ? `      if ((F & ${BF.pGC}u) != 0u) { let gc = out0[cur + p.BU + e]; ct = select(0.0, gc, m); nc = select(gc, 0.0, m); }` : ''}
      if (pGH) { let gh = out0[cur + e]; ht = select(0.0, gh, m); nh = select(gh, 0.0, m); }
      if (pGO) { let v = select(0.0, out0[cur + 2u * p.BU + e], m); if (pGH) { ht = ht + v; } else { ht = v; } }
    } else {
      if (pGH) { ht = out0[cur + e]; }
${lstm ? `      if ((F & ${BF.pGC}u) != 0u) { ct = out0[cur + p.BU + e]; }` : ''}
    }
    let dzb = (b * p.T + p.t) * p.GU;
${cellCode}
  }
  if (nPH) { out0[nxt + e] = nh; }
  if (nPC) { out0[nxt + p.BU + e] = nc; }`;
  return program(`rnn_bwd_cell:${cell}:${g.resetAfter}:${g.act}:${g.ract}`, ['f32', 'f32', 'u32'], 2, body, actFns(g.act, g.ract));
}

/**
 * The recurrent product's gradient to the previous state: nh (+)= dz·Rᵀ over `N` columns from
 * column `co` of DZ (at `o4`: GRU with resetAfter's recurrent half) and of R (f: 1 add to nh,
 * 2 recMask). Inputs: R, recMask, saved; outputs: GS, DZ. Each invocation computes 4 rows × 4
 * units as the blocked GEMM does (each component its own acc + dz·R, increasing column), then
 * each one's epilogue. `zr`: GRU without resetAfter's middle program (d(r·h₋) = dah·rHᵀ, then
 * the z and r gates).
 */
function recGradProgram(g: Geo, kind: 'dot' | 'zr'): Program {
  const epilogue = kind === 'dot'
    ? `      var acc = cs[r][c];
      if ((p.f & 2u) != 0u) { acc = acc * in1[b * p.U + k]; }
      if ((p.f & 1u) != 0u) { out0[nxt + e] = out0[nxt + e] + acc; } else { out0[nxt + e] = acc; }`
    : `      let d = cs[r][c];
      let hp = in2[sb + e]; let rr = in2[p.o2 + sb + e]; let zz = in2[p.o1 + sb + e];
      let w3 = d * hp; let m2 = d * rr;
      out0[nxt + e] = out0[nxt + e] + m2;
      let dzb = (b * p.T + p.t) * p.GU;
      out1[dzb + p.U + k] = ractb_(w3, rr);
      out1[dzb + k] = ractb_(out1[dzb + k], zz);`;
  return program(kind === 'dot' ? 'rnn_bwd_dot' : `rnn_bwd_zr:${g.ract}`, ['f32', 'f32', 'f32'], 2, `  if (gid >= p.M) { return; }
  let k0 = (gid % p.kb) * 4u; let b0 = (gid / p.kb) * 4u;
  let sb = p.s * p.BU;
  let nxt = (1u - p.par) * 3u * p.BU;
  // Row and column offsets relative to the first (index arithmetic out of the inner loop).
  let step = p.T * p.GU;
  var z0 = p.o4 + (b0 * p.T + p.t) * p.GU + p.co;
  let z1 = (min(b0 + 1u, p.B - 1u) - b0) * step; let z2 = (min(b0 + 2u, p.B - 1u) - b0) * step; let z3 = (min(b0 + 3u, p.B - 1u) - b0) * step;
  var k0r = k0 * p.GU + p.co;
  let k1 = (min(k0 + 1u, p.U - 1u) - k0) * p.GU; let k2 = (min(k0 + 2u, p.U - 1u) - k0) * p.GU; let k3 = (min(k0 + 3u, p.U - 1u) - k0) * p.GU;
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
  for (var j = 0u; j < p.N; j++) {
    let rv = vec4f(in0[k0r], in0[k0r + k1], in0[k0r + k2], in0[k0r + k3]);
    c0 = c0 + out1[z0] * rv;
    c1 = c1 + out1[z0 + z1] * rv;
    c2 = c2 + out1[z0 + z2] * rv;
    c3 = c3 + out1[z0 + z3] * rv;
    z0 = z0 + 1u; k0r = k0r + 1u;
  }
  let cs = array<vec4f, 4>(c0, c1, c2, c3);
  for (var r = 0u; r < 4u; r++) {
    let b = b0 + r; if (b >= p.B) { break; }
    for (var c = 0u; c < 4u; c++) {
      let k = k0 + c; if (k >= p.U) { break; }
      let e = b * p.U + k;
${epilogue}
    }
  }`, kind === 'zr' ? actFns(g.act, g.ract) : '');
}

/**
 * Weight-gradient columns [co, co + N) of an [rows, ldo] output: for the steps s = top … 0 (the
 * tape's order), the step's product Σ_b A_s(b, i)·B_s(b, n) (increasing b, the GEMM's), the
 * first being the sum and each later added. A_s(b, i) = in0[o1 + (time or step)·o2 + b·o3 + i]
 * (f 4: the step index, else the time; f 2: times recMask[b, i]); B_s(b, n) = in1[o4 + t·GU +
 * b·T·GU + co + n]. f 8: each value + 0 (GRU without resetAfter: the two slices' padded
 * gradients added). Each invocation computes 4 × 4 outputs.
 */
function weightProgram(recMask: boolean): Program {
  // Scalar index arithmetic kept out of the inner loop (SwiftShader runs it per lane).
  return program(`rnn_weights:${recMask}`, ['f32', 'f32', 'f32'], 1, `  if (gid >= p.M) { return; }
  let i0 = (gid / p.kb) * 4u; let n0 = (gid % p.kb) * 4u;
  let i1 = min(i0 + 1u, p.rows - 1u) - i0; let i2 = min(i0 + 2u, p.rows - 1u) - i0; let i3 = min(i0 + 3u, p.rows - 1u) - i0;
  let nb = p.co + n0;
  let n1 = min(n0 + 1u, p.N - 1u) - n0; let n2 = min(n0 + 2u, p.N - 1u) - n0; let n3 = min(n0 + 3u, p.N - 1u) - n0;
  let bstride = p.T * p.GU;
  var t0 = vec4f(0.0); var t1 = vec4f(0.0); var t2 = vec4f(0.0); var t3 = vec4f(0.0);
  for (var q = 0u; q < p.n; q++) {
    let s = p.s - q;
    let t = select(s, p.T - 1u - s, (p.f & 16u) != 0u);
    var ar = p.o1 + select(t, s, (p.f & 4u) != 0u) * p.o2 + i0;
    var br = p.o4 + t * p.GU + nb;
    var mr = i0;
    var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
    for (var b = 0u; b < p.B; b++) {
      let av = vec4f(in0[ar], in0[ar + i1], in0[ar + i2], in0[ar + i3])${recMask ? ' * vec4f(in2[mr], in2[mr + i1], in2[mr + i2], in2[mr + i3])' : ''};
      let bv = vec4f(in1[br], in1[br + n1], in1[br + n2], in1[br + n3]);
      c0 = c0 + av.x * bv;
      c1 = c1 + av.y * bv;
      c2 = c2 + av.z * bv;
      c3 = c3 + av.w * bv;
      ar = ar + p.o3; br = br + bstride; mr = mr + p.U;
    }
    if (q == 0u) { t0 = c0; t1 = c1; t2 = c2; t3 = c3; } else { t0 = t0 + c0; t1 = t1 + c1; t2 = t2 + c2; t3 = t3 + c3; }
  }
  let ts = array<vec4f, 4>(t0, t1, t2, t3);
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + r; if (i >= p.rows) { break; }
    for (var c = 0u; c < 4u; c++) {
      let n = n0 + c; if (n >= p.N) { break; }
      var v = ts[r][c];
      if ((p.f & 8u) != 0u) { v = v + bitcast<f32>(p.zero); }
      out0[i * p.ldo + p.co + n] = v;
    }
  }`, '');
}

/** The bias gradient: per column, the steps' compensated sums over the batch (the Sum kernel), added in the tape's order. */
function biasProgram(): Program {
  return program('rnn_bias', ['f32'], 1, `  if (gid >= p.N) { return; }
  let c = gid % p.GU; let src = select(0u, p.o4, gid >= p.GU);
  var total = 0.0;
  for (var q = 0u; q < p.n; q++) {
    let s = p.s - q;
    let t = select(s, p.T - 1u - s, (p.f & 16u) != 0u);
    var sm = 0.0; var cc = 0.0;
    for (var b = 0u; b < p.B; b++) { kadd_(&sm, &cc, in0[src + (b * p.T + t) * p.GU + c]); }
    let v = sm + cc;
    if (q == 0u) { total = v; } else { total = total + v; }
  }
  out0[gid] = total;`, '');
}

function runWeights(be: WebGPUBackend, ins: TensorInfo[], out: TensorInfo, p: P): void {
  const kb = Math.ceil(p.N! / 4);
  const M = Math.ceil(p.rows! / 4) * kb;
  be.run(weightProgram(((p.f ?? 0) & 2) !== 0), ins, [out], values({ ...p, kb, M }), grid1d(M));
}

function rnnBackward(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const g = geometry(args, '_RNNSequenceGrad');
  const ins = args.inputs;
  const want = args.attrs['grads'] as number;
  const { B, T, I, U, GU, BU } = g;
  const lstm = g.cell === 'lstm';
  const gru = g.cell === 'gru';
  const biasShape = ins['bias']?.shape.slice() ?? [GU];
  const shapes: [number, number[]][] = [[1, [B, T, I]], [2, [I, GU]], [4, [U, GU]], [8, biasShape], [16, [B, U]], [32, [B, U]]];
  if (BU === 0) {
    return shapes.filter(([bit]) => want & bit).map(([bit, shape]) => (bit === 1 ? be.makeHost(new Float32Array(B * T * I), shape, 'float32') : be.makeOutput(shape, 'float32')));
  }
  return be.batch(() => {
    const none = empty(be);
    const saved = ins['saved']!;
    const mask = ins['mask'];
    const masked = mask !== undefined;
    const dy = ins['dy'];
    const dhT = ins['dhT'];
    const dcT = lstm ? ins['dcT'] : undefined;
    const dys = g.returnSequences ? T * U : U;
    const dsl = g.returnSequences ? U : 0;
    const nDZ = B * T * GU;
    const DZ = be.makeOutput([g.resetAfter ? 2 * nDZ : nDZ], 'float32');
    zeroFill(be, DZ, nDZ);
    const GS = be.makeOutput([6 * BU], 'float32');
    // The last step's output gradients: dhT, dcT, and the output's (dy or its last slice).
    be.run(program('rnn_bwd_init', ['f32', 'f32', 'f32'], 1, `  if (gid >= p.BU) { return; }
  let e = gid; let b = e / p.U; let j = e % p.U;
  let F = p.f;
  let last = b * p.dys + (p.T - 1u) * p.dsl + j;
  if ((F & 1u) != 0u) {
    if ((F & 2u) != 0u) { out0[2u * p.BU + e] = in0[last]; }
    if ((F & 4u) != 0u) { out0[e] = in1[e]; }
  } else if ((F & 4u) != 0u) {
    if ((F & 2u) != 0u) { out0[e] = in1[e] + in0[last]; } else { out0[e] = in1[e]; }
  } else if ((F & 2u) != 0u) { out0[e] = in0[last]; }
  if ((F & 8u) != 0u) { out0[p.BU + e] = in2[e]; }`, ''),
    [dy ?? none, dhT ?? none, dcT ?? none], [GS], values({ BU, U, T, dys, dsl, f: (masked ? 1 : 0) | (dy ? 2 : 0) | (dhT ? 4 : 0) | (dcT ? 8 : 0) }), grid1d(BU));
    let pGH = masked ? !!dhT : !!(dhT || dy);
    let pGC = !!dcT;
    let pGO = masked && !!dy;
    const cellProg = cellGradProgram(g);
    const dotProg = recGradProgram(g, 'dot');
    const zrProg = gru && !g.resetAfter ? recGradProgram(g, 'zr') : null;
    const recMask = ins['recMask'];
    let top = -1; // the first (highest) active step: every step below it is active too
    let par = 0;
    const base = { B, T, U, GU, BU, o1: g.o1, o2: g.o2, o3: g.o3, o4: g.o4, dys, dsl, N: nDZ };
    const kb = Math.ceil(U / 4);
    const M = Math.ceil(B / 4) * kb; // the recurrent gradient: 4 rows × 4 units per invocation
    for (let s = T - 1; s >= 0; s--) {
      const t = g.goBackwards ? T - 1 - s : s;
      const pHt = pGH || (masked && pGO);
      const pCt = lstm && pGC;
      const active = pHt || pCt;
      let nPH = false;
      let nPC = false;
      let nPO = false;
      const stacked = s > 0 && g.returnSequences && !!dy;
      let viaWhere = false;
      if (masked) {
        nPH = pGH;
        nPC = pCt;
        if (s > 0) {
          viaWhere = pGO && !g.zeroOutputForMask;
          nPO = stacked || viaWhere;
        }
      } else if (stacked) nPH = true;
      const f = (pGH ? BF.pGH : 0) | (pGC ? BF.pGC : 0) | (pGO ? BF.pGO : 0) | (active ? BF.active : 0) | (nPH ? BF.nPH : 0) | (nPC ? BF.nPC : 0) |
        (stacked ? BF.stacked : 0) | (viaWhere ? BF.viaWhere : 0) | (masked ? BF.masked : 0) | (pHt ? BF.pHt : 0) | (pCt ? BF.pCt : 0);
      const p = { ...base, s, t, par };
      be.run(cellProg, [saved, dy ?? none, mask ?? none], [GS, DZ], values({ ...p, f }), grid1d(BU));
      if (active) {
        if (top < 0) top = s;
        if (gru) nPH = true; // z·h₋'s contribution
        const rec = [ins['recurrentKernel']!, recMask ?? none, saved];
        if (zrProg) {
          be.run(zrProg, rec, [GS, DZ], values({ ...p, o4: 0, N: U, co: 2 * U, M, kb }), grid1d(M));
          be.run(dotProg, rec, [GS, DZ], values({ ...p, o4: 0, N: 2 * U, f: 1, M, kb }), grid1d(M));
        } else {
          const hFirst = gru ? true : nPH;
          be.run(dotProg, rec, [GS, DZ], values({ ...p, o4: g.resetAfter ? nDZ : 0, N: GU, f: (hFirst ? 1 : 0) | (recMask ? 2 : 0), M, kb }), grid1d(M));
        }
        nPH = true;
        if (lstm) nPC = true;
      }
      pGH = nPH;
      if (lstm) pGC = nPC;
      if (masked) pGO = nPO;
      par = 1 - par;
    }
    const steps = top + 1;
    const out: TensorInfo[] = [];
    const dzInfo: TensorInfo = { dataId: DZ.dataId, shape: [B * T, GU], dtype: 'float32' };
    const gb = g.goBackwards ? 16 : 0;
    if (want & 1) {
      const dxm = runGemm(be, { a: dzInfo, b: ins['kernel']!, ta: false, tb: true, ba: 1, bb: 1, batch: 1, m: B * T, k: GU, n: I }, [B, T, I]);
      const inMask = ins['inMask'];
      if (inMask) {
        out.push(maskedInput(be, g, dxm, inMask));
        be.disposeData(dxm.dataId);
      } else out.push(dxm);
    }
    if (want & 2) {
      const xin = maskedInput(be, g, ins['x']!, ins['inMask']);
      const dW = be.makeOutput([I, GU], 'float32');
      // A = x'[b, t, i]: offset t·I, row stride T·I.
      runWeights(be, [xin, DZ, none], dW, { B, T, U, GU, rows: I, N: GU, ldo: GU, n: steps, s: top, o1: 0, o2: I, o3: T * I, o4: 0, f: gb });
      if (xin !== ins['x']) be.disposeData(xin.dataId);
      out.push(dW);
    }
    if (want & 4) {
      const dR = be.makeOutput([U, GU], 'float32');
      // A = H[s] (b, i) (SimpleRNN: times recMask), B = DZ (GRU with resetAfter: the recurrent half).
      const f = gb | 4 | (recMask ? 2 : 0);
      const common = { B, T, U, GU, rows: U, ldo: GU, n: steps, s: top, o2: BU, o3: U };
      if (gru && !g.resetAfter) {
        // The slices R[:, :2U] (product with h₋) and R[:, 2U:] (with r·h₋): separate sums, each + 0.
        runWeights(be, [saved, DZ, none], dR, { ...common, o1: 0, o4: 0, N: 2 * U, co: 0, f: f | 8 });
        runWeights(be, [saved, DZ, none], dR, { ...common, o1: g.o3, o4: 0, N: U, co: 2 * U, f: f | 8 });
      } else {
        runWeights(be, [saved, DZ, recMask ?? none], dR, { ...common, o1: 0, o4: g.resetAfter ? nDZ : 0, N: GU, co: 0, f });
      }
      out.push(dR);
    }
    if (want & 8) {
      const n = g.resetAfter ? 2 * GU : GU;
      const db = be.makeOutput(biasShape, 'float32');
      be.run(biasProgram(), [DZ], [db], values({ B, T, GU, N: n, n: steps, s: top, o4: nDZ, f: gb }), grid1d(n));
      out.push(db);
    }
    const finalState = (bit: number, slot: number, present: boolean): void => {
      if (!(want & bit)) return;
      if (!present) {
        out.push(be.makeHost(new Float32Array(BU), [B, U], 'float32'));
        return;
      }
      const d = be.makeOutput([B, U], 'float32');
      be.copy(GS, d, BU * 4, (par * 3 + slot) * BU * 4);
      out.push(d);
    };
    finalState(16, 0, pGH);
    finalState(32, 1, lstm && pGC);
    be.disposeData(DZ.dataId);
    be.disposeData(GS.dataId);
    return out;
  });
}

export const rnnKernels: Record<string, KernelFunc> = {
  _RNNSequence: rnnForward,
  _RNNSequenceGrad: rnnBackward,
};
