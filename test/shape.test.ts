import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { checkGrad, expectTensor, expectThrows, randInput } from './util.ts';

const x23 = () => tf.tensor([[1, 2, 3], [4, 5, 6]]);
// x234[i][j][k] = 100i + 10j + k
const x234 = () => {
  const v: number[] = [];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) v.push(100 * i + 10 * j + k);
  return tf.tensor(v, [2, 3, 4]);
};

describe('transpose', () => {
  it('values', () => {
    expectTensor(tf.transpose(x23()), [[1, 4], [2, 5], [3, 6]], [3, 2]);
    const t = tf.transpose(x234(), [1, 2, 0]);
    assert.deepEqual(t.shape, [3, 4, 2]);
    // t[j][k][i] = x[i][j][k]
    expectTensor(tf.slice(t, [2, 1, 0], [1, 1, 2]), [21, 121]);
    expectTensor(tf.slice(tf.transpose(x234(), [-1, 0, 1]), [3, 1, 2], [1, 1, 1]), [123]);
    expectTensor(tf.transpose(tf.tensor([true, false])), [1, 0], [2]);
    assert.equal(tf.transpose(tf.tensor([[1, 2]], [1, 2], 'int32')).dtype, 'int32');
    expectTensor(tf.transpose(tf.zeros([0, 3])), [], [3, 0]);
    expectTensor(tf.transpose(tf.scalar(5)), [5], []);
  });
  it('errors', () => {
    expectThrows(() => tf.transpose(x23(), [0]), /transpose: `perm` must have length 2 \(the rank of x \[2,3\]\), received \[0\]/);
    expectThrows(() => tf.transpose(x23(), [0, 0]), /transpose: `perm` must be a permutation of \[0, 2\)/);
  });
  it('gradient', () => {
    checkGrad((a) => tf.transpose(a), [randInput([2, 3], 1)]);
    checkGrad((a) => tf.transpose(a, [1, 2, 0]), [randInput([2, 3, 4], 2)]);
    checkGrad((a) => tf.transpose(a, [2, 0, 1]), [randInput([2, 1, 3], 3)]);
  });
});

describe('expandDims, squeeze', () => {
  it('values and storage sharing', () => {
    const x = x23();
    assert.deepEqual(tf.expandDims(x).shape, [1, 2, 3]);
    assert.deepEqual(tf.expandDims(x, 1).shape, [2, 1, 3]);
    assert.deepEqual(tf.expandDims(x, 2).shape, [2, 3, 1]);
    assert.deepEqual(tf.expandDims(x, -1).shape, [2, 3, 1]);
    assert.deepEqual(tf.expandDims(x, -3).shape, [1, 2, 3]);
    assert.deepEqual(tf.expandDims(tf.scalar(1)).shape, [1]);
    const e = tf.expandDims(x, 1);
    assert.equal(e.dataId, x.dataId, 'expandDims shares storage');
    expectTensor(e, [1, 2, 3, 4, 5, 6]);
    const s = tf.zeros([1, 2, 1, 3, 1]);
    assert.deepEqual(tf.squeeze(s).shape, [2, 3]);
    assert.deepEqual(tf.squeeze(s, [0]).shape, [2, 1, 3, 1]);
    assert.deepEqual(tf.squeeze(s, [-1, 2]).shape, [1, 2, 3]);
    assert.deepEqual(tf.squeeze(tf.zeros([1, 1])).shape, []);
    const q = tf.squeeze(e);
    assert.equal(q.dataId, x.dataId, 'squeeze shares storage');
    assert.equal(tf.squeeze(tf.tensor([[true]])).dtype, 'bool');
  });
  it('errors', () => {
    expectThrows(() => tf.expandDims(x23(), 3), /expandDims: `axis` must be an integer in \[-3, 2\] for x of rank 2, received 3/);
    expectThrows(() => tf.squeeze(tf.zeros([1, 2]), [1]), /squeeze: cannot squeeze axis 1 of x \[1,2\]: its size is 2, expected 1/);
    expectThrows(() => tf.squeeze(tf.zeros([1, 2]), [2]), /squeeze: `axis` must be integers in \[-2, 2\)/);
  });
  it('gradient', () => {
    checkGrad((a) => tf.expandDims(a, -1), [randInput([2, 3], 4)]);
    checkGrad((a) => tf.squeeze(a, [1]), [randInput([2, 1, 3], 5)]);
  });
});

describe('slice', () => {
  it('values', () => {
    const x = x234();
    expectTensor(tf.slice(x, [1, 1, 2], [1, 2, 2]), [[[112, 113], [122, 123]]], [1, 2, 2]);
    expectTensor(tf.slice(x, [0, 2, 1], [-1, 1, -1]), [[[21, 22, 23]], [[121, 122, 123]]], [2, 1, 3]);
    // number begin: first axis; missing size entries: to the end
    expectTensor(tf.slice(x23(), 1), [[4, 5, 6]], [1, 3]);
    expectTensor(tf.slice(x23(), [0, 1]), [[2, 3], [5, 6]], [2, 2]);
    expectTensor(tf.slice(tf.tensor([1, 2, 3, 4]), 1, 2), [2, 3], [2]);
    expectTensor(tf.slice(x23(), [0, 3], [2, 0]), [], [2, 0]);
    expectTensor(tf.slice(tf.tensor([1, 2, 3], [3], 'int32'), [1], [2]), [2, 3]);
    assert.equal(tf.slice(tf.tensor([true, false, true]), [1], [2]).dtype, 'bool');
    expectTensor(tf.slice(tf.tensor([true, false, true]), [1], [2]), [0, 1]);
  });
  it('errors', () => {
    expectThrows(() => tf.slice(x23(), [0, 4]), /slice: `begin\[1\]` must be an integer in \[0, 3\] for x \[2,3\], received 4/);
    expectThrows(() => tf.slice(x23(), [1, 1], [2, 1]), /slice: `size\[0\]` must be -1 or an integer in \[0, 1\]/);
    expectThrows(() => tf.slice(x23(), [0, 0, 0]), /slice: `begin` has 3 entries but x \[2,3\] has rank 2/);
  });
  it('gradient', () => {
    checkGrad((a) => tf.slice(a, [1, 0, 1], [1, 2, -1]), [randInput([2, 3, 4], 6)]);
    checkGrad((a) => tf.slice(a, [1], [2]), [randInput([4], 7)]);
  });
});

describe('stridedSlice', () => {
  const v = tf.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  it('1-D: positive, negative strides, negative indices, clamping, masks', () => {
    expectTensor(tf.stridedSlice(v, [1], [8], [3]), [1, 4, 7], [3]);
    expectTensor(tf.stridedSlice(v, [8], [1], [-3]), [8, 5, 2], [3]);
    expectTensor(tf.stridedSlice(v, [-3], [-1], [1]), [7, 8]);
    expectTensor(tf.stridedSlice(v, [0], [0], [-1], 1, 1), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]); // x[::-1]
    expectTensor(tf.stridedSlice(v, [0], [0], [2], 1, 1), [0, 2, 4, 6, 8]); // x[::2]
    expectTensor(tf.stridedSlice(v, [5], [0], [1], 0, 1), [5, 6, 7, 8, 9]); // x[5:]
    expectTensor(tf.stridedSlice(v, [0], [3], [1], 1, 0), [0, 1, 2]); // x[:3]
    expectTensor(tf.stridedSlice(v, [-100], [100], [4]), [0, 4, 8]); // clamped
    expectTensor(tf.stridedSlice(v, [3], [-100], [-2]), [3, 1]); // x[3:-100:-2]
    expectTensor(tf.stridedSlice(v, [5], [2], [1]), [], [0]); // wrong direction: empty
    expectTensor(tf.stridedSlice(v, [4], [0], [1], 0, 0, 0, 0, 1), [4], []); // shrink: x[4]
    expectTensor(tf.stridedSlice(v, [-1], [0], [1], 0, 0, 0, 0, 1), [9], []); // x[-1]
  });
  it('N-D: implicit trailing axes, ellipsis, newAxis, shrink', () => {
    const x = x234();
    // x[1] (shrink axis 0)
    expectTensor(tf.stridedSlice(x, [1], [2], [1], 0, 0, 0, 0, 1), [[100, 101, 102, 103], [110, 111, 112, 113], [120, 121, 122, 123]], [3, 4]);
    // x[:, ::-2, 1]
    expectTensor(tf.stridedSlice(x, [0, 0, 1], [0, 0, 2], [1, -2, 1], 0b011, 0b011, 0, 0, 0b100), [[21, 1], [121, 101]], [2, 2]);
    // x[..., 3]
    expectTensor(tf.stridedSlice(x, [0, 3], [0, 4], [1, 1], 0, 0, 0b01, 0, 0b10), [[3, 13, 23], [103, 113, 123]], [2, 3]);
    // x[0, ..., 1:3]
    expectTensor(tf.stridedSlice(x, [0, 0, 1], [1, 0, 3], [1, 1, 1], 0, 0, 0b010, 0, 0b001), [[1, 2], [11, 12], [21, 22]], [3, 2]);
    // x[newaxis, 1, :, newaxis, 2]
    expectTensor(
      tf.stridedSlice(x, [0, 1, 0, 0, 2], [0, 2, 0, 0, 3], [1, 1, 1, 1, 1], 0b00100, 0b00100, 0, 0b01001, 0b10010),
      [102, 112, 122],
      [1, 3, 1],
    );
    // x[1:, 1] with implicit trailing axis
    expectTensor(tf.stridedSlice(x, [1, 1], [2, 2], [1, 1], 0, 0, 0, 0, 0b10), [[110, 111, 112, 113]], [1, 4]);
    // default strides
    expectTensor(tf.stridedSlice(x23(), [0, 1], [1, 3]), [[2, 3]], [1, 2]);
    expectTensor(tf.stridedSlice(tf.tensor([[1, 2], [3, 4]], [2, 2], 'int32'), [0, 0], [0, 0], [-1, -1], 3, 3), [4, 3, 2, 1]);
  });
  it('errors', () => {
    expectThrows(() => tf.stridedSlice(v, [0], [3], [0]), /stridedSlice: `strides\[0\]` must be non-zero/);
    expectThrows(() => tf.stridedSlice(v, [0], [3, 4]), /stridedSlice: `begin`, `end` and `strides` must have the same length/);
    expectThrows(() => tf.stridedSlice(v, [10], [11], [1], 0, 0, 0, 0, 1), /stridedSlice: `begin\[0\]` = 10 is out of range for shrinking axis 0 of size 10/);
    expectThrows(() => tf.stridedSlice(v, [0, 0], [1, 1]), /stridedSlice: the slice spec indexes 2 axes but x \[10\] has rank 1/);
    expectThrows(() => tf.stridedSlice(v, [0, 0], [1, 1], [1, 1], 0, 0, 3), /stridedSlice: `ellipsisMask` may have at most one bit set/);
  });
  it('gradient (first and second order)', () => {
    checkGrad((a) => tf.stridedSlice(a, [4, 0], [0, 3], [-2, 2]), [randInput([5, 3], 8)]);
    checkGrad((a) => tf.stridedSlice(a, [0, 1, 0], [0, 3, 0], [1, 1, -1], 0b101, 0b101, 0, 0, 0), [randInput([2, 3, 4], 9)]);
    checkGrad((a) => tf.stridedSlice(a, [1, 0], [2, 0], [1, 1], 0, 0b10, 0, 0, 0b01), [randInput([3, 2], 10)]);
    // d/dx Σ (stridedSlice(x)²) = 2x at sliced positions; differentiate that again.
    checkGrad(
      (a) => tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.stridedSlice(b, [0], [5], [2]), tf.stridedSlice(b, [0], [5], [2]))))(a),
      [randInput([5], 11)],
    );
  });
});

describe('concat, stack', () => {
  it('values', () => {
    const a = x23();
    const b = tf.tensor([[7, 8, 9]]);
    expectTensor(tf.concat([a, b]), [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [3, 3]);
    expectTensor(tf.concat([a, tf.tensor([[10], [20]])], 1), [[1, 2, 3, 10], [4, 5, 6, 20]], [2, 4]);
    expectTensor(tf.concat([a, tf.tensor([[10], [20]])], -1), [[1, 2, 3, 10], [4, 5, 6, 20]], [2, 4]);
    expectTensor(tf.concat([tf.tensor([1, 2]), tf.zeros([0]), tf.tensor([3])]), [1, 2, 3], [3]);
    expectTensor(tf.concat([tf.tensor([1], [1], 'int32'), tf.tensor([2], [1], 'int32')]), [1, 2]);
    assert.equal(tf.concat([tf.tensor([true]), tf.tensor([false])]).dtype, 'bool');
    expectTensor(tf.concat([a]), [1, 2, 3, 4, 5, 6], [2, 3]);
    expectTensor(tf.concat([tf.tensor([1], [1], 'int32'), [2, 3]]), [1, 2, 3]);

    expectTensor(tf.stack([tf.tensor([1, 2]), tf.tensor([3, 4])]), [[1, 2], [3, 4]], [2, 2]);
    expectTensor(tf.stack([tf.tensor([1, 2]), tf.tensor([3, 4])], 1), [[1, 3], [2, 4]], [2, 2]);
    expectTensor(tf.stack([tf.tensor([1, 2]), tf.tensor([3, 4]), tf.tensor([5, 6])], -1), [[1, 3, 5], [2, 4, 6]], [2, 3]);
    expectTensor(tf.stack([tf.scalar(1), tf.scalar(2)]), [1, 2], [2]);
    assert.equal(tf.stack([tf.tensor([1], [1], 'int32')]).dtype, 'int32');
  });
  it('errors', () => {
    expectThrows(
      () => tf.concat([x23(), tf.zeros([3, 3])], 1),
      /concat: tensors must have the same shape except on axis 1: tensors\[0\] is \[2,3\], tensors\[1\] is \[3,3\]/,
    );
    expectThrows(() => tf.concat([x23(), tf.zeros([3])]), /concat: tensors must have the same rank: tensors\[0\] is \[2,3\] \(rank 2\), tensors\[1\] is \[3\] \(rank 1\)/);
    expectThrows(() => tf.concat([tf.zeros([2]), tf.zeros([2], 'int32')]), /concat: tensors must have the same dtype: tensors\[0\] is float32, tensors\[1\] is int32/);
    expectThrows(() => tf.concat([]), /concat: `tensors` must be a non-empty array/);
    expectThrows(() => tf.concat([x23()], 2), /concat: `axis` must be an integer in \[-2, 2\), received 2/);
    expectThrows(() => tf.concat([tf.scalar(1), tf.scalar(2)]), /concat: tensors must have rank at least 1/);
    expectThrows(() => tf.stack([tf.zeros([2]), tf.zeros([3])]), /stack: tensors must have the same shape: tensors\[0\] is \[2\], tensors\[1\] is \[3\]/);
    expectThrows(() => tf.stack([tf.zeros([2])], 2), /stack: `axis` must be an integer in \[-2, 1\] for tensors of rank 1, received 2/);
  });
  it('gradients', () => {
    checkGrad((a, b) => tf.concat([a, b], 0), [randInput([2, 3], 12), randInput([1, 3], 13)]);
    checkGrad((a, b, c) => tf.concat([a, b, c], 1), [randInput([2, 1], 14), randInput([2, 3], 15), randInput([2, 2], 16)]);
    checkGrad((a, b) => tf.concat([a, b], -1), [randInput([2, 2, 1], 17), randInput([2, 2, 2], 18)]);
    checkGrad((a, b) => tf.stack([a, b], 1), [randInput([2, 3], 19), randInput([2, 3], 20)]);
    checkGrad((a, b) => tf.stack([a, b], -1), [randInput([3], 21), randInput([3], 22)]);
  });
});

describe('unstack, split', () => {
  it('values', () => {
    const u = tf.unstack(x23());
    assert.equal(u.length, 2);
    expectTensor(u[0]!, [1, 2, 3], [3]);
    expectTensor(u[1]!, [4, 5, 6], [3]);
    const u1 = tf.unstack(x23(), -1);
    assert.equal(u1.length, 3);
    expectTensor(u1[2]!, [3, 6], [2]);
    assert.deepEqual(tf.unstack(tf.zeros([0, 2])), []);
    expectTensor(tf.unstack(tf.tensor([1, 2], [2], 'int32'))[1]!, [2], []);

    const s = tf.split(x234(), 2, 2);
    assert.equal(s.length, 2);
    expectTensor(s[1]!, [[[2, 3], [12, 13], [22, 23]], [[102, 103], [112, 113], [122, 123]]], [2, 3, 2]);
    const s2 = tf.split(tf.tensor([1, 2, 3, 4, 5, 6]), [1, -1, 2]);
    expectTensor(s2[0]!, [1], [1]);
    expectTensor(s2[1]!, [2, 3, 4], [3]);
    expectTensor(s2[2]!, [5, 6], [2]);
    const s3 = tf.split(x23(), [0, 3], -1);
    expectTensor(s3[0]!, [], [2, 0]);
    expectTensor(s3[1]!, [1, 2, 3, 4, 5, 6], [2, 3]);
    assert.equal(tf.split(tf.tensor([true, false]), 2)[1]!.dtype, 'bool');
  });
  it('errors', () => {
    expectThrows(() => tf.split(x23(), 2, 1), /split: `numOrSizeSplits` = 2 must be a positive integer dividing the size 3 of axis 1 of x \[2,3\]/);
    expectThrows(() => tf.split(x23(), [1, 1], 1), /split: `numOrSizeSplits` \[1,1\] sums to 2, expected the size 3 of axis 1 of x \[2,3\]/);
    expectThrows(() => tf.split(x23(), [-1, -1], 1), /split: `numOrSizeSplits` may contain only one -1/);
    expectThrows(() => tf.unstack(tf.scalar(1)), /unstack: x must have rank at least 1/);
    expectThrows(() => tf.unstack(x23(), 2), /unstack: `axis` must be an integer in \[-2, 2\), received 2/);
  });
  it('gradients (all pieces and only some pieces used)', () => {
    checkGrad((a) => { const [p, q] = tf.split(a, [1, 2], 1); return tf.concat([tf.mul(p!, p!), q!], 1); }, [randInput([2, 3], 23)]);
    checkGrad((a) => tf.split(a, 3, 0)[1]!, [randInput([3, 2], 24)]);
    checkGrad((a) => tf.unstack(a, 1)[2]!, [randInput([2, 3], 25)]);
    checkGrad((a) => { const u = tf.unstack(a); return tf.mul(u[0]!, u[1]!); }, [randInput([2, 3], 26)]);
  });
});

describe('tile', () => {
  it('values', () => {
    expectTensor(tf.tile(tf.tensor([1, 2]), [3]), [1, 2, 1, 2, 1, 2], [6]);
    expectTensor(tf.tile(tf.tensor([[1, 2], [3, 4]]), [2, 1]), [[1, 2], [3, 4], [1, 2], [3, 4]], [4, 2]);
    expectTensor(tf.tile(tf.tensor([[1, 2], [3, 4]]), [1, 2]), [[1, 2, 1, 2], [3, 4, 3, 4]], [2, 4]);
    expectTensor(tf.tile(tf.tensor([[1], [2]], [2, 1], 'int32'), [2, 3]), [[1, 1, 1], [2, 2, 2], [1, 1, 1], [2, 2, 2]], [4, 3]);
    expectTensor(tf.tile(tf.tensor([true, false]), [2]), [1, 0, 1, 0]);
    expectTensor(tf.tile(tf.tensor([1, 2]), [0]), [], [0]);
    expectTensor(tf.tile(tf.scalar(3), []), [3], []);
  });
  it('errors', () => {
    expectThrows(() => tf.tile(x23(), [2]), /tile: `reps` must have one entry per axis of x \[2,3\] \(2\), received \[2\]/);
    expectThrows(() => tf.tile(x23(), [2, -1]), /tile: `reps` must contain non-negative integers, received \[2,-1\]/);
  });
  it('gradient', () => {
    checkGrad((a) => tf.tile(a, [3]), [randInput([2], 27)]);
    checkGrad((a) => tf.tile(a, [2, 1, 3]), [randInput([2, 3, 2], 28)]);
  });
});

describe('pad', () => {
  it('values', () => {
    expectTensor(tf.pad(tf.tensor([1, 2]), [[1, 2]]), [0, 1, 2, 0, 0], [5]);
    expectTensor(tf.pad(tf.tensor([[1, 2], [3, 4]]), [[1, 0], [0, 1]], 9), [[9, 9, 9], [1, 2, 9], [3, 4, 9]], [3, 3]);
    expectTensor(tf.pad(tf.tensor([1], [1], 'int32'), [[0, 1]], -1), [1, -1]);
    expectTensor(tf.pad(tf.tensor([true]), [[1, 1]], false), [0, 1, 0]);
    expectTensor(tf.pad(tf.zeros([0, 1]), [[1, 0], [0, 0]], 5), [5], [1, 1]);
  });
  it('errors', () => {
    expectThrows(() => tf.pad(x23(), [[1, 1]]), /pad: `paddings` must have 2 \[before, after\] pairs \(x is \[2,3\]\)/);
    expectThrows(() => tf.pad(x23(), [[1, 1], [0, -1]]), /pad: `paddings\[1\]` must be a pair of non-negative integers/);
    expectThrows(() => tf.pad(tf.tensor([1], [1], 'int32'), [[1, 1]], 0.5), /pad: `constantValue` must be an integer for int32 x, received 0\.5/);
  });
  it('gradient', () => {
    checkGrad((a) => tf.pad(a, [[1, 2], [0, 1]], 3), [randInput([2, 3], 29)]);
    // second order through slice ↔ pad
    checkGrad((a) => tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.pad(b, [[2, 1]]), tf.pad(b, [[2, 1]]))))(a), [randInput([3], 30)]);
  });
});

describe('gather', () => {
  it('values', () => {
    const x = x23();
    expectTensor(tf.gather(x, [1, 0, 1]), [[4, 5, 6], [1, 2, 3], [4, 5, 6]], [3, 3]);
    expectTensor(tf.gather(x, [2, 0], 1), [[3, 1], [6, 4]], [2, 2]);
    expectTensor(tf.gather(x, [2], -1), [[3], [6]], [2, 1]);
    expectTensor(tf.gather(x, tf.tensor([[0, 1], [1, 1]], [2, 2], 'int32'), 0), [[[1, 2, 3], [4, 5, 6]], [[4, 5, 6], [4, 5, 6]]], [2, 2, 3]);
    expectTensor(tf.gather(x, tf.scalar(1, 'int32'), 1), [2, 5], [2]);
    expectTensor(tf.gather(x, tf.zeros([0], 'int32')), [], [0, 3]);
    expectTensor(tf.gather(tf.tensor([5, 6, 7], [3], 'int32'), [2, 2]), [7, 7]);
    expectTensor(tf.gather(tf.tensor([true, false]), [1, 0]), [0, 1]);
    // batchDims = 1: y[b, i] = x[b, indices[b, i]]
    expectTensor(tf.gather(x, tf.tensor([[2, 0], [1, 1]], [2, 2], 'int32'), 1, 1), [[3, 1], [5, 5]], [2, 2]);
    // x [2,3,4], axis 2, batchDims 1, indices [2,1]: y[b,j,i] = x[b,j,idx[b,i]]
    expectTensor(tf.gather(x234(), tf.tensor([[3], [0]], [2, 1], 'int32'), 2, 1), [[[3], [13], [23]], [[100], [110], [120]]], [2, 3, 1]);
  });
  it('errors', () => {
    expectThrows(() => tf.gather(x23(), [0, 3]), /gather: indices\[1\] = 3 is out of range \[0, 2\)/);
    expectThrows(() => tf.gather(x23(), tf.tensor([[0, 1], [-1, 0]], [2, 2], 'int32'), 1), /gather: indices\[1,0\] = -1 is out of range \[0, 3\)/);
    expectThrows(() => tf.gather(x23(), tf.tensor([0.5])), /gather: `indices` must have dtype int32, received float32/);
    expectThrows(() => tf.gather(x23(), [0], 2), /gather: `axis` must be an integer in \[-2, 2\) for x \[2,3\], received 2/);
    expectThrows(() => tf.gather(x23(), tf.zeros([3, 1], 'int32'), 1, 1), /gather: the first 1 \(batchDims\) dimensions of x and indices must match/);
  });
  it('gradient (repeated indices accumulate)', () => {
    checkGrad((a) => tf.gather(a, [1, 0, 1, 1]), [randInput([3, 2], 31)]);
    checkGrad((a) => tf.gather(a, tf.tensor([[2, 0], [2, 2]], [2, 2], 'int32'), 1), [randInput([2, 3, 2], 32)]);
    checkGrad((a) => tf.gather(a, tf.tensor([[3], [0]], [2, 1], 'int32'), 2, 1), [randInput([2, 3, 4], 33)]);
    checkGrad((a) => tf.gather(a, tf.tensor([[1, 1, 0], [0, 2, 2]], [2, 3], 'int32'), 1, 1), [randInput([2, 3], 34)]);
  });
});

describe('unsortedSegmentSum', () => {
  it('values', () => {
    expectTensor(tf.unsortedSegmentSum(tf.tensor([1, 2, 3, 4]), [0, 2, 0, 2], 3), [4, 0, 6], [3]);
    expectTensor(tf.unsortedSegmentSum(x23(), [1, 1], 2), [[0, 0, 0], [5, 7, 9]], [2, 3]);
    expectTensor(tf.unsortedSegmentSum(tf.tensor([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor([[0, 1], [1, 1]], [2, 2], 'int32'), 2), [1, 9], [2]);
    expectTensor(tf.unsortedSegmentSum(tf.zeros([0, 2]), tf.zeros([0], 'int32'), 2), [0, 0, 0, 0], [2, 2]);
  });
  it('errors', () => {
    expectThrows(() => tf.unsortedSegmentSum(tf.tensor([1, 2]), [0, 3], 3), /unsortedSegmentSum: segmentIds\[1\] = 3 is out of range \[0, 3\)/);
    expectThrows(() => tf.unsortedSegmentSum(tf.tensor([1, 2]), [0], 3), /unsortedSegmentSum: the shape of segmentIds \[1\] must be a prefix of the shape of x \[2\]/);
    expectThrows(() => tf.unsortedSegmentSum(tf.tensor([1, 2]), [0, 1], 1.5), /unsortedSegmentSum: `numSegments` must be a non-negative integer, received 1\.5/);
  });
  it('gradient', () => {
    checkGrad((a) => tf.unsortedSegmentSum(a, [2, 0, 2, 1], 4), [randInput([4, 2], 35)]);
  });
});

describe('reverse', () => {
  it('values', () => {
    expectTensor(tf.reverse(tf.tensor([1, 2, 3])), [3, 2, 1]);
    expectTensor(tf.reverse(x23()), [[6, 5, 4], [3, 2, 1]]);
    expectTensor(tf.reverse(x23(), 0), [[4, 5, 6], [1, 2, 3]]);
    expectTensor(tf.reverse(x23(), [-1]), [[3, 2, 1], [6, 5, 4]]);
    expectTensor(tf.reverse(tf.tensor([1, 2], [2], 'int32')), [2, 1]);
    expectTensor(tf.reverse(tf.zeros([0, 2]), 1), [], [0, 2]);
    expectThrows(() => tf.reverse(x23(), 2), /reverse: `axis` must be integers in \[-2, 2\)/);
  });
  it('gradient', () => {
    checkGrad((a) => tf.reverse(a, [0, 2]), [randInput([2, 3, 2], 36)]);
  });
});

describe('range, linspace, eye, oneHot', () => {
  it('range', () => {
    expectTensor(tf.range(0, 5), [0, 1, 2, 3, 4], [5]);
    expectTensor(tf.range(4), [0, 1, 2, 3]);
    expectTensor(tf.range(1, 2, 0.25), [1, 1.25, 1.5, 1.75]);
    expectTensor(tf.range(5, 0, -2), [5, 3, 1]);
    expectTensor(tf.range(0, 5, -1), [], [0]);
    const r = tf.range(0, 3, 1, 'int32');
    assert.equal(r.dtype, 'int32');
    expectTensor(r, [0, 1, 2]);
    expectThrows(() => tf.range(0, 3, 0), /range: `step` must be non-zero/);
    expectThrows(() => tf.range(0.5, 3, 1, 'int32'), /range: `start` and `step` must be integers for dtype int32/);
  });
  it('linspace', () => {
    expectTensor(tf.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1], [5]);
    expectTensor(tf.linspace(2, -2, 3), [2, 0, -2]);
    expectTensor(tf.linspace(3, 9, 1), [3]);
    expectThrows(() => tf.linspace(0, 1, 0), /linspace: `num` must be a positive integer, received 0/);
  });
  it('eye', () => {
    expectTensor(tf.eye(2), [[1, 0], [0, 1]], [2, 2]);
    expectTensor(tf.eye(2, 3), [[1, 0, 0], [0, 1, 0]], [2, 3]);
    expectTensor(tf.eye(3, 2), [[1, 0], [0, 1], [0, 0]], [3, 2]);
    const b = tf.eye(2, 2, [3], 'int32');
    assert.deepEqual(b.shape, [3, 2, 2]);
    assert.equal(b.dtype, 'int32');
    expectTensor(b, [1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1]);
    assert.equal(tf.eye(1).dtype, 'float32');
    expectThrows(() => tf.eye(-1), /eye: `numRows` must be a non-negative integer, received -1/);
  });
  it('oneHot', () => {
    const o = tf.oneHot([0, 2, 1], 3);
    assert.equal(o.dtype, 'int32');
    expectTensor(o, [[1, 0, 0], [0, 0, 1], [0, 1, 0]], [3, 3]);
    expectTensor(tf.oneHot(tf.tensor([[1], [5]], [2, 1], 'int32'), 2, 5, -1), [[[-1, 5]], [[-1, -1]]], [2, 1, 2]);
    const f = tf.oneHot([1], 2, 0.5, 0, 'float32');
    assert.equal(f.dtype, 'float32');
    expectTensor(f, [[0, 0.5]]);
    expectThrows(() => tf.oneHot(tf.tensor([1]), 2), /oneHot: `indices` must have dtype int32, received float32/);
    expectThrows(() => tf.oneHot([1], -2), /oneHot: `depth` must be a non-negative integer, received -2/);
  });
});

describe('shape ops compose', () => {
  it('gradient of a composition (transpose, tile, pad, gather, reverse)', () => {
    checkGrad(
      (a) => tf.reverse(tf.gather(tf.pad(tf.tile(tf.transpose(a), [1, 2]), [[1, 0], [0, 1]]), [0, 2, 2], 1), 0),
      [randInput([2, 3], 37)],
    );
  });
});

describe('second-order gradients', () => {
  const sq = (f: (b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor) => tf.grad((b: tf.Tensor) => { const y = f(b); return tf.sum(tf.mul(y, y)); })(a);
  it('through gather/unsortedSegmentSum, tile, transpose, split/concat, reverse', () => {
    checkGrad(sq((b) => tf.gather(b, [1, 0, 1], 1)), [randInput([2, 2], 38)]);
    checkGrad(sq((b) => tf.unsortedSegmentSum(b, [1, 0, 1], 2)), [randInput([3, 2], 39)]);
    checkGrad(sq((b) => tf.tile(b, [2, 2])), [randInput([2, 1], 40)]);
    checkGrad(sq((b) => tf.mul(tf.transpose(b), tf.reverse(tf.transpose(b), 0))), [randInput([2, 3], 41)]);
    checkGrad(sq((b) => { const [p, q] = tf.split(b, 2, 1); return tf.mul(p!, q!); }), [randInput([2, 4], 42)]);
    checkGrad(sq((b) => tf.mul(tf.concat([b, b], 0), tf.reshape(tf.stack([b, tf.reverse(b)]), [4, 2]))), [randInput([2, 2], 43)]);
  });
});

describe('slice copies runs of the last axis (reference kernel)', () => {
  it('matches an index-by-index slice on whole and partial last axes, all dtypes', () => {
    const prev = tf.getBackend();
    tf.setBackend('reference');
    try {
      const shape = [3, 4, 5];
      const vals = Array.from({ length: 60 }, (_, i) => i);
      const cases: [number[], number[]][] = [[[1, 1, 0], [2, 2, 5]], [[0, 0, 1], [3, 4, 3]], [[2, 3, 4], [1, 1, 1]], [[0, 0, 0], [3, 4, 5]], [[1, 0, 0], [0, 4, 5]]];
      for (const dtype of ['float32', 'int32'] as const) {
        const x = tf.tensor(vals, shape, dtype);
        for (const [b, s] of cases) {
          const want: number[] = [];
          for (let i = 0; i < s[0]!; i++) for (let j = 0; j < s[1]!; j++) for (let k = 0; k < s[2]!; k++) want.push(vals[((b[0]! + i) * 4 + b[1]! + j) * 5 + b[2]! + k]!);
          const y = tf.slice(x, b, s);
          assert.deepEqual(y.shape, s);
          assert.deepEqual(Array.from(y.dataSync()), want, `${dtype} begin ${b} size ${s}`);
        }
      }
    } finally {
      tf.setBackend(prev);
    }
  });
});
