/**
 * TF.js ops that programs use and idem lacked (issue 20, follow-up): the inverse trigonometric
 * functions, cumulative sums and products, topk, einsum, tf.image, tf.linalg, gatherND /
 * scatterND / tensorScatterUpdate, mirrorPad, the space/batch/depth rearrangements, diag, the
 * async data-dependent ops and localResponseNormalization. The oracle is @tensorflow/tfjs 4.22
 * itself, run in the same test on the same inputs (the semantics to match are TF.js's); gradients
 * are checked against finite differences (float64 reference backend).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import * as tfjs from '@tensorflow/tfjs';
import { checkGrad, close, expectThrows } from './util.ts';

const arr = (t: tf.Tensor) => Array.from(t.dataSync());
const T = (t: tfjs.Tensor) => Array.from(t.dataSync());
/** A deterministic float sequence (no Math.random). */
const seq = (n: number, seed = 1, lo = -1, hi = 1): number[] => {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
};
/** idem's and TF.js's results agree: shape, dtype and values (within `tol`). */
function same(ours: tf.Tensor, theirs: tfjs.Tensor, tol = 1e-6, msg = ''): void {
  assert.deepEqual(ours.shape, theirs.shape, `${msg} shape`);
  assert.equal(ours.dtype, theirs.dtype, `${msg} dtype`);
  close(arr(ours), T(theirs), tol, msg);
}

describe('asin, acos, atan, atan2', () => {
  it('TF.js values (NaN outside [-1, 1], signed zeros, broadcasting), chained, gradients', () => {
    const xs = [-1.5, -1, -0.9, -0.3, 0, 0.2, 0.7, 1, 1.5, NaN];
    for (const name of ['asin', 'acos', 'atan'] as const) {
      same(tf[name](tf.tensor1d(xs)), tfjs[name](tfjs.tensor1d(xs)), 2e-7, name);
      same(tf.tensor1d(xs)[name](), tfjs[name](tfjs.tensor1d(xs)), 2e-7, `${name} chained`);
      same(tf[name](tf.zeros([0, 3])), tfjs[name](tfjs.zeros([0, 3])), 0, `${name} empty`);
    }
    same(tf.atan(tf.tensor1d([-1e30, 1e30, -Infinity, Infinity])), tfjs.atan(tfjs.tensor1d([-1e30, 1e30, -Infinity, Infinity])), 2e-7);
    const a = [[0, -0, 1, -1, 0], [2, -3, 0.5, NaN, 1]];
    const b = [[0, 0, 0, 0, -1], [0.5, -0.25, -2, 1, NaN]];
    same(tf.atan2(tf.tensor2d(a), tf.tensor2d(b)), tfjs.atan2(tfjs.tensor2d(a), tfjs.tensor2d(b)), 2e-7, 'atan2');
    assert.ok(Object.is(arr(tf.atan2(-0, 1))[0], -0));
    close(arr(tf.atan2(0, -1)), [Math.fround(Math.PI)]);
    close(arr(tf.atan2(-0, -1)), [-Math.fround(Math.PI)]);
    same(tf.atan2(tf.tensor2d(a), tf.tensor1d([1, -1, 2, 3, -4])), tfjs.atan2(tfjs.tensor2d(a), tfjs.tensor1d([1, -1, 2, 3, -4])), 2e-7, 'atan2 broadcast');
    same(tf.tensor2d(a).atan2(tf.scalar(-2)), tfjs.tensor2d(a).atan2(tfjs.scalar(-2)), 2e-7, 'atan2 chained');
    const inner = { values: [-0.8, -0.3, 0.1, 0.6], shape: [4] };
    for (const f of [tf.asin, tf.acos, tf.atan]) checkGrad((x) => f(x), [inner]);
    checkGrad((x) => tf.atan(x), [{ values: [-30, -2, 5, 40], shape: [2, 2] }]);
    checkGrad((y, x) => tf.atan2(y, x), [{ values: [0.5, -1, 2, -0.3, 0.7, 1.1], shape: [2, 3] }, { values: [1.5, -2, 0.4], shape: [3] }]);
    checkGrad((y, x) => tf.atan2(y, x), [{ values: [0.5], shape: [] }, { values: [1.5, -2, 0.4, -0.1], shape: [2, 2] }]);
    expectThrows(() => tf.asin(tf.tensor1d([1], 'int32')), /asin: `x` must have dtype float32, received int32/);
    expectThrows(() => tf.atan2(tf.tensor1d([1], 'int32'), tf.tensor1d([1], 'int32')), /atan2: `a` must have dtype float32, received int32/);
    expectThrows(() => tf.atan2(tf.zeros([2, 3]), tf.zeros([2])), /atan2.*\[2,3\].*\[2\]/);
  });
});

describe('cumsum, cumprod', () => {
  it('TF.js values on every axis, exclusive and reverse, int32 and bool, empty; chained', () => {
    const v = seq(3 * 4 * 5, 3, -2, 2);
    for (const axis of [0, 1, 2]) {
      for (const exclusive of [false, true]) {
        for (const reverse of [false, true]) {
          const m = `axis ${axis} exclusive ${exclusive} reverse ${reverse}`;
          same(tf.cumsum(tf.tensor3d(v, [3, 4, 5]), axis, exclusive, reverse), tfjs.cumsum(tfjs.tensor3d(v, [3, 4, 5]), axis, exclusive, reverse), 1e-6, `cumsum ${m}`);
          same(tf.cumprod(tf.tensor3d(v, [3, 4, 5]), axis, exclusive, reverse), tfjs.cumprod(tfjs.tensor3d(v, [3, 4, 5]), axis, exclusive, reverse), 1e-6, `cumprod ${m}`);
        }
      }
    }
    const ints = [[3, -1, 4], [1, 5, -9]];
    same(tf.cumsum(tf.tensor2d(ints, undefined, 'int32'), 1), tfjs.cumsum(tfjs.tensor2d(ints, undefined, 'int32'), 1), 0, 'int32');
    same(tf.cumprod(tf.tensor2d(ints, undefined, 'int32'), 0, true), tfjs.cumprod(tfjs.tensor2d(ints, undefined, 'int32'), 0, true), 0, 'int32 prod');
    same(tf.cumsum(tf.tensor1d([true, false, true], 'bool')), tfjs.cumsum(tfjs.tensor1d([true, false, true], 'bool')), 0, 'bool');
    same(tf.cumsum(tf.tensor2d(ints, undefined, 'int32'), -1), tfjs.cumsum(tfjs.tensor2d(ints, undefined, 'int32'), 1), 0, 'negative axis');
    assert.deepEqual(arr(tf.tensor1d([1, 2, 3]).cumsum()), [1, 3, 6]);
    assert.deepEqual(arr(tf.tensor1d([1, 2, 3]).cumprod(0, false, true)), [6, 6, 3]);
    assert.deepEqual(tf.cumsum(tf.zeros([2, 0, 3]), 1).shape, [2, 0, 3]);
    assert.deepEqual(tf.cumprod(tf.zeros([0]), 0).shape, [0]);
    assert.deepEqual(arr(tf.cumsum(tf.tensor1d([1, NaN, 2]))).map(Number.isNaN), [false, true, true]);
  });

  it('gradients match finite differences; errors name the argument', () => {
    const x = { values: seq(12, 5, 0.5, 2), shape: [3, 4] };
    for (const axis of [0, 1]) {
      for (const [ex, rev] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        checkGrad((t) => tf.cumsum(t, axis, ex, rev), [x]);
        checkGrad((t) => tf.cumprod(t, axis, ex, rev), [x]);
      }
    }
    expectThrows(() => tf.cumsum(tf.scalar(1)), /cumsum: `x` must have rank at least 1, received a scalar/);
    expectThrows(() => tf.cumsum(tf.zeros([2, 3]), 2), /cumsum: `axis` must be an integer in \[-2, 2\), received 2/);
    expectThrows(() => tf.cumprod(tf.zeros([2]), 0, 1 as never), /cumprod: `exclusive` must be a boolean, received number/);
  });
});

describe('topk', () => {
  it('TF.js values and indices, ties in index order, int32, odd shapes, k = 0; chained', () => {
    const x = [[1, 5, 5, 2, 9, 9, 0], [3, 3, 3, 3, 3, 3, 3], [-1, -7, 4, 4, 8, -2, 4]];
    for (const k of [0, 1, 3, 7]) {
      const a = tf.topk(tf.tensor2d(x), k);
      const b = tfjs.topk(tfjs.tensor2d(x), k);
      same(a.values, b.values, 0, `values k=${k}`);
      same(a.indices, b.indices, 0, `indices k=${k}`);
    }
    const v = seq(2 * 3 * 11, 9, -5, 5).map((u) => Math.round(u));
    const a = tf.topk(tf.tensor3d(v, [2, 3, 11], 'int32'), 4);
    const b = tfjs.topk(tfjs.tensor3d(v, [2, 3, 11], 'int32'), 4);
    same(a.values, b.values, 0, 'int32 values');
    same(a.indices, b.indices, 0, 'int32 indices');
    const c = tf.tensor1d([0.5, 2, -1]).topk(2);
    assert.deepEqual([arr(c.values), arr(c.indices)], [[2, 0.5], [1, 0]]);
    assert.deepEqual(arr(tf.topk(tf.tensor1d([1, NaN, 3]), 2).indices), [1, 2]);
    const e = tf.topk(tf.zeros([0, 4]), 2);
    assert.deepEqual([e.values.shape, e.indices.shape, e.indices.dtype], [[0, 2], [0, 2], 'int32']);
    assert.deepEqual(tf.topk(tf.zeros([3, 0]), 0).values.shape, [3, 0]);
  });

  it('gradient reaches the chosen entries; errors', () => {
    checkGrad((t) => tf.topk(t, 3).values, [{ values: seq(14, 11), shape: [2, 7] }]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.topk(t, 2).values))(tf.tensor1d([1, 4, 2, 4]));
    assert.deepEqual(arr(g), [0, 1, 0, 1]);
    expectThrows(() => tf.topk(tf.zeros([2, 3]), 4), /topk: `k` must be an integer in \[0, 3\] \(the last dimension of x, shape \[2,3\]\), received 4/);
    expectThrows(() => tf.topk(tf.scalar(1)), /topk: `x` must have rank at least 1, received a scalar/);
    expectThrows(() => tf.topk(tf.tensor1d([true], 'bool')), /topk: `x` must have dtype float32 or int32, received bool/);
  });
});

describe('einsum', () => {
  it('TF.js values: matmul, batch matmul, dot, outer, transpose, sums, odd shapes, empty', () => {
    const t = (shape: number[], seed: number) => [tf.tensor(seq(shape.reduce((p, d) => p * d, 1), seed), shape), tfjs.tensor(seq(shape.reduce((p, d) => p * d, 1), seed), shape)] as const;
    const cases: [string, number[][]][] = [
      ['ij,jk->ik', [[3, 5], [5, 2]]], ['bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]], ['i,i->', [[7], [7]]], ['i,j->ij', [[3], [4]]],
      ['ij->ji', [[3, 5]]], ['bij->bji', [[2, 3, 4]]], ['ij->', [[3, 4]]], ['ij->j', [[3, 4]]], ['bi,bi->b', [[3, 5], [3, 5]]],
      ['ijk,kj->i', [[2, 3, 4], [4, 3]]], ['abc,cd->dba', [[2, 3, 4], [4, 5]]], ['ij,k->ikj', [[2, 3], [4]]], ['i,ij->j', [[3], [3, 2]]],
      ['ij,jk->ik', [[0, 3], [3, 2]]], ['ij,jk->ik', [[2, 0], [0, 3]]], ['bij,bjk->bik', [[1, 1, 1], [1, 1, 1]]],
    ];
    cases.forEach(([eq, shapes], k) => {
      const ins = shapes.map((s, i) => t(s, 20 + 3 * k + i));
      same(tf.einsum(eq, ...ins.map((p) => p[0])), tfjs.einsum(eq, ...ins.map((p) => p[1])), 2e-6, eq);
    });
    const ia = tf.tensor2d([[1, 2], [3, 4]], undefined, 'int32');
    const r = tf.einsum('ij,jk->ik', ia, ia);
    assert.deepEqual([r.dtype, arr(r)], ['int32', [7, 10, 15, 22]]);
    assert.deepEqual(arr(tf.einsum(' i j -> j i ', [[1, 2], [3, 4]])), [1, 3, 2, 4]);
    // TF.js 4.22 returns shape [4, 5] here (it never sums b's labels); the sum is Σa·Σb, as NumPy.
    const e = tf.einsum('ab,cd->', tf.ones([2, 3]), tf.fill([4, 5], 2));
    assert.deepEqual([e.shape, arr(e)], [[], [240]]);
  });

  it('gradients match finite differences; TF.js\'s limits are errors naming what came', () => {
    const s = (shape: number[], seed: number) => ({ values: seq(shape.reduce((p, d) => p * d, 1), seed), shape });
    checkGrad((a, b) => tf.einsum('bij,bjk->bik', a, b), [s([2, 2, 3], 1), s([2, 3, 2], 2)]);
    checkGrad((a, b) => tf.einsum('ijk,kj->i', a, b), [s([2, 3, 2], 3), s([2, 3], 4)]);
    checkGrad((a, b) => tf.einsum('ij,k->ikj', a, b), [s([2, 3], 5), s([2], 6)]);
    checkGrad((a) => tf.einsum('abc->cb', a), [s([2, 3, 2], 7)]);
    const x = tf.zeros([2, 3]);
    expectThrows(() => tf.einsum('ij', x), /einsum: `equation` must have exactly one '->'.*received 'ij'/);
    expectThrows(() => tf.einsum('ij,jk,kl->il', x, x, x), /einsum: at most 2 inputs are supported.*has 3/);
    expectThrows(() => tf.einsum('ii->i', tf.zeros([2, 2])), /einsum: input subscripts 'ii' repeat a label/);
    expectThrows(() => tf.einsum('...i->i', x), /einsum: the ellipsis/);
    expectThrows(() => tf.einsum('ij,jk->ik', x, tf.zeros([4, 2])), /einsum: label 'j' has size 3 in one place and 4 in `tensors\[1\]` \(shape \[4,2\], axis 0\)/);
    expectThrows(() => tf.einsum('ijk->i', x), /einsum: `tensors\[0\]` has rank 2 \(shape \[2,3\]\) but its subscripts 'ijk' name 3 axes/);
    expectThrows(() => tf.einsum('ij->k', x), /einsum: output label 'k' is in no input/);
    expectThrows(() => tf.einsum('ij,jk->ik', x), /einsum: the equation 'ij,jk->ik' has 2 input\(s\), received 1 tensor/);
  });
});

describe('tf.image', () => {
  const img = (shape: number[], seed: number) => [tf.tensor(seq(shape.reduce((p, d) => p * d, 1), seed, 0, 255), shape), tfjs.tensor(seq(shape.reduce((p, d) => p * d, 1), seed, 0, 255), shape)] as const;

  it('resizeBilinear and resizeNearestNeighbor: TF.js values in every mode, up and down, rank 3 and 4, int32; chained', () => {
    const [a, b] = img([2, 5, 7, 3], 1);
    for (const size of [[9, 4], [3, 11], [1, 1], [5, 7], [10, 14]] as [number, number][]) {
      for (const [ac, hp] of [[false, false], [true, false], [false, true]]) {
        const m = `${size} alignCorners ${ac} halfPixelCenters ${hp}`;
        same(tf.image.resizeBilinear(a, size, ac, hp), tfjs.image.resizeBilinear(b as tfjs.Tensor4D, size, ac, hp), 1e-5, `bilinear ${m}`);
        same(tf.image.resizeNearestNeighbor(a, size, ac, hp), tfjs.image.resizeNearestNeighbor(b as tfjs.Tensor4D, size, ac, hp), 0, `nearest ${m}`);
      }
    }
    const a3 = tf.tensor3d([[[1], [2]], [[3], [4]]], undefined, 'int32');
    const b3 = tfjs.tensor3d([[[1], [2]], [[3], [4]]], undefined, 'int32');
    same(tf.image.resizeBilinear(a3, [3, 3]), tfjs.image.resizeBilinear(b3, [3, 3]), 1e-6, 'rank 3 int32 bilinear');
    same(tf.image.resizeNearestNeighbor(a3, [3, 5]), tfjs.image.resizeNearestNeighbor(b3, [3, 5]), 0, 'rank 3 int32 nearest');
    same(a.resizeBilinear([4, 4], true), b.resizeBilinear([4, 4], true), 1e-5, 'chained');
    same(a.resizeNearestNeighbor([4, 4]), b.resizeNearestNeighbor([4, 4]), 0, 'chained');
    assert.deepEqual(tf.image.resizeBilinear(tf.zeros([0, 2, 2, 3]), [4, 4]).shape, [0, 4, 4, 3]);
    assert.deepEqual(tf.image.resizeNearestNeighbor(tf.zeros([1, 2, 2, 1]), [0, 3]).shape, [1, 0, 3, 1]);
  });

  it('resize gradients match finite differences; bad arguments are errors', () => {
    const x = { values: seq(2 * 3 * 4 * 2, 3), shape: [2, 3, 4, 2] };
    checkGrad((t) => tf.image.resizeBilinear(t, [5, 3]), [x]);
    const sq = { values: seq(2 * 4 * 4 * 2, 3), shape: [2, 4, 4, 2] };
    checkGrad((t) => tf.image.resizeBilinear(t, [2, 7], false, true), [x]);
    checkGrad((t) => tf.image.resizeNearestNeighbor(t, [5, 6], true), [x]);
    // TF.js's own gradient of resizeBilinear: the same values.
    // TF.js's own gradient of resizeBilinear: the same values (square images: TF.js's gradient
    // kernel mixes up height and width otherwise).
    const dy = seq(2 * 5 * 3 * 2, 4);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(t, [5, 3]), tf.tensor(dy, [2, 5, 3, 2]))))(tf.tensor(sq.values, sq.shape));
    const h = tfjs.grad((t: tfjs.Tensor) => tfjs.sum(tfjs.mul(tfjs.image.resizeBilinear(t as tfjs.Tensor4D, [5, 3]), tfjs.tensor(dy, [2, 5, 3, 2]))))(tfjs.tensor4d(sq.values, sq.shape as never));
    same(g, h, 1e-5, 'TF.js gradient');
    expectThrows(() => tf.image.resizeBilinear(tf.zeros([2, 2]), [3, 3]), /resizeBilinear: `images` must have rank 3 or 4, received rank 2/);
    expectThrows(() => tf.image.resizeBilinear(tf.zeros([2, 2, 1]), [3] as never), /resizeBilinear: `size` must be \[height, width\], two integers >= 0, received \[3\]/);
    expectThrows(() => tf.image.resizeNearestNeighbor(tf.zeros([2, 2, 1]), [3, 3], true, true), /resizeNearestNeighbor: `alignCorners` and `halfPixelCenters` cannot both be true/);
  });

  it('flipLeftRight, rgbToGrayscale: TF.js values', () => {
    const [a, b] = img([2, 3, 5, 3], 5);
    same(tf.image.flipLeftRight(a), tfjs.image.flipLeftRight(b as tfjs.Tensor4D), 0, 'flip');
    same(tf.image.rgbToGrayscale(a), tfjs.image.rgbToGrayscale(b as tfjs.Tensor4D), 1e-6, 'gray rank 4');
    const [c, d] = img([4, 3], 6);
    same(tf.image.rgbToGrayscale(c), tfjs.image.rgbToGrayscale(d as tfjs.Tensor2D), 1e-6, 'gray rank 2');
    same(tf.image.rgbToGrayscale(tf.cast(c, 'int32')), tfjs.image.rgbToGrayscale(tfjs.cast(d, 'int32') as tfjs.Tensor2D), 0, 'gray int32');
    expectThrows(() => tf.image.flipLeftRight(tf.zeros([2, 2, 3])), /flipLeftRight: `image` must have rank 4 .*received rank 3/);
    expectThrows(() => tf.image.rgbToGrayscale(tf.zeros([2, 4])), /rgbToGrayscale: `image` must have rank >= 2 and a last dimension of 3 \(RGB\), received shape \[2,4\]/);
  });

  it('cropAndResize: TF.js values (bilinear, nearest, extrapolation, flipped boxes, bad box index); image gradient', () => {
    const [a, b] = img([2, 6, 7, 2], 7);
    const boxes = [[0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], [0.5, 0.5, 0.5, 0.5], [-0.2, 0.3, 1.3, 0.6], [0.93, 0.81, 0.13, 0.07], [0.2, 0.1, 0.6, 0.7]];
    const ind = [0, 1, 1, 0, 1, 5];
    for (const method of ['bilinear', 'nearest'] as const) {
      for (const size of [[3, 4], [1, 1], [5, 1]] as [number, number][]) {
        same(tf.image.cropAndResize(a, boxes, ind, size, method, -1), tfjs.image.cropAndResize(b as tfjs.Tensor4D, boxes, ind, size, method, -1), 1e-4, `${method} ${size}`);
      }
    }
    assert.deepEqual(tf.image.cropAndResize(a, tf.zeros([0, 4]), tf.zeros([0], 'int32'), [2, 2]).shape, [0, 2, 2, 2]);
    checkGrad((t) => tf.image.cropAndResize(t, [[0.1, 0.2, 0.8, 0.7], [0, 0, 1, 1]], [1, 0], [3, 2]), [{ values: seq(2 * 3 * 4, 8), shape: [2, 3, 4, 1] }]);
    expectThrows(() => tf.image.cropAndResize(a, [[0, 0, 1]], [0], [2, 2]), /cropAndResize: `boxes` must be float32 of shape \[numBoxes, 4\], received float32 \[1,3\]/);
    expectThrows(() => tf.image.cropAndResize(a, [[0, 0, 1, 1]], [0, 1], [2, 2]), /cropAndResize: `boxInd` must be int32 of shape \[1\], received int32 \[2\]/);
    expectThrows(() => tf.image.cropAndResize(a, [[0, 0, 1, 1]], [0], [0, 2]), /cropAndResize: `cropSize` must be \[height, width\], two integers >= 1, received \[0,2\]/);
    expectThrows(() => tf.image.cropAndResize(a, [[0, 0, 1, 1]], [0], [2, 2], 'cubic' as never), /cropAndResize: `method` must be 'bilinear' or 'nearest', received "cubic"/);
  });

  it('nonMaxSuppression (sync and async): TF.js indices (ties, thresholds, degenerate boxes)', async () => {
    const boxes = [[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [0, 10.1, 1, 11.1], [0, 100, 1, 101], [1, 1, 0, 0], [5, 5, 5, 5]];
    const scores = [0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.9, 0.8];
    for (const [max, iou, st] of [[10, 0.5, -Infinity], [3, 0.5, -Infinity], [10, 0.2, 0.55], [10, 1, -Infinity], [0, 0.5, -Infinity]] as const) {
      const want = T(tfjs.image.nonMaxSuppression(boxes, scores, max, iou, st));
      assert.deepEqual(arr(tf.image.nonMaxSuppression(boxes, scores, max, iou, st)), want, `${max} ${iou} ${st}`);
      assert.deepEqual(arr(await tf.image.nonMaxSuppressionAsync(tf.tensor2d(boxes), tf.tensor1d(scores), max, iou, st)), want);
    }
    assert.equal(tf.image.nonMaxSuppression(boxes, scores, 2).dtype, 'int32');
    expectThrows(() => tf.image.nonMaxSuppression([[0, 0, 1, 1]], [0.5, 0.2], 1), /nonMaxSuppression: `scores` must have shape \[1\] \(one per box\), received \[2\]/);
    expectThrows(() => tf.image.nonMaxSuppression([[0, 0, 1, 1]], [0.5], 1, 1.5), /nonMaxSuppression: `iouThreshold` must be in \[0, 1\], received 1.5/);
  });
});

describe('gatherND, scatterND, tensorScatterUpdate', () => {
  it('TF.js values (slices, rank-1 indices, duplicates, int32), gradients, errors', () => {
    const x = seq(2 * 3 * 4, 12);
    const cases: [number[], number[][]][] = [[[2, 3, 4], [[0, 1, 2], [1, 2, 3]]], [[2, 3, 4], [[1, 0], [0, 2], [1, 1]]], [[2, 3, 4], [[1]]]];
    for (const [shape, idx] of cases) {
      same(tf.gatherND(tf.tensor(x, shape), tf.tensor2d(idx, undefined, 'int32')), tfjs.gatherND(tfjs.tensor(x, shape), tfjs.tensor2d(idx, undefined, 'int32')), 0, `gatherND ${JSON.stringify(idx)}`);
    }
    same(tf.gatherND(tf.tensor(x, [6, 4]), tf.tensor3d([[[5], [0]], [[2], [2]]], undefined, 'int32')), tfjs.gatherND(tfjs.tensor(x, [6, 4]), tfjs.tensor3d([[[5], [0]], [[2], [2]]], undefined, 'int32')), 0, 'gatherND batch');
    same(tf.scatterND(tf.tensor1d([4, 3, 1, 7, 3], 'int32'), tf.tensor1d([9, 10, 11, 12, 1]), [8]), tfjs.scatterND(tfjs.tensor1d([4, 3, 1, 7, 3], 'int32'), tfjs.tensor1d([9, 10, 11, 12, 1]), [8]), 0, 'scatterND duplicates add');
    same(tf.scatterND(tf.tensor2d([[0], [2]], undefined, 'int32'), tf.tensor2d([[1, 2], [3, 4]], undefined, 'int32'), [3, 2]), tfjs.scatterND(tfjs.tensor2d([[0], [2]], undefined, 'int32'), tfjs.tensor2d([[1, 2], [3, 4]], undefined, 'int32'), [3, 2]), 0, 'scatterND int32 slices');
    same(tf.scatterND(tf.tensor2d([[1, 1], [0, 2]], undefined, 'int32'), tf.tensor1d([5, 6]), [2, 3]), tfjs.scatterND(tfjs.tensor2d([[1, 1], [0, 2]], undefined, 'int32'), tfjs.tensor1d([5, 6]), [2, 3]), 0, 'scatterND elements');
    const t = seq(8, 13);
    same(tf.tensorScatterUpdate(tf.tensor2d(t, [4, 2]), tf.tensor2d([[1], [3], [1]], undefined, 'int32'), tf.tensor2d([[1, 2], [3, 4], [5, 6]])),
      tfjs.tensorScatterUpdate(tfjs.tensor2d(t, [4, 2]), tfjs.tensor2d([[1], [3], [1]], undefined, 'int32'), tfjs.tensor2d([[1, 2], [3, 4], [5, 6]])), 0, 'tensorScatterUpdate last wins');
    same(tf.tensorScatterUpdate(tf.tensor2d(t, [4, 2]), tf.tensor2d([[0, 1], [2, 0]], undefined, 'int32'), tf.tensor1d([-1, -2])),
      tfjs.tensorScatterUpdate(tfjs.tensor2d(t, [4, 2]), tfjs.tensor2d([[0, 1], [2, 0]], undefined, 'int32'), tfjs.tensor1d([-1, -2])), 0, 'tensorScatterUpdate elements');
    assert.deepEqual(tf.gatherND(tf.tensor(x, [2, 3, 4]), tf.zeros([0, 2], 'int32')).shape, [0, 4]);
    assert.deepEqual(arr(tf.scatterND(tf.zeros([0, 1], 'int32'), tf.zeros([0]), [3])), [0, 0, 0]);
    checkGrad((a) => tf.gatherND(a, tf.tensor2d([[1, 0], [0, 2], [1, 0]], undefined, 'int32')), [{ values: seq(12, 14), shape: [2, 3, 2] }]);
    checkGrad((u) => tf.scatterND(tf.tensor2d([[1], [0], [1]], undefined, 'int32'), u, [3, 2]), [{ values: seq(6, 15), shape: [3, 2] }]);
    checkGrad((a, u) => tf.tensorScatterUpdate(a, tf.tensor2d([[2], [0], [2]], undefined, 'int32'), u), [{ values: seq(8, 16), shape: [4, 2] }, { values: seq(6, 17), shape: [3, 2] }]);
    expectThrows(() => tf.gatherND(tf.zeros([3, 3]), tf.tensor2d([[0, 3]], undefined, 'int32')), /gatherND: `indices` row 0 is \[0,3\]: component 1 must be in \[0, 3\)/);
    expectThrows(() => tf.gatherND(tf.zeros([3]), tf.tensor2d([[0, 1]], undefined, 'int32')), /gatherND: the last dimension of `indices` \(2\) must be <= the rank of x \(1/);
    expectThrows(() => tf.scatterND(tf.tensor1d([0, 1], 'int32'), tf.tensor1d([1, 2, 3]), [4]), /scatterND: `updates` must have shape \[2\] .* received \[3\]/);
    expectThrows(() => tf.scatterND(tf.tensor1d([5], 'int32'), tf.tensor1d([1]), [4]), /scatterND: `indices` row 0 is \[5\]: component 0 must be in \[0, 4\)/);
    expectThrows(() => tf.tensorScatterUpdate(tf.zeros([2]), tf.tensor1d([0], 'int32'), tf.tensor1d([1], 'int32')), /tensorScatterUpdate: `tensor` and `updates` must have one dtype, received float32 and int32/);
  });
});

describe('mirrorPad, spaceToBatchND, batchToSpaceND, depthToSpace, diag, localResponseNormalization', () => {
  it('TF.js values; chained; gradients; errors', () => {
    const x = seq(3 * 4, 21);
    for (const [p, mode] of [[[[1, 1], [2, 2]], 'reflect'], [[[2, 0], [0, 3]], 'reflect'], [[[3, 1], [4, 0]], 'symmetric'], [[[0, 0], [0, 0]], 'symmetric']] as const) {
      same(tf.mirrorPad(tf.tensor2d(x, [3, 4]), p as never, mode), tfjs.mirrorPad(tfjs.tensor2d(x, [3, 4]), p as never, mode), 0, `mirrorPad ${JSON.stringify(p)} ${mode}`);
    }
    same(tf.tensor1d([1, 2, 3]).mirrorPad([[2, 2]], 'reflect'), tfjs.tensor1d([1, 2, 3]).mirrorPad([[2, 2]], 'reflect'), 0, 'chained');
    const v = seq(2 * 4 * 6 * 2, 22);
    same(tf.spaceToBatchND(tf.tensor4d(v, [2, 4, 6, 2]), [2, 3], [[0, 2], [3, 0]]), tfjs.spaceToBatchND(tfjs.tensor4d(v, [2, 4, 6, 2]), [2, 3], [[0, 2], [3, 0]]), 0, 'spaceToBatchND');
    same(tf.spaceToBatchND(tf.tensor3d(v.slice(0, 24), [2, 6, 2]), [3], [[0, 0]]), tfjs.spaceToBatchND(tfjs.tensor3d(v.slice(0, 24), [2, 6, 2]), [3], [[0, 0]]), 0, 'spaceToBatchND 1-D');
    same(tf.batchToSpaceND(tf.tensor4d(v.slice(0, 48), [12, 2, 1, 2]), [2, 3], [[1, 0], [0, 2]]), tfjs.batchToSpaceND(tfjs.tensor4d(v.slice(0, 48), [12, 2, 1, 2]), [2, 3], [[1, 0], [0, 2]]), 0, 'batchToSpaceND');
    const back = tf.batchToSpaceND(tf.spaceToBatchND(tf.tensor4d(v, [2, 4, 6, 2]), [2, 2], [[0, 0], [0, 0]]), [2, 2], [[0, 0], [0, 0]]);
    assert.deepEqual(arr(back), arr(tf.tensor(v)));
    same(tf.depthToSpace(tf.tensor4d(v.slice(0, 64), [2, 2, 2, 8]), 2), tfjs.depthToSpace(tfjs.tensor4d(v.slice(0, 64), [2, 2, 2, 8]), 2), 0, 'depthToSpace');
    // NCHW (TF.js's CPU backend has only NHWC): the NHWC result transposed.
    const nchw = tf.depthToSpace(tf.transpose(tf.tensor4d(v.slice(0, 64), [2, 2, 2, 8]), [0, 3, 1, 2]), 2, 'NCHW');
    assert.deepEqual(arr(tf.transpose(nchw, [0, 2, 3, 1])), T(tfjs.depthToSpace(tfjs.tensor4d(v.slice(0, 64), [2, 2, 2, 8]), 2)));
    same(tf.diag(tf.tensor2d(x, [3, 4])), tfjs.diag(tfjs.tensor2d(x, [3, 4])), 0, 'diag');
    same(tf.diag(tf.tensor1d([1, 2], 'int32')), tfjs.diag(tfjs.tensor1d([1, 2], 'int32')), 0, 'diag int32');
    const r = seq(2 * 4 * 3 * 7, 23);
    for (const [radius, bias, alpha, beta] of [[1, 2, 0.5, 0.75], [5, 1, 1, 0.5], [0, 1, 2, 1], [10, 0.5, 0.1, 0.3]]) {
      same(tf.localResponseNormalization(tf.tensor4d(r, [2, 4, 3, 7]), radius, bias, alpha, beta), tfjs.localResponseNormalization(tfjs.tensor4d(r, [2, 4, 3, 7]), radius, bias, alpha, beta), 2e-6, `lrn ${radius}`);
    }
    same(tf.tensor3d(r.slice(0, 28), [2, 2, 7]).localResponseNormalization(2), tfjs.tensor3d(r.slice(0, 28), [2, 2, 7]).localResponseNormalization(2), 2e-6, 'lrn rank 3 chained');
    checkGrad((a) => tf.mirrorPad(a, [[1, 2], [2, 0]], 'reflect'), [{ values: seq(12, 24), shape: [3, 4] }]);
    checkGrad((a) => tf.spaceToBatchND(a, [2, 2], [[1, 1], [0, 2]]), [{ values: seq(16, 25), shape: [1, 4, 2, 2] }]);
    checkGrad((a) => tf.localResponseNormalization(a, 1, 1.5, 0.7, 0.6), [{ values: seq(20, 26), shape: [1, 2, 2, 5] }]);
    checkGrad((a) => tf.batchToSpaceND(a, [2, 2], [[1, 0], [0, 1]]), [{ values: seq(16, 27), shape: [4, 2, 1, 2] }]);
    checkGrad((a) => tf.depthToSpace(a, 2), [{ values: seq(16, 28), shape: [1, 1, 2, 8] }]);
    checkGrad((a) => tf.diag(a), [{ values: [1, -2, 3], shape: [3] }]);
    expectThrows(() => tf.mirrorPad(tf.zeros([3]), [[3, 0]], 'reflect'), /mirrorPad: `paddings\[0\]` must be two integers in \[0, 2\] \(reflect, x shape \[3\]\), received \[3,0\]/);
    expectThrows(() => tf.mirrorPad(tf.zeros([3]), [[1, 0]], 'wrap' as never), /mirrorPad: `mode` must be 'reflect' or 'symmetric', received "wrap"/);
    expectThrows(() => tf.spaceToBatchND(tf.zeros([1, 5, 2]), [2], [[0, 0]]), /spaceToBatchND: spatial axis 1 \(5 \+ paddings \[0,0\] = 5\) must be divisible by blockShape\[0\] = 2/);
    expectThrows(() => tf.batchToSpaceND(tf.zeros([3, 2, 2]), [2], [[0, 0]]), /batchToSpaceND: the batch axis of x \(3\) must be divisible by the product of blockShape \[2\] = 2/);
    expectThrows(() => tf.depthToSpace(tf.zeros([1, 2, 2, 6]), 2), /depthToSpace: the depth of x \(6\) must be divisible by blockSize² = 4/);
    expectThrows(() => tf.localResponseNormalization(tf.zeros([2, 2]), 1), /localResponseNormalization: `x` must have rank 3 or 4, received shape \[2,2\]/);
  });
});

describe('tf.linalg', () => {
  it('bandPart, gramSchmidt, qr: TF.js values, batches, gradients, errors', () => {
    const a = seq(3 * 4 * 5, 31);
    for (const [lo, hi] of [[0, 0], [1, -1], [-1, 0], [2, 1], [-1, -1]]) {
      same(tf.linalg.bandPart(tf.tensor3d(a, [3, 4, 5]), lo!, hi!), tfjs.linalg.bandPart(tfjs.tensor3d(a, [3, 4, 5]), lo!, hi!), 0, `bandPart ${lo} ${hi}`);
    }
    same(tf.linalg.bandPart(tf.tensor2d(a.slice(0, 20), [4, 5]), tf.scalar(1, 'int32'), tf.scalar(-1, 'int32')),
      tfjs.linalg.bandPart(tfjs.tensor2d(a.slice(0, 20), [4, 5]), tfjs.scalar(1, 'int32'), tfjs.scalar(-1, 'int32')), 0, 'bandPart tensors');
    same(tf.linalg.gramSchmidt(tf.tensor2d(a.slice(0, 12), [3, 4])) as tf.Tensor, tfjs.linalg.gramSchmidt(tfjs.tensor2d(a.slice(0, 12), [3, 4])) as tfjs.Tensor, 2e-6, 'gramSchmidt');
    const list = tf.linalg.gramSchmidt([tf.tensor1d([1, 1]), tf.tensor1d([1, 2])]) as tf.Tensor[];
    close([...arr(list[0]!), ...arr(list[1]!)], [Math.SQRT1_2, Math.SQRT1_2, -Math.SQRT1_2, Math.SQRT1_2]);
    for (const [m, n, full] of [[3, 3, false], [5, 3, false], [5, 3, true], [3, 5, false], [3, 5, true], [1, 1, false]] as const) {
      const v = a.slice(0, m * n);
      const [q, r] = tf.linalg.qr(tf.tensor2d(v, [m, n]), full);
      const [q2, r2] = tfjs.linalg.qr(tfjs.tensor2d(v, [m, n]), full);
      same(q, q2, 2e-5, `q ${m}x${n} ${full}`);
      same(r, r2, 2e-5, `r ${m}x${n} ${full}`);
      close(arr(tf.matMul(q, r)), v, 2e-5, 'q·r = x');
    }
    const [qb, rb] = tf.linalg.qr(tf.tensor3d(a.slice(0, 24), [2, 4, 3]));
    assert.deepEqual([qb.shape, rb.shape], [[2, 4, 3], [2, 3, 3]]);
    for (let i = 0; i < 2; i++) {
      const [qi, ri] = tf.linalg.qr(tf.tensor2d(a.slice(12 * i, 12 * i + 12), [4, 3]));
      close(arr(tf.slice(qb, [i, 0, 0], [1, 4, 3])), arr(qi), 1e-6, 'batched q');
      close(arr(tf.slice(rb, [i, 0, 0], [1, 3, 3])), arr(ri), 1e-6, 'batched r');
    }
    const [qz, rz] = tf.linalg.qr(tf.tensor2d([[0, 1], [0, 2]]));
    assert.ok([...arr(qz), ...arr(rz)].every(Number.isFinite), 'a zero column gives finite factors');
    checkGrad((t) => tf.linalg.bandPart(t, 1, 0), [{ values: seq(9, 32), shape: [3, 3] }]);
    checkGrad((t) => tf.linalg.gramSchmidt(t) as tf.Tensor, [{ values: seq(6, 33), shape: [2, 3] }]);
    checkGrad((t) => tf.linalg.qr(t)[1]!, [{ values: seq(6, 34), shape: [3, 2] }], { tol: 1e-4 });
    expectThrows(() => tf.linalg.bandPart(tf.zeros([3]), 0, 0), /bandPart: `a` must have rank >= 2, received rank 1/);
    expectThrows(() => tf.linalg.bandPart(tf.zeros([2, 2]), 3, 0), /bandPart: `numLower` must be an integer <= 2 \(negative: no bound\), received 3/);
    expectThrows(() => tf.linalg.gramSchmidt(tf.zeros([3, 2])), /gramSchmidt: 3 vectors cannot be orthonormal in 2 dimensions/);
    expectThrows(() => tf.linalg.qr(tf.zeros([3])), /qr: `x` must have rank >= 2, received rank 1/);
  });
});

describe('async data-dependent ops', () => {
  it('whereAsync, booleanMaskAsync, setdiff1dAsync, inTopKAsync: TF.js values; errors', async () => {
    const c = [[true, false, true], [false, false, true]];
    same(await tf.whereAsync(tf.tensor2d(c, undefined, 'bool')), await tfjs.whereAsync(tfjs.tensor2d(c, undefined, 'bool')), 0, 'whereAsync');
    same(await tf.whereAsync(tf.zeros([0, 2], 'bool')), await tfjs.whereAsync(tfjs.zeros([0, 2], 'bool')), 0, 'whereAsync empty');
    const x = seq(2 * 3 * 4, 41);
    same(await tf.booleanMaskAsync(tf.tensor3d(x, [2, 3, 4]), tf.tensor2d(c, undefined, 'bool')), await tfjs.booleanMaskAsync(tfjs.tensor3d(x, [2, 3, 4]), tfjs.tensor2d(c, undefined, 'bool')), 0, 'booleanMask');
    same(await tf.booleanMaskAsync(tf.tensor3d(x, [2, 3, 4]), tf.tensor1d([true, false, false, true], 'bool'), 2), await tfjs.booleanMaskAsync(tfjs.tensor3d(x, [2, 3, 4]), tfjs.tensor1d([true, false, false, true], 'bool'), 2), 0, 'booleanMask axis');
    const [v, i] = await tf.setdiff1dAsync(tf.tensor1d([7, 1, 3, 7, 2, 9], 'int32'), tf.tensor1d([7, 2], 'int32'));
    const [v2, i2] = await tfjs.setdiff1dAsync(tfjs.tensor1d([7, 1, 3, 7, 2, 9], 'int32'), tfjs.tensor1d([7, 2], 'int32'));
    same(v, v2, 0, 'setdiff values');
    same(i, i2, 0, 'setdiff indices');
    const p = [[1, 5, 5, 2], [3, 1, 0, 9], [0, 0, 0, 0]];
    for (const k of [1, 2, 4]) {
      same(await tf.inTopKAsync(tf.tensor2d(p), tf.tensor1d([2, 0, 3], 'int32'), k), await tfjs.inTopKAsync(tfjs.tensor2d(p), tfjs.tensor1d([2, 0, 3], 'int32'), k), 0, `inTopK ${k}`);
    }
    await assert.rejects(tf.booleanMaskAsync(tf.zeros([2, 3]), tf.tensor1d([true], 'bool')), /booleanMaskAsync: `mask` \[1\] must match the axes of tensor \[2,3\] from `axis` 0/);
    await assert.rejects(tf.setdiff1dAsync(tf.zeros([2]), tf.zeros([2], 'int32')), /setdiff1dAsync: `x` and `y` must have one dtype, received float32 and int32/);
    await assert.rejects(tf.inTopKAsync(tf.zeros([2, 3]), tf.zeros([2], 'int32'), 4), /inTopKAsync: `k` must be an integer in \[1, 3\]/);
  });
});
