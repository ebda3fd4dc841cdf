/**
 * tf.losses (TF1 / TF.js semantics): hand-computed values for every loss and reduction, weights
 * (scalar, per-example, full-shape, zero), label smoothing, errors, finite-difference gradient
 * checks, and PyTorch 1.13 golden values (test/fixtures/losses.json, from make_loss_fixtures.py).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '../src/index.ts';
import { losses, Reduction, computeWeightedLoss } from '../src/losses/index.ts';
import { checkGrad, close, expectTensor, expectThrows, randInput } from './util.ts';

const { NONE, SUM, MEAN, SUM_BY_NONZERO_WEIGHTS: SBNZ, SUM_OVER_BATCH_SIZE: SOBS } = Reduction;
const LN2 = Math.log(2);
const LN3 = Math.log(3);

function val(t: tf.Tensor): number {
  assert.deepEqual(t.shape, [], `expected a scalar, got shape ${JSON.stringify(t.shape)}`);
  return t.dataSync()[0]!;
}
function approx(t: tf.Tensor, expected: number, tol = 1e-5): void {
  close([val(t)], [expected], tol);
}

describe('losses.Reduction', () => {
  it('has TF.js values and the losses object exposes every function', () => {
    assert.deepEqual({ ...Reduction }, { NONE: 0, MEAN: 1, SUM: 2, SUM_BY_NONZERO_WEIGHTS: 3, SUM_OVER_BATCH_SIZE: 4 });
    assert.equal(losses.Reduction, Reduction);
    for (const k of ['computeWeightedLoss', 'softmaxCrossEntropy', 'sigmoidCrossEntropy', 'meanSquaredError', 'absoluteDifference', 'huberLoss', 'logLoss', 'hingeLoss', 'cosineDistance'] as const) {
      assert.equal(typeof losses[k], 'function', k);
    }
  });
});

describe('losses.computeWeightedLoss', () => {
  const L = tf.tensor([[1, 2, 3], [4, 5, 6]]);
  it('no weights: NONE, SUM, MEAN, SUM_BY_NONZERO_WEIGHTS (default), SUM_OVER_BATCH_SIZE', () => {
    expectTensor(computeWeightedLoss(L, undefined, NONE), [[1, 2, 3], [4, 5, 6]], [2, 3]);
    approx(computeWeightedLoss(L, undefined, SUM), 21);
    approx(computeWeightedLoss(L, undefined, MEAN), 3.5);
    approx(computeWeightedLoss(L), 3.5);
    approx(computeWeightedLoss(L, null, SOBS), 3.5);
  });
  it('scalar weights', () => {
    expectTensor(computeWeightedLoss(L, 2, NONE), [[2, 4, 6], [8, 10, 12]], [2, 3]);
    approx(computeWeightedLoss(L, 2, SUM), 42);
    approx(computeWeightedLoss(L, 2, MEAN), 3.5); // 42 / (2·6)
    approx(computeWeightedLoss(L, 2, SBNZ), 7); // 42 / 6 non-zero
    approx(computeWeightedLoss(L, tf.scalar(2), SOBS), 7);
  });
  it('zero weights give 0, never NaN (safe division)', () => {
    expectTensor(computeWeightedLoss(L, 0, NONE), [[0, 0, 0], [0, 0, 0]]);
    approx(computeWeightedLoss(L, 0, SUM), 0);
    approx(computeWeightedLoss(L, 0, MEAN), 0);
    approx(computeWeightedLoss(L, 0, SBNZ), 0);
    approx(computeWeightedLoss(L, tf.zeros([2, 3]), SBNZ), 0);
    approx(computeWeightedLoss(L, tf.zeros([2, 1]), MEAN), 0);
    // and the gradient through the safe division stays finite (zero)
    const g = tf.grad((x: tf.Tensor) => computeWeightedLoss(x, tf.zeros([2, 3]), SBNZ))(L);
    expectTensor(g, [[0, 0, 0], [0, 0, 0]]);
    approx(computeWeightedLoss(tf.zeros([0, 3]), undefined, SBNZ), 0);
  });
  it('per-example weights [batch, 1]', () => {
    const w = tf.tensor([[2], [1]]);
    expectTensor(computeWeightedLoss(L, w, NONE), [[2, 4, 6], [4, 5, 6]], [2, 3]);
    approx(computeWeightedLoss(L, w, SUM), 27);
    approx(computeWeightedLoss(L, w, MEAN), 3); // 27 / (3·2 + 3·1)
    approx(computeWeightedLoss(L, w, SBNZ), 4.5); // 27 / 6
    approx(computeWeightedLoss(L, w, SOBS), 4.5);
    const w0 = tf.tensor([[1], [0]]);
    approx(computeWeightedLoss(L, w0, SUM), 6);
    approx(computeWeightedLoss(L, w0, MEAN), 2);
    approx(computeWeightedLoss(L, w0, SBNZ), 2); // 6 / 3 non-zero after broadcasting
    approx(computeWeightedLoss(L, w0, SOBS), 1);
  });
  it('full-shape weights with zeros, and per-column weights [1, n]', () => {
    const w = tf.tensor([[1, 0, 2], [0, 0, 1]]);
    expectTensor(computeWeightedLoss(L, w, NONE), [[1, 0, 6], [0, 0, 6]]);
    approx(computeWeightedLoss(L, w, SUM), 13);
    approx(computeWeightedLoss(L, w, MEAN), 13 / 4);
    approx(computeWeightedLoss(L, w, SBNZ), 13 / 3);
    approx(computeWeightedLoss(L, w, SOBS), 13 / 6);
    const wc = tf.tensor([[0, 1, 2]]);
    approx(computeWeightedLoss(L, wc, SUM), 25);
    approx(computeWeightedLoss(L, wc, MEAN), 25 / 6);
    approx(computeWeightedLoss(L, wc, SBNZ), 25 / 4); // 2 rows × 2 non-zero columns
  });
  it('int32/bool losses and weights are cast to float32 (as TF1)', () => {
    const r = computeWeightedLoss(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([true, false, true]), SBNZ);
    assert.equal(r.dtype, 'float32');
    approx(r, 2);
  });
  it('accepts TF1 reduction names', () => {
    const w = tf.tensor([[1, 0, 2], [0, 0, 1]]);
    expectTensor(computeWeightedLoss(L, w, 'none'), [[1, 0, 6], [0, 0, 6]]);
    approx(computeWeightedLoss(L, w, 'weighted_sum'), 13);
    approx(computeWeightedLoss(L, w, 'weighted_mean'), 13 / 4);
    approx(computeWeightedLoss(L, w, 'weighted_sum_by_nonzero_weights'), 13 / 3);
    approx(computeWeightedLoss(L, w, 'weighted_sum_over_batch_size'), 13 / 6);
  });
  it('errors: weights not broadcastable the TF way, unknown reduction', () => {
    // NumPy would broadcast [3] against [2,3]; TF's assert_broadcastable requires equal rank.
    expectThrows(() => computeWeightedLoss(L, tf.ones([3])), /losses\.computeWeightedLoss: `weights` must be a scalar or have the same rank as the losses with each dimension 1 or equal to theirs, received weights \[3\] for losses \[2,3\]/);
    expectThrows(() => computeWeightedLoss(L, tf.ones([2, 2])), /received weights \[2,2\] for losses \[2,3\]/);
    expectThrows(() => computeWeightedLoss(L, tf.ones([1, 2, 3])), /received weights \[1,2,3\]/);
    expectThrows(() => computeWeightedLoss(L, 1, 7 as unknown as Reduction), /losses\.computeWeightedLoss: unknown `reduction`: expected Reduction\.NONE \(0\).*received 7/);
    expectThrows(() => computeWeightedLoss(L, 1, 'mean' as unknown as Reduction), /unknown `reduction`.*received 'mean'/);
  });
  it('gradients w.r.t. losses and weights for each reduction', () => {
    for (const red of [NONE, SUM, MEAN, SBNZ, SOBS]) {
      checkGrad((l, w) => computeWeightedLoss(l, w, red), [randInput([3, 4], 1), randInput([3, 1], 2, 0.5, 2)]);
      checkGrad((l, w) => computeWeightedLoss(l, w, red), [randInput([2, 3], 3), randInput([2, 3], 4, 0.5, 2)]);
    }
  });
});

describe('losses.meanSquaredError / absoluteDifference', () => {
  const labels = [[0, 1], [2, 3]];
  const preds = [[1, 1], [0, 5]]; // errors [[1,0],[-2,2]]
  it('meanSquaredError values per reduction and weights', () => {
    approx(losses.meanSquaredError(labels, preds), 9 / 4);
    expectTensor(losses.meanSquaredError(labels, preds, undefined, NONE), [[1, 0], [4, 4]], [2, 2]);
    approx(losses.meanSquaredError(labels, preds, undefined, SUM), 9);
    approx(losses.meanSquaredError(labels, preds, 3, SUM), 27);
    approx(losses.meanSquaredError(labels, preds, [[1], [0]]), 0.5); // (1 + 0) / 2 non-zero
    approx(losses.meanSquaredError(labels, preds, [[1], [0]], MEAN), 0.5);
    approx(losses.meanSquaredError(labels, preds, [[1], [3]], MEAN), (1 + 24) / 8);
    approx(losses.meanSquaredError(labels, preds, [[0, 1], [2, 0]], SBNZ), 4);
  });
  it('absoluteDifference values per reduction and weights', () => {
    approx(losses.absoluteDifference(labels, preds), 5 / 4);
    expectTensor(losses.absoluteDifference(labels, preds, null, NONE), [[1, 0], [2, 2]]);
    approx(losses.absoluteDifference(labels, preds, null, SUM), 5);
    approx(losses.absoluteDifference(labels, preds, [[0, 1], [2, 0]]), 2); // 4 / 2 non-zero
    approx(losses.absoluteDifference(labels, preds, [[0, 1], [2, 0]], MEAN), 4 / 3);
    approx(losses.absoluteDifference(labels, preds, 0), 0);
  });
  it('shape mismatch errors name the loss and both shapes', () => {
    expectThrows(() => losses.meanSquaredError(tf.zeros([2, 2]), tf.zeros([2, 3])), /losses\.meanSquaredError: `labels` and `predictions` must have the same shape, received labels \[2,2\] and predictions \[2,3\]/);
    expectThrows(() => losses.absoluteDifference(tf.zeros([3]), tf.zeros([3, 1])), /losses\.absoluteDifference: `labels` and `predictions`.*\[3\] and predictions \[3,1\]/);
    expectThrows(() => losses.meanSquaredError(tf.zeros([2, 2]), tf.zeros([2, 2]), tf.ones([2])), /losses\.meanSquaredError: `weights` must be a scalar/);
  });
  it('gradients w.r.t. predictions', () => {
    const lab = randInput([3, 4], 11).values;
    for (const red of [NONE, SUM, MEAN, SBNZ]) {
      checkGrad((p) => losses.meanSquaredError(tf.tensor(lab, [3, 4]), p, tf.tensor([[1], [0], [2]]), red), [randInput([3, 4], 12)]);
      checkGrad((p) => losses.absoluteDifference(tf.tensor(lab, [3, 4]), p, undefined, red), [randInput([3, 4], 13)]);
    }
  });
});

describe('losses.huberLoss', () => {
  const labels = [[0, 1], [2, 3]];
  const preds = [[1, 1], [0, 5]]; // |e| = [[1,0],[2,2]]
  it('delta 1 (default), 2 and 0.5', () => {
    expectTensor(losses.huberLoss(labels, preds, undefined, undefined, NONE), [[0.5, 0], [1.5, 1.5]]);
    approx(losses.huberLoss(labels, preds), 3.5 / 4);
    expectTensor(losses.huberLoss(labels, preds, undefined, 2, NONE), [[0.5, 0], [2, 2]]);
    expectTensor(losses.huberLoss(labels, preds, undefined, 0.5, NONE), [[0.375, 0], [0.875, 0.875]]);
    approx(losses.huberLoss(labels, preds, [[1], [0]], 0.5, SBNZ), 0.375 / 2);
    approx(losses.huberLoss(labels, preds, [[1], [0]], 0.5, SUM), 0.375);
    approx(losses.huberLoss(labels, preds, [[1, 1], [1, 2]], 1, MEAN), 5 / 5);
  });
  it('errors', () => {
    expectThrows(() => losses.huberLoss(labels, preds, undefined, 0), /losses\.huberLoss: `delta` must be a number in \(0, inf\), received 0/);
    expectThrows(() => losses.huberLoss([1, 2], [1, 2, 3]), /losses\.huberLoss: `labels` and `predictions` must have the same shape/);
  });
  it('gradients w.r.t. predictions (quadratic and linear zones)', () => {
    const lab = randInput([4, 3], 21).values;
    for (const red of [NONE, SBNZ, MEAN]) {
      checkGrad((p) => losses.huberLoss(tf.tensor(lab, [4, 3]), p, tf.tensor([[1, 0, 2]]), 0.6, red), [randInput([4, 3], 22, -2, 2)]);
    }
  });
});

describe('losses.logLoss', () => {
  const labels = [1, 0, 1, 0];
  const preds = [0.9, 0.2, 0.5, 0.5];
  const expected = [-Math.log(0.9 + 1e-7), -Math.log(0.8 + 1e-7), -Math.log(0.5 + 1e-7), -Math.log(0.5 + 1e-7)];
  it('values with the default epsilon and epsilon 0', () => {
    expectTensor(losses.logLoss(labels, preds, undefined, undefined, NONE), expected);
    approx(losses.logLoss(labels, preds), expected.reduce((a, b) => a + b) / 4);
    expectTensor(losses.logLoss(labels, preds, undefined, 0, NONE), [-Math.log(0.9), -Math.log(0.8), LN2, LN2]);
    expectTensor(losses.logLoss(labels, preds, undefined, 0.1, NONE), [-Math.log(1.0), -Math.log(0.9), -Math.log(0.6), -Math.log(0.6)]);
    approx(losses.logLoss(labels, preds, [1, 0, 0, 2], 0), (-Math.log(0.9) + 2 * LN2) / 2);
  });
  it('errors', () => {
    expectThrows(() => losses.logLoss(labels, preds, undefined, -1), /losses\.logLoss: `epsilon` must be a number in \[0, inf\), received -1/);
  });
  it('gradients w.r.t. predictions', () => {
    const lab = [1, 0, 1, 1, 0, 0];
    for (const red of [NONE, SBNZ]) checkGrad((p) => losses.logLoss(lab, p, undefined, 1e-7, red), [randInput([6], 31, 0.1, 0.9)]);
  });
});

describe('losses.hingeLoss', () => {
  it('maps {0,1} labels to {-1,1}', () => {
    const labels = [0, 1, 1, 0];
    const preds = [0.5, 0.5, 2, -3];
    expectTensor(losses.hingeLoss(labels, preds, undefined, NONE), [1.5, 0.5, 0, 0]);
    approx(losses.hingeLoss(labels, preds), 0.5);
    approx(losses.hingeLoss(labels, preds, [1, 2, 3, 0]), 2.5 / 3);
    approx(losses.hingeLoss(labels, preds, [1, 2, 3, 0], MEAN), 2.5 / 6);
    approx(losses.hingeLoss(tf.tensor(labels, [4], 'int32'), preds, 2, SUM), 4);
  });
  it('gradients w.r.t. predictions', () => {
    for (const red of [NONE, SBNZ]) checkGrad((p) => losses.hingeLoss([[0, 1, 1], [1, 0, 0]], p, undefined, red), [randInput([2, 3], 41, -0.9, 0.9)]);
  });
});

describe('losses.cosineDistance', () => {
  const labels = [[1, 0], [0, 1], [0.6, 0.8]];
  const preds = [[1, 0], [1, 0], [0.8, 0.6]];
  it('1 - Σ labels·predictions along axis, kept as a size-1 axis', () => {
    expectTensor(losses.cosineDistance(labels, preds, 1, undefined, NONE), [[0], [1], [0.04]], [3, 1]);
    approx(losses.cosineDistance(labels, preds, 1), 1.04 / 3);
    approx(losses.cosineDistance(labels, preds, -1, [[0], [1], [1]]), 0.52);
    approx(losses.cosineDistance(labels, preds, -1, [[1], [0], [1]], MEAN), 0.02);
    const tr = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
    expectTensor(losses.cosineDistance(tr(labels), tr(preds), 0, undefined, NONE), [[0, 1, 0.04]], [1, 3]);
  });
  it('errors', () => {
    expectThrows(() => losses.cosineDistance(labels, preds, 1, [1, 0, 1]), /losses\.cosineDistance: `weights` must be a scalar or have the same rank as the per-vector losses.*received weights \[3\] for per-vector losses \[3,1\]/);
    expectThrows(() => losses.cosineDistance(labels, preds, 2), /losses\.cosineDistance: `axis` must be an integer in \[-2, 2\), received 2/);
    expectThrows(() => (losses.cosineDistance as (a: unknown, b: unknown) => tf.Tensor)(labels, preds), /losses\.cosineDistance: `axis` is required/);
  });
  it('gradients w.r.t. predictions', () => {
    const lab = randInput([3, 4], 51).values;
    for (const red of [NONE, SBNZ]) checkGrad((p) => losses.cosineDistance(tf.tensor(lab, [3, 4]), p, 0, undefined, red), [randInput([3, 4], 52)]);
  });
});

describe('losses.softmaxCrossEntropy', () => {
  const labels = [[1, 0, 0], [0, 0, 1]];
  const logits = [[0, 0, 0], [0, LN2, Math.log(5)]]; // softmax row 2 = [1/8, 2/8, 5/8]
  const r2 = -Math.log(5 / 8);
  it('values, weights and reductions', () => {
    expectTensor(losses.softmaxCrossEntropy(labels, logits, undefined, 0, NONE), [LN3, r2], [2]);
    approx(losses.softmaxCrossEntropy(labels, logits), (LN3 + r2) / 2);
    approx(losses.softmaxCrossEntropy(labels, logits, [2, 0]), 2 * LN3); // 1 non-zero weight
    approx(losses.softmaxCrossEntropy(labels, logits, [2, 0], 0, MEAN), LN3);
    approx(losses.softmaxCrossEntropy(labels, logits, [2, 1], 0, SUM), 2 * LN3 + r2);
    approx(losses.softmaxCrossEntropy(labels, logits, 0), 0);
  });
  it('label smoothing: labels·(1-ls) + ls/numClasses', () => {
    // ls 0.3, 3 classes: row 2 labels [0.1, 0.1, 0.8]
    const row2 = -(0.1 * Math.log(1 / 8) + 0.1 * Math.log(2 / 8) + 0.8 * Math.log(5 / 8));
    expectTensor(losses.softmaxCrossEntropy(labels, logits, undefined, 0.3, NONE), [LN3, row2]);
    const g = tf.grads((y: tf.Tensor, x: tf.Tensor) => losses.softmaxCrossEntropy(y, x, undefined, 0.3, SUM))([tf.tensor(labels), tf.tensor(logits)]);
    expectTensor(g[0]!, [[0, 0, 0], [0, 0, 0]]); // labels get no gradient (TF1 stop_gradient)
    expectTensor(g[1]!, [[1 / 3 - 0.8, 1 / 3 - 0.1, 1 / 3 - 0.1], [1 / 8 - 0.1, 2 / 8 - 0.1, 5 / 8 - 0.8]]);
  });
  it('rank-3 logits: one loss per [batch, time] position', () => {
    const l3 = tf.tensor([[[1, 0], [0, 1]]]);
    const x3 = tf.tensor([[[0, 0], [0, Math.log(3)]]]);
    expectTensor(losses.softmaxCrossEntropy(l3, x3, undefined, 0, NONE), [[LN2, -Math.log(0.75)]], [1, 2]);
    approx(losses.softmaxCrossEntropy(l3, x3, [[1, 0]]), LN2);
  });
  it('errors', () => {
    expectThrows(() => losses.softmaxCrossEntropy([[1, 0]], [[1, 2, 3]]), /losses\.softmaxCrossEntropy: `onehotLabels` and `logits` must have the same shape, received onehotLabels \[1,2\] and logits \[1,3\]/);
    expectThrows(() => losses.softmaxCrossEntropy(labels, logits, undefined, 1.5), /losses\.softmaxCrossEntropy: `labelSmoothing` must be a number in \[0, 1\], received 1\.5/);
    expectThrows(() => losses.softmaxCrossEntropy(1, 2), /must have rank >= 1/);
    expectThrows(() => losses.softmaxCrossEntropy(labels, logits, [[1, 1]]), /`weights` must be a scalar or have the same rank as the per-example losses.*received weights \[1,2\] for per-example losses \[2\]/);
    expectThrows(() => losses.softmaxCrossEntropy(labels, logits, undefined, 0, 'sum' as unknown as Reduction), /losses\.softmaxCrossEntropy: unknown `reduction`/);
  });
  it('gradients w.r.t. logits', () => {
    const lab = [[0, 1, 0, 0], [0.2, 0.3, 0.1, 0.4], [0, 0, 0, 1]];
    for (const red of [NONE, SBNZ, MEAN]) {
      for (const ls of [0, 0.2]) checkGrad((x) => losses.softmaxCrossEntropy(lab, x, [1, 0, 2], ls, red), [randInput([3, 4], 61, -2, 2)]);
    }
  });
});

describe('losses.sigmoidCrossEntropy', () => {
  const labels = [[1, 0], [0, 1]];
  const logits = [[0, 0], [LN3, -LN3]];
  it('values, weights and label smoothing labels·(1-ls) + ls/2', () => {
    expectTensor(losses.sigmoidCrossEntropy(labels, logits, undefined, 0, NONE), [[LN2, LN2], [2 * LN2, 2 * LN2]]);
    approx(losses.sigmoidCrossEntropy(labels, logits), 3 * LN2 / 2);
    approx(losses.sigmoidCrossEntropy(labels, logits, [[1], [0]]), LN2);
    approx(losses.sigmoidCrossEntropy(labels, logits, [[1], [0]], 0, MEAN), LN2);
    approx(losses.sigmoidCrossEntropy(labels, logits, [[1], [0]], 0, SOBS), LN2 / 2);
    const smoothed = 0.75 * LN3 + Math.log(4 / 3);
    expectTensor(losses.sigmoidCrossEntropy(labels, logits, undefined, 0.5, NONE), [[LN2, LN2], [smoothed, smoothed]]);
    approx(losses.sigmoidCrossEntropy(tf.tensor(labels, [2, 2], 'int32'), logits, [[0, 1], [0, 1]], 0.5, SUM), LN2 + smoothed);
  });
  it('errors', () => {
    expectThrows(() => losses.sigmoidCrossEntropy([1, 0], [[1, 2]]), /losses\.sigmoidCrossEntropy: `multiClassLabels` and `logits` must have the same shape, received multiClassLabels \[2\] and logits \[1,2\]/);
    expectThrows(() => losses.sigmoidCrossEntropy(labels, logits, undefined, -0.1), /`labelSmoothing` must be a number in \[0, 1\], received -0\.1/);
    expectThrows(() => losses.sigmoidCrossEntropy(labels, logits, [1, 0]), /received weights \[2\] for losses \[2,2\]/);
  });
  it('gradients w.r.t. logits', () => {
    const lab = [[1, 0, 1], [0, 0, 1]];
    for (const red of [NONE, SUM, SBNZ]) {
      for (const ls of [0, 0.3]) checkGrad((x) => losses.sigmoidCrossEntropy(lab, x, [[2], [0.5]], ls, red), [randInput([2, 3], 71, -3, 3)]);
    }
  });
});

// ---------------------------------------------------------------- PyTorch 1.13 golden values
interface Arr { values: number[]; shape: number[] }
interface Case {
  labels: Arr; predictions?: Arr; logits?: Arr; weights?: Arr; none: Arr;
  mean?: number; sum?: number; grad?: number[]; delta?: number; beta?: number; labelSmoothing?: number; manual?: number[];
}
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/losses.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };
const T = (a: Arr) => tf.tensor(a.values, a.shape);

describe('losses vs PyTorch 1.13 (fixtures)', () => {
  type Reg = (l: tf.Tensor, p: tf.Tensor, red: Reduction) => tf.Tensor;
  const regressions: [string, Reg, number][] = [
    ['mse', (l, p, r) => losses.meanSquaredError(l, p, undefined, r), 1e-5],
    ['l1', (l, p, r) => losses.absoluteDifference(l, p, undefined, r), 1e-5],
    ['huber_1', (l, p, r) => losses.huberLoss(l, p, undefined, 1, r), 1e-5],
    ['huber_0.7', (l, p, r) => losses.huberLoss(l, p, undefined, fixtures.cases['huber_0.7']!.delta, r), 1e-5],
    // torch smooth_l1(beta) = huber(delta = beta) / beta
    ['smooth_l1_0.5', (l, p, r) => tf.div(losses.huberLoss(l, p, undefined, 0.5, r), 0.5), 1e-5],
    // torch binary_cross_entropy has no epsilon: agreement to ~1e-6
    ['log_loss', (l, p, r) => losses.logLoss(l, p, undefined, 1e-7, r), 2e-5],
  ];
  for (const [key, f, tol] of regressions) {
    it(`${key}: none / mean / sum and gradient of the mean`, () => {
      const c = fixtures.cases[key]!;
      const l = T(c.labels);
      const p = T(c.predictions!);
      const none = f(l, p, NONE);
      assert.deepEqual(none.shape, c.none.shape);
      close(Array.from(none.dataSync()), c.none.values, tol, key);
      approx(f(l, p, SBNZ), c.mean!, tol);
      approx(f(l, p, MEAN), c.mean!, tol);
      approx(f(l, p, SUM), c.sum!, tol);
      const g = tf.grad((x: tf.Tensor) => f(l, x, SBNZ))(p);
      close(Array.from(g.dataSync()), c.grad!, tol, `${key} grad`);
    });
  }
  for (const ls of ['0.0', '0.2']) {
    it(`binary_cross_entropy_with_logits, weights [4,1], label smoothing ${ls}`, () => {
      const c = fixtures.cases[`bce_logits_ls${ls}`]!;
      const [l, x, w] = [T(c.labels), T(c.logits!), T(c.weights!)];
      const f = (r: Reduction, xx = x) => losses.sigmoidCrossEntropy(l, xx, w, c.labelSmoothing, r);
      close(Array.from(f(NONE).dataSync()), c.none.values, 1e-5);
      approx(f(SUM), c.sum!);
      approx(f(SOBS), c.mean!); // torch 'mean' with weight divides by numel
      const g = tf.grad((xx: tf.Tensor) => f(SOBS, xx))(x);
      close(Array.from(g.dataSync()), c.grad!, 1e-5);
    });
  }
  for (const name of ['onehot', 'soft']) {
    for (const ls of ['0.0', '0.1']) {
      it(`cross_entropy with ${name} labels, label smoothing ${ls}`, () => {
        const c = fixtures.cases[`ce_${name}_ls${ls}`]!;
        const [l, x] = [T(c.labels), T(c.logits!)];
        const f = (r: Reduction, xx = x) => losses.softmaxCrossEntropy(l, xx, undefined, c.labelSmoothing, r);
        const none = f(NONE);
        assert.deepEqual(none.shape, c.none.shape);
        close(Array.from(none.dataSync()), c.none.values, 1e-5);
        close(Array.from(none.dataSync()), c.manual!, 1e-5);
        approx(f(SBNZ), c.mean!);
        approx(f(SUM), c.sum!);
        const g = tf.grad((xx: tf.Tensor) => f(SBNZ, xx))(x);
        close(Array.from(g.dataSync()), c.grad!, 1e-5);
      });
    }
  }
  it('1 - cosine_similarity on unit vectors', () => {
    const c = fixtures.cases['cosine']!;
    const r = losses.cosineDistance(T(c.labels), T(c.predictions!), 1, undefined, NONE);
    assert.deepEqual(r.shape, [c.none.shape[0]!, 1]);
    close(Array.from(r.dataSync()), c.none.values, 1e-5);
  });
});
