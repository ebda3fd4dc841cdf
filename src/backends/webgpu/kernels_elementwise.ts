/**
 * Elementwise WGSL kernels: unary math and activations, binary arithmetic and comparisons with
 * NumPy broadcasting, logicals, `Select`, `Cast`, `BroadcastTo`, `Identity`, `Reshape`.
 *
 * Shape classes: a program is compiled per (op, dtypes, pattern) where the pattern is 'same'
 * (equal shapes), 'sa'/'sb' (a scalar operand) or a broadcast of rank r after merging adjacent
 * axes that broadcast alike (so a bias row over a batch is rank 2 whatever the tensor's rank);
 * sizes and strides are uniform parameters.
 *
 * Numerics: `+ − × ÷` and `sqrt` are single IEEE float32 operations (correctly rounded where the
 * device is — SwiftShader is), so they equal the reference backend (float64, rounded once) bit for
 * bit; transcendental functions (exp, log, tanh, erf, pow, …) use the device's float32 builtins and
 * agree within a few float32 ulps (bounds in test/webgpu.test.ts). NaN tests use the bit pattern,
 * so a compiler that assumes finite math cannot drop them.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import type { DataType } from '../../core/dtypes.ts';
import { IdemError } from '../../core/errors.ts';
import { broadcastShapes, sizeFromShape, stridesOf } from '../../core/shape.ts';
import { grid1d, MAIN_1D, wgslType, type Program, type WebGPUBackend, type WgslType } from './backend.ts';

/** WGSL helpers every elementwise program may use. */
export const HELPERS = `
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn nan_() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn inf_(neg: bool) -> f32 { var b = select(0x7f800000u, 0xff800000u, neg); return bitcast<f32>(b); }
fn log1p_(x: f32) -> f32 { let u = 1.0 + x; if (u == 1.0) { return x; } if (isinf_(u)) { return u; } return log(u) * (x / (u - 1.0)); }
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  let u = exp(x); if (u == 1.0) { return x; } let um1 = u - 1.0; if (um1 == -1.0) { return -1.0; }
  if (isinf_(u)) { return u; } return um1 * (x / log(u)); }
fn erf_(x: f32) -> f32 {
  // Abramowitz & Stegun 7.1.26 refined: |error| < 1.5e-7.
  let a = abs(x); let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  if (isnan_(x)) { return x; }
  return select(y, -y, x < 0.0); }
fn tanh_(x: f32) -> f32 { if (abs(x) > 15.0) { return select(-1.0, 1.0, x > 0.0); } return tanh(x); }
fn sigmoid_(x: f32) -> f32 { if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); } let e = exp(x); return e / (1.0 + e); }
fn sincos_(x: f32, cosine: bool) -> f32 {
  // Cody-Waite reduction by pi/2 (three parts) and Cephes' sinf/cosf polynomials on [-pi/4, pi/4].
  if (isnan_(x) || isinf_(x)) { return nan_(); }
  let q = round(x * 0.636619772367581);
  let r = ((x - q * 1.5703125) - q * 4.837512969970703125e-4) - q * 7.54978995489188216e-8;
  let qi = i32(q) + select(0, 1, cosine);
  let z = r * r;
  let sv = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let cv = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  let v = select(sv, cv, (qi & 1) == 1);
  return select(v, -v, (qi & 2) == 2); }
fn atan2_(y: f32, x: f32) -> f32 {
  // C's atan2 on the cases WGSL leaves indeterminate (NaN, a zero x or y).
  if (isnan_(y) || isnan_(x)) { return nan_(); }
  if (y == 0.0) { if ((bitcast<u32>(x) >> 31u) == 1u) { return select(3.14159274, -3.14159274, (bitcast<u32>(y) >> 31u) == 1u); } return y; }
  if (x == 0.0) { return select(-1.57079637, 1.57079637, y > 0.0); }
  return atan2(y, x); }
fn max_(a: f32, b: f32) -> f32 { if (isnan_(a) || isnan_(b)) { return nan_(); } if (a == b) { return bitcast<f32>(bitcast<u32>(a) & bitcast<u32>(b)); } return select(b, a, a > b); }
fn min_(a: f32, b: f32) -> f32 { if (isnan_(a) || isnan_(b)) { return nan_(); } if (a == b) { return bitcast<f32>(bitcast<u32>(a) | bitcast<u32>(b)); } return select(b, a, a < b); }
fn pow_(a: f32, b: f32) -> f32 {
  if (a == 1.0 || b == 0.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  if (b == 0.5 && a >= 0.0) { return sqrt(a); }
  let r = pow(abs(a), b);
  if (a < 0.0) { if (floor(b) != b) { return nan_(); } if (abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1) { return -r; } }
  return r; }
fn ifloordiv_(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } let q = a / b; if ((a % b != 0) && ((a < 0) != (b < 0))) { return q - 1; } return q; }
fn ifloormod_(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } let r = a % b; if (r != 0 && ((r < 0) != (b < 0))) { return r + b; } return r; }
fn ipow_(a: i32, e0: i32) -> i32 {
  var r = 1; var base = a; var e = e0; if (e < 0) { return 0; }
  loop { if (e == 0) { break; } if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r; }
fn ffloormod_(a: f32, b: f32) -> f32 { let r = a - b * trunc(a / b); if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { return r + b; } return r; }
`;

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const f = (v: number): string => {
  const s = String(Math.fround(v));
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
};

/** Unary float expressions of `x` (and parameter `p.alpha`, `p.lo`, `p.hi` where listed). */
const UNARY_F32: Record<string, string> = {
  Abs: 'abs(x)',
  Neg: '-x',
  Exp: 'exp(x)',
  Log: 'log(x)',
  Log1p: 'log1p_(x)',
  Expm1: 'expm1_(x)',
  Sqrt: 'sqrt(x)',
  Rsqrt: '1.0 / sqrt(x)',
  Square: 'x * x',
  Reciprocal: '1.0 / x',
  Sin: 'sincos_(x, false)',
  Cos: 'sincos_(x, true)',
  // WGSL leaves asin/acos outside [-1, 1] indeterminate: NaN there (and for NaN), as Math.asin.
  Asin: 'select(nan_(), asin(x), abs(x) <= 1.0)',
  // (SwiftShader's acos is ~5e-5 off; atan2 of the same point is within a few ulps.)
  Acos: 'select(nan_(), atan2_(sqrt((1.0 - x) * (1.0 + x)), x), abs(x) <= 1.0)',
  Atan: 'select(atan(x), x, isnan_(x))',
  Tanh: 'tanh_(x)',
  Erf: 'erf_(x)',
  Floor: 'floor(x)',
  Ceil: 'ceil(x)',
  Round: 'round(x)',
  Sign: 'select(select(select(x, 0.0, x == 0.0), -1.0, x < 0.0), 1.0, x > 0.0)',
  Sigmoid: 'sigmoid_(x)',
  Relu: 'select(select(0.0, x, isnan_(x)), x, x > 0.0)',
  Relu6: 'select(min(max(x, 0.0), 6.0), x, isnan_(x))',
  Elu: 'select(expm1_(x), x, x > 0.0)',
  Selu: `select(${f(SELU_SCALE * SELU_ALPHA)} * expm1_(x), ${f(SELU_SCALE)} * x, x > 0.0)`,
  LeakyRelu: 'select(p.alpha * x, x, x > 0.0)',
  Softplus: 'log1p_(exp(-abs(x))) + max(x, 0.0)',
  Softsign: 'x / (1.0 + abs(x))',
  ClipByValue: 'select(min(max(x, p.lo), p.hi), x, isnan_(x))',
};

const UNARY_I32: Record<string, string> = {
  Abs: 'abs(x)',
  Neg: '-x',
  Square: 'x * x',
  Sign: 'sign(x)',
  Relu: 'max(x, 0)',
  Floor: 'x',
  Ceil: 'x',
  Round: 'x',
  ClipByValue: 'clamp(x, i32(p.lo), i32(p.hi))',
  Relu6: 'clamp(x, 0, 6)',
};

const GELU_C = Math.sqrt(2 / Math.PI);

function unaryExpr(name: string, dtype: DataType, attrs: Record<string, unknown>): { expr: string; out: DataType; params: [string, WgslType][]; values: number[] } | null {
  if (name === 'IsNan' || name === 'IsInf' || name === 'IsFinite') {
    if (dtype !== 'float32') return { expr: name === 'IsFinite' ? '1u' : '0u', out: 'bool', params: [], values: [] };
    const e = name === 'IsNan' ? 'isnan_(x)' : name === 'IsInf' ? 'isinf_(x)' : '!(isnan_(x) || isinf_(x))';
    return { expr: `select(0u, 1u, ${e})`, out: 'bool', params: [], values: [] };
  }
  if (name === 'LogicalNot') return { expr: '1u - min(x, 1u)', out: 'bool', params: [], values: [] };
  if (name === 'Gelu') {
    if (dtype !== 'float32') return null;
    const expr = attrs['approximate'] ? `0.5 * x * (1.0 + tanh_(${f(GELU_C)} * (x + 0.044715 * x * x * x)))` : `0.5 * x * (1.0 + erf_(x * ${f(Math.SQRT1_2)}))`;
    return { expr, out: 'float32', params: [], values: [] };
  }
  const params: [string, WgslType][] = [];
  const values: number[] = [];
  if (name === 'LeakyRelu') {
    params.push(['alpha', 'f32']);
    values.push(attrs['alpha'] as number);
  }
  if (name === 'ClipByValue') {
    params.push(['lo', 'f32'], ['hi', 'f32']);
    values.push(attrs['clipValueMin'] as number, attrs['clipValueMax'] as number);
  }
  const table = dtype === 'float32' ? UNARY_F32 : dtype === 'int32' ? UNARY_I32 : null;
  const expr = table?.[name];
  if (!expr) return null;
  return { expr, out: dtype, params, values };
}

export function unaryProgram(name: string, tIn: WgslType, tOut: WgslType, expr: string, params: [string, WgslType][]): Program {
  return {
    key: `u:${name}:${tIn}:${expr}`,
    inputs: [tIn],
    outputs: [tOut],
    params: [['n', 'u32'], ...params],
    code: () => `${HELPERS}\n${MAIN_1D}  if (gid >= p.n) { return; }\n  let x = in0[gid];\n  out0[gid] = ${expr};\n}`,
  };
}

/** Runs a unary expression over x (any shape). */
export function runUnary(be: WebGPUBackend, name: string, x: TensorInfo, expr: string, out: DataType, params: [string, WgslType][] = [], values: number[] = []): TensorInfo {
  const y = be.makeOutput(x.shape, out);
  const n = sizeFromShape(x.shape);
  if (n === 0) return y;
  be.run(unaryProgram(name, wgslType(x.dtype), wgslType(out), expr, params), [x], [y], [n, ...values], grid1d(n));
  return y;
}

function unaryKernel(name: string): KernelFunc {
  return (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    const u = unaryExpr(name, x.dtype, args.attrs);
    if (!u) return be.cpuKernel(name, args);
    return runUnary(be, name, x, u.expr, u.out, u.params, u.values);
  };
}

// ---------------------------------------------------------------- broadcasting

/**
 * Merges adjacent axes of `shape` across which every stride list is contiguous (stride[i] =
 * stride[i+1]·shape[i+1], or 0 and 0): the same element order with fewer axes. Drops size-1 axes.
 */
export function collapse(shape: readonly number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => s[d]! * n === outStrides[k]![last]! && (s[d] !== 0 || outStrides[k]![last] === 0))) {
      // Merge with the previous axis: it becomes [prev·n] with the inner stride.
      outShape[last] = outShape[last]! * n;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(n);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Strides of `inShape` broadcast to `outShape` (0 on broadcast and missing leading axes). */
export function bcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const s = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((_, i) => (i < lead || inShape[i - lead] === 1 ? 0 : s[i - lead]!));
}

/**
 * WGSL that turns `gid` into offsets `o0, o1, …` of each operand for a broadcast of rank r
 * (params d0.., and s{k}_{d}), and the params it needs.
 */
export function offsetsCode(rank: number, operands: number): { code: string; params: [string, WgslType][] } {
  const params: [string, WgslType][] = [];
  for (let d = 0; d < rank; d++) params.push([`d${d}`, 'u32']);
  for (let k = 0; k < operands; k++) for (let d = 0; d < rank; d++) params.push([`s${k}_${d}`, 'u32']);
  let code = '  var rem = gid;\n';
  for (let k = 0; k < operands; k++) code += `  var o${k} = 0u;\n`;
  for (let d = rank - 1; d >= 0; d--) {
    code += `  { let c = rem % p.d${d}; rem = rem / p.d${d};`;
    for (let k = 0; k < operands; k++) code += ` o${k} = o${k} + c * p.s${k}_${d};`;
    code += ' }\n';
  }
  return { code, params };
}

interface Bcast {
  outShape: number[];
  /** 'same' (all full), or rank of the collapsed broadcast. */
  pattern: string;
  params: [string, WgslType][];
  values: number[];
  code: string;
}

/** How n operands index into the broadcast output; scalar/same operands read `gid`/0. */
export function bcastPlan(shapes: (readonly number[])[], outShape: number[]): Bcast {
  const n = sizeFromShape(outShape);
  const sizes = shapes.map((s) => sizeFromShape(s));
  if (sizes.every((s) => s === n || s === 1)) {
    const pattern = sizes.map((s) => (s === n ? 'f' : 's')).join('');
    const code = sizes.map((s, k) => `  let o${k} = ${s === n ? 'gid' : '0u'};\n`).join('');
    return { outShape, pattern, params: [], values: [], code };
  }
  const c = collapse(outShape, shapes.map((s) => bcastStrides(s, outShape)));
  const { code, params } = offsetsCode(c.shape.length, shapes.length);
  const values = [...c.shape, ...c.strides.flat()];
  return { outShape, pattern: `b${c.shape.length}`, params, values, code };
}

const BINARY_F32: Record<string, [string, DataType | null]> = {
  Add: ['a + b', null],
  Sub: ['a - b', null],
  Mul: ['a * b', null],
  Div: ['a / b', null],
  Maximum: ['max_(a, b)', null],
  Minimum: ['min_(a, b)', null],
  SquaredDifference: ['(a - b) * (a - b)', null],
  Pow: ['pow_(a, b)', null],
  Atan2: ['atan2_(a, b)', null],
  FloorDiv: ['floor(a / b)', null],
  FloorMod: ['ffloormod_(a, b)', null],
  Prelu: ['select(b * a, a, a > 0.0)', null],
  Equal: ['select(0u, 1u, a == b)', 'bool'],
  NotEqual: ['select(0u, 1u, !(a == b))', 'bool'],
  Greater: ['select(0u, 1u, a > b)', 'bool'],
  GreaterEqual: ['select(0u, 1u, a >= b)', 'bool'],
  Less: ['select(0u, 1u, a < b)', 'bool'],
  LessEqual: ['select(0u, 1u, a <= b)', 'bool'],
};

const BINARY_I32: Record<string, [string, DataType | null]> = {
  Add: ['a + b', null],
  Sub: ['a - b', null],
  Mul: ['a * b', null],
  Div: ['ifloordiv_(a, b)', null],
  FloorDiv: ['ifloordiv_(a, b)', null],
  FloorMod: ['ifloormod_(a, b)', null],
  Maximum: ['max(a, b)', null],
  Minimum: ['min(a, b)', null],
  SquaredDifference: ['(a - b) * (a - b)', null],
  Pow: ['ipow_(a, b)', null],
  Prelu: ['select(b * a, a, a > 0)', null],
  Equal: ['select(0u, 1u, a == b)', 'bool'],
  NotEqual: ['select(0u, 1u, a != b)', 'bool'],
  Greater: ['select(0u, 1u, a > b)', 'bool'],
  GreaterEqual: ['select(0u, 1u, a >= b)', 'bool'],
  Less: ['select(0u, 1u, a < b)', 'bool'],
  LessEqual: ['select(0u, 1u, a <= b)', 'bool'],
};

const BINARY_BOOL: Record<string, [string, DataType | null]> = {
  LogicalAnd: ['select(0u, 1u, a != 0u && b != 0u)', 'bool'],
  LogicalOr: ['select(0u, 1u, a != 0u || b != 0u)', 'bool'],
  Equal: ['select(0u, 1u, a == b)', 'bool'],
  NotEqual: ['select(0u, 1u, a != b)', 'bool'],
  Greater: ['select(0u, 1u, a > b)', 'bool'],
  GreaterEqual: ['select(0u, 1u, a >= b)', 'bool'],
  Less: ['select(0u, 1u, a < b)', 'bool'],
  LessEqual: ['select(0u, 1u, a <= b)', 'bool'],
  Maximum: ['max(a, b)', null],
  Minimum: ['min(a, b)', null],
};

/** Runs `expr(a, b)` with broadcasting; `out` the output dtype. */
export function runBinary(be: WebGPUBackend, name: string, a: TensorInfo, b: TensorInfo, expr: string, out: DataType): TensorInfo {
  const outShape = broadcastShapes(a.shape, b.shape);
  const y = be.makeOutput(outShape, out);
  const n = sizeFromShape(outShape);
  if (n === 0) return y;
  const plan = bcastPlan([a.shape, b.shape], outShape);
  const prog: Program = {
    key: `b:${name}:${a.dtype}:${b.dtype}:${plan.pattern}:${expr}`,
    inputs: [wgslType(a.dtype), wgslType(b.dtype)],
    outputs: [wgslType(out)],
    params: [['n', 'u32'], ...plan.params],
    code: () => `${HELPERS}\n${MAIN_1D}  if (gid >= p.n) { return; }\n${plan.code}  let a = in0[o0];\n  let b = in1[o1];\n  out0[gid] = ${expr};\n}`,
  };
  be.run(prog, [a, b], [y], [n, ...plan.values], grid1d(n));
  return y;
}

function binaryKernel(name: string): KernelFunc {
  return (args) => {
    const be = args.backend as WebGPUBackend;
    const a = (args.inputs['a'] ?? args.inputs['x'])!;
    const b = (args.inputs['b'] ?? args.inputs['alpha'])!;
    if (a.dtype !== b.dtype) throw new IdemError(`webgpu ${name}: operands of different dtypes (${a.dtype}, ${b.dtype})`);
    const table = a.dtype === 'float32' ? BINARY_F32 : a.dtype === 'int32' ? BINARY_I32 : BINARY_BOOL;
    const entry = table[name];
    if (!entry) return be.cpuKernel(name, args);
    return runBinary(be, name, a, b, entry[0], entry[1] ?? a.dtype);
  };
}

function select(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
  const outShape = broadcastShapes(broadcastShapes(condition.shape, t.shape), e.shape);
  const y = be.makeOutput(outShape, t.dtype);
  const n = sizeFromShape(outShape);
  if (n === 0) return y;
  const plan = bcastPlan([condition.shape, t.shape, e.shape], outShape);
  const ty = wgslType(t.dtype);
  const prog: Program = {
    key: `select:${condition.dtype}:${t.dtype}:${plan.pattern}`,
    inputs: [wgslType(condition.dtype), ty, ty],
    outputs: [ty],
    params: [['n', 'u32'], ...plan.params],
    code: () => {
      const zero = condition.dtype === 'float32' ? '0.0' : condition.dtype === 'int32' ? '0' : '0u';
      return `${MAIN_1D}  if (gid >= p.n) { return; }\n${plan.code}  out0[gid] = select(in2[o2], in1[o1], in0[o0] != ${zero});\n}`;
    },
  };
  be.run(prog, [condition, t, e], [y], [n, ...plan.values], grid1d(n));
  return y;
}

function cast(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const x = args.inputs['x']!;
  const to = args.attrs['dtype'] as DataType;
  if (to === x.dtype) return identity(args);
  let expr: string;
  if (to === 'bool') expr = x.dtype === 'float32' ? 'select(0u, 1u, x != 0.0)' : 'select(0u, 1u, x != 0)';
  else if (to === 'int32') expr = x.dtype === 'float32' ? 'select(i32(x), 0, isnan_(x))' : 'i32(x)';
  else expr = 'f32(x)';
  return runUnary(be, 'Cast', x, expr, to);
}

/** A copy with its own storage. */
function identity(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const x = args.inputs['x']!;
  const host = be.hostValues(x);
  if (host) return be.makeHost(host.slice(), x.shape, x.dtype);
  const y = be.makeOutput(x.shape, x.dtype);
  const n = sizeFromShape(x.shape);
  if (n > 0) be.copy(x, y, n * 4);
  return y;
}

function broadcastTo(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const x = args.inputs['x']!;
  const shape = (args.attrs['shape'] as number[]).slice();
  const y = be.makeOutput(shape, x.dtype);
  const n = sizeFromShape(shape);
  if (n === 0) return y;
  const plan = bcastPlan([x.shape], shape);
  const t = wgslType(x.dtype);
  const prog: Program = {
    key: `bcast:${t}:${plan.pattern}`,
    inputs: [t],
    outputs: [t],
    params: [['n', 'u32'], ...plan.params],
    code: () => `${MAIN_1D}  if (gid >= p.n) { return; }\n${plan.code}  out0[gid] = in0[o0];\n}`,
  };
  be.run(prog, [x], [y], [n, ...plan.values], grid1d(n));
  return y;
}

const UNARY_NAMES = [...Object.keys(UNARY_F32), 'IsNan', 'IsInf', 'IsFinite', 'LogicalNot', 'Gelu'];
const BINARY_NAMES = [...new Set([...Object.keys(BINARY_F32), ...Object.keys(BINARY_BOOL)])];

export const elementwiseKernels: Record<string, KernelFunc> = {
  ...Object.fromEntries(UNARY_NAMES.map((n) => [n, unaryKernel(n)])),
  ...Object.fromEntries(BINARY_NAMES.map((n) => [n, binaryKernel(n)])),
  Select: select,
  Cast: cast,
  Identity: identity,
  BroadcastTo: broadcastTo,
  Reshape: (args) => {
    const x = args.inputs['x']!;
    return { dataId: x.dataId, shape: (args.attrs['shape'] as number[]).slice(), dtype: x.dtype };
  },
};
