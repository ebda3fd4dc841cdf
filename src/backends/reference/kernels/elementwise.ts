/**
 * Elementwise kernels of the reference backend: unary math and activations, binary arithmetic
 * (floorDiv, floor-mod, pow, maximum, minimum, squared difference), comparisons and logicals
 * (bool outputs), NaN/Inf tests, clipping and `Select` (where) with 3-way broadcasting.
 * All arithmetic runs in float64; the output array rounds once.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../../core/backend.ts';
import type { DataType } from '../../../core/dtypes.ts';
import { fail } from '../../../core/errors.ts';
import { broadcastShapes, sizeFromShape } from '../../../core/shape.ts';
import { alignedStrides, binaryOp, ref, unaryOp } from './util.ts';

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
const INV_SQRT_PI = 0.5641895835477563; // 1/√π

/**
 * erf(x) to about 1e-15 (double precision), so finite-difference gradient checks work.
 * |x| < 2.5: the positive series erf(x) = 2/√π e^{-x²} Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)) (no cancellation);
 * |x| ≥ 2.5: erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) by Lentz's continued fraction.
 */
export function erfScalar(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1; // erfc(6) ≈ 2e-17
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let s = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      s += term;
      if (Math.abs(term) < 1e-17 * Math.abs(s)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * s;
  }
  // Modified Lentz for f = x + a1/(x + a2/(x + ...)), a_k = k/2.
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = ax + a * d;
    d = d === 0 ? tiny : d;
    c = ax + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = (INV_SQRT_PI * Math.exp(-ax * ax)) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Round half to even (TensorFlow's `round`). */
function roundHalfEven(x: number): number {
  const base = Math.floor(x);
  const frac = x - base;
  if (frac < 0.5) return base;
  if (frac > 0.5) return base + 1;
  return base % 2 === 0 ? base : base + 1;
}

/** Floor of a/b for int32 (exact), failing on a zero divisor as TensorFlow does. */
function intFloorDiv(a: number, b: number): number {
  if (b === 0) fail('floorDiv', 'integer division by zero');
  return Math.floor(a / b);
}

/** Floor-mod: the result has the sign of the divisor (`a - floor(a/b) * b`). */
function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

function intFloorMod(a: number, b: number): number {
  if (b === 0) fail('mod', 'integer division by zero');
  return floorMod(a, b);
}

/** int32 power by squaring with 32-bit wrap-around (as C integer arithmetic). */
function intPow(a: number, b: number): number {
  if (b < 0) fail('pow', `integers to negative integer powers are not allowed (exponent ${b})`);
  let result = 1;
  let base = a | 0;
  let e = b;
  while (e > 0) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
    e = Math.floor(e / 2);
  }
  return result;
}

/** C's pow: pow(1, y) = 1 and pow(x, 0) = 1 even for NaN. */
function floatPow(a: number, b: number): number {
  if (a === 1) return 1;
  return Math.pow(a, b);
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const SQRT1_2 = Math.SQRT1_2;
const GELU_C = Math.sqrt(2 / Math.PI);

function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

const sameAsA = (args: KernelArgs): DataType => args.inputs['a']!.dtype;
const isInt = (args: KernelArgs, name: string): boolean => args.inputs[name]!.dtype === 'int32';

/** Select (where): out = condition ? t : e, broadcasting all three. */
function select(args: KernelArgs): TensorInfo {
  const be = ref(args);
  const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
  const outShape = broadcastShapes(broadcastShapes(condition.shape, t.shape), e.shape);
  const size = sizeFromShape(outShape);
  const cv = be.values(condition);
  const tv = be.values(t);
  const ev = be.values(e);
  const out = be.alloc(t.dtype, size);
  const rank = outShape.length;
  const sc = alignedStrides(condition.shape, outShape);
  const st = alignedStrides(t.shape, outShape);
  const se = alignedStrides(e.shape, outShape);
  const idx = new Array<number>(rank).fill(0);
  let pc = 0;
  let pt = 0;
  let pe = 0;
  for (let p = 0; p < size; p++) {
    out[p] = cv[pc] ? tv[pt]! : ev[pe]!;
    // Odometer increment of the output index, moving the three input offsets along.
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      pc += sc[d]!;
      pt += st[d]!;
      pe += se[d]!;
      if (idx[d]! < outShape[d]!) break;
      pc -= sc[d]! * outShape[d]!;
      pt -= st[d]! * outShape[d]!;
      pe -= se[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return be.make(out, outShape, t.dtype);
}

export const elementwiseKernels: Record<string, KernelFunc> = {
  // ---- unary math
  Abs: (args) => unaryOp(args, null, Math.abs),
  Sign: (args) => unaryOp(args, null, (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN)),
  Log1p: (args) => unaryOp(args, null, Math.log1p),
  Expm1: (args) => unaryOp(args, null, Math.expm1),
  Sqrt: (args) => unaryOp(args, null, Math.sqrt),
  Rsqrt: (args) => unaryOp(args, null, (x) => 1 / Math.sqrt(x)),
  Square: (args) => (isInt(args, 'x') ? unaryOp(args, null, (x) => Math.imul(x, x)) : unaryOp(args, null, (x) => x * x)),
  Reciprocal: (args) => unaryOp(args, null, (x) => 1 / x),
  Sin: (args) => unaryOp(args, null, Math.sin),
  Cos: (args) => unaryOp(args, null, Math.cos),
  Asin: (args) => unaryOp(args, null, Math.asin),
  Acos: (args) => unaryOp(args, null, Math.acos),
  Atan: (args) => unaryOp(args, null, Math.atan),
  Tanh: (args) => unaryOp(args, null, Math.tanh),
  Erf: (args) => unaryOp(args, null, erfScalar),
  Floor: (args) => unaryOp(args, null, Math.floor),
  Ceil: (args) => unaryOp(args, null, Math.ceil),
  Round: (args) => unaryOp(args, null, roundHalfEven),

  // ---- activations
  Sigmoid: (args) => unaryOp(args, null, sigmoidScalar),
  // NaN propagates (x > 0 is false for NaN, so test it explicitly).
  Relu: (args) => unaryOp(args, null, (x) => (x > 0 ? x : x !== x ? x : 0)),
  Relu6: (args) => unaryOp(args, null, (x) => (x !== x ? x : Math.min(Math.max(x, 0), 6))),
  Elu: (args) => unaryOp(args, null, (x) => (x > 0 ? x : Math.expm1(x))),
  Selu: (args) => unaryOp(args, null, (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x))),
  LeakyRelu: (args) => {
    const alpha = args.attrs['alpha'] as number;
    return unaryOp(args, null, (x) => (x > 0 ? x : alpha * x));
  },
  Prelu: (args) => {
    const { x, alpha } = args.inputs as { x: TensorInfo; alpha: TensorInfo };
    return binaryOp({ ...args, inputs: { a: x, b: alpha } }, x.dtype, (v, a) => (v > 0 ? v : a * v));
  },
  // log1p(e^{-|x|}) + max(x, 0): never overflows.
  Softplus: (args) => unaryOp(args, null, (x) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0)),
  Softsign: (args) => unaryOp(args, null, (x) => x / (1 + Math.abs(x))),
  Gelu: (args) => {
    if (args.attrs['approximate']) {
      return unaryOp(args, null, (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x))));
    }
    return unaryOp(args, null, (x) => 0.5 * x * (1 + erfScalar(x * SQRT1_2)));
  },
  ClipByValue: (args) => {
    const lo = args.attrs['clipValueMin'] as number;
    const hi = args.attrs['clipValueMax'] as number;
    return unaryOp(args, null, (x) => (x !== x ? x : Math.min(Math.max(x, lo), hi)));
  },

  // ---- binary arithmetic
  FloorDiv: (args) =>
    isInt(args, 'a') ? binaryOp(args, 'int32', intFloorDiv) : binaryOp(args, 'float32', (a, b) => Math.floor(a / b)),
  FloorMod: (args) => (isInt(args, 'a') ? binaryOp(args, 'int32', intFloorMod) : binaryOp(args, 'float32', floorMod)),
  Pow: (args) => (isInt(args, 'a') ? binaryOp(args, 'int32', intPow) : binaryOp(args, 'float32', floatPow)),
  Atan2: (args) => binaryOp(args, 'float32', Math.atan2),
  Maximum: (args) => binaryOp(args, sameAsA(args), Math.max),
  Minimum: (args) => binaryOp(args, sameAsA(args), Math.min),
  SquaredDifference: (args) =>
    isInt(args, 'a')
      ? binaryOp(args, 'int32', (a, b) => Math.imul(a - b, a - b))
      : binaryOp(args, 'float32', (a, b) => (a - b) * (a - b)),

  // ---- comparisons (NaN compares false, except NotEqual)
  Equal: (args) => binaryOp(args, 'bool', (a, b) => (a === b ? 1 : 0)),
  NotEqual: (args) => binaryOp(args, 'bool', (a, b) => (a !== b ? 1 : 0)),
  Greater: (args) => binaryOp(args, 'bool', (a, b) => (a > b ? 1 : 0)),
  GreaterEqual: (args) => binaryOp(args, 'bool', (a, b) => (a >= b ? 1 : 0)),
  Less: (args) => binaryOp(args, 'bool', (a, b) => (a < b ? 1 : 0)),
  LessEqual: (args) => binaryOp(args, 'bool', (a, b) => (a <= b ? 1 : 0)),

  // ---- logicals (bool in, bool out)
  LogicalAnd: (args) => binaryOp(args, 'bool', (a, b) => (a && b ? 1 : 0)),
  LogicalOr: (args) => binaryOp(args, 'bool', (a, b) => (a || b ? 1 : 0)),
  LogicalNot: (args) => unaryOp(args, 'bool', (x) => (x ? 0 : 1)),

  // ---- float classification
  IsNan: (args) => unaryOp(args, 'bool', (x) => (x !== x ? 1 : 0)),
  IsFinite: (args) => unaryOp(args, 'bool', (x) => (Number.isFinite(x) ? 1 : 0)),
  IsInf: (args) => unaryOp(args, 'bool', (x) => (x === Infinity || x === -Infinity ? 1 : 0)),

  Select: select,
};
