/**
 * GEMM and W1-MLP micro-benchmark: native vs reference backend.
 *
 *   npm run bench:gemm            (node --import tsx bench/gemm.ts [--quick])
 *
 * GEMM: C = op(A)·op(B), n×n float32, 2n³ flops; A·B, A·Bᵀ, Aᵀ·B through the BatchMatMul kernel
 * (tf.matMul, so the figure includes the op/kernel dispatch). Reported: best and median GFLOP/s
 * over repetitions (the machine is shared: best is the least disturbed run). Native on 1 thread
 * and on all cores (column slices of C, bit-identical results); reference only at n = 256.
 * W1: the seed MLP 784→256→256→256→256→10 (ReLU, softmax cross-entropy), batch 100, one Keras
 * `trainOnBatch` step with SGD; median ms per step.
 */
import * as tf from '../src/index.ts';
import { loadNativeAddon, registerNativeBackend } from '../src/backends/native/index.ts';

const quick = process.argv.includes('--quick');
const addon = loadNativeAddon();
if (!addon || !registerNativeBackend(tf.ENGINE)) {
  if (!addon) {
    console.log('native addon not built: run `npm install` or `node native/build.mjs`');
    process.exit(1);
  }
}
console.log(`native micro-kernel: ${addon.info().kernel}, cores: ${addon.info().threads}`);

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}
function rand(shape: number[], seed: number, scale = 1): tf.Tensor {
  const r = lcg(seed);
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = r() * scale;
  return tf.tensor(v, shape, 'float32');
}

function timeIt(fn: () => void, minMs: number, minReps: number): number[] {
  fn(); // warm up
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minReps || performance.now() - start < minMs) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times;
}
const median = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;

const rows: string[] = [];
const forms: [string, boolean, boolean][] = [['A·B', false, false], ['A·Bᵀ', false, true], ['Aᵀ·B', true, false]];
rows.push('| backend | threads | n | form | best GFLOP/s | median GFLOP/s |', '|---|---|---|---|---|---|');
const cores = addon.setNumThreads(0);
const configs: [string, number][] = [['native', 1], ...(cores > 1 ? [['native', cores] as [string, number]] : []), ['reference', 1]];
for (const [backend, threads] of configs) {
  tf.ENGINE.setBackendSync(backend);
  addon.setNumThreads(backend === 'native' ? threads : 0);
  for (const n of backend === 'reference' ? [256] : [256, 512, 1024]) {
    const a = rand([n, n], 1);
    const b = rand([n, n], 2);
    for (const [form, ta, tb] of forms) {
      const times = timeIt(() => tf.dispose(tf.matMul(a, b, ta, tb)), quick ? 300 : 1500, backend === 'reference' ? 2 : 5);
      const gf = (ms: number) => ((2 * n * n * n) / (ms * 1e6)).toFixed(backend === 'reference' ? 2 : 1);
      const line = `| ${backend} | ${threads} | ${n} | ${form} | ${gf(Math.min(...times))} | ${gf(median(times))} |`;
      console.log(line);
      rows.push(line);
    }
  }
}

rows.push('', '| backend | threads | W1 MLP trainOnBatch (batch 100), median ms/step | best ms/step |', '|---|---|---|---|');
for (const [backend, threads] of configs) {
  tf.ENGINE.setBackendSync(backend);
  addon.setNumThreads(backend === 'native' ? threads : 0);
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
  for (let i = 0; i < 3; i++) model.add(tf.layers.dense({ units: 256, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10 }));
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' } as never);
  const x = rand([100, 784], 3);
  const labels = new Float32Array(1000);
  for (let i = 0; i < 100; i++) labels[i * 10 + (i % 10)] = 1;
  const y = tf.tensor(labels, [100, 10]);
  const times = timeIt(() => void model.trainOnBatch(x, y), quick ? 500 : 3000, backend === 'reference' ? 3 : 10);
  const line = `| ${backend} | ${threads} | ${median(times).toFixed(1)} | ${Math.min(...times).toFixed(1)} |`;
  console.log(line);
  rows.push(line);
}
console.log('\n' + rows.join('\n'));
