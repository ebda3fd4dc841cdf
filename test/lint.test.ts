/** tf.lint: each rule on a model that triggers it and one that does not; fit prints the findings once with verbose on. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';

tf.setSeed(0);
const x = tf.randomUniform([32, 20], 0, 1, 'float32', 21);
const cls = tf.randomUniform([32], 0, 4, 'float32', 22).floor().cast('int32');
const oneHot = tf.oneHot(cls, 4).cast('float32');

type Opts = { init?: 'normal' | 'glorot'; hidden?: number; out?: 'softmax' | 'linear'; fromLogits?: boolean; rate?: number; bnMomentum?: number; freeze?: 'one' | 'all'; loss?: 'cce' | 'sparse' };
function model(o: Opts = {}): tf.LayersModel {
  const k = (s: number) => (o.init === 'normal' ? tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: s }) : tf.initializers.glorotUniform({ seed: s }));
  const layers: tf.Layer[] = [];
  for (let i = 0; i < (o.hidden ?? 2); i++) {
    layers.push(tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: k(i), ...(i === 0 ? { inputShape: [20] } : {}) }));
    if (o.bnMomentum !== undefined && i === 0) layers.push(tf.layers.batchNormalization({ momentum: o.bnMomentum }));
    if (o.rate !== undefined && i === 0) layers.push(tf.layers.dropout({ rate: o.rate }));
  }
  layers.push(tf.layers.dense({ units: 4, activation: o.out ?? 'linear', kernelInitializer: k(9) }));
  const m = tf.sequential({ layers });
  if (o.freeze === 'one') m.layers[0]!.trainable = false;
  if (o.freeze === 'all') for (const l of m.layers) l.trainable = false;
  const loss = o.loss === 'sparse' ? tf.kerasLosses.sparseCategoricalCrossentropy({ fromLogits: o.fromLogits ?? true }) : tf.kerasLosses.categoricalCrossentropy({ fromLogits: o.fromLogits ?? true });
  m.compile({ optimizer: tf.train.adam(1e-3), loss });
  return m;
}

const codes = (f: tf.LintFinding[]) => f.map((e) => e.code);

describe('tf.lint', () => {
  it('exploding initial activations: random-normal std 1 with 2 and 5 hidden layers (seed 004), not glorot', () => {
    for (const hidden of [2, 5]) {
      const f = tf.lint(model({ init: 'normal', hidden }), { data: x });
      assert.deepEqual(codes(f), ['exploding-activations'], `hidden ${hidden}`);
      assert.match(f[0]!.message, /past 30× the input's std at dense/);
      assert.match(f[0]!.message, /looks like randomNormal\(stddev 1\)/);
      assert.equal(f[0]!.severity, 'warning');
      assert.deepEqual(codes(tf.lint(model({ init: 'glorot', hidden }), { data: x })), [], `glorot, hidden ${hidden}`);
    }
    // without data: a standard-normal stand-in batch from the model's input shape
    assert.deepEqual(codes(tf.lint(model({ init: 'normal' }))), ['exploding-activations']);
    assert.deepEqual(codes(tf.lint(model())), []);
  });

  it('vanishing initial activations', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 64, activation: 'tanh', inputShape: [20], kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1e-3, seed: 1 }) }), tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1e-3, seed: 2 }) })] });
    assert.deepEqual(codes(tf.lint(m, { data: x })), ['vanishing-activations']);
  });

  it('softmax output with a fromLogits loss; logits with a probability loss', () => {
    assert.deepEqual(codes(tf.lint(model({ out: 'softmax', fromLogits: true }), { data: x })), ['softmax-with-logits-loss']);
    assert.deepEqual(codes(tf.lint(model({ out: 'softmax', fromLogits: false }), { data: x })), []);
    assert.deepEqual(codes(tf.lint(model({ out: 'linear', fromLogits: false }), { data: x })), ['logits-with-probability-loss']);
    assert.deepEqual(codes(tf.lint(model({ out: 'linear', fromLogits: true }), { data: x })), []);
  });

  it('dropout rate > 0.5 after a dense layer (seed 000); 0.5 itself is fine', () => {
    const f = tf.lint(model({ rate: 0.7 }), { data: x });
    assert.deepEqual(codes(f), ['dropout-keep-prob']);
    assert.match(f[0]!.fix, /rate = 1 - 0\.7 = 0\.3/);
    assert.deepEqual(codes(tf.lint(model({ rate: 0.3 }), { data: x })), []);
    assert.deepEqual(codes(tf.lint(model({ rate: 0.5 }), { data: x })), [], 'Dropout(0.5) is the classic rate, not a mistake');
  });

  it('batch norm whose moving statistics a training call does not update', () => {
    const f = tf.lint(model({ bnMomentum: 1 }), { data: x });
    assert.deepEqual(codes(f), ['batchnorm-not-updated']);
    assert.match(f[0]!.message, /momentum 1/);
    assert.deepEqual(codes(tf.lint(model({ bnMomentum: 0.99 }), { data: x })), []);
  });

  it('frozen layers in a model with an optimizer', () => {
    const one = tf.lint(model({ freeze: 'one' }), { data: x });
    assert.deepEqual(codes(one), ['frozen-layer']);
    assert.equal(one[0]!.severity, 'info');
    assert.deepEqual(codes(tf.lint(model({ freeze: 'all' }), { data: x })).sort(), ['frozen-layer', 'frozen-layer', 'frozen-layer', 'nothing-to-train']);
  });

  it('labels that do not match the loss', () => {
    assert.deepEqual(codes(tf.lint(model(), { data: [x, cls] })), ['labels-not-one-hot']);
    assert.deepEqual(codes(tf.lint(model(), { data: [x, oneHot] })), []);
    // tf.oneHot gives int32: one-hot labels all the same (the check keys on shape, not dtype).
    assert.deepEqual(codes(tf.lint(model(), { data: [x, tf.cast(oneHot, 'int32')] })), []);
    assert.deepEqual(codes(tf.lint(model({ loss: 'sparse' }), { data: [x, oneHot] })), ['labels-one-hot-with-sparse']);
    assert.deepEqual(codes(tf.lint(model({ loss: 'sparse' }), { data: [x, cls] })), []);
  });

  it('hand models: learning phase ignored, dropout in inference, batch norm never updated', () => {
    const w = tf.variable(tf.initializers.glorotUniform({ seed: 1 }).apply([20, 4]), true, 'w');
    const mm = tf.variable(tf.zeros([4]), false, 'moving_mean');
    const mv = tf.variable(tf.ones([4]), false, 'moving_variance');
    const bnAlways = (h: tf.Tensor) => {
      const { mean, variance } = tf.moments(h, [0]);
      return tf.batchNorm(h, mean, variance, undefined, undefined, 1e-3);
    };
    // batch statistics in both modes, moving statistics never touched
    const ignored: tf.HandModel = { fn: (xb) => bnAlways(tf.matMul(xb, w)), variables: [w, mm, mv] };
    assert.deepEqual(codes(tf.lint(ignored, { data: x })).sort(), ['batchnorm-not-updated', 'learning-phase-ignored']);
    const dropAlways: tf.HandModel = { fn: (xb) => tf.dropout(tf.matMul(xb, w), 0.3), variables: [w] };
    assert.deepEqual(codes(tf.lint(dropAlways, { data: x })), ['dropout-in-inference']);
    const good: tf.HandModel = {
      fn: (xb, training) => {
        const h = tf.matMul(xb, w);
        if (!training) return tf.batchNorm(h, mm, mv, undefined, undefined, 1e-3);
        const { mean, variance } = tf.moments(h, [0]);
        mm.assign(tf.add(tf.mul(mm, 0.99), tf.mul(mean, 0.01)));
        mv.assign(tf.add(tf.mul(mv, 0.99), tf.mul(variance, 0.01)));
        return tf.dropout(tf.batchNorm(h, mean, variance, undefined, undefined, 1e-3), 0.3);
      },
      variables: [w, mm, mv],
    };
    const before = Array.from(mm.dataSync());
    assert.deepEqual(codes(tf.lint(good, { data: x })), []);
    assert.deepEqual(Array.from(mm.dataSync()), before, 'lint restores the moving statistics');
    assert.throws(() => tf.lint(good), /lint: a hand model needs options.data/);
  });

  it('fit with verbose on prints the findings once per model; verbose 0 prints nothing', async () => {
    const lines: string[] = [];
    const warn = console.warn;
    const write = process.stdout.write;
    console.warn = (...a: unknown[]) => void lines.push(a.join(' '));
    // swallow the progress bar (strings); the test runner's own reports (binary) pass
    process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => (typeof s === 'string' ? true : (write as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest))) as typeof process.stdout.write;
    try {
      const m = model({ rate: 0.7 });
      await m.fit(x, oneHot, { epochs: 1, batchSize: 16, verbose: 1 });
      await m.fit(x, oneHot, { epochs: 1, batchSize: 16, verbose: 1 });
      const quiet = model({ rate: 0.7 });
      await quiet.fit(x, oneHot, { epochs: 1, batchSize: 16, verbose: 0 });
    } finally {
      console.warn = warn;
      process.stdout.write = write;
    }
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^idem lint \(sequential_\d+\) warning \[dropout-keep-prob\] dropout_\d+: Dropout drops 70% of units/);
  });
});
