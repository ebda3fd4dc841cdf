/**
 * The WebGPU backend's fused recurrent kernels (`_RNNSequence`, `_RNNSequenceGrad`,
 * src/backends/webgpu/kernels_rnn.ts) against their definition, the op-by-op composition
 * `recurrentComposition` (src/ops/recurrent.ts): on webgpu bit for bit (SwiftShader rounds every
 * float32 operation and does not contract into FMA), forward and the gradients of every input,
 * and against the composition on wasm within 1e-5 — on small odd shapes and every option the
 * kernels take: SimpleRNN / LSTM / GRU (resetAfter both ways), activations linear / tanh /
 * sigmoid / relu, bias or not, masks (rows fully masked too), goBackwards, returnSequences,
 * zeroOutputForMask, initial states, input dropout masks, SimpleRNN's recurrent dropout mask,
 * gradients flowing from any subset of the outputs. Then a small W7 (Embedding → LSTM → Dense)
 * trains 3 steps on webgpu with the fused kernels, without a CPU fallback, within 1e-5 of wasm.
 * Skipped, saying why, without an adapter (see webgpu_util.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { FUSABLE_ACTIVATIONS, recurrentComposition, recurrentSequence, type RecurrentCell, type RecurrentSequenceArgs } from '../src/ops/recurrent.ts';
import { compare, webgpuBackend } from './webgpu_util.ts';
import { rng } from './util.ts';

let be: tf.WebGPUBackend | null = null;
let skip: string | false = false;

before(async () => {
  const r = await webgpuBackend();
  if (typeof r === 'string') skip = r;
  else be = r;
  if (skip) console.log(`# webgpu recurrent-kernel tests skipped: ${skip}`);
});

after(() => {
  void tf.setBackend(tf.ENGINE.backendNames().includes('native') ? 'native' : 'wasm');
});

interface Case {
  cell: RecurrentCell;
  B: number;
  T: number;
  I: number;
  U: number;
  act: string;
  ract: string;
  bias: boolean;
  mask: boolean;
  goBackwards: boolean;
  returnSequences: boolean;
  zeroOutputForMask: boolean;
  initial: boolean;
  inDrop: boolean;
  recDrop: boolean;
  resetAfter: boolean;
  /** Which outputs the loss uses: bit 1 output, 2 h, 4 c. */
  uses: number;
}

/** Values in about [-scale, scale] with zeros and signed zeros mixed in. */
function values(n: number, r: () => number, scale = 1): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 23);
    v[i] = k === 0 ? 0 : k === 1 ? -0 : scale * (2 * r() - 1);
  }
  return v;
}

/** The raw inputs of a case (made into tensors on each backend). */
interface Raw {
  names: string[];
  arrays: [Float32Array, number[]][];
  mask: [boolean[], number[]] | null;
  inMask: [Float32Array, number[]] | null;
  recMask: [Float32Array, number[]] | null;
  seeds: [Float32Array, number[]][];
}

function makeRaw(c: Case, r: () => number): Raw {
  const G = c.cell === 'lstm' ? 4 : c.cell === 'gru' ? 3 : 1;
  const names = ['x', 'kernel', 'recurrentKernel'];
  const arrays: [Float32Array, number[]][] = [[values(c.B * c.T * c.I, r), [c.B, c.T, c.I]], [values(c.I * G * c.U, r, 0.6), [c.I, G * c.U]], [values(c.U * G * c.U, r, 0.6), [c.U, G * c.U]]];
  if (c.bias) {
    const shape = c.cell === 'gru' && c.resetAfter ? [2, G * c.U] : [G * c.U];
    names.push('bias');
    arrays.push([values(shape[0]! * (shape[1] ?? 1), r, 0.5), shape]);
  }
  if (c.initial) {
    names.push('h0');
    arrays.push([values(c.B * c.U, r), [c.B, c.U]]);
    if (c.cell === 'lstm') {
      names.push('c0');
      arrays.push([values(c.B * c.U, r), [c.B, c.U]]);
    }
  }
  let mask: Raw['mask'] = null;
  if (c.mask) {
    const m: boolean[] = [];
    for (let b = 0; b < c.B; b++) {
      const all = r() < 0.15 ? (r() < 0.5 ? 0 : 1) : -1; // some rows fully masked / unmasked
      for (let t = 0; t < c.T; t++) m.push(all === -1 ? r() < 0.6 : all === 1);
    }
    mask = [m, [c.B, c.T]];
  }
  const drop = (n: number, shape: number[], rate: number): [Float32Array, number[]] => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = r() < rate ? 0 : Math.fround(1 / (1 - rate));
    return [v, shape];
  };
  const outShape = c.returnSequences ? [c.B, c.T, c.U] : [c.B, c.U];
  return {
    names, arrays, mask,
    inMask: c.inDrop ? drop(c.B * c.I, [c.B, c.I], 0.3) : null,
    recMask: c.recDrop ? drop(c.B * c.U, [c.B, c.U], 0.4) : null,
    seeds: [[values(outShape.reduce((a, b) => a * b, 1), r), outShape], [values(c.B * c.U, r), [c.B, c.U]], [values(c.B * c.U, r), [c.B, c.U]]],
  };
}

type Run = (a: RecurrentSequenceArgs) => tf.Tensor[];

/** Forward values and the gradients of every input, on the current backend. */
async function evaluate(c: Case, raw: Raw, run: Run, taped = false): Promise<Float32Array[]> {
  const xs = raw.arrays.map(([v, s]) => tf.tensor(v, s));
  const mask = raw.mask ? tf.tensor(raw.mask[0], raw.mask[1], 'bool') : null;
  const inMask = raw.inMask ? tf.tensor(raw.inMask[0], raw.inMask[1]) : null;
  const recMask = raw.recMask ? tf.tensor(raw.recMask[0], raw.recMask[1]) : null;
  const seeds = raw.seeds.map(([v, s]) => tf.tensor(v, s));
  const args = (ts: tf.Tensor[]): RecurrentSequenceArgs => {
    const get = (n: string) => {
      const i = raw.names.indexOf(n);
      return i >= 0 ? ts[i]! : null;
    };
    const h0 = get('h0');
    return {
      cell: c.cell, x: get('x')!, kernel: get('kernel')!, recurrentKernel: get('recurrentKernel')!, bias: get('bias'),
      initialStates: h0 ? (c.cell === 'lstm' ? [h0, get('c0')!] : [h0]) : null,
      mask,
      activation: { name: c.act, fn: FUSABLE_ACTIVATIONS[c.act]! },
      recurrentActivation: { name: c.ract, fn: FUSABLE_ACTIVATIONS[c.ract]! },
      resetAfter: c.resetAfter, goBackwards: c.goBackwards, returnSequences: c.returnSequences, zeroOutputForMask: c.zeroOutputForMask,
      inputMasks: inMask ? [inMask] : [], recurrentMasks: recMask ? [recMask] : [],
    };
  };
  const loss = (res: tf.Tensor[]): tf.Tensor => {
    let l: tf.Tensor | null = null;
    for (let k = 0; k < res.length; k++) {
      if (!(c.uses & (1 << k))) continue;
      const term = tf.sum(tf.mul(res[k]!, seeds[k]!));
      l = l ? tf.add(l, term) : term;
    }
    return l!;
  };
  const fwd = taped ? [] : run(args(xs));
  let g: tf.Tensor[] = [];
  if (taped) {
    // Under an outer tape: the fused forward's gradient recomputes the composition and differentiates it.
    const outer = new tf.GradientTape({ persistent: true });
    outer.record(() => {
      g = tf.grads((...ts: tf.Tensor[]) => loss(run(args(ts))))(xs);
      return g[0]!;
    });
  } else g = tf.grads((...ts: tf.Tensor[]) => loss(run(args(ts))))(xs);
  const out: Float32Array[] = [];
  for (const t of [...fwd, ...g]) out.push(Float32Array.from(await t.data()));
  return out;
}

/** Counts the calls of these kernels on the webgpu backend while fn runs. */
async function counting<R>(names: string[], fn: () => Promise<R>): Promise<[R, number[]]> {
  const table = be!.kernels as Record<string, tf.KernelFunc>;
  const saved = names.map((n) => table[n]!);
  const counts = names.map(() => 0);
  names.forEach((n, i) => (table[n] = (args) => (counts[i]!++, saved[i]!(args))));
  try {
    return [await fn(), counts];
  } finally {
    names.forEach((n, i) => (table[n] = saved[i]!));
  }
}

const ACTS = Object.keys(FUSABLE_ACTIVATIONS);

/** Small odd cases that together take every option (deterministic draws). */
function cases(): Case[] {
  const r = rng(20261207);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const list: Case[] = [];
  const cells: [RecurrentCell, boolean][] = [
    ['lstm', false], ['gru', true], ['gru', false], ['simple', false], ['lstm', false], ['gru', true], ['gru', false], ['simple', false], ['lstm', false], ['gru', true],
  ];
  cells.forEach(([cell, resetAfter], n) => {
    list.push({
      cell, resetAfter,
      B: int(1, 5), T: int(1, 5), I: int(1, 7), U: int(1, 6),
      act: n < 4 ? 'tanh' : pick(ACTS),
      ract: n < 4 ? 'sigmoid' : pick(ACTS),
      bias: n % 5 !== 4,
      mask: n % 2 === 1,
      goBackwards: n % 3 === 2,
      returnSequences: n % 4 < 2,
      zeroOutputForMask: n % 4 === 3 || n === 5,
      initial: n % 3 === 1,
      inDrop: n % 4 === 2,
      recDrop: cell === 'simple' && n === 3,
      uses: n === 8 ? 4 : n % 3 === 0 ? (cell === 'lstm' ? 7 : 3) : n % 3 === 1 ? 1 : 2,
    });
  });
  // Then random draws of every option (native_rnn.test.ts's).
  for (let n = 0; n < Number(process.env['IDEM_WEBGPU_RNN_CASES'] ?? 6); n++) {
    const cell = pick(['simple', 'lstm', 'gru', 'gru'] as const);
    list.push({
      cell, resetAfter: r() < 0.5,
      B: int(1, 6), T: int(1, 6), I: int(1, 9), U: int(1, 9),
      act: r() < 0.5 ? 'tanh' : pick(ACTS), ract: r() < 0.5 ? 'sigmoid' : pick(ACTS),
      bias: r() < 0.75, mask: r() < 0.4, goBackwards: r() < 0.3, returnSequences: r() < 0.5, zeroOutputForMask: r() < 0.3,
      initial: r() < 0.4, inDrop: r() < 0.3, recDrop: cell === 'simple' && r() < 0.4,
      uses: int(1, cell === 'lstm' ? 7 : 3),
    });
  }
  return list;
}

describe('webgpu fused recurrent kernels', () => {
  it('_RNNSequence / _RNNSequenceGrad: bit-identical to the composition on webgpu, within 1e-5 of wasm, forward and gradients', async (t) => {
    if (skip) return t.skip(skip);
    for (const c of cases()) {
      const label = JSON.stringify(c);
      const raw = makeRaw(c, rng(c.B * 1000 + c.T * 100 + c.I * 10 + c.U));
      await tf.setBackend('webgpu');
      const [got, counts] = await counting(['_RNNSequence', '_RNNSequenceGrad'], () => evaluate(c, raw, recurrentSequence));
      assert.ok(counts[0]! >= 2 && counts[1]! >= 1, `${label}: the fused kernels ran (${counts})`);
      const comp = await evaluate(c, raw, recurrentComposition);
      assert.equal(got.length, comp.length);
      got.forEach((v, i) => {
        const d = compare(v, comp[i]!, 0, 0, true);
        assert.equal(d.mismatches, 0, `${label} result ${i} (fused vs composition on webgpu): ${d.mismatches} of ${v.length} differ (first ${d.first})`);
      });
      if (c.B % 2 === 1 && c.T > 1) {
        const nOut = c.cell === 'lstm' ? 3 : 2;
        const taped = await evaluate(c, raw, recurrentSequence, true);
        taped.forEach((v, i) => {
          const d = compare(v, comp[nOut + i]!, 0, 0, true);
          assert.equal(d.mismatches, 0, `${label} gradient ${i} under an outer tape: ${d.mismatches} of ${v.length} differ (first ${d.first})`);
        });
      }
      await tf.setBackend('wasm');
      const wasm = await evaluate(c, raw, recurrentComposition);
      got.forEach((v, i) => {
        const d = compare(v, wasm[i]!, 1e-5, 1e-5);
        assert.equal(d.mismatches, 0, `${label} result ${i} (webgpu vs wasm): ${d.mismatches} of ${v.length} differ (first ${d.first}; max abs ${d.maxAbs})`);
      });
    }
  });
});

describe('webgpu recurrent layers', () => {
  /** W7 in miniature: Embedding → LSTM → Dense(1, sigmoid), binary cross-entropy, Adam; 3 steps. Losses and final weights. */
  const w7 = async (backend: string, fused: boolean): Promise<{ losses: number[]; weights: Float32Array[] }> => {
    await tf.setBackend(backend);
    const table = tf.ENGINE.findBackend(backend)!.kernels as Record<string, tf.KernelFunc>;
    const removed: Record<string, tf.KernelFunc> = {};
    if (!fused) for (const k of ['_RNNSequence', '_RNNSequenceGrad']) if (table[k]) {
      removed[k] = table[k]!;
      delete table[k];
    }
    try {
      tf.setSeed(42);
      tf.resetLayerNames();
      const model = tf.sequential();
      model.add(tf.layers.embedding({ inputDim: 40, outputDim: 5, inputShape: [7] }));
      model.add(tf.layers.lstm({ units: 6 }));
      model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
      model.compile({ optimizer: tf.train.adam(1e-2), loss: 'binaryCrossentropy' });
      const r = rng(77);
      const losses: number[] = [];
      for (let s = 0; s < 3; s++) {
        const x = tf.tensor(Array.from({ length: 3 * 7 }, () => Math.floor(r() * 40)), [3, 7]);
        const y = tf.tensor([1, 0, 1], [3, 1]);
        const l = (await model.trainOnBatchAsync(x, y)) as number | number[];
        losses.push(Array.isArray(l) ? l[0]! : l);
      }
      const weights: Float32Array[] = [];
      for (const w of model.getWeights()) weights.push(Float32Array.from(await w.data()));
      return { losses, weights };
    } finally {
      Object.assign(table, removed);
    }
  };

  it('W7 in miniature trains 3 steps on the fused kernels, no CPU fallback: the weights of the composition on webgpu bit for bit, within 1e-5 of wasm', async (t) => {
    if (skip) return t.skip(skip);
    const before = new Map(be!.fallbacks);
    const [got, counts] = await counting(['_RNNSequence', '_RNNSequenceGrad'], () => w7('webgpu', true));
    assert.ok(counts[0]! >= 3 && counts[1]! >= 3, `the fused kernels ran (${counts})`);
    assert.deepEqual(new Map(be!.fallbacks), before, 'no kernel ran on the CPU');
    const [comp, none] = await counting(['_RNNSequence'], () => w7('webgpu', false));
    assert.equal(none[0], 0, 'the composition ran without the fused kernel');
    assert.deepEqual(got.losses, comp.losses, 'losses, fused vs composition on webgpu');
    got.weights.forEach((w, i) => {
      const d = compare(w, comp.weights[i]!, 0, 0, true);
      assert.equal(d.mismatches, 0, `weight ${i}, fused vs composition on webgpu: ${d.mismatches} differ (first ${d.first})`);
    });
    const wasm = await w7('wasm', true);
    got.losses.forEach((l, i) => assert.ok(Math.abs(l - wasm.losses[i]!) <= 1e-5 * Math.abs(wasm.losses[i]!), `step ${i}: loss ${l} vs wasm ${wasm.losses[i]}`));
    got.weights.forEach((w, i) => {
      const d = compare(w, wasm.weights[i]!, 1e-5, 1e-5);
      assert.equal(d.mismatches, 0, `weight ${i} vs wasm: ${d.mismatches} differ (first ${d.first}; max abs ${d.maxAbs})`);
    });
  });
});
