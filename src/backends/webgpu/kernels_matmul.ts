/**
 * GEMM kernels: `BatchMatMul` (all transposed forms, batch broadcasting), `_FusedMatMul`
 * (GEMM + bias + relu), `_ReluGrad`, `_FusedMatMulGrad`.
 *
 * Two programs compute C = op(A)·op(B), both summing in float32 in increasing k with a separate
 * multiply and add (`acc = acc + a * b`; WGSL does not contract it into a fused multiply-add on
 * SwiftShader), so both equal a naive float32 loop — and the wasm backend's GEMM — bit for bit:
 * - 'blocked': each invocation computes a 4×4 tile of C reading A and B straight from storage —
 *   no workgroup memory or barriers, which software adapters (SwiftShader) run slowly; the
 *   default on fallback adapters.
 * - 'tiled': a workgroup of 16×16 invocations computes a 64×64 tile of C through 64×16 and
 *   16×64 tiles of A and B in workgroup memory (each invocation a 4×4 block); the default on
 *   hardware adapters.
 * The transposes are strides (parameters), so every form runs the same program.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { IdemError } from '../../core/errors.ts';
import { matMulGeometry } from '../reference/kernels/linalg.ts';
import { grid1d, MAIN_1D, type Program, type WebGPUBackend } from './backend.ts';
import { HELPERS, runBinary } from './kernels_elementwise.ts';
import { runReduce } from './kernels_reduce.ts';

export type GemmKind = 'blocked' | 'tiled';

const EPILOGUE = (bias: boolean, relu: boolean, v: string, j: string): string => {
  let e = v;
  if (bias) e = `(${e} + in2[${j}])`;
  if (relu) e = `relu_(${e})`;
  return e;
};

const RELU_FN = 'fn relu_(x: f32) -> f32 { return select(select(0.0, x, isnan_(x)), x, x > 0.0); }';

/** Parameters: m, n, k, strides of op(A)(i, l) and op(B)(l, j), batch strides, tiles. */
const GEMM_PARAMS: [string, 'u32'][] = [
  ['m', 'u32'], ['n', 'u32'], ['k', 'u32'], ['asi', 'u32'], ['asl', 'u32'], ['bsl', 'u32'], ['bsj', 'u32'],
  ['abatch', 'u32'], ['bbatch', 'u32'], ['tm', 'u32'], ['tn', 'u32'], ['batch', 'u32'],
];

function blockedProgram(bias: boolean, relu: boolean): Program {
  return {
    key: `gemm:blocked:${bias}:${relu}`,
    inputs: bias ? ['f32', 'f32', 'f32'] : ['f32', 'f32'],
    outputs: ['f32'],
    params: GEMM_PARAMS,
    code: () => `${HELPERS}\n${RELU_FN}\n${MAIN_1D}
  let tiles = p.tm * p.tn;
  if (gid >= tiles * p.batch) { return; }
  let bat = gid / tiles; let t = gid % tiles;
  let i0 = (t / p.tn) * 4u; let j0 = (t % p.tn) * 4u;
  let aoff = bat * p.abatch; let boff = bat * p.bbatch;
  var ai: array<u32, 4>; var bj: array<u32, 4>;
  for (var r = 0u; r < 4u; r++) { ai[r] = aoff + min(i0 + r, p.m - 1u) * p.asi; bj[r] = boff + min(j0 + r, p.n - 1u) * p.bsj; }
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
  for (var l = 0u; l < p.k; l++) {
    let la = l * p.asl; let lb = l * p.bsl;
    let b = vec4f(in1[bj[0] + lb], in1[bj[1] + lb], in1[bj[2] + lb], in1[bj[3] + lb]);
    c0 = c0 + in0[ai[0] + la] * b;
    c1 = c1 + in0[ai[1] + la] * b;
    c2 = c2 + in0[ai[2] + la] * b;
    c3 = c3 + in0[ai[3] + la] * b;
  }
  let cs = array<vec4f, 4>(c0, c1, c2, c3);
  let obase = bat * p.m * p.n;
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + r; if (i >= p.m) { break; }
    for (var c = 0u; c < 4u; c++) {
      let j = j0 + c; if (j >= p.n) { break; }
      out0[obase + i * p.n + j] = ${EPILOGUE(bias, relu, 'cs[r][c]', 'j')};
    }
  }
}`,
  };
}

function tiledProgram(bias: boolean, relu: boolean): Program {
  return {
    key: `gemm:tiled:${bias}:${relu}`,
    inputs: bias ? ['f32', 'f32', 'f32'] : ['f32', 'f32'],
    outputs: ['f32'],
    params: GEMM_PARAMS,
    code: () => `${HELPERS}\n${RELU_FN}
var<workgroup> As: array<f32, 1024>; // [64 rows][16 k]
var<workgroup> Bs: array<f32, 1024>; // [16 k][64 cols]
@compute @workgroup_size(16, 16) fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let bat = wid.z;
  let row0 = wid.y * 64u; let col0 = wid.x * 64u;
  let aoff = bat * p.abatch; let boff = bat * p.bbatch;
  let tid = lid.y * 16u + lid.x;
  var acc: array<vec4f, 4>;
  for (var r = 0u; r < 4u; r++) { acc[r] = vec4f(0.0); }
  for (var k0 = 0u; k0 < p.k; k0 = k0 + 16u) {
    for (var q = 0u; q < 4u; q++) {
      let e = tid * 4u + q; // 0..1023
      let ar = e / 16u; let ak = e % 16u;
      let gi = row0 + ar; let gk = k0 + ak;
      As[e] = select(0.0, in0[aoff + min(gi, p.m - 1u) * p.asi + min(gk, p.k - 1u) * p.asl], gi < p.m && gk < p.k);
      let bk = e / 64u; let bc = e % 64u;
      let gj = col0 + bc; let gk2 = k0 + bk;
      Bs[e] = select(0.0, in1[boff + min(gk2, p.k - 1u) * p.bsl + min(gj, p.n - 1u) * p.bsj], gj < p.n && gk2 < p.k);
    }
    workgroupBarrier();
    let kend = min(16u, p.k - k0);
    for (var l = 0u; l < kend; l++) {
      let b = vec4f(Bs[l * 64u + lid.x * 4u], Bs[l * 64u + lid.x * 4u + 1u], Bs[l * 64u + lid.x * 4u + 2u], Bs[l * 64u + lid.x * 4u + 3u]);
      for (var r = 0u; r < 4u; r++) { acc[r] = acc[r] + As[(lid.y * 4u + r) * 16u + l] * b; }
    }
    workgroupBarrier();
  }
  let obase = bat * p.m * p.n;
  for (var r = 0u; r < 4u; r++) {
    let i = row0 + lid.y * 4u + r; if (i >= p.m) { break; }
    for (var c = 0u; c < 4u; c++) {
      let j = col0 + lid.x * 4u + c; if (j >= p.n) { break; }
      out0[obase + i * p.n + j] = ${EPILOGUE(bias, relu, 'acc[r][c]', 'j')};
    }
  }
}`,
  };
}

export interface GemmSpec {
  a: TensorInfo;
  b: TensorInfo;
  ta: boolean;
  tb: boolean;
  /** Batch counts of a and b (1 broadcasts), and of the output. */
  ba: number;
  bb: number;
  batch: number;
  m: number;
  k: number;
  n: number;
  bias?: TensorInfo;
  relu?: boolean;
}

/** Which GEMM program a backend uses (per backend instance; 'auto' picks by adapter). */
export const GEMM_CHOICE = new WeakMap<WebGPUBackend, GemmKind>();

export function gemmKind(be: WebGPUBackend): GemmKind {
  return GEMM_CHOICE.get(be) ?? (be.isFallbackAdapter ? 'blocked' : 'tiled');
}

/** C [batch, m, n] (shape `outShape`) = act(op(A)·op(B) + bias). */
export function runGemm(be: WebGPUBackend, s: GemmSpec, outShape: number[]): TensorInfo {
  const { m, n, k, batch } = s;
  if (batch * m * n > 0 && k === 0) {
    // A product over nothing is zeros; the bias and relu still apply.
    let z = be.makeHost(new Float32Array(batch * m * n), outShape, 'float32');
    if (s.bias) z = runBinary(be, 'Add', z, s.bias, 'a + b', 'float32');
    if (s.relu) z = be.kernels['Relu']!({ inputs: { x: z }, attrs: {}, backend: be }) as TensorInfo;
    return z;
  }
  const y = be.makeOutput(outShape, 'float32');
  if (batch * m * n === 0) return y;
  const asi = s.ta ? 1 : k;
  const asl = s.ta ? m : 1;
  const bsl = s.tb ? 1 : n;
  const bsj = s.tb ? k : 1;
  const kind = gemmKind(be);
  const bias = s.bias !== undefined;
  const relu = s.relu === true;
  const tm = Math.ceil(m / 4);
  const tn = Math.ceil(n / 4);
  const params = [m, n, k, asi, asl, bsl, bsj, s.ba === 1 ? 0 : m * k, s.bb === 1 ? 0 : k * n, tm, tn, batch];
  const inputs = bias ? [s.a, s.b, s.bias!] : [s.a, s.b];
  if (kind === 'tiled' && batch <= 65535) {
    be.run(tiledProgram(bias, relu), inputs, [y], params, [Math.ceil(n / 64), Math.ceil(m / 64), batch]);
  } else {
    be.run(blockedProgram(bias, relu), inputs, [y], params, grid1d(tm * tn * batch));
  }
  return y;
}

function batchMatMul(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const a = args.inputs['a']!;
  const b = args.inputs['b']!;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return be.cpuKernel('BatchMatMul', args) as TensorInfo;
  const g = matMulGeometry(args);
  return runGemm(be, { a, b, ...g }, [g.batch, g.m, g.n]);
}

function fusedMatMul(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const a = args.inputs['a']!;
  const b = args.inputs['b']!;
  const bias = args.inputs['bias'];
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new IdemError('webgpu _FusedMatMul: operands must have rank 2');
  const ta = args.attrs['transposeA'] === true;
  const tb = args.attrs['transposeB'] === true;
  const m = a.shape[ta ? 1 : 0]!;
  const k = a.shape[ta ? 0 : 1]!;
  const n = b.shape[tb ? 0 : 1]!;
  if (k !== b.shape[tb ? 1 : 0] || (bias && (bias.shape.length !== 1 || bias.shape[0] !== n))) {
    throw new IdemError(`webgpu _FusedMatMul: shapes [${a.shape}] · [${b.shape}] with bias [${bias?.shape ?? ''}] do not match`);
  }
  return runGemm(be, { a, b, ta, tb, ba: 1, bb: 1, batch: 1, m, k, n, relu: args.attrs['activation'] === 'relu', ...(bias ? { bias } : {}) }, [m, n]);
}

/** y > 0 ? dy : +0 (relu's gradient from its output). */
export function reluGrad(be: WebGPUBackend, dy: TensorInfo, y: TensorInfo): TensorInfo {
  return runBinary(be, '_ReluGrad', dy, y, 'select(0.0, a, b > 0.0)', 'float32');
}

function fusedMatMulGrad(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const ta = args.attrs['transposeA'] === true;
  const tb = args.attrs['transposeB'] === true;
  const relu = args.attrs['activation'] === 'relu';
  const want = args.attrs['grads'] as number;
  const a = args.inputs['a']!;
  const b = args.inputs['b']!;
  const dy = args.inputs['dy']!;
  const m = a.shape[ta ? 1 : 0]!;
  const n = b.shape[tb ? 0 : 1]!;
  const z = relu ? reluGrad(be, dy, args.inputs['y']!) : dy;
  const mm = (x: TensorInfo, w: TensorInfo, tx: boolean, tw: boolean): TensorInfo => {
    const mm_ = tx ? x.shape[1]! : x.shape[0]!;
    const kk = tx ? x.shape[0]! : x.shape[1]!;
    const nn = tw ? w.shape[0]! : w.shape[1]!;
    return runGemm(be, { a: x, b: w, ta: tx, tb: tw, ba: 1, bb: 1, batch: 1, m: mm_, k: kk, n: nn }, [mm_, nn]);
  };
  const out: TensorInfo[] = [];
  if (want & 1) out.push(!ta ? mm(z, b, false, !tb) : mm(b, z, tb, true));
  if (want & 2) out.push(!tb ? (!ta ? mm(a, z, true, false) : mm(a, z, false, false)) : mm(z, a, true, ta));
  if (want & 4) out.push(runReduce(be, 'Sum', { dataId: z.dataId, shape: [m, n], dtype: 'float32' }, [0], false));
  if (z !== dy) be.disposeData(z.dataId);
  return out;
}

export const matmulKernels: Record<string, KernelFunc> = {
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  _ReluGrad: (args) => {
    const be = args.backend as WebGPUBackend;
    return reluGrad(be, args.inputs['dy']!, args.inputs['y']!);
  },
  _FusedMatMulGrad: fusedMatMulGrad,
};
