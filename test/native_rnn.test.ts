/**
 * The fused recurrent kernels (`_RNNSequence`, `_RNNSequenceGrad`, native/src/rnn.cc) against
 * their definition, the op-by-op composition `recurrentComposition` (src/ops/recurrent.ts), on
 * the native backend: outputs, final states and the gradients of every input must be
 * bit-identical, on random shapes (odd sizes) and every option — SimpleRNN / LSTM / GRU with
 * resetAfter both ways, activations linear / tanh / sigmoid / relu, bias or not, masks (rows
 * fully masked too), goBackwards, returnSequences, zeroOutputForMask, initial states, input
 * dropout masks (and SimpleRNN's recurrent dropout mask), gradients flowing from any subset of
 * the outputs — for 1, 2 and 3 threads, on every ISA path of this CPU (native/src/isa.h: the
 * reference composition runs on the same path), through the fused backward kernel and through
 * the recomputed composition (under an outer tape). Then the Keras layers: a model trained a few
 * steps gives the same weights with the fused kernels (compiled step and eager) as without.
 * Also the native Tanh / Sigmoid kernels: AVX2 and portable paths give the same bits, and both
 * equal the reference (Math.tanh / Math.exp in float64, rounded) on a million values; and the
 * native GatherV2 / UnsortedSegmentSum (an Embedding's forward and gradient) equal the reference
 * kernels bit for bit, and report an index out of range as they do.
 * Skipped, with a message, when the addon is not built.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { loadNativeAddon, nativeLoadError } from '../src/backends/native/index.ts';
import { hasSeqKernels, type SeqAddon } from '../src/backends/native/seq_kernels.ts';
import { recurrentComposition, recurrentSequence, type RecurrentSequenceArgs } from '../src/ops/recurrent.ts';
import type { KernelFunc } from '../src/core/backend.ts';
import { rng, onNative, bitsEqual } from './util.ts';
import { ACTS, makeRaw, seededLoss, sequenceArgs, toTensors, values, type Case, type CaseTensors } from './rnn_cases.ts';

const addon = loadNativeAddon();
const skip = addon && hasSeqKernels(addon) ? false : `native addon not built (${nativeLoadError() ?? 'missing'})`;

function randomCase(r: () => number, big = false): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const cell = pick(['simple', 'lstm', 'gru', 'gru'] as const);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  let uses = int(1, cell === 'lstm' ? 7 : 3);
  return {
    cell,
    B: big ? int(17, 40) : int(1, 7),
    T: big ? int(5, 12) : int(1, 6),
    I: big ? int(20, 70) : int(1, 9),
    U: big ? int(20, 45) : int(1, 9),
    act: r() < 0.5 ? 'tanh' : pick(ACTS),
    ract: r() < 0.5 ? 'sigmoid' : pick(ACTS),
    bias: r() < 0.75,
    mask: r() < 0.4,
    goBackwards: r() < 0.3,
    returnSequences: r() < 0.5,
    zeroOutputForMask: r() < 0.3,
    initial: r() < 0.4,
    inDrop: r() < 0.3,
    recDrop: cell === 'simple' && r() < 0.4,
    resetAfter: r() < 0.5,
    uses: (uses ||= 1),
  };
}

/** The case's inputs as tensors on the native backend (drawn from r as webgpu_rnn's are). */
const makeInputs = (c: Case, r: () => number): CaseTensors => toTensors(makeRaw(c, r));

type Run = (a: RecurrentSequenceArgs) => tf.Tensor[];

/** Forward values and gradients of every input (tf.grads: no outer tape, the fused backward kernel). */
function evaluate(c: Case, inp: CaseTensors, run: Run): Float32Array[] {
  const fwd = run(sequenceArgs(c, inp, inp.tensors)).map((t) => t.dataSync() as Float32Array);
  const g = tf.grads((...xs: tf.Tensor[]) => seededLoss(c, run(sequenceArgs(c, inp, xs)), inp.seeds))(inp.tensors);
  return [...fwd, ...g.map((t) => t.dataSync() as Float32Array)];
}

/** The same gradients taken under an outer tape (the fused forward's gradient then recomputes the composition). */
function evaluateTaped(c: Case, inp: CaseTensors, run: Run): Float32Array[] {
  const outer = new tf.GradientTape({ persistent: true });
  let g: tf.Tensor[] = [];
  outer.record(() => {
    g = tf.grads((...xs: tf.Tensor[]) => seededLoss(c, run(sequenceArgs(c, inp, xs)), inp.seeds))(inp.tensors);
    return g[0]!;
  });
  return g.map((t) => t.dataSync() as Float32Array);
}

function usedFused(c: Case, inp: CaseTensors): boolean {
  const kernels = tf.ENGINE.backend.kernels as Record<string, KernelFunc>;
  const k = kernels['_RNNSequence']!;
  let calls = 0;
  kernels['_RNNSequence'] = (x) => {
    calls++;
    return k(x);
  };
  try {
    recurrentSequence(sequenceArgs(c, inp, inp.tensors));
  } finally {
    kernels['_RNNSequence'] = k;
  }
  return calls === 1;
}

function describeCase(c: Case): string {
  return JSON.stringify(c);
}

describe('fused recurrent kernels: bit-identical to the composition', { skip }, () => {
  it('random shapes and options, 1 / 2 / 3 threads, fused and recomputed backward', () => {
    onNative(() => {
      const r = rng(20261207);
      const before = tf.getNumThreads();
      const isaAddon = addon as unknown as { info(): { isa: string; isas?: string[] }; setIsa?(name: string): boolean };
      const isas = isaAddon.info().isas ?? [isaAddon.info().isa];
      const prevIsa = isaAddon.info().isa;
      try {
        for (let n = 0; n < 72; n++) {
          const c = randomCase(r, n % 10 === 9);
          if (isaAddon.setIsa) assert.ok(isaAddon.setIsa(isas[n % isas.length]!), `setIsa(${isas[n % isas.length]})`);
          tf.tidy(() => {
            const inp = makeInputs(c, r);
            tf.setNumThreads(1);
            const ref = evaluate(c, inp, recurrentComposition);
            assert.ok(usedFused(c, inp), `the fused kernel ran for ${describeCase(c)}`);
            for (const threads of [1, 2, 3]) {
              tf.setNumThreads(threads);
              const got = evaluate(c, inp, recurrentSequence);
              assert.equal(got.length, ref.length);
              got.forEach((v, i) => bitsEqual(v, ref[i]!, `${describeCase(c)} ISA ${isas[n % isas.length]} threads ${threads} result ${i}`));
            }
            if (n % 3 === 0) {
              tf.setNumThreads(2);
              const taped = evaluateTaped(c, inp, recurrentSequence);
              const nOut = c.cell === 'lstm' ? 3 : 2;
              taped.forEach((v, i) => bitsEqual(v, ref[nOut + i]!, `${describeCase(c)} taped gradient ${i}`));
            }
          });
        }
      } finally {
        tf.setNumThreads(before);
        if (isaAddon.setIsa) isaAddon.setIsa(prevIsa);
      }
    });
  });

  it('Keras LSTM / GRU / SimpleRNN models train to the same weights with and without the fused kernels (compiled, eager)', async () => {
    const kernels = tf.ENGINE.findBackend('native')!.kernels as Record<string, KernelFunc>;
    const trainWeights = async (cell: 'lstm' | 'gru' | 'simpleRNN', fused: boolean, runEagerly: boolean): Promise<Float32Array[]> => {
      const saved: Record<string, KernelFunc> = {};
      if (!fused) for (const k of ['_RNNSequence', '_RNNSequenceGrad']) {
        saved[k] = kernels[k]!;
        delete kernels[k];
      }
      try {
        return await onNativeAsync(async () => {
          tf.setSeed(7);
          const model = tf.sequential();
          model.add(tf.layers.embedding({ inputDim: 50, outputDim: 6, inputShape: [9], maskZero: true }));
          const rec = { units: 5, returnSequences: true, dropout: 0.2, seed: 3 };
          model.add(cell === 'lstm' ? tf.layers.lstm(rec) : cell === 'gru' ? tf.layers.gru({ ...rec, resetAfter: false }) : tf.layers.simpleRNN({ ...rec, recurrentDropout: 0.25 }));
          model.add(tf.layers.lstm({ units: 4, goBackwards: true }));
          model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
          model.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy', runEagerly });
          const r = rng(99);
          for (let s = 0; s < 3; s++) {
            const ids: number[] = [];
            for (let i = 0; i < 4 * 9; i++) ids.push(i % 9 > 6 && i % 2 ? 0 : 1 + Math.floor(r() * 49));
            const x = tf.tensor(ids, [4, 9]);
            const y = tf.tensor([1, 0, 1, 1], [4, 1]);
            await model.trainOnBatch(x, y);
          }
          return model.getWeights().map((w: tf.Tensor) => w.dataSync() as Float32Array);
        });
      } finally {
        for (const k of Object.keys(saved)) kernels[k] = saved[k]!;
      }
    };
    for (const cell of ['lstm', 'gru', 'simpleRNN'] as const) {
      const ref = await trainWeights(cell, false, true);
      for (const runEagerly of [false, true]) {
        const got = await trainWeights(cell, true, runEagerly);
        got.forEach((w, i) => bitsEqual(w, ref[i]!, `${cell} runEagerly=${runEagerly} weight ${i}`));
      }
    }
  });

  it('Tanh / Sigmoid: the AVX2 and portable paths agree, and equal the reference kernels', () => {
    const a = addon as unknown as SeqAddon;
    const r = rng(5);
    const n = 1 << 20;
    const x = new Float32Array(n + 3);
    const u32 = new Uint32Array(x.buffer);
    for (let i = 0; i < x.length; i++) {
      if (i % 3 === 0) u32[i] = Math.floor(r() * 4294967296) >>> 0; // any bit pattern: huge, tiny, NaN, ±0
      else x[i] = (r() - 0.5) * (i % 3 === 1 ? 20 : 0.02);
    }
    x[0] = Infinity;
    x[1] = -Infinity;
    x[2] = -0;
    for (const fn of ['tanh', 'sigmoid'] as const) {
      const on = a.vmathVector(true);
      const v = new Float32Array(x.length);
      a[fn](x, v);
      a.vmathVector(false);
      const s = new Float32Array(x.length);
      a[fn](x, s);
      a.vmathVector(on);
      bitsEqual(v, s, `${fn}: vector vs portable`);
      const prev = tf.getBackend();
      tf.ENGINE.setBackendSync('reference');
      let ref: Float32Array;
      try {
        const xt = tf.tensor(x);
        const yt = fn === 'tanh' ? tf.tanh(xt) : tf.sigmoid(xt);
        ref = yt.dataSync() as Float32Array;
        tf.dispose([xt, yt]);
      } finally {
        tf.ENGINE.setBackendSync(prev);
      }
      let diff = 0;
      for (let i = 0; i < x.length; i++) if (!Object.is(v[i], ref[i]) && !(Number.isNaN(v[i]) && Number.isNaN(ref[i]))) diff++;
      assert.equal(diff, 0, `${fn}: ${diff} of ${x.length} values differ from the reference`);
    }
  });
});

describe('native GatherV2 / UnsortedSegmentSum / BroadcastTo: bit-identical to the reference kernels', { skip }, () => {
  const onBackend = <T>(name: string, fn: () => T): T => {
    const prev = tf.getBackend();
    tf.ENGINE.setBackendSync(name);
    try {
      return fn();
    } finally {
      tf.ENGINE.setBackendSync(prev);
    }
  };
  it('gather (axes, batchDims, repeated indices, empty) and its gradient', () => {
    const r = rng(31);
    const cases: [number[], number[], number, number][] = [[[10, 7], [5, 3], 0, 0], [[4, 9, 3], [6], 1, 0], [[3, 5, 2, 4], [3, 7], 2, 1], [[50, 1], [0], 0, 0], [[6, 0], [4], 0, 0], [[1000, 33], [17, 40], 0, 0]];
    for (const [xs, is, axis, bd] of cases) {
      const n = xs.reduce((a, b) => a * b, 1);
      const x = values(n, r, 2);
      const A = xs[axis]!;
      const idx = Array.from({ length: is.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * A));
      const run = () => {
        const xt = tf.tensor(x, xs);
        const it = tf.tensor(idx, is, 'int32');
        const y = tf.gather(xt, it, axis, bd);
        const seed = tf.tensor(values(y.size, rng(5), 1), y.shape);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, it, axis, bd), seed)))(xt);
        return [y.dataSync() as Float32Array, g.dataSync() as Float32Array];
      };
      const [ry, rg] = onBackend('reference', run);
      const [ny, ng] = onBackend('native', run);
      bitsEqual(ny!, ry!, `gather ${JSON.stringify([xs, is, axis, bd])}`);
      bitsEqual(ng!, rg!, `gather gradient ${JSON.stringify([xs, is, axis, bd])}`);
    }
    const err = (name: string) => {
      try {
        onBackend(name, () => tf.gather(tf.tensor([1, 2, 3]), tf.tensor([0, 3], [2], 'int32')).dataSync());
      } catch (e) {
        return String((e as Error).message);
      }
      return 'no error';
    };
    assert.equal(err('native'), err('reference'));
    assert.match(err('native'), /out of range/);
  });
  it('broadcastTo (leading, middle, trailing and scalar broadcasts, empty)', () => {
    const r = rng(9);
    const shapes: [number[], number[]][] = [[[3, 1, 5], [2, 3, 4, 5]], [[1], [7]], [[], [2, 3]], [[2, 1, 3, 1], [2, 4, 3, 5]], [[4, 1], [4, 6]], [[1, 6], [4, 6]], [[3], [0, 3]], [[32, 1, 128], [32, 64, 128]]];
    for (const [xs, os] of shapes) {
      const x = values(xs.reduce((a, b) => a * b, 1), r, 2);
      const run = () => tf.broadcastTo(tf.tensor(x, xs), os).dataSync() as Float32Array;
      bitsEqual(onBackend('native', run), onBackend('reference', run), `broadcastTo [${xs}] → [${os}]`);
    }
  });
  it('unsortedSegmentSum (repeated ids, untouched segments, signed zeros)', () => {
    const r = rng(8);
    for (const [rows, inner, segs] of [[40, [3], 7], [1, [], 4], [300, [2, 5], 1000], [0, [4], 3]] as const) {
      const n = rows * inner.reduce((a: number, b: number) => a * b, 1);
      const x = values(n, r, 3);
      const ids = Array.from({ length: rows }, () => Math.floor(r() * segs));
      const run = () => tf.unsortedSegmentSum(tf.tensor(x, [rows, ...inner]), tf.tensor(ids, [rows], 'int32'), segs).dataSync() as Float32Array;
      bitsEqual(onBackend('native', run), onBackend('reference', run), `unsortedSegmentSum ${rows}×${inner} into ${segs}`);
    }
  });
});

async function onNativeAsync<T>(fn: () => Promise<T>): Promise<T> {
  const prev = tf.getBackend();
  tf.ENGINE.setBackendSync('native');
  try {
    return await fn();
  } finally {
    tf.ENGINE.setBackendSync(prev);
  }
}
