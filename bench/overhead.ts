/**
 * Where the framework's time goes in a W1 step: every kernel of the current backend is timed,
 * and so is every gap between two consecutive kernel calls (and from the step's start to the
 * first kernel, and from the last kernel to the step's end). Each gap is the framework code that
 * ran there — op wrappers, autodiff bookkeeping, Keras layers, optimizer bookkeeping, tensor
 * objects, `tidy` — so the table names the places the overhead sits, not just its total.
 *
 *   node --import tsx bench/overhead.ts [--steps 400] [--threads N] [--units 256] [--random]
 *
 * W1 as `npm run bench` runs it (MNIST batches of 100 in file order made with `tf.tensor`,
 * Keras `trainOnBatch`), after 50 untimed warm-up steps; `--random` reuses one random batch
 * instead (no tensor creation); `--units` changes the hidden width (the framework's share at
 * other sizes).
 */
import * as tf from '../src/index.ts';
import type { KernelFunc } from '../src/core/backend.ts';
import { loadMnist } from './workloads.ts';

const argv = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : def;
};
const STEPS = Number(arg('steps', '400'));
const UNITS = Number(arg('units', '256'));
if (argv.includes('--threads')) tf.setNumThreads(Number(arg('threads', '0')));

const gaps = new Map<string, { n: number; ms: number }>();
let kernelMs = 0;
let lastEnd = 0;
let lastName = 'step start';
let on = false;
const addGap = (key: string, ms: number): void => {
  const g = gaps.get(key) ?? { n: 0, ms: 0 };
  g.n++;
  g.ms += ms;
  gaps.set(key, g);
};
const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
const timed: Record<string, KernelFunc> = {};
for (const [name, k] of Object.entries(be.kernels)) {
  timed[name] = (a) => {
    const t = performance.now();
    if (on) addGap(`${lastName} → ${name}`, t - lastEnd);
    const r = k(a);
    lastEnd = performance.now();
    lastName = name;
    if (on) kernelMs += lastEnd - t;
    return r;
  };
}
Object.defineProperty(be, 'kernels', { value: timed, configurable: true, writable: true });

tf.setSeed(0);
const model = tf.sequential();
for (let i = 0; i < 4; i++) {
  model.add(tf.layers.dense({ units: UNITS, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
  model.add(tf.layers.dropout({ rate: 0.3 }));
}
model.add(tf.layers.dense({ units: 10 }));
model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });

const m = loadMnist();
const rx = tf.randomUniform([100, 784]);
const ry = tf.oneHot(tf.randomUniform([100], 0, 10, 'int32'), 10).cast('float32');
const random = argv.includes('--random');
const step = (s: number): void => {
  lastEnd = performance.now();
  lastName = 'step start';
  if (random) {
    model.trainOnBatch(rx, ry);
  } else {
    const i = (s % 600) * 100;
    const x = tf.tensor(m.trainX.subarray(i * 784, (i + 100) * 784), [100, 784]);
    const y = tf.tensor(m.trainY.subarray(i * 10, (i + 100) * 10), [100, 10]);
    model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  }
  if (on) addGap(`${lastName} → step end`, performance.now() - lastEnd);
};
for (let s = 0; s < 50; s++) step(s);
on = true;
const t0 = performance.now();
for (let s = 0; s < STEPS; s++) step(50 + s);
const stepMs = (performance.now() - t0) / STEPS;

const rows = [...gaps].sort((a, b) => b[1].ms - a[1].ms);
const gapMs = rows.reduce((s, [, g]) => s + g.ms, 0) / STEPS;
console.log(`W1 (${UNITS} units, ${random ? 'one random batch' : 'MNIST batches'}) on ${tf.getBackend()}, ${tf.getNumThreads()} thread(s), ${STEPS} steps:`);
console.log(`step ${stepMs.toFixed(3)} ms = kernels ${(kernelMs / STEPS).toFixed(3)} ms + framework (gaps) ${gapMs.toFixed(3)} ms (${((100 * gapMs) / stepMs).toFixed(1)}%)`);
console.log('');
console.log('| between | per step | µs per step |');
console.log('|---|---|---|');
for (const [k, g] of rows) {
  const us = (1000 * g.ms) / STEPS;
  if (us >= 5) console.log(`| ${k} | ${(g.n / STEPS).toFixed(0)} | ${us.toFixed(0)} |`);
}
