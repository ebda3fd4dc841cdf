/**
 * W6 (PRODUCT.md): `tf.applications.resnet50` at 224×224×3, batch 8.
 *   inference: `model.predict` of the full network (with the top, seeded random weights), ms;
 *   training:  one `trainOnBatch` step of ResNet50 without the top + global average pooling +
 *              Dense(10) (logits, softmax cross-entropy), SGD with momentum 0.9, ms.
 * Inputs are seeded uniform images (the speed of a convolution does not depend on its values).
 *
 * As a workload of the bench (bench/workloads.ts → `resnet50Workload`), and alone:
 *
 *   node --import tsx bench/w6.ts [--mode infer|train] [--reps N] [--warm N] [--threads N] [--profile]
 *
 * --profile wraps every kernel of the backend with a timer and prints where a step spends its
 * time: kernel by kernel and, for the convolutions, by geometry; the rest of the step is the
 * framework's own work (op dispatch, autodiff, tensor bookkeeping, the Keras loop).
 */
import type { Lib, WorkloadOptions, WorkloadResult } from './workloads.ts';

export const W6_BATCH = 8;

function now(): { wall: number; cpu: number } {
  const u = process.cpuUsage();
  return { wall: performance.now(), cpu: (u.user + u.system) / 1000 };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TF = any;

/** The W6 model for `mode` (inference: the full network; training: no top + avg pool + Dense 10, compiled). */
export function w6Model(tf: TF, mode: 'infer' | 'train'): TF {
  tf.setSeed?.(1);
  if (mode === 'infer') return tf.applications.resnet50({});
  const base = tf.applications.resnet50({ includeTop: false, pooling: 'avg', inputShape: [224, 224, 3] });
  const out = tf.layers.dense({ units: 10, name: 'logits' }).apply(base.outputs[0]);
  const model = tf.model({ inputs: base.inputs, outputs: out });
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
  return model;
}

/** A batch of seeded images in [0, 255) after ResNet50's preprocessing, and one-hot labels. */
export function w6Batch(tf: TF): { x: TF; y: TF } {
  const x = tf.tidy(() => tf.applications.resnet50.preprocessInput(tf.randomUniform([W6_BATCH, 224, 224, 3], 0, 255, 'float32', 6)));
  const labels = new Float32Array(W6_BATCH * 10);
  for (let i = 0; i < W6_BATCH; i++) labels[i * 10 + ((i * 7) % 10)] = 1;
  return { x, y: tf.tensor(labels, [W6_BATCH, 10]) };
}

/** Runs W6 (`key` 'W6 inference' or 'W6 training'): `warm` untimed steps, then `reps` timed ones. */
export async function resnet50Workload(lib: Lib, mode: 'infer' | 'train', o: WorkloadOptions): Promise<WorkloadResult> {
  const { tf } = lib;
  const model = w6Model(tf, mode);
  const { x, y } = w6Batch(tf);
  const step = async () => {
    if (mode === 'infer') {
      tf.tidy(() => model.predict(x, { batchSize: W6_BATCH }).dataSync());
    } else {
      await model.trainOnBatch(x, y);
    }
  };
  for (let i = 0; i < o.warm; i++) await step();
  o.onTimed?.();
  const key = mode === 'infer' ? 'W6 inference' : 'W6 training';
  const values: number[] = [];
  const cpuValues: number[] = [];
  for (let r = 0; r < o.reps; r++) {
    const t0 = now();
    await step();
    const t = now();
    values.push(t.wall - t0.wall);
    cpuValues.push(t.cpu - t0.cpu);
  }
  tf.dispose([x, y]);
  return { values: { [key]: values }, cpuValues: { [key]: cpuValues }, unit: `ms per ${mode === 'infer' ? 'predict' : 'training step'} (batch ${W6_BATCH})` };
}

// ---------------------------------------------------------------- standalone

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const arg = (name: string, def: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1]! : def;
  };
  const tf = await import('../src/index.ts');
  const backend = arg('backend', 'native');
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  const threads = Number(arg('threads', '0'));
  if (threads > 0) tf.setNumThreads(threads);
  const mode = arg('mode', 'infer') as 'infer' | 'train';
  const reps = Number(arg('reps', '3'));
  const warm = Number(arg('warm', '1'));
  const profile = argv.includes('--profile');
  const time = new Map<string, [number, number]>();
  let on = false;
  if (profile) {
    const be = tf.ENGINE.backend as unknown as { kernels: Record<string, (a: { inputs: Record<string, { shape: number[] }>; attrs: Record<string, unknown> }) => unknown> };
    const wrapped: typeof be.kernels = {};
    for (const [name, k] of Object.entries(be.kernels)) {
      wrapped[name] = (args) => {
        if (!on) return k(args);
        const t = performance.now();
        const r = k(args);
        const dt = performance.now() - t;
        let key = name;
        if (name.startsWith('Conv2D')) {
          const x = args.inputs['x'] ?? { shape: args.attrs['inputShape'] as number[] };
          const w = args.inputs['filter'] ?? { shape: args.attrs['filterShape'] as number[] };
          const s = (args.attrs['strides'] as number[])[0];
          key = `${name} ${x.shape.slice(1).join('x')} * ${w.shape.join('x')} /${s}`;
        }
        const e = time.get(key) ?? [0, 0];
        e[0] += dt;
        e[1]++;
        time.set(key, e);
        return r;
      };
    }
    Object.defineProperty(be, 'kernels', { value: wrapped });
  }
  console.log(`W6 ${mode}, backend ${tf.getBackend()}, threads ${tf.getNumThreads()}${(tf as TF).nativeInfo ? `, ${JSON.stringify((tf as TF).nativeInfo())}` : ''}`);
  const lib = { tf, logitsLoss: null };
  const r = await resnet50Workload(lib, mode, { steps: 1, warm, reps, sizes: [], onTimed: () => (on = true) });
  const key = Object.keys(r.values)[0]!;
  const v = r.values[key]!;
  const c = r.cpuValues[key]!;
  const med = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${key}: median ${med(v).toFixed(0)} ms (runs ${v.map((t) => t.toFixed(0)).join(', ')}), CPU time median ${med(c).toFixed(0)} ms`);
  if (profile) {
    const rows = [...time.entries()].sort((a, b) => b[1][0] - a[1][0]);
    const total = v.reduce((s, t) => s + t, 0);
    const kernelMs = rows.reduce((s, [, [t]]) => s + t, 0);
    console.log(`kernels ${(kernelMs / reps).toFixed(0)} ms per step, framework ${((total - kernelMs) / reps).toFixed(0)} ms (${((100 * (total - kernelMs)) / total).toFixed(1)}%)`);
    // By family first, then kernel by kernel.
    const family = (name: string): string => {
      if (name.startsWith('_FusedConv2D') || name.startsWith('Conv2D ')) return 'convolutions, forward (with bias / batch norm / relu epilogues)';
      if (name.startsWith('Conv2DBackpropInput')) return 'convolutions, input gradients';
      if (name.startsWith('Conv2DBackpropFilter')) return 'convolutions, filter gradients';
      if (name.startsWith('FusedBatchNorm')) return 'batch norm (forward and gradient)';
      if (name === 'AdamUpdate' || name === 'SGDUpdate' || name === 'RMSpropUpdate') return 'optimizer update';
      if (['Add', 'Sub', 'Mul', 'Div', 'Relu', '_ReluGrad', 'Select', 'Sum', 'Mean', 'PadV2', 'Slice'].includes(name)) return 'elementwise, sums, padding';
      if (name.startsWith('MaxPool') || name.startsWith('AvgPool')) return 'pooling';
      return 'other kernels';
    };
    const fam = new Map<string, number>();
    for (const [name, [t]] of rows) fam.set(family(name), (fam.get(family(name)) ?? 0) + t);
    console.log('| part of the step | ms per step | % of step |\n|---|---|---|');
    for (const [name, t] of [...fam.entries()].sort((a, b) => b[1] - a[1])) console.log(`| ${name} | ${(t / reps).toFixed(0)} | ${((100 * t) / total).toFixed(1)} |`);
    console.log(`| the framework (everything between kernels) | ${((total - kernelMs) / reps).toFixed(0)} | ${((100 * (total - kernelMs)) / total).toFixed(1)} |`);
    console.log('');
    console.log('| kernel | ms per step | % of step | calls per step |\n|---|---|---|---|');
    for (const [name, [t, n]] of rows.slice(0, Number(arg('top', '40')))) {
      console.log(`| ${name} | ${(t / reps).toFixed(1)} | ${((100 * t) / total).toFixed(1)} | ${(n / reps).toFixed(0)} |`);
    }
  }
}
