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
