// Paired, interleaved measurements for the browser benchmark: on a shared machine the speed of
// a core changes from second to second, so two figures measured minutes apart compare badly.
// Here the two sides alternate in short windows inside one page (or one Worker) and the result is
// the median of the per-pair ratios.
import { loadMnist } from './workloads.js';

function filled(n, seed) {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = (s / 4294967296) * 2 - 1;
  }
  return v;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** GFLOP/s of n × n products (with dataSync) over a `ms` window. */
function gemmWindow(tf, a, b, n, ms) {
  tf.matMul(a, b).dataSync(); // untimed: the first product after a switch grows memory, wakes threads
  let count = 0;
  const t0 = performance.now();
  do {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    count++;
  } while (performance.now() - t0 < ms);
  return (2 * n * n * n * count) / ((performance.now() - t0) * 1e6);
}

/** `sides` = [{name, tf, setup?}]: alternating W4 windows; returns per-side medians and the ratio medians. */
export async function pairedGemm(sides, n, pairs, ms = 250) {
  const ops = [];
  for (const s of sides) {
    if (s.before) await s.before();
    ops.push({ ...s, a: s.tf.tensor(filled(n * n, 1), [n, n]), b: s.tf.tensor(filled(n * n, 2), [n, n]) });
  }
  const rates = sides.map(() => []);
  for (let w = 0; w < 2; w++) for (const o of ops) { if (o.before) await o.before(); gemmWindow(o.tf, o.a, o.b, n, ms); } // warm-up
  for (let p = 0; p < pairs; p++) {
    // Alternate the order too, so neither side always follows the other.
    const order = p % 2 ? [...ops.keys()].reverse() : [...ops.keys()];
    for (const i of order) {
      if (ops[i].before) await ops[i].before();
      rates[i].push(gemmWindow(ops[i].tf, ops[i].a, ops[i].b, n, ms));
    }
  }
  const ratios = rates[0].map((r, i) => r / rates[1][i]);
  return { rates: rates.map(median), ratio: median(ratios), pairs };
}

function mlp(tf, logitsLoss) {
  const model = tf.sequential();
  for (let i = 0; i < 4; i++) {
    model.add(tf.layers.dense({ units: 256, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
    model.add(tf.layers.dropout({ rate: 0.3 }));
  }
  model.add(tf.layers.dense({ units: 10 }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: logitsLoss });
  return model;
}

/** W1 steps alternately for two libraries: ms per step of each, and the median ratio (b / a). */
export async function pairedW1(a, b, pairs, stepsA, stepsB) {
  const m = await loadMnist();
  const sides = [a, b].map((s) => ({ ...s, model: mlp(s.tf, s.logitsLoss), step: 0 }));
  const run = async (s, steps) => {
    const t0 = performance.now();
    for (let k = 0; k < steps; k++) {
      const i = (s.step++ % 600) * 100;
      const x = s.tf.tensor(m.trainX.subarray(i * 784, (i + 100) * 784), [100, 784]);
      const y = s.tf.tensor(m.trainY.subarray(i * 10, (i + 100) * 10), [100, 10]);
      await s.model.trainOnBatch(x, y);
      s.tf.dispose([x, y]);
    }
    return (performance.now() - t0) / steps;
  };
  await run(sides[0], 10);
  await run(sides[1], 3);
  const ms = [[], []];
  for (let p = 0; p < pairs; p++) {
    ms[0].push(await run(sides[0], stepsA));
    ms[1].push(await run(sides[1], stepsB));
  }
  return { msPerStep: ms.map(median), ratio: median(ms[0].map((x, i) => ms[1][i] / x)), pairs };
}
