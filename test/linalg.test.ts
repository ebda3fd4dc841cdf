import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { checkGrad, expectTensor, expectThrows, randInput } from './util.ts';

describe('matMul', () => {
  const a = () => tf.tensor([[1, 2, 3], [4, 5, 6]]); // [2,3]
  const b = () => tf.tensor([[7, 8], [9, 10], [11, 12]]); // [3,2]
  it('rank 2, all transpose combinations', () => {
    expectTensor(tf.matMul(a(), b()), [[58, 64], [139, 154]], [2, 2]);
    // aᵀ: [3,2]·[2,3] → [3,3]
    expectTensor(tf.matMul(a(), a(), true, false), [[17, 22, 27], [22, 29, 36], [27, 36, 45]], [3, 3]);
    // a·aᵀ → [2,2]
    expectTensor(tf.matMul(a(), a(), false, true), [[14, 32], [32, 77]], [2, 2]);
    // aᵀ·bᵀ: [3,2]·[2,3] → [3,3]; (aᵀbᵀ) = (ba)ᵀ
    expectTensor(tf.matMul(a(), b(), true, true), [[39, 49, 59], [54, 68, 82], [69, 87, 105]], [3, 3]);
    const i = tf.matMul(tf.tensor([[1, 2], [3, 4]], [2, 2], 'int32'), tf.tensor([[1, 0], [0, 1]], [2, 2], 'int32'));
    assert.equal(i.dtype, 'int32');
    expectTensor(i, [1, 2, 3, 4]);
  });
  it('batched with broadcast batch dimensions', () => {
    const x = tf.tensor([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]); // [2,2,2]
    const y = tf.tensor([[1, 2], [3, 4]]); // [2,2]
    expectTensor(tf.matMul(x, y), [[[1, 2], [3, 4]], [[2, 4], [6, 8]]], [2, 2, 2]);
    expectTensor(tf.matMul(y, x), [[[1, 2], [3, 4]], [[2, 4], [6, 8]]], [2, 2, 2]);
    // [2,1,1,2] · [3,2,1] → [2,3,1,1]
    const p = tf.tensor([1, 2, 3, 4], [2, 1, 1, 2]);
    const q = tf.tensor([1, 1, 1, 0, 0, 1], [3, 2, 1]);
    expectTensor(tf.matMul(p, q), [3, 1, 2, 7, 3, 4], [2, 3, 1, 1]);
    expectTensor(tf.matMul(tf.ones([4, 2, 3]), tf.ones([4, 2, 3]), false, true), new Array(16).fill(3), [4, 2, 2]);
  });
  it('shape errors name both shapes and transposes', () => {
    expectThrows(() => tf.matMul(tf.zeros([100, 784]), tf.zeros([256, 10])), /^matMul: inner dimensions must match: a is \[100,784\], b is \[256,10\]$/);
    expectThrows(
      () => tf.matMul(tf.zeros([2, 3]), tf.zeros([2, 3]), true, true),
      /matMul: inner dimensions must match: a is \[2,3\] \(transposeA=true\), b is \[2,3\] \(transposeB=true\)/,
    );
    expectThrows(() => tf.matMul(tf.zeros([2, 2, 3]), tf.zeros([3, 3, 4])), /matMul: batch dimensions \[2\] and \[3\] cannot be broadcast/);
    expectThrows(() => tf.matMul(tf.zeros([3]), tf.zeros([3, 1])), /matMul: `a` must have rank >= 2, received rank 1/);
    expectThrows(() => tf.matMul(tf.zeros([2, 2]), tf.zeros([2, 2], 'int32')), /matMul: operands must have the same dtype/);
  });
  it('gradients, all transpose combinations', () => {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const sa = ta ? [3, 2] : [2, 3];
      const sb = tb ? [4, 3] : [3, 4];
      checkGrad((x, y) => tf.matMul(x, y, ta, tb), [randInput(sa, 1), randInput(sb, 2)]);
      const ba = ta ? [2, 3, 2] : [2, 2, 3];
      const bb = tb ? [2, 4, 3] : [2, 3, 4];
      checkGrad((x, y) => tf.matMul(x, y, ta, tb), [randInput(ba, 3), randInput(bb, 4)]);
      // broadcast batch: a has no batch, b a batch of 2; and [2,1,..]·[3,..]
      checkGrad((x, y) => tf.matMul(x, y, ta, tb), [randInput(sa, 5), randInput(bb, 6)]);
      checkGrad((x, y) => tf.matMul(x, y, ta, tb), [randInput([2, 1, ...sa], 7), randInput([3, ...sb], 8)]);
    }
  });
  it('second order', () => {
    // f(x) = sum(x·x), x [2,2]: df = xᵀ-weighted; d²f/dx² applied via grad of sum(grad).
    const g2 = tf.grad((x) => tf.sum(tf.grad((y) => tf.sum(tf.matMul(y, y)))(x)));
    // grad f = 1·xᵀ + xᵀ·1 (ones matrices); its sum's gradient is 4 everywhere for 2x2.
    expectTensor(g2(tf.tensor([[1, 2], [3, 4]])), [4, 4, 4, 4]);
  });
});

describe('dot', () => {
  it('values for every rank combination', () => {
    expectTensor(tf.dot(tf.tensor([1, 2, 3]), tf.tensor([4, 5, 6])), [32], []);
    expectTensor(tf.dot(tf.tensor([[1, 2], [3, 4]]), tf.tensor([5, 6])), [17, 39], [2]);
    expectTensor(tf.dot(tf.tensor([5, 6]), tf.tensor([[1, 2], [3, 4]])), [23, 34], [2]);
    expectTensor(tf.dot(tf.tensor([[1, 2], [3, 4]]), tf.tensor([[5], [6]])), [[17], [39]], [2, 1]);
  });
  it('errors', () => {
    expectThrows(() => tf.dot(tf.zeros([3]), tf.zeros([4])), /dot: inner dimensions must match: a is \[3\], b is \[4\]/);
    expectThrows(() => tf.dot(tf.zeros([2, 2, 2]), tf.zeros([2])), /dot: `a` must have rank 1 or 2, received rank 3/);
  });
  it('gradients', () => {
    checkGrad((x, y) => tf.dot(x, y), [randInput([3], 1), randInput([3], 2)]);
    checkGrad((x, y) => tf.dot(x, y), [randInput([2, 3], 3), randInput([3], 4)]);
    checkGrad((x, y) => tf.dot(x, y), [randInput([3], 5), randInput([3, 2], 6)]);
    checkGrad((x, y) => tf.dot(x, y), [randInput([2, 3], 7), randInput([3, 2], 8)]);
  });
});

describe('outerProduct', () => {
  it('values, errors, gradients', () => {
    expectTensor(tf.outerProduct(tf.tensor([1, 2]), tf.tensor([3, 4, 5])), [[3, 4, 5], [6, 8, 10]], [2, 3]);
    expectThrows(() => tf.outerProduct(tf.zeros([2, 1]), tf.zeros([2])), /outerProduct: `v1` must have rank 1, received rank 2/);
    checkGrad((x, y) => tf.outerProduct(x, y), [randInput([3], 1), randInput([4], 2)]);
  });
});

describe('matMul with an empty batch', () => {
  it('a batch of 0 against a batch of 1 gives a batch of 0 (reference)', () => {
    const prev = tf.getBackend();
    tf.setBackend('reference');
    try {
      const out = tf.matMul(tf.zeros([0, 2, 3]), tf.ones([1, 3, 4]));
      assert.deepEqual(out.shape, [0, 2, 4]);
      assert.equal(out.dataSync().length, 0);
    } finally {
      tf.setBackend(prev);
    }
  });
});
