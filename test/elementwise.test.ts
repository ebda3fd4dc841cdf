/**
 * Elementwise family: values against hand-computed / Math.* vectors, broadcasting, dtypes,
 * NaN handling, error messages, and finite-difference gradient checks for every
 * differentiable op (sample points kept away from kinks and discontinuities).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { checkGrad, expectTensor, expectThrows, randInput } from './util.ts';

const t = (v: tf.NestedValues, shape?: number[]) => tf.tensor(v, shape, 'float32');
const i32 = (v: tf.NestedValues, shape?: number[]) => tf.tensor(v, shape, 'int32');
const b = (v: tf.NestedValues, shape?: number[]) => tf.tensor(v, shape, 'bool');
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Values away from 0 (kinks of relu, abs, ...). */
const awayFromZero = (shape: number[], seed: number) => {
  const r = randInput(shape, seed, 0.1, 1.5);
  r.values = r.values.map((v, i) => (i % 2 ? -v : v));
  return r;
};

describe('elementwise unary math: values', () => {
  it('abs, sign (float and int32, NaN)', () => {
    expectTensor(tf.abs(t([-2, 0, 3.5, NaN])), [2, 0, 3.5, NaN]);
    const ai = tf.abs(i32([-3, 0, 4]));
    assert.equal(ai.dtype, 'int32');
    expectTensor(ai, [3, 0, 4]);
    expectTensor(tf.sign(t([-3, 0, 2, NaN])), [-1, 0, 1, NaN]);
    expectTensor(tf.sign(i32([-3, 0, 2])), [-1, 0, 1]);
    assert.equal(tf.sign(i32([1])).dtype, 'int32');
  });
  it('log1p, expm1, sqrt, rsqrt, square, reciprocal', () => {
    expectTensor(tf.log1p(t([0, 1, -1, -2])), [0, Math.LN2, -Infinity, NaN]);
    expectTensor(tf.expm1(t([0, 1, -1])), [0, Math.E - 1, 1 / Math.E - 1]);
    expectTensor(tf.sqrt(t([4, 2, 0, -1])), [2, Math.SQRT2, 0, NaN]);
    expectTensor(tf.rsqrt(t([4, 0.25, 0])), [0.5, 2, Infinity]);
    expectTensor(tf.square(t([-3, 1.5])), [9, 2.25]);
    const sq = tf.square(i32([-3, 7, 46341]));
    assert.equal(sq.dtype, 'int32');
    expectTensor(sq, [9, 49, 46341 * 46341 - 2 ** 32]); // 32-bit wrap-around, as TF
    expectTensor(tf.reciprocal(t([2, -4, 0])), [0.5, -0.25, Infinity]);
  });
  it('small arguments keep full precision on float64 (log1p, expm1)', () => {
    const prev = tf.getBackend();
    tf.ENGINE.setBackendSync('reference64');
    try {
      const l = tf.log1p(t([1e-10])).dataSync()[0]!;
      assert.ok(Math.abs(l - 1e-10) < 1e-20, `log1p(1e-10) = ${l}`);
      const e = tf.expm1(t([1e-10])).dataSync()[0]!;
      assert.ok(Math.abs(e - 1e-10) < 1e-20, `expm1(1e-10) = ${e}`);
    } finally {
      tf.ENGINE.setBackendSync(prev);
    }
  });
  it('sin, cos, tanh', () => {
    const xs = [0, Math.PI / 6, Math.PI / 2, Math.PI, -2];
    expectTensor(tf.sin(t(xs)), [0, 0.5, 1, 0, Math.sin(-2)]);
    expectTensor(tf.cos(t(xs)), [1, Math.sqrt(3) / 2, 0, -1, Math.cos(-2)]);
    expectTensor(tf.tanh(t([0, 1, -20, 20, NaN])), [0, Math.tanh(1), -1, 1, NaN]);
  });
  it('erf matches tabulated values', () => {
    expectTensor(
      tf.erf(t([0, 0.1, 0.5, 1, -2, 3, -10, NaN])),
      [0, 0.1124629160182849, 0.5204998778130465, 0.8427007929497149, -0.9953222650189527, 0.9999779095030014, -1, NaN],
      [8],
      1e-6,
    );
  });
  it('floor, ceil, round (half to even)', () => {
    expectTensor(tf.floor(t([-1.5, 1.5, 2, -0.2])), [-2, 1, 2, -1]);
    expectTensor(tf.ceil(t([-1.5, 1.5, 2, 0.2])), [-1, 2, 2, 1]);
    expectTensor(tf.round(t([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, 2.6, -2.6, NaN])), [-2, -2, -0, 0, 2, 2, 2, 3, -3, NaN]);
  });
  it('float-only ops reject int32 and bool with a named error', () => {
    for (const [name, f] of [
      ['sqrt', tf.sqrt], ['log1p', tf.log1p], ['expm1', tf.expm1], ['rsqrt', tf.rsqrt], ['reciprocal', tf.reciprocal],
      ['sin', tf.sin], ['cos', tf.cos], ['tanh', tf.tanh], ['sigmoid', tf.sigmoid], ['erf', tf.erf],
      ['floor', tf.floor], ['ceil', tf.ceil], ['round', tf.round], ['elu', tf.elu], ['selu', tf.selu],
      ['relu6', tf.relu6], ['softplus', tf.softplus], ['softsign', tf.softsign], ['gelu', tf.gelu],
      ['leakyRelu', tf.leakyRelu], ['isNaN', tf.isNaN], ['isFinite', tf.isFinite], ['isInf', tf.isInf],
    ] as const) {
      expectThrows(() => (f as (x: tf.Tensor) => tf.Tensor)(i32([1])), new RegExp(`^${name}: \`x\` must have dtype float32, received int32$`));
    }
    expectThrows(() => tf.abs(b([true])), /abs: `x` must have dtype float32 or int32, received bool/);
    expectThrows(() => tf.square(b([true])), /square: `x` must have dtype float32 or int32, received bool/);
  });
});

describe('activations: values', () => {
  it('sigmoid is stable for large |x|', () => {
    const y = tf.sigmoid(t([0, 2, -800, 800, -30])).dataSync();
    expectTensor(tf.sigmoid(t([0, 2, -800, 800])), [0.5, 1 / (1 + Math.exp(-2)), 0, 1]);
    for (const v of y) assert.ok(Number.isFinite(v));
    assert.ok(y[4]! > 0 && Math.abs(y[4]! - Math.exp(-30)) < 1e-18);
  });
  it('relu, relu6 (NaN propagates; int32 relu)', () => {
    expectTensor(tf.relu(t([-1, 0, 2, NaN])), [0, 0, 2, NaN]);
    const ri = tf.relu(i32([-3, 5]));
    assert.equal(ri.dtype, 'int32');
    expectTensor(ri, [0, 5]);
    expectTensor(tf.relu6(t([-1, 3, 7, 6, NaN])), [0, 3, 6, 6, NaN]);
  });
  it('elu, selu with TF constants', () => {
    expectTensor(tf.elu(t([-1, 0, 2, -50])), [Math.exp(-1) - 1, 0, 2, -1]);
    expectTensor(tf.selu(t([-1, 0, 2])), [SELU_SCALE * SELU_ALPHA * (Math.exp(-1) - 1), 0, SELU_SCALE * 2]);
  });
  it('leakyRelu (default alpha 0.2, as TF.js) and prelu with per-channel alpha', () => {
    expectTensor(tf.leakyRelu(t([-2, 3, 0])), [-0.4, 3, 0]);
    expectTensor(tf.leakyRelu(t([-2, 3]), 0.1), [-0.2, 3]);
    expectThrows(() => tf.leakyRelu(t([1]), NaN), /leakyRelu: `alpha` must be a finite number, received NaN/);
    expectTensor(tf.prelu(t([[-2, 3], [-1, -4]]), t([0.1, 0.5])), [[-0.2, 3], [-0.1, -2]], [2, 2]);
    expectTensor(tf.prelu(t([-2, 3]), 0.25), [-0.5, 3]);
    expectThrows(() => tf.prelu(t([[1, 2]]), t([1, 2, 3])), /prelu: shapes \[1,2\] and \[3\] cannot be broadcast/);
  });
  it('softplus is stable, softsign', () => {
    expectTensor(tf.softplus(t([0, 1, -1000, 1000, -20])), [Math.LN2, Math.log(1 + Math.E), 0, 1000, Math.log1p(Math.exp(-20))]);
    expectTensor(tf.softsign(t([-3, 1, 0])), [-0.75, 0.5, 0]);
  });
  it('gelu exact (default) and tanh approximation', () => {
    expectTensor(tf.gelu(t([0, 1, -1, 3])), [0, 0.8413447460685429, -0.15865525393145707, 2.9959502]);
    const approx = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    expectTensor(tf.gelu(t([0, 1, -1, 3]), true), [0, approx(1), approx(-1), approx(3)]);
    expectTensor(tf.gelu(t([1]), true), [0.8411919906082768]);
    expectThrows(() => tf.gelu(t([1]), 'yes' as unknown as boolean), /gelu: `approximate` must be a boolean, received yes/);
  });
});

describe('binary arithmetic: values', () => {
  it('floorDiv (float and int32, broadcasting, division by zero)', () => {
    const a = [7, -7, 7, -7];
    const d = [2, 2, -2, -2];
    expectTensor(tf.floorDiv(t(a), t(d)), [3, -4, -4, 3]);
    const q = tf.floorDiv(i32(a), i32(d));
    assert.equal(q.dtype, 'int32');
    expectTensor(q, [3, -4, -4, 3]);
    expectTensor(tf.floorDiv(t([[5], [-5]]), t([2, 3])), [[2, 1], [-3, -2]], [2, 2]);
    expectTensor(tf.floorDiv(t([1, -1]), 0), [Infinity, -Infinity]);
    expectThrows(() => tf.floorDiv(i32([1]), i32([0])), /floorDiv: integer division by zero/);
  });
  it('mod is floor-mod (sign of divisor)', () => {
    expectTensor(tf.mod(t([7, -7, 7, -7, 5.5, -5.5]), t([3, 3, -3, -3, 2, 2])), [1, 2, -2, -1, 1.5, 0.5]);
    const m = tf.mod(i32([7, -7, 7, -7, 6]), i32([3, 3, -3, -3, 3]));
    assert.equal(m.dtype, 'int32');
    expectTensor(m, [1, 2, -2, -1, 0]);
    expectTensor(tf.mod(t([[4], [-4]]), t([3, -3])), [[1, -2], [2, -1]], [2, 2]);
    expectTensor(tf.mod(t([1]), 0), [NaN]);
    expectThrows(() => tf.mod(i32([1]), 0), /mod: integer division by zero/);
  });
  it('pow (float, int32 exact, broadcasting, errors)', () => {
    expectTensor(tf.pow(t([2, 3, -8, 0, 1]), t([3, 0.5, 1 / 3, 0, NaN])), [8, Math.sqrt(3), NaN, 1, 1]);
    expectTensor(tf.pow(t([[1], [2]]), t([1, 2, 3])), [[1, 1, 1], [2, 4, 8]], [2, 3]);
    const p = tf.pow(i32([2, -3, 5, 3]), i32([10, 3, 0, 19]));
    assert.equal(p.dtype, 'int32');
    expectTensor(p, [1024, -27, 1, 1162261467]);
    expectTensor(tf.pow(i32([2]), 2), [4]);
    expectThrows(() => tf.pow(i32([2]), i32([-1])), /pow: integers to negative integer powers are not allowed/);
    // A float32 base takes an int32 exponent (TF.js's x.pow(tf.scalar(3, 'int32'))); float32 result.
    const q = tf.pow(t([2, -1.5, 0.5]), i32([3]));
    assert.equal(q.dtype, 'float32');
    expectTensor(q, [8, -3.375, 0.125]);
    expectThrows(() => tf.pow(i32([2]), t([2])), /pow: operands must have the same dtype, received a: int32 and b: float32/);
  });
  it('maximum, minimum (broadcasting, NaN, int32)', () => {
    expectTensor(tf.maximum(t([[1, 5], [3, -2]]), t([2, 0])), [[2, 5], [3, 0]], [2, 2]);
    expectTensor(tf.minimum(t([[1, 5], [3, -2]]), t([2, 0])), [[1, 0], [2, -2]], [2, 2]);
    expectTensor(tf.maximum(t([NaN, 1]), t([0, NaN])), [NaN, NaN]);
    expectTensor(tf.minimum(t([NaN, 1]), t([0, NaN])), [NaN, NaN]);
    const mi = tf.maximum(i32([1, -5]), 0);
    assert.equal(mi.dtype, 'int32');
    expectTensor(mi, [1, 0]);
    expectTensor(tf.minimum(i32([1, -5]), i32([0])), [0, -5]);
    expectThrows(() => tf.maximum(t([1]), i32([1])), /maximum: operands must have the same dtype, received a: float32 and b: int32/);
    expectThrows(() => tf.minimum(t([1, 2]), t([1, 2, 3])), /minimum: shapes \[2\] and \[3\] cannot be broadcast/);
    expectThrows(() => tf.maximum(b([true]), b([false])), /maximum: operands must be numeric/);
  });
  it('squaredDifference', () => {
    expectTensor(tf.squaredDifference(t([1, 2, 5]), t([3])), [4, 1, 4]);
    expectTensor(tf.squaredDifference(i32([1, -2]), i32([3, 2])), [4, 16]);
  });
  it('clipByValue (NaN propagates, int32, argument checks)', () => {
    expectTensor(tf.clipByValue(t([-5, 0.5, 5, NaN, -1, 1]), -1, 1), [-1, 0.5, 1, NaN, -1, 1]);
    expectTensor(tf.clipByValue(i32([-5, 2, 9]), 0, 4), [0, 2, 4]);
    expectTensor(tf.clipByValue(t([-5, 5]), -Infinity, 0), [-5, 0]);
    expectThrows(() => tf.clipByValue(t([1]), 2, 1), /clipByValue: `clipValueMin` must be <= `clipValueMax`, received clipValueMin=2 and clipValueMax=1/);
    expectThrows(() => tf.clipByValue(t([1]), NaN, 1), /clipByValue: `clipValueMin` must be a number, received NaN/);
    expectThrows(() => tf.clipByValue(i32([1]), 0.5, 1), /clipByValue: `clipValueMin` must be an integer for an int32 `x`, received 0.5/);
  });
});

describe('where, comparisons, logicals, classification', () => {
  it('where broadcasts condition, a and b together', () => {
    const c = b([[true], [false]]); // [2,1]
    expectTensor(tf.where(c, t([[1, 2, 3]]), 0), [[1, 2, 3], [0, 0, 0]], [2, 3]);
    expectTensor(tf.where(b([true, false, true]), t([[1, 1, 1], [2, 2, 2]]), t([[9], [8]])), [[1, 9, 1], [2, 8, 2]], [2, 3]);
    expectTensor(tf.where(b(true, []), t(1, []), t(2, [])), [1], []);
    expectTensor(tf.where([true, false], i32([1, 2]), i32([3, 4])), [1, 4]);
    assert.equal(tf.where([true, false], i32([1, 2]), 0).dtype, 'int32');
    expectTensor(tf.where([true, false], b([true, true]), b([false, false])), [1, 0]);
    expectThrows(() => tf.where(t([1, 0]), t([1, 2]), t([3, 4])), /where: `condition` must have dtype bool, received float32/);
    expectThrows(() => tf.where(b([true]), t([1]), i32([1])), /where: operands must have the same dtype, received a: float32 and b: int32/);
    expectThrows(() => tf.where(b([true, false, true]), t([1, 2]), 0), /where: shapes \[3\] and \[2\] cannot be broadcast/);
  });
  it('comparisons give bool with broadcasting; NaN compares false (notEqual true)', () => {
    const a = t([[1, 2, 3], [NaN, 5, 6]]);
    const c = t([2, 2, NaN]);
    const cases: [(x: tf.Tensor, y: tf.Tensor) => tf.Tensor, number[]][] = [
      [tf.equal, [0, 1, 0, 0, 0, 0]],
      [tf.notEqual, [1, 0, 1, 1, 1, 1]],
      [tf.greater, [0, 0, 0, 0, 1, 0]],
      [tf.greaterEqual, [0, 1, 0, 0, 1, 0]],
      [tf.less, [1, 0, 0, 0, 0, 0]],
      [tf.lessEqual, [1, 1, 0, 0, 0, 0]],
    ];
    for (const [f, want] of cases) {
      const r = f(a, c);
      assert.equal(r.dtype, 'bool');
      expectTensor(r, want, [2, 3]);
    }
    expectTensor(tf.greater(i32([1, 5]), 3), [0, 1]);
    expectTensor(tf.equal(b([true, false]), b([true, true])), [1, 0]);
    expectTensor(tf.notEqual(b([true, false]), true), [0, 1]);
    expectThrows(() => tf.greater(b([true]), b([false])), /greater: operands must be numeric \(float32 or int32\), received bool/);
    expectThrows(() => tf.less(t([1]), i32([1])), /less: operands must have the same dtype, received a: float32 and b: int32/);
    expectThrows(() => tf.equal(t([1, 2]), t([1, 2, 3])), /equal: shapes \[2\] and \[3\] cannot be broadcast/);
  });
  it('logicalAnd, logicalOr, logicalNot (bool only)', () => {
    const x = b([true, true, false, false]);
    const y = b([true, false, true, false]);
    expectTensor(tf.logicalAnd(x, y), [1, 0, 0, 0]);
    expectTensor(tf.logicalOr(x, y), [1, 1, 1, 0]);
    expectTensor(tf.logicalNot(x), [0, 0, 1, 1]);
    expectTensor(tf.logicalAnd(b([[true], [false]]), b([true, false])), [[1, 0], [0, 0]], [2, 2]);
    expectTensor(tf.logicalOr(b([false, false]), true), [1, 1]);
    assert.equal(tf.logicalNot([true]).dtype, 'bool');
    expectThrows(() => tf.logicalAnd(t([1]), t([1])), /logicalAnd: operands must have dtype bool, received float32/);
    expectThrows(() => tf.logicalOr(i32([1]), i32([0])), /logicalOr: operands must have dtype bool, received int32/);
    expectThrows(() => tf.logicalNot(t([1])), /logicalNot: `x` must have dtype bool, received float32/);
  });
  it('isNaN, isFinite, isInf', () => {
    const x = t([0, NaN, Infinity, -Infinity, -3.5]);
    expectTensor(tf.isNaN(x), [0, 1, 0, 0, 0]);
    expectTensor(tf.isFinite(x), [1, 0, 0, 0, 1]);
    expectTensor(tf.isInf(x), [0, 0, 1, 1, 0]);
    assert.equal(tf.isNaN(x).dtype, 'bool');
  });
  it('comparisons and logicals are not differentiable but do not block gradients through where', () => {
    const g = tf.grad((x) => tf.where(tf.greater(x, 0), x, tf.mul(x, 3)))(t([-1, 2]));
    expectTensor(g, [3, 1]);
    // A bool output carries no gradient: the path through the comparison contributes zero.
    expectTensor(tf.grad((x) => tf.cast(tf.greater(x, 0), 'float32'))(t([1, -1])), [0, 0]);
  });
});

describe('elementwise gradients', () => {
  it('unary math', () => {
    checkGrad((x) => tf.abs(x), [awayFromZero([2, 3], 1)]);
    checkGrad((x) => tf.log1p(x), [randInput([5], 2, -0.5, 2)]);
    checkGrad((x) => tf.expm1(x), [randInput([5], 3)]);
    checkGrad((x) => tf.sqrt(x), [randInput([5], 4, 0.2, 3)]);
    checkGrad((x) => tf.rsqrt(x), [randInput([5], 5, 0.2, 3)]);
    checkGrad((x) => tf.square(x), [randInput([2, 3], 6)]);
    checkGrad((x) => tf.reciprocal(x), [awayFromZero([5], 7)]);
    checkGrad((x) => tf.sin(x), [randInput([5], 8, -3, 3)]);
    checkGrad((x) => tf.cos(x), [randInput([5], 9, -3, 3)]);
    checkGrad((x) => tf.tanh(x), [randInput([5], 10, -3, 3)]);
    checkGrad((x) => tf.erf(x), [randInput([7], 11, -3, 3)]);
  });
  it('piecewise constant ops have zero gradient', () => {
    // Points away from integers and half-integers.
    const pts = { values: [-1.3, -0.2, 0.3, 0.7, 1.1, 2.8], shape: [6] };
    checkGrad((x) => tf.floor(x), [pts]);
    checkGrad((x) => tf.ceil(x), [pts]);
    checkGrad((x) => tf.round(x), [pts]);
    checkGrad((x) => tf.sign(x), [pts]);
    checkGrad((a, c) => tf.floorDiv(a, c), [pts, { values: [0.6], shape: [1] }]);
    expectTensor(tf.grad((x) => tf.sign(x))(t([0, 2])), [0, 0]);
  });
  it('activations', () => {
    checkGrad((x) => tf.sigmoid(x), [randInput([6], 12, -6, 6)]);
    checkGrad((x) => tf.sigmoid(x), [{ values: [-40, 40], shape: [2] }]);
    checkGrad((x) => tf.relu(x), [awayFromZero([2, 3], 13)]);
    checkGrad((x) => tf.relu6(x), [{ values: [-1, 0.5, 3, 5.5, 6.5, 9], shape: [6] }]);
    checkGrad((x) => tf.elu(x), [awayFromZero([6], 14)]);
    checkGrad((x) => tf.selu(x), [awayFromZero([6], 15)]);
    checkGrad((x) => tf.leakyRelu(x), [awayFromZero([6], 16)]);
    checkGrad((x) => tf.leakyRelu(x, 0.05), [awayFromZero([6], 17)]);
    checkGrad((x) => tf.softplus(x), [randInput([6], 18, -5, 5)]);
    checkGrad((x) => tf.softplus(x), [{ values: [-50, 50], shape: [2] }]);
    checkGrad((x) => tf.softsign(x), [awayFromZero([6], 19)]);
    checkGrad((x) => tf.gelu(x), [randInput([7], 20, -3, 3)]);
    checkGrad((x) => tf.gelu(x, true), [randInput([7], 21, -3, 3)]);
  });
  it('prelu: x and broadcast alpha', () => {
    checkGrad((x, a) => tf.prelu(x, a), [awayFromZero([2, 3], 22), randInput([3], 23, 0.1, 0.5)]);
    checkGrad((x, a) => tf.prelu(x, a), [awayFromZero([2, 2, 3], 24), randInput([1, 3], 25, 0.1, 0.5)]);
  });
  it('conventions at kinks: relu\'(0) = 0, abs\'(0) = 0, ties of max/min go to a, clip passes at bounds', () => {
    expectTensor(tf.grad((x) => tf.relu(x))(t([0, 1, -1])), [0, 1, 0]);
    expectTensor(tf.grad((x) => tf.abs(x))(t([0, 2, -2])), [0, 1, -1]);
    expectTensor(tf.grad((x) => tf.relu6(x))(t([0, 6, 3])), [0, 0, 1]);
    const [ga, gb] = tf.grads((a, c) => tf.maximum(a, c))([t([1, 2, 3]), t([2, 2, 2])]);
    expectTensor(ga!, [0, 1, 1]);
    expectTensor(gb!, [1, 0, 0]);
    const [ma, mb] = tf.grads((a, c) => tf.minimum(a, c))([t([1, 2, 3]), t([2, 2, 2])]);
    expectTensor(ma!, [1, 1, 0]);
    expectTensor(mb!, [0, 0, 1]);
    expectTensor(tf.grad((x) => tf.clipByValue(x, -1, 1))(t([-2, -1, 0, 1, 2])), [0, 1, 1, 1, 0]);
  });
  it('binary ops with broadcasting', () => {
    // Values without ties / discontinuities.
    checkGrad((a, c) => tf.maximum(a, c), [randInput([2, 3], 26), randInput([3], 27)]);
    checkGrad((a, c) => tf.minimum(a, c), [randInput([2, 1], 28), randInput([1, 3], 29)]);
    checkGrad((a, c) => tf.squaredDifference(a, c), [randInput([2, 3], 30), randInput([3], 31)]);
    checkGrad((a, c) => tf.mod(a, c), [{ values: [0.3, 1.4, -2.2, 5.1, -0.7, 2.9], shape: [2, 3] }, { values: [1.3, -0.9, 2.05], shape: [3] }]);
    checkGrad((a, c) => tf.pow(a, c), [randInput([2, 3], 32, 0.3, 2), randInput([3], 33, -2, 2)]);
    checkGrad((x) => tf.clipByValue(x, -0.5, 0.5), [{ values: [-0.9, -0.4, 0.1, 0.45, 0.7], shape: [5] }]);
  });
  it('pow: negative base with integer exponent, zero gradient for b where a <= 0', () => {
    checkGrad((a) => tf.pow(a, t(3, [])), [{ values: [-1.5, -0.5, 0.7, 2], shape: [4] }]);
    const [, gb] = tf.grads((a, c) => tf.pow(a, c))([t([-2, 0, 2]), t([2, 2, 2])]);
    expectTensor(gb!, [0, 0, 4 * Math.LN2]);
  });
  it('where: gradients to a and b follow the condition, with broadcasting', () => {
    const cond = b([[true, false, true], [false, false, true]]);
    checkGrad((a, c) => tf.where(cond, a, c), [randInput([2, 3], 34), randInput([3], 35)]);
    checkGrad((a, c) => tf.where(b([[true], [false]]), a, c), [randInput([1, 3], 36), randInput([], 37)]);
  });
  it('second order (gradients are written with ops)', () => {
    const x = t([-1.2, 0.3, 2]);
    const d2tanh = tf.grad(tf.grad((v) => tf.tanh(v)))(x);
    expectTensor(d2tanh, [-1.2, 0.3, 2].map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)), [3], 1e-4);
    const d2sig = tf.grad(tf.grad((v) => tf.sigmoid(v)))(x);
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    expectTensor(d2sig, [-1.2, 0.3, 2].map((v) => s(v) * (1 - s(v)) * (1 - 2 * s(v))), [3], 1e-4);
    const d2sq = tf.grad(tf.grad((v) => tf.square(v)))(x);
    expectTensor(d2sq, [2, 2, 2]);
    checkGrad((v) => tf.grad((u) => tf.gelu(u))(v), [randInput([4], 38, -2, 2)], { tol: 1e-4 });
    checkGrad((v) => tf.grad((u) => tf.softplus(u))(v), [randInput([4], 39, -2, 2)], { tol: 1e-4 });
    checkGrad((v) => tf.grad((u) => tf.elu(u))(v), [awayFromZero([4], 40)], { tol: 1e-4 });
  });
});
