/**
 * Seed 000's Keras program ("Same (?) neural network architecture in Tensorflow and Keras
 * produces different accuracy on the same data"), written with idem's Keras API. The TF1 side is
 * examples/seeds/seed000-tf.ts.
 *
 * The model, as the thread's `keras_train()` builds it:
 *   784 → 4 × [Dense 256 relu → Dropout(rate)] → Dense 10 (linear logits),
 *   kernels Glorot uniform (the thread writes it out as random_uniform(±√(6/(fan_in+fan_out)))),
 *   biases N(0, 1) (the thread's `tf.Variable(tf.random_normal(shape))`),
 *   loss = mean softmax cross-entropy on the logits (`categoricalCrossentropy({fromLogits: true})`,
 *   the thread's `softmax_cross_entropy_with_logits`), metric accuracy,
 *   TF1 `AdamOptimizer(1e-3)` (ε 1e-8) passed to `compile`, batch 100.
 * Data: `tf.datasets.mnist.loadData()` (pixels/255), flattened to 784, labels one-hot with
 * `tf.utils.toCategorical`. As TF1's `read_data_sets` (what the thread's generator draws from),
 * the FIRST 5000 training images are held out — here as `validationData` — and `fit` trains on
 * the other 55,000 (550 steps per epoch, shuffled every epoch from the seeded global sequence).
 * After training, `model.evaluate` on the 10,000 test images.
 *
 * The thread's bug: it passed `dropout_prob = 0.7` both to TF1's `tf.nn.dropout(x, keep_prob)`
 * (probability of KEEPING a unit) and to Keras's `Dropout(0.7)` (probability of DROPPING one),
 * so its Keras model dropped 70% of the units and lost ~2% accuracy after 30 epochs. This
 * program uses the rate that matches the TF model, 0.3; `--keep-prob-bug` reproduces the
 * mistake (rate 0.7).
 *
 * Run:  npx tsx examples/seeds/seed000-keras.ts [--epochs N] [--rate R] [--keep-prob-bug] [--limit N]
 *                                         [--test-limit N] [--verbose 0|1|2]
 */
import { pathToFileURL } from 'node:url';
import * as tf from '../../src/index.ts';

export interface Seed000KerasOptions {
  /** Epochs (default 1; the thread trained 30). */
  epochs?: number;
  /** Dropout rate (fraction DROPPED; default 0.3 = 1 − the thread's keep probability 0.7). */
  rate?: number;
  /** The thread's mistake: rate 0.7 (overrides `rate`). */
  keepProbBug?: boolean;
  /** Train on the first `limit` of the 55,000 training images (default: all). */
  limit?: number;
  /** Validate on the first `valLimit` of the 5000 held-out images (default: all). */
  valLimit?: number;
  /** Evaluate on the first `testLimit` test images (default: all 10,000). */
  testLimit?: number;
  /** `fit`'s verbose (default 1: Keras's progress bar). */
  verbose?: 0 | 1 | 2;
  /** Print `model.summary()` (default true). */
  printSummary?: boolean;
  log?: (line: string) => void;
  seed?: number;
}

export interface Seed000KerasResult {
  model: tf.Sequential;
  summary: ReturnType<tf.Sequential['summary']>;
  history: Record<string, number[]>;
  testLoss: number;
  testAccuracy: number;
  dropoutRate: number;
  stepsPerEpoch: number;
  /** Seconds spent in `fit` (all epochs, validation included) and in the test `evaluate`. */
  fitSeconds: number;
  evalSeconds: number;
}

const N_NEURONS = 256;
const BATCH = 100;
const N_VALIDATION = 5000;
const KEEP_PROB = 0.7;

/** The thread's Keras model; `rate` is Keras's dropout rate (fraction dropped). */
export function buildModel(rate: number): tf.Sequential {
  const dense = (name: string, units: number, activation: 'relu' | 'linear', first = false) =>
    tf.layers.dense({
      name,
      units,
      activation,
      kernelInitializer: 'glorotUniform',
      biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1 }),
      ...(first ? { inputShape: [784] } : {}),
    });
  const layers: tf.Layer[] = [dense('VisibleLayer', N_NEURONS, 'relu', true), tf.layers.dropout({ rate })];
  for (let i = 1; i <= 3; i++) layers.push(dense(`HiddenLayer${i}`, N_NEURONS, 'relu'), tf.layers.dropout({ rate }));
  layers.push(dense('OutputLayer', 10, 'linear'));
  const model = tf.sequential({ layers, name: 'seed000_keras' });
  model.compile({
    // The thread hands TF1's AdamOptimizer(learning_rate=0.001) to Keras: ε = 1e-8.
    optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-8),
    loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  return model;
}

export async function main(options: Seed000KerasOptions = {}): Promise<Seed000KerasResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const epochs = options.epochs ?? 1;
  const dropoutRate = options.keepProbBug ? KEEP_PROB : (options.rate ?? 0.3);
  tf.setSeed(options.seed ?? 0);

  // ---- data: Keras's load_data, pixels / 255, flattened, one-hot labels
  const { train, test } = tf.datasets.mnist.loadData();
  const xAll = train.images.reshape([-1, 784]);
  const yAll = tf.utils.toCategorical(train.labels, 10);
  const nTrain = Math.min(options.limit ?? Infinity, xAll.shape[0]! - N_VALIDATION);
  const nVal = Math.min(options.valLimit ?? N_VALIDATION, N_VALIDATION);
  const xTrain = tf.slice(xAll, [N_VALIDATION, 0], [nTrain, 784]);
  const yTrain = tf.slice(yAll, [N_VALIDATION, 0], [nTrain, 10]);
  const xVal = tf.slice(xAll, [0, 0], [nVal, 784]);
  const yVal = tf.slice(yAll, [0, 0], [nVal, 10]);
  const nTest = Math.min(options.testLimit ?? test.images.shape[0]!, test.images.shape[0]!);
  const xTest = tf.slice(test.images.reshape([-1, 784]), [0, 0], [nTest, 784]);
  const yTest = tf.slice(tf.utils.toCategorical(test.labels, 10), [0, 0], [nTest, 10]);

  // ---- model
  const model = buildModel(dropoutRate);
  const summary = model.summary(80, options.printSummary === false ? null : log);
  const stepsPerEpoch = Math.ceil(nTrain / BATCH);
  log(`training on ${nTrain} images (${stepsPerEpoch} steps of ${BATCH}), validating on ${nVal}, dropout rate ${dropoutRate}${options.keepProbBug ? ' (the keep-prob bug)' : ''}, backend '${tf.getBackend()}'`);

  // ---- fit
  const t0 = performance.now();
  const history = await model.fit(xTrain, yTrain, { epochs, batchSize: BATCH, validationData: [xVal, yVal], verbose: options.verbose ?? 1 });
  const fitSeconds = (performance.now() - t0) / 1000;

  // ---- evaluate on the test set (no dropout)
  const t1 = performance.now();
  const [tl, ta] = model.evaluate(xTest, yTest, { batchSize: 1000 }) as tf.Tensor[];
  const evalSeconds = (performance.now() - t1) / 1000;
  const testLoss = tl!.dataSync()[0]!;
  const testAccuracy = ta!.dataSync()[0]!;
  log(`fit: ${fitSeconds.toFixed(1)} s (${((fitSeconds / (epochs * stepsPerEpoch)) * 1000).toFixed(0)} ms/step incl. validation)`);
  log(`Testing Accuracy: [loss ${testLoss.toFixed(6)}, accuracy ${testAccuracy.toFixed(4)}] on ${nTest} test images (eval ${evalSeconds.toFixed(1)} s)`);
  return { model, summary, history: history.history, testLoss, testAccuracy, dropoutRate, stepsPerEpoch, fitSeconds, evalSeconds };
}

function parseArgs(argv: string[]): Seed000KerasOptions {
  const o: Seed000KerasOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (min = 1): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min) throw new Error(`${a} expects an integer ≥ ${min}, received ${argv[i]}`);
      return v;
    };
    if (a === '--epochs') o.epochs = int();
    else if (a === '--limit') o.limit = int();
    else if (a === '--val-limit') o.valLimit = int();
    else if (a === '--test-limit') o.testLimit = int();
    else if (a === '--verbose') o.verbose = Math.min(int(0), 2) as 0 | 1 | 2;
    else if (a === '--keep-prob-bug') o.keepProbBug = true;
    else if (a === '--rate') {
      const v = Number(argv[++i]);
      if (!(v >= 0 && v < 1)) throw new Error(`--rate expects a number in [0, 1), received ${argv[i]}`);
      o.rate = v;
    } else throw new Error(`unknown argument ${a} (expected --epochs N, --rate R, --keep-prob-bug, --limit N, --val-limit N, --test-limit N, --verbose 0|1|2)`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(parseArgs(process.argv.slice(2)));
}
