/**
 * Seed 003 ("Tensorflow 2.0: Keras is not (yet) a simplified interface to Tensorflow"): the six
 * experiments, with idem's two APIs, in TF1 graph mode (placeholders + `Session.run`) as the
 * thread ran them.
 *
 * The model: Conv2D(8, 3×3, stride 2, relu) → BatchNormalization → Conv2D(1, 3×3, stride 2, relu)
 * → Flatten → Dense(1). Data: 50 white images (all ones, label 1) and 50 black ones (all zeros,
 * label 0), 28×28×1, batches of 10 → 5 steps. Loss: `tf.losses.sigmoidCrossEntropy` (mean),
 * TF1 `GradientDescentOptimizer(1e-3)`.
 *
 *   1. low-level layers (ops + `getVariable` in `variableScope('tf_model', {reuse: 'auto'})`), positives only;
 *   2. the same, on positives and negatives (the model called twice, sharing its variables);
 *   3. Keras `Sequential` with `inputShape` on its first layer, positives only;
 *   4. the same on positives and negatives;
 *   5. Keras `Sequential` with no input shape (built on its first call), positives only;
 *   6. the same on positives and negatives.
 *
 * In TensorFlow (graph mode), experiments 3 and 4 failed: the Keras model's batch-norm update
 * ops were bound to a phantom input placeholder ("You must feed a value for placeholder tensor
 * 'conv2d_input'"), and without them the moving statistics never moved (mean 0, variance 1);
 * none of the Keras update ops were in UPDATE_OPS. In idem there are no update-op collections:
 * batch normalization assigns its moving statistics inside the training call, and in graph mode
 * that assignment is a stateful node that runs whenever its batch statistics are computed. So all
 * six experiments update the moving mean and variance, with the same numbers.
 *
 * The figures are deterministic (the thread's TensorFlow ones too, where they are): every white
 * image gives the same first-layer output at every position, so the batch variance is 0 and each
 * update multiplies the moving variance by the momentum 0.99: after 5 steps 0.99⁵ = 0.95099
 * (one input) or, with two updates per step (positives, then negatives), 0.99¹⁰ = 0.90438.
 * Batch norm maps a constant channel to its beta (0), so the second convolution, the Dense
 * kernel and everything before them get no gradient and only the Dense bias b learns:
 * positives only, loss = −log σ(b): 0.693147, 0.692897, 0.692647, 0.692398, 0.692148 (the
 * thread's figures to 6 digits); both classes, loss = −log σ(b) − log(1 − σ(b)) = 2 ln 2 = 1.386294
 * at b = 0, where its gradient is 0, so it stays there. The moving mean of channel c tends to
 * μ_c = relu(Σ kernel[:, :, 0, c]) (the first layer's output on a white image) on positives,
 * and 0 on negatives: after 5 steps (1 − 0.99⁵)·μ_c with one input, 0.0099·μ_c·(1 − 0.99¹⁰)/(1 − 0.99²)
 * with two (positives first). The thread's moving means differ between its experiments because
 * each drew new initial kernels; idem draws the same ones (`tf.setSeed(0)` before each), so the
 * three one-input experiments are bit-identical to each other, as are the three two-input ones.
 *
 * Run:  npx tsx examples/seeds/seed003.ts [--eager]
 */
import { pathToFileURL } from 'node:url';
import * as tf from '../../src/index.ts';

export type Experiment = 1 | 2 | 3 | 4 | 5 | 6;
export const MOMENTUM = 0.99;

export interface ExperimentResult {
  experiment: Experiment;
  description: string;
  losses: number[];
  movingMean: Float32Array;
  movingVariance: Float32Array;
  /** μ_c = relu(Σ kernel[:, :, 0, c]) from the initial first-layer kernel (bias 0). */
  mu: Float64Array;
  /** The moving mean the arithmetic above predicts from μ. */
  expectedMean: Float64Array;
  expectedVariance: number;
  /** Names of the model's variables. */
  variableNames: string[];
}

const print = (line: string) => console.log(line);
const BATCH = 10;
const N = 50;

/** A conv layer of the low-level form (TF1 `tf.layers.Conv2D(filters, 3, strides=2, relu)`). */
function conv(x: tf.Tensor, filters: number, name: string): tf.Tensor {
  return tf.variableScope(name, () => {
    const kernel = tf.getVariable('kernel', { shape: [3, 3, x.shape[3]!, filters] }); // Glorot uniform (TF1 and Keras default)
    const bias = tf.getVariable('bias', { shape: [filters], initializer: 'zeros' });
    return tf.relu(tf.add(tf.conv2d(x, kernel, [2, 2], 'valid', 'NHWC', [1, 1]), bias));
  });
}

/** Batch normalization of the low-level form: batch statistics and the moving-average update when training. */
function batchNormalization(x: tf.Tensor, training: boolean, name: string): tf.Tensor {
  return tf.variableScope(name, () => {
    const c = x.shape[3]!;
    const gamma = tf.getVariable('gamma', { shape: [c], initializer: 'ones' });
    const beta = tf.getVariable('beta', { shape: [c], initializer: 'zeros' });
    const movingMean = tf.getVariable('moving_mean', { shape: [c], initializer: 'zeros', trainable: false });
    const movingVariance = tf.getVariable('moving_variance', { shape: [c], initializer: 'ones', trainable: false });
    if (!training) return tf.batchNorm(x, movingMean, movingVariance, beta, gamma, 1e-3);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    movingMean.assign(tf.add(tf.mul(movingMean, MOMENTUM), tf.mul(mean, 1 - MOMENTUM)));
    movingVariance.assign(tf.add(tf.mul(movingVariance, MOMENTUM), tf.mul(variance, 1 - MOMENTUM)));
    return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
  });
}

/** The thread's `tf_model(feature, is_training)`: `reuse: 'auto'` creates on the first call and shares after. */
export function tfModel(feature: tf.Tensor, isTraining: boolean): tf.Tensor {
  return tf.variableScope('tf_model', { reuse: 'auto' }, () => {
    let net = conv(feature, 8, 'conv2d'); // 13×13×8
    net = batchNormalization(net, isTraining, 'batch_normalization');
    net = conv(net, 1, 'conv2d_1'); // 6×6×1
    net = tf.reshape(net, [-1, 36]);
    return tf.variableScope('dense', () => {
      const kernel = tf.getVariable('kernel', { shape: [36, 1] });
      const bias = tf.getVariable('bias', { shape: [1], initializer: 'zeros' });
      return tf.add(tf.matMul(net, kernel), bias);
    });
  });
}

/** The thread's `keras_model(input_type)`: 'shape' (inputShape on the first layer), 'layer' (an InputLayer) or 'dynamic' (no shape). */
export function kerasModel(inputType: 'shape' | 'layer' | 'dynamic'): tf.Sequential {
  const first: tf.Layer[] =
    inputType === 'shape'
      ? [tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu', inputShape: [28, 28, 1] })]
      : inputType === 'layer'
        ? [tf.layers.inputLayer({ inputShape: [28, 28, 1] }), tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu' })]
        : [tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu' })];
  return tf.sequential({
    layers: [...first, tf.layers.batchNormalization(), tf.layers.conv2d({ filters: 1, kernelSize: 3, strides: 2, activation: 'relu' }), tf.layers.flatten(), tf.layers.dense({ units: 1 })],
  });
}

const DESCRIPTIONS: Record<Experiment, string> = {
  1: 'low-level layers, positives only',
  2: 'low-level layers, positives and negatives (shared variables)',
  3: 'Keras, input shape declared, positives only',
  4: 'Keras, input shape declared, positives and negatives',
  5: 'Keras, deferred build (no input shape), positives only',
  6: 'Keras, deferred build, positives and negatives',
};

export interface RunOptions {
  /** Run eagerly (a GradientTape loop) instead of graph mode; the numbers are the same. */
  eager?: boolean;
  /** Print `model.summary()` for the Keras experiments. */
  summary?: boolean;
  log?: (line: string) => void;
}

/** Runs one of the six experiments (5 steps of 10 images). */
export function runExperiment(experiment: Experiment, options: RunOptions = {}): ExperimentResult {
  const log = options.log ?? print;
  const twoInputs = experiment % 2 === 0;
  const keras = experiment >= 3 ? (experiment <= 4 ? 'shape' : 'dynamic') : null;
  tf.setSeed(0);
  tf.resetDefaultGraph();
  tf.resetVariableStore();
  tf.resetLayerNames();
  tf.enableEagerExecution();
  const before = new Set(tf.globalVariables());

  const positives = tf.ones([N, 28, 28, 1]);
  const positiveLabels = tf.ones([N, 1]);
  const negatives = tf.zeros([N, 28, 28, 1]);
  const negativeLabels = tf.zeros([N, 1]);

  const model = keras ? kerasModel(keras) : null;
  /** One forward pass in training mode (the Keras model gets `training: true`, the thread's learning phase 1). */
  const forward = (x: tf.Tensor) => (model ? (model.apply(x, { training: true }) as tf.Tensor) : tfModel(x, true));
  const lossOf = (pos: tf.Tensor, posL: tf.Tensor, neg: tf.Tensor, negL: tf.Tensor) => {
    let loss = tf.losses.sigmoidCrossEntropy(posL, forward(pos));
    if (twoInputs) loss = tf.add(loss, tf.losses.sigmoidCrossEntropy(negL, forward(neg)));
    return loss;
  };
  const optimizer = tf.train.sgd(1e-3);
  const batch = (t: tf.Tensor, i: number) => tf.slice(t, [i * BATCH], [BATCH]);
  const losses: number[] = [];
  const created = () => tf.globalVariables().filter((v) => !before.has(v));

  if (options.eager) {
    for (let i = 0; i < N / BATCH; i++) {
      // A hand loop: the gradient of every trainable variable the loss used, one SGD step.
      const { value, grads } = tf.variableGrads(() => lossOf(batch(positives, i), batch(positiveLabels, i), batch(negatives, i), batch(negativeLabels, i)));
      optimizer.applyGradients(grads);
      losses.push(value.dataSync()[0]!);
    }
  } else {
    const pos = tf.placeholder('float32', [null, 28, 28, 1], 'positive');
    const posL = tf.placeholder('float32', [null, 1], 'positive_labels');
    const neg = tf.placeholder('float32', [null, 28, 28, 1], 'negative');
    const negL = tf.placeholder('float32', [null, 1], 'negative_labels');
    const loss = lossOf(pos, posL, neg, negL);
    const trainOp = optimizer.minimize(loss as tf.SymbolicTensor);
    const sess = new tf.Session();
    for (let i = 0; i < N / BATCH; i++) {
      const feed = new Map<tf.SymbolicTensor, tf.Tensor>([[pos, batch(positives, i)], [posL, batch(positiveLabels, i)]]);
      if (twoInputs) {
        feed.set(neg, batch(negatives, i));
        feed.set(negL, batch(negativeLabels, i));
      }
      const [l] = sess.run([loss, trainOp], feed) as tf.Tensor[];
      losses.push(l!.dataSync()[0]!);
    }
    sess.close();
    tf.enableEagerExecution();
  }
  if (model && options.summary) model.summary(65, log);

  const vars = created();
  const firstKernel = vars.find((v) => /conv2d\/kernel:0$/.test(v.name)) ?? null;
  const mm = vars.find((v) => v.name.includes('moving_mean'))!;
  const mv = vars.find((v) => v.name.includes('moving_variance'))!;
  // μ_c from the first kernel (unchanged by training: it gets no gradient; see the file comment).
  const k = firstKernel!.read().dataSync();
  const mu = new Float64Array(8);
  for (let i = 0; i < k.length; i++) mu[i % 8] += k[i]!;
  for (let c = 0; c < 8; c++) mu[c] = Math.max(0, mu[c]!);
  const steps = N / BATCH;
  const factor = twoInputs ? 0.0099 * (1 - MOMENTUM ** (2 * steps)) / (1 - MOMENTUM ** 2) : 1 - MOMENTUM ** steps;
  return {
    experiment,
    description: DESCRIPTIONS[experiment],
    losses,
    movingMean: mm.read().dataSync() as Float32Array,
    movingVariance: mv.read().dataSync() as Float32Array,
    mu,
    expectedMean: mu.map((m) => m * factor),
    expectedVariance: MOMENTUM ** (twoInputs ? 2 * steps : steps),
    variableNames: vars.map((v) => v.name),
  };
}

const fmt = (a: ArrayLike<number>, d = 8) => `[${Array.from(a, (v) => v.toFixed(d)).join(', ')}]`;

export function main(options: RunOptions = {}): ExperimentResult[] {
  const log = options.log ?? print;
  log(`seed 003: six experiments, ${options.eager ? 'eager (GradientTape loop)' : 'TF1 graph mode (placeholders + Session.run)'}, backend '${tf.getBackend()}'`);
  const results: ExperimentResult[] = [];
  for (const e of [1, 2, 3, 4, 5, 6] as Experiment[]) {
    const r = runExperiment(e, { ...options, summary: options.summary ?? (e === 3 || e === 5), log });
    results.push(r);
    log(`Experiment ${e}: ${r.description}`);
    for (const l of r.losses) log(`  loss:  ${l.toPrecision(8)}`);
    log(`  moving mean     ${fmt(r.movingMean)}`);
    log(`    expected      ${fmt(r.expectedMean)}  (${e % 2 === 0 ? '0.0099·μ·(1 − 0.99¹⁰)/(1 − 0.99²)' : '(1 − 0.99⁵)·μ'})`);
    log(`  moving variance ${fmt(r.movingVariance)}`);
    log(`    expected      ${r.expectedVariance.toFixed(8)} (0.99^${e % 2 === 0 ? 10 : 5})`);
  }
  const same = (a: ExperimentResult, b: ExperimentResult) =>
    a.losses.every((l, i) => Object.is(l, b.losses[i])) && a.movingMean.every((v, i) => Object.is(v, b.movingMean[i])) && a.movingVariance.every((v, i) => Object.is(v, b.movingVariance[i]));
  log(`one input:  experiments 1, 3, 5 bit-identical (losses, moving mean and variance): ${same(results[0]!, results[2]!) && same(results[0]!, results[4]!)}`);
  log(`two inputs: experiments 2, 4, 6 bit-identical: ${same(results[1]!, results[3]!) && same(results[1]!, results[5]!)}`);
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main({ eager: process.argv.includes('--eager') });
}
