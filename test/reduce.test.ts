import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { checkGrad, expectTensor, expectThrows, randInput } from './util.ts';

const x23 = () => tf.tensor([[1, 5, 3], [4, 2, 6]]);
const x232 = () => tf.tensor([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);

describe('mean', () => {
  it('values per axis, negative axes, keepDims', () => {
    expectTensor(tf.mean(x23()), [3.5], []);
    expectTensor(tf.mean(x23(), 0), [2.5, 3.5, 4.5], [2 + 1]);
    expectTensor(tf.mean(x23(), -1), [3, 4], [2]);
    expectTensor(tf.mean(x23(), 1, true), [[3], [4]], [2, 1]);
    expectTensor(tf.mean(x23(), null, true), [[3.5]], [1, 1]);
    expectTensor(tf.mean(x232(), [0, 2]), [4.5, 6.5, 8.5], [3]);
    expectTensor(tf.mean(x232(), [-1, -3], true), [[[4.5], [6.5], [8.5]]], [1, 3, 1]);
    const mi = tf.mean(tf.tensor([1, 2], [2], 'int32'));
    assert.equal(mi.dtype, 'float32');
    expectTensor(mi, [1.5]);
  });
  it('errors', () => {
    expectThrows(() => tf.mean(x23(), 2), /mean: `axis` must be integers in \[-2, 2\)/);
    expectThrows(() => tf.mean(tf.tensor([true])), /mean: `x` must have dtype float32 or int32, received bool/);
  });
  it('gradients', () => {
    for (const axis of [undefined, 0, 1, -1, [0, 2]]) {
      checkGrad((a) => tf.mean(a, axis as number), [randInput([2, 3, 2], 1)]);
      checkGrad((a) => tf.mean(a, axis as number, true), [randInput([2, 3, 2], 2)]);
    }
  });
});

describe('max / min', () => {
  it('values', () => {
    expectTensor(tf.max(x23()), [6], []);
    expectTensor(tf.max(x23(), 0), [4, 5, 6], [3]);
    expectTensor(tf.max(x23(), -1, true), [[5], [6]], [2, 1]);
    expectTensor(tf.min(x23()), [1], []);
    expectTensor(tf.min(x23(), 0), [1, 2, 3], [3]);
    expectTensor(tf.min(x23(), -1, true), [[1], [2]], [2, 1]);
    expectTensor(tf.max(x232(), [0, 1]), [11, 12], [2]);
    expectTensor(tf.min(x232(), [-1, 0], true), [[[1], [3], [5]]], [1, 3, 1]);
    const xi = tf.tensor([[3, -7], [2, 9]], [2, 2], 'int32');
    assert.equal(tf.max(xi, 1).dtype, 'int32');
    expectTensor(tf.max(xi, 1), [3, 9]);
    expectTensor(tf.min(xi, 0), [2, -7]);
    expectTensor(tf.max(tf.tensor([1, NaN, 3])), [NaN]);
  });
  it('gradient goes to the maxima, split equally between ties (as TF)', () => {
    const x = tf.tensor([[1, 5, 5], [4, 2, 0]]);
    expectTensor(tf.grad((a) => tf.max(a, 1))(x), [[0, 0.5, 0.5], [1, 0, 0]]);
    expectTensor(tf.grad((a) => tf.max(a))(tf.tensor([2, 2, 2, 1])), [1 / 3, 1 / 3, 1 / 3, 0]);
    expectTensor(tf.grad((a) => tf.min(a, 0))(x), [[1, 0, 0], [0, 1, 1]]);
    expectTensor(tf.grad((a) => tf.min(a))(tf.tensor([0, 3, 0])), [0.5, 0, 0.5]);
  });
  it('gradients match finite differences', () => {
    // Distinct values, so the maximum is differentiable.
    for (const axis of [undefined, 0, 1, -1, [0, 2]]) {
      checkGrad((a) => tf.max(a, axis as number), [randInput([2, 3, 2], 3)]);
      checkGrad((a) => tf.min(a, axis as number, true), [randInput([2, 3, 2], 4)]);
    }
  });
  it('errors', () => {
    expectThrows(() => tf.max(tf.tensor([true])), /max: `x` must have dtype float32 or int32, received bool/);
    expectThrows(() => tf.min(x23(), [0, 0]), /min: `axis` contains axis 0 twice/);
  });
});

describe('prod', () => {
  it('values', () => {
    expectTensor(tf.prod(x23()), [720], []);
    expectTensor(tf.prod(x23(), 0), [4, 10, 18], [3]);
    expectTensor(tf.prod(x23(), -1, true), [[15], [48]], [2, 1]);
    const b = tf.prod(tf.tensor([true, true]));
    assert.equal(b.dtype, 'int32');
    expectTensor(b, [1]);
  });
  it('gradient = product of the others, also with zeros', () => {
    expectTensor(tf.grad((a) => tf.prod(a))(tf.tensor([2, 3, 4])), [12, 8, 6]);
    expectTensor(tf.grad((a) => tf.prod(a))(tf.tensor([2, 0, 4])), [0, 8, 0]);
    expectTensor(tf.grad((a) => tf.prod(a))(tf.tensor([0, 3, 0])), [0, 0, 0]);
    expectTensor(tf.grad((a) => tf.prod(a, 1))(tf.tensor([[0, 3], [2, 5]])), [[3, 0], [5, 2]]);
  });
  it('gradients match finite differences', () => {
    for (const axis of [undefined, 0, 1, -1, [0, 2]]) {
      checkGrad((a) => tf.prod(a, axis as number), [randInput([2, 3, 2], 5, 0.5, 1.5)]);
    }
    checkGrad((a) => tf.prod(a, 1, true), [randInput([2, 3], 6, -2, 2)]);
  });
});

describe('argMax / argMin', () => {
  it('values, int32, first index on ties', () => {
    const a = tf.argMax(x23(), 1);
    assert.equal(a.dtype, 'int32');
    expectTensor(a, [1, 2], [2]);
    expectTensor(tf.argMax(x23()), [1, 0, 1], [3]);
    expectTensor(tf.argMin(x23(), -1), [0, 1], [2]);
    expectTensor(tf.argMax(tf.tensor([3, 7, 7, 1])), [1], []);
    expectTensor(tf.argMin(tf.tensor([3, 1, 7, 1])), [1], []);
    expectTensor(tf.argMax(x232(), 1), [[2, 2], [2, 2]], [2, 2]);
    expectTensor(tf.argMin(tf.tensor([[5, 2], [1, 9]], [2, 2], 'int32'), 0), [1, 0]);
  });
  it('errors', () => {
    expectThrows(() => tf.argMax(x23(), 2), /argMax: `axis` must be an integer in \[-2, 2\), received 2/);
    expectThrows(() => tf.argMin(tf.scalar(1)), /argMin: `x` must have rank >= 1/);
  });
});

describe('logSumExp', () => {
  it('values', () => {
    const x = tf.tensor([[0, Math.log(3)], [1, 1]]);
    expectTensor(tf.logSumExp(x, 1), [Math.log(4), 1 + Math.log(2)], [2]);
    expectTensor(tf.logSumExp(x, -1, true), [[Math.log(4)], [1 + Math.log(2)]], [2, 1]);
    expectTensor(tf.logSumExp(x, 0), [Math.log(1 + Math.E), Math.log(3 + Math.E)], [2]);
    expectTensor(tf.logSumExp(x), [Math.log(1 + 3 + 2 * Math.E)], []);
  });
  it('is stable for large inputs', () => {
    expectTensor(tf.logSumExp(tf.tensor([1000, 1000])), [1000 + Math.log(2)], [], 1e-6);
    expectTensor(tf.logSumExp(tf.tensor([-1000, -1000, -1000])), [-1000 + Math.log(3)], [], 1e-6);
  });
  it('gradient is softmax', () => {
    const g = tf.grad((a) => tf.logSumExp(a))(tf.tensor([0, Math.log(3)]));
    expectTensor(g, [0.25, 0.75]);
    for (const axis of [undefined, 0, 1, -1, [0, 2]]) checkGrad((a) => tf.logSumExp(a, axis as number), [randInput([2, 3, 2], 7, -3, 3)]);
    checkGrad((a) => tf.logSumExp(a, 1, true), [randInput([2, 3], 8, -3, 3)]);
  });
});

describe('all / any', () => {
  it('values', () => {
    const b = tf.tensor([[true, false, true], [true, true, true]]);
    const r = tf.all(b, 1);
    assert.equal(r.dtype, 'bool');
    expectTensor(r, [0, 1], [2]);
    expectTensor(tf.all(b), [0], []);
    expectTensor(tf.all(b, 0, true), [[1, 0, 1]], [1, 3]);
    expectTensor(tf.any(b, -1), [1, 1], [2]);
    expectTensor(tf.any(tf.tensor([[false, false], [false, true]]), 1), [0, 1]);
    expectTensor(tf.any(tf.tensor([false, false])), [0], []);
    expectTensor(tf.all(tf.tensor([], [0], 'bool')), [1], []);
    expectTensor(tf.any(tf.tensor([], [0], 'bool')), [0], []);
  });
  it('requires bool', () => {
    expectThrows(() => tf.all(tf.tensor([1, 0])), /all: `x` must have dtype bool, received float32/);
  });
});

describe('moments', () => {
  it('population mean and variance', () => {
    const { mean, variance } = tf.moments(tf.tensor([[1, 2, 3, 6], [2, 2, 2, 2]]), 1);
    expectTensor(mean, [3, 2], [2]);
    expectTensor(variance, [3.5, 0], [2]);
    const k = tf.moments(tf.tensor([[1, 3], [5, 7]]), [0, 1], true);
    expectTensor(k.mean, [[4]], [1, 1]);
    expectTensor(k.variance, [[5]], [1, 1]);
    const a = tf.moments(tf.tensor([[1, 3], [5, 7]]), -2);
    expectTensor(a.mean, [3, 5], [2]);
    expectTensor(a.variance, [4, 4], [2]);
  });
  it('gradients', () => {
    checkGrad((a) => tf.moments(a, [0, 2]).mean, [randInput([2, 3, 2], 9)]);
    checkGrad((a) => tf.moments(a, [0, 2]).variance, [randInput([2, 3, 2], 10)]);
    checkGrad((a) => tf.moments(a, -1, true).variance, [randInput([2, 3], 11)]);
  });
});

describe('edge cases', () => {
  it('logSumExp of -Infinity slices and +Infinity (as TF)', () => {
    expectTensor(tf.logSumExp(tf.tensor([[-Infinity, -Infinity], [0, -Infinity]]), 1), [-Infinity, 0]);
    expectTensor(tf.logSumExp(tf.tensor([Infinity, 1])), [Infinity]);
  });
  it('max gradient with infinite maxima', () => {
    expectTensor(tf.grad((a) => tf.max(a))(tf.tensor([Infinity, 1, Infinity])), [0.5, 0, 0.5]);
  });
  it('second order through prod and max', () => {
    checkGrad((a) => tf.grad((y) => tf.prod(y))(a), [randInput([3], 12, 0.5, 1.5)]);
    checkGrad((a) => tf.grad((y) => tf.sum(tf.mul(tf.max(y, 1, true), y)))(a), [randInput([2, 3], 13)]);
  });
});
