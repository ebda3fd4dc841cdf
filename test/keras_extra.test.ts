/** Keras extras: weight constraints, subclassed models and layers, multi-output compile. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { getConstraint, maxNorm, minMaxNorm, nonNeg, unitNorm } from '../src/layers/constraints.ts';
import { deserializeLayer } from '../src/layers/registry.ts';
import type { Tensor } from '../src/core/tensor.ts';
import type { CallKwargs, LayerArgs, Shape } from '../src/layers/layer.ts';
import { expectThrows } from './util.ts';

const EPS = 1e-7;

function close(a: ArrayLike<number>, b: number[], tol = 1e-6): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `index ${i}: ${a[i]} vs ${b[i]}`);
}

function same(a: Tensor, b: Tensor): void {
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
}

describe('constraints', () => {
  // w is [2, 2]: columns (axis 0 norms) are [3, 4] (norm 5) and [0, -1] (norm 1).
  const w = () => tf.tensor([3, 0, 4, -1], [2, 2]);

  it('maxNorm rescales columns whose norm exceeds maxValue (axis 0)', () => {
    const out = maxNorm({ maxValue: 2 })(w());
    const s0 = 2 / (EPS + 5);
    const s1 = 1 / (EPS + 1);
    close(out.dataSync(), [3 * s0, 0 * s1, 4 * s0, -1 * s1]);
    // axis 1: row norms 3 and sqrt(17)
    const r = maxNorm({ maxValue: 2, axis: 1 })(w());
    const n1 = Math.sqrt(17);
    close(r.dataSync(), [3 * (2 / (EPS + 3)), 0, 4 * (2 / (EPS + n1)), -1 * (2 / (EPS + n1))]);
  });

  it('nonNeg zeroes negative entries', () => {
    // Keras computes w · (w ≥ 0), so dropped negative entries are -0 (equal to 0).
    assert.deepEqual(Array.from(nonNeg()(tf.tensor([-1, 0, 2, -0.5], [4])).dataSync(), (v) => v + 0), [0, 0, 2, 0]);
  });

  it('unitNorm divides by the norm along axis', () => {
    close(unitNorm()(w()).dataSync(), [3 / (EPS + 5), 0, 4 / (EPS + 5), -1 / (EPS + 1)]);
  });

  it('minMaxNorm pulls norms into [min, max] at `rate`', () => {
    // defaults min 0, max 1, rate 1: column norms 5 → 1, 1 → 1
    close(minMaxNorm()(w()).dataSync(), [3 / (EPS + 5), 0, 4 / (EPS + 5), -1 / (EPS + 1)]);
    // min 2, max 3, rate 0.5: desired = 0.5·clip(n) + 0.5·n → 4 for n=5, 1.5 for n=1
    close(minMaxNorm({ minValue: 2, maxValue: 3, rate: 0.5 })(w()).dataSync(), [3 * (4 / (EPS + 5)), 0, 4 * (4 / (EPS + 5)), -1 * (1.5 / (EPS + 1))]);
  });

  it('getConstraint by name / config, getConfig, errors', () => {
    const c = getConstraint('max_norm') as ReturnType<typeof maxNorm>;
    assert.equal(c.className, 'MaxNorm');
    assert.deepEqual(c.getConfig(), { maxValue: 2, axis: 0 });
    const d = getConstraint({ className: 'MinMaxNorm', config: { minValue: 1, maxValue: 2, rate: 0.5, axis: [0, 1] } }) as ReturnType<typeof minMaxNorm>;
    assert.deepEqual(d.getConfig(), { minValue: 1, maxValue: 2, rate: 0.5, axis: [0, 1] });
    assert.equal((getConstraint('nonNeg') as ReturnType<typeof nonNeg>).className, 'NonNeg');
    assert.equal((getConstraint('UnitNorm') as ReturnType<typeof unitNorm>).className, 'UnitNorm');
    assert.equal(getConstraint(null), null);
    expectThrows(() => getConstraint('maxnormz'), /unknown constraint 'maxnormz'/);
    expectThrows(() => maxNorm({ maxValue: -1 }), /MaxNorm.*maxValue.*Received: maxValue=-1/);
    expectThrows(() => unitNorm({ axis: 0.5 }), /UnitNorm.*axis/);
    expectThrows(() => minMaxNorm({ minValue: 2, maxValue: 1 }), /MinMaxNorm.*maxValue/);
  });

  it('Dense kernelConstraint/biasConstraint: config round trip, fit leaves no negative kernel entry', async () => {
    tf.resetLayerNames();
    const layer = tf.layers.dense({ units: 3, inputShape: [4], kernelConstraint: 'nonNeg', biasConstraint: maxNorm({ maxValue: 0.5 }), kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) });
    const cfg = layer.getConfig();
    assert.deepEqual(cfg['kernelConstraint'], { className: 'NonNeg', config: {} });
    assert.deepEqual(cfg['biasConstraint'], { className: 'MaxNorm', config: { maxValue: 0.5, axis: 0 } });
    const back = deserializeLayer({ className: 'Dense', config: { ...cfg, name: 'dense_copy' } });
    assert.deepEqual(back.getConfig()['kernelConstraint'], cfg['kernelConstraint']);
    assert.deepEqual(back.getConfig()['biasConstraint'], cfg['biasConstraint']);

    const model = tf.sequential({ layers: [layer] });
    const k0 = Array.from((layer as unknown as { kernel: Tensor }).kernel.dataSync());
    assert.ok(k0.some((v) => v < 0), 'the seeded initial kernel has negative entries');
    tf.setSeed(3);
    const x = tf.randomNormal([16, 4]);
    const y = tf.randomNormal([16, 3]);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
    const k = Array.from((layer as unknown as { kernel: Tensor }).kernel.dataSync());
    assert.ok(k.every((v) => v >= 0), `kernel entries ≥ 0: ${k}`);
    assert.ok(k.some((v) => v > 0));
    const b = (layer as unknown as { bias: Tensor }).bias;
    assert.ok(Math.sqrt(Array.from(b.dataSync()).reduce((s, v) => s + v * v, 0)) <= 0.5 + 1e-6);

    // The constrained step equals one SGD step followed by w·(w ≥ 0), by hand.
    tf.resetLayerNames();
    const l2 = tf.layers.dense({ units: 2, inputShape: [3], useBias: false, kernelConstraint: nonNeg(), kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) });
    const m2 = tf.sequential({ layers: [l2] });
    m2.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    const kernel = (l2 as unknown as { kernel: tf.Variable }).kernel;
    const kStart = kernel.read().clone();
    const x2 = tf.tensor([[1, -2, 0.5], [0.3, 0.1, -1]]);
    const y2 = tf.tensor([[1, 0], [0, 1]]);
    const { grads } = tf.variableGrads(() => tf.mean(tf.mean(tf.square(tf.sub(tf.matMul(x2, kernel), y2)), -1)), [kernel]);
    const stepped = tf.sub(kStart, tf.mul(grads[kernel.name]!, 0.5));
    const expected = tf.mul(stepped, tf.cast(tf.greaterEqual(stepped, 0), 'float32'));
    m2.trainOnBatch(x2, y2);
    same(kernel.read(), expected);
  });
});

describe('subclassed models and layers', () => {
  it('a subclassed model trained by fit equals the same Sequential bit for bit; layers tracked, summary', async () => {
    tf.resetLayerNames();
    class MyModel extends tf.LayersModel {
      dense1 = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }) });
      drop = tf.layers.dropout({ rate: 0.25, seed: 7 });
      dense2 = tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) });
      override call(x: Tensor | Tensor[], kwargs: CallKwargs = {}): Tensor {
        return this.dense2.apply(this.drop.apply(this.dense1.apply(x), kwargs));
      }
    }
    const sub = new MyModel();
    assert.equal(sub.name, 'my_model');
    assert.equal(sub.className, 'MyModel');
    assert.deepEqual(sub.layers.map((l) => l.name), ['dense', 'dropout', 'dense_1']);
    assert.equal(sub.trainableWeights.length, 0);
    // Summary before build: unbuilt layers.
    const s0 = sub.summary(80, null);
    assert.deepEqual(s0.rows.map((r) => r.outputShape), ['?', '?', '?']);
    assert.match(s0.text, /0 \(unbuilt\)/);
    expectThrows(() => sub.apply(tf.input({ shape: [5] })), /my_model.*cannot be called on symbolic KerasTensors/);

    const seq = tf.sequential({
      layers: [
        tf.layers.dense({ units: 8, activation: 'relu', inputShape: [5], kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }) }),
        tf.layers.dropout({ rate: 0.25, seed: 7 }),
        tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) }),
      ],
    });
    tf.setSeed(21);
    const x = tf.randomNormal([40, 5]);
    const y = tf.oneHot(tf.randomUniform([40], 0, 3, 'int32'), 3).cast('float32');
    const run = async (m: tf.LayersModel) => {
      tf.setSeed(77); // restarts the named sequence of fit's shuffle (seed 5)
      m.compile({ optimizer: tf.train.adam(0.01), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
      const losses: number[] = [];
      const h = await m.fit(x, y, { epochs: 3, batchSize: 10, verbose: 0, seed: 5, callbacks: { onBatchEnd: async (_b, logs) => void losses.push(logs!['loss']!) } });
      return { losses, h };
    };
    const a = await run(sub);
    const b = await run(seq);
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.h.history, b.h.history);
    assert.equal(sub.trainableWeights.length, 4);
    sub.trainableWeights.forEach((w, i) => same(w.read(), seq.trainableWeights[i]!.read()));
    same(sub.predict(x) as Tensor, seq.predict(x) as Tensor);
    same(sub.apply(x, { training: false }), seq.apply(x, { training: false }));
    const e1 = sub.evaluate(x, y) as Tensor[];
    const e2 = seq.evaluate(x, y) as Tensor[];
    e1.forEach((t, i) => same(t, e2[i]!));

    const s = sub.summary(80, null);
    assert.deepEqual(s.rows.map((r) => `${r.name}:${r.className}:${r.outputShape}:${r.params}`), ['dense:Dense:(None, 8):48', 'dropout:Dropout:(None, 8):0', 'dense_1:Dense:(None, 3):27']);
    assert.equal(s.totalParams, 75);
    assert.match(s.text, /^Model: "my_model"/);

    // Freezing the model freezes its tracked layers.
    sub.trainable = false;
    assert.equal(sub.trainableWeights.length, 0);
    assert.equal(sub.nonTrainableWeights.length, 4);
    sub.trainable = true;
    assert.equal(sub.trainableWeights.length, 4);
  });

  it('layers in an array attribute are tracked; model.build(shape) builds; no call() is a clear error', () => {
    tf.resetLayerNames();
    class Stack extends tf.LayersModel {
      blocks = [tf.layers.dense({ units: 4 }), tf.layers.dense({ units: 2 })];
      override call(x: Tensor | Tensor[]): Tensor {
        let h = x as Tensor;
        for (const l of this.blocks) h = l.apply(h);
        return h;
      }
    }
    const m = new Stack();
    m.build([null, 3]);
    assert.ok(m.built);
    assert.deepEqual(m.trainableWeights.map((w) => w.shape), [[3, 4], [4], [4, 2], [2]]);
    assert.equal(m.countParams(), 3 * 4 + 4 + 4 * 2 + 2);
    class Empty extends tf.LayersModel {}
    expectThrows(() => new Empty().apply(tf.ones([1, 2])), /must define `call/);
  });

  it('a custom Layer with addWeight: weights, training, use in a functional model and in Sequential', async () => {
    tf.resetLayerNames();
    class Scale extends tf.Layer {
      w: tf.Variable | null = null;
      b: tf.Variable | null = null;
      override build(s: Shape | Shape[]): void {
        const shape = s as Shape;
        this.w = this.addWeight('w', [shape[shape.length - 1] as number], { initializer: 'ones', constraint: nonNeg() });
        this.b = this.addWeight('b', [1], { initializer: 'zeros', trainable: false });
      }
      call(x: Tensor | Tensor[]): Tensor {
        return tf.add(tf.mul(x as Tensor, this.w!), this.b!);
      }
    }
    const layer = new Scale();
    assert.equal(layer.name, 'scale');
    const out = layer.apply(tf.tensor([[1, 2], [3, 4]]));
    assert.deepEqual(Array.from(out.dataSync()), [1, 2, 3, 4]);
    assert.deepEqual(layer.trainableWeights.map((v) => v.name), ['scale/w:0']);
    assert.deepEqual(layer.nonTrainableWeights.map((v) => v.name), ['scale/b:0']);
    assert.equal(layer.countParams(), 3);

    // Functional: shape inference via the default computeOutputShape.
    const inp = tf.input({ shape: [2] });
    const l2 = new Scale();
    const fm = tf.model({ inputs: inp, outputs: l2.apply(inp) });
    assert.deepEqual(fm.outputs[0]!.shape, [null, 2]);
    assert.equal(fm.summary(80, null).totalParams, 3);

    // Training pushes w negative for targets -x; the constraint keeps it ≥ 0.
    const m = tf.sequential({ layers: [new Scale({ inputShape: [2] } as LayerArgs)] });
    m.compile({ optimizer: tf.train.sgd(1), loss: 'meanSquaredError' });
    const x = tf.tensor([[1, 2], [3, 4]]);
    await m.fit(x, tf.neg(x), { epochs: 3, verbose: 0, shuffle: false });
    const wv = Array.from(m.trainableWeights[0]!.dataSync(), (v) => v + 0);
    assert.deepEqual(wv, [0, 0]);
  });
});

describe('multi-output compile', () => {
  function twoHeads(seed: number) {
    tf.resetLayerNames();
    const inp = tf.input({ shape: [4] });
    const h = tf.layers.dense({ units: 6, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(inp);
    const cls = tf.layers.dense({ units: 3, activation: 'softmax', name: 'cls', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(h);
    const reg = tf.layers.dense({ units: 1, name: 'reg', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }).apply(h);
    return tf.model({ inputs: inp, outputs: [cls, reg] });
  }

  it('total loss = Σ wᵢ·lossᵢ (by hand); per-output loss and metric logs; list and dict forms agree', async () => {
    tf.setSeed(31);
    const x = tf.randomNormal([12, 4]);
    const y1 = tf.oneHot(tf.randomUniform([12], 0, 3, 'int32'), 3).cast('float32');
    const y2 = tf.randomNormal([12, 1]);
    const m = twoHeads(40);
    assert.deepEqual(m.outputNames(), ['cls', 'reg']);
    m.compile({ optimizer: tf.train.sgd(0.1), loss: ['categoricalCrossentropy', 'meanSquaredError'], lossWeights: [0.3, 2], metrics: { cls: 'accuracy', reg: ['mae'] } });

    // By hand, before the step: the same losses from the model's current predictions.
    const [p1, p2] = m.predict(x) as unknown as Tensor[];
    const l1 = tf.mean(tf.kerasLosses.categoricalCrossentropy().fn(y1, p1!)).dataSync()[0]!;
    const l2 = tf.mean(tf.mean(tf.square(tf.sub(y2, p2!)), -1)).dataSync()[0]!;
    const ev = m.evaluate(x, [y1, y2], { batchSize: 12 }) as Tensor[];
    const evs = ev.map((t) => t.dataSync()[0]!);
    assert.equal(evs.length, 5); // loss, cls_loss, reg_loss, cls_accuracy, reg_mae
    close([evs[1]!, evs[2]!], [l1, l2]);
    close([evs[0]!], [Math.fround(Math.fround(0.3 * l1) + Math.fround(2 * l2))]);

    const logs: Record<string, number>[] = [];
    const h = await m.fit(x, [y1, y2], { epochs: 1, batchSize: 12, verbose: 0, shuffle: false, callbacks: { onBatchEnd: async (_b, lg) => void logs.push({ ...lg! }) } });
    assert.deepEqual(Object.keys(logs[0]!).sort(), ['cls_accuracy', 'cls_loss', 'loss', 'reg_loss', 'reg_mae']);
    // The training loss of the (single, full) batch is the weighted sum of its per-output losses.
    assert.equal(logs[0]!['loss'], Math.fround(Math.fround(0.3 * logs[0]!['cls_loss']!) + Math.fround(2 * logs[0]!['reg_loss']!)));
    close([logs[0]!['cls_loss']!, logs[0]!['reg_loss']!], [l1, l2]);
    assert.equal(logs[0]!['loss'], evs[0]);
    assert.ok(h.history['reg_mae']);

    // The dict forms give the same numbers.
    const m2 = twoHeads(40);
    m2.compile({ optimizer: tf.train.sgd(0.1), loss: { cls: 'categoricalCrossentropy', reg: 'meanSquaredError' }, lossWeights: { cls: 0.3, reg: 2 }, metrics: [['accuracy'], 'mae'] });
    const logs2: Record<string, number>[] = [];
    await m2.fit(x, { cls: y1, reg: y2 }, { epochs: 1, batchSize: 12, verbose: 0, shuffle: false, validationData: [x, [y1, y2]], callbacks: { onEpochEnd: async (_e, lg) => void logs2.push({ ...lg! }) } });
    for (const k of Object.keys(logs[0]!)) assert.equal(logs2[0]![k], logs[0]![k], k);
    assert.ok('val_cls_loss' in logs2[0]! && 'val_reg_mae' in logs2[0]!);
  });

  it('one loss for every output, a null loss, and errors', async () => {
    const m = twoHeads(50);
    expectThrows(() => m.compile({ optimizer: 'sgd', loss: ['mse'] }), /2 outputs \(cls, reg\).*needs 2 entries, received 1/);
    expectThrows(() => m.compile({ optimizer: 'sgd', loss: { clz: 'mse' } }), /key 'clz', which is not an output name/);
    expectThrows(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] }), /metrics.*one entry .* per output/);
    m.compile({ optimizer: 'sgd', loss: { reg: 'mse' } });
    const x = tf.ones([4, 4]);
    // Several outputs: [loss, reg_loss] (Keras's and TF.js's train_on_batch list).
    const l = m.trainOnBatch(x, [null as unknown as Tensor, tf.zeros([4, 1])]) as number[];
    assert.equal(l.length, 2);
    assert.ok(l.every((v) => Number.isFinite(v)), `finite losses: ${l}`);
    expectThrows(() => m.trainOnBatch(x, tf.zeros([4, 1])), /2 outputs.*received one Tensor/);
    const m3 = twoHeads(50);
    m3.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const logs: Record<string, number>[] = [];
    await m3.fit(x, [tf.zeros([4, 3]), tf.zeros([4, 1])], { epochs: 1, verbose: 0, callbacks: { onEpochEnd: async (_e, lg) => void logs.push({ ...lg! }) } });
    assert.equal(logs[0]!['loss'], Math.fround(logs[0]!['cls_loss']! + logs[0]!['reg_loss']!));
  });
});

describe('Dense regularizers in the config', () => {
  it('kernelRegularizer / biasRegularizer survive getConfig, deserializeLayer and a .keras round trip', async () => {
    const d = tf.layers.dense({ units: 3, kernelRegularizer: { l2: 0.01 }, biasRegularizer: { l1: 0.5 } });
    const c = d.getConfig();
    assert.deepEqual(c['kernelRegularizer'], { l1: 0, l2: 0.01 });
    assert.deepEqual(c['biasRegularizer'], { l1: 0.5, l2: 0 });
    const copy = deserializeLayer({ className: 'Dense', config: c }) as tf.Layer;
    assert.deepEqual(copy.getConfig()['kernelRegularizer'], { l1: 0, l2: 0.01 });
    assert.equal(tf.layers.dense({ units: 3 }).getConfig()['kernelRegularizer'], undefined);

    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'idem-reg-'));
    try {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4], kernelRegularizer: { l2: 0.25 } })] });
      await m.save(join(dir, 'm.keras'));
      const back = await tf.loadLayersModel(join(dir, 'm.keras'));
      assert.deepEqual(back.layers[back.layers.length - 1]!.getConfig()['kernelRegularizer'], { l1: 0, l2: 0.25 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('functional model layer order (Keras map_graph)', () => {
  it('a residual block lists layers deepest first, ties in the walk order from the outputs', () => {
    const inp = tf.input({ shape: [4], name: 'ord_in' });
    const a1 = tf.layers.dense({ units: 4, name: 'ord_1' }).apply(inp) as tf.KerasTensor;
    const a2 = tf.layers.dense({ units: 4, name: 'ord_2' }).apply(a1) as tf.KerasTensor;
    const a3 = tf.layers.dense({ units: 4, name: 'ord_3' }).apply(a2) as tf.KerasTensor;
    const a3n = tf.layers.activation({ activation: 'relu', name: 'ord_3_act' }).apply(a3) as tf.KerasTensor;
    const s0 = tf.layers.dense({ units: 4, name: 'ord_0' }).apply(inp) as tf.KerasTensor;
    const s0n = tf.layers.activation({ activation: 'relu', name: 'ord_0_act' }).apply(s0) as tf.KerasTensor;
    const out = tf.layers.add({ name: 'ord_add' }).apply([s0n, a3n]) as tf.KerasTensor;
    const m = tf.model({ inputs: inp, outputs: out });
    // depths from the add: ord_1 4, ord_2 3, ord_3 2 and ord_0 2, the activations 1, add 0;
    // at depth 2 the walk meets ord_0 (the add's first input) before ord_3.
    assert.deepEqual(m.layers.map((l) => l.name), ['ord_in', 'ord_1', 'ord_2', 'ord_0', 'ord_3', 'ord_0_act', 'ord_3_act', 'ord_add']);
    assert.deepEqual(m.weights.map((w) => w.name.split('/')[0]), ['ord_1', 'ord_1', 'ord_2', 'ord_2', 'ord_0', 'ord_0', 'ord_3', 'ord_3']);
  });
});
