import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { expectThrows } from './util.ts';
import type { Logs } from '../src/models/callbacks.ts';
import { runLayerTest } from './layer_test.ts';

function data(n: number, seed: number) {
  tf.setSeed(seed);
  const x = tf.randomNormal([n, 10]);
  const y = tf.oneHot(tf.randomUniform([n], 0, 3, 'int32'), 3).cast('float32');
  return { x, y };
}

describe('Keras API', () => {
  it('Sequential fit and a hand loop with ops + getVariable give bit-identical losses (dropout + batch norm, 100 steps)', async () => {
    const { x, y } = data(400, 1);
    // (a) Keras
    tf.resetLayerNames();
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 16, inputShape: [10], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.dropout({ rate: 0.3, seed: 5 }),
        tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
    const kerasLosses: number[] = [];
    await model.fit(x, y, { epochs: 25, batchSize: 100, shuffle: false, verbose: 0, callbacks: { onBatchEnd: async (_b, logs) => void kerasLosses.push(logs!['loss']!) } });

    // (b) by hand: variables from getVariable, ops, an optimizer
    tf.resetVariableStore();
    const w1 = tf.variableScope('hand', () => tf.getVariable('w1', { shape: [10, 16], initializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    const b1 = tf.variableScope('hand', () => tf.getVariable('b1', { shape: [16], initializer: 'zeros' }));
    const gamma = tf.variable(tf.ones([16]), true, 'gamma');
    const beta = tf.variable(tf.zeros([16]), true, 'beta');
    const mm = tf.variable(tf.zeros([16]), false, 'mm');
    const mv = tf.variable(tf.ones([16]), false, 'mv');
    const w2 = tf.variableScope('hand', () => tf.getVariable('w2', { shape: [16, 3], initializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    const b2 = tf.variableScope('hand', () => tf.getVariable('b2', { shape: [3], initializer: 'zeros' }));
    const seedGen = new tf.SeedGenerator(5);
    const opt = tf.train.adam(0.01);
    const handLosses: number[] = [];
    for (let epoch = 0; epoch < 25; epoch++) {
      for (let s = 0; s < 4; s++) {
        const xb = tf.slice(x, [s * 100], [100]);
        const yb = tf.slice(y, [s * 100], [100]);
        const { value, grads } = tf.variableGrads(() => {
          const h = tf.add(tf.matMul(xb, w1), b1);
          const { mean, variance } = tf.moments(h, [0]);
          mm.assign(tf.add(tf.mul(mm, 0.99), tf.mul(mean, 1 - 0.99)));
          mv.assign(tf.add(tf.mul(mv, 0.99), tf.mul(variance, 1 - 0.99)));
          const bn = tf.batchNorm(h, mean, variance, beta, gamma, 1e-3);
          const d = tf.dropout(tf.relu(bn), 0.3, null, seedGen);
          const logits = tf.add(tf.matMul(d, w2), b2);
          return tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: yb, logits }));
        }, [w1, b1, gamma, beta, w2, b2]);
        opt.applyGradients([[grads['hand/w1:0']!, w1], [grads['hand/b1:0']!, b1], [grads['gamma']!, gamma], [grads['beta']!, beta], [grads['hand/w2:0']!, w2], [grads['hand/b2:0']!, b2]]);
        handLosses.push(value.dataSync()[0]!);
      }
    }
    // Compare weights and moving statistics exactly, and the epoch-average losses.
    const bn = model.layers[1] as tf.BatchNormalization;
    assert.deepEqual(Array.from(bn.movingMean!.dataSync()), Array.from(mm.dataSync()));
    assert.deepEqual(Array.from(bn.movingVariance!.dataSync()), Array.from(mv.dataSync()));
    assert.deepEqual(Array.from((model.layers[0] as tf.Dense).kernel!.dataSync()), Array.from(w1.dataSync()));
    assert.deepEqual(Array.from((model.layers[4] as tf.Dense).kernel!.dataSync()), Array.from(w2.dataSync()));
    for (let e = 0; e < 25; e++) {
      const avg = kerasLosses[e * 4 + 3]!;
      const hand = handLosses.slice(e * 4, e * 4 + 4);
      const handAvg = (hand[0]! * 100 + hand[1]! * 100 + hand[2]! * 100 + hand[3]! * 100) / 400;
      assert.ok(Math.abs(avg - handAvg) < 1e-12, `epoch ${e}: ${avg} vs ${handAvg}`);
    }
    assert.ok(handLosses[99]! < handLosses[0]!);
  });

  it('the three ways to declare the input behave identically (seed 003)', () => {
    const build = (style: 'inputShape' | 'inputLayer' | 'deferred') => {
      tf.resetLayerNames();
      const first = tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), ...(style === 'inputShape' ? { inputShape: [5] } : {}) });
      const ls: tf.Layer[] = [first, tf.layers.batchNormalization(), tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })];
      if (style === 'inputLayer') ls.unshift(tf.layers.inputLayer({ inputShape: [5] }));
      return tf.sequential({ layers: ls });
    };
    const x = tf.ones([3, 5]);
    const results = (['inputShape', 'inputLayer', 'deferred'] as const).map((s) => {
      const m = build(s);
      const out = m.apply(x, { training: true }) as tf.Tensor;
      const bn = m.layers[1] as tf.BatchNormalization;
      return { out: Array.from(out.dataSync()), mv: Array.from(bn.movingVariance!.dataSync()), summary: m.summary(80, null).rows.map((r) => r.outputShape), n: m.countParams() };
    });
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
    assert.deepEqual(results[0]!.summary, ['(None, 4)', '(None, 4)', '(None, 2)']);
    // constant inputs: batch variance 0, so moving variance = 0.99 after one step
    assert.ok(results[0]!.mv.every((v) => Math.abs(v - 0.99) < 1e-7));
  });

  it('functional models, getLayer, layer.output, nested models, summary counts', () => {
    tf.resetLayerNames();
    const inp = tf.input({ shape: [8] });
    const h = tf.layers.dense({ units: 6, activation: 'relu', name: 'hidden' }).apply(inp);
    const out = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }).apply(h);
    const base = tf.model({ inputs: inp, outputs: out });
    assert.deepEqual(base.layers.map((l) => l.name), ['input_layer', 'hidden', 'out']);
    const s = base.summary(80, null);
    assert.equal(s.totalParams, 8 * 6 + 6 + 6 + 1);
    const sub = tf.model({ inputs: base.inputs[0]!, outputs: base.getLayer('hidden').output as tf.KerasTensor });
    assert.deepEqual((sub.predict(tf.ones([2, 8])) as tf.Tensor).shape, [2, 6]);
    const inp2 = tf.input({ shape: [8] });
    const wrapped = tf.model({ inputs: inp2, outputs: tf.layers.dense({ units: 2 }).apply(base.apply(inp2)) });
    assert.deepEqual(wrapped.predict(tf.ones([4, 8])).shape, [4, 2]);
    expectThrows(() => base.getLayer('nope'), /getLayer: no layer named 'nope'/);
  });

  it('multi-input functional model with a merge layer; predict takes a list', () => {
    tf.resetLayerNames();
    const a = tf.input({ shape: [3] });
    const b = tf.input({ shape: [3] });
    const sum = tf.layers.add().apply([a, b]) as tf.KerasTensor;
    assert.deepEqual(sum.shape, [null, 3]);
    const cat = tf.layers.concatenate().apply([a, sum]) as tf.KerasTensor;
    assert.deepEqual(cat.shape, [null, 6]);
    const m = tf.model({ inputs: [a, b], outputs: cat });
    const out = m.predict([tf.ones([2, 3]), tf.fill([2, 3], 2)]);
    assert.deepEqual(Array.from(out.dataSync()), [1, 1, 1, 3, 3, 3, 1, 1, 1, 3, 3, 3]);
  });

  it('trainable = false is honoured by fit; predict/evaluate change nothing', async () => {
    tf.resetLayerNames();
    const { x, y } = data(64, 2);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [10], activation: 'relu' }), tf.layers.batchNormalization(), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    m.layers[0]!.trainable = false;
    assert.equal(m.trainableWeights.length, 4);
    const frozen = Array.from((m.layers[0] as tf.Dense).kernel!.dataSync());
    const bnBefore = Array.from((m.layers[1] as tf.BatchNormalization).movingMean!.dataSync());
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    m.predict(x);
    m.evaluate(x, y);
    assert.deepEqual(Array.from((m.layers[1] as tf.BatchNormalization).movingMean!.dataSync()), bnBefore);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    assert.deepEqual(Object.keys(h.history), ['loss', 'accuracy']);
    assert.equal(h.history['loss']!.length, 2);
    assert.deepEqual(Array.from((m.layers[0] as tf.Dense).kernel!.dataSync()), frozen);
    assert.notDeepEqual(Array.from((m.layers[1] as tf.BatchNormalization).movingMean!.dataSync()), bnBefore);
  });

  it('config round trip through the registry', () => {
    const layers = [
      tf.layers.dense({ units: 3, activation: 'tanh', useBias: false, name: 'd_cfg' }),
      tf.layers.dropout({ rate: 0.25, seed: 3, name: 'do_cfg' }),
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn_cfg' }),
      tf.layers.flatten({ name: 'fl_cfg' }),
    ];
    for (const l of layers) {
      const again = tf.deserializeLayer({ className: l.className, config: l.getConfig() });
      assert.equal(again.className, l.className);
      assert.deepEqual(again.getConfig(), l.getConfig());
    }
    expectThrows(() => tf.deserializeLayer({ className: 'Lambda', config: {} }), /unknown layer class 'Lambda'/);
  });

  it('compile resolves every Keras loss and metric name; callbacks are wired', async () => {
    tf.resetLayerNames();
    const { x, y } = data(32, 9);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, activation: 'softmax', inputShape: [10] })] });
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'kl_divergence', metrics: ['accuracy', 'precision', 'auc', 'mse'] });
    const h = await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [tf.callbacks.earlyStopping({ monitor: 'loss', patience: 0 })] });
    assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'auc', 'loss', 'mse', 'precision']);
    expectThrows(() => m.compile({ optimizer: 'sgd', loss: 'nope' }), /compile: unknown loss 'nope'/);
    expectThrows(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['nope'] }), /compile: unknown metric 'nope'/);
  });

  it('fitDataset, evaluateDataset and a hand loop consume the same dataset', async () => {
    tf.resetLayerNames();
    const { x, y } = data(60, 4);
    const make = () => tf.data.fromTensorSlices({ xs: x, ys: y }).shuffle(60, 7).batch(20);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [10], kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) })] });
    m.compile({ optimizer: tf.train.sgd(0.1), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
    await m.fitDataset(make(), { epochs: 1, verbose: 0 });
    const w = tf.variable(tf.initializers.glorotUniform({ seed: 9 }).apply([10, 3]), true, 'w_ds');
    const b = tf.variable(tf.zeros([3]), true, 'b_ds');
    const opt = tf.train.sgd(0.1);
    for await (const batch of make()) {
      const { xs, ys } = batch as { xs: tf.Tensor; ys: tf.Tensor };
      const { grads } = tf.variableGrads(() => tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: ys, logits: tf.add(tf.matMul(xs, w), b) })), [w, b]);
      opt.applyGradients([[grads['w_ds']!, w], [grads['b_ds']!, b]]);
    }
    assert.deepEqual(Array.from((m.layers[0] as tf.Dense).kernel!.dataSync()), Array.from(w.dataSync()));
    const [loss, acc] = (await m.evaluateDataset(make())) as tf.Tensor[];
    const [loss2, acc2] = m.evaluate(x, y, { batchSize: 20 }) as tf.Tensor[];
    assert.ok(Math.abs(loss!.dataSync()[0]! - loss2!.dataSync()[0]!) < 1e-6);
    assert.equal(acc!.dataSync()[0], acc2!.dataSync()[0]);
    await assert.rejects(m.fitDataset(make().repeat(), { verbose: 0 }), /fitDataset: the dataset is infinite: pass `batchesPerEpoch`/);
  });

  it('fit and fitDataset run one epoch loop: the same callback events, logs and weights; both stop after the batch that set stopTraining', async () => {
    const { x, y } = data(60, 5);
    const run = async (viaDataset: boolean, stopAt: number | null) => {
      tf.resetLayerNames();
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [10], kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })] });
      m.compile({ optimizer: tf.train.adam(0.01), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
      const events: string[] = [];
      const callbacks = {
        onEpochBegin: (e: number) => void events.push(`epoch ${e}`),
        onBatchBegin: (b: number, logs?: Logs) => void events.push(`begin ${b} ${JSON.stringify(logs)}`),
        onBatchEnd: (b: number, logs?: Logs) => {
          events.push(`end ${b} ${JSON.stringify(logs)}`);
          if (b === stopAt) m.stopTraining = true;
        },
        onEpochEnd: (e: number, logs?: Logs) => void events.push(`epoch end ${e} ${JSON.stringify(logs)}`),
      };
      const validationData: [tf.Tensor, tf.Tensor] = [x.slice([0, 0], [20, 10]), y.slice([0, 0], [20, 3])];
      if (viaDataset) await m.fitDataset(tf.data.fromTensorSlices({ xs: x, ys: y }).batch(20), { epochs: 2, verbose: 0, callbacks, validationData });
      else await m.fit(x, y, { epochs: 2, batchSize: 20, shuffle: false, verbose: 0, callbacks, validationData });
      return { events, w: m.getWeights().map((t) => Array.from(t.dataSync())) };
    };
    for (const stopAt of [null, 1]) {
      const a = await run(false, stopAt);
      const b = await run(true, stopAt);
      assert.deepEqual(b.events, a.events);
      assert.deepEqual(b.w, a.w);
      assert.equal(a.events.filter((e) => e.startsWith('end ')).length, stopAt === null ? 6 : 2);
    }
  });

  it('layers inside variableScope share with reuse or throw, never copy (seed 002)', () => {
    tf.resetVariableStore();
    const x = tf.ones([2, 4]);
    const a = tf.variableScope('mlp', () => {
      const l = tf.layers.dense({ units: 3, name: 'fc1' });
      l.apply(x);
      return l;
    });
    assert.equal((a.kernel as tf.Variable).name, 'mlp/fc1/kernel:0');
    const b = tf.variableScope('mlp', { reuse: true }, () => {
      const l = tf.layers.dense({ units: 3, name: 'fc1' });
      l.apply(x);
      return l;
    });
    assert.equal(b.kernel, a.kernel, 'the second layer object shares the first one\'s variables');
    expectThrows(
      () => tf.variableScope('mlp', () => tf.layers.dense({ units: 3, name: 'fc1' }).apply(x)),
      /getVariable: variable mlp\/fc1\/kernel:0 already exists; to share it, open the scope with \{reuse: true\}/,
    );
    expectThrows(
      () => tf.variableScope('mlp', { reuse: true }, () => tf.layers.dense({ units: 3, name: 'fc2' }).apply(x)),
      /variable mlp\/fc2\/kernel:0 does not exist, so it cannot be reused/,
    );
  });

  it('constraints on conv and batch-norm weights apply after each step and survive the config', async () => {
    tf.resetLayerNames();
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 1], kernelConstraint: 'nonNeg', biasConstraint: tf.constraints.maxNorm({ maxValue: 0.01 }) });
    const bn = tf.layers.batchNormalization({ gammaConstraint: 'nonNeg' });
    const m = tf.sequential({ layers: [conv, bn, tf.layers.flatten(), tf.layers.dense({ units: 1 })] });
    m.compile({ optimizer: tf.train.sgd(0.05), loss: 'mse' });
    tf.setSeed(3);
    await m.fit(tf.randomNormal([8, 3, 3, 1]), tf.randomNormal([8, 1]), { epochs: 3, batchSize: 4, verbose: 0 });
    const kernel = Array.from((conv as unknown as { kernel: tf.Tensor }).kernel.dataSync());
    const gamma = Array.from(bn.gamma!.dataSync());
    assert.equal(kernel.filter((v) => !(v >= 0)).length, 0, `negative or NaN kernel entries: ${kernel}`);
    assert.equal(gamma.filter((v) => !(v >= 0)).length, 0, `negative or NaN gamma entries: ${gamma}`);
    for (const l of [conv, bn]) assert.deepEqual(tf.deserializeLayer({ className: l.className, config: l.getConfig() }).getConfig(), l.getConfig());
  });

  it('masks propagate through models: Masking / Embedding(maskZero) reach the RNN (Keras)', () => {
    tf.resetLayerNames();
    // Masking → SimpleRNN in a Sequential equals the RNN called with the explicit mask.
    const masking = tf.layers.masking({ maskValue: 0, inputShape: [4, 2] });
    const rnn = tf.layers.simpleRNN({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: tf.initializers.orthogonal({ seed: 2 }) });
    const m = tf.sequential({ layers: [masking, rnn] });
    const x = tf.tensor([[[1, 2], [3, 4], [0, 0], [0, 0]], [[1, 1], [0, 0], [2, 2], [0, 0]]]);
    const viaModel = m.predict(x);
    const explicit = rnn.apply(x, { mask: masking.computeMask(x) }) as tf.Tensor;
    const unmasked = rnn.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(viaModel.dataSync()), Array.from(explicit.dataSync()));
    assert.notDeepEqual(Array.from(viaModel.dataSync()), Array.from(unmasked.dataSync()));
    // Embedding(maskZero) → LSTM: padding at the end does not change the output.
    tf.resetLayerNames();
    const emb = tf.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true });
    const lstm = tf.layers.lstm({ units: 3 });
    const m2 = tf.sequential({ layers: [emb, lstm] });
    const padded = m2.predict(tf.tensor([[3, 5, 7, 0, 0]], [1, 5], 'int32')).dataSync();
    const short = (lstm.apply(emb.apply(tf.tensor([[3, 5, 7]], [1, 3], 'int32'))) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(padded), Array.from(short));
  });

  it('constraints are accepted where Keras has them, applied after fit steps, and kept in configs', async () => {
    tf.resetLayerNames();
    const cases: [tf.Layer, number[]][] = [
      [tf.layers.lstm({ units: 2, kernelConstraint: 'nonNeg', recurrentConstraint: 'nonNeg', biasConstraint: 'nonNeg' }), [2, 3, 2]],
      [tf.layers.layerNormalization({ gammaConstraint: 'nonNeg', betaConstraint: 'nonNeg' }), [2, 3]],
      [tf.layers.separableConv2d({ filters: 2, kernelSize: 1, depthwiseConstraint: 'nonNeg', pointwiseConstraint: 'nonNeg', biasConstraint: 'nonNeg' }), [2, 2, 2, 2]],
      [tf.layers.depthwiseConv2d({ kernelSize: 1, depthwiseConstraint: 'nonNeg', biasConstraint: 'nonNeg' }), [2, 2, 2, 2]],
    ];
    for (const [layer, shape] of cases) {
      const m = tf.sequential({ layers: [layer, tf.layers.flatten(), tf.layers.dense({ units: 1 })] });
      m.compile({ optimizer: tf.train.sgd(0.1), loss: 'mse' });
      tf.setSeed(4);
      await m.fit(tf.randomNormal(shape), tf.randomNormal([shape[0]!, 1]), { epochs: 2, batchSize: 2, verbose: 0 });
      for (const w of layer.trainableWeights) {
        const neg = Array.from(w.dataSync()).filter((v) => !(v >= 0)).length;
        assert.equal(neg, 0, `${layer.name}: ${w.name} has negative entries after fit`);
      }
      assert.deepEqual(tf.deserializeLayer({ className: layer.className, config: layer.getConfig() }).getConfig(), layer.getConfig(), layer.className);
    }
    const mha = tf.layers.multiHeadAttention({ numHeads: 1, keyDim: 2, kernelConstraint: 'nonNeg', biasConstraint: tf.constraints.maxNorm({ maxValue: 1 }) });
    assert.deepEqual(tf.deserializeLayer({ className: mha.className, config: mha.getConfig() }).getConfig(), mha.getConfig());
    const emb = tf.layers.embedding({ inputDim: 5, outputDim: 2, embeddingsConstraint: 'nonNeg' });
    assert.deepEqual((emb.getConfig() as { embeddingsConstraint: unknown }).embeddingsConstraint, { className: 'NonNeg', config: {} });
  });

  it('errors name the layer and the argument', async () => {
    expectThrows(() => tf.layers.dense({ units: 0 }), /Dense: Received an invalid value for `units`, expected a positive integer. Received: units=0/);
    expectThrows(() => tf.layers.dropout({ rate: 1.5 }), /Dropout: Received an invalid value for `rate`/);
    expectThrows(() => tf.layers.dense({ units: 2, activation: 'relux' }), /Dense: unknown activation 'relux'/);
    expectThrows(() => tf.layers.dense({ units: 2, unitz: 3 } as never), /Dense: unknown option `unitz`/);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'fc' })] });
    expectThrows(() => m.predict(tf.ones([1, 4])), /sequential(_\d+)?: expected input shape \[null,3\], received \[1,4\]/);
    await assert.rejects(m.fit(tf.ones([2, 3]), tf.ones([2, 2])), /fit: the model must be compiled first/);
  });
});

describe('runLayerTest (test/layer_test.ts): build, call, config, weights, gradients, save/load', () => {
  const g = (seed: number) => tf.initializers.glorotUniform({ seed });
  it('Dense', () =>
    runLayerTest({
      make: () => tf.layers.dense({ units: 3, activation: 'tanh', kernelInitializer: g(1), biasInitializer: g(2) }),
      inputShape: [2, 4],
      expectedOutputShape: [2, 3],
      trainableWeights: 2,
    }));
});
