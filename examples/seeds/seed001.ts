/**
 * Seed 001 (a Keras issue: fine-tuning ResNet50 for binary classification, trained with Keras's
 * `fit_generator` and with a hand-written TensorFlow loop — "why is there such a difference in the
 * accuracy?"), with idem's two APIs.
 *
 * The thread's setup, scaled to run anywhere in a minute: a small convolutional base with batch
 * normalization stands in for ResNet50 (whose ImageNet weights cannot be downloaded here), ending
 * in a global-average-pooling layer named `avg_pool` as ResNet50's does; the head is the thread's,
 * `Flatten()(base.getLayer('avg_pool').output) → Dropout(0.5) → Dense(1, sigmoid, name 'fcout')`;
 * momentum SGD (momentum 0.9), binary cross-entropy, accuracy, batches of 32. The data is a
 * generated two-class image set (32×32 RGB PNGs written to a temporary directory and read back
 * with `tf.data.imageFolder`, Keras's `flow_from_directory`): noisy stripes, diagonal in one
 * class and anti-diagonal in the other, drawn from the seeded generator.
 *
 * Two trainings from the same seed and the same batches:
 *   (a) Keras: `model.fitDataset(train, {epochs, validationData})` with the progress bar;
 *   (b) the thread's hand loop: per batch `tf.variableGrads(() => mean(binaryCrossentropy(y,
 *       model.apply(x, {training: true}))))` + `optimizer.applyGradients`, then a validation pass
 *       with `training: false`, printing the mean of the per-batch figures.
 * They are bit-identical: every weight, every batch loss, the validation figures — because in
 * idem the training flag reaches every layer and batch normalization updates its moving
 * statistics inside the training call, whoever runs the step.
 *
 * What explains the thread's numbers:
 * - Keras's `loss`/`acc` are running averages over the epoch of training-mode batches (dropout
 *   on, batch statistics, weights changing as it goes); `val_loss`/`val_acc` are computed at the
 *   end of the epoch in inference mode. The program prints both next to an end-of-epoch
 *   `evaluate` on the training set: the running average lags it, and validation beats training,
 *   as in the thread (loss 0.7358 vs val_loss 0.5565 in its first epoch).
 * - The thread's hand loop fetched `optimizer.minimize(loss)` only: Keras's batch-norm update
 *   ops (then outside UPDATE_OPS) never ran, so its validation in inference mode used moving
 *   statistics that never moved — its validation accuracy fell (70% → 63%) while Keras's rose
 *   (72% → 78%). The program shows that effect by also validating with the moving statistics
 *   reset to their initial values (mean 0, variance 1) — what such a loop would have used.
 *   In idem that mistake cannot happen: there are no update ops to forget.
 *
 * Run:  npx tsx examples/seeds/seed001.ts [--epochs N] [--train N] [--val N] [--verbose 0|1|2]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pngjs from 'pngjs';
import * as tf from '../../src/index.ts';

export const SIZE = 32;
export const BATCH = 32;
export const LEARNING_RATE = 0.01;
const CLASSES = ['anti_diagonal', 'diagonal'];

export interface Seed001Options {
  epochs?: number;
  /** Training images per class (default 256). */
  train?: number;
  /** Validation images per class (default 64). */
  val?: number;
  /** `fit`'s verbose (default 1: the progress bar). */
  verbose?: 0 | 1 | 2;
  log?: (line: string) => void;
}

export interface EpochFigures {
  /** Running averages over the epoch (Keras's loss / accuracy; the hand loop's mean of batch figures). */
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
}

export interface Seed001Result {
  fit: EpochFigures[];
  hand: EpochFigures[];
  /** Every training batch's loss, fit (from the running means) and hand loop. */
  handBatchLosses: number[];
  fitRunningLoss: number[];
  handRunningLoss: number[];
  /** End-of-epoch `evaluate` on the training set (inference mode), after each epoch of `fit`. */
  trainEvaluate: { loss: number; accuracy: number }[];
  /** Validation accuracy with the batch-norm moving statistics reset to their initial values (the thread's hand loop). */
  staleBnValAccuracy: number[];
  fitWeights: Float32Array[];
  handWeights: Float32Array[];
  /** Moving mean of the first batch-norm layer after training (fit), and its initial value. */
  movingMean: Float32Array;
  /** The model's layer names (the base's avg_pool, the thread's head). */
  layerNames: string[];
}

const print = (line: string) => console.log(line);

/** Writes the two-class image set: `dir/{train,validation}/{anti_diagonal,diagonal}/*.png`. */
export function writeImages(dir: string, perClass: { train: number; validation: number }): void {
  tf.setSeed(1234);
  for (const split of ['train', 'validation'] as const) {
    const n = perClass[split];
    for (let c = 0; c < 2; c++) {
      const folder = join(dir, split, CLASSES[c]!);
      mkdirSync(folder, { recursive: true });
      const noise = tf.randomNormal([n, SIZE, SIZE, 3]).dataSync();
      const amp = tf.randomUniform([n], 0.2, 0.8).dataSync();
      const phase = tf.randomUniform([n], 0, 8).dataSync();
      for (let i = 0; i < n; i++) {
        const png = new pngjs.PNG({ width: SIZE, height: SIZE });
        for (let r = 0; r < SIZE; r++) {
          for (let col = 0; col < SIZE; col++) {
            const t = c === 1 ? r + col : r - col;
            const stripe = Math.sin((2 * Math.PI * (t + phase[i]!)) / 8);
            for (let ch = 0; ch < 3; ch++) {
              const v = 128 + 100 * amp[i]! * stripe + 60 * noise[((i * SIZE + r) * SIZE + col) * 3 + ch]!;
              png.data[(r * SIZE + col) * 4 + ch] = Math.max(0, Math.min(255, Math.round(v)));
            }
            png.data[(r * SIZE + col) * 4 + 3] = 255;
          }
        }
        writeFileSync(join(folder, `${String(i).padStart(4, '0')}.png`), pngjs.PNG.sync.write(png));
      }
    }
  }
}

/** The ResNet50 stand-in (ending in `avg_pool`) and the thread's head on `getLayer('avg_pool').output`. */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'input_1' });
  let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'conv1' }).apply(input) as tf.KerasTensor;
  h = tf.layers.batchNormalization({ name: 'bn_conv1', momentum: 0.9 }).apply(h) as tf.KerasTensor;
  h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.KerasTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.KerasTensor;
  h = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', name: 'res2a_branch2a' }).apply(h) as tf.KerasTensor;
  h = tf.layers.batchNormalization({ name: 'bn2a_branch2a', momentum: 0.9 }).apply(h) as tf.KerasTensor;
  h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.KerasTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(h) as tf.KerasTensor;
  const base = tf.model({ inputs: input, outputs: h, name: 'resnet_stand_in' });
  // The thread's head, on the base's avg_pool output.
  let x = tf.layers.flatten().apply(base.getLayer('avg_pool').output) as tf.KerasTensor;
  x = tf.layers.dropout({ rate: 0.5, name: 'avg_pool_dropout' }).apply(x) as tf.KerasTensor;
  const predictions = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'fcout' }).apply(x) as tf.KerasTensor;
  const model = tf.model({ inputs: base.inputs, outputs: predictions, name: 'finetuned_model' });
  model.compile({ loss: 'binaryCrossentropy', optimizer: tf.train.momentum(LEARNING_RATE, 0.9), metrics: ['accuracy'] });
  return model;
}

type Batch = { xs: tf.Tensor; ys: tf.Tensor };

/** The thread's generators: shuffled training batches (seed 7), validation in file order; labels as [B, 1]. */
function datasets(dir: string): { train: tf.Dataset<Batch>; trainInOrder: tf.Dataset<Batch>; validation: tf.Dataset<Batch> } {
  const opts = { targetSize: [SIZE, SIZE] as [number, number], rescale: 1 / 255, batchSize: BATCH, classMode: 'binary' as const };
  const asColumn = (b: Batch): Batch => ({ xs: b.xs, ys: tf.reshape(b.ys, [-1, 1]) });
  return {
    train: tf.data.imageFolder(join(dir, 'train'), { ...opts, shuffle: true, seed: 7 }).map(asColumn),
    trainInOrder: tf.data.imageFolder(join(dir, 'train'), { ...opts, shuffle: false }).map(asColumn),
    validation: tf.data.imageFolder(join(dir, 'validation'), { ...opts, shuffle: false }).map(asColumn),
  };
}

async function collect(ds: tf.Dataset<Batch>): Promise<[tf.Tensor, tf.Tensor]> {
  const xs: tf.Tensor[] = [];
  const ys: tf.Tensor[] = [];
  for await (const b of ds) {
    xs.push(b.xs);
    ys.push(b.ys);
  }
  return [tf.concat(xs, 0), tf.concat(ys, 0)];
}

const binaryAccuracy = (y: tf.Tensor, p: tf.Tensor) => tf.mean(tf.cast(tf.equal(y, tf.cast(tf.greater(p, 0.5), 'float32')), 'float32')).dataSync()[0]!;
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/** Validation accuracy with every batch-norm layer's moving statistics at their initial values (then restored). */
function staleBnAccuracy(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  const bns = model.layers.filter((l): l is tf.BatchNormalization => l instanceof tf.BatchNormalization);
  const saved = bns.map((l) => [l.movingMean!.read().clone(), l.movingVariance!.read().clone()] as const);
  for (const l of bns) {
    l.movingMean!.assign(tf.zerosLike(l.movingMean!));
    l.movingVariance!.assign(tf.onesLike(l.movingVariance!));
  }
  const acc = binaryAccuracy(y, model.predict(x, { batchSize: BATCH }) as tf.Tensor);
  bns.forEach((l, i) => {
    l.movingMean!.assign(saved[i]![0]);
    l.movingVariance!.assign(saved[i]![1]);
  });
  return acc;
}

export async function main(options: Seed001Options = {}): Promise<Seed001Result> {
  const log = options.log ?? print;
  const epochs = options.epochs ?? 5;
  const dir = mkdtempSync(join(tmpdir(), 'idem-seed001-'));
  try {
    writeImages(dir, { train: options.train ?? 256, validation: options.val ?? 64 });
    const [xVal, yVal] = await collect(datasets(dir).validation);
    const [xTrainAll, yTrainAll] = await collect(datasets(dir).trainInOrder);
    log(`seed 001: fine-tuning set-up on ${xTrainAll.shape[0]} generated training images (2 classes), ${xVal.shape[0]} validation, batch ${BATCH}, backend '${tf.getBackend()}'`);

    // ---- (a) Keras fit
    tf.setSeed(0);
    const model = buildModel();
    const layerNames = model.layers.map((l) => l.name);
    const fitRunningLoss: number[] = [];
    const trainEvaluate: { loss: number; accuracy: number }[] = [];
    const staleBnValAccuracy: number[] = [];
    log('(a) Keras: model.fitDataset(train, {epochs, validationData})');
    const history = await model.fitDataset(datasets(dir).train, {
      epochs,
      validationData: [xVal, yVal],
      verbose: options.verbose ?? 1,
      callbacks: {
        onBatchEnd: (_b, logs) => {
          fitRunningLoss.push(logs!['loss']!);
        },
        onEpochEnd: () => {
          // Inference-mode calls change no weight and draw no random number: the training is unaffected.
          const [l, a] = model.evaluate(xTrainAll, yTrainAll, { batchSize: BATCH }) as tf.Tensor[];
          trainEvaluate.push({ loss: l!.dataSync()[0]!, accuracy: a!.dataSync()[0]! });
          staleBnValAccuracy.push(staleBnAccuracy(model, xVal, yVal));
        },
      },
    });
    const h = history.history;
    const fit: EpochFigures[] = h['loss']!.map((loss, e) => ({ loss, accuracy: h['accuracy']![e]!, valLoss: h['val_loss']![e]!, valAccuracy: h['val_accuracy']![e]! }));

    // ---- (b) the thread's hand loop
    log('(b) the hand loop: variableGrads(model.apply(x, {training: true})) + applyGradients, then validation with training: false');
    tf.setSeed(0);
    const handModel = buildModel();
    const optimizer = tf.train.momentum(LEARNING_RATE, 0.9);
    const train = datasets(dir).train;
    const hand: EpochFigures[] = [];
    const handBatchLosses: number[] = [];
    const handRunningLoss: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const losses: number[] = [];
      const accs: number[] = [];
      let total = 0;
      let count = 0;
      for await (const { xs, ys } of train) {
        let pred: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          pred = handModel.apply(xs, { training: true }) as tf.Tensor;
          return tf.mean(tf.binaryCrossentropy(ys, pred));
        });
        optimizer.applyGradients(grads);
        const l = value.dataSync()[0]!;
        losses.push(l);
        accs.push(binaryAccuracy(ys, pred!));
        handBatchLosses.push(l);
        total += l * xs.shape[0]!;
        count += xs.shape[0]!;
        handRunningLoss.push(total / count);
      }
      const vl: number[] = [];
      const va: number[] = [];
      for (let s = 0; s < xVal.shape[0]!; s += BATCH) {
        const n = Math.min(BATCH, xVal.shape[0]! - s);
        const p = handModel.apply(tf.slice(xVal, [s], [n]), { training: false }) as tf.Tensor;
        const yb = tf.slice(yVal, [s], [n]);
        vl.push(tf.mean(tf.binaryCrossentropy(yb, p)).dataSync()[0]!);
        va.push(binaryAccuracy(yb, p));
      }
      hand.push({ loss: mean(losses), accuracy: mean(accs), valLoss: mean(vl), valAccuracy: mean(va) });
      log(`  Epoch ${epoch} - Training Loss: ${mean(losses).toFixed(4)}  Training Accuracy ${(100 * mean(accs)).toFixed(2)}  Validation Loss: ${mean(vl).toFixed(4)}  Validation accuracy: ${(100 * mean(va)).toFixed(2)}`);
    }

    const fitWeights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    const handWeights = handModel.getWeights().map((w) => w.dataSync() as Float32Array);
    const identical = fitWeights.length === handWeights.length && fitWeights.every((w, i) => w.length === handWeights[i]!.length && w.every((v, k) => Object.is(v, handWeights[i]![k])));
    const runningSame = fitRunningLoss.length === handRunningLoss.length && fitRunningLoss.every((v, i) => Object.is(v, handRunningLoss[i]));
    log('');
    log('epoch | Keras bar: loss  acc   (running avg) | evaluate(train): loss  acc | val_loss val_acc | hand loop: loss  acc   val_loss val_acc | val_acc, BN stats never updated');
    for (let e = 0; e < epochs; e++) {
      const f = fit[e]!;
      const t = trainEvaluate[e]!;
      const hl = hand[e]!;
      log(`${String(e + 1).padStart(5)} | ${f.loss.toFixed(4)} ${f.accuracy.toFixed(4)}              | ${t.loss.toFixed(4)} ${t.accuracy.toFixed(4)}            | ${f.valLoss.toFixed(4)}  ${f.valAccuracy.toFixed(4)}  | ${hl.loss.toFixed(4)} ${hl.accuracy.toFixed(4)} ${hl.valLoss.toFixed(4)}   ${hl.valAccuracy.toFixed(4)} | ${staleBnValAccuracy[e]!.toFixed(4)}`);
    }
    log(`hand loop = fit: all ${fitWeights.reduce((s, w) => s + w.length, 0)} weights (moving statistics included) bit-identical: ${identical ? 'yes' : 'NO'}; running-mean loss identical at all ${fitRunningLoss.length} steps: ${runningSame ? 'yes' : 'NO'}`);
    const bn = model.getLayer('bn_conv1') as tf.BatchNormalization;
    return {
      fit,
      hand,
      handBatchLosses,
      fitRunningLoss,
      handRunningLoss,
      trainEvaluate,
      staleBnValAccuracy,
      fitWeights,
      handWeights,
      movingMean: bn.movingMean!.read().dataSync() as Float32Array,
      layerNames,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv: string[]): Seed001Options {
  const o: Seed001Options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (min = 1): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min) throw new Error(`${a} expects an integer ≥ ${min}, received ${argv[i]}`);
      return v;
    };
    if (a === '--epochs') o.epochs = int();
    else if (a === '--train') o.train = int();
    else if (a === '--val') o.val = int();
    else if (a === '--verbose') o.verbose = Math.min(int(0), 2) as 0 | 1 | 2;
    else throw new Error(`unknown argument ${a} (expected --epochs N, --train N, --val N, --verbose 0|1|2)`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(parseArgs(process.argv.slice(2)));
}
