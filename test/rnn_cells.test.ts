/**
 * Recurrent cells and the generic RNN layer (tf.layers.simpleRNNCell, lstmCell, gruCell,
 * stackedRNNCells, rnn, tf.layers.RNNCell): one step against @tensorflow/tfjs's cells with the
 * same weights; rnn({cell}) bit-identical to the matching recurrent layer; stacked cells equal to
 * stacked layers; a program's own cell against a hand-written loop; gradients through the
 * step-by-step loop against finite differences; masks, goBackwards, returnState, initialState;
 * config round trips, saving and errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import * as tf from '../src/index.ts';
import { deserializeLayer } from '../src/layers/registry.ts';
import { checkGrad, close, expectThrows, randTensor, rng } from './util.ts';

type T = tf.Tensor;
const arr = (t: T) => Array.from(t.dataSync());
const same = (a: T, b: T, msg = '') => {
  assert.deepEqual(a.shape, b.shape, `${msg} shape`);
  assert.deepEqual(arr(a), arr(b), msg);
};
const theirs = (t: T) => tfjs.tensor(arr(t), t.shape, 'float32');
const init = (s: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: s }), recurrentInitializer: tf.initializers.orthogonal({ seed: s + 1 }), biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: s + 2 }) });

describe('RNN cells: one step', () => {
  it('simpleRNNCell / lstmCell / gruCell return [output, ...states] with TF.js values (same weights)', () => {
    const x = randTensor([3, 4], 1);
    const h = randTensor([3, 5], 2);
    const c = randTensor([3, 5], 3);
    const cases: [tf.Layer, tfjs.layers.Layer, T[]][] = [
      [tf.layers.simpleRNNCell({ units: 5, ...init(10) }), tfjs.layers.simpleRNNCell({ units: 5 }), [h]],
      // TF.js's default recurrent activation is Keras 2's hardSigmoid; idem's is Keras 3's sigmoid.
      [tf.layers.lstmCell({ units: 5, ...init(20) }), tfjs.layers.lstmCell({ units: 5, recurrentActivation: 'sigmoid' }), [h, c]],
      // TF.js's GRU cell is Keras 2's (reset gate before the matmul): resetAfter false.
      [tf.layers.gruCell({ units: 5, resetAfter: false, ...init(30) }), tfjs.layers.gruCell({ units: 5, recurrentActivation: 'sigmoid' }), [h]],
    ];
    for (const [ours, ref, states] of cases) {
      const out = ours.apply([x, ...states]) as T[];
      assert.equal(out.length, 1 + states.length, ours.className);
      ref.build([3, 4]);
      ref.setWeights(ours.getWeights().map(theirs));
      const want = ref.apply([theirs(x), ...states.map(theirs)]) as tfjs.Tensor[];
      out.forEach((o, i) => close(o.dataSync(), want[i]!.dataSync(), 1e-6, `${ours.className} output ${i}`));
      same(out[0]!, out[1]!, `${ours.className}: output = h`);
      assert.deepEqual((ours as unknown as { stateSize: number | number[] }).stateSize, ours.className === 'LSTMCell' ? [5, 5] : 5);
    }
    // Keras 3's GRU cell (resetAfter, two bias rows) is the default.
    const g = tf.layers.gruCell({ units: 2 });
    g.apply([x, tf.zeros([3, 2])]);
    assert.deepEqual(g.getWeights()[2]!.shape, [2, 6]);
    // Without states: zeros.
    const l = tf.layers.lstmCell({ units: 5, ...init(20) });
    same((l.apply(x) as T[])[0]!, (l.apply([x, tf.zeros([3, 5]), tf.zeros([3, 5])]) as T[])[0]!);
  });

  it('weights are named and counted as Keras names them', () => {
    const l = tf.layers.lstmCell({ units: 4, name: 'cell' });
    l.apply([tf.zeros([1, 3]), tf.zeros([1, 4]), tf.zeros([1, 4])]);
    assert.deepEqual(l.weights.map((w) => w.shape), [[3, 16], [4, 16], [16]]);
    assert.equal(l.countParams(), 3 * 16 + 4 * 16 + 16);
  });
});

describe('tf.layers.rnn', () => {
  it('rnn({cell}) computes what the recurrent layer computes, bit for bit (sequences, state, goBackwards, mask)', () => {
    const x = randTensor([2, 6, 3], 5);
    const mask = tf.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], [2, 6], 'bool');
    const pairs: [() => tf.Layer, (a: Record<string, unknown>) => tf.Layer][] = [
      [() => tf.layers.simpleRNNCell({ units: 4, ...init(1) }), (a) => tf.layers.simpleRNN({ units: 4, ...a })],
      [() => tf.layers.lstmCell({ units: 4, ...init(2) }), (a) => tf.layers.lstm({ units: 4, ...a })],
      [() => tf.layers.gruCell({ units: 4, ...init(3) }), (a) => tf.layers.gru({ units: 4, ...a })],
    ];
    for (const [mkCell, mkLayer] of pairs) {
      for (const opts of [{}, { returnSequences: true }, { returnState: true, goBackwards: true }]) {
        const r = tf.layers.rnn({ cell: mkCell(), ...opts });
        const l = mkLayer(opts);
        const y = r.apply(x) as T | T[];
        l.apply(x);
        l.setWeights(r.getWeights());
        const ys = Array.isArray(y) ? y : [y];
        const want = l.apply(x) as T | T[];
        (Array.isArray(want) ? want : [want]).forEach((w, i) => same(ys[i]!, w, `${r.getConfig()['cell']} ${JSON.stringify(opts)} [${i}]`));
        const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) as T;
        same(first(r.apply(x, { mask })), first(l.apply(x, { mask })), 'masked');
      }
    }
  });

  it('stacked cells (a list, or stackedRNNCells) equal the layers stacked; states are every cell\'s', () => {
    const x = randTensor([2, 5, 3], 6);
    const r = tf.layers.rnn({ cell: [tf.layers.lstmCell({ units: 4, ...init(4) }), tf.layers.gruCell({ units: 2, ...init(5) })], returnState: true });
    const out = r.apply(x) as T[];
    assert.deepEqual(out.map((t) => t.shape), [[2, 2], [2, 4], [2, 4], [2, 2]]);
    const l1 = tf.layers.lstm({ units: 4, returnSequences: true, returnState: true });
    const l2 = tf.layers.gru({ units: 2, returnState: true });
    const [s1, h1, c1] = l1.apply(x) as T[];
    l2.apply(s1!);
    const w = r.getWeights();
    l1.setWeights(w.slice(0, 3));
    l2.setWeights(w.slice(3));
    const [seq, h, c] = l1.apply(x) as T[];
    const [y2, h2] = l2.apply(seq!) as T[];
    void [h1, c1];
    close(out[0]!.dataSync(), y2!.dataSync(), 1e-6);
    close(out[1]!.dataSync(), h!.dataSync(), 1e-6);
    close(out[2]!.dataSync(), c!.dataSync(), 1e-6);
    close(out[3]!.dataSync(), h2!.dataSync(), 1e-6);
    const s = tf.layers.stackedRNNCells({ cells: [tf.layers.simpleRNNCell({ units: 3 }), tf.layers.simpleRNNCell({ units: 2 })] });
    assert.deepEqual(s.stateSize, [3, 2]);
    const r2 = tf.layers.rnn({ cell: s, returnSequences: true });
    assert.deepEqual((r2.apply(x) as T).shape, [2, 5, 2]);
  });

  it('a cell of the program\'s own (tf.layers.RNNCell subclass) runs step by step; gradients match finite differences', async () => {
    class MinimalRNNCell extends tf.layers.RNNCell {
      stateSize: number;
      units: number;
      kernel!: tf.Variable;
      recurrentKernel!: tf.Variable;
      constructor(args: { units: number }) {
        super({});
        this.units = args.units;
        this.stateSize = args.units;
      }
      override build(inputShape: tf.Shape | tf.Shape[]): void {
        const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
        this.kernel = this.addWeight('kernel', [s[s.length - 1]!, this.units], 'float32', tf.initializers.glorotUniform({ seed: 8 }));
        this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, this.units], 'float32', tf.initializers.orthogonal({ seed: 9 }));
        this.built = true;
      }
      call(inputs: T | T[]): T[] {
        const [x, h] = inputs as T[];
        const out = tf.tanh(tf.add(tf.matMul(x!, this.kernel.read()), tf.matMul(h!, this.recurrentKernel.read())));
        return [out, out];
      }
      static override className = 'MinimalRNNCell';
    }
    const x = randTensor([2, 4, 3], 7);
    const r = tf.layers.rnn({ cell: new MinimalRNNCell({ units: 3 }), returnSequences: true, goBackwards: true });
    const y = r.apply(x) as T;
    const [k, rk] = r.getWeights();
    // The loop by hand, backwards over time.
    let h = tf.zeros([2, 3]);
    const outs: T[] = [];
    for (let t = 3; t >= 0; t--) {
      const xt = tf.reshape(tf.slice(x, [0, t, 0], [2, 1, 3]), [2, 3]);
      h = tf.tanh(tf.add(tf.matMul(xt, k!), tf.matMul(h, rk!)));
      outs.push(h);
    }
    same(y, tf.stack(outs, 1));
    // initialState and a mask (the previous output and state are carried at masked steps).
    const h0 = randTensor([2, 3], 11);
    const yi = r.apply(x, { initialState: [h0] }) as T;
    assert.notDeepEqual(arr(yi), arr(y));
    const mask = tf.tensor([[1, 1, 0, 0], [1, 1, 1, 1]], [2, 4], 'bool');
    const ym = arr(r.apply(x, { mask }) as T);
    // Backwards: masked steps 3 and 2 of row 0 come first — zeros (no previous output yet).
    assert.deepEqual(ym.slice(0, 6), [0, 0, 0, 0, 0, 0]);

    const r64 = rng(12);
    const xv = Array.from({ length: 2 * 4 * 3 }, () => r64() * 2 - 1);
    const rr = tf.layers.rnn({ cell: [new MinimalRNNCell({ units: 3 }), tf.layers.lstmCell({ units: 2, ...init(40) })], returnSequences: true });
    rr.apply(x);
    checkGrad((xx) => rr.apply(xx) as T, [{ values: xv, shape: [2, 4, 3] }], { tol: 1e-4 });

    // It trains inside a model.
    const m = tf.sequential({ layers: [tf.layers.rnn({ cell: new MinimalRNNCell({ units: 4 }), inputShape: [4, 3] }), tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })] });
    m.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const xs = randTensor([16, 4, 3], 13);
    const hist = await m.fit(xs, tf.sum(xs, [1, 2], true).reshape([16, 1]), { epochs: 30, verbose: 0 });
    const loss = hist.history['loss'] as number[];
    assert.ok(loss[loss.length - 1]! < loss[0]! * 0.7, `loss ${loss[0]} → ${loss[loss.length - 1]}`);
  });

  it('symbolic use, config round trips and saving', async () => {
    const inp = tf.input({ shape: [5, 3] });
    const r = tf.layers.rnn({ cell: [tf.layers.lstmCell({ units: 4, ...init(1) }), tf.layers.simpleRNNCell({ units: 2, ...init(2) })], returnSequences: true, returnState: true, name: 'rnn' });
    const [seq, h1, c1, h2] = r.apply(inp) as tf.KerasTensor[];
    assert.deepEqual([seq!.shape, h1!.shape, c1!.shape, h2!.shape], [[null, 5, 2], [null, 4], [null, 4], [null, 2]]);
    const m = tf.model({ inputs: inp, outputs: tf.layers.dense({ units: 1 }).apply(h2!) as tf.KerasTensor });
    assert.equal(m.countParams(), (3 * 16 + 4 * 16 + 16) + (4 * 2 + 2 * 2 + 2) + 3);
    const x = randTensor([2, 5, 3], 3);
    const y = m.predict(x) as T;
    const copy = deserializeLayer({ className: 'RNN', config: { ...r.getConfig(), name: 'rnn_copy' } });
    copy.apply(x);
    copy.setWeights(r.getWeights());
    (copy.apply(x) as T[]).forEach((t, i) => same(t, (r.apply(x) as T[])[i]!));
    for (const cls of ['SimpleRNNCell', 'LSTMCell', 'GRUCell']) {
      const c = deserializeLayer({ className: cls, config: { units: 3 } });
      assert.equal(c.className, cls);
      assert.equal(c.getConfig()['returnSequences'], undefined);
    }
    const dir = mkdtempSync(join(tmpdir(), 'idem-cells-'));
    try {
      for (const file of ['m.keras', 'm.h5']) {
        await m.save(join(dir, file));
        const back = await tf.loadLayersModel(join(dir, file));
        same(back.predict(x) as T, y, file);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('errors name the layer, the option and what to do', () => {
    expectThrows(() => tf.layers.lstmCell({ units: 3, returnSequences: true } as never), /LSTMCell.*returnSequences.*rnn/);
    expectThrows(() => tf.layers.rnn({ cell: null } as never), /RNN.*cell/);
    expectThrows(() => tf.layers.rnn({ cell: tf.layers.dense({ units: 2 }) }), /stateSize/);
    expectThrows(() => tf.layers.rnn({ cell: tf.layers.lstmCell({ units: 2 }), stateful: true }), /stateful/);
    expectThrows(() => tf.layers.rnn({ cell: tf.layers.lstmCell({ units: 2 }), bogus: 1 } as never), /RNN.*bogus/);
    expectThrows(() => tf.layers.rnn({ cell: tf.layers.lstmCell({ units: 2 }) }).apply(tf.zeros([2, 3])), /rank 3/);
    expectThrows(() => tf.layers.rnn({ cell: tf.layers.lstmCell({ units: 2 }) }).apply(tf.zeros([2, 3, 1]), { initialState: [tf.zeros([2, 2])] }), /initialState.*2 tensor/);
    expectThrows(() => tf.layers.lstmCell({ units: 2 }).apply([tf.zeros([2, 3]), tf.zeros([2, 2])]), /lstm_cell.*2 state/);
  });
});
