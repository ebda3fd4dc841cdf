/**
 * Seed 001 end to end: fine-tune ResNet50 for a two-class image folder, once with Keras's
 * `fit` and once with a hand-written loop (the thread's TensorFlow program), and show that idem
 * gives the same numbers bit for bit — losses, weights, and the batch-norm moving statistics.
 *
 * The thread's model: `ResNet50(...)`, `Flatten()(get_layer('avg_pool').output)` →
 * `Dropout(0.5, name='avg_pool_dropout')` → `Dense(1, sigmoid, name='fcout')`, binary
 * cross-entropy, `MomentumOptimizer(learning_rate=1e-4, momentum=0.9)`, images from
 * `flow_from_directory`. Here: the base is `tf.applications.resnet50({includeTop: false,
 * pooling: 'avg', inputShape: [S, S, 3]})` (its last layer is the same `avg_pool`), with random
 * seeded weights (no download; pass `--weights file.h5` for a local Keras file), so it runs on a
 * CPU in minutes; the data are synthetic PNGs (horizontal vs vertical stripes with noise) written
 * to a temporary folder and read back with `tf.data.imageFolder`, preprocessed with
 * `tf.applications.resnet50.preprocessInput` (Keras's 'caffe' mode).
 *
 * What the thread tripped over, and what idem does:
 * - the learning phase: the TF loop had to feed `K.learning_phase(): 1`; in idem a training step
 *   is `model.apply(x, {training: true})` — the very call `fit` makes;
 * - batch-norm moving statistics: Keras's fit ran the BN update ops, a raw `optimizer.minimize`
 *   did not; in idem the update happens inside the training call, so both loops update them;
 * - the progress bar: Keras shows the running mean of the epoch's batch losses; the hand loop
 *   below reports the same running mean (and the per-step losses) so the figures line up.
 *
 * Both runs start from `tf.setSeed(seed)` (the same initial weights), read the folder with the
 * same shuffle seed (the same batch order) and use a Dropout layer with a fixed seed (the same
 * masks).
 *
 * Run:  npx tsx examples/seeds/seed001-finetune.ts [--size 64] [--per-class 8] [--batch 4] [--epochs 2] [--seed 1] [--weights path]
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pngjs from 'pngjs';
import * as tf from '../../src/index.ts';

export interface Seed001Options {
  /** Image side S (the base's inputShape is [S, S, 3]). */
  size?: number;
  /** Images per class in the generated folder. */
  perClass?: number;
  batchSize?: number;
  epochs?: number;
  seed?: number;
  /** Local Keras weights file for the base (default: seeded random weights). */
  weights?: string | null;
  log?: (line: string) => void;
}

export interface RunResult {
  /** After each step: the running mean of the epoch's batch losses (what Keras's logs and progress bar show). */
  runningLoss: number[];
  /** Every weight after training (trainable, then BN moving statistics), by variable order. */
  weights: Float32Array[];
  /** conv1_bn moving mean after training. */
  movingMean: Float32Array;
  /** Inference-mode predictions on the whole folder after training. */
  predictions: Float32Array;
  seconds: number;
}

export interface Seed001Result {
  fit: RunResult;
  loop: RunResult;
  /** Per-step losses of the hand loop. */
  stepLosses: number[];
  /** Everything equal bit for bit. */
  identical: boolean;
  /** The BN moving statistics moved away from their initial values (0 mean, 1 variance). */
  bnUpdated: boolean;
  samples: number;
}

/** Deterministic integer hash → [0, 1) (no Math.random). */
function hash01(a: number, b: number, c: number, d: number): number {
  let h = (a * 73856093) ^ (b * 19349663) ^ (c * 83492791) ^ (d * 2654435761);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/**
 * Writes `dir/stripes_h/NNN.png` and `dir/stripes_v/NNN.png`: stripes of a random period
 * (4..9 px) and phase, with per-pixel noise and a random tint, all from `hash01`.
 */
export function writeStripeFolder(dir: string, size: number, perClass: number): void {
  const classes = ['stripes_h', 'stripes_v'];
  classes.forEach((cls, k) => {
    mkdirSync(join(dir, cls), { recursive: true });
    for (let n = 0; n < perClass; n++) {
      const png = new pngjs.PNG({ width: size, height: size });
      const period = 4 + Math.floor(hash01(k, n, 1, 7) * 6);
      const phase = hash01(k, n, 2, 7) * period;
      const tint = [0, 1, 2].map((c) => 0.6 + 0.4 * hash01(k, n, 3, c));
      for (let r = 0; r < size; r++) {
        for (let col = 0; col < size; col++) {
          const t = k === 0 ? r : col;
          const on = Math.sin((2 * Math.PI * (t + phase)) / period) > 0 ? 1 : 0;
          const i = (r * size + col) * 4;
          for (let c = 0; c < 3; c++) {
            const noise = hash01(k * 1000 + n, r, col, c) * 60 - 30;
            png.data[i + c] = Math.max(0, Math.min(255, Math.round((40 + 170 * on) * tint[c]! + noise)));
          }
          png.data[i + 3] = 255;
        }
      }
      writeFileSync(join(dir, cls, `${String(n).padStart(3, '0')}.png`), pngjs.PNG.sync.write(png));
    }
  });
}

/** The thread's model: ResNet50 base → Flatten → Dropout(0.5) → Dense(1, sigmoid). */
export async function buildModel(size: number, seed: number, weights: string | null): Promise<tf.LayersModel> {
  tf.setSeed(seed);
  tf.resetLayerNames();
  // A Promise only when `weights` names a file (reading it is asynchronous); await works for both.
  const base = await tf.applications.resnet50({ includeTop: false, weights, pooling: 'avg', inputShape: [size, size, 3] });
  let x = tf.layers.flatten().apply(base.getLayer('avg_pool').output as tf.KerasTensor) as tf.KerasTensor;
  x = tf.layers.dropout({ rate: 0.5, name: 'avg_pool_dropout', seed: seed }).apply(x) as tf.KerasTensor;
  const predictions = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'fcout' }).apply(x) as tf.KerasTensor;
  return tf.model({ inputs: base.inputs[0]!, outputs: predictions, name: 'finetuned_model' });
}

/** The folder as `{xs, ys}` batches: xs preprocessed ('caffe'), ys [B, 1]. Same seed → same order. */
function dataset(dir: string, size: number, batchSize: number, seed: number, shuffle = true) {
  return tf.data
    .imageFolder(dir, { targetSize: [size, size], batchSize, shuffle, seed, classMode: 'binary' })
    .map(({ xs, ys }) => ({ xs: tf.applications.resnet50.preprocessInput(xs), ys: tf.reshape(ys, [-1, 1]) }));
}

async function snapshot(model: tf.LayersModel, dir: string, size: number, t0: number, running: number[]): Promise<RunResult> {
  const weights = model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
  const movingMean = Float32Array.from((model.getLayer('conv1_bn') as tf.BatchNormalization).movingMean!.read().dataSync() as Float32Array);
  const preds: number[] = [];
  await dataset(dir, size, 4, 0, false).forEachAsync(({ xs }) => {
    preds.push(...model.predict(xs).dataSync());
  });
  return { runningLoss: running, weights, movingMean, predictions: Float32Array.from(preds), seconds: (performance.now() - t0) / 1000 };
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

export async function main(options: Seed001Options = {}): Promise<Seed001Result> {
  const size = options.size ?? 64;
  const perClass = options.perClass ?? 8;
  const batchSize = options.batchSize ?? 4;
  const epochs = options.epochs ?? 2;
  const seed = options.seed ?? 1;
  const weights = options.weights ?? null;
  const log = options.log ?? console.log;
  const dir = mkdtempSync(join(tmpdir(), 'idem-seed001-'));
  try {
    writeStripeFolder(dir, size, perClass);
    const samples = 2 * perClass;
    log(`seed 001: ResNet50 base (includeTop false, pooling 'avg', input ${size}x${size}x3) + Flatten + Dropout(0.5) + Dense(1, sigmoid); ${samples} images in 2 classes, batch ${batchSize}, ${epochs} epoch(s), MomentumOptimizer(1e-4, 0.9); backend ${tf.getBackend()}`);

    // ---- Keras: compile + fit over the image folder (fit_generator in the thread).
    let t0 = performance.now();
    const kerasModel = await buildModel(size, seed, weights);
    kerasModel.compile({ optimizer: tf.train.momentum(1e-4, 0.9), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const fitRunning: number[] = [];
    await kerasModel.fitDataset(dataset(dir, size, batchSize, seed), {
      epochs,
      verbose: 0,
      callbacks: { onBatchEnd: (_step: number, logs?: Record<string, number>) => void fitRunning.push(logs!['loss']!) },
    });
    const fit = await snapshot(kerasModel, dir, size, t0, fitRunning);

    // ---- TensorFlow-style hand loop: the same model, the same data, training flag on.
    t0 = performance.now();
    const loopModel = await buildModel(size, seed, weights);
    const optimizer = tf.train.momentum(1e-4, 0.9);
    const loopRunning: number[] = [];
    const stepLosses: number[] = [];
    // One dataset, one pass (iterator) per epoch, as fit does: the image folder reshuffles on
    // every pass from its seed, so epoch 2 sees the same new order in both runs.
    const ds = dataset(dir, size, batchSize, seed);
    for (let epoch = 0; epoch < epochs; epoch++) {
      // The running mean Keras's progress bar (and logs) show: Σ loss·n / Σ n over the epoch.
      let total = 0;
      let count = 0;
      const it = await ds.iterator();
      for (let r = await it.next(); !r.done; r = await it.next()) {
        const { xs, ys } = r.value;
        const loss = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => tf.mean(tf.binaryCrossentropy(ys, loopModel.apply(xs, { training: true }) as tf.Tensor)) as tf.Scalar, loopModel.trainableWeights);
          optimizer.applyGradients(grads);
          return value.dataSync()[0]!;
        });
        stepLosses.push(loss);
        total += loss * xs.shape[0]!;
        count += xs.shape[0]!;
        loopRunning.push(total / count);
      }
      log(`epoch ${epoch + 1}: fit loss ${fitRunning[loopRunning.length - 1]} | hand loop loss ${loopRunning[loopRunning.length - 1]} (running means)`);
    }
    const loop = await snapshot(loopModel, dir, size, t0, loopRunning);

    const lossesSame = fitRunning.length === loopRunning.length && fitRunning.every((v, i) => Object.is(v, loopRunning[i]));
    const weightsSame = fit.weights.length === loop.weights.length && fit.weights.every((w, i) => sameBits(w, loop.weights[i]!));
    const bnSame = sameBits(fit.movingMean, loop.movingMean);
    const predsSame = sameBits(fit.predictions, loop.predictions);
    const bnUpdated = fit.movingMean.some((v) => v !== 0);
    const nonTrainable = kerasModel.nonTrainableWeights.length;
    log(`per-step losses (hand loop): ${stepLosses.map((v) => v.toFixed(6)).join(', ')}`);
    log(`running losses identical bit for bit: ${lossesSame}`);
    log(`all ${fit.weights.length} weights identical bit for bit (incl. ${nonTrainable} BN moving statistics): ${weightsSame}`);
    log(`conv1_bn moving_mean[0..3] fit ${Array.from(fit.movingMean.slice(0, 4)).join(', ')} | loop ${Array.from(loop.movingMean.slice(0, 4)).join(', ')} (initial 0): updated ${bnUpdated}, identical ${bnSame}`);
    log(`inference predictions on all ${samples} images identical bit for bit: ${predsSame}`);
    log(`time: fit ${fit.seconds.toFixed(1)} s, hand loop ${loop.seconds.toFixed(1)} s`);
    return { fit, loop, stepLosses, identical: lossesSame && weightsSame && bnSame && predsSame, bnUpdated, samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv: string[]): Seed001Options {
  const o: Seed001Options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    const num = () => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${a} needs a positive integer, received ${String(v)}`);
      i++;
      return n;
    };
    if (a === '--size') o.size = num();
    else if (a === '--per-class') o.perClass = num();
    else if (a === '--batch') o.batchSize = num();
    else if (a === '--epochs') o.epochs = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--weights') {
      if (!v) throw new Error('--weights needs a path');
      o.weights = v;
      i++;
    } else throw new Error(`unknown argument ${a} (expected --size, --per-class, --batch, --epochs, --seed, --weights)`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await main(parseArgs(process.argv.slice(2)));
  console.log(r.identical && r.bnUpdated ? 'RESULT: fit and the hand loop are identical bit for bit, BN statistics updated in both' : 'RESULT: DIFFERENT');
  if (!r.identical) process.exitCode = 1;
}
