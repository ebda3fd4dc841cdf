/**
 * Convolution, pooling and batch normalization: values and gradients against PyTorch fixtures
 * (test/fixtures/conv.json, from make_conv_fixtures.py), hand-computed cases, finite-difference
 * gradient checks (first and second order) and argument errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '../src/index.ts';
import { checkGrad, close, expectTensor, expectThrows, randInput } from './util.ts';

interface Arr {
  shape: number[];
  values: number[];
}
interface Case {
  op: string;
  args: Record<string, unknown>;
  inputs: Record<string, Arr>;
  dy: Arr;
  out: Arr;
  grads: Record<string, Arr>;
}

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/conv.json', import.meta.url), 'utf8')) as { cases: Case[] };

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

/** The idem op of a fixture case, as a function of its inputs in fixture order. */
function opOf(c: Case): Fn {
  const a = c.args as Record<string, never>;
  switch (c.op) {
    case 'conv2d':
      return (x, f) => tf.conv2d(x!, f!, a['strides'], a['pad'], 'NHWC', a['dilations']);
    case 'depthwiseConv2d':
      return (x, f) => tf.depthwiseConv2d(x!, f!, a['strides'], a['pad'], 'NHWC', a['dilations']);
    case 'conv2dTranspose':
      return (x, f) => tf.conv2dTranspose(x!, f!, a['outputShape'], a['strides'], a['pad']);
    case 'maxPool':
      return (x) => tf.maxPool(x!, a['filterSize'], a['strides'], a['pad']);
    case 'avgPool':
      return (x) => tf.avgPool(x!, a['filterSize'], a['strides'], a['pad']);
    case 'batchNorm':
      return (x, m, v, o, s) => tf.batchNorm(x!, m!, v!, o, s, a['varianceEpsilon']);
  }
  throw new Error(`unknown fixture op ${c.op}`);
}

const T = (a: Arr): tf.Tensor => tf.tensor(a.values, a.shape, 'float32');

describe('conv fixtures (PyTorch oracle)', () => {
  for (const [k, c] of fixtures.cases.entries()) {
    it(`#${k} ${c.op} ${JSON.stringify(c.args)} ${Object.values(c.inputs).map((i) => `[${i.shape}]`).join(' ')}`, () => {
      const names = Object.keys(c.inputs);
      const xs = names.map((n) => T(c.inputs[n]!));
      const f = opOf(c);
      const y = f(...xs);
      assert.deepEqual(y.shape, c.out.shape);
      close(Array.from(y.dataSync()), c.out.values, 1e-4, 'output');
      const gs = tf.grads(f)(xs, T(c.dy));
      names.forEach((n, i) => {
        assert.deepEqual(gs[i]!.shape, c.grads[n]!.shape, `grad ${n} shape`);
        close(Array.from(gs[i]!.dataSync()), c.grads[n]!.values, 1e-4, `grad ${n}`);
      });
    });
  }
  it('covers every op', () => {
    const ops = new Set(fixtures.cases.map((c) => c.op));
    for (const o of ['conv2d', 'depthwiseConv2d', 'conv2dTranspose', 'maxPool', 'avgPool', 'batchNorm']) assert.ok(ops.has(o), o);
  });
});

describe('conv2d', () => {
  const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const diag = tf.tensor([1, 0, 0, 1], [2, 2, 1, 1]);
  it('hand-computed values: valid, same (extra pad bottom/right), stride, dilation, numeric pad', () => {
    expectTensor(tf.conv2d(x, diag, 1, 'valid'), [6, 8, 12, 14], [1, 2, 2, 1]);
    // same: total pad 1 → 0 above/left, 1 below/right
    expectTensor(tf.conv2d(x, diag, 1, 'same'), [6, 8, 3, 12, 14, 6, 7, 8, 9], [1, 3, 3, 1]);
    expectTensor(tf.conv2d(x, diag, 2, 'same'), [6, 3, 7, 9], [1, 2, 2, 1]);
    // dilation 2: taps (0,0) and (2,2)
    expectTensor(tf.conv2d(x, diag, 1, 'valid', 'NHWC', 2), [10], [1, 1, 1, 1]);
    // numeric pad 1 on every side
    expectTensor(tf.conv2d(x, tf.ones([3, 3, 1, 1]), 2, 1), [12, 16, 24, 28], [1, 2, 2, 1]);
    // explicit padding [[0,0],[top,bottom],[left,right],[0,0]]
    expectTensor(tf.conv2d(x, tf.ones([1, 1, 1, 1]), 1, [[0, 0], [1, 0], [0, 1], [0, 0]]), [0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0], [1, 4, 4, 1]);
    // 'ceil' rounding with a numeric pad
    assert.deepEqual(tf.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 1]), 2, 0, 'NHWC', 1, 'ceil').shape, [1, 2, 2, 1]);
  });
  it('channels: y = Σ_i x_i w_io', () => {
    const xc = tf.tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    const w = tf.tensor([1, 10, 100, 1000], [1, 1, 2, 2]);
    expectTensor(tf.conv2d(xc, w, 1, 'valid'), [201, 2010, 403, 4030], [1, 1, 2, 2]);
  });
  it('accepts unbatched rank-3 input', () => {
    expectTensor(tf.conv2d(tf.reshape(x, [3, 3, 1]), diag, 1, 'valid'), [6, 8, 12, 14], [2, 2, 1]);
  });
  it("dataFormat 'NCHW' equals NHWC with transposed input and output", () => {
    const a = T(randInput([2, 5, 4, 3], 90));
    const w = T(randInput([3, 2, 3, 2], 91));
    for (const pad of ['same', 'valid', 1] as const) {
      const ref = tf.conv2d(a, w, [2, 1], pad, 'NHWC', 1);
      const got = tf.conv2d(tf.transpose(a, [0, 3, 1, 2]), w, [2, 1], pad, 'NCHW', 1);
      assert.deepEqual(got.shape, [ref.shape[0], ref.shape[3], ref.shape[1], ref.shape[2]]);
      close(Array.from(got.dataSync()), Array.from(tf.transpose(ref, [0, 3, 1, 2]).dataSync()), 1e-5);
    }
    // explicit padding in NCHW axis order; unbatched CHW
    const e = tf.conv2d(tf.transpose(a, [0, 3, 1, 2]), w, 1, [[0, 0], [0, 0], [1, 0], [0, 2]], 'NCHW');
    const eRef = tf.conv2d(a, w, 1, [[0, 0], [1, 0], [0, 2], [0, 0]], 'NHWC');
    close(Array.from(e.dataSync()), Array.from(tf.transpose(eRef, [0, 3, 1, 2]).dataSync()), 1e-5);
    const u = tf.conv2d(tf.transpose(tf.reshape(tf.slice(a, [0, 0, 0, 0], [1, 5, 4, 3]), [5, 4, 3]), [2, 0, 1]), w, 1, 'same', 'NCHW');
    assert.deepEqual(u.shape, [2, 5, 4]);
    checkGrad((p, q) => tf.conv2d(p, q, 2, 'same', 'NCHW'), [randInput([1, 2, 3, 3], 92), randInput([2, 2, 2, 2], 93)]);
  });
  it('gradients match finite differences', () => {
    checkGrad((a, w) => tf.conv2d(a, w, 1, 'valid'), [randInput([1, 3, 3, 2], 1), randInput([2, 2, 2, 2], 2)]);
    checkGrad((a, w) => tf.conv2d(a, w, 2, 'same'), [randInput([2, 4, 4, 1], 3), randInput([3, 3, 1, 2], 4)]);
    checkGrad((a, w) => tf.conv2d(a, w, 1, 'same', 'NHWC', 2), [randInput([1, 4, 4, 1], 5), randInput([2, 2, 1, 1], 6)]);
    checkGrad((a, w) => tf.conv2d(a, w, [2, 1], 1), [randInput([3, 3, 2], 7), randInput([2, 2, 2, 1], 8)]);
  });
  it('second-order gradients (through Conv2DBackpropInput / Conv2DBackpropFilter)', () => {
    const c = randInput([1, 2, 2, 2], 9);
    const dyOf = () => tf.tensor(c.values, c.shape);
    // dx = BackpropInput(dy, w): differentiate w.r.t. w (and through it, dy)
    checkGrad((a, w) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p, q, 2, 'same'))([a, w], dyOf())[0]!, [
      randInput([1, 3, 3, 1], 10),
      randInput([2, 2, 1, 2], 11),
    ]);
    // dw = BackpropFilter(x, dy): differentiate w.r.t. x
    checkGrad((a, w) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p, q, 2, 'same'))([a, w], dyOf())[1]!, [
      randInput([1, 3, 3, 1], 12),
      randInput([2, 2, 1, 2], 13),
    ]);
    // gradient w.r.t. dy of both backprop kernels
    const xv = randInput([1, 3, 3, 1], 14);
    const wv = randInput([2, 2, 1, 2], 15);
    checkGrad((dy) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p, q, 2, 'same'))([T(xv), T(wv)], dy)[0]!, [c]);
    checkGrad((dy) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p, q, 2, 'same'))([T(xv), T(wv)], dy)[1]!, [c]);
  });
  it('errors name the op, the argument and the shapes', () => {
    expectThrows(
      () => tf.conv2d(tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 4, 8]), 1, 'valid'),
      /^conv2d: input depth must match filter in-channels: x is \[1,5,5,3\], filter is \[3,3,4,8\]$/,
    );
    expectThrows(() => tf.conv2d(tf.zeros([5, 5]), tf.zeros([3, 3, 1, 1]), 1, 'valid'), /conv2d: `x` must be rank 4 \(NHWC\) or 3 \(HWC\), received rank 2 of shape \[5,5\]/);
    expectThrows(() => tf.conv2d(tf.zeros([1, 5, 5, 1]), tf.zeros([3, 3, 1]), 1, 'valid'), /conv2d: `filter` must be rank 4, received rank 3/);
    expectThrows(() => tf.conv2d(tf.zeros([1, 2, 2, 1]), tf.zeros([3, 3, 1, 1]), 1, 'valid'), /conv2d: the filter \(effective size \[3,3\].*x is \[1,2,2,1\], filter is \[3,3,1,1\]/);
    expectThrows(() => tf.conv2d(tf.zeros([1, 5, 5, 1]), tf.zeros([3, 3, 1, 1]), 0, 'valid'), /conv2d: `strides` must be a positive integer or a pair of positive integers, received 0/);
    expectThrows(() => tf.conv2d(tf.zeros([1, 5, 5, 1]), tf.zeros([3, 3, 1, 1]), 1, 'full' as 'same'), /conv2d: `pad` must be 'valid', 'same'/);
    expectThrows(() => tf.conv2d(tf.zeros([1, 5, 5, 1]), tf.zeros([3, 3, 1, 1]), 1, 'valid', 'NWHC' as 'NHWC'), /conv2d: `dataFormat` must be 'NHWC' or 'NCHW', received "NWHC"/);
    expectThrows(() => tf.conv2d(tf.zeros([1, 3, 5, 5]), tf.zeros([3, 3, 1, 1]), 1, 'valid', 'NCHW'), /^conv2d: input depth must match filter in-channels: x is \[1,3,5,5\], filter is \[3,3,1,1\]$/);
    expectThrows(() => tf.conv2d(tf.zeros([1, 5, 5, 1], 'int32'), tf.zeros([3, 3, 1, 1]), 1, 'valid'), /conv2d: `x` must have dtype float32, received int32/);
    expectThrows(() => tf.conv2d(tf.zeros([1, 5, 5, 1]), tf.zeros([3, 3, 1, 1]), 1, 'same', 'NHWC', 1, 'ceil'), /conv2d: `dimRoundingMode` is only allowed with a numeric `pad`/);
  });
});

describe('conv1d', () => {
  it('hand-computed values', () => {
    const x = tf.tensor([1, 2, 3, 4, 5], [1, 5, 1]);
    const w = tf.tensor([1, -1], [2, 1, 1]);
    expectTensor(tf.conv1d(x, w, 1, 'valid'), [-1, -1, -1, -1], [1, 4, 1]);
    expectTensor(tf.conv1d(x, w, 1, 'same'), [-1, -1, -1, -1, 5], [1, 5, 1]);
    expectTensor(tf.conv1d(x, w, 2, 'valid'), [-1, -1], [1, 2, 1]);
    expectTensor(tf.conv1d(x, w, 1, 'valid', 'NWC', 2), [-2, -2, -2], [1, 3, 1]);
    expectTensor(tf.conv1d(x, w, 1, 1), [-1, -1, -1, -1, -1, 5], [1, 6, 1]);
    expectTensor(tf.conv1d(tf.tensor([1, 2, 3, 4, 5], [5, 1]), w, 1, 'valid'), [-1, -1, -1, -1], [4, 1]);
    // two in-channels, two out-channels
    const x2 = tf.tensor([1, 2, 3, 4], [1, 2, 2]);
    const w2 = tf.tensor([1, 0, 0, 1, 1, 1, 1, 1], [2, 2, 2]);
    expectTensor(tf.conv1d(x2, w2, 1, 'valid'), [1 + 3 + 4, 2 + 3 + 4], [1, 1, 2]);
  });
  it("dataFormat 'NCW'", () => {
    const x = tf.tensor([1, 2, 3, 4, 5, 10, 20, 30, 40, 50], [1, 2, 5]);
    const w = tf.tensor([1, -1, 1, 0], [2, 2, 1]); // w[kx,i]: y = x0[t] - x1[t] + x0[t+1]
    expectTensor(tf.conv1d(x, w, 1, 'valid', 'NCW'), [3 - 10, 5 - 20, 7 - 30, 9 - 40], [1, 1, 4]);
    expectTensor(tf.conv1d(tf.reshape(x, [2, 5]), w, 2, 'valid', 'NCW'), [3 - 10, 7 - 30], [1, 2]);
    checkGrad((a, q) => tf.conv1d(a, q, 1, 'same', 'NCW'), [randInput([1, 2, 4], 24), randInput([2, 2, 3], 25)]);
  });
  it('gradients', () => {
    checkGrad((a, w) => tf.conv1d(a, w, 2, 'same'), [randInput([2, 5, 2], 20), randInput([3, 2, 2], 21)]);
    checkGrad((a, w) => tf.conv1d(a, w, 1, 'valid', 'NWC', 2), [randInput([6, 1], 22), randInput([2, 1, 2], 23)]);
  });
  it('errors', () => {
    expectThrows(() => tf.conv1d(tf.zeros([1, 5, 3]), tf.zeros([2, 4, 1]), 1, 'valid'), /^conv1d: input depth must match filter in-channels: x is \[1,5,3\], filter is \[2,4,1\]$/);
    expectThrows(() => tf.conv1d(tf.zeros([1, 5, 3]), tf.zeros([2, 3, 1, 1]), 1, 'valid'), /conv1d: `filter` must be rank 3/);
    expectThrows(() => tf.conv1d(tf.zeros([1, 5, 3]), tf.zeros([2, 3, 1]), 1.5, 'valid'), /conv1d: `stride` must be a positive integer, received 1.5/);
    expectThrows(() => tf.conv1d(tf.zeros([1, 2, 3]), tf.zeros([2, 3, 1]), 1, 'valid', 'NWC', 2), /^conv1d: the filter \(effective width 3 with dilation 2\) does not fit the padded input: x is \[1,2,3\], filter is \[2,3,1\], pad "valid"$/);
    expectThrows(() => tf.conv1d(tf.zeros([1, 5, 3]), tf.zeros([2, 3, 1]), 1, 'valid', 'NHWC' as 'NWC'), /conv1d: `dataFormat` must be 'NWC' or 'NCW'/);
  });
});

describe('depthwiseConv2d', () => {
  it('hand-computed values: channel i·M + m uses filter [.,.,i,m]', () => {
    const x = tf.tensor([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    const w = tf.tensor([1, 2, 1, 1], [1, 1, 2, 2]);
    expectTensor(tf.depthwiseConv2d(x, w, 1, 'valid'), [1, 2, 10, 10, 2, 4, 20, 20, 3, 6, 30, 30, 4, 8, 40, 40], [1, 2, 2, 4]);
    const ones = tf.ones([2, 2, 2, 1]);
    expectTensor(tf.depthwiseConv2d(x, ones, 1, 'valid'), [10, 100], [1, 1, 1, 2]);
    expectTensor(tf.depthwiseConv2d(tf.reshape(x, [2, 2, 2]), ones, 1, 'same'), [10, 100, 6, 60, 7, 70, 4, 40], [2, 2, 2]);
  });
  it("dataFormat 'NCHW'", () => {
    const a = T(randInput([1, 4, 5, 2], 41));
    const w = T(randInput([2, 3, 2, 2], 42));
    const ref = tf.depthwiseConv2d(a, w, 2, 'same');
    const got = tf.depthwiseConv2d(tf.transpose(a, [0, 3, 1, 2]), w, 2, 'same', 'NCHW');
    close(Array.from(got.dataSync()), Array.from(tf.transpose(ref, [0, 3, 1, 2]).dataSync()), 1e-5);
  });
  it('gradients (first and second order)', () => {
    checkGrad((a, w) => tf.depthwiseConv2d(a, w, 1, 'same'), [randInput([1, 3, 3, 2], 30), randInput([2, 2, 2, 2], 31)]);
    checkGrad((a, w) => tf.depthwiseConv2d(a, w, 2, 'valid', 'NHWC', 1), [randInput([2, 4, 4, 1], 32), randInput([2, 2, 1, 3], 33)]);
    checkGrad((a, w) => tf.depthwiseConv2d(a, w, 1, 'same', 'NHWC', 2), [randInput([1, 4, 4, 2], 34), randInput([2, 2, 2, 1], 35)]);
    const c = randInput([1, 2, 2, 4], 36);
    const g = (i: number) => (a: tf.Tensor, w: tf.Tensor) =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.depthwiseConv2d(p, q, 2, 'same'))([a, w], T(c))[i]!;
    checkGrad(g(0), [randInput([1, 3, 3, 2], 37), randInput([2, 2, 2, 2], 38)]);
    checkGrad(g(1), [randInput([1, 3, 3, 2], 39), randInput([2, 2, 2, 2], 40)]);
  });
  it('errors', () => {
    expectThrows(() => tf.depthwiseConv2d(tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 4, 2]), 1, 'valid'), /^depthwiseConv2d: input depth must match filter in-channels: x is \[1,5,5,3\], filter is \[3,3,4,2\]$/);
    expectThrows(() => tf.depthwiseConv2d(tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 3, 2]), 1, 'valid', 'NHWC', [0, 1]), /depthwiseConv2d: `dilations` must be a positive integer or a pair/);
  });
});

describe('conv2dTranspose', () => {
  it('hand-computed values: scatters each input through the filter', () => {
    const w = tf.tensor([1, 0, 0, 1], [2, 2, 1, 1]);
    expectTensor(tf.conv2dTranspose(tf.ones([1, 2, 2, 1]), w, [1, 3, 3, 1], 1, 'valid'), [1, 1, 0, 1, 2, 1, 0, 1, 1], [1, 3, 3, 1]);
    const w2 = tf.tensor([1, 2, 3, 4], [2, 2, 1, 1]);
    expectTensor(tf.conv2dTranspose(tf.tensor([1, 10], [2, 1, 1]), w2, [4, 2, 1], 2, 'valid'), [1, 2, 3, 4, 10, 20, 30, 40], [4, 2, 1]);
  });
  it('is the adjoint of conv2d: <conv2dTranspose(x), z> = <x, conv2d(z)>', () => {
    const x = T(randInput([1, 3, 3, 2], 50));
    const w = T(randInput([3, 3, 4, 2], 51));
    const z = T(randInput([1, 6, 6, 4], 52));
    const lhs = tf.sum(tf.mul(tf.conv2dTranspose(x, w, [1, 6, 6, 4], 2, 'same'), z)).dataSync()[0]!;
    const rhs = tf.sum(tf.mul(x, tf.conv2d(z, w, 2, 'same'))).dataSync()[0]!;
    close([lhs], [rhs], 1e-5);
  });
  it('gradients', () => {
    checkGrad((a, w) => tf.conv2dTranspose(a, w, [1, 5, 5, 1], 2, 'same'), [randInput([1, 3, 3, 2], 53), randInput([3, 3, 1, 2], 54)]);
    checkGrad((a, w) => tf.conv2dTranspose(a, w, [4, 4, 2], 1, 'same'), [randInput([4, 4, 1], 55), randInput([2, 2, 2, 1], 56)]);
  });
  it('errors', () => {
    expectThrows(() => tf.conv2dTranspose(tf.zeros([1, 3, 3, 2]), tf.zeros([3, 3, 1, 4]), [1, 5, 5, 1], 2, 'same'), /^conv2dTranspose: input depth must match filter in-channels \(filter dimension 3\): x is \[1,3,3,2\], filter is \[3,3,1,4\]$/);
    expectThrows(() => tf.conv2dTranspose(tf.zeros([1, 3, 3, 2]), tf.zeros([3, 3, 1, 2]), [1, 5, 5, 3], 2, 'same'), /conv2dTranspose: output depth must match filter out-channels/);
    expectThrows(() => tf.conv2dTranspose(tf.zeros([1, 3, 3, 2]), tf.zeros([3, 3, 1, 2]), [1, 8, 8, 1], 2, 'same'), /conv2dTranspose: `outputShape` \[1,8,8,1\] does not match x \[1,3,3,2\].*gives spatial size \[4,4\]/);
    expectThrows(() => tf.conv2dTranspose(tf.zeros([1, 3, 3, 2]), tf.zeros([3, 3, 1, 2]), [5, 5, 1], 2, 'same'), /conv2dTranspose: `outputShape` must be 4 positive integers/);
  });
});

describe('maxPool', () => {
  const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  it('hand-computed values', () => {
    expectTensor(tf.maxPool(x, 2, 1, 'valid'), [5, 6, 8, 9], [1, 2, 2, 1]);
    expectTensor(tf.maxPool(x, 2, 1, 'same'), [5, 6, 6, 8, 9, 9, 8, 9, 9], [1, 3, 3, 1]);
    expectTensor(tf.maxPool(x, 2, 2, 'same'), [5, 6, 8, 9], [1, 2, 2, 1]);
    expectTensor(tf.maxPool(tf.neg(x), 3, 1, 'same'), [-1, -1, -2, -1, -1, -2, -4, -4, -5], [1, 3, 3, 1]);
    expectTensor(tf.maxPool(tf.reshape(x, [3, 3, 1]), [1, 3], [1, 3], 'valid'), [3, 6, 9], [3, 1, 1]);
  });
  it('gradient goes to the first maximum of each window', () => {
    const t = tf.tensor([1, 1, 0, 1], [1, 2, 2, 1]);
    expectTensor(tf.grad((a: tf.Tensor) => tf.maxPool(a, 2, 1, 'valid'))(t), [1, 0, 0, 0], [1, 2, 2, 1]);
    // overlapping windows accumulate
    expectTensor(tf.grad((a: tf.Tensor) => tf.maxPool(a, 2, 1, 'same'))(x), [0, 0, 0, 0, 1, 2, 0, 2, 4], [1, 3, 3, 1]);
  });
  it('gradients (first and second order)', () => {
    // distinct values: finite differences do not cross a tie
    checkGrad((a) => tf.maxPool(a, 2, 2, 'same'), [randInput([2, 3, 3, 2], 60)]);
    checkGrad((a) => tf.maxPool(a, [3, 2], [1, 2], 'valid'), [randInput([1, 4, 4, 1], 61)]);
    const xv = randInput([1, 3, 3, 1], 62);
    checkGrad((dy) => tf.grad((p: tf.Tensor) => tf.maxPool(p, 2, 1, 'same'))(T(xv), dy), [randInput([1, 3, 3, 1], 63)]);
    // d/dx of the max-pool gradient is zero
    const g = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.grad((q: tf.Tensor) => tf.maxPool(q, 2, 1, 'same'))(p), T(xv))))(T(xv));
    expectTensor(g, new Array<number>(9).fill(0), [1, 3, 3, 1]);
  });
  it('errors', () => {
    expectThrows(() => tf.maxPool(tf.zeros([1, 2, 2, 1]), 3, 1, 'valid'), /maxPool: the filter \(effective size \[3,3\].*x is \[1,2,2,1\], filterSize is \[3,3\]/);
    expectThrows(() => tf.maxPool(tf.zeros([4, 4]), 2, 1, 'valid'), /maxPool: `x` must be rank 4 \(NHWC\) or 3 \(HWC\), received rank 2/);
    expectThrows(() => tf.maxPool(tf.zeros([1, 4, 4, 1]), [2, 2, 2] as unknown as [number, number], 1, 'valid'), /maxPool: `filterSize` must be a positive integer or a pair/);
    expectThrows(() => tf.maxPool(tf.zeros([1, 4, 4, 1]), 2, undefined as unknown as number, 'valid'), /maxPool: argument `strides` is required/);
  });
});

describe('avgPool', () => {
  const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  it('hand-computed values; same padding averages in-bounds elements only', () => {
    expectTensor(tf.avgPool(x, 2, 1, 'valid'), [3, 4, 6, 7], [1, 2, 2, 1]);
    expectTensor(tf.avgPool(x, 2, 2, 'same'), [3, 4.5, 7.5, 9], [1, 2, 2, 1]);
    expectTensor(tf.avgPool(x, 3, 1, 'same'), [3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7], [1, 3, 3, 1]);
    expectTensor(tf.avgPool(tf.reshape(x, [3, 3, 1]), [1, 3], 1, 'valid'), [2, 5, 8], [3, 1, 1]);
  });
  it('gradient spreads dy over the in-bounds elements of each window', () => {
    expectTensor(tf.grad((a: tf.Tensor) => tf.avgPool(a, 2, 2, 'same'))(x), [0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1], [1, 3, 3, 1]);
  });
  it('gradients (first and second order)', () => {
    checkGrad((a) => tf.avgPool(a, 2, 2, 'same'), [randInput([2, 3, 3, 2], 70)]);
    checkGrad((a) => tf.avgPool(a, [3, 2], [1, 2], 'valid'), [randInput([1, 4, 4, 1], 71)]);
    checkGrad((a) => tf.avgPool(a, 3, 2, 1), [randInput([1, 4, 4, 1], 72)]);
    const xv = randInput([1, 3, 3, 1], 73);
    checkGrad((dy) => tf.grad((p: tf.Tensor) => tf.avgPool(p, 2, 1, 'same'))(T(xv), dy), [randInput([1, 3, 3, 1], 74)]);
  });
  it('errors', () => {
    expectThrows(() => tf.avgPool(tf.zeros([1, 4, 4, 1], 'int32'), 2, 1, 'valid'), /avgPool: `x` must have dtype float32, received int32/);
    expectThrows(() => tf.avgPool(tf.zeros([1, 4, 4, 1]), 2, 1, -1), /avgPool: `pad` must be 'valid', 'same', a non-negative integer/);
  });
});

describe('batchNorm', () => {
  it('hand-computed values with broadcasting', () => {
    const x = tf.tensor([[1, 2], [3, 4]]);
    expectTensor(tf.batchNorm(x, [2, 3], [1, 4], undefined, undefined, 0), [-1, -0.5, 1, 0.5], [2, 2]);
    expectTensor(tf.batchNorm(x, [2, 3], [1, 4], [10, 20], [2, 4], 0), [8, 18, 12, 22], [2, 2]);
    expectTensor(tf.batchNorm(x, 2.5, 1.25 - 0.001), [-1.5 / Math.sqrt(1.25), -0.5 / Math.sqrt(1.25), 0.5 / Math.sqrt(1.25), 1.5 / Math.sqrt(1.25)], [2, 2]);
    expectTensor(tf.batchNorm(x, tf.tensor([[1], [3]]), tf.tensor([[4], [1]]), null, null, 0), [0, 0.5, 0, 1], [2, 2]);
  });
  it('gradients in every argument', () => {
    checkGrad((a, m, v, o, s) => tf.batchNorm(a, m, v, o, s), [
      randInput([2, 2, 3], 80),
      randInput([3], 81),
      randInput([3], 82, 0.5, 2),
      randInput([3], 83),
      randInput([3], 84),
    ]);
    checkGrad((a, m, v) => tf.batchNorm(a, m, v, undefined, undefined, 0.1), [randInput([3, 2], 85), randInput([3, 1], 86), randInput([1, 2], 87, 0.5, 2)]);
  });
  it('errors', () => {
    expectTensor(tf.batchNorm2d(tf.tensor([[1, 2]]), [1, 1], [4, 4], [0, 1], undefined, 0), [0, 1.5], [1, 2]);
    expectThrows(() => tf.batchNorm4d(tf.zeros([2, 4]), 0, 1), /^batchNorm4d: `x` must be rank 4, received rank 2 of shape \[2,4\]$/);
    expectThrows(() => tf.batchNorm(tf.zeros([2, 4]), tf.zeros([3]), tf.ones([4])), /^batchNorm: `mean` of shape \[3\] does not broadcast to x of shape \[2,4\]$/);
    expectThrows(() => tf.batchNorm(tf.zeros([2, 4]), tf.zeros([4]), tf.ones([2, 2, 4])), /batchNorm: `variance` of shape \[2,2,4\] does not broadcast to x of shape \[2,4\]/);
    expectThrows(() => tf.batchNorm(tf.zeros([2, 4]), tf.zeros([4]), tf.ones([4]), undefined, tf.ones([4], 'int32')), /batchNorm: `scale` must have dtype float32, received int32/);
  });
});
