/**
 * W3 CNN+BN training step (../shared/PRODUCT.md): Conv2D 32 3×3 → BN → relu → MaxPool 2 →
 * Conv2D 64 3×3 → BN → relu → MaxPool 2 → Flatten → Dense 128 relu → Dense 10 (logits,
 * softmax cross-entropy); Adam 1e-3; batch 64 of real MNIST. Keras `trainOnBatch`, median ms
 * per step after warm-up.
 *
 *   node --import tsx bench/w3.ts [--backend native|reference] [--threads N] [--steps N] [--profile] [--fused-bn]
 *
 * --profile prints the time spent in each kernel (sum over the timed steps, per step).
 * --fused-bn (native): the BatchNormalization layers' training call runs the native fused
 *   kernels of src/backends/native/norm_kernels.ts (FusedBatchNorm / FusedBatchNormGrad)
 *   instead of the moments + batchNorm composition: what W3 costs once the layer uses them.
 *   Inference and the moving-statistics update are the layer's own.
 * --reference-nn (native): the convolution, pooling, softmax and batch-norm kernels of
 *   conv_kernels.ts / norm_kernels.ts replaced by the reference ones (the "before" figure).
 * Also printed: process CPU time per step (user + system, all threads), a figure less disturbed
 * than wall time by other processes on a shared machine.
 */
import * as tf from '../src/index.ts';
import { loadNativeAddon, registerNativeBackend } from '../src/backends/native/index.ts';
import type { KernelFunc } from '../src/core/backend.ts';
import type { Tensor } from '../src/core/tensor.ts';
import type { CallKwargs } from '../src/layers/layer.ts';
import { NATIVE_NN_KERNELS } from '../src/backends/native/conv_kernels.ts';
import { kernels as referenceKernels } from '../src/backends/reference/kernels/index.ts';
import { hasNormKernels, nativeNormKernels, referenceBatchNormKernels } from '../src/backends/native/norm_kernels.ts';
import { fusedBatchNormGradient } from '../src/ops/batch_norm_training.ts';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}
const backend = arg('backend', 'native');
const threads = Number(arg('threads', '0'));
const steps = Number(arg('steps', backend === 'reference' ? '2' : '15'));
const profile = process.argv.includes('--profile');
const fusedBn = process.argv.includes('--fused-bn');
const referenceNn = process.argv.includes('--reference-nn');

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

if (fusedBn) {
  if (backend !== 'native' || !addon || !hasNormKernels(addon)) {
    console.log('--fused-bn needs the native backend with the batch-norm entry points');
    process.exit(1);
  }
  if (!tf.ENGINE.hasKernel('FusedBatchNorm')) {
    const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
    Object.defineProperty(be, 'kernels', { value: { ...be.kernels, ...nativeNormKernels(addon, referenceBatchNormKernels) } });
    tf.ENGINE.registerGradient('FusedBatchNorm', fusedBatchNormGradient);
  }
}

if (referenceNn) {
  const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
  const kernels = { ...be.kernels };
  for (const name of NATIVE_NN_KERNELS) {
    if (name in referenceKernels) kernels[name] = referenceKernels[name]!;
    else delete kernels[name];
  }
  Object.defineProperty(be, 'kernels', { value: kernels });
}

/** BatchNormalization whose training call (channels last) runs the FusedBatchNorm kernel. */
class FusedBatchNormalization extends tf.BatchNormalization {
  override call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (!kwargs.training) return super.call(inputs, kwargs);
    const ins: Record<string, Tensor> = { x };
    if (this.gamma) ins['scale'] = this.gamma;
    if (this.beta) ins['offset'] = this.beta;
    const [y, mean, variance] = tf.ENGINE.runKernelMulti('FusedBatchNorm', ins, { epsilon: this.epsilon });
    const m = this.momentum;
    this.movingMean!.assign(tf.add(tf.mul(this.movingMean!, m), tf.mul(mean!, 1 - m)));
    this.movingVariance!.assign(tf.add(tf.mul(this.movingVariance!, m), tf.mul(variance!, 1 - m)));
    return y!;
  }
}
const batchNorm = () => (fusedBn ? new FusedBatchNormalization({}) : tf.layers.batchNormalization());

const times = new Map<string, number>();
const cpuTimes = new Map<string, number>();
const calls = new Map<string, number>();
if (profile) {
  const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
  const wrapped: Record<string, KernelFunc> = {};
  for (const [name, k] of Object.entries(be.kernels)) {
    wrapped[name] = (args) => {
      const t = performance.now();
      const c = process.cpuUsage();
      const r = k(args);
      const dc = process.cpuUsage(c);
      times.set(name, (times.get(name) ?? 0) + performance.now() - t);
      cpuTimes.set(name, (cpuTimes.get(name) ?? 0) + (dc.user + dc.system) / 1000);
      calls.set(name, (calls.get(name) ?? 0) + 1);
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
model.add(batchNorm());
model.add(tf.layers.activation({ activation: 'relu' }));
model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3 }));
model.add(batchNorm());
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
cpuTimes.clear();
calls.clear();
const ms: number[] = [];
let loss = 0;
const cpu0 = process.cpuUsage();
for (let i = 0; i < steps; i++) {
  const t = performance.now();
  loss = step() as number;
  ms.push(performance.now() - t);
}
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
const sorted = [...ms].sort((a, b) => a - b);
const med = sorted[Math.floor(sorted.length / 2)]!;
const info = addon && backend === 'native' ? ` (${addon.info().kernel}, ${addon.info().threads} threads)` : '';
console.log(`W3 CNN+BN, backend ${backend}${info}${fusedBn ? ', fused batch norm' : ''}${referenceNn ? ', reference conv/pool/softmax kernels' : ''}: median ${med.toFixed(1)} ms/step of ${BATCH}, best ${sorted[0]!.toFixed(1)} ms, CPU ${cpuMs.toFixed(1)} ms/step (system ${(cpu.system / 1000 / steps).toFixed(1)}), ${steps} steps, last loss ${loss.toFixed(4)}`);
if (profile) {
  const rows = [...times.entries()].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, r) => s + r[1], 0);
  console.log(`kernels: ${(total / steps).toFixed(1)} ms/step of ${med.toFixed(1)}`);
  for (const [name, t] of rows.slice(0, 25)) {
    console.log(`  ${name.padEnd(32)} ${(t / steps).toFixed(2)} ms/step wall, ${((cpuTimes.get(name) ?? 0) / steps).toFixed(2)} CPU, ${(calls.get(name) ?? 0) / steps} calls`);
  }
}
