/**
 * Seed 000's Keras MLP (784 → 4 × [Dense 256 relu → Dropout(0.3)] → Dense 10 logits, TF1 Adam
 * 1e-3) trained on a slice of MNIST with Keras's TensorBoard callback, then `tf.compare` of that
 * model against the thread's mistake (Dropout(0.7), a keep probability used as a rate), saved as
 * `<logdir>/compare.json` so `idem report` shows both.
 *
 *   npx tsx examples/tensorboard.ts [--logdir logs/seed000] [--epochs 5] [--limit 2000] [--val-limit 500]
 *   npx tsx src/cli.ts report logs/seed000 --out logs/seed000/report.html --png logs/seed000/png
 *
 * The logdir is what Keras writes: train/ and validation/ event files (epoch_loss,
 * epoch_accuracy, batch_* every 5 batches, weight histograms every epoch, the graph and the
 * model summary); TensorBoard itself reads it too (`tensorboard --logdir logs/seed000`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '../src/index.ts';

/**
 * The thread's Keras model, as `buildModel` in examples/seeds/seed000-keras.ts (Glorot-uniform
 * kernels, N(0, 1) biases, TF1 Adam 1e-3 with ε 1e-8, softmax cross-entropy on logits), named.
 */
function buildModel(rate: number, name: string): tf.Sequential {
  const dense = (n: string, units: number, activation: 'relu' | 'linear', first = false) =>
    tf.layers.dense({ name: n, units, activation, kernelInitializer: 'glorotUniform', biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1 }), ...(first ? { inputShape: [784] } : {}) });
  const layers: tf.Layer[] = [dense('VisibleLayer', 256, 'relu', true), tf.layers.dropout({ rate })];
  for (let i = 1; i <= 3; i++) layers.push(dense(`HiddenLayer${i}`, 256, 'relu'), tf.layers.dropout({ rate }));
  layers.push(dense('OutputLayer', 10, 'linear'));
  const model = tf.sequential({ layers, name });
  model.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-8), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
  return model;
}

export interface TensorBoardExampleOptions {
  logdir?: string;
  epochs?: number;
  /** Training images (the first `limit` after the 5000 held out; default 2000). */
  limit?: number;
  /** Validation images (default 500). */
  valLimit?: number;
  /** Also write compare.json (default true). */
  compare?: boolean;
  verbose?: 0 | 1 | 2;
  log?: (line: string) => void;
}

export async function main(o: TensorBoardExampleOptions = {}): Promise<{ logdir: string; history: Record<string, number[]>; compare: tf.CompareReport | null }> {
  const logdir = o.logdir ?? path.join('logs', 'seed000');
  const log = o.log ?? ((l: string) => console.log(l));
  const epochs = o.epochs ?? 5;
  tf.setSeed(0);
  const { train } = tf.datasets.mnist.loadData();
  const x = train.images.reshape([-1, 784]);
  const y = tf.utils.toCategorical(train.labels, 10);
  const n = Math.min(o.limit ?? 2000, 55000);
  const nVal = Math.min(o.valLimit ?? 500, 5000);
  const xTrain = tf.slice(x, [5000, 0], [n, 784]);
  const yTrain = tf.slice(y, [5000, 0], [n, 10]);
  const xVal = tf.slice(x, [0, 0], [nVal, 784]);
  const yVal = tf.slice(y, [0, 0], [nVal, 10]);

  // Each run gets its own logdir; a previous run's event files would show as extra points.
  fs.rmSync(logdir, { recursive: true, force: true });
  const model = buildModel(0.3, 'seed000_keras');
  const history = await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: 100,
    validationData: [xVal, yVal],
    verbose: o.verbose ?? 2,
    callbacks: [tf.callbacks.tensorBoard(logdir, { histogramFreq: 1, updateFreq: 5 })],
  });

  let report: tf.CompareReport | null = null;
  if (o.compare !== false) {
    // The thread's two Keras models: Dropout(0.3) (the fix) vs Dropout(0.7) (the mistake).
    tf.setSeed(0);
    const fixed = buildModel(0.3, 'dropout_rate_0.3');
    tf.setSeed(0);
    const mistake = buildModel(0.7, 'dropout_0.7_keep_prob_as_rate');
    try {
      report = tf.compare(fixed, mistake, [tf.slice(xTrain, [0, 0], [100, 784]), tf.slice(yTrain, [0, 0], [100, 10])]);
      fs.writeFileSync(path.join(logdir, 'compare.json'), JSON.stringify(report, null, 1));
    } catch (e) {
      log(`tf.compare failed (${e instanceof Error ? e.message : String(e)}): the report will have no compare section`);
    }
  }
  log(`\nevent files under ${logdir}/ (train/, validation/)${report ? ' and compare.json' : ''}. Now:`);
  log(`  npx tsx src/cli.ts report ${logdir} --out ${path.join(logdir, 'report.html')} --png ${path.join(logdir, 'png')}`);
  log(`  (or: tensorboard --logdir ${logdir})`);
  return { logdir, history: history.history, compare: report };
}

function parseArgs(argv: string[]): TensorBoardExampleOptions {
  const o: TensorBoardExampleOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} expects a positive integer, received ${argv[i]}`);
      return v;
    };
    if (a === '--logdir') o.logdir = argv[++i];
    else if (a === '--epochs') o.epochs = int();
    else if (a === '--limit') o.limit = int();
    else if (a === '--val-limit') o.valLimit = int();
    else if (a === '--no-compare') o.compare = false;
    else throw new Error(`unknown option ${a} (expected --logdir, --epochs, --limit, --val-limit, --no-compare)`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(parseArgs(process.argv.slice(2)));
}
