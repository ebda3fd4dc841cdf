/** tf.compare: alignment, init statistics, dropout (seed 000), batch-norm state, optimizer config, and that it changes nothing. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { guessInitializer, stats } from '../src/compare/stats.ts';

const N = 64;
tf.setSeed(0);
const x = tf.randomUniform([N, 20], 0, 1, 'float32', 11);
const labels = tf.randomUniform([N], 0, 5, 'float32', 12).floor().cast('int32');
const y = tf.oneHot(labels, 5).cast('float32');

function keras(opts: { rate?: number; bn?: boolean; momentum?: number; eps?: number; init?: 'glorot' | 'normal' } = {}): tf.LayersModel {
  const kernel = (s: number) => (opts.init === 'normal' ? tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: s }) : tf.initializers.glorotUniform({ seed: s }));
  const layers: tf.Layer[] = [tf.layers.dense({ units: 16, activation: 'relu', inputShape: [20], kernelInitializer: kernel(1) })];
  if (opts.bn) layers.push(tf.layers.batchNormalization({ momentum: opts.momentum ?? 0.99 }));
  layers.push(tf.layers.dropout({ rate: opts.rate ?? 0.3, seed: 9 }));
  layers.push(tf.layers.dense({ units: 5, kernelInitializer: kernel(2) }));
  const m = tf.sequential({ layers });
  m.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, opts.eps ?? 1e-7), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
  return m;
}

function hand(opts: { rate?: number; eps?: number; init?: 'glorot' | 'normal'; ignoreTraining?: boolean; bn?: 'updates' | 'frozen' | 'inference' } = {}): tf.HandModel {
  const init = opts.init === 'normal' ? (s: number) => tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: s }) : (s: number) => tf.initializers.glorotUniform({ seed: s });
  const w0 = tf.variable(init(1).apply([20, 16]), true, 'w0');
  const b0 = tf.variable(tf.zeros([16]), true, 'b0');
  const gamma = tf.variable(tf.ones([16]), true, 'gamma');
  const beta = tf.variable(tf.zeros([16]), true, 'beta');
  const mm = tf.variable(tf.zeros([16]), false, 'moving_mean');
  const mv = tf.variable(tf.ones([16]), false, 'moving_variance');
  const w1 = tf.variable(init(2).apply([16, 5]), true, 'w1');
  const b1 = tf.variable(tf.zeros([5]), true, 'b1');
  const gen = new tf.SeedGenerator(9);
  const rate = opts.rate ?? 0.3;
  return {
    name: 'hand',
    fn: (xb, training) => {
      let h = tf.relu(tf.add(tf.matMul(xb, w0), b0));
      if (opts.bn) {
        if (training) {
          const { mean, variance } = tf.moments(h, [0]);
          if (opts.bn === 'updates' || opts.bn === 'inference') {
            mm.assign(tf.add(tf.mul(mm, 0.99), tf.mul(mean, 0.01)));
            mv.assign(tf.add(tf.mul(mv, 0.99), tf.mul(variance, 0.01)));
          }
          h = tf.batchNorm(h, mean, variance, beta, gamma, 1e-3);
        } else {
          if (opts.bn === 'inference') mm.assign(tf.add(tf.mul(mm, 0.99), tf.mul(tf.mean(h, 0), 0.01)));
          h = tf.batchNorm(h, mm, mv, beta, gamma, 1e-3);
        }
      }
      if (training && !opts.ignoreTraining) h = tf.dropout(h, rate, null, gen);
      return tf.add(tf.matMul(h, w1), b1);
    },
    variables: opts.bn ? { w0, b0, gamma, beta, w1, b1, moving_mean: mm, moving_variance: mv } : { w0, b0, w1, b1 },
    optimizer: tf.train.adam(1e-3, 0.9, 0.999, opts.eps ?? 1e-7),
    loss: (yt, logits) => tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: yt, logits })),
  };
}

const section = (r: tf.CompareReport, id: string) => r.sections.find((s) => s.id === id)!;

describe('tf.compare', () => {
  it("seed 000: Keras Dropout(0.3) vs a hand loop given the keep probability 0.7 as rate — names the dropout, measures 30% vs 70%", () => {
    const r = tf.compare(keras(), hand({ rate: 0.7 }), { xs: x, ys: y });
    assert.equal(r.identical, false);
    assert.ok(r.firstDivergence !== null, 'a divergence is found');
    assert.equal(r.firstDivergence!.section, 'architecture');
    assert.match(r.firstDivergence!.cause, /^Dropout in B drops [67]\d\.\d% of units, A drops [23]\d\.\d%: `rate` is the fraction dropped; B was given 0\.7, which looks like a keep probability/);
    assert.match(r.firstDivergence!.fix, /use rate = 1 - 0\.7 = 0\.3/);
    const drop = section(r, 'stochastic').rows[0]!;
    assert.equal(drop.status, 'differs');
    assert.ok(Math.abs(drop.values!['droppedA']! - 0.3) < 0.08, `A drops about 30%: ${drop.values!['droppedA']}`);
    assert.ok(Math.abs(drop.values!['droppedB']! - 0.7) < 0.08, `B drops about 70%: ${drop.values!['droppedB']}`);
    // before the dropout everything is bit-identical, in both modes
    assert.equal(section(r, 'init').status, 'same');
    assert.equal(section(r, 'forward').status, 'same');
    const tr = section(r, 'forwardTraining').rows;
    assert.deepEqual(tr.slice(0, 3).map((row) => row.status), ['same', 'same', 'same']);
    assert.equal(tr[3]!.status, 'differs');
    const text = tf.formatCompareReport(r);
    assert.match(text, /First divergence \(architecture: #4 dropout rate\):\n {2}Dropout in B drops/);
    assert.match(text, /Stochastic layers \(training mode\) — differs/);
  });

  it('the same network written both ways is identical in every section (same seeds)', () => {
    const r = tf.compare(keras(), hand(), [x, y]);
    assert.equal(r.firstDivergence, null);
    assert.equal(r.identical, true);
    for (const s of r.sections) assert.ok(s.status === 'same', `${s.id} is ${s.status}`);
    const g = section(r, 'gradients').rows;
    assert.equal(g.length, 5, 'loss + 4 parameters');
    assert.ok(g.every((row) => row.note === 'bit-identical'), 'gradients bit-identical');
    assert.match(tf.formatCompareReport(r), /No divergence/);
  });

  it('changes nothing: weights, batch-norm statistics, dropout generators and the global random sequence', () => {
    const a = keras({ bn: true });
    const b = hand({ bn: 'updates' });
    a.apply(x); // build
    const before = a.getWeights().map((w) => Array.from(w.dataSync()));
    const handBefore = (Object.values(b.variables) as tf.Variable[]).map((v) => Array.from(v.dataSync()));
    const drop = a.layers.find((l) => l instanceof tf.Dropout) as tf.Dropout;
    const state = drop.seedGenerator.state;
    const nVars = tf.globalVariables().length;
    tf.setSeed(3);
    tf.compare(a, b, { xs: x, ys: y });
    assert.equal(tf.globalVariables().length, nVars, 'no variable left behind (copies, optimizer slots)');
    const after = tf.randomUniform([6]).dataSync();
    tf.setSeed(3);
    const fresh = tf.randomUniform([6]).dataSync();
    assert.deepEqual(Array.from(after), Array.from(fresh), 'global sequence not advanced');
    assert.equal(drop.seedGenerator.state, state, 'Dropout generator not advanced');
    assert.deepEqual(a.getWeights().map((w) => Array.from(w.dataSync())), before);
    assert.deepEqual((Object.values(b.variables) as tf.Variable[]).map((v) => Array.from(v.dataSync())), handBefore);
  });

  it('seed 004: random-normal std-1 weights vs glorot — the initial-weight section names the initializers and the fan-based std', () => {
    const r = tf.compare(keras(), hand({ init: 'normal' }), { xs: x, ys: y });
    assert.equal(r.firstDivergence!.section, 'init');
    assert.match(r.firstDivergence!.cause, /^B's initial w0 has std 0\.9\d+ \(looks like randomNormal\(stddev 1\)\), A's 0\.2\d+ \(glorotUniform, expected √\(2\/\(20\+16\)\) = 0\.236\)/);
    assert.match(r.firstDivergence!.fix, /glorotUniform/);
    // later sections run B with A's weights, so the forward pass agrees
    assert.equal(section(r, 'forward').rows[0]!.item, 'weights');
    assert.equal(section(r, 'forward').status, 'same');
  });

  it('batch norm: a hand loop that never updates its moving statistics', () => {
    const r = tf.compare(keras({ bn: true }), hand({ bn: 'frozen' }), { xs: x, ys: y });
    const st = section(r, 'state');
    assert.equal(st.status, 'differs');
    assert.match(st.rows[0]!.a, /^updated in training/);
    assert.equal(st.rows[0]!.b, 'unchanged in training');
    const div = r.firstDivergence!;
    assert.equal(div.section, 'state');
    assert.match(div.cause, /^B never updates moving_mean in a training call/);
    const ok = tf.compare(keras({ bn: true }), hand({ bn: 'updates' }), { xs: x, ys: y });
    assert.equal(section(ok, 'state').status, 'same');
    assert.equal(ok.identical, true, JSON.stringify(ok.firstDivergence));
  });

  it('batch norm: a hand model that also updates its moving mean in inference calls', () => {
    const r = tf.compare(keras({ bn: true }), hand({ bn: 'inference' }), { xs: x, ys: y });
    const row = section(r, 'state').rows.find((q) => q.item === 'inference call (training = false)')!;
    assert.equal(row.status, 'differs');
    assert.equal(row.a, 'changes nothing');
    assert.equal(row.b, 'changes moving_mean');
    // the inference output already differs (B normalizes with the mean it just moved)
    assert.equal(r.firstDivergence!.section, 'forward');
    assert.match(r.firstDivergence!.where, /batchNorm/);
  });

  it('batch norm momentum: two Keras models whose moving statistics move by different amounts', () => {
    const r = tf.compare(keras({ bn: true }), keras({ bn: true, momentum: 0.9 }), { xs: x, ys: y });
    assert.equal(r.firstDivergence!.section, 'state');
    assert.match(r.firstDivergence!.cause, /both update it in training, by different amounts \(max \|A−B\| [\d.e-]+\): A's batch norm has momentum 0\.99, B's 0\.9\./);
    // everything before the state section agrees
    for (const s of r.sections.filter((q) => q.id !== 'state')) assert.equal(s.status, 'same', s.id);
  });

  it("optimizer: Keras's epsilon 1e-7 vs TF1's 1e-8", () => {
    const r = tf.compare(keras(), hand({ eps: 1e-8 }), { xs: x, ys: y });
    assert.equal(r.firstDivergence!.section, 'optimizer');
    assert.equal(r.firstDivergence!.where, 'epsilon');
    assert.match(r.firstDivergence!.cause, /A 1e-7, B 1e-8 \(Keras default 1e-7, TF1 AdamOptimizer 1e-8\)/);
    const steps = section(r, 'optimizer').rows.filter((row) => row.item.startsWith('Δ'));
    assert.equal(steps.length, 4);
    assert.ok(steps.some((row) => row.status !== 'same'), 'one Adam step differs with another epsilon');
  });

  it('a hand model that ignores the training flag: dropout missing in training mode', () => {
    const r = tf.compare(keras(), hand({ ignoreTraining: true }), { xs: x, ys: y });
    assert.equal(r.firstDivergence!.section, 'architecture');
    assert.match(r.firstDivergence!.cause, /^A applies dropout \(rate 0\.3, dropout(_\d+)? \(Dropout\)\) in training mode and B applies none there/);
    const phase = section(r, 'stochastic').rows.find((row) => row.item.startsWith('learning phase'))!;
    assert.equal(phase.b, 'training output = inference output');
  });

  it('a frozen layer on one side: fewer trainable values, same weights', () => {
    const b = keras();
    b.layers[0]!.trainable = false;
    const r = tf.compare(keras(), b, { xs: x, ys: y });
    assert.equal(r.firstDivergence!.where, 'trainable parameters');
    assert.match(r.firstDivergence!.cause, /^B trains 336 fewer values than the other although both hold the same weights: B has frozen layers/);
  });

  it('the JSON form round-trips and keeps the eight sections in order', () => {
    const r = tf.compare(keras(), hand({ rate: 0.7 }), x);
    const back = JSON.parse(JSON.stringify(r)) as tf.CompareReport;
    assert.deepEqual(back.sections.map((s) => s.id), ['architecture', 'init', 'forward', 'forwardTraining', 'stochastic', 'gradients', 'optimizer', 'state']);
    assert.equal(section(back, 'gradients').status, 'skipped', 'no labels, no gradients');
    assert.equal(back.version, 1);
  });

  it('bad input names compare and the argument', () => {
    assert.throws(() => tf.compare(keras(), {} as unknown as tf.HandModel, x), /compare: modelB must be a Keras model/);
    assert.throws(() => tf.compare(keras(), hand(), x, { bogus: 1 } as never), /compare: unknown option `bogus`/);
    assert.throws(() => tf.compare(keras(), hand(), { xs: x, ys: tf.zeros([3, 5]) }), /compare: x and y must have the same number of rows/);
  });
});

describe('initializer statistics', () => {
  const guess = (init: tf.Initializer, shape: number[]) => guessInitializer(shape, stats(init.apply(shape))).name;
  it('recognises the common initializers from mean, std and spread', () => {
    assert.equal(guess(tf.initializers.glorotUniform({ seed: 1 }), [784, 256]), 'glorotUniform');
    assert.equal(guess(tf.initializers.glorotNormal({ seed: 1 }), [784, 256]), 'glorotNormal');
    assert.equal(guess(tf.initializers.heNormal({ seed: 1 }), [256, 128]), 'heNormal');
    assert.equal(guess(tf.initializers.heUniform({ seed: 1 }), [256, 128]), 'heUniform');
    assert.equal(guess(tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: 1 }), [784, 128]), 'randomNormal(stddev 1)');
    assert.equal(guess(tf.initializers.zeros(), [10]), 'zeros');
    const g = guessInitializer([784, 256], stats(tf.initializers.glorotUniform({ seed: 1 }).apply([784, 256])));
    assert.ok(Math.abs(g.expectedStd! - Math.sqrt(2 / 1040)) < 1e-12, 'fan-based expectation √(2/(fanIn+fanOut))');
  });
});

describe('tf.compare after graph mode', () => {
  it('refuses while graph mode is on, works again after enableEagerExecution', () => {
    const p = tf.placeholder('float32', [null, 20]);
    assert.ok(p !== null, 'placeholder created');
    assert.throws(() => tf.compare(keras(), hand(), [x, y]), /compare: needs eager execution/);
    tf.enableEagerExecution();
    const r = tf.compare(keras(), hand(), [x, y]);
    assert.equal(r.firstDivergence, null, `expected no divergence, got ${JSON.stringify(r.firstDivergence)}`);
  });
});
