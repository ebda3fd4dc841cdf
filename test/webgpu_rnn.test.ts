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
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { recurrentComposition, recurrentSequence, type RecurrentCell, type RecurrentSequenceArgs } from '../src/ops/recurrent.ts';
import { compare, counting, webgpuSuite } from './webgpu_util.ts';
import { rng } from './util.ts';
import { ACTS, makeRaw, seededLoss, sequenceArgs, toTensors, type Case, type RawCase } from './rnn_cases.ts';

const gpu = webgpuSuite('webgpu recurrent-kernel tests');

type Run = (a: RecurrentSequenceArgs) => tf.Tensor[];

/** Forward values and the gradients of every input, on the current backend. */
async function evaluate(c: Case, raw: RawCase, run: Run, taped = false): Promise<Float32Array[]> {
  const inp = toTensors(raw);
  const grads = () => tf.grads((...ts: tf.Tensor[]) => seededLoss(c, run(sequenceArgs(c, inp, ts)), inp.seeds))(inp.tensors);
  const fwd = taped ? [] : run(sequenceArgs(c, inp, inp.tensors));
  let g: tf.Tensor[] = [];
  if (taped) {
    // Under an outer tape: the fused forward's gradient recomputes the composition and differentiates it.
    const outer = new tf.GradientTape({ persistent: true });
    outer.record(() => {
      g = grads();
      return g[0]!;
    });
  } else g = grads();
  const out: Float32Array[] = [];
  for (const t of [...fwd, ...g]) out.push(Float32Array.from(await t.data()));
  return out;
}

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
    if (gpu.skip) return t.skip(gpu.skip);
    for (const c of cases()) {
      const label = JSON.stringify(c);
      const raw = makeRaw(c, rng(c.B * 1000 + c.T * 100 + c.I * 10 + c.U));
      await tf.setBackend('webgpu');
      const [got, counts] = await counting(gpu.be!, ['_RNNSequence', '_RNNSequenceGrad'], () => evaluate(c, raw, recurrentSequence));
      assert.ok(counts['_RNNSequence']! >= 2 && counts['_RNNSequenceGrad']! >= 1, `${label}: the fused kernels ran (${JSON.stringify(counts)})`);
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
    if (gpu.skip) return t.skip(gpu.skip);
    const before = new Map(gpu.be!.fallbacks);
    const [got, counts] = await counting(gpu.be!, ['_RNNSequence', '_RNNSequenceGrad'], () => w7('webgpu', true));
    assert.ok(counts['_RNNSequence']! >= 3 && counts['_RNNSequenceGrad']! >= 3, `the fused kernels ran (${JSON.stringify(counts)})`);
    assert.deepEqual(new Map(gpu.be!.fallbacks), before, 'no kernel ran on the CPU');
    const [comp, none] = await counting(gpu.be!, ['_RNNSequence'], () => w7('webgpu', false));
    assert.equal(none['_RNNSequence'], 0, 'the composition ran without the fused kernel');
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
