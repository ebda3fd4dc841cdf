/**
 * Seed 000's TensorFlow 1 program ("Same (?) neural network architecture in Tensorflow and Keras
 * produces different accuracy on the same data"), written with idem's TF1-style API.
 *
 * The network (PRODUCT.md W1): 784 → 4 × [Dense 256 relu → Dropout] → Dense 10 logits,
 *   loss = mean(softmax_cross_entropy_with_logits(labels = y, logits)),
 *   TF1 `AdamOptimizer(1e-3)` (β1 0.9, β2 0.999, ε 1e-8; ε is added to √v of the uncorrected
 *   second moment, as idem's Adam does), batch 100 from `mnist.train.next_batch`.
 * The seed's own initializers, per layer, inside `tf.variable_scope(layer)`:
 *   weights = get_variable('weights', initializer = random_uniform(−r, r)), r = √(6 / (fan_in + fan_out))
 *            (that is Glorot uniform, written out by hand in the thread)
 *   bias    = Variable(random_normal(shape))  → N(0, 1) biases (TF1's random_normal has stddev 1).
 * One epoch = ⌊55000 / 100⌋ = 550 steps: TF1's `read_data_sets` keeps the first 5000 training
 * images as the validation set.
 *
 * The thread's bug: TF1's `tf.nn.dropout(x, keep_prob)` takes the probability of KEEPING a unit,
 * Keras's `Dropout(rate)` the probability of DROPPING one. The author passed 0.7 to both, so the
 * Keras model dropped 70% of its units where the TF model dropped 30%, and lost ~2% accuracy.
 * idem's `tf.nn.dropout(x, {rate})` only takes a rate (passing `keepProb` is an error), so this
 * program converts: rate = 1 − keepProb = 0.3. `--keep-prob-bug` reproduces the mistake
 * (rate 0.7, i.e. 0.7 used as a rate where a keep probability was meant).
 *
 * Evaluation without dropout: the seed feeds keep_prob = 1 through a placeholder_with_default.
 * idem's dropout rate is a JS number, not a tensor, so instead the evaluation logits come from a
 * second forward pass built without dropout inside `variableScope(name, {reuse: true})`: it
 * shares the training variables (and shows `reuse`).
 *
 * Run:  npx tsx examples/seeds/seed000-tf.ts [--epochs N] [--steps N] [--keep-prob-bug]
 */
import { pathToFileURL } from 'node:url';
import * as tf from '../../src/index.ts';

export interface Seed000Options {
  epochs?: number;
  /** Limit on the steps of each epoch (default: a full epoch, 550 steps). */
  steps?: number;
  /** Use the thread's mistake: dropout rate 0.7 where keep probability 0.7 was meant. */
  keepProbBug?: boolean;
  /** Evaluate on the first `testLimit` test images only (default: all 10,000). */
  testLimit?: number;
  /** Progress output (default: process.stdout). Pass `() => {}` to silence. */
  log?: (line: string, overwrite?: boolean) => void;
  seed?: number;
}

export interface Seed000Result {
  /** Training loss (with dropout) of every step. */
  losses: number[];
  testAccuracy: number;
  testLoss: number;
  dropoutRate: number;
  stepsPerEpoch: number;
  /** Names of the variables this run created (model and optimizer slots), in creation order. */
  variableNames: string[];
  trainableNames: string[];
  secondsPerEpoch: number[];
  evalSeconds: number;
}

const N_NEURONS = 256;
const BATCH = 100;
const KEEP_PROB = 0.7;

function defaultLog(line: string, overwrite = false): void {
  if (overwrite) process.stdout.write(`\r${line}`);
  else process.stdout.write(`${line}\n`);
}

export function main(options: Seed000Options = {}): Seed000Result {
  const epochs = options.epochs ?? 1;
  const log = options.log ?? defaultLog;
  const tty = options.log === undefined && process.stdout.isTTY === true;
  // The seed's mistake or the fix: idem takes a rate, the fraction DROPPED.
  const dropoutRate = options.keepProbBug ? KEEP_PROB : 1 - KEEP_PROB;

  tf.setSeed(options.seed ?? 0);
  tf.resetDefaultGraph();
  tf.resetVariableStore();
  const before = new Set(tf.globalVariables());

  const mnist = tf.datasets.mnist.readDataSets({ oneHot: true, seed: options.seed ?? 0 });
  const nTrain = mnist.train.numExamples;
  const nBatches = Math.floor(nTrain / BATCH);
  const stepsPerEpoch = Math.min(options.steps ?? nBatches, nBatches);

  // ---- graph
  const x = tf.placeholder('float32', [null, 784], 'x');
  const y = tf.placeholder('float32', [null, 10], 'y');

  const makeLayer = (a: tf.Tensor, weightShape: [number, number], act: boolean): tf.Tensor => {
    const [fanIn, fanOut] = weightShape;
    const r = Math.sqrt(6 / (fanIn + fanOut));
    const w = tf.getVariable('weights', { shape: weightShape, initializer: tf.initializers.randomUniform({ minval: -r, maxval: r }) });
    const b = tf.getVariable('bias', { shape: [fanOut], initializer: tf.initializers.randomNormal({ mean: 0, stddev: 1 }) });
    const z = tf.add(tf.matMul(a, w), b);
    return act ? tf.relu(z) : z;
  };
  const layers: { name: string; shape: [number, number]; act: boolean }[] = [
    { name: 'VisibleLayer', shape: [784, N_NEURONS], act: true },
    { name: 'HiddenLayer1', shape: [N_NEURONS, N_NEURONS], act: true },
    { name: 'HiddenLayer2', shape: [N_NEURONS, N_NEURONS], act: true },
    { name: 'HiddenLayer3', shape: [N_NEURONS, N_NEURONS], act: true },
    { name: 'OutputLayer', shape: [N_NEURONS, 10], act: false },
  ];
  /** The network; `rate` 0 = no dropout; `reuse` shares the variables of the first call. */
  const network = (input: tf.Tensor, rate: number, reuse: boolean): tf.Tensor => {
    let h = input;
    for (const l of layers) {
      h = tf.variableScope(l.name, { reuse }, () => makeLayer(h, l.shape, l.act));
      if (l.act && rate > 0) h = tf.nn.dropout(h, { rate });
    }
    return h;
  };

  const logits = network(x, dropoutRate, false);
  const loss = tf.variableScope('Loss', () => tf.mean(tf.nn.softmaxCrossEntropyWithLogits({ labels: y, logits })));
  // TF1 AdamOptimizer defaults: epsilon 1e-8 (Keras's is 1e-7).
  const trainOp = tf.variableScope('Optimizer', () => tf.train.adam(1e-3, 0.9, 0.999, 1e-8).minimize(loss as tf.SymbolicTensor));
  const evalLogits = network(x, 0, true);
  const evalLoss = tf.mean(tf.nn.softmaxCrossEntropyWithLogits({ labels: y, logits: evalLogits }));
  const correct = tf.equal(tf.argMax(evalLogits, 1), tf.argMax(y, 1));
  const accuracy = tf.mean(tf.cast(correct, 'float32'));

  // ---- training
  const sess = new tf.Session();
  sess.run(tf.globalVariablesInitializer());
  const losses: number[] = [];
  const secondsPerEpoch: number[] = [];
  const every = tty ? 50 : 100;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t0 = performance.now();
    let sum = 0;
    for (let i = 0; i < stepsPerEpoch; i++) {
      const [bx, by] = mnist.train.nextBatch(BATCH);
      const [, l] = sess.run([trainOp, loss], { x: bx, y: by }) as [tf.Tensor, tf.Tensor];
      const v = l.dataSync()[0]!;
      losses.push(v);
      sum += v;
      if ((i + 1) % every === 0 || i + 1 === stepsPerEpoch) {
        log(`epoch ${epoch + 1}/${epochs} step ${i + 1}/${stepsPerEpoch} loss ${v.toFixed(4)} (mean ${(sum / (i + 1)).toFixed(4)})`, tty);
      }
    }
    const s = (performance.now() - t0) / 1000;
    secondsPerEpoch.push(s);
    if (tty) log('', false);
    log(`E${epoch + 1}: mean training loss ${(sum / stepsPerEpoch).toFixed(5)}, ${s.toFixed(1)} s (${((s / stepsPerEpoch) * 1000).toFixed(0)} ms/step)`);
  }

  // ---- test accuracy, in chunks of 1000, no dropout
  const t1 = performance.now();
  const nTest = Math.min(options.testLimit ?? mnist.test.numExamples, mnist.test.numExamples);
  let nCorrect = 0;
  let lossSum = 0;
  for (let start = 0; start < nTest; start += 1000) {
    const n = Math.min(1000, nTest - start);
    const [tx, ty] = mnist.test.nextBatch(n, false);
    const [acc, tl] = sess.run([accuracy, evalLoss], { x: tx, y: ty }) as [tf.Tensor, tf.Tensor];
    nCorrect += Math.round(acc.dataSync()[0]! * n);
    lossSum += tl.dataSync()[0]! * n;
  }
  const evalSeconds = (performance.now() - t1) / 1000;
  const testAccuracy = nCorrect / nTest;
  const testLoss = lossSum / nTest;
  log(`Testing Accuracy: [loss ${testLoss.toFixed(6)}, accuracy ${testAccuracy.toFixed(4)}] on ${nTest} test images (dropout rate ${+dropoutRate.toFixed(6)}${options.keepProbBug ? ', the keep-prob bug' : ''}; eval ${evalSeconds.toFixed(1)} s)`);
  sess.close();

  const created = tf.globalVariables().filter((v) => !before.has(v));
  const result: Seed000Result = {
    losses,
    testAccuracy,
    testLoss,
    dropoutRate,
    stepsPerEpoch,
    variableNames: created.map((v) => v.name),
    trainableNames: created.filter((v) => v.trainable).map((v) => v.name),
    secondsPerEpoch,
    evalSeconds,
  };
  tf.enableEagerExecution();
  return result;
}

function parseArgs(argv: string[]): Seed000Options {
  const o: Seed000Options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} expects a positive integer, received ${argv[i]}`);
      return v;
    };
    if (a === '--epochs') o.epochs = num();
    else if (a === '--steps') o.steps = num();
    else if (a === '--test-limit') o.testLimit = num();
    else if (a === '--keep-prob-bug') o.keepProbBug = true;
    else throw new Error(`unknown argument ${a} (expected --epochs N, --steps N, --test-limit N, --keep-prob-bug)`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(parseArgs(process.argv.slice(2)));
}
