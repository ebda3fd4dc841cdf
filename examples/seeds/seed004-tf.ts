/**
 * Seed 004's TensorFlow 1 program ("MNIST with Tensorflow and Keras, same architecture but less
 * accurate in Tensorflow"), written with idem's TF1-style API.
 *
 * The network: 784 → H × [Dense 128 relu → Dropout(rate 0.3)] → Dense 10 logits, H = 2 or 5,
 * mean softmax cross-entropy, TF1 `AdamOptimizer(1e-3)` (ε 1e-8), batch 128 taken IN ORDER from
 * Keras's `mnist.load_data()` (⌊60000 / 128⌋ = 468 steps per epoch, no shuffling, as the seed),
 * test accuracy without dropout after every epoch.
 * The seed keeps dropout right (keep_prob = 1 − 0.3); its problem is the initial weights:
 *   --init normal  (the seed): W = tf.Variable(tf.random_normal(shape)), b = tf.Variable(tf.random_normal(shape)),
 *                  i.e. every weight and bias N(0, 1);
 *   --init glorot  (what Keras's Dense does): W ~ U(−r, r), r = √(6 / (fan_in + fan_out)), b = 0.
 *
 * Why std-1 weights hurt. A pre-activation is z_j = Σ_i x_i·W_ij + b_j; with independent N(0, 1)
 * weights, Var(z_j) = Σ_i x_i² + 1. An MNIST image has Σ x_i² ≈ 80 (pixels in [0, 1], about
 * 19% non-zero), so the first layer's pre-activations have std ≈ 9 (= √784 · the input's RMS
 * 0.32). Every further layer of fan-in 128 multiplies the scale by about √(128 / 2) = 8 (relu
 * keeps half the energy): measured std 9, 68, 550, 4700, 39000 for the 5 hidden layers and
 * 3·10⁵ for the logits (2 hidden layers: 9, 68, logits 680).
 * Then (1) the softmax is saturated: each example's loss is either ≈ 0 or about the logit gap
 * (hundreds to thousands), and its gradient with respect to the logits is a difference of
 * one-hot vectors, carrying no graded signal;
 * (2) Adam moves each weight by at most about lr = 1e-3 per step, so one epoch (468 steps) can
 * change a weight by ~0.5 at most, against its initial size 1: the network stays close to its
 * random start and needs many epochs (the seed saw 70–80% after 5 epochs with 2 layers, 20%
 * with 5); (3) dropout on such activations adds noise of the same enormous size.
 * Glorot's scale (Var(W) = 2 / (fan_in + fan_out)) keeps every layer's pre-activations of
 * order 1 (measured std 0.42, 0.29, 0.20 with 2 hidden layers), and Adam's 1e-3 steps are then
 * a meaningful fraction of each weight. The program prints the measured std of every layer's
 * pre-activations at initialization (on 1000 test images), so the explosion is visible.
 *
 * Run:  npx tsx examples/seeds/seed004-tf.ts [--init normal|glorot] [--hidden 2|5] [--epochs N] [--steps N]
 */
import { pathToFileURL } from 'node:url';
import * as tf from '../../src/index.ts';

export interface Seed004Options {
  init?: 'normal' | 'glorot';
  /** Number of hidden layers (the seed tries 2 and 5; any positive integer works). */
  hidden?: number;
  epochs?: number;
  /** Limit on the steps of each epoch (default: a full epoch, 468 steps). */
  steps?: number;
  /** Evaluate on the first `testLimit` test images only (default: all 10,000). */
  testLimit?: number;
  log?: (line: string) => void;
  seed?: number;
}

export interface Seed004Result {
  losses: number[];
  /** Test accuracy after each epoch. */
  testAccuracy: number[];
  testLoss: number[];
  /** Std of each layer's pre-activations (hidden layers, then the logits) at initialization. */
  initPreactivationStd: number[];
  stepsPerEpoch: number;
  variableNames: string[];
  secondsPerEpoch: number[];
}

const N_NEURONS = 128;
const BATCH = 128;
const DROPOUT_KEEP = 1 - 0.3;

function std(t: tf.Tensor): number {
  const v = t.dataSync();
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i]!;
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i]! - m) ** 2;
  return Math.sqrt(s / v.length);
}

export function main(options: Seed004Options = {}): Seed004Result {
  const init = options.init ?? 'normal';
  if (init !== 'normal' && init !== 'glorot') throw new Error(`--init must be normal or glorot, received ${String(init)}`);
  const numLayers = options.hidden ?? 2;
  const epochs = options.epochs ?? 1;
  const log = options.log ?? ((s: string) => console.log(s));

  tf.setSeed(options.seed ?? 0);
  tf.resetDefaultGraph();
  tf.resetVariableStore();
  const before = new Set(tf.globalVariables());

  // ---- data: Keras's load_data, reshape(-1, 784) (already / 255), to_categorical
  const d = tf.datasets.mnist.loadData();
  const xTrain = tf.reshape(d.train.images, [-1, 784]);
  const yTrain = tf.toCategorical(d.train.labels, 10);
  const nTest = Math.min(options.testLimit ?? 10000, 10000);
  const xTest = tf.slice(tf.reshape(d.test.images, [-1, 784]), [0, 0], [nTest, 784]);
  const yTest = tf.slice(tf.toCategorical(d.test.labels, 10), [0, 0], [nTest, 10]);
  const nBatches = Math.floor(xTrain.shape[0]! / BATCH);
  const stepsPerEpoch = Math.min(options.steps ?? nBatches, nBatches);

  // ---- graph
  const X = tf.placeholder('float32', [null, 784], 'X');
  const Y = tf.placeholder('float32', [null, 10], 'Y');

  const weightInit = (fanIn: number, fanOut: number) =>
    init === 'normal' ? tf.initializers.randomNormal({ mean: 0, stddev: 1 }) : tf.initializers.randomUniform({ minval: -Math.sqrt(6 / (fanIn + fanOut)), maxval: Math.sqrt(6 / (fanIn + fanOut)) });
  const biasInit = () => (init === 'normal' ? tf.initializers.randomNormal({ mean: 0, stddev: 1 }) : tf.initializers.zeros());
  const weights: Record<string, tf.Variable> = {};
  const biases: Record<string, tf.Variable> = {};
  for (let i = 0; i < numLayers; i++) {
    const fanIn = i === 0 ? 28 * 28 : N_NEURONS;
    weights[`W_layer_${i}`] = tf.variable(weightInit(fanIn, N_NEURONS).apply([fanIn, N_NEURONS], 'float32'), true, `W_layer_${i}`);
    biases[`b_layer_${i}`] = tf.variable(biasInit().apply([N_NEURONS], 'float32'), true, `b_layer_${i}`);
  }
  weights['out'] = tf.variable(weightInit(N_NEURONS, 10).apply([N_NEURONS, 10], 'float32'), true, 'W_out');
  biases['out'] = tf.variable(biasInit().apply([10], 'float32'), true, 'b_out');

  /** The seed's `model(X)`; `rate` 0 = evaluation. `pre` collects pre-activations. */
  const model = (input: tf.Tensor, rate: number, pre?: tf.Tensor[]): tf.Tensor => {
    let h = input;
    for (let i = 0; i < numLayers; i++) {
      h = tf.add(tf.matMul(h, weights[`W_layer_${i}`]!), biases[`b_layer_${i}`]!);
      pre?.push(h);
      h = tf.relu(h);
      if (rate > 0) h = tf.nn.dropout(h, { rate });
    }
    const out = tf.add(tf.matMul(h, weights['out']!), biases['out']!);
    pre?.push(out);
    return out;
  };

  const logits = model(X, 1 - DROPOUT_KEEP);
  const lossOp = tf.mean(tf.nn.softmaxCrossEntropyWithLogits({ logits, labels: Y }));
  const trainOp = tf.train.adam(1e-3, 0.9, 0.999, 1e-8).minimize(lossOp as tf.SymbolicTensor);
  const pre: tf.Tensor[] = [];
  const evalLogits = model(X, 0, pre);
  const evalLoss = tf.mean(tf.nn.softmaxCrossEntropyWithLogits({ logits: evalLogits, labels: Y }));
  const correctPred = tf.equal(tf.argMax(tf.softmax(evalLogits), 1), tf.argMax(Y, 1));
  const accuracy = tf.mean(tf.cast(correctPred, 'float32'));

  const sess = new tf.Session();
  sess.run(tf.globalVariablesInitializer());

  const scaleImages = Math.min(1000, nTest);
  const preVals = sess.run(pre, { X: tf.slice(xTest, [0, 0], [scaleImages, 784]) }) as tf.Tensor[];
  const initPreactivationStd = preVals.map(std);
  log(`init ${init}, ${numLayers} hidden layers: pre-activation std at initialization ${initPreactivationStd.map((s, i) => `${i < numLayers ? `layer ${i}` : 'logits'} ${s.toPrecision(3)}`).join(', ')}`);

  const evaluate = (): [number, number] => {
    let nCorrect = 0;
    let lossSum = 0;
    for (let start = 0; start < nTest; start += 1000) {
      const n = Math.min(1000, nTest - start);
      const feed = { X: tf.slice(xTest, [start, 0], [n, 784]), Y: tf.slice(yTest, [start, 0], [n, 10]) };
      const [acc, l] = sess.run([accuracy, evalLoss], feed) as [tf.Tensor, tf.Tensor];
      nCorrect += Math.round(acc.dataSync()[0]! * n);
      lossSum += l.dataSync()[0]! * n;
    }
    return [nCorrect / nTest, lossSum / nTest];
  };

  const losses: number[] = [];
  const testAccuracy: number[] = [];
  const testLoss: number[] = [];
  const secondsPerEpoch: number[] = [];
  for (let i = 0; i < epochs; i++) {
    const t0 = performance.now();
    for (let j = 0; j < stepsPerEpoch; j++) {
      const batchX = tf.slice(xTrain, [j * BATCH, 0], [BATCH, 784]);
      const batchY = tf.slice(yTrain, [j * BATCH, 0], [BATCH, 10]);
      const [, l] = sess.run([trainOp, lossOp], { X: batchX, Y: batchY }) as [tf.Tensor, tf.Tensor];
      losses.push(l.dataSync()[0]!);
    }
    const s = (performance.now() - t0) / 1000;
    secondsPerEpoch.push(s);
    const [acc, tl] = evaluate();
    testAccuracy.push(acc);
    testLoss.push(tl);
    log(`Epoch ${i}, Test Loss = ${tl.toFixed(4)}, Testing Accuracy = ${acc.toFixed(3)}  (${stepsPerEpoch} steps, ${s.toFixed(1)} s, ${((s / stepsPerEpoch) * 1000).toFixed(0)} ms/step, last training loss ${losses[losses.length - 1]!.toFixed(4)})`);
  }
  sess.close();

  const result: Seed004Result = {
    losses,
    testAccuracy,
    testLoss,
    initPreactivationStd,
    stepsPerEpoch,
    variableNames: tf.globalVariables().filter((v) => !before.has(v)).map((v) => v.name),
    secondsPerEpoch,
  };
  tf.enableEagerExecution();
  return result;
}

function parseArgs(argv: string[]): Seed004Options {
  const o: Seed004Options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} expects a positive integer, received ${argv[i]}`);
      return v;
    };
    if (a === '--epochs') o.epochs = num();
    else if (a === '--steps') o.steps = num();
    else if (a === '--hidden') o.hidden = num();
    else if (a === '--test-limit') o.testLimit = num();
    else if (a === '--init') {
      const v = argv[++i];
      if (v !== 'normal' && v !== 'glorot') throw new Error(`--init expects normal or glorot, received ${v}`);
      o.init = v;
    } else throw new Error(`unknown argument ${a} (expected --init normal|glorot, --hidden N, --epochs N, --steps N, --test-limit N)`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(parseArgs(process.argv.slice(2)));
}
