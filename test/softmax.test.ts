import { describe, it } from 'node:test';
import * as tf from '../src/index.ts';
import { checkGrad, expectTensor, expectThrows, randInput } from './util.ts';

const L3 = Math.log(3);

describe('softmax / logSoftmax', () => {
  it('values along each axis', () => {
    expectTensor(tf.softmax(tf.tensor([0, L3])), [0.25, 0.75], [2]);
    const x = tf.tensor([[0, L3], [L3, L3]]);
    expectTensor(tf.softmax(x), [[0.25, 0.75], [0.5, 0.5]], [2, 2]);
    expectTensor(tf.softmax(x, 0), [[0.25, 0.5], [0.75, 0.5]], [2, 2]);
    expectTensor(tf.softmax(x, -2), [[0.25, 0.5], [0.75, 0.5]], [2, 2]);
    expectTensor(tf.logSoftmax(x), [[Math.log(0.25), Math.log(0.75)], [Math.log(0.5), Math.log(0.5)]], [2, 2]);
    expectTensor(tf.logSoftmax(x, 0), [[Math.log(0.25), Math.log(0.5)], [Math.log(0.75), Math.log(0.5)]], [2, 2]);
    // 3-D, middle axis
    const y = tf.softmax(tf.tensor([[[0, 1], [L3, 1]]]), 1);
    expectTensor(y, [[[0.25, 0.5], [0.75, 0.5]]], [1, 2, 2]);
  });
  it('is stable for large logits', () => {
    expectTensor(tf.softmax(tf.tensor([1000, 1000, -1000])), [0.5, 0.5, 0]);
    expectTensor(tf.softmax(tf.tensor([-1000, -1000 + L3])), [0.25, 0.75]);
    expectTensor(tf.logSoftmax(tf.tensor([1000, -1000])), [0, -2000]);
  });
  it('errors', () => {
    expectThrows(() => tf.softmax(tf.tensor([1, 2]), 1), /softmax: `dim` must be an integer in \[-1, 1\), received 1/);
    expectThrows(() => tf.logSoftmax(tf.scalar(1)), /logSoftmax: `logits` must have rank >= 1/);
    expectThrows(() => tf.softmax(tf.tensor([1, 2], [2], 'int32')), /softmax: `logits` must have dtype float32, received int32/);
  });
  it('gradients, each axis, and second order', () => {
    for (const axis of [0, 1, 2, -1]) {
      checkGrad((a) => tf.softmax(a, axis), [randInput([2, 3, 2], 1, -2, 2)]);
      checkGrad((a) => tf.logSoftmax(a, axis), [randInput([2, 3, 2], 2, -2, 2)]);
    }
    const c = [0.3, -1, 2, 0.5];
    checkGrad((a) => tf.grad((y) => tf.sum(tf.mul(tf.softmax(y), tf.tensor(c))))(a), [randInput([4], 3)]);
    checkGrad((a) => tf.grad((y) => tf.sum(tf.mul(tf.logSoftmax(y), tf.tensor(c))))(a), [randInput([4], 4)]);
  });
});

describe('softmaxCrossEntropyWithLogits', () => {
  it('values, keyword and positional forms, axis', () => {
    const labels = tf.tensor([[0, 1], [0.5, 0.5]]);
    const logits = tf.tensor([[0, L3], [L3, L3]]);
    const expected = [-Math.log(0.75), Math.log(2)];
    expectTensor(tf.softmaxCrossEntropyWithLogits({ labels, logits }), expected, [2]);
    expectTensor(tf.softmaxCrossEntropyWithLogits(labels, logits), expected, [2]);
    // along axis 0: column 0 = softmax([0, L3]) vs labels [0, 0.5]; column 1 uniform vs labels [1, 0.5]
    expectTensor(tf.softmaxCrossEntropyWithLogits({ labels, logits, axis: 0 }), [-0.5 * Math.log(0.75), 1.5 * Math.log(2)], [2]);
    expectTensor(tf.softmaxCrossEntropyWithLogits(labels, logits, -2), [-0.5 * Math.log(0.75), 1.5 * Math.log(2)], [2]);
  });
  it('is stable for logits of ±1000', () => {
    const logits = tf.tensor([[1000, -1000], [1000, -1000], [-1000, 1000]]);
    const labels = tf.tensor([[0, 1], [1, 0], [0.5, 0.5]]);
    expectTensor(tf.softmaxCrossEntropyWithLogits({ labels, logits }), [2000, 0, 1000], [3]);
    // a -Infinity logit with label 0 contributes nothing
    expectTensor(tf.softmaxCrossEntropyWithLogits({ labels: tf.tensor([1, 0]), logits: tf.tensor([0, -Infinity]) }), [0], []);
  });
  it('gradients: softmax - labels for logits, -logSoftmax for labels', () => {
    const labels = tf.tensor([0.25, 0.75]);
    const logits = tf.tensor([L3, 0]);
    const [gl, gx] = tf.grads((z, x) => tf.softmaxCrossEntropyWithLogits({ labels: z, logits: x }))([labels, logits]);
    expectTensor(gx!, [0.75 - 0.25, 0.25 - 0.75]);
    expectTensor(gl!, [-Math.log(0.75), -Math.log(0.25)]);
    const big = tf.grad((x) => tf.softmaxCrossEntropyWithLogits({ labels: tf.tensor([0, 1]), logits: x }))(tf.tensor([1000, -1000]));
    expectTensor(big, [1, -1]);
    // labels normalized (softmax of a free input), so the TF gradient is the true derivative
    for (const axis of [0, 1, -1]) {
      checkGrad((u, x) => tf.softmaxCrossEntropyWithLogits({ labels: tf.softmax(u, axis), logits: x, axis }), [randInput([3, 4], 5), randInput([3, 4], 6, -3, 3)]);
    }
    checkGrad((x) => tf.softmaxCrossEntropyWithLogits(tf.tensor([[0, 0, 1], [1, 0, 0]]), x), [randInput([2, 3], 7)]);
  });
  it('errors', () => {
    expectThrows(
      () => tf.softmaxCrossEntropyWithLogits({ labels: tf.zeros([2, 3]), logits: tf.zeros([2, 4]) }),
      /softmaxCrossEntropyWithLogits: `labels` and `logits` must have the same shape, received labels \[2,3\] and logits \[2,4\]/,
    );
    expectThrows(() => tf.softmaxCrossEntropyWithLogits({ labels: tf.zeros([2]), logits: tf.zeros([2]), axis: 1 }), /softmaxCrossEntropyWithLogits: `axis` must be an integer in \[-1, 1\)/);
  });
});

describe('sparseSoftmaxCrossEntropyWithLogits', () => {
  it('values and stability', () => {
    const labels = tf.tensor([1, 0], [2], 'int32');
    const logits = tf.tensor([[0, L3], [L3, L3]]);
    expectTensor(tf.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }), [-Math.log(0.75), Math.log(2)], [2]);
    expectTensor(tf.sparseSoftmaxCrossEntropyWithLogits(labels, logits), [-Math.log(0.75), Math.log(2)], [2]);
    const l3 = tf.tensor([[0, 2]], [1, 2], 'int32');
    const x3 = tf.tensor([[[1000, -1000, 0], [1000, -1000, 0]]]);
    expectTensor(tf.sparseSoftmaxCrossEntropyWithLogits({ labels: l3, logits: x3 }), [[0, 1000]], [1, 2]);
  });
  it('gradient = softmax - oneHot(labels)', () => {
    const g = tf.grad((x) => tf.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.tensor([0], [1], 'int32'), logits: x }))(tf.tensor([[L3, 0]]));
    expectTensor(g, [[0.75 - 1, 0.25]]);
    checkGrad((x) => tf.sparseSoftmaxCrossEntropyWithLogits(tf.tensor([2, 0, 1], [3], 'int32'), x), [randInput([3, 4], 8, -2, 2)]);
    checkGrad((x) => tf.sparseSoftmaxCrossEntropyWithLogits(tf.tensor([[2, 0], [1, 3]], [2, 2], 'int32'), x), [randInput([2, 2, 4], 9, -2, 2)]);
  });
  it('errors name the bad label', () => {
    expectThrows(
      () => tf.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.tensor([0, 3], [2], 'int32'), logits: tf.zeros([2, 3]) }),
      /sparseSoftmaxCrossEntropyWithLogits: `labels` must be in \[0, 3\) \(the number of classes\), received labels\[1\] = 3/,
    );
    expectThrows(
      () => tf.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.tensor([-1], [1], 'int32'), logits: tf.zeros([1, 3]) }),
      /received labels\[0\] = -1/,
    );
    expectThrows(
      () => tf.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.tensor([0, 1]), logits: tf.zeros([2, 3]) }),
      /sparseSoftmaxCrossEntropyWithLogits: `labels` must have dtype int32, received float32/,
    );
    expectThrows(
      () => tf.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.tensor([0], [1], 'int32'), logits: tf.zeros([2, 3]) }),
      /`labels` must have shape logits.shape\[:-1\] = \[2\], received labels \[1\]/,
    );
  });
});

describe('sigmoidCrossEntropyWithLogits', () => {
  it('values (TF stable formula) and stability', () => {
    const z = tf.tensor([0, 1, 0.5, 1, 0]);
    const x = tf.tensor([0, 2, -1, 1000, 1000]);
    const sp = (v: number) => Math.log1p(Math.exp(v));
    expectTensor(tf.sigmoidCrossEntropyWithLogits({ labels: z, logits: x }), [Math.log(2), sp(-2), 0.5 + sp(-1), 0, 1000]);
    expectTensor(tf.sigmoidCrossEntropyWithLogits(tf.tensor([1, 0]), tf.tensor([-1000, -1000])), [1000, 0]);
  });
  it('gradients', () => {
    const g = tf.grad((x) => tf.sigmoidCrossEntropyWithLogits({ labels: tf.tensor([1, 0]), logits: x }))(tf.tensor([0, 1000]));
    expectTensor(g, [-0.5, 1]);
    checkGrad((z, x) => tf.sigmoidCrossEntropyWithLogits({ labels: z, logits: x }), [randInput([2, 3], 10, 0, 1), randInput([2, 3], 11, -3, 3)]);
  });
  it('errors', () => {
    expectThrows(
      () => tf.sigmoidCrossEntropyWithLogits({ labels: tf.zeros([2]), logits: tf.zeros([3]) }),
      /sigmoidCrossEntropyWithLogits: `labels` and `logits` must have the same shape, received labels \[2\] and logits \[3\]/,
    );
  });
});
