/**
 * Where a W1 training step spends its time: the seed MLP (784 → 4 × [Dense 256 relu → Dropout
 * 0.3] → Dense 10, softmax cross-entropy from logits, Adam 1e-3, batch 100), Keras `trainOnBatch`
 * on random data, with every kernel of the current backend wrapped in a timer.
 *
 *   node --import tsx bench/w1_profile.ts [--steps 100] [--backend native] [--threads 1]
 *
 * `--clock wall` (default) times kernels and steps with performance.now(); `--clock cpu` with
 * process CPU time (process.cpuUsage: robust on a loaded machine, but each reading is a system
 * call, ~2 per kernel, which inflates the framework share). The other clock's step time is
 * printed too.
 *
 * Prints per kernel: calls per step and µs per step; then kernel time vs the whole step:
 * the remainder is the framework (op wrappers, engine dispatch, autodiff bookkeeping, Keras
 * layers, allocation of tensor objects) plus garbage collection.
 */
import * as tf from '../src/index.ts';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const STEPS = Number(flag('steps', '100'));
const backendName = flag('backend', tf.getBackend());
tf.setBackend(backendName);
tf.ENGINE.setBackendSync(backendName);
if (args.includes('--threads')) tf.setNumThreads(Number(flag('threads', '0')));

const cpuClock = flag('clock', 'wall') === 'cpu';
const now = (): number => {
  if (!cpuClock) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const stats = new Map<string, { calls: number; ms: number }>();
const backend = tf.ENGINE.backend as unknown as { kernels: Record<string, tf.KernelFunc> };
const wrapped: Record<string, tf.KernelFunc> = {};
for (const [name, k] of Object.entries(backend.kernels)) {
  wrapped[name] = (a) => {
    const t = now();
    const r = k(a);
    const d = now() - t;
    const s = stats.get(name) ?? { calls: 0, ms: 0 };
    s.calls++;
    s.ms += d;
    stats.set(name, s);
    return r;
  };
}
const timed = process.argv.includes('--no-timers') ? backend.kernels : wrapped;
Object.defineProperty(backend, 'kernels', { value: timed, configurable: true, writable: true });

tf.setSeed(0);
const layers: tf.Layer[] = [];
for (let i = 0; i < 4; i++) {
  layers.push(tf.layers.dense({ units: 256, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
  layers.push(tf.layers.dropout({ rate: 0.3, seed: 200 + i }));
}
layers.push(tf.layers.dense({ units: 10 }));
const model = tf.sequential({ layers });
model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
const x = tf.randomUniform([100, 784]);
const y = tf.oneHot(tf.randomUniform([100], 0, 10, 'int32'), 10).cast('float32');
for (let i = 0; i < 5; i++) model.trainOnBatch(x, y);
stats.clear();
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let i = 0; i < STEPS; i++) model.trainOnBatch(x, y);
const c1 = process.cpuUsage(c0);
const wall = (performance.now() - t0) / STEPS;
const cpu = (c1.user + c1.system) / 1000 / STEPS;
const total = cpuClock ? cpu : wall;
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
let kernelMs = 0;
console.log(`backend ${tf.getBackend()}, threads ${tf.getNumThreads()}, ${STEPS} steps`);
console.log(`kernel                      calls/step   µs/step (${cpuClock ? 'CPU' : 'wall'} clock)`);
for (const [name, s] of rows) {
  kernelMs += s.ms;
  console.log(`${name.padEnd(28)}${(s.calls / STEPS).toFixed(1).padStart(10)}${((s.ms * 1000) / STEPS).toFixed(0).padStart(10)}`);
}
const k = kernelMs / STEPS;
console.log(cpuClock ? `wall ${wall.toFixed(2)} ms per step; CPU time:` : `CPU ${cpu.toFixed(2)} ms per step; wall time:`);
console.log(`step ${total.toFixed(2)} ms = kernels ${k.toFixed(2)} ms (${((100 * k) / total).toFixed(0)}%) + framework and GC ${(total - k).toFixed(2)} ms (${((100 * (total - k)) / total).toFixed(0)}%); one epoch of 600 steps ≈ ${((total * 600) / 1000).toFixed(2)} s`);
const st = (tf.ENGINE.backend as unknown as { storageStats?: () => unknown }).storageStats?.();
if (st) console.log('native storage pool:', st);
