/**
 * Recurrent layers (SimpleRNN, LSTM, GRU) and wrappers (Bidirectional, TimeDistributed): values
 * bit-identical to hand-written raw-op loops of Keras's equations, masks, goBackwards,
 * returnState, initial states, dropout, shapes and Keras param counts, gradients, config round
 * trips and errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { GRU, LSTM, SimpleRNN, recurrentLayers, Bidirectional, TimeDistributed, type RNNBase } from '../src/layers/recurrent.ts';
import { deserializeLayer } from '../src/layers/registry.ts';
import { checkGrad, expectThrows, randInput, randTensor } from './util.ts';
import { runLayerTest } from './layer_test.ts';

type T = tf.Tensor;
const arr = (t: T) => Array.from(t.dataSync());
const same = (a: T, b: T, msg = '') => {
  assert.deepEqual(a.shape, b.shape, `${msg} shape`);
  assert.deepEqual(arr(a), arr(b), msg);
};
const seeded = (s: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: s }), recurrentInitializer: tf.initializers.orthogonal({ seed: s + 100 }) });

/** Gives a non-zero bias (so it matters in the comparisons). */
function randomBias(l: RNNBase, seed: number) {
  const w = l.getWeights();
  if (w.length === 3) l.setWeights([w[0]!, w[1]!, randTensor(w[2]!.shape, seed, -0.5, 0.5)]);
}

// ------------------------------------------------------------------ hand-written cells (raw ops, Keras equations)

interface Masks { dp?: T[]; rdp?: T[] }

function simpleStep(x: T, h: T, k: T, rk: T, b: T, m: Masks = {}): T[] {
  const xi = m.dp ? tf.mul(x, m.dp[0]!) : x;
  const hi = m.rdp ? tf.mul(h, m.rdp[0]!) : h;
  const o = tf.tanh(tf.add(tf.add(tf.matMul(xi, k), b), tf.matMul(hi, rk)));
  return [o, o];
}

function lstmStep(x: T, h: T, c: T, k: T, rk: T, b: T, m: Masks = {}): T[] {
  const xi = m.dp ? tf.mul(x, m.dp[0]!) : x;
  const z = tf.add(tf.add(tf.matMul(xi, k), tf.matMul(h, rk)), b);
  const [z0, z1, z2, z3] = tf.split(z, 4, 1) as [T, T, T, T];
  const c2 = tf.add(tf.mul(tf.sigmoid(z1), c), tf.mul(tf.sigmoid(z0), tf.tanh(z2)));
  const h2 = tf.mul(tf.sigmoid(z3), tf.tanh(c2));
  return [h2, h2, c2];
}

function gruStep(x: T, h: T, k: T, rk: T, b: T): T[] {
  const [bi, br] = tf.unstack(b, 0) as [T, T];
  const [xz, xr, xh] = tf.split(tf.add(tf.matMul(x, k), bi), 3, 1) as [T, T, T];
  const [rz, rr, rh] = tf.split(tf.add(tf.matMul(h, rk), br), 3, 1) as [T, T, T];
  const z = tf.sigmoid(tf.add(xz, rz));
  const r = tf.sigmoid(tf.add(xr, rr));
  const hh = tf.tanh(tf.add(xh, tf.mul(r, rh)));
  const h2 = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
  return [h2, h2];
}

function gruStepResetBefore(x: T, h: T, k: T, rk: T, b: T): T[] {
  const u = h.shape[1]!;
  const [xz, xr, xh] = tf.split(tf.add(tf.matMul(x, k), b), 3, 1) as [T, T, T];
  const [rz, rr] = tf.split(tf.matMul(h, tf.slice(rk, [0, 0], [u, 2 * u])), 2, 1) as [T, T];
  const z = tf.sigmoid(tf.add(xz, rz));
  const r = tf.sigmoid(tf.add(xr, rr));
  const hh = tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, h), tf.slice(rk, [0, 2 * u], [u, u]))));
  const h2 = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
  return [h2, h2];
}

/**
 * The Keras RNN loop by hand: step(x_t, ...states) → [output, ...states]; masked steps keep the
 * states and repeat the previous output (zeros first, or always zeros with zeroOutput).
 */
function handLoop(
  x: T, units: number, nStates: number, step: (xt: T, ...s: T[]) => T[],
  opts: { mask?: T; back?: boolean; init?: T[]; zeroOutput?: boolean } = {},
): { seq: T; last: T; states: T[] } {
  const [b, time] = x.shape as [number, number];
  let xs = tf.unstack(x, 1);
  let ms = opts.mask ? tf.unstack(tf.reshape(opts.mask, [b, time, 1]), 1) : null;
  if (opts.back) {
    xs = xs.reverse();
    ms = ms ? ms.reverse() : null;
  }
  const zero = tf.zeros([b, units]);
  let states = opts.init ?? new Array<T>(nStates).fill(zero);
  let prev: T = zero;
  const outs: T[] = [];
  xs.forEach((xt, t) => {
    const [o, ...ns] = step(xt, ...states);
    if (ms) {
      const out = tf.where(ms[t]!, o!, opts.zeroOutput ? zero : prev);
      states = ns.map((s, i) => tf.where(ms![t]!, s, states[i]!));
      prev = out;
      outs.push(out);
    } else {
      states = ns;
      prev = o!;
      outs.push(o!);
    }
  });
  return { seq: tf.stack(outs, 1), last: outs[outs.length - 1]!, states };
}

const x = randTensor([3, 5, 4], 11);
const MASK = tf.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 1, 0], [0, 0, 1, 1, 0]], [3, 5], 'float32').cast('bool');

describe('SimpleRNN', () => {
  it('equals the raw-op loop bit for bit; Keras param count 104; weights [in,u], [u,u], [u]', () => {
    const l = new SimpleRNN({ units: 8, returnSequences: true, ...seeded(1) });
    l.apply(x);
    randomBias(l, 3);
    const [k, rk, b] = l.getWeights() as [T, T, T];
    assert.deepEqual([k.shape, rk.shape, b.shape], [[4, 8], [8, 8], [8]]);
    assert.deepEqual(l.weights.map((w) => w.name), [`${l.name}/kernel:0`, `${l.name}/recurrent_kernel:0`, `${l.name}/bias:0`]);
    const hand = handLoop(x, 8, 1, (xt, h) => simpleStep(xt, h!, k, rk, b));
    same(l.apply(x) as T, hand.seq, 'sequence');
    assert.equal(l.countParams(), 104);
    const last = new SimpleRNN({ units: 8 });
    last.apply(x);
    last.setWeights([k, rk, b]);
    same(last.apply(x) as T, hand.last, 'last output');
  });

  it('activation, useBias=false, and the orthogonal recurrent kernel', () => {
    const l = new SimpleRNN({ units: 3, activation: 'relu', useBias: false });
    const y = l.apply(x) as T;
    assert.equal(l.weights.length, 2);
    assert.ok(arr(y).every((v) => v >= 0));
    const rk = l.recurrentKernel!;
    const g = tf.matMul(rk, rk, true, false);
    arr(g).forEach((v, i) => assert.ok(Math.abs(v - (i % 4 === 0 ? 1 : 0)) < 1e-5, `UᵀU[${i}] = ${v}`));
  });

  it('dropout and recurrentDropout: one mask per call from the layer seed, nothing in inference', () => {
    const l = new SimpleRNN({ units: 4, dropout: 0.3, recurrentDropout: 0.4, seed: 9, returnSequences: true, ...seeded(2) });
    const inference = l.apply(x) as T;
    const [k, rk, b] = l.getWeights() as [T, T, T];
    same(inference, handLoop(x, 4, 1, (xt, h) => simpleStep(xt, h!, k, rk, b)).seq, 'inference ignores dropout');
    const train = l.apply(x, { training: true }) as T;
    const gen = new tf.SeedGenerator(9);
    const dp = [tf.dropout(tf.ones([3, 4]), 0.3, null, gen)];
    const rdp = [tf.dropout(tf.ones([3, 4]), 0.4, null, gen)];
    same(train, handLoop(x, 4, 1, (xt, h) => simpleStep(xt, h!, k, rk, b, { dp, rdp })).seq, 'training');
    const again = l.apply(x, { training: true }) as T;
    assert.notDeepEqual(arr(again), arr(train), 'new masks on every call');
  });
});

describe('LSTM', () => {
  it('equals the raw-op loop bit for bit (gates i, f, c, o); returnState [output, h, c]; 416 params', () => {
    const l = new LSTM({ units: 8, returnState: true, ...seeded(4) });
    const first = l.apply(x) as T[];
    assert.equal(first.length, 3);
    const [k, rk, b0] = l.getWeights() as [T, T, T];
    assert.deepEqual([k.shape, rk.shape, b0.shape], [[4, 32], [8, 32], [32]]);
    // unitForgetBias: [zeros(u), ones(u), zeros(2u)]
    assert.deepEqual(arr(b0), [...new Array(8).fill(0), ...new Array(8).fill(1), ...new Array(16).fill(0)]);
    randomBias(l, 5);
    const b = l.getWeights()[2]!;
    const [out, h, c] = l.apply(x) as [T, T, T];
    const hand = handLoop(x, 8, 2, (xt, hp, cp) => lstmStep(xt, hp!, cp!, k, rk, b));
    same(out, hand.last, 'output');
    same(h, hand.states[0]!, 'h');
    same(c, hand.states[1]!, 'c');
    assert.equal(l.countParams(), 4 * 8 * (4 + 8) + 4 * 8);
    const noForget = new LSTM({ units: 2, unitForgetBias: false, biasInitializer: 'ones' });
    noForget.apply(x);
    assert.deepEqual(arr(noForget.bias!), new Array(8).fill(1));
  });

  it('masks keep the previous states and output; goBackwards reads the sequence reversed', () => {
    const l = new LSTM({ units: 3, returnSequences: true, returnState: true, ...seeded(6) });
    l.apply(x);
    randomBias(l, 7);
    const [k, rk, b] = l.getWeights() as [T, T, T];
    const step = (xt: T, hp?: T, cp?: T) => lstmStep(xt, hp!, cp!, k, rk, b);
    const [seq, h, c] = l.apply(x, { mask: MASK }) as [T, T, T];
    const hand = handLoop(x, 3, 2, step, { mask: MASK });
    same(seq, hand.seq, 'masked sequence');
    same(h, hand.states[0]!, 'masked h');
    same(c, hand.states[1]!, 'masked c');
    // batch row 2 starts masked: zeros; row 1 step 2 repeats step 1
    const s = seq.arraySync() as number[][][];
    assert.deepEqual(s[2]![0], [0, 0, 0]);
    assert.deepEqual(s[1]![2], s[1]![1]);
    assert.deepEqual(s[1]![4], s[1]![3]);
    // all-true mask = no mask
    same((l.apply(x, { mask: tf.ones([3, 5]).cast('bool') }) as T[])[0]!, (l.apply(x) as T[])[0]!, 'all-true mask');
    const back = new LSTM({ units: 3, returnSequences: true, goBackwards: true });
    back.apply(x);
    back.setWeights([k, rk, b]);
    same(back.apply(x, { mask: MASK }) as T, handLoop(x, 3, 2, step, { mask: MASK, back: true }).seq, 'goBackwards (processing order)');
  });

  it('initialState via kwargs and as extra inputs', () => {
    const l = new LSTM({ units: 3, returnState: true, ...seeded(8) });
    l.apply(x);
    const [k, rk, b] = l.getWeights() as [T, T, T];
    const h0 = randTensor([3, 3], 21);
    const c0 = randTensor([3, 3], 22);
    const hand = handLoop(x, 3, 2, (xt, hp, cp) => lstmStep(xt, hp!, cp!, k, rk, b), { init: [h0, c0] });
    const a = l.apply(x, { initialState: [h0, c0] }) as T[];
    same(a[0]!, hand.last);
    same(a[2]!, hand.states[1]!);
    same((l.apply([x, h0, c0]) as T[])[0]!, hand.last, 'list inputs');
    expectThrows(() => l.apply(x, { initialState: [h0] }), /lstm.*: `initialState` expected 2 tensor\(s\) of shape \[3,3\], received 1/);
    expectThrows(() => l.apply(x, { initialState: [h0, tf.zeros([3, 4])] }), /`initialState` 1 expected shape \[3,3\], received \[3,4\]/);
  });

  it('dropout (implementation 2) matches the hand loop; recurrentDropout (implementation 1) in inference ≈ implementation 2', () => {
    const l = new LSTM({ units: 3, dropout: 0.5, seed: 4, returnSequences: true, ...seeded(10) });
    l.apply(x);
    const [k, rk, b] = l.getWeights() as [T, T, T];
    const train = l.apply(x, { training: true }) as T;
    const gen = new tf.SeedGenerator(4);
    const dp = [tf.dropout(tf.ones([3, 4]), 0.5, null, gen)];
    same(train, handLoop(x, 3, 2, (xt, hp, cp) => lstmStep(xt, hp!, cp!, k, rk, b, { dp })).seq, 'training with dropout');
    const r = new LSTM({ units: 3, recurrentDropout: 0.3, returnSequences: true });
    r.apply(x);
    r.setWeights([k, rk, b]);
    const a = arr(r.apply(x) as T);
    const e = arr(l.apply(x) as T);
    a.forEach((v, i) => assert.ok(Math.abs(v - e[i]!) < 1e-6));
    const t1 = arr(r.apply(x, { training: true }) as T);
    assert.ok(t1.some((v, i) => Math.abs(v - e[i]!) > 1e-4), 'recurrent dropout changes the training output');
  });
});

describe('GRU', () => {
  it('resetAfter (Keras 3 default): bias [2, 3u], gates z, r, h, bit-identical; 336 params', () => {
    const l = new GRU({ units: 8, returnSequences: true, ...seeded(12) });
    l.apply(x);
    randomBias(l, 13);
    const [k, rk, b] = l.getWeights() as [T, T, T];
    assert.deepEqual([k.shape, rk.shape, b.shape], [[4, 24], [8, 24], [2, 24]]);
    same(l.apply(x) as T, handLoop(x, 8, 1, (xt, h) => gruStep(xt, h!, k, rk, b)).seq);
    assert.equal(l.countParams(), 336);
    same(l.apply(x, { mask: MASK }) as T, handLoop(x, 8, 1, (xt, h) => gruStep(xt, h!, k, rk, b), { mask: MASK }).seq, 'masked');
  });

  it('resetAfter = false: bias [3u], reset gate before the recurrent matMul', () => {
    const l = new GRU({ units: 8, resetAfter: false, returnState: true, goBackwards: true, ...seeded(14) });
    l.apply(x);
    randomBias(l, 15);
    const [k, rk, b] = l.getWeights() as [T, T, T];
    assert.deepEqual(b.shape, [24]);
    assert.equal(l.countParams(), 3 * 8 * (4 + 8) + 3 * 8);
    const [out, h] = l.apply(x) as [T, T];
    const hand = handLoop(x, 8, 1, (xt, hp) => gruStepResetBefore(xt, hp!, k, rk, b), { back: true });
    same(out, hand.last);
    same(h, hand.states[0]!);
  });

  it('recurrentDropout (implementation 1): inference ≈ implementation 2, both reset modes', () => {
    for (const resetAfter of [true, false]) {
      const a = new GRU({ units: 3, resetAfter, returnSequences: true, ...seeded(16) });
      a.apply(x);
      randomBias(a, 17);
      const r = new GRU({ units: 3, resetAfter, recurrentDropout: 0.2, dropout: 0.1, returnSequences: true });
      r.apply(x);
      r.setWeights(a.getWeights());
      const e = arr(a.apply(x) as T);
      arr(r.apply(x) as T).forEach((v, i) => assert.ok(Math.abs(v - e[i]!) < 1e-6, `resetAfter=${resetAfter} [${i}]`));
      assert.deepEqual((r.apply(x, { training: true }) as T).shape, [3, 5, 3]);
    }
  });
});

describe('gradients through the unrolled loop', () => {
  it('checkGrad with respect to the input (SimpleRNN, LSTM with mask, GRU both reset modes)', () => {
    const mask = tf.tensor([[1, 0, 1], [1, 1, 1]], [2, 3], 'float32').cast('bool');
    const cases: [string, () => RNNBase, boolean][] = [
      ['SimpleRNN', () => new SimpleRNN({ units: 2, returnSequences: true, ...seeded(20) }), false],
      ['LSTM', () => new LSTM({ units: 2, returnSequences: true, ...seeded(21) }), true],
      ['GRU', () => new GRU({ units: 2, ...seeded(22) }), false],
      ['GRU resetAfter=false', () => new GRU({ units: 2, resetAfter: false, goBackwards: true, ...seeded(23) }), true],
    ];
    for (const [, make, masked] of cases) {
      let l: RNNBase | null = null;
      checkGrad((xx) => {
        l ??= make();
        return l.apply(xx, masked ? { mask: tf.cast(tf.cast(mask, 'float32'), 'bool') } : {}) as T;
      }, [randInput([2, 3, 3], 5)], { tol: 1e-4 });
    }
  });

  it('weight gradients equal the raw-op loop gradients bit for bit', () => {
    const l = new LSTM({ units: 3, ...seeded(24) });
    l.apply(x);
    const vars = l.weights;
    const [k, rk, b] = vars as unknown as [T, T, T];
    const g1 = tf.variableGrads(() => tf.sum(l.apply(x, { mask: MASK }) as T), vars).grads;
    const g2 = tf.variableGrads(() => tf.sum(handLoop(x, 3, 2, (xt, hp, cp) => lstmStep(xt, hp!, cp!, k, rk, b), { mask: MASK }).last), vars).grads;
    for (const v of vars) same(g1[v.name]!, g2[v.name]!, v.name);
  });
});

describe('Bidirectional', () => {
  it('merge modes against a forward layer and a goBackwards layer with the same weights; 832 params for LSTM(8)', () => {
    const bi = new Bidirectional({ layer: new LSTM({ units: 8, returnSequences: true }) });
    const y = bi.apply(x) as T;
    assert.deepEqual(y.shape, [3, 5, 16]);
    assert.equal(bi.countParams(), 2 * 416);
    assert.equal(bi.forwardLayer.name.startsWith('forward_lstm'), true);
    assert.equal(bi.backwardLayer.goBackwards, true);
    const w = bi.getWeights();
    const fw = new LSTM({ units: 8, returnSequences: true });
    const bw = new LSTM({ units: 8, returnSequences: true, goBackwards: true });
    fw.apply(x);
    bw.apply(x);
    fw.setWeights(w.slice(0, 3));
    bw.setWeights(w.slice(3));
    const f = fw.apply(x) as T;
    const r = tf.reverse(bw.apply(x) as T, 1);
    same(y, tf.concat([f, r], -1), 'concat');
    const cfg = bi.getConfig();
    for (const [mode, expected] of [['sum', tf.add(f, r)], ['mul', tf.mul(f, r)], ['ave', tf.mul(tf.add(f, r), 0.5)]] as const) {
      const m = deserializeLayer({ className: 'Bidirectional', config: { ...cfg, name: `bi_${mode}`, mergeMode: mode } }) as Bidirectional;
      m.apply(x);
      m.setWeights(w);
      same(m.apply(x) as T, expected, mode);
    }
    const none = new Bidirectional({ layer: new LSTM({ units: 8, returnSequences: true }), mergeMode: null });
    none.apply(x);
    none.setWeights(w);
    const [a, bb] = none.apply(x) as T[];
    same(a!, f);
    same(bb!, r);
  });

  it('returnState, masks (zeros at masked steps when returning sequences), initialState halves; functional shapes', () => {
    const bi = new Bidirectional({ layer: new GRU({ units: 3, returnSequences: true, returnState: true }), mergeMode: 'sum' });
    const outs = bi.apply(x, { mask: MASK }) as T[];
    assert.equal(outs.length, 3);
    const w = bi.getWeights();
    const fw = new GRU({ units: 3, returnSequences: true, returnState: true });
    fw.apply(x);
    fw.setWeights(w.slice(0, 3));
    const [k, rk, b] = w as [T, T, T];
    const handF = handLoop(x, 3, 1, (xt, h) => gruStep(xt, h!, k, rk, b), { mask: MASK, zeroOutput: true });
    const [k2, rk2, b2] = w.slice(3) as [T, T, T];
    const handB = handLoop(x, 3, 1, (xt, h) => gruStep(xt, h!, k2, rk2, b2), { mask: MASK, zeroOutput: true, back: true });
    same(outs[0]!, tf.add(handF.seq, tf.reverse(handB.seq, 1)), 'merged sequence');
    same(outs[1]!, handF.states[0]!, 'forward state');
    same(outs[2]!, handB.states[0]!, 'backward state');
    const s0 = [randTensor([3, 3], 31), randTensor([3, 3], 32)];
    const withInit = bi.apply(x, { initialState: s0 }) as T[];
    same(withInit[1]!, handLoop(x, 3, 1, (xt, h) => gruStep(xt, h!, k, rk, b), { init: [s0[0]!] }).states[0]!, 'forward initial state');
    same(withInit[2]!, handLoop(x, 3, 1, (xt, h) => gruStep(xt, h!, k2, rk2, b2), { init: [s0[1]!], back: true }).states[0]!, 'backward initial state');

    tf.resetLayerNames();
    const inp = tf.input({ shape: [5, 4] });
    const o = recurrentLayers.bidirectional({ layer: recurrentLayers.lstm({ units: 8, returnState: true }) }).apply(inp) as tf.KerasTensor[];
    assert.deepEqual(o.map((t) => t.shape), [[null, 16], [null, 8], [null, 8], [null, 8], [null, 8]]);
    const seqOut = recurrentLayers.bidirectional({ layer: recurrentLayers.simpleRNN({ units: 8, returnSequences: true }), mergeMode: 'ave' }).apply(inp) as tf.KerasTensor;
    assert.deepEqual(seqOut.shape, [null, 5, 8]);
    // the wrapped layer's inputShape declares the Bidirectional's input (first layer of a Sequential)
    const sq = tf.sequential({ layers: [recurrentLayers.bidirectional({ layer: recurrentLayers.gru({ units: 2, inputShape: [5, 4] }) }), tf.layers.dense({ units: 1 })] });
    assert.deepEqual(sq.summary(80, null).rows.map((r) => r.outputShape), ['(None, 4)', '(None, 1)']);
  });
});

describe('TimeDistributed', () => {
  it('Dense on every time step: equals the reshape + matMul and the per-step loop; Dense param count', () => {
    const dense = tf.layers.dense({ units: 6, activation: 'relu' });
    const td = new TimeDistributed({ layer: dense });
    const y = td.apply(x) as T;
    assert.deepEqual(y.shape, [3, 5, 6]);
    assert.equal(td.countParams(), 4 * 6 + 6);
    const [k, b] = td.getWeights() as [T, T];
    same(y, tf.reshape(tf.relu(tf.add(tf.matMul(tf.reshape(x, [15, 4]), k), b)), [3, 5, 6]));
    same(y, tf.stack(tf.unstack(x, 1).map((xt) => tf.relu(tf.add(tf.matMul(xt, k), b))), 1), 'per step');
    const inp = tf.input({ shape: [7, 2, 3] });
    const o = recurrentLayers.timeDistributed({ layer: tf.layers.flatten() }).apply(inp) as tf.KerasTensor;
    assert.deepEqual(o.shape, [null, 7, 6]);
  });
});

describe('models, configs, errors', () => {
  it('summary param counts (Keras), Sequential fit through LSTM + TimeDistributed', async () => {
    tf.resetLayerNames();
    const inp = tf.input({ shape: [6, 4] });
    const h = recurrentLayers.lstm({ units: 8, returnSequences: true }).apply(inp);
    const g = recurrentLayers.gru({ units: 8, returnSequences: true }).apply(h);
    const s = recurrentLayers.simpleRNN({ units: 8 }).apply(recurrentLayers.timeDistributed({ layer: tf.layers.dense({ units: 4 }) }).apply(g));
    const m = tf.model({ inputs: inp, outputs: s });
    const sum = m.summary(100, null);
    assert.deepEqual(sum.rows.map((r) => r.params), [0, 416, 3 * 8 * (8 + 8) + 2 * 3 * 8, 8 * 4 + 4, 104]);
    assert.deepEqual(sum.rows.map((r) => r.outputShape), ['(None, 6, 4)', '(None, 6, 8)', '(None, 6, 8)', '(None, 6, 4)', '(None, 8)']);

    tf.setSeed(3);
    const xs = tf.randomNormal([16, 6, 4]);
    const ys = tf.randomNormal([16, 1]);
    const seq = tf.sequential({ layers: [recurrentLayers.lstm({ units: 5, inputShape: [6, 4], ...seeded(40) }), tf.layers.dense({ units: 1 })] });
    seq.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const hist = await seq.fit(xs, ys, { epochs: 6, batchSize: 8, verbose: 0 });
    const loss = hist.history['loss'] as number[];
    assert.ok(loss[loss.length - 1]! < loss[0]!, `loss ${loss}`);
  });

  it('getConfig round trips through deserializeLayer (same outputs with the same weights)', () => {
    const layers: tf.Layer[] = [
      new SimpleRNN({ units: 3, activation: 'relu', dropout: 0.1, recurrentDropout: 0.2, seed: 1, returnSequences: true, goBackwards: true, kernelRegularizer: { l2: 0.01 } }),
      new LSTM({ units: 3, recurrentActivation: 'hard_sigmoid', unitForgetBias: false, returnState: true }),
      new GRU({ units: 3, resetAfter: false, useBias: false }),
      new Bidirectional({ layer: new GRU({ units: 2, returnSequences: true }), mergeMode: 'mul' }),
      new TimeDistributed({ layer: tf.layers.dense({ units: 2 }) }),
    ];
    for (const l of layers) {
      const y = l.apply(x);
      const cfg = l.getConfig();
      const copy = deserializeLayer({ className: l.className, config: cfg });
      assert.deepEqual(copy.getConfig(), cfg, l.className);
      copy.apply(x);
      copy.setWeights(l.getWeights());
      const y2 = copy.apply(x);
      const list = (v: unknown) => (Array.isArray(v) ? v : [v]) as T[];
      list(y).forEach((t, i) => same(list(y2)[i]!, t, l.className));
    }
    assert.equal((layers[0] as SimpleRNN).losses.length, 1);
  });

  it('errors name the layer, the argument, the expected and the received value', () => {
    expectThrows(() => new LSTM({ units: 0 }), /LSTM: Received an invalid value for `units`, expected a positive integer. Received: units=0/);
    expectThrows(() => new GRU({ units: 2, dropout: 1 }), /GRU: Received an invalid value for `dropout`, expected a float in \[0, 1\).*Received: dropout=1/);
    expectThrows(() => new SimpleRNN({ units: 2, returnSequences: 'yes' as never }), /SimpleRNN: Received an invalid value for `returnSequences`, expected a boolean. Received: returnSequences=yes/);
    expectThrows(() => new LSTM({ units: 2, recurrentActivation: 'nope' }), /LSTM: unknown activation 'nope'/);
    expectThrows(() => new GRU({ units: 2, foo: 1 } as never), /GRU: unknown option `foo`/);
    const l = new SimpleRNN({ units: 2, name: 'rnn_err' });
    expectThrows(() => l.apply(tf.ones([2, 3])), /rnn_err: expected input of rank 3 \[batch, time, features\], received shape \[null,3\]/);
    expectThrows(() => l.apply(x, { mask: tf.ones([3, 4]).cast('bool') }), /rnn_err: `mask` must have shape \[batch, time\] = \[3,5\], received \[3,4\]/);
    expectThrows(() => l.apply(x, { mask: tf.ones([3, 5]) }), /rnn_err: `mask` must be a bool tensor of shape \[3,5\], received dtype float32/);
    expectThrows(() => l.apply(tf.ones([3, 5, 2])), /rnn_err: expected 4 input features/);
    expectThrows(() => new Bidirectional({ layer: tf.layers.dense({ units: 2 }) }), /Bidirectional: `layer` must be a recurrent layer \(SimpleRNN, LSTM, GRU\), received Dense/);
    expectThrows(() => new Bidirectional({ layer: new LSTM({ units: 2 }), mergeMode: 'max' as never }), /Bidirectional: Received an invalid value for `mergeMode`.*Received: mergeMode=max/);
    expectThrows(() => new TimeDistributed({ layer: 3 as never }), /TimeDistributed: Received an invalid value for `layer`, expected a Layer instance/);
    const td = new TimeDistributed({ layer: tf.layers.dense({ units: 2 }), name: 'td_err' });
    expectThrows(() => td.apply(tf.ones([2, 3])), /td_err: expected input of rank ≥ 3/);
  });
});

describe('runLayerTest (test/layer_test.ts): build, call, config, weights, gradients, save/load', () => {
  const g = (seed: number) => tf.initializers.glorotUniform({ seed });
  it('LSTM', () =>
    runLayerTest({
      make: () => tf.layers.lstm({ units: 2, kernelInitializer: g(4), recurrentInitializer: g(5), biasInitializer: g(6) }),
      inputShape: [2, 3, 2],
      expectedOutputShape: [2, 2],
      trainableWeights: 3,
    }));
});
