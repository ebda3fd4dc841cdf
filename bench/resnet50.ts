/**
 * ResNet50 inference: one forward pass (`model.predict`, inference mode) of
 * `tf.applications.resnet50()` (with the top, random seeded weights) on 224×224×3 images,
 * batch 1 and batch 8, milliseconds. Prints which backend ran and whether its Conv2D kernel is
 * its own or the reference one.
 *
 *   node --import tsx bench/resnet50.ts [--reps N] [--backend native|wasm|reference] [--torch]
 *
 * Reported per batch: the median and the best wall time of N timed runs after one warm-up run,
 * and the median CPU time of the process (user + system, all threads) per run — on a shared,
 * overloaded machine the CPU time says more than the wall time.
 * `--torch` adds the same network hand-built in PyTorch (bench/resnet50_torch.py, no
 * torchvision; eval mode, no_grad) when /usr/bin/python3 has torch, with as many threads as idem.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/index.ts';
import { kernels as referenceKernels } from '../src/backends/reference/kernels/index.ts';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const reps = Number(opt('--reps') ?? 3);
const backend = opt('--backend');
if (backend) tf.setBackend(backend);
await tf.ready();

const be = tf.ENGINE.backend;
const ownConv = be.kernels['Conv2D'] !== undefined && be.kernels['Conv2D'] !== referenceKernels['Conv2D'];
const threads = tf.getNumThreads();
console.log(`backend: ${tf.getBackend()} (Conv2D: ${ownConv ? 'its own kernel' : 'the reference kernel'}), threads: ${threads}`);

tf.setSeed(0);
let t0 = performance.now();
const model = tf.applications.resnet50({});
console.log(`build (25,636,712 weights, seeded init): ${((performance.now() - t0) / 1000).toFixed(1)} s`);

function stats(xs: number[]): { median: number; best: number } {
  const s = xs.slice().sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, best: s[0]! };
}

const rows: { batch: number; median: number; best: number }[] = [];
for (const batch of [1, 8]) {
  const x = tf.applications.resnet50.preprocessInput(tf.randomUniform([batch, 224, 224, 3], 0, 255, 'float32', batch));
  const run = () => tf.tidy(() => model.predict(x, { batchSize: batch }).dataSync());
  run(); // warm up
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    t0 = performance.now();
    run();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const s = stats(times);
  rows.push({ batch, ...s });
  console.log(`idem batch ${batch}: median ${s.median.toFixed(0)} ms, best ${s.best.toFixed(0)} ms (${reps} runs: ${times.map((t) => t.toFixed(0)).join(', ')}); CPU time median ${stats(cpu).median.toFixed(0)} ms`);
}

if (argv.includes('--torch')) {
  const script = fileURLToPath(new URL('./resnet50_torch.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, String(reps), String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) console.log(`torch: not run (${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]})`);
  else process.stdout.write(r.stdout);
}
