/**
 * Short versions of the five seed reproductions (examples/seeds/): what each thread saw, and that
 * idem's two APIs give the same numbers where the programs mean the same thing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { main as seed000, sameBits } from '../examples/seeds/seed000.ts';
import { main as seed002 } from '../examples/seeds/seed002.ts';
import { runExperiment, type Experiment } from '../examples/seeds/seed003.ts';
import { main as seed001 } from '../examples/seeds/seed001.ts';
import { main as seed004 } from '../examples/seeds/seed004.ts';

const quiet = () => {};

describe('seed 000: TF1 program vs Keras program', async () => {
  const r = await seed000({ steps: 20, testLimit: 1000, log: quiet });

  it('with Dropout(0.3) in Keras and keep_prob 0.7 in TF1: bit-identical losses, weights and test figures', () => {
    assert.equal(r.tf.runningMeans.length, 20);
    assert.ok(r.fixed.runningMeansIdentical, `running-mean losses differ from step ${r.fixed.firstDifferentStep + 1}`);
    assert.ok(r.fixed.weightsIdentical, `weights differ by up to ${r.fixed.maxWeightDiff}`);
    assert.equal(r.fixed.maxWeightDiff, 0);
    assert.equal(r.tf.weights.length, 10);
    assert.equal(r.tf.weights.reduce((s, w) => s + w.length, 0), 400906);
    assert.ok(r.fixed.testAccuracyEqual, `test accuracy ${r.tf.testAccuracy} vs ${r.kerasFixed.testAccuracy}`);
    assert.ok(r.fixed.testLossIdentical, `test loss ${r.tf.testLoss} vs ${r.kerasFixed.testLoss}`);
    // The TF side's own per-step losses give the Keras progress bar's running means exactly.
    let total = 0;
    r.tf.losses.forEach((l, i) => {
      total += l * 100;
      assert.ok(Object.is(total / ((i + 1) * 100), r.kerasFixed.runningMeans[i]), `step ${i + 1}`);
    });
    assert.ok(r.tf.testAccuracy > 0.2, `test accuracy after 20 steps ${r.tf.testAccuracy}`);
  });

  it("with the thread's mistake (Dropout(0.7)): 70% dropped, different from the first step, worse", () => {
    assert.deepEqual(r.kerasMistake.dropoutRates, [0.7, 0.7, 0.7, 0.7]);
    assert.deepEqual(r.kerasFixed.dropoutRates, [0.3, 0.3, 0.3, 0.3]);
    assert.ok(r.tf.dropoutRates.every((x) => Math.abs(x - 0.3) < 1e-12), `TF1 rates ${r.tf.dropoutRates}`);
    assert.equal(r.mistake.firstDifferentStep, 0);
    assert.ok(!r.mistake.weightsIdentical, 'weights differ');
    assert.ok(r.kerasMistake.runningMeans.at(-1)! > 1.5 * r.tf.runningMeans.at(-1)!, `training loss ${r.kerasMistake.runningMeans.at(-1)} vs ${r.tf.runningMeans.at(-1)}`);
    assert.ok(r.kerasMistake.testAccuracy < r.tf.testAccuracy - 0.05, `test accuracy ${r.kerasMistake.testAccuracy} vs ${r.tf.testAccuracy}`);
  });

  it('TF names for the scoped variables and the Adam slots', () => {
    const layers = ['VisibleLayer', 'HiddenLayer1', 'HiddenLayer2', 'HiddenLayer3', 'OutputLayer'];
    assert.deepEqual(r.tf.weightNames, layers.flatMap((l) => [`${l}/weights:0`, `${l}/bias:0`]));
    assert.deepEqual(r.kerasFixed.weightNames, layers.flatMap((l) => [`${l}/kernel:0`, `${l}/bias:0`]));
    assert.equal(r.tf.variableNames.length, 30); // 10 + Adam's m and v for each (the reuse pass made none)
    assert.ok(r.tf.variableNames.includes('VisibleLayer/weights/Adam_1:0'), 'Adam slot names');
  });
});

describe('seed 001: fine-tuning, Keras fit vs the hand loop', async () => {
  const r = await seed001({ epochs: 2, train: 32, val: 16, verbose: 0, log: quiet });

  it('the hand loop with the training flag matches fitDataset bit for bit', () => {
    assert.equal(r.fitRunningLoss.length, 4);
    assert.ok(sameBits(r.fitRunningLoss, r.handRunningLoss), `running losses ${r.fitRunningLoss} vs ${r.handRunningLoss}`);
    assert.equal(r.fitWeights.length, 14); // 2 conv (kernel, bias), 2 BN (4 each), Dense (kernel, bias)
    r.fitWeights.forEach((w, i) => assert.ok(sameBits(w, r.handWeights[i]!), `weight ${i}`));
    for (let e = 0; e < 2; e++) {
      // Keras weights batch figures by size, the thread's loop averages them: equal batches, the same numbers.
      for (const k of ['loss', 'accuracy', 'valLoss', 'valAccuracy'] as const) assert.ok(Math.abs(r.fit[e]![k] - r.hand[e]![k]) < 1e-6, `epoch ${e} ${k}: ${r.fit[e]![k]} vs ${r.hand[e]![k]}`);
    }
  });

  it("the thread's model: the base's avg_pool output, a dropout + sigmoid head; BN statistics moved", () => {
    assert.ok(r.layerNames.includes('avg_pool') && r.layerNames.includes('avg_pool_dropout') && r.layerNames.at(-1) === 'fcout', `layers ${r.layerNames}`);
    assert.ok(r.movingMean.some((v) => v !== 0), 'moving mean updated by the training calls');
    // The progress bar's running average is not the end-of-epoch figure on the same images.
    assert.ok(r.trainEvaluate.every((t, e) => t.loss !== r.fit[e]!.loss), 'running average vs end-of-epoch evaluate');
    assert.equal(r.staleBnValAccuracy.length, 2);
  });
});

describe('seed 004: std-1 vs Glorot initial weights', async () => {
  const two = await seed004({ steps: 20, testLimit: 1000, hidden: [2], log: quiet });
  const five = await seed004({ steps: 20, testLimit: 1000, hidden: [5], keras: false, log: quiet });
  const find = (runs: typeof two, api: string, init: string) => runs.find((r) => r.api === api && r.init === init)!;

  it('std-1 weights: pre-activations start at std ≈ 9 and grow ≈ 8× per layer; Glorot keeps them of order 1', () => {
    for (const runs of [two, five]) {
      const n = find(runs, 'tf', 'normal').initStd;
      assert.ok(n[0]! > 8 && n[0]! < 10, `first layer std ${n[0]}`);
      for (let i = 1; i < n.length; i++) assert.ok(n[i]! / n[i - 1]! > 5 && n[i]! / n[i - 1]! < 11, `ratio at layer ${i}: ${n[i]! / n[i - 1]!}`);
      assert.ok(find(runs, 'tf', 'glorot').initStd.every((v) => v > 0.05 && v < 1), `glorot stds ${find(runs, 'tf', 'glorot').initStd}`);
    }
    assert.ok(find(five, 'tf', 'normal').initStd.at(-1)! > 1e5, 'logits of 5 std-1 layers are in the hundreds of thousands');
    // The Keras model's Glorot initialization is the TF program's written out: the same draws.
    assert.ok(sameBits(find(two, 'keras', 'glorot').initStd, find(two, 'tf', 'glorot').initStd), 'Keras and TF Glorot stds');
  });

  it('the accuracy gap follows the initializer, in both APIs', () => {
    for (const runs of [two, five]) {
      const g = find(runs, 'tf', 'glorot').testAccuracy;
      const n = find(runs, 'tf', 'normal').testAccuracy;
      assert.ok(g > n + 0.2, `TF program: glorot ${g} vs normal ${n}`);
    }
    const kg = find(two, 'keras', 'glorot').testAccuracy;
    const kn = find(two, 'keras', 'normal').testAccuracy;
    assert.ok(kg > kn + 0.2, `Keras program: glorot ${kg} vs normal ${kn}`);
    assert.ok(find(two, 'tf', 'normal').testLoss > 50, `std-1 test loss ${find(two, 'tf', 'normal').testLoss}`);
  });
});

describe('seed 002: variable names and reuse, Keras layers and the low-level form', () => {
  const r = seed002({ log: quiet });

  it('lists each model once: reuse shares, never an mlp_model_1 copy', () => {
    const keras = ['my_dense1', 'my_dense2', 'my_softmax'].flatMap((l) => [`mlp_model/${l}/kernel:0`, `mlp_model/${l}/bias:0`]);
    const low = ['his_dense1', 'his_dense2', 'his_dense3'].flatMap((l) => [`mlp_by_tflayers/${l}/kernel:0`, `mlp_by_tflayers/${l}/bias:0`]);
    assert.deepEqual(r.modelVariables, [...keras, ...low]);
    assert.ok(r.kerasShared, 'Keras layers in a reuse scope hold the first model\'s variables');
    assert.ok(r.lowLevelShared, 'the low-level form shares');
    assert.ok(!r.modelVariables.some((n) => n.includes('mlp_model_1')), 'no renamed copy');
    assert.ok(sameBits(r.outputs[0]!, r.outputs[1]!), 'models 1 and 2 compute the same');
    assert.ok(sameBits(r.outputs[2]!, r.outputs[3]!), 'models 3 and 4 compute the same');
    assert.equal(r.outputs[0]!.length, 100);
  });

  it('every mistake is an error naming the variable', () => {
    assert.match(r.errors.kerasNoReuse, /variable mlp_model\/my_dense1\/kernel:0 already exists; to share it, open the scope with \{reuse: true\}/);
    assert.match(r.errors.kerasMissing, /variable mlp_modle\/my_dense1\/kernel:0 does not exist, so it cannot be reused/);
    assert.match(r.errors.lowLevelMissing, /variable mlp_by_tflayer\/his_dense1\/kernel:0 does not exist, so it cannot be reused/);
  });

  it('shows the hidden defaults and names the optimizer slots after their variables', () => {
    assert.deepEqual(r.kerasDefaults, { kernel: 'GlorotUniform', bias: 'Zeros' });
    assert.deepEqual(r.withSlots.slice(12), ['my_dense1', 'my_dense2', 'my_softmax'].flatMap((l) => [`mlp_model/${l}/kernel/Adagrad:0`, `mlp_model/${l}/bias/Adagrad:0`]));
  });
});

describe('seed 003: batch-norm statistics update in all six experiments', () => {
  const graph = ([1, 2, 3, 4, 5, 6] as Experiment[]).map((e) => runExperiment(e, { log: quiet }));

  it("moving variance 0.99^5 (one input) and 0.99^10 (two inputs), the thread's float32 figures", () => {
    for (const r of graph) {
      const two = r.experiment % 2 === 0;
      for (const v of r.movingVariance) {
        assert.ok(Math.abs(v - (two ? 0.99 ** 10 : 0.99 ** 5)) < 2e-7, `experiment ${r.experiment}: moving variance ${v}`);
        assert.equal(v, two ? Math.fround(0.90438217) : Math.fround(0.95099014), `experiment ${r.experiment}`);
      }
    }
  });

  it('moving mean = the predicted multiple of μ = relu(Σ kernel) (positives first), and it moved', () => {
    for (const r of graph) {
      assert.ok(r.mu.some((m) => m > 0.01), `experiment ${r.experiment}: some channel is active (μ ${r.mu})`);
      r.movingMean.forEach((m, c) => assert.ok(Math.abs(m - r.expectedMean[c]!) <= 1e-6 * Math.max(1e-3, r.expectedMean[c]!), `experiment ${r.experiment} channel ${c}: ${m} vs ${r.expectedMean[c]}`));
    }
  });

  it("losses: only the Dense bias learns — the thread's figures", () => {
    const one = [0.6931472, 0.6928972, 0.6926474, 0.6923977, 0.692148];
    for (const r of graph) {
      const want = r.experiment % 2 === 0 ? [1, 2, 3, 4, 5].map(() => 2 * Math.LN2) : one;
      r.losses.forEach((l, i) => assert.ok(Math.abs(l - want[i]!) < 2e-6, `experiment ${r.experiment} step ${i + 1}: ${l} vs ${want[i]}`));
    }
  });

  it('the low-level form, Keras with an input shape and Keras built on first call are bit-identical; eager = graph', () => {
    const key = (r: (typeof graph)[number]) => [...r.losses, ...r.movingMean, ...r.movingVariance];
    for (const [a, b] of [[0, 2], [0, 4], [1, 3], [1, 5]] as const) assert.ok(sameBits(key(graph[a]!), key(graph[b]!)), `experiments ${a + 1} and ${b + 1}`);
    const eager = runExperiment(4, { eager: true, log: quiet });
    assert.ok(sameBits(key(eager), key(graph[3]!)), 'experiment 4 eager vs graph');
    assert.deepEqual(graph[0]!.variableNames, ['conv2d', 'batch_normalization', 'conv2d_1', 'dense'].flatMap((l) =>
      l === 'batch_normalization' ? ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => `tf_model/${l}/${w}:0`) : [`tf_model/${l}/kernel:0`, `tf_model/${l}/bias:0`]));
  });
});

describe('bugs found while reproducing the seeds', () => {
  it('Keras Flatten and Reshape work on a graph-mode placeholder of unknown batch size', () => {
    tf.resetDefaultGraph();
    const x = tf.placeholder('float32', [null, 4, 4, 1], 'x');
    const m = tf.sequential({ layers: [tf.layers.flatten(), tf.layers.reshape({ targetShape: [2, 8] }), tf.layers.flatten()] });
    const y = m.apply(x, { training: true }) as tf.SymbolicTensor;
    assert.deepEqual(y.shape, [-1, 16]);
    const v = tf.range(0, 48).reshape([3, 4, 4, 1]);
    const out = new tf.Session().run(y, { x: v }) as tf.Tensor;
    tf.enableEagerExecution();
    assert.deepEqual(out.shape, [3, 16]);
    assert.deepEqual(Array.from(out.dataSync()), Array.from(v.dataSync()));
  });

  it('fit and Session.run update their own variables when another model has the same variable names', () => {
    const make = () => {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], name: 'same_name' })] });
      m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      return m;
    };
    const a = make();
    const b = make();
    const bBefore = b.getWeights().map((w) => w.dataSync().slice());
    const aBefore = a.getWeights().map((w) => w.dataSync().slice());
    a.trainOnBatch(tf.ones([4, 2]), tf.fill([4, 1], 5));
    assert.ok(!sameBits(a.getWeights()[0]!.dataSync(), aBefore[0]!), 'model a trained');
    b.getWeights().forEach((w, i) => assert.ok(sameBits(w.dataSync(), bBefore[i]!), `model b's weight ${i} unchanged`));
    // Graph mode: a training node updates the variables its loss used.
    tf.resetDefaultGraph();
    const x = tf.placeholder('float32', [null, 2], 'x');
    const loss = tf.mean(tf.square(tf.sub(a.apply(x) as tf.Tensor, 5)));
    const trainOp = tf.train.sgd(0.1).minimize(loss as tf.SymbolicTensor);
    const aMid = a.getWeights().map((w) => w.dataSync().slice());
    new tf.Session().run(trainOp, { x: tf.ones([4, 2]) });
    tf.enableEagerExecution();
    assert.ok(!sameBits(a.getWeights()[0]!.dataSync(), aMid[0]!), 'model a trained in graph mode');
    b.getWeights().forEach((w, i) => assert.ok(sameBits(w.dataSync(), bBefore[i]!), `model b's weight ${i} still unchanged`));
  });
});
