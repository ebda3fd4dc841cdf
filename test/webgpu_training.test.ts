/**
 * Keras training on the WebGPU backend (SwiftShader in Node, see webgpu_util.ts): the W1 MLP
 * (dense 256 ×4 with dropout 0.3, Adam, softmax cross-entropy from logits) and the W3 CNN (two
 * conv + batch norm + relu + max-pool blocks, dense 128, dense 10) train 3 steps with losses
 * within tolerance of the wasm backend (same seeds, so the same initial weights and dropout
 * masks); fit / evaluateAsync / predict / trainOnBatchAsync work; the synchronous forms say what
 * to use instead. A small Transformer block with an LSTM head (MultiHeadAttention, residual,
 * LayerNormalization, LSTM, dense) trains with the fused attention and layer-norm kernels, no
 * CPU fallback, losses within 1e-5 of wasm. Small batches: SwiftShader runs on the CPU.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { rand, webgpuSuite } from './webgpu_util.ts';

const gpu = webgpuSuite('webgpu training tests');

function w1(): tf.Sequential {
  const model = tf.sequential();
  for (let i = 0; i < 4; i++) {
    model.add(tf.layers.dense({ units: 256, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
    model.add(tf.layers.dropout({ rate: 0.3 }));
  }
  model.add(tf.layers.dense({ units: 10 }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
  return model;
}

function w3(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, inputShape: [28, 28, 1] }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3 }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10 }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
  return model;
}

function batch(n: number, image: boolean | number[], seed: number): [tf.Tensor, tf.Tensor] {
  const shape = Array.isArray(image) ? [n, ...image] : image ? [n, 28, 28, 1] : [n, 784];
  const x = tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed, 0, 1), shape);
  const labels = Int32Array.from(rand(n, seed + 1, 0, 10), Math.floor);
  return [x, tf.oneHot(tf.tensor(labels, [n], 'int32'), 10)];
}

function block(): tf.LayersModel {
  const inp = tf.input({ shape: [5, 8] });
  const att = tf.layers.multiHeadAttention({ numHeads: 2, keyDim: 3 }).apply([inp, inp]) as tf.KerasTensor;
  const norm = tf.layers.layerNormalization().apply(tf.layers.add().apply([inp, att])) as tf.KerasTensor;
  const seq = tf.layers.lstm({ units: 6 }).apply(norm) as tf.KerasTensor;
  const out = tf.layers.dense({ units: 10 }).apply(seq) as tf.KerasTensor;
  const model = tf.model({ inputs: inp, outputs: out });
  model.compile({ optimizer: tf.train.adam(1e-2), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
  return model;
}

/** Three trainOnBatchAsync steps of a fresh model on `backend`; the losses. */
async function threeSteps(backend: string, make: () => tf.LayersModel, n: number, image: boolean | number[]): Promise<number[]> {
  await tf.setBackend(backend);
  tf.setSeed(42);
  tf.resetLayerNames();
  const model = make();
  const losses: number[] = [];
  for (let s = 0; s < 3; s++) {
    const [x, y] = batch(n, image, 10 + s);
    // [loss, ...metrics] when metrics are compiled (as TF.js and Keras), the loss alone otherwise.
    const r = (await model.trainOnBatchAsync(x, y)) as number | number[];
    losses.push(Array.isArray(r) ? r[0]! : r);
  }
  return losses;
}

function close(a: number[], b: number[], rtol: number, what: string): void {
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= rtol * Math.abs(b[i]!), `${what} step ${i}: webgpu ${v} vs wasm ${b[i]} (rtol ${rtol})`));
}

describe('webgpu training', () => {
  it('W1 MLP: 3 steps, losses within 1e-5 of wasm (identical dropout masks)', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const want = await threeSteps('wasm', w1, 16, false);
    const before = new Map(gpu.be!.fallbacks);
    const got = await threeSteps('webgpu', w1, 16, false);
    close(got, want, 1e-5, 'W1');
    assert.deepEqual(new Map(gpu.be!.fallbacks), before, 'no kernel ran on the CPU');
  });

  it('W3 CNN: 3 steps, losses within 1e-4 of wasm', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const want = await threeSteps('wasm', w3, 2, true);
    const before = new Map(gpu.be!.fallbacks);
    const got = await threeSteps('webgpu', w3, 2, true);
    close(got, want, 1e-4, 'W3');
    assert.deepEqual(new Map(gpu.be!.fallbacks), before, 'no kernel ran on the CPU');
  });

  it('Transformer block + LSTM: 3 steps on the fused attention and layer-norm kernels, no CPU fallback, losses within 1e-5 of wasm', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const want = await threeSteps('wasm', block, 3, [5, 8]);
    const before = new Map(gpu.be!.fallbacks);
    const table = gpu.be!.kernels as Record<string, tf.KernelFunc>;
    const names = ['_Attention', '_AttentionGrad', '_LayerNorm', '_LayerNormGrad'];
    const saved = names.map((n) => table[n]!);
    const counts = names.map(() => 0);
    names.forEach((n, i) => (table[n] = (args) => (counts[i]!++, saved[i]!(args))));
    let got: number[];
    try {
      got = await threeSteps('webgpu', block, 3, [5, 8]);
    } finally {
      names.forEach((n, i) => (table[n] = saved[i]!));
    }
    close(got, want, 1e-5, 'Transformer block');
    names.forEach((n, i) => assert.ok(counts[i]! >= 3, `${n} ran ${counts[i]} times`));
    assert.deepEqual(new Map(gpu.be!.fallbacks), before, 'no kernel ran on the CPU');
  });

  it('fit, evaluateAsync, predict and the synchronous forms', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      tf.setSeed(3);
      tf.resetLayerNames();
      const model = tf.sequential();
      model.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [6] }));
      model.add(tf.layers.dropout({ rate: 0.2 }));
      model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
      model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const x = tf.tensor(rand(24 * 6, 1), [24, 6]);
      const y = tf.oneHot(tf.tensor(Int32Array.from(rand(24, 2, 0, 3), Math.floor), [24], 'int32'), 3);
      const h = await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, validationSplit: 0.25 });
      const ev = (await model.evaluateAsync(x, y)) as tf.Tensor[];
      const pred = await model.predict(x).data();
      if (backend === 'webgpu') {
        assert.throws(() => model.trainOnBatch(x, y), /reads values asynchronously.*await model\.trainOnBatchAsync/);
        assert.throws(() => model.evaluate(x, y), /await model\.evaluateAsync/);
      }
      return { h: h.history, ev: await Promise.all(ev.map(async (e) => (await e.data())[0]!)), pred: Array.from(pred) };
    };
    const want = await run('wasm');
    const got = await run('webgpu');
    for (const k of Object.keys(want.h)) close(got.h[k] as number[], want.h[k] as number[], 1e-5, `fit ${k}`);
    close(got.ev, want.ev, 1e-5, 'evaluate');
    close(got.pred, want.pred, 1e-5, 'predict');
  });
});
