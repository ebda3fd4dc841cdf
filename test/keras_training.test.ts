/**
 * More Keras losses (hand values + PyTorch 1.13 goldens from fixtures/keras_losses.json),
 * stateful metrics, and training callbacks on tiny models trained with `model.fit`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../src/index.ts';
import { close, expectTensor, expectThrows } from './util.ts';
import * as L from '../src/losses/keras_more.ts';
import { moreLosses, moreLossAliases, moreLossObjects } from '../src/losses/keras_more.ts';
import { AUC, confusionMatrix, MeanAbsoluteErrorMetric, MeanSquaredErrorMetric, moreMetrics, moreMetricAliases, Precision, Recall, SparseTopKCategoricalAccuracy, sparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, topKCategoricalAccuracy } from '../src/metrics/more_metrics.ts';
import { Metric } from '../src/metrics/keras_metrics.ts';
import { callbacks, CSVLogger, EarlyStopping, formatFilepath, LearningRateScheduler, ModelCheckpoint, pyFloat, ReduceLROnPlateau, TerminateOnNaN } from '../src/models/more_callbacks.ts';
import { decodeWeights, encodeWeights, fsImpl, loadModelWeights, readWeightsFile, resetFsImpl } from '../src/models/weights_io.ts';
import { Callback, type Logs } from '../src/models/callbacks.ts';
import { tfFunction } from '../src/graph/function.ts';

const t2 = (v: number[][]) => tf.tensor(v, [v.length, v[0]!.length], 'float32');
const val = (t: tf.Tensor) => Array.from(t.dataSync());

interface Case {
  y_true: { values: number[]; shape: number[] };
  y_pred: { values: number[]; shape: number[] };
  y_true_keras?: { values: number[]; shape: number[] };
  per_sample: number[];
  grad: number[];
}
const fixtures = JSON.parse(fs.readFileSync(new URL('./fixtures/keras_losses.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

describe('more Keras losses', () => {
  it('hand-computed values', () => {
    expectTensor(L.meanAbsolutePercentageError(t2([[1, 2]]), t2([[1.5, 1]])), [50], [1]);
    expectTensor(L.meanSquaredLogarithmicError(t2([[0]]), t2([[Math.E - 1]])), [1], [1]);
    expectTensor(L.huber(t2([[0, 0]]), t2([[0.5, 3]])), [(0.125 + 2.5) / 2]);
    expectTensor(L.huber(t2([[0, 0]]), t2([[0.5, 3]]), 2), [(0.125 + (6 - 2)) / 2]);
    // {0,1} labels become {-1,1} (whole batch binary) ...
    expectTensor(L.hinge(t2([[1, 0]]), t2([[0.3, 0.4]])), [(0.7 + 1.4) / 2]);
    expectTensor(L.squaredHinge(t2([[1, 0]]), t2([[0.3, 0.4]])), [(0.49 + 1.96) / 2]);
    // ... other labels are used as they are
    expectTensor(L.hinge(t2([[-1, 2]]), t2([[0.5, 0.25]])), [(1.5 + 0.5) / 2]);
    expectTensor(L.categoricalHinge(t2([[0, 1, 0]]), t2([[0.2, 0.5, 0.9]])), [1.4]);
    expectTensor(L.categoricalHinge(t2([[0, 1, 0]]), t2([[0.2, 3, 0.9]])), [0]);
    expectTensor(L.kullbackLeiblerDivergence(t2([[0.5, 0.5]]), t2([[0.25, 0.75]])), [0.5 * Math.log(2) + 0.5 * Math.log(2 / 3)]);
    expectTensor(L.kullbackLeiblerDivergence(t2([[0, 1]]), t2([[0, 1]])), [1e-7 * Math.log(1)]);
    expectTensor(L.poisson(t2([[1]]), t2([[2]])), [2 - Math.log(2 + 1e-7)]);
    expectTensor(L.cosineSimilarity(t2([[1, 0], [3, 4]])!, t2([[1, 1], [-3, -4]])), [-Math.SQRT1_2, 1]);
    expectTensor(L.cosineSimilarity(t2([[0, 0]]), t2([[1, 1]])), [0]); // zero vector: no NaN
    // log cosh stays finite where cosh overflows
    expectTensor(L.logCosh(t2([[0, 0]]), t2([[1000, 0.5]])), [(1000 - Math.log(2) + Math.log(Math.cosh(0.5))) / 2], [1], 1e-6);
  });

  for (const [name, c] of Object.entries(fixtures.cases)) {
    it(`${name}: per-sample values and gradient match PyTorch 1.13`, () => {
      const fnName = name === 'hingeRaw' ? 'hinge' : name;
      const fn = moreLosses[fnName]!;
      const yt = c.y_true_keras ?? c.y_true;
      // float32 backend values
      const y = tf.tensor(yt.values, yt.shape, 'float32');
      const p = tf.tensor(c.y_pred.values, c.y_pred.shape, 'float32');
      close(val(fn(y, p)), c.per_sample, 1e-5, name);
      // float64 backend: values and gradient of the batch mean, tightly
      const prev = tf.getBackend();
      tf.ENGINE.setBackendSync('reference64');
      try {
        const y64 = tf.tensor(yt.values, yt.shape, 'float32');
        const p64 = tf.tensor(c.y_pred.values, c.y_pred.shape, 'float32');
        close(val(fn(y64, p64)), c.per_sample, 1e-10, `${name} (float64)`);
        const [g] = tf.grads((q: tf.Tensor) => tf.mean(fn(y64, q)))([p64]);
        close(val(g!), c.grad, 1e-9, `${name} grad`);
      } finally {
        tf.ENGINE.setBackendSync(prev);
      }
    });
  }

  it('exports names, Keras aliases and loss objects', () => {
    assert.deepEqual(Object.keys(moreLosses).sort(), ['categoricalHinge', 'cosineSimilarity', 'hinge', 'huber', 'kullbackLeiblerDivergence', 'logCosh', 'meanAbsolutePercentageError', 'meanSquaredLogarithmicError', 'poisson', 'squaredHinge']);
    for (const [alias, target] of Object.entries(moreLossAliases)) assert.ok(moreLosses[target], `${alias} → ${target}`);
    assert.equal(moreLossAliases['kl_divergence'], 'kullbackLeiblerDivergence');
    assert.equal(moreLossAliases['log_cosh'], 'logCosh');
    const h = moreLossObjects.huber({ delta: 2 });
    assert.equal(h.name, 'huber');
    expectTensor(h.fn(t2([[0]]), t2([[3]])), [4]);
    expectThrows(() => moreLossObjects.huber({ delta: 0 }), /Huber: `delta` must be a positive number, received 0/);
  });

  it('every loss traces in tf.function (no host reads; the hinge label check is an op) and replays', () => {
    for (const [name, fn] of Object.entries(moreLosses)) {
      const f = tfFunction((a: tf.Tensor, b: tf.Tensor) => fn(a, b));
      for (const y of [t2([[1, 0, 1], [0, 0, 1]]), t2([[0.3, 0.2, 0.5], [0.1, 0.6, 0.3]])]) {
        const p = t2([[0.2, 0.3, 0.5], [0.7, 0.1, 0.2]]);
        assert.deepEqual(val(f(y, p)), val(fn(y, p)), name);
      }
      assert.equal(f.traceCount, 1, name);
    }
  });

  it('errors name the loss and both shapes', () => {
    expectThrows(() => L.poisson(t2([[1, 2]]), t2([[1, 2, 3]])), /poisson: labels and predictions must have the same shape: labels are \[1,2\], predictions \[1,3\]/);
    expectThrows(() => L.huber(t2([[1]]), t2([[1]]), -1), /huber: `delta` must be a positive number, received -1/);
  });

  it('train a model with a new loss through compile({loss: fn})', async () => {
    tf.resetLayerNames();
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })] });
    m.compile({ optimizer: tf.train.sgd(0.1), loss: L.logCosh });
    const x = t2([[1, 2, 3], [0, 1, 0], [1, 0, 1], [2, 1, 0]]);
    const y = t2([[1, 0], [0, 1], [1, 1], [0, 0]]);
    const h = await m.fit(x, y, { epochs: 20, batchSize: 4, verbose: 0 });
    const l = h.history['loss']!;
    assert.ok(l[19]! < l[0]!, `loss should decrease: ${l[0]} → ${l[19]}`);
  });
});

describe('more Keras metrics', () => {
  const yOne = t2([[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 0]]);
  const pred = t2([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.4, 0.4, 0.2]]);

  it('topKCategoricalAccuracy / sparseTopKCategoricalAccuracy (ties at the boundary count as in)', () => {
    expectTensor(topKCategoricalAccuracy(yOne, pred, 1), [1, 0, 0, 1]); // row 3: tie 0.4/0.4 → in top 1
    expectTensor(topKCategoricalAccuracy(yOne, pred, 2), [1, 1, 0, 1]);
    expectTensor(sparseTopKCategoricalAccuracy(tf.tensor([2, 1, 0, 1], [4], 'int32'), pred, 1), [1, 0, 0, 1]);
    expectTensor(sparseTopKCategoricalAccuracy(tf.tensor([[2], [2], [0], [2]], [4, 1], 'float32'), pred, 2), [1, 0, 0, 0]);
    expectTensor(sparseTopKCategoricalAccuracy(tf.tensor([0], [1], 'int32'), t2([[NaN, 1]]), 2), [0]);
    const m = new TopKCategoricalAccuracy({ k: 1 });
    assert.equal(m.name, 'top_k_categorical_accuracy');
    m.update(yOne, pred);
    assert.equal(m.result(), 0.5);
    const s = new SparseTopKCategoricalAccuracy();
    s.update(tf.tensor([1], [1], 'int32'), t2([[1, 2, 3, 4, 5, 6]])); // class 1 is 5th of 6 → in top 5
    s.update(tf.tensor([0], [1], 'int32'), t2([[1, 2, 3, 4, 5, 6]])); // 6th → out
    assert.equal(s.result(), 0.5);
    expectThrows(() => new TopKCategoricalAccuracy({ k: 0 }), /TopKCategoricalAccuracy: Received an invalid value for `k`, expected a positive integer. Received: k=0/);
    expectThrows(() => sparseTopKCategoricalAccuracy(tf.tensor([3], [1], 'int32'), t2([[1, 2, 3]])), /sparseTopKCategoricalAccuracy: label 3 of sample 0 is out of range \[0, 3\)/);
  });

  it('Precision and Recall count over every update (two batches = their concatenation, not the mean of batch values)', () => {
    const y1 = t2([[1], [0], [0], [0]]);
    const p1 = t2([[0.9], [0.8], [0.7], [0.6]]); // tp 1, fp 3  → batch precision 0.25
    const y2 = t2([[1], [1]]);
    const p2 = t2([[0.9], [0.5]]); // tp 1, fn 1 (0.5 is not > 0.5) → batch precision 1
    const prec = new Precision();
    prec.update(y1, p1);
    prec.update(y2, p2);
    assert.equal(prec.result(), 2 / 5);
    const whole = new Precision();
    whole.update(tf.concat([y1, y2], 0), tf.concat([p1, p2], 0));
    assert.equal(whole.result(), prec.result());
    assert.notEqual(prec.result(), (0.25 + 1) / 2);
    const rec = new Recall();
    rec.update(y1, p1);
    rec.update(y2, p2);
    assert.equal(rec.result(), 2 / 3);
    assert.deepEqual(rec.counts(), { truePositives: 2, falsePositives: 3, falseNegatives: 1 });
    rec.reset();
    assert.equal(rec.result(), 0); // no positives: 0, not NaN
    const hi = new Precision({ thresholds: 0.85 });
    hi.update(tf.concat([y1, y2], 0), tf.concat([p1, p2], 0));
    assert.equal(hi.result(), 1);
    const c1 = new Recall({ classId: 1 });
    c1.update(t2([[1, 1], [1, 0]]), t2([[0, 0.9], [0.9, 0.9]]));
    assert.equal(c1.result(), 1);
    expectThrows(() => new Precision({ thresholds: 1.5 }), /Precision: Threshold values must be in \[0, 1\]. Received: thresholds=1.5/);
  });

  it('AUC: ROC with trapezoidal interpolation, hand-computed cases, stateful', () => {
    const a = new AUC();
    a.update(tf.tensor([0, 0, 1, 1], [4], 'float32'), tf.tensor([0.1, 0.4, 0.35, 0.8], [4], 'float32'));
    close([a.result()], [0.75], 1e-12);
    a.reset();
    a.update(tf.tensor([0, 1], [2], 'float32'), tf.tensor([0.5, 0.5], [2], 'float32'));
    close([a.result()], [0.5], 1e-12);
    a.reset();
    a.update(tf.tensor([0, 1, 0, 1], [4], 'float32'), tf.tensor([0.1, 0.9, 0.2, 0.95], [4], 'float32'));
    close([a.result()], [1], 1e-12);
    // two batches = their concatenation
    const y = tf.tensor([0, 1, 1, 0, 1, 0, 0, 1, 1, 0], [10], 'float32');
    const p = tf.tensor([0.2, 0.6, 0.4, 0.45, 0.9, 0.1, 0.7, 0.3, 0.55, 0.5], [10], 'float32');
    const whole = new AUC();
    whole.update(y, p);
    const parts = new AUC();
    parts.update(tf.slice(y, [0], [4]), tf.slice(p, [0], [4]));
    parts.update(tf.slice(y, [4], [6]), tf.slice(p, [4], [6]));
    assert.equal(parts.result(), whole.result());
    // equals the exact (Mann-Whitney) AUC here: every pair of scores is separated by a threshold
    let good = 0;
    let pairs = 0;
    const yv = val(y);
    const pv = val(p);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) if (yv[i] === 1 && yv[j] === 0) {
      pairs++;
      good += pv[i]! > pv[j]! ? 1 : pv[i] === pv[j] ? 0.5 : 0;
    }
    close([whole.result()], [good / pairs], 1e-12);
    expectThrows(() => new AUC({ numThresholds: 1 }), /AUC: Argument `numThresholds` must be an integer > 1. Received: numThresholds=1/);
    expectThrows(() => whole.update(tf.tensor([1], [1], 'float32'), tf.tensor([1.5], [1], 'float32')), /AUC: predictions must be in \[0, 1\], received 1.5/);
  });

  it('MeanSquaredError / MeanAbsoluteError metrics average over samples, not batches', () => {
    const mse = new MeanSquaredErrorMetric();
    mse.update(t2([[0, 0]]), t2([[1, 3]])); // 5
    mse.update(t2([[0, 0], [0, 0], [0, 0]]), t2([[1, 1], [1, 1], [1, 1]])); // 1, 1, 1
    assert.equal(mse.result(), (5 + 3) / 4);
    assert.equal(mse.name, 'mean_squared_error');
    const mae = new MeanAbsoluteErrorMetric();
    mae.update(t2([[0, 0]]), t2([[1, -3]]));
    assert.equal(mae.result(), 2);
  });

  it('confusionMatrix: tf.math.confusion_matrix semantics, int32', () => {
    const cm = confusionMatrix(tf.tensor([1, 2, 4], [3], 'int32'), tf.tensor([2, 2, 4], [3], 'int32'));
    assert.equal(cm.dtype, 'int32');
    expectTensor(cm, [[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]], [5, 5]);
    const cm3 = confusionMatrix(tf.tensor([0, 0, 1, 2], [4], 'int32'), tf.tensor([0, 1, 1, 0], [4], 'int32'), 3);
    expectTensor(cm3, [[1, 1, 0], [0, 1, 0], [1, 0, 0]], [3, 3]);
    const w = confusionMatrix(tf.tensor([0, 1], [2], 'int32'), tf.tensor([0, 0], [2], 'int32'), 2, tf.tensor([0.5, 2], [2], 'float32'));
    assert.equal(w.dtype, 'float32');
    expectTensor(w, [[0.5, 0], [2, 0]]);
    expectThrows(() => confusionMatrix(tf.tensor([0, 3], [2], 'int32'), tf.tensor([0, 0], [2], 'int32'), 3), /confusionMatrix: `labels` must be < numClasses \(3\), received 3 at index 1/);
    expectThrows(() => confusionMatrix(tf.tensor([0], [1], 'int32'), tf.tensor([0, 0], [2], 'int32')), /confusionMatrix: `predictions` must be a 1-D tensor with the labels' length/);
  });

  it('moreMetrics factories give fresh Metric instances; aliases resolve', () => {
    for (const [k, f] of Object.entries(moreMetrics)) {
      const a = f();
      assert.ok(a instanceof Metric, k);
      assert.notEqual(a, f());
    }
    for (const [alias, target] of Object.entries(moreMetricAliases)) assert.ok(moreMetrics[target], `${alias} → ${target}`);
  });

  it('a Metric instance compiles into a model and reports per epoch (stateful through fit)', async () => {
    tf.resetLayerNames();
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) })] });
    const prec = new Precision();
    m.compile({ optimizer: tf.train.sgd(0), loss: 'binaryCrossentropy', metrics: [prec] });
    const x = t2([[1, 0], [0, 1], [1, 1], [-1, 0], [0, -1], [-1, -1]]);
    const y = t2([[1], [0], [1], [0], [1], [0]]);
    const h = await m.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
    const whole = new Precision();
    whole.update(y, m.predict(x));
    assert.equal(h.history['precision']![0], whole.result());
  });
});

// ------------------------------------------------------------------------------- callbacks

function tinyModel(seed = 1, lr = 0.05) {
  tf.resetLayerNames();
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
  m.compile({ optimizer: tf.train.sgd(lr), loss: 'meanSquaredError' });
  return m;
}
const X = t2([[1, 2], [0, 1], [1, 0], [2, 1], [-1, 1], [0.5, -1]]);
const Y = t2([[1], [0.5], [0.2], [1.5], [0], [-0.5]]);

/** Writes a scripted value into the logs (runs before the callbacks after it). */
class Inject extends Callback {
  constructor(
    private readonly key: string,
    private readonly seq: number[],
  ) {
    super();
  }
  override async onEpochEnd(epoch: number, logs: Logs = {}) {
    logs[this.key] = this.seq[epoch]!;
  }
}

/** Records the kernel at the end of every epoch. */
class Snap extends Callback {
  kernels: number[][] = [];
  constructor(private readonly m: tf.LayersModel) {
    super();
  }
  override async onEpochEnd() {
    this.kernels.push(val(this.m.getWeights()[0]!));
  }
}

describe('Keras callbacks', () => {
  it('EarlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const m = tinyModel();
    const snap = new Snap(m);
    const es = new EarlyStopping({ monitor: 'score', mode: 'min', patience: 2, restoreBestWeights: true });
    const h = await m.fit(X, Y, { epochs: 20, batchSize: 6, verbose: 0, callbacks: [new Inject('score', [5, 4, 3, 3.5, 3.2, 3.1, 1]), es, snap] });
    assert.equal(h.epoch.length, 5); // epochs 0..4; best at 2, no improvement at 3 and 4
    assert.equal(es.stoppedEpoch, 4);
    assert.equal(es.bestEpoch, 2);
    assert.deepEqual(val(m.getWeights()[0]!), snap.kernels[2]);
    assert.notDeepEqual(snap.kernels[4], snap.kernels[2]);
  });

  it('EarlyStopping: minDelta, mode auto (max for accuracy), baseline, no restore by default', async () => {
    let m = tinyModel();
    let es = new EarlyStopping({ monitor: 'val_score', minDelta: 0.5, patience: 1 });
    // 'val_score' has no known direction: mode 'auto' refuses, like Keras
    await assert.rejects(m.fit(X, Y, { epochs: 3, verbose: 0, callbacks: [new Inject('val_score', [1, 2, 3]), es] }), /EarlyStopping callback received monitor=val_score/);
    m = tinyModel();
    es = new EarlyStopping({ monitor: 'val_acc', minDelta: 0.5, patience: 1 });
    let h = await m.fit(X, Y, { epochs: 10, verbose: 0, callbacks: [new Inject('val_acc', [0.1, 0.5, 0.7, 0.9, 1.5, 1.6, 1.7]), es] });
    // improvements need > 0.5: epoch 1 (0.5 − 0.5 = 0 > 0.1? no) → stop at epoch 1
    assert.equal(h.epoch.length, 2);
    m = tinyModel();
    es = new EarlyStopping({ monitor: 'v', mode: 'min', baseline: 2.5, patience: 1 });
    const snap = new Snap(m);
    h = await m.fit(X, Y, { epochs: 10, verbose: 0, callbacks: [new Inject('v', [3, 2.8, 2.9, 2]), es, snap] });
    // 2.8 improves on 3 but not on the baseline: wait is not reset, so 2.9 stops training
    assert.equal(h.epoch.length, 3);
    assert.deepEqual(val(m.getWeights()[0]!), snap.kernels[2]); // restoreBestWeights=false
    expectThrows(() => new EarlyStopping({ patience: -1 }), /EarlyStopping: Received an invalid value for `patience`, expected a non-negative integer. Received: patience=-1/);
    expectThrows(() => new EarlyStopping({ mode: 'up' as never }), /EarlyStopping: Received an invalid value for `mode`/);
    expectThrows(() => new EarlyStopping({ patients: 3 } as never), /EarlyStopping: unknown argument\(s\) `patients`/);
  });

  it('EarlyStopping on real val_loss restores the weights of the lowest val_loss epoch', async () => {
    const m = tinyModel(2, 0.3);
    const snap = new Snap(m);
    const es = callbacks.earlyStopping({ patience: 1, restoreBestWeights: true });
    const h = await m.fit(X, Y, { epochs: 40, batchSize: 2, shuffle: false, verbose: 0, validationData: [t2([[3, 3], [-2, 2]]), t2([[0], [9]])], callbacks: [es, snap] });
    const vl = h.history['val_loss']!;
    const best = vl.indexOf(Math.min(...vl));
    assert.equal(es.bestEpoch, best);
    assert.deepEqual(val(m.getWeights()[0]!), snap.kernels[best]);
  });

  it('ReduceLROnPlateau lowers the optimizer learning rate after `patience` flat epochs, with cooldown and minLr', async () => {
    const m = tinyModel(1, 0.1);
    const r = new ReduceLROnPlateau({ monitor: 'v', factor: 0.5, patience: 2 });
    const h = await m.fit(X, Y, { epochs: 6, verbose: 0, callbacks: [new Inject('v', [1, 1, 1, 1, 1, 1]), r] });
    // learning_rate is logged before the epoch's reduction
    assert.deepEqual(h.history['learning_rate'], [0.1, 0.1, 0.1, 0.05, 0.05, 0.025].map(Math.fround));
    assert.equal(m.optimizer!.learningRate, Math.fround(Math.fround(0.05) * 0.5));
    const m2 = tinyModel(1, 0.1);
    const r2 = callbacks.reduceLROnPlateau({ monitor: 'v', factor: 0.1, patience: 1, cooldown: 2, minLr: 0.005 });
    const h2 = await m2.fit(X, Y, { epochs: 8, verbose: 0, callbacks: [new Inject('v', [1, 1, 1, 1, 1, 1, 1, 1]), r2] });
    // (logged values are those before each epoch's change) reduce at 1; cooldown counts 2 → 1
    // at epoch 2 and 1 → 0 at epoch 3, where the wait resumes and reduces (clamped to minLr);
    // then never below minLr
    assert.deepEqual(h2.history['learning_rate'], [0.1, 0.1, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005].map(Math.fround));
    // improvements reset the wait
    const m3 = tinyModel(1, 0.1);
    const h3 = await m3.fit(X, Y, { epochs: 5, verbose: 0, callbacks: [new Inject('v', [5, 4, 3, 2, 1]), new ReduceLROnPlateau({ monitor: 'v', patience: 1 })] });
    assert.deepEqual(h3.history['learning_rate'], new Array(5).fill(Math.fround(0.1)));
    expectThrows(() => new ReduceLROnPlateau({ factor: 1 }), /ReduceLROnPlateau: ReduceLROnPlateau does not support a factor >= 1.0. Received factor=1/);
  });

  it('a lowered learning rate is the one the next steps use (same weights as a hand SGD loop)', async () => {
    const m = tinyModel(4, 0.1);
    await m.fit(X, Y, { epochs: 2, batchSize: 6, verbose: 0, callbacks: [new LearningRateScheduler((e) => (e === 0 ? 0.1 : 0.02))] });
    const h = tinyModel(4, 0.1);
    const w = h.trainableWeights;
    for (const lr of [0.1, 0.02]) {
      const { grads } = tf.variableGrads(() => tf.mean(tf.mean(tf.square(tf.sub(Y, h.apply(X, {}) as tf.Tensor)), -1)), w);
      const opt = tf.train.sgd(Math.fround(lr));
      opt.applyGradients(w.map((v) => [grads[v.name]!, v] as [tf.Tensor, tf.Variable]));
    }
    assert.deepEqual(val(m.getWeights()[0]!), val(h.getWeights()[0]!));
  });

  it('LearningRateScheduler sets schedule(epoch, lr) at each epoch start and logs it', async () => {
    const m = tinyModel(1, 0.1);
    const seen: number[] = [];
    const s = callbacks.learningRateScheduler((epoch, lr) => {
      seen.push(lr);
      return epoch < 2 ? lr : lr * 0.5;
    });
    const h = await m.fit(X, Y, { epochs: 4, verbose: 0, callbacks: [s] });
    const f = Math.fround;
    assert.deepEqual(seen, [f(0.1), f(0.1), f(0.1), f(f(0.1) * 0.5)]);
    assert.deepEqual(h.history['learning_rate'], [f(0.1), f(0.1), f(f(0.1) * 0.5), f(f(f(0.1) * 0.5) * 0.5)]);
    await assert.rejects(m.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new LearningRateScheduler(() => NaN)] }), /LearningRateScheduler: The output of the `schedule` function should be a finite number. Got: NaN/);
  });

  it('CSVLogger writes Keras CSV (epoch + sorted keys, Python float repr, NA, append, separator)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-csv-'));
    const file = path.join(dir, 'log.csv');
    const m = tinyModel();
    const h = await m.fit(X, Y, { epochs: 3, verbose: 0, validationData: [X, Y], callbacks: [new CSVLogger(file)] });
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(lines[0], 'epoch,loss,val_loss');
    for (let e = 0; e < 3; e++) assert.equal(lines[e + 1], `${e},${pyFloat(h.history['loss']![e]!)},${pyFloat(h.history['val_loss']![e]!)}`);
    assert.equal(lines[4], '');
    assert.equal(lines.length, 5);
    // append: no second header
    await m.fit(X, Y, { epochs: 1, verbose: 0, validationData: [X, Y], callbacks: [callbacks.csvLogger(file, { append: true })] });
    const again = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(again.length, 6);
    assert.match(again[4]!, /^0,[0-9.e-]+,[0-9.e-]+$/);
    // no validation data: Keras still adds val_ columns, filled with NA; custom separator
    const f2 = path.join(dir, 'log2.csv');
    await m.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new Inject('acc', [0.5, 1]), new CSVLogger(f2, { separator: ';' })] });
    const l2 = fs.readFileSync(f2, 'utf8').split('\n');
    assert.equal(l2[0], 'epoch;acc;loss;val_acc;val_loss');
    assert.match(l2[1]!, /^0;0\.5;[0-9.e-]+;NA;NA$/);
    assert.match(l2[2]!, /^1;1\.0;[0-9.e-]+;NA;NA$/);
    fs.rmSync(dir, { recursive: true });
    expectThrows(() => new CSVLogger(file, { separator: ';;' }), /CSVLogger: Received an invalid value for `separator`, expected a single character/);
  });

  it('TerminateOnNaN stops training after the first batch with a NaN loss', async () => {
    const m = tinyModel();
    let batches = 0;
    const yBad = t2([[NaN], [0], [0], [0], [0], [0]]);
    const h = await m.fit(X, yBad, { epochs: 5, batchSize: 2, shuffle: false, verbose: 0, callbacks: [callbacks.terminateOnNaN(), { onBatchEnd: () => void batches++ }] });
    assert.equal(batches, 1);
    assert.equal(h.epoch.length, 1);
    assert.ok(Number.isNaN(h.history['loss']![0]!));
    assert.ok(new TerminateOnNaN() instanceof Callback);
  });

  it('ModelCheckpoint writes readable weight files named from {epoch:02d}/{val_loss:.2f}; saveBestOnly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-ckpt-'));
    const m = tinyModel();
    const snap = new Snap(m);
    const ck = new ModelCheckpoint(path.join(dir, 'sub', 'w-{epoch:02d}-{val_loss:.2f}.weights.bin'));
    const h = await m.fit(X, Y, { epochs: 3, verbose: 0, validationData: [X, Y], callbacks: [ck, snap] });
    assert.equal(ck.saved.length, 3);
    for (let e = 0; e < 3; e++) {
      const name = `w-${String(e + 1).padStart(2, '0')}-${h.history['val_loss']![e]!.toFixed(2)}.weights.bin`;
      assert.equal(path.basename(ck.saved[e]!), name);
      const entries = readWeightsFile(ck.saved[e]!);
      assert.deepEqual(entries.map((x) => [x.name, x.shape, x.dtype]), m.weights.map((w) => [w.name, w.shape, w.dtype]));
      assert.deepEqual(val(entries[0]!.tensor), snap.kernels[e]);
    }
    // load into a fresh model
    const fresh = tinyModel(7);
    loadModelWeights(fresh, ck.saved[2]!);
    assert.deepEqual(val(fresh.getWeights()[0]!), val(m.getWeights()[0]!));
    assert.deepEqual(val(fresh.predict(X)), val(m.predict(X)));
    // saveBestOnly with a scripted monitor (mode auto, 'val_loss' → min)
    const best = callbacks.modelCheckpoint(path.join(dir, 'best-{epoch}.bin'), { saveBestOnly: true, monitor: 'val_loss' });
    await m.fit(X, Y, { epochs: 5, verbose: 0, callbacks: [new Inject('val_loss', [3, 2, 2.5, 1, 1]), best] });
    assert.deepEqual(best.saved.map((p) => path.basename(p)), ['best-1.bin', 'best-2.bin', 'best-4.bin']);
    const acc = new ModelCheckpoint(path.join(dir, 'acc.bin'), { saveBestOnly: true, monitor: 'val_acc' });
    await m.fit(X, Y, { epochs: 3, verbose: 0, callbacks: [new Inject('val_acc', [0.5, 0.4, 0.6]), acc] });
    assert.equal(acc.saved.length, 2); // 'acc' in the name → maximize
    fs.rmSync(dir, { recursive: true });
    expectThrows(() => new ModelCheckpoint('x.bin', { saveWeightsOnly: false }), /ModelCheckpoint: Received saveWeightsOnly=false with filepath 'x.bin'/);
    expectThrows(() => new ModelCheckpoint('x.keras', { saveWeightsOnly: true }), /ModelCheckpoint: Received saveWeightsOnly=true with filepath 'x.keras'/);
  });

  it('ModelCheckpoint: .keras saves the whole model, .weights.h5 / .safetensors the weights (src/io)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-ckpt-fmt-'));
    try {
      const m = tinyModel(3);
      const whole = callbacks.modelCheckpoint(path.join(dir, 'm-{epoch}.keras'));
      const weights = callbacks.modelCheckpoint(path.join(dir, 'w-{epoch}.weights.h5'));
      const st = callbacks.modelCheckpoint(path.join(dir, 'w-{epoch}.safetensors'));
      await m.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [whole, weights, st] });
      assert.deepEqual(whole.saved.map((p) => path.basename(p)), ['m-1.keras', 'm-2.keras']);
      const back = await tf.loadLayersModel(whole.saved[1]!);
      assert.deepEqual(Array.from(back.predict(X).dataSync()), Array.from(m.predict(X).dataSync()));
      for (const f of [weights.saved[1]!, st.saved[1]!]) {
        const fresh = tinyModel(9);
        await fresh.loadWeights(f);
        assert.deepEqual(Array.from(fresh.getWeights()[0]!.dataSync()), Array.from(m.getWeights()[0]!.dataSync()), f);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ModelCheckpoint: a failure mid-write leaves the previous checkpoint intact and no temp file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-ckpt-'));
    const file = path.join(dir, 'model.weights.bin');
    const m = tinyModel();
    await m.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint(file)] });
    const before = fs.readFileSync(file);
    const kernelBefore = val(readWeightsFile(file)[0]!.tensor);
    assert.deepEqual(kernelBefore, val(m.getWeights()[0]!));
    let tempSeen = '';
    fsImpl.writeSync = (fd: number, buf: Uint8Array) => {
      tempSeen = fs.readdirSync(dir).filter((n) => n.includes('.tmp-')).join(',');
      fs.writeSync(fd, buf.subarray(0, 7)); // a partial write reaches the temp file ...
      throw new Error('disk full (injected)'); // ... then the write fails
    };
    try {
      await assert.rejects(m.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new ModelCheckpoint(file)] }), /disk full \(injected\)/);
    } finally {
      resetFsImpl();
    }
    assert.match(tempSeen, /^\.model\.weights\.bin\.tmp-/); // the temp file existed during the write
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(dir), ['model.weights.bin']);
    assert.notDeepEqual(val(m.getWeights()[0]!), kernelBefore); // the model did train on
    // a failing rename is handled the same way
    fsImpl.renameSync = () => {
      throw new Error('rename failed (injected)');
    };
    try {
      await assert.rejects(m.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint(file)] }), /rename failed/);
    } finally {
      resetFsImpl();
    }
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(dir), ['model.weights.bin']);
    fs.rmSync(dir, { recursive: true });
  });

  it('weights files: format round trip and validation of damaged files', () => {
    const a = tf.tensor([1.5, -2, 3.25, 1e-8, -0, 7], [2, 3], 'float32');
    const b = tf.tensor([1, -2], [2], 'int32');
    const bytes = encodeWeights([{ name: 'a', tensor: a }, { name: 'b', tensor: b }]);
    assert.equal(String.fromCharCode(...bytes.subarray(0, 8)), 'IDEMWTS1');
    const hlen = new DataView(bytes.buffer).getUint32(8, true);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen))), {
      format: 'idem-weights',
      version: 1,
      weights: [{ name: 'a', shape: [2, 3], dtype: 'float32' }, { name: 'b', shape: [2], dtype: 'int32' }],
    });
    assert.equal(bytes.length, 12 + hlen + 4 * 8);
    assert.equal(new DataView(bytes.buffer).getFloat32(12 + hlen, true), 1.5); // little-endian float32
    const back = decodeWeights(bytes);
    assert.deepEqual(val(back[0]!.tensor), val(a));
    assert.equal(back[1]!.tensor.dtype, 'int32');
    assert.deepEqual(val(back[1]!.tensor), [1, -2]);
    expectThrows(() => decodeWeights(bytes.subarray(0, bytes.length - 1), 'f.bin'), /loadWeights: f.bin is not a valid idem weights file: expected \d+ bytes for the weights its header lists, found \d+/);
    const badMagic = bytes.slice();
    badMagic[0] = 0x58;
    expectThrows(() => decodeWeights(badMagic), /expected magic "IDEMWTS1"/);
    const badHeader = bytes.slice();
    badHeader[12] = 0x5b; // '[' instead of '{'
    expectThrows(() => decodeWeights(badHeader), /the header is not valid UTF-8 JSON|has no "format"/);
    expectThrows(() => decodeWeights(bytes.subarray(0, 5)), /shorter than the 12-byte preamble/);
    expectThrows(() => readWeightsFile('/nonexistent/idem.bin'), /loadWeights: cannot read \/nonexistent\/idem.bin/);
    const m = tinyModel();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-w-'));
    const f = path.join(dir, 'x.bin');
    fs.writeFileSync(f, bytes);
    expectThrows(() => loadModelWeights(m, f), /loadWeights: weight 0 \('a' in .*x.bin\) is float32 \[2,3\], the model's '.*kernel.*' is float32 \[2,1\]/);
    fs.rmSync(dir, { recursive: true });
  });

  it('filepath formatting and Python float repr', () => {
    assert.equal(formatFilepath('w-{epoch:02d}-{val_loss:.2f}.bin', { epoch: 3, val_loss: 0.12345 }), 'w-03-0.12.bin');
    assert.equal(formatFilepath('{epoch}_{loss}_{{x}}', { epoch: 12, loss: 0.5 }), '12_0.5_{x}');
    assert.equal(formatFilepath('{loss:.3e}|{loss:8.3f}|{acc:.1%}', { loss: -0.00123, acc: 0.256 }), '-1.230e-03|  -0.001|25.6%');
    expectThrows(() => formatFilepath('{val_acc:.2f}', { epoch: 1 }), /ModelCheckpoint: Failed to format this callback filepath: "\{val_acc:.2f\}". Reason: no value for 'val_acc'/);
    assert.deepEqual([1, 0.1, 1e-5, 1.5e16, 123456.789, NaN, -Infinity, 0.0001].map(pyFloat), ['1.0', '0.1', '1e-05', '1.5e+16', '123456.789', 'nan', '-inf', '0.0001']);
  });
});
