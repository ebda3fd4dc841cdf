import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { checkGrad, expectTensor, expectThrows, randInput } from './util.ts';

describe('tensors', () => {
  it('creates tensors with shape, dtype, size, rank', () => {
    const t = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.equal(t.size, 6);
    assert.equal(t.rank, 2);
    assert.deepEqual(t.arraySync(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(tf.tensor([true, false]).dtype, 'bool');
    assert.deepEqual(tf.tensor([1, 2], [2], 'int32').dataSync(), new Int32Array([1, 2]));
    assert.deepEqual(tf.scalar(3).shape, []);
    assert.deepEqual(tf.zeros([2, 2]).dataSync(), new Float32Array(4));
    assert.deepEqual(tf.onesLike(tf.tensor([1, 2], [2], 'int32')).dataSync(), new Int32Array([1, 1]));
    assert.deepEqual(tf.fill([3], 7).dataSync(), new Float32Array([7, 7, 7]));
  });
  it('rejects bad values with named errors', () => {
    expectThrows(() => tf.tensor([[1, 2], [3]]), /tensor: `values` is not rectangular/);
    expectThrows(() => tf.tensor([1, 2, 3], [2, 2]), /tensor: `shape` \[2,2\] holds 4 values but 3 were given/);
    expectThrows(() => tf.tensor([1.5], [1], 'int32'), /int32.*1\.5/);
    expectThrows(() => tf.tensor2d([1, 2]), /tensor2d: expected values of rank 2/);
  });
  it('typed arrays: copied, converted and checked as nested arrays are', () => {
    const f = new Float32Array([0.5, -2, 3.25, 1e-40]);
    const t = tf.tensor(f, [2, 2]);
    f[0] = 99; // the tensor holds a copy
    assert.deepEqual(t.dataSync(), new Float32Array([0.5, -2, 3.25, 1e-40]), 'float32 from Float32Array');
    assert.deepEqual(tf.tensor(new Float64Array([0.1, 1 / 3])).dataSync(), new Float32Array([0.1, 1 / 3]), 'float32 from Float64Array rounds to nearest');
    assert.deepEqual(tf.tensor(new Int32Array([3, -4])).dtype, 'int32');
    assert.deepEqual(tf.tensor(new Int32Array([3, -4]), [2], 'float32').dataSync(), new Float32Array([3, -4]), 'float32 from Int32Array');
    assert.deepEqual(tf.tensor(new Float32Array([3, -4]), [2], 'int32').dataSync(), new Int32Array([3, -4]), 'int32 from integral Float32Array');
    assert.deepEqual(tf.tensor(new Uint8Array([1, 0, 255])).dataSync(), new Int32Array([1, 0, 255]), 'int32 from Uint8Array (TF.js: image bytes are integers)');
    assert.deepEqual(tf.tensor(new Uint8Array([1, 0, 1]), [3], 'bool').dataSync(), new Uint8Array([1, 0, 1]), 'bool from Uint8Array with dtype bool');
    expectThrows(() => tf.tensor(new Float32Array([1, 2.5]), [2], 'int32'), /tensor: `values` must hold 32-bit integers for dtype int32, received 2\.5/);
    expectThrows(() => tf.tensor(new Float64Array([1, 3e9]), [2], 'int32'), /32-bit integers.*3000000000/);
    expectThrows(() => tf.tensor(new Uint8Array([0, 2]), [2], 'bool'), /tensor: `values` must hold booleans \(or 0\/1\) for dtype bool, received 2/);
    expectThrows(() => tf.tensor(new Float32Array(6), [4, 2]), /`shape` \[4,2\] holds 8 values but 6 were given/);
  });
  it('prints', () => {
    assert.match(tf.tensor([1, 2]).toString(), /\[1\.0000, 2\.0000\]/);
  });
  it('async data and array', async () => {
    const t = tf.tensor([[1, 2]]);
    assert.deepEqual(await t.array(), [[1, 2]]);
    assert.deepEqual(Array.from(await t.data()), [1, 2]);
  });
});

describe('arithmetic', () => {
  it('broadcasts', () => {
    expectTensor(tf.add(tf.tensor([[1], [2]]), tf.tensor([10, 20, 30])), [[11, 21, 31], [12, 22, 32]], [2, 3]);
    expectTensor(tf.sub(tf.tensor([5, 6]), 1), [4, 5]);
    expectTensor(tf.mul(2, tf.tensor([5, 6])), [10, 12]);
    expectTensor(tf.div(tf.tensor([1, 3]), tf.tensor([2, 4])), [0.5, 0.75]);
    expectTensor(tf.div(tf.tensor([7, -7], [2], 'int32'), tf.tensor([2, 2], [2], 'int32')), [3, -4]);
    expectTensor(tf.neg(tf.tensor([1, -2])), [-1, 2]);
    expectTensor(tf.exp(tf.tensor([0, 1])), [1, Math.E]);
    expectTensor(tf.log(tf.tensor([1, Math.E])), [0, 1]);
  });
  it('errors name op, argument and shapes', () => {
    expectThrows(() => tf.add(tf.zeros([2, 3]), tf.zeros([4])), /add: shapes \[2,3\] and \[4\] cannot be broadcast/);
    expectThrows(() => tf.add(tf.zeros([2]), tf.zeros([2], 'int32')), /add: operands must have the same dtype, received a: float32 and b: int32/);
    expectThrows(() => tf.exp(tf.zeros([2], 'int32')), /exp: `x` must have dtype float32, received int32/);
  });
  it('gradients match finite differences, with broadcasting', () => {
    checkGrad((a, b) => tf.add(a, b), [randInput([2, 3], 1), randInput([3], 2)]);
    checkGrad((a, b) => tf.sub(a, b), [randInput([2, 1], 3), randInput([1, 3], 4)]);
    checkGrad((a, b) => tf.mul(a, b), [randInput([2, 3], 5), randInput([2, 1], 6)]);
    checkGrad((a, b) => tf.div(a, b), [randInput([3], 7), randInput([2, 3], 8, 0.5, 2)]);
    checkGrad((a) => tf.exp(a), [randInput([4], 9)]);
    checkGrad((a) => tf.log(a), [randInput([4], 10, 0.5, 2)]);
    checkGrad((a) => tf.neg(a), [randInput([4], 11)]);
  });
});

describe('sum, reshape, broadcastTo, cast', () => {
  it('values', () => {
    const x = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    expectTensor(tf.sum(x), [21], []);
    expectTensor(tf.sum(x, 0), [5, 7, 9], [3]);
    expectTensor(tf.sum(x, -1, true), [[6], [15]], [2, 1]);
    expectTensor(tf.reshape(x, [3, -1]), [1, 2, 3, 4, 5, 6], [3, 2]);
    expectTensor(tf.broadcastTo(tf.tensor([1, 2]), [2, 2]), [1, 2, 1, 2], [2, 2]);
    expectTensor(tf.cast(tf.tensor([1.7, -1.7]), 'int32'), [1, -1]);
    assert.equal(tf.sum(tf.tensor([true, true, false])).dtype, 'int32');
    expectThrows(() => tf.reshape(x, [4, -1]), /reshape: cannot reshape a tensor of shape \[2,3\] \(6 values\) into \[4,-1\]/);
    expectThrows(() => tf.sum(x, 2), /sum: `axis` must be integers in \[-2, 2\)/);
  });
  it('gradients', () => {
    for (const axis of [undefined, 0, 1, 2, [0, 2]]) {
      checkGrad((a) => tf.sum(a, axis as number), [randInput([2, 3, 2], 12)]);
      checkGrad((a) => tf.sum(a, axis as number, true), [randInput([2, 3, 2], 13)]);
    }
    checkGrad((a) => tf.reshape(a, [6]), [randInput([2, 3], 14)]);
    checkGrad((a) => tf.broadcastTo(a, [2, 3, 2]), [randInput([3, 1], 15)]);
  });
});

describe('autodiff', () => {
  it('grad, valueAndGrad, second order', () => {
    const f = (x: tf.Tensor) => tf.mul(tf.mul(x, x), x); // x^3
    expectTensor(tf.grad(f)(tf.tensor([2])), [12]);
    const g2 = tf.grad((x) => tf.grad(f)(x));
    expectTensor(g2(tf.tensor([2])), [12]); // 6x
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor([3]));
    expectTensor(value, [27]);
    expectTensor(grad, [27]);
  });
  it('GradientTape with variables, watch, persistent', () => {
    const w = tf.variable(tf.tensor([1, 2]), true, 'w');
    const x = tf.tensor([3, 4]);
    const tape = new tf.GradientTape({ persistent: true });
    tape.watch(x);
    const y = tape.record(() => tf.sum(tf.mul(w, x)));
    const [dw, dx] = tape.gradient(y, [w, x]);
    expectTensor(dw!, [3, 4]);
    expectTensor(dx!, [1, 2]);
    expectTensor(tape.gradient(y, w)!, [3, 4]);
    const unwatched = tf.tensor([1]);
    assert.equal(tape.gradient(y, unwatched), null);
    const t2 = new tf.GradientTape();
    const y2 = t2.record(() => tf.sum(w));
    t2.gradient(y2, [w]);
    expectThrows(() => t2.gradient(y2, [w]), /non-persistent tape can compute gradients only once/);
  });
  it('variable value saved at use time', () => {
    const w = tf.variable(tf.tensor([2]));
    const tape = new tf.GradientTape();
    const y = tape.record(() => tf.mul(w, w));
    w.assign(tf.tensor([100]));
    expectTensor(tape.gradient(y, w)!, [4]);
  });
  it('variableGrads and customGrad', () => {
    const a = tf.variable(tf.tensor([1, 2]), true, 'a');
    const frozen = tf.variable(tf.tensor([5]), false, 'frozen');
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.mul(a, a), frozen)));
    expectTensor(value, [25]);
    assert.deepEqual(Object.keys(grads), ['a']);
    expectTensor(grads['a']!, [10, 20]);
    const f = tf.customGrad((x) => ({ value: tf.mul(x, 2), gradFunc: (dy) => [tf.mul(dy, 5)] }));
    expectTensor(tf.grad(f)(tf.tensor([1])), [5]);
  });
});

describe('memory', () => {
  it('tidy disposes intermediates and keeps results', () => {
    const before = tf.memory().numTensors;
    const r = tf.tidy(() => {
      const a = tf.tensor([1, 2]);
      const b = tf.add(a, 1);
      tf.keep(tf.add(b, 1));
      return tf.mul(b, 2);
    });
    assert.equal(tf.memory().numTensors, before + 2);
    expectTensor(r, [4, 6]);
  });
  it('dispose frees and use after dispose throws', () => {
    const a = tf.tensor([1]);
    a.dispose();
    assert.ok(a.isDisposed);
    expectThrows(() => tf.add(a, 1), /disposed/);
  });
  it('debug mode names the op producing NaN', () => {
    tf.enableDebugMode();
    try {
      expectThrows(() => tf.log(tf.tensor([-1])), /debug mode: log \(kernel Log\) produced NaN at flat index 0/);
    } finally {
      tf.disableDebugMode();
    }
  });
});

describe('tensor1d signature (TF.js)', () => {
  it('tensor1d(values, dtype)', async () => {
    const tf = await import('../src/index.ts');
    const t = tf.tensor1d([1, 2, 3], 'int32');
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(Array.from(t.dataSync()), [1, 2, 3]);
    assert.throws(() => tf.tensor1d([1, 2], [2] as unknown as 'int32'), /tensor1d: `dtype`/);
  });
});
