/**
 * Seed 000 ("Same (?) neural network architecture in Tensorflow and Keras produces different
 * accuracy on the same data"), both programs of the thread written with idem's two APIs, run
 * side by side on the same batches:
 *
 * - `tfProgram` — the thread's `tensorflow_train()`: TF1 graph mode. Placeholders, one
 *   `variableScope` per layer with `getVariable('weights', randomUniform(±√(6/(fan_in+fan_out))))`
 *   and an N(0, 1) `bias` (the thread's own initializers), `tf.nn.dropout` after each hidden layer,
 *   mean `softmaxCrossEntropyWithLogits`, TF1 `AdamOptimizer(1e-3)` (ε 1e-8) `minimize`d on the
 *   symbolic loss, `Session.run` on batches of 100 from `readDataSets(...).train.nextBatch`.
 *   The thread's dropout is `tf.nn.dropout(x, keep_prob=0.7)`; idem's takes a rate only, so the
 *   program passes `rate = 1 − keepProb` = 0.3. Test accuracy comes from a second forward pass
 *   built in `variableScope(layer, {reuse: true})` without dropout (the thread feeds keep_prob 1).
 * - `kerasProgram` — the thread's `keras_train()`: `tf.sequential` of Dense layers with the SAME
 *   initializers, `Dropout(rate)`, `compile` with the thread's loss function (mean softmax
 *   cross-entropy on logits) and the same TF1 Adam, `fitDataset` over a generator of
 *   `nextBatch(100)` (the thread's `fit_generator`), `evaluate` on the test set.
 *
 * The thread's mistake: it passed `dropout_prob = 0.7` to both — a keep probability to TF1's
 * dropout, a drop rate to Keras's — so its Keras model dropped 70% of the units. With that
 * mistake (`Dropout(0.7)`) the two programs differ as the thread reports; with `Dropout(0.3)`
 * they are the same model, and idem trains them to the same bits.
 *
 * What makes them bit-identical here (and what a user must match):
 * - `tf.setSeed(seed)` before each program: the unseeded initializers draw the global sequence
 *   in creation order, which is the same (weights, bias, layer by layer) in both programs.
 * - The same batch order: `readDataSets({seed})`'s `nextBatch` shuffles from its own seed.
 * - The dropout masks: a Keras `Dropout({seed: s})` layer owns a `tf.SeedGenerator(s)`; the TF1
 *   program passes the same generator to `tf.nn.dropout({seed})` (an integer op seed names a
 *   different sequence, so the low-level form uses the generator object).
 * - Everything else is the same ops in the same order: `matMul`, `add`, `relu`, `dropout`, the
 *   loss, and one optimizer step per batch (`fit` runs the step a hand loop runs; a `Session.run`
 *   replays the recorded ops eagerly).
 *
 * At the end the program asks `tf.compare` about the thread's pair (the TF1 network as a hand
 * model vs the Keras model with `Dropout(0.7)`) and prints its first divergence (`--no-explain`: skip).
 *
 * Run:  npx tsx examples/seeds/seed000.ts [--epochs N] [--steps N] [--test-limit N] [--verbose 0|1|2] [--no-explain]
 * (default: one full epoch of 550 steps for each of the three runs, all 10,000 test images)
 */
import { pathToFileURL } from 'node:url';
import * as tf from '../../src/index.ts';

export const N_NEURONS = 256;
export const BATCH = 100;
export const KEEP_PROB = 0.7;
/** One Keras Dropout seed per hidden layer; the TF1 program uses `tf.SeedGenerator`s of the same seeds. */
export const DROPOUT_SEEDS = [1, 2, 3, 4];
const LAYERS = ['VisibleLayer', 'HiddenLayer1', 'HiddenLayer2', 'HiddenLayer3', 'OutputLayer'];

export interface ProgramOptions {
  epochs?: number;
  /** Steps per epoch (default: a full epoch, ⌊55000 / 100⌋ = 550). */
  steps?: number;
  /** Evaluate on the first `testLimit` test images (default: all 10,000). */
  testLimit?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface ProgramResult {
  /** The running mean of the training loss after every step (what Keras's progress bar shows). */
  runningMeans: number[];
  /** Mean training loss of each epoch. */
  epochLoss: number[];
  /** The trained weights and biases, layer by layer. */
  weights: Float32Array[];
  weightNames: string[];
  testCorrect: number;
  testCount: number;
  testAccuracy: number;
  testLoss: number;
  /** Dropout rate of each hidden layer (fraction dropped). */
  dropoutRates: number[];
  seconds: number;
}

export interface TfResult extends ProgramResult {
  /** The training loss (with dropout) of every step. */
  losses: number[];
  /** Names of the variables the program created (model, then Adam's slots). */
  variableNames: string[];
}

const print = (line: string) => console.log(line);

/** The fraction-of-units arithmetic Keras's progress bar uses: total += loss·n, mean = total / count. */
class RunningMean {
  total = 0;
  count = 0;
  add(v: number, n: number): number {
    this.total += v * n;
    this.count += n;
    return this.total / this.count;
  }
}

/** The thread's initializers, shared by both programs. */
const weightInit = (fanIn: number, fanOut: number) => {
  const r = Math.sqrt(6 / (fanIn + fanOut));
  return tf.initializers.randomUniform({ minval: -r, maxval: r });
};
const biasInit = () => tf.initializers.randomNormal({ mean: 0, stddev: 1 });

/** The thread's `tensorflow_train()` in TF1 graph mode; `keepProb` is the thread's 0.7. */
export function tfProgram(options: ProgramOptions & { keepProb?: number } = {}): TfResult {
  const log = options.log ?? print;
  const epochs = options.epochs ?? 1;
  const keepProb = options.keepProb ?? KEEP_PROB;
  const rate = 1 - keepProb; // idem's dropout takes the fraction DROPPED
  tf.setSeed(options.seed ?? 0);
  tf.resetDefaultGraph();
  tf.resetVariableStore();
  const before = new Set(tf.globalVariables());
  const mnist = tf.datasets.mnist.readDataSets({ oneHot: true, seed: options.seed ?? 0 });
  const nBatches = Math.floor(mnist.train.numExamples / BATCH);
  const steps = Math.min(options.steps ?? nBatches, nBatches);

  const x = tf.placeholder('float32', [null, 784], 'input');
  const y = tf.placeholder('float32', [null, 10], 'output');
  const gens = DROPOUT_SEEDS.map((s) => new tf.SeedGenerator(s));
  const shapes: [number, number][] = [[784, N_NEURONS], [N_NEURONS, N_NEURONS], [N_NEURONS, N_NEURONS], [N_NEURONS, N_NEURONS], [N_NEURONS, 10]];
  const makeLayer = (a: tf.Tensor, [fanIn, fanOut]: [number, number], act: boolean): tf.Tensor => {
    const w = tf.getVariable('weights', { shape: [fanIn, fanOut], initializer: weightInit(fanIn, fanOut) });
    const b = tf.getVariable('bias', { shape: [fanOut], initializer: biasInit() });
    const z = tf.add(tf.matMul(a, w), b);
    return act ? tf.relu(z) : z;
  };
  /** `training`: with dropout; `reuse`: share the first call's variables. */
  const network = (input: tf.Tensor, training: boolean, reuse: boolean): tf.Tensor => {
    let h = input;
    LAYERS.forEach((name, i) => {
      const last = i === LAYERS.length - 1;
      h = tf.variableScope(name, { reuse }, () => makeLayer(h, shapes[i]!, !last));
      if (!last && training) h = tf.nn.dropout(h, { rate, seed: gens[i] });
    });
    return h;
  };
  const lossOf = (logits: tf.Tensor) => tf.mean(tf.nn.softmaxCrossEntropyWithLogits({ labels: y, logits }));
  const logits = network(x, true, false);
  const loss = tf.variableScope('Loss', () => lossOf(logits));
  const trainOp = tf.variableScope('Optimizer', () => tf.train.adam(1e-3, 0.9, 0.999, 1e-8).minimize(loss as tf.SymbolicTensor));
  const evalLogits = network(x, false, true);
  const evalLoss = lossOf(evalLogits);
  const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(evalLogits, 1), tf.argMax(y, 1)), 'float32'));
  const modelVars = tf.trainableVariables().filter((v) => !before.has(v));

  const sess = new tf.Session();
  sess.run(tf.globalVariablesInitializer());
  const losses: number[] = [];
  const runningMeans: number[] = [];
  const epochLoss: number[] = [];
  const t0 = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    const rm = new RunningMean();
    for (let i = 0; i < steps; i++) {
      const [bx, by] = mnist.train.nextBatch(BATCH);
      const [, l] = sess.run([trainOp, loss], { input: bx, output: by }) as [tf.Tensor, tf.Tensor];
      const v = l.dataSync()[0]!;
      losses.push(v);
      runningMeans.push(rm.add(v, BATCH));
    }
    epochLoss.push(rm.total / rm.count);
    log(`  TF1  E${epoch + 1}: [Loss: ${(rm.total / rm.count).toFixed(5)}] (${steps} steps, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const seconds = (performance.now() - t0) / 1000;

  const nTest = Math.min(options.testLimit ?? mnist.test.numExamples, mnist.test.numExamples);
  let testCorrect = 0;
  const tl = new RunningMean();
  for (let start = 0; start < nTest; start += 1000) {
    const n = Math.min(1000, nTest - start);
    const [tx, ty] = mnist.test.nextBatch(n, false);
    const [a, l] = sess.run([accuracy, evalLoss], { input: tx, output: ty }) as [tf.Tensor, tf.Tensor];
    testCorrect += Math.round(a.dataSync()[0]! * n);
    tl.add(l.dataSync()[0]!, n);
  }
  sess.close();
  const result: TfResult = {
    losses,
    runningMeans,
    epochLoss,
    weights: modelVars.map((v) => v.read().dataSync() as Float32Array),
    weightNames: modelVars.map((v) => v.name),
    testCorrect,
    testCount: nTest,
    testAccuracy: testCorrect / nTest,
    // as a float32 scalar, the form Keras's `evaluate` returns it in
    testLoss: Math.fround(tl.total / tl.count),
    dropoutRates: DROPOUT_SEEDS.map(() => rate),
    seconds,
    variableNames: tf.globalVariables().filter((v) => !before.has(v)).map((v) => v.name),
  };
  tf.enableEagerExecution();
  return result;
}

export interface KerasResult extends ProgramResult {
  model: tf.Sequential;
  history: Record<string, number[]>;
}

/** The thread's Keras model; `rate` is what goes into `Dropout(rate)` (the thread passed 0.7). */
export function buildKerasModel(rate: number): tf.Sequential {
  const dense = (name: string, fanIn: number, units: number, activation: 'relu' | 'linear') =>
    tf.layers.dense({ name, units, activation, kernelInitializer: weightInit(fanIn, units), biasInitializer: biasInit(), ...(name === 'VisibleLayer' ? { inputShape: [784] } : {}) });
  const layers: tf.Layer[] = [];
  LAYERS.forEach((name, i) => {
    const last = i === LAYERS.length - 1;
    layers.push(dense(name, i === 0 ? 784 : N_NEURONS, last ? 10 : N_NEURONS, last ? 'linear' : 'relu'));
    if (!last) layers.push(tf.layers.dropout({ rate, seed: DROPOUT_SEEDS[i] }));
  });
  const model = tf.sequential({ layers, name: 'seed000_keras' });
  model.compile({
    // The thread's own loss and optimizer, handed to Keras.
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(tf.nn.softmaxCrossEntropyWithLogits({ labels: yTrue, logits: yPred })),
    optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-8),
    metrics: ['accuracy'],
  });
  return model;
}

/** The thread's `keras_train()`: `fit_generator` over `nextBatch`, then `evaluate`. */
export async function kerasProgram(options: ProgramOptions & { rate?: number; verbose?: 0 | 1 | 2 } = {}): Promise<KerasResult> {
  const log = options.log ?? print;
  const epochs = options.epochs ?? 1;
  const rate = options.rate ?? KEEP_PROB;
  tf.setSeed(options.seed ?? 0);
  const mnist = tf.datasets.mnist.readDataSets({ oneHot: true, seed: options.seed ?? 0 });
  const nBatches = Math.floor(mnist.train.numExamples / BATCH);
  const steps = Math.min(options.steps ?? nBatches, nBatches);
  const model = buildKerasModel(rate);

  const batches = tf.data.generator(function* () {
    for (;;) {
      const [xs, ys] = mnist.train.nextBatch(BATCH);
      yield { xs, ys };
    }
  });
  const runningMeans: number[] = [];
  const epochLoss: number[] = [];
  const t0 = performance.now();
  const history = await model.fitDataset(batches, {
    epochs,
    batchesPerEpoch: steps,
    verbose: options.verbose ?? 0,
    callbacks: {
      onBatchEnd: (_b, logs) => {
        runningMeans.push(logs!['loss']!);
      },
      onEpochEnd: (e, logs) => {
        epochLoss.push(logs!['loss']!);
        log(`  Keras E${e + 1}: [loss: ${logs!['loss']!.toFixed(5)}, accuracy: ${logs!['accuracy']!.toFixed(5)}] (${steps} steps, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      },
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const nTest = Math.min(options.testLimit ?? mnist.test.numExamples, mnist.test.numExamples);
  const xTest = tf.slice(mnist.test.images, [0, 0], [nTest, 784]);
  const yTest = tf.slice(mnist.test.labels, [0, 0], [nTest, 10]);
  const [tl, ta] = model.evaluate(xTest, yTest, { batchSize: 1000 }) as tf.Tensor[];
  const testAccuracy = ta!.dataSync()[0]!;
  const vars = model.trainableWeights;
  return {
    model,
    history: history.history,
    runningMeans,
    epochLoss,
    weights: vars.map((v) => v.read().dataSync() as Float32Array),
    weightNames: vars.map((v) => v.name),
    testCorrect: Math.round(testAccuracy * nTest),
    testCount: nTest,
    testAccuracy,
    testLoss: tl!.dataSync()[0]!,
    dropoutRates: model.layers.filter((l) => l.className === 'Dropout').map((l) => (l.getConfig() as { rate: number }).rate),
    seconds,
  };
}

/** Whether two float arrays are equal bit for bit (NaN payloads and ±0 included). */
export function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

export interface Comparison {
  runningMeansIdentical: boolean;
  /** First step whose running-mean loss differs (-1: none). */
  firstDifferentStep: number;
  weightsIdentical: boolean;
  /** Largest |a − b| over all trained parameters. */
  maxWeightDiff: number;
  testAccuracyEqual: boolean;
  testLossIdentical: boolean;
}

export function compareRuns(a: ProgramResult, b: ProgramResult): Comparison {
  let first = -1;
  const n = Math.max(a.runningMeans.length, b.runningMeans.length);
  for (let i = 0; i < n && first < 0; i++) if (!Object.is(a.runningMeans[i], b.runningMeans[i])) first = i;
  let maxDiff = 0;
  a.weights.forEach((w, i) => {
    const v = b.weights[i];
    for (let k = 0; v && k < w.length; k++) maxDiff = Math.max(maxDiff, Math.abs(w[k]! - v[k]!));
  });
  return {
    runningMeansIdentical: first < 0,
    firstDifferentStep: first,
    weightsIdentical: a.weights.length === b.weights.length && a.weights.every((w, i) => sameBits(w, b.weights[i]!)),
    maxWeightDiff: maxDiff,
    testAccuracyEqual: a.testCorrect === b.testCorrect && a.testCount === b.testCount,
    testLossIdentical: Object.is(a.testLoss, b.testLoss),
  };
}

/**
 * The TF1 program's network as a hand-written model for `tf.compare` (eager ops on its own
 * variables, the same initializers, dropout `rate = 1 − keepProb` with the same seed generators).
 */
export function handModel(keepProb = KEEP_PROB): tf.HandModel {
  tf.setSeed(0);
  const shapes: [number, number][] = [[784, N_NEURONS], [N_NEURONS, N_NEURONS], [N_NEURONS, N_NEURONS], [N_NEURONS, N_NEURONS], [N_NEURONS, 10]];
  const variables: Record<string, tf.Variable> = {};
  const ws: tf.Variable[] = [];
  const bs: tf.Variable[] = [];
  shapes.forEach(([i, o], k) => {
    ws.push(tf.variable(weightInit(i, o).apply([i, o], 'float32'), true, `hand/${LAYERS[k]}/weights`));
    bs.push(tf.variable(biasInit().apply([o], 'float32'), true, `hand/${LAYERS[k]}/bias`));
    variables[`${LAYERS[k]}/weights`] = ws[k]!;
    variables[`${LAYERS[k]}/bias`] = bs[k]!;
  });
  const gens = DROPOUT_SEEDS.map((s) => new tf.SeedGenerator(s));
  return {
    name: 'tf1_program',
    variables,
    fn: (x: tf.Tensor, training: boolean) => {
      let h = x;
      for (let k = 0; k < LAYERS.length; k++) {
        h = tf.add(tf.matMul(h, ws[k]!), bs[k]!);
        if (k < LAYERS.length - 1) {
          h = tf.relu(h);
          if (training) h = tf.nn.dropout(h, { rate: 1 - keepProb, seed: gens[k] });
        }
      }
      return h;
    },
    optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-8),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(tf.nn.softmaxCrossEntropyWithLogits({ labels: yTrue, logits: yPred })),
  };
}

export interface Seed000Result {
  tf: TfResult;
  kerasMistake: KerasResult;
  kerasFixed: KerasResult;
  mistake: Comparison;
  fixed: Comparison;
}

export async function main(options: ProgramOptions & { verbose?: 0 | 1 | 2; explain?: boolean } = {}): Promise<Seed000Result> {
  const log = options.log ?? print;
  const pct = (r: ProgramResult) => `${(r.testAccuracy * 100).toFixed(2)}% (${r.testCorrect}/${r.testCount})`;
  // What tf.compare says about the thread's pair, the TF1 network vs Keras with Dropout(0.7)
  // (asked first: compare runs eagerly, before this process enters graph mode; printed at the end).
  let report: tf.CompareReport | null = null;
  if (options.explain) {
    const mnist = tf.datasets.mnist.readDataSets({ oneHot: true, seed: 0 });
    const [bx, by] = mnist.train.nextBatch(BATCH);
    report = tf.compare(handModel(), buildKerasModel(KEEP_PROB), [bx, by]);
  }
  log(`seed 000: the same MLP in TF1 graph style and in Keras, backend '${tf.getBackend()}'`);
  log(`TF1 program: tf.nn.dropout with keep_prob ${KEEP_PROB} → rate = 1 − keep_prob = ${+(1 - KEEP_PROB).toFixed(6)}`);
  const tfr = tfProgram(options);
  log(`Keras program with the thread's mistake: Dropout(${KEEP_PROB}) — 0.7 read as the fraction DROPPED`);
  const bad = await kerasProgram({ ...options, rate: KEEP_PROB });
  log('Keras program fixed: Dropout(0.3)');
  const good = await kerasProgram({ ...options, rate: 0.3 });
  const mistake = compareRuns(tfr, bad);
  const fixed = compareRuns(tfr, good);
  const steps = tfr.runningMeans.length;
  log('');
  log(`after ${steps} steps (${tfr.epochLoss.length} epoch${tfr.epochLoss.length > 1 ? 's' : ''}):`);
  log(`  TF1 (rate 0.3):            test accuracy ${pct(tfr)}, test loss ${tfr.testLoss.toFixed(6)}, mean training loss ${tfr.epochLoss.at(-1)!.toFixed(6)}, ${tfr.seconds.toFixed(1)} s`);
  log(`  Keras Dropout(0.7) (bug):  test accuracy ${pct(bad)}, test loss ${bad.testLoss.toFixed(6)}, mean training loss ${bad.epochLoss.at(-1)!.toFixed(6)}, ${bad.seconds.toFixed(1)} s`);
  log(`  Keras Dropout(0.3) (fix):  test accuracy ${pct(good)}, test loss ${good.testLoss.toFixed(6)}, mean training loss ${good.epochLoss.at(-1)!.toFixed(6)}, ${good.seconds.toFixed(1)} s`);
  log(`  with the mistake: losses differ from step ${mistake.firstDifferentStep + 1}; largest weight difference ${mistake.maxWeightDiff.toExponential(3)}`);
  log(`  fixed: running-mean losses bit-identical at all ${steps} steps: ${fixed.runningMeansIdentical ? 'yes' : `NO (first at step ${fixed.firstDifferentStep + 1})`}; ` +
    `all ${good.weights.reduce((s, w) => s + w.length, 0).toLocaleString('en-US')} weights bit-identical: ${fixed.weightsIdentical ? 'yes' : `NO (max diff ${fixed.maxWeightDiff})`}; ` +
    `test accuracies equal: ${fixed.testAccuracyEqual ? 'yes' : 'NO'}; test losses bit-identical: ${fixed.testLossIdentical ? 'yes' : 'NO'}`);
  if (report) {
    const d = report.firstDivergence;
    log('');
    log(`tf.compare(TF1 network, Keras model with Dropout(0.7)): first divergence ${d ? `in ${d.section}, at ${d.where}:` : ': none'}`);
    if (d) log(`  ${d.cause}\n  fix: ${d.fix}`);
    log('  (the full report: tf.formatCompareReport(report), or `idem compare`)');
  }
  return { tf: tfr, kerasMistake: bad, kerasFixed: good, mistake, fixed };
}

function parseArgs(argv: string[]): ProgramOptions & { verbose?: 0 | 1 | 2; explain?: boolean } {
  const o: ProgramOptions & { verbose?: 0 | 1 | 2; explain?: boolean } = { explain: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (min = 1): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min) throw new Error(`${a} expects an integer ≥ ${min}, received ${argv[i]}`);
      return v;
    };
    if (a === '--epochs') o.epochs = int();
    else if (a === '--steps') o.steps = int();
    else if (a === '--test-limit') o.testLimit = int();
    else if (a === '--verbose') o.verbose = Math.min(int(0), 2) as 0 | 1 | 2;
    else if (a === '--no-explain') o.explain = false;
    else throw new Error(`unknown argument ${a} (expected --epochs N, --steps N, --test-limit N, --verbose 0|1|2, --no-explain)`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await main(parseArgs(process.argv.slice(2)));
  process.exitCode = r.fixed.runningMeansIdentical && r.fixed.weightsIdentical && r.fixed.testAccuracyEqual ? 0 : 1;
}
