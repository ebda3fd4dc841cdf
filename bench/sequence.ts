/**
 * The sequence workloads W7 and W8 of PRODUCT.md, written against the TF.js-shaped API (as
 * bench/workloads.ts), with fixed pseudo-random data (an LCG: the same tokens, inputs and labels
 * for every implementation; bench/torch_seq.py draws the same numbers):
 *
 * - W7 LSTM: Embedding(10000, 128) → LSTM(128) → Dense(1, sigmoid), sequences of 100 token ids,
 *   batch 64, binary cross-entropy, Adam(1e-3); ms per training step.
 * - W8 Transformer block: x [32, 64, 128] → MultiHeadAttention(4 heads, keyDim 32) + x →
 *   LayerNorm → Dense(512, relu) → Dense(128) + residual → LayerNorm → mean over time →
 *   Dense(10); softmax cross-entropy from logits, Adam(1e-3); ms per training step.
 *
 * Each repetition times `steps` steps on a few batches in turn (new batches cost nothing to make:
 * they are made before the clock starts).
 */
import type { Lib, TF, WorkloadOptions, WorkloadResult } from './workloads.ts';

export const W7 = { vocab: 10000, embed: 128, units: 128, seq: 100, batch: 64 };
export const W8 = { batch: 32, seq: 64, dim: 128, heads: 4, keyDim: 32, ffn: 512, classes: 10 };
/** Distinct batches cycled through (each made once, before timing). */
const BATCHES = 4;

/** The LCG of bench/workloads.ts `filled`, as 32-bit states (bench/torch_seq.py has the same). */
export function lcg(n: number, seed: number): Uint32Array {
  const v = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s;
  }
  return v;
}

/** Uniform floats in [-1, 1) from the LCG (the high 24 bits, exact in float32). */
export function uniform(n: number, seed: number): Float32Array {
  const s = lcg(n, seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((s[i]! >>> 8) / 16777216) * 2 - 1;
  return v;
}

/** Integers in [0, k) from the LCG (high bits, so short periods of the low bits do not show). */
export function ints(n: number, seed: number, k: number): Int32Array {
  const s = lcg(n, seed);
  const v = new Int32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.floor(((s[i]! >>> 8) / 16777216) * k);
  return v;
}

export function w7Model(tf: TF): TF {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: W7.vocab, outputDim: W7.embed, inputShape: [W7.seq] }));
  model.add(tf.layers.lstm({ units: W7.units }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
  return model;
}

export function w8Model(lib: Lib): TF {
  const { tf } = lib;
  const x = tf.input({ shape: [W8.seq, W8.dim] });
  const att = tf.layers.multiHeadAttention({ numHeads: W8.heads, keyDim: W8.keyDim }).apply([x, x]);
  const n1 = tf.layers.layerNormalization().apply(tf.layers.add().apply([x, att]));
  const f1 = tf.layers.dense({ units: W8.ffn, activation: 'relu' }).apply(n1);
  const f2 = tf.layers.dense({ units: W8.dim }).apply(f1);
  const n2 = tf.layers.layerNormalization().apply(tf.layers.add().apply([n1, f2]));
  const pooled = tf.layers.globalAveragePooling1d().apply(n2);
  const out = tf.layers.dense({ units: W8.classes }).apply(pooled);
  const model = tf.model({ inputs: x, outputs: out });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: lib.logitsLoss });
  return model;
}

interface Batch {
  x: TF;
  y: TF;
}

function w7Batches(tf: TF): Batch[] {
  const out: Batch[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const tokens = ints(W7.batch * W7.seq, 7000 + b, W7.vocab);
    const labels = ints(W7.batch, 7100 + b, 2);
    out.push({ x: tf.tensor(Float32Array.from(tokens), [W7.batch, W7.seq]), y: tf.tensor(Float32Array.from(labels), [W7.batch, 1]) });
  }
  return out;
}

function w8Batches(tf: TF): Batch[] {
  const out: Batch[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const x = uniform(W8.batch * W8.seq * W8.dim, 8000 + b);
    const labels = ints(W8.batch, 8100 + b, W8.classes);
    const y = new Float32Array(W8.batch * W8.classes);
    for (let i = 0; i < W8.batch; i++) y[i * W8.classes + labels[i]!] = 1;
    out.push({ x: tf.tensor(x, [W8.batch, W8.seq, W8.dim]), y: tf.tensor(y, [W8.batch, W8.classes]) });
  }
  return out;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function sequenceWorkload(lib: Lib, w: 'W7' | 'W8', o: WorkloadOptions): Promise<WorkloadResult> {
  const { tf } = lib;
  const model = w === 'W7' ? w7Model(tf) : w8Model(lib);
  const batches = w === 'W7' ? w7Batches(tf) : w8Batches(tf);
  let step = 0;
  const run = async (steps: number): Promise<[number, number]> => {
    const w0 = performance.now();
    const c0 = cpuNow();
    for (let s = 0; s < steps; s++, step++) {
      const b = batches[step % batches.length]!;
      await model.trainOnBatch(b.x, b.y);
    }
    return [(performance.now() - w0) / steps, (cpuNow() - c0) / steps];
  };
  if (o.warm > 0) await run(o.warm);
  o.onTimed?.();
  const values: number[] = [];
  const cpuValues: number[] = [];
  for (let r = 0; r < o.reps; r++) {
    const [wall, cpu] = await run(o.steps);
    values.push(wall);
    cpuValues.push(cpu);
  }
  for (const b of batches) tf.dispose([b.x, b.y]);
  const unit = w === 'W7' ? `ms per step (batch ${W7.batch}, seq ${W7.seq})` : `ms per step (batch ${W8.batch}, seq ${W8.seq})`;
  return { values: { [w]: values }, cpuValues: { [w]: cpuValues }, unit };
}
