// The seed-000 network of idem's main job (examples/main.ts), shared by the page (Keras API) and
// the Worker (ops, variables and a hand-written loop): 784 → 4 × [Dense 256 relu → Dropout 0.3]
// → Dense 10 logits, softmax cross-entropy, Adam 1e-3, batches of 100 in the same shuffled order.
// The same seeds on both sides: the two trainings give the same bits.
export const BATCH = 100;
export const RATE = 0.3;
export const HIDDEN = 4;
export const MNIST_URL = '/mnist/';

/** MNIST from the demo server: images [N, 784] in [0, 1], one-hot labels, test set. */
export async function loadMnist(tf) {
  const { train, test } = await tf.datasets.mnist.loadData({ url: MNIST_URL });
  return {
    xTrain: train.images.reshape([-1, 784]),
    yTrain: tf.oneHot(train.labels, 10).cast('float32'),
    xTest: test.images.reshape([-1, 784]),
    yTest: test.labels,
  };
}

/** The same shuffled batches for both trainings: a dataset with a fixed shuffle seed. */
export function batches(tf, data, steps) {
  return tf.data.fromTensorSlices({ xs: data.xTrain, ys: data.yTrain }).shuffle(10000, 42).batch(BATCH).take(steps);
}

const kernelInit = (tf, i) => tf.initializers.glorotUniform({ seed: 100 + i });

/** (a) The Keras API. */
export function kerasModel(tf) {
  const layers = [];
  for (let i = 0; i < HIDDEN; i++) {
    layers.push(tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: kernelInit(tf, i), ...(i === 0 ? { inputShape: [784] } : {}) }));
    layers.push(tf.layers.dropout({ rate: RATE, seed: 200 + i }));
  }
  layers.push(tf.layers.dense({ units: 10, kernelInitializer: kernelInit(tf, HIDDEN) }));
  const model = tf.sequential({ layers });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
  return model;
}

/** (b) The same network with tf.getVariable and ops; `forward(x, training)` gives the logits. */
export function handNetwork(tf) {
  const ws = [];
  const bs = [];
  let inDim = 784;
  for (let i = 0; i <= HIDDEN; i++) {
    const units = i === HIDDEN ? 10 : 256;
    tf.variableScope(`hand/layer${i}`, () => {
      ws.push(tf.getVariable('kernel', { shape: [inDim, units], initializer: kernelInit(tf, i) }));
      bs.push(tf.getVariable('bias', { shape: [units], initializer: 'zeros' }));
    });
    inDim = units;
  }
  const seeds = Array.from({ length: HIDDEN }, (_, i) => new tf.SeedGenerator(200 + i));
  const forward = (x, training) => {
    let h = x;
    for (let i = 0; i < HIDDEN; i++) {
      h = tf.relu(tf.add(tf.matMul(h, ws[i]), bs[i]));
      if (training) h = tf.dropout(h, RATE, null, seeds[i]);
    }
    return tf.add(tf.matMul(h, ws[HIDDEN]), bs[HIDDEN]);
  };
  return { forward, vars: ws.flatMap((w, i) => [w, bs[i]]) };
}

/** Test accuracy of logits against int32 labels. */
export function accuracy(tf, logits, labels) {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32')).dataSync()[0]);
}
