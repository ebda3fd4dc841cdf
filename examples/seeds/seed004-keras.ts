/**
 * Seed 004's Keras program ("MNIST with Tensorflow and Keras, same architecture but less
 * accurate in Tensorflow"), written with idem's Keras API. The TF1 side is
 * examples/seeds/seed004-tf.ts.
 *
 * The model (PRODUCT.md W2 with H = 2): 784 → H × [Dense 128 relu → Dropout(0.3)] → Dense 10
 * softmax, loss 'categoricalCrossentropy' (on probabilities, as the seed), metric accuracy,
 * Keras `Adam(lr = 0.001)` (ε 1e-7), batch 128, `validationData` = the test set (as the seed),
 * `fit`'s default shuffling (seeded global sequence), verbose 1.
 * Data: `tf.datasets.mnist.loadData()`, flattened, pixels / 255, `tf.utils.toCategorical`.
 *
 *   --init glorot (default, what Keras's Dense does): Glorot-uniform kernels, zero biases;
 *   --init normal: the TF program's mistake brought to Keras — every kernel AND bias
 *                  `tf.initializers.randomNormal({stddev: 1})`, i.e. `tf.random_normal(shape)`.
 * The thread saw > 95% with Keras and 70–80% (2 layers) / 20% (5 layers) with its TF code: the
 * gap is the initializer alone (see examples/seeds/seed004-tf.ts for why std-1 weights hurt).
 *
 * Softmax output + probability cross-entropy (the seed's Keras code) clips p to [1e-7, 1 − 1e-7]
 * before the log, as Keras 2 (the thread's) does; an example whose true-class probability is
 * below 1e-7 then contributes NO gradient. With std-1 weights most examples start saturated that
 * way, so this model learns far less than the TF program (whose loss takes the logits).
 * `--from-logits` uses a linear output layer and `categoricalCrossentropy({fromLogits: true})`
 * instead (the TF program's loss), which keeps a gradient on every example.
 *
 * Run:  npx tsx examples/seeds/seed004-keras.ts [--init glorot|normal] [--hidden 2|5] [--from-logits] [--epochs N] [--limit N]
 *                                         [--test-limit N] [--verbose 0|1|2]
 */
import { pathToFileURL } from 'node:url';
import * as tf from '../../src/index.ts';

export interface Seed004KerasOptions {
  init?: 'glorot' | 'normal';
  /** Linear output layer + `categoricalCrossentropy({fromLogits: true})` instead of softmax + probabilities. */
  fromLogits?: boolean;
  /** Number of hidden layers (the seed tries 2 and 5). */
  hidden?: number;
  epochs?: number;
  /** Train on the first `limit` of the 60,000 training images (default: all). */
  limit?: number;
  /** Validate (= test) on the first `testLimit` test images (default: all 10,000). */
  testLimit?: number;
  verbose?: 0 | 1 | 2;
  printSummary?: boolean;
  log?: (line: string) => void;
  seed?: number;
}

export interface Seed004KerasResult {
  model: tf.Sequential;
  summary: ReturnType<tf.Sequential['summary']>;
  /** Per epoch: loss, accuracy (running averages over the epoch), val_loss, val_accuracy (test set). */
  history: Record<string, number[]>;
  stepsPerEpoch: number;
  fitSeconds: number;
}

const N_NEURONS = 128;
const BATCH = 128;
const RATE = 0.3;

export function buildModel(init: 'glorot' | 'normal', hidden: number, fromLogits = false): tf.Sequential {
  const inits = init === 'normal'
    ? { kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1 }), biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1 }) }
    : { kernelInitializer: 'glorotUniform', biasInitializer: 'zeros' };
  const layers: tf.Layer[] = [];
  for (let i = 0; i < hidden; i++) {
    layers.push(tf.layers.dense({ units: N_NEURONS, activation: 'relu', ...inits, ...(i === 0 ? { inputShape: [784] } : {}) }));
    layers.push(tf.layers.dropout({ rate: RATE }));
  }
  layers.push(tf.layers.dense({ units: 10, activation: fromLogits ? 'linear' : 'softmax', ...inits }));
  const model = tf.sequential({ layers, name: `seed004_keras_${init}_${hidden}` });
  const loss = fromLogits ? tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) : 'categoricalCrossentropy';
  model.compile({ optimizer: tf.train.adam(1e-3), loss, metrics: ['accuracy'] });
  return model;
}

export async function main(options: Seed004KerasOptions = {}): Promise<Seed004KerasResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const init = options.init ?? 'glorot';
  if (init !== 'glorot' && init !== 'normal') throw new Error(`--init must be glorot or normal, received ${String(init)}`);
  const hidden = options.hidden ?? 2;
  const epochs = options.epochs ?? 1;
  tf.setSeed(options.seed ?? 0);

  const { train, test } = tf.datasets.mnist.loadData();
  const n = Math.min(options.limit ?? train.images.shape[0]!, train.images.shape[0]!);
  const nTest = Math.min(options.testLimit ?? test.images.shape[0]!, test.images.shape[0]!);
  const xTrain = tf.slice(train.images.reshape([-1, 784]), [0, 0], [n, 784]);
  const yTrain = tf.slice(tf.utils.toCategorical(train.labels, 10), [0, 0], [n, 10]);
  const xTest = tf.slice(test.images.reshape([-1, 784]), [0, 0], [nTest, 784]);
  const yTest = tf.slice(tf.utils.toCategorical(test.labels, 10), [0, 0], [nTest, 10]);

  const model = buildModel(init, hidden, options.fromLogits ?? false);
  const summary = model.summary(80, options.printSummary === false ? null : log);
  const stepsPerEpoch = Math.ceil(n / BATCH);
  log(`init ${init}, ${hidden} hidden layers${options.fromLogits ? ', logits output (fromLogits loss)' : ''}: training on ${n} images (${stepsPerEpoch} steps of ${BATCH}), validation data = ${nTest} test images, backend '${tf.getBackend()}'`);
  const t0 = performance.now();
  const history = await model.fit(xTrain, yTrain, { epochs, batchSize: BATCH, validationData: [xTest, yTest], verbose: options.verbose ?? 1 });
  const fitSeconds = (performance.now() - t0) / 1000;
  const h = history.history;
  log(`test (validation) accuracy after each epoch: ${h['val_accuracy']!.map((v) => `${(100 * v).toFixed(2)}%`).join(', ')}; test loss ${h['val_loss']!.map((v) => v.toPrecision(4)).join(', ')}`);
  log(`fit: ${fitSeconds.toFixed(1)} s (${((fitSeconds / (epochs * stepsPerEpoch)) * 1000).toFixed(0)} ms/step incl. validation)`);
  return { model, summary, history: h, stepsPerEpoch, fitSeconds };
}

function parseArgs(argv: string[]): Seed004KerasOptions {
  const o: Seed004KerasOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (min = 1): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min) throw new Error(`${a} expects an integer ≥ ${min}, received ${argv[i]}`);
      return v;
    };
    if (a === '--epochs') o.epochs = int();
    else if (a === '--hidden') o.hidden = int();
    else if (a === '--limit') o.limit = int();
    else if (a === '--test-limit') o.testLimit = int();
    else if (a === '--verbose') o.verbose = Math.min(int(0), 2) as 0 | 1 | 2;
    else if (a === '--from-logits') o.fromLogits = true;
    else if (a === '--init') {
      const v = argv[++i];
      if (v !== 'glorot' && v !== 'normal') throw new Error(`--init expects glorot or normal, received ${v}`);
      o.init = v;
    } else throw new Error(`unknown argument ${a} (expected --init glorot|normal, --hidden N, --from-logits, --epochs N, --limit N, --test-limit N, --verbose 0|1|2)`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(parseArgs(process.argv.slice(2)));
}
