/**
 * W3 CNN+BN training step (../shared/PRODUCT.md): Conv2D 32 3×3 → BN → relu → MaxPool 2 →
 * Conv2D 64 3×3 → BN → relu → MaxPool 2 → Flatten → Dense 128 relu → Dense 10 (logits,
 * softmax cross-entropy); Adam 1e-3; batch 64 of real MNIST. Keras `trainOnBatch`, median ms
 * per step after warm-up.
 *
 *   node --import tsx bench/w3.ts [--backend native|reference] [--threads N] [--steps N] [--profile]
 *
 * --profile prints the time spent in each kernel (sum over the timed steps, per step).
 */
import * as tf from '../src/index.ts';
import { loadNativeAddon, registerNativeBackend } from '../src/backends/native/index.ts';
import type { KernelFunc } from '../src/core/backend.ts';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}
const backend = arg('backend', 'native');
const threads = Number(arg('threads', '0'));
const steps = Number(arg('steps', backend === 'reference' ? '2' : '15'));
const profile = process.argv.includes('--profile');

const addon = loadNativeAddon();
if (backend === 'native') {
  if (!addon) {
    console.log('native addon not built: run `npm run build:native`');
    process.exit(1);
  }
  if (!tf.ENGINE.findBackend('native')) registerNativeBackend(tf.ENGINE);
  addon.setNumThreads(threads);
}
tf.ENGINE.setBackendSync(backend);

const times = new Map<string, number>();
if (profile) {
  const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
  const wrapped: Record<string, KernelFunc> = {};
  for (const [name, k] of Object.entries(be.kernels)) {
    wrapped[name] = (args) => {
      const t = performance.now();
      const r = k(args);
      times.set(name, (times.get(name) ?? 0) + performance.now() - t);
      return r;
    };
  }
  Object.defineProperty(be, 'kernels', { value: wrapped });
}

const { train } = tf.datasets.mnist.loadData();
const BATCH = 64;
const x = tf.reshape(tf.slice(train.images, [0, 0, 0], [BATCH, 28, 28]), [BATCH, 28, 28, 1]);
const y = tf.oneHot(tf.slice(train.labels, [0], [BATCH]), 10);

const model = tf.sequential();
model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, inputShape: [28, 28, 1] }));
model.add(tf.layers.batchNormalization());
model.add(tf.layers.activation({ activation: 'relu' }));
model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3 }));
model.add(tf.layers.batchNormalization());
model.add(tf.layers.activation({ activation: 'relu' }));
model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
model.add(tf.layers.dense({ units: 10 }));
model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) } as never);

const step = () => model.trainOnBatch(x, y);
step();
step();
times.clear();
const ms: number[] = [];
let loss = 0;
for (let i = 0; i < steps; i++) {
  const t = performance.now();
  loss = step() as number;
  ms.push(performance.now() - t);
}
const sorted = [...ms].sort((a, b) => a - b);
const med = sorted[Math.floor(sorted.length / 2)]!;
const info = addon && backend === 'native' ? ` (${addon.info().kernel}, ${addon.info().threads} threads)` : '';
console.log(`W3 CNN+BN, backend ${backend}${info}: median ${med.toFixed(1)} ms/step of ${BATCH}, best ${sorted[0]!.toFixed(1)} ms, ${steps} steps, last loss ${loss.toFixed(4)}`);
if (profile) {
  const rows = [...times.entries()].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, r) => s + r[1], 0);
  console.log(`kernels: ${(total / steps).toFixed(1)} ms/step of ${med.toFixed(1)}`);
  for (const [name, t] of rows.slice(0, 25)) console.log(`  ${name.padEnd(32)} ${(t / steps).toFixed(2)} ms/step`);
}
