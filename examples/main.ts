/**
 * idem's main job: the seed-000 network (PRODUCT.md W1: 784 → 4 × [Dense 256 relu → Dropout 0.3]
 * → Dense 10 logits, softmax cross-entropy, Adam 1e-3, batch 100) trained on real MNIST twice —
 * (a) with the Keras API (`tf.sequential` + `fitDataset`), (b) with low-level ops, variables from
 * `tf.getVariable` and a hand-written loop — from the same seeds and the same batch order.
 * Prints both test accuracies and whether the two trainings were bit-identical. Then shows
 * `tf.compare` on the seed's original mistake: the hand loop given the keep probability 0.7 as
 * dropout rate (it drops 70% of units) against the Keras model's Dropout(0.3) — the first
 * divergence, its cause and fix, then the full table.
 *
 *   npm start                      # one epoch each (600 steps)
 *   npx tsx examples/main.ts --steps 50
 */
import * as tf from '../src/index.ts';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const STEPS = flag('steps', 600);
const BATCH = 100;
const RATE = 0.3;
const HIDDEN = 4;

tf.setSeed(0);
const { train, test } = tf.datasets.mnist.loadData();
const xTrain = train.images.reshape([-1, 784]);
const yTrain = tf.oneHot(train.labels, 10).cast('float32');
const xTest = test.images.reshape([-1, 784]);

/** The same shuffled batches for both runs: two datasets with the same seed. */
const batches = () => tf.data.fromTensorSlices({ xs: xTrain, ys: yTrain }).shuffle(10000, 42).batch(BATCH).take(STEPS);

const kernelInit = (i: number) => tf.initializers.glorotUniform({ seed: 100 + i });

function accuracy(logits: tf.Tensor): number {
  const pred = tf.argMax(logits, -1);
  return tf.mean(tf.cast(tf.equal(pred, test.labels), 'float32')).dataSync()[0]!;
}

function status(label: string, step: number, loss: number): void {
  if (process.stdout.isTTY) process.stdout.write(`\r${label}: step ${step}/${STEPS} - loss (running mean): ${loss.toFixed(4)}\x1b[K`);
  else if (step % 100 === 0 || step === STEPS) console.log(`${label}: step ${step}/${STEPS} - loss (running mean): ${loss.toFixed(4)}`);
}

// ---------------------------------------------------------------- (a) Keras
async function keras(): Promise<{ acc: number; meanLoss: number; weights: tf.Tensor[]; seconds: number }> {
  const layers: tf.Layer[] = [];
  for (let i = 0; i < HIDDEN; i++) {
    layers.push(tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: kernelInit(i), ...(i === 0 ? { inputShape: [784] } : {}) }));
    layers.push(tf.layers.dropout({ rate: RATE, seed: 200 + i }));
  }
  layers.push(tf.layers.dense({ units: 10, kernelInitializer: kernelInit(HIDDEN) }));
  const model = tf.sequential({ layers });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
  const t0 = Date.now();
  let meanLoss = 0;
  console.log('(a) Keras: tf.sequential + fitDataset');
  await model.fitDataset(batches(), {
    epochs: 1,
    verbose: 1,
    callbacks: {
      onBatchEnd: (_b, logs) => {
        meanLoss = logs!['loss']!;
      },
    },
  });
  const seconds = (Date.now() - t0) / 1000;
  return { acc: accuracy(model.predict(xTest, { batchSize: 1000 })), meanLoss, weights: model.getWeights(), seconds };
}

// ---------------------------------------------------------------- (b) ops + variables + hand loop
/** The network written with tf.getVariable and ops; `rate` is the dropout rate (fraction dropped). */
function handNetwork(scope: string, rate: number): { forward: (x: tf.Tensor, training: boolean) => tf.Tensor; vars: tf.Variable[] } {
  const ws: tf.Variable[] = [];
  const bs: tf.Variable[] = [];
  let inDim = 784;
  for (let i = 0; i <= HIDDEN; i++) {
    const units = i === HIDDEN ? 10 : 256;
    tf.variableScope(`${scope}/layer${i}`, () => {
      ws.push(tf.getVariable('kernel', { shape: [inDim, units], initializer: kernelInit(i) }));
      bs.push(tf.getVariable('bias', { shape: [units], initializer: 'zeros' }));
    });
    inDim = units;
  }
  const seeds = Array.from({ length: HIDDEN }, (_, i) => new tf.SeedGenerator(200 + i));
  const forward = (x: tf.Tensor, training: boolean) => {
    let h = x;
    for (let i = 0; i < HIDDEN; i++) {
      h = tf.relu(tf.add(tf.matMul(h, ws[i]!), bs[i]!));
      if (training) h = tf.dropout(h, rate, null, seeds[i]);
    }
    return tf.add(tf.matMul(h, ws[HIDDEN]!), bs[HIDDEN]!);
  };
  return { forward, vars: ws.flatMap((w, i) => [w, bs[i]!]) };
}

async function byHand(): Promise<{ acc: number; meanLoss: number; weights: tf.Tensor[]; seconds: number }> {
  const { forward, vars } = handNetwork('hand', RATE);
  const opt = tf.train.adam(1e-3);
  console.log('(b) ops + tf.getVariable + a hand-written loop');
  const t0 = Date.now();
  let total = 0;
  let count = 0;
  let step = 0;
  for await (const { xs, ys } of batches()) {
    // tidy: the step's intermediate tensors are released at its end (their storage is reused by
    // the next step) instead of waiting for the garbage collector.
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: ys, logits: forward(xs, true) })), vars);
      opt.applyGradients(grads);
      return value.dataSync()[0]!;
    });
    total += loss * xs.shape[0]!;
    count += xs.shape[0]!;
    status('hand loop ', ++step, total / count);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  const seconds = (Date.now() - t0) / 1000;
  return { acc: accuracy(forward(xTest, false)), meanLoss: total / count, weights: vars.map((v) => v.read()), seconds };
}

console.log(`idem main job: seed-000 MLP on MNIST, ${STEPS} steps of ${BATCH}, backend '${tf.getBackend()}'`);
const a = await keras();
const b = await byHand();
const same = a.weights.length === b.weights.length && a.weights.every((w, i) => {
  const x = w.dataSync();
  const y = b.weights[i]!.dataSync();
  return x.length === y.length && x.every((v, k) => Object.is(v, y[k]));
});
const nParams = a.weights.reduce((n, w) => n + w.size, 0);
console.log(`Keras fit:  test accuracy ${(a.acc * 100).toFixed(2)}%, mean training loss ${a.meanLoss.toFixed(6)}, ${a.seconds.toFixed(1)} s`);
console.log(`hand loop:  test accuracy ${(b.acc * 100).toFixed(2)}%, mean training loss ${b.meanLoss.toFixed(6)}, ${b.seconds.toFixed(1)} s`);
console.log(same ? `bit-identical: yes — all ${nParams.toLocaleString('en-US')} trained parameters are equal bit for bit` : 'bit-identical: NO — the two trainings differ');

// ---------------------------------------------------------------- tf.compare on the seed's mistake
// Seed 000's author passed keep_prob = 0.7 where a dropout rate was expected. Here the hand loop
// makes that mistake (rate 0.7: it drops 70%) and the Keras model uses Dropout(0.3); both fresh,
// from the same initializer seeds. compare finds and explains the difference on one test batch.
function kerasModel(): tf.Sequential {
  const layers: tf.Layer[] = [];
  for (let i = 0; i < HIDDEN; i++) {
    layers.push(tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: kernelInit(i), ...(i === 0 ? { inputShape: [784] } : {}) }));
    layers.push(tf.layers.dropout({ rate: RATE, seed: 200 + i }));
  }
  layers.push(tf.layers.dense({ units: 10, kernelInitializer: kernelInit(HIDDEN) }));
  const model = tf.sequential({ layers });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
  return model;
}
const mistake = handNetwork('mistake', 1 - RATE); // keep probability 0.7 passed as the rate
const handMistake: tf.HandModel = {
  name: 'hand loop, keep_prob 0.7 passed as rate',
  fn: mistake.forward,
  variables: mistake.vars,
  optimizer: tf.train.adam(1e-3),
  loss: (y, logits) => tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: y, logits })),
};
const xBatch = tf.slice(xTest, [0, 0], [BATCH, 784]);
const yBatch = tf.oneHot(tf.slice(test.labels, [0], [BATCH]), 10).cast('float32');
console.log('');
console.log("tf.compare on seed 000's original mistake (A: Keras Dropout(0.3), B: the hand loop with rate 0.7):");
const report = tf.compare(kerasModel(), handMistake, { xs: xBatch, ys: yBatch });
console.log(tf.formatCompareReport(report));
process.exitCode = same ? 0 : 1;
