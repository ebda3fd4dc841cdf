/**
 * Short runs of the Keras-side seed examples (examples/seeds/seed000-keras.ts,
 * examples/seeds/seed004-keras.ts) through their exported `main(options)`: the seed-000 model's
 * summary (400,906 parameters = 784·256+256 + 3·(256·256+256) + 256·10+10), the History keys,
 * accuracy above chance (10%) after 20 steps, bit-identical reruns, the keep-prob bug's dropout
 * rate 0.7, and seed 004's initializers (std-1 kernels and biases with `--init normal`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { main as seed000, buildModel as build000 } from '../examples/seeds/seed000-keras.ts';
import { main as seed004, buildModel as build004 } from '../examples/seeds/seed004-keras.ts';

const quiet = () => {};
const dropoutRates = (m: tf.Sequential) => m.layers.filter((l) => l.className === 'Dropout').map((l) => (l.getConfig() as { rate: number }).rate);
const std = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
};

describe('examples/seeds/seed000-keras.ts (short run)', async () => {
  const r = await seed000({ limit: 2000, valLimit: 500, testLimit: 1000, verbose: 0, log: quiet });

  it("summary: the thread's layers and 400,906 parameters", () => {
    assert.equal(784 * 256 + 256 + 3 * (256 * 256 + 256) + 256 * 10 + 10, 400906);
    assert.equal(r.summary.totalParams, 400906);
    assert.equal(r.summary.trainableParams, 400906);
    assert.deepEqual(
      r.summary.rows.map((row) => [row.name, row.className, row.params]),
      [
        ['VisibleLayer', 'Dense', 200960], ['dropout', 'Dropout', 0],
        ['HiddenLayer1', 'Dense', 65792], ['dropout_1', 'Dropout', 0],
        ['HiddenLayer2', 'Dense', 65792], ['dropout_2', 'Dropout', 0],
        ['HiddenLayer3', 'Dense', 65792], ['dropout_3', 'Dropout', 0],
        ['OutputLayer', 'Dense', 2570],
      ],
    );
    assert.match(r.summary.text, /Total params: 400,906/);
    assert.deepEqual(dropoutRates(r.model), [0.3, 0.3, 0.3, 0.3]);
    assert.equal(r.dropoutRate, 0.3);
  });

  it('History has loss, accuracy, val_loss, val_accuracy; accuracy is above chance', () => {
    assert.deepEqual(Object.keys(r.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    for (const v of Object.values(r.history)) {
      assert.equal(v.length, 1);
      assert.ok(Number.isFinite(v[0]));
    }
    assert.equal(r.stepsPerEpoch, 20);
    assert.ok(r.history['val_accuracy']![0]! > 0.3, `val_accuracy ${r.history['val_accuracy']}`);
    assert.ok(r.testAccuracy > 0.3, `test accuracy ${r.testAccuracy}`);
    assert.ok(r.history['val_loss']![0]! < r.history['loss']![0]!, 'validation (no dropout, end of epoch) beats the running training loss');
  });

  it('repeats bit for bit (setSeed(0): initializers, dropout masks, shuffle order)', async () => {
    const opts = { limit: 300, valLimit: 100, testLimit: 100, verbose: 0 as const, log: quiet };
    const a = await seed000(opts);
    const b = await seed000(opts);
    assert.deepEqual(a.history, b.history);
    assert.equal(a.testLoss, b.testLoss);
    const wa = a.model.getWeights();
    const wb = b.model.getWeights();
    assert.equal(wa.length, 10);
    for (let i = 0; i < wa.length; i++) assert.deepEqual(wa[i]!.dataSync(), wb[i]!.dataSync());
  });

  it('--keep-prob-bug: every Dropout layer drops 70%', async () => {
    const bug = await seed000({ keepProbBug: true, limit: 100, valLimit: 100, testLimit: 100, verbose: 0, printSummary: false, log: quiet });
    assert.equal(bug.dropoutRate, 0.7);
    assert.deepEqual(dropoutRates(bug.model), [0.7, 0.7, 0.7, 0.7]);
    assert.deepEqual(dropoutRates(build000(0.5)), [0.5, 0.5, 0.5, 0.5]);
  });
});

describe('examples/seeds/seed004-keras.ts', () => {
  it('glorot init (Keras default) learns: above chance after 16 steps', async () => {
    const r = await seed004({ init: 'glorot', hidden: 2, limit: 2000, testLimit: 1000, verbose: 0, log: quiet });
    assert.equal(r.summary.totalParams, 784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10);
    assert.deepEqual(Object.keys(r.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.ok(r.history['val_accuracy']![0]! > 0.6, `val_accuracy ${r.history['val_accuracy']}`);
  });

  it('--init normal: std-1 kernels and biases; --hidden 5 gives 5 hidden layers', () => {
    tf.setSeed(0);
    const m = build004('normal', 5);
    assert.equal(m.layers.filter((l) => l.className === 'Dense').length, 6);
    const w = m.getWeights();
    assert.ok(Math.abs(std(w[0]!) - 1) < 0.01, `kernel std ${std(w[0]!)}`);
    assert.ok(Math.abs(std(w[2]!) - 1) < 0.05, `kernel std ${std(w[2]!)}`);
    assert.ok(Math.abs(std(w[1]!) - 1) < 0.3, `bias std ${std(w[1]!)}`);
    tf.setSeed(0);
    const g = build004('glorot', 2).getWeights();
    const r = Math.sqrt(6 / (784 + 128));
    assert.ok(Math.abs(std(g[0]!) - r / Math.sqrt(3)) < 0.002, `glorot kernel std ${std(g[0]!)}`);
    assert.deepEqual(Array.from(g[1]!.dataSync()), new Array(128).fill(0));
  });

  it('--init normal with a softmax output: most examples start below the 1e-7 clip and give no gradient', () => {
    tf.setSeed(0);
    const m = build004('normal', 2);
    const { train } = tf.datasets.mnist.loadData();
    const x = tf.slice(train.images.reshape([-1, 784]), [0, 0], [1000, 784]);
    const y = tf.slice(tf.utils.toCategorical(train.labels, 10), [0, 0], [1000, 10]);
    const p = m.predict(x) as tf.Tensor;
    const pTrue = tf.sum(tf.mul(p, y), -1).dataSync();
    const g = tf.grad((z: tf.Tensor) => tf.mean(tf.categoricalCrossentropy(y, z)))(p);
    const gRow = tf.sum(tf.abs(g), -1).dataSync();
    let clipped = 0;
    for (let i = 0; i < 1000; i++) {
      if (pTrue[i]! < 1e-7) clipped++;
      // (clear of the float32 rounding of the clip bounds; p ≥ 1 − 1e-7 is clipped too)
      if (pTrue[i]! < 0.5e-7) assert.equal(gRow[i], 0, `example ${i}: p_true ${pTrue[i]} but gradient ${gRow[i]}`);
      else if (pTrue[i]! > 2e-7 && pTrue[i]! < 0.999) assert.ok(gRow[i]! > 0, `example ${i}: p_true ${pTrue[i]}, gradient 0`);
    }
    assert.ok(clipped > 800, `${clipped} of 1000 examples clipped`);
    // The logits form (--from-logits, the TF program's loss) keeps a gradient on every
    // misclassified example (its gradient, softmax − y, vanishes only where the softmax is exactly y).
    tf.setSeed(0);
    const ml = build004('normal', 2, true);
    const logits = ml.predict(x) as tf.Tensor;
    const pl = tf.sum(tf.mul(tf.softmax(logits), y), -1).dataSync();
    const gl = tf.sum(tf.abs(tf.grad((z: tf.Tensor) => tf.mean(tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }).fn(y, z)))(logits)), -1).dataSync();
    let wrong = 0;
    for (let i = 0; i < 1000; i++) {
      if (pl[i]! < 0.5) {
        wrong++;
        assert.ok(gl[i]! > 0, `example ${i}: p_true ${pl[i]}, logits gradient 0`);
      }
    }
    assert.ok(wrong > 800, `${wrong} misclassified`);
  });
});
