/**
 * Where a W1 training step spends its time: every kernel of the current idem backend is wrapped
 * with a timer; the rest of the step (op dispatch, autodiff bookkeeping, shape checks, tensor
 * allocation, the Keras training loop) is the framework's own overhead.
 *
 *   node --import tsx bench/profile.ts [--backend native|wasm|reference] [--steps N] [--warm N] [--workload W1|W2|W3|W7|W8] [--cpu]
 *
 * Prints the median step, kernel time per step, overhead = step − kernels (and its share), and
 * the kernels by time with their call counts. Timer cost itself (~2 performance.now() per kernel
 * call) is counted as kernel time, so the overhead figure is, if anything, slightly low.
 * --cpu (any workload; meant for IDEM_NUM_THREADS=1): the step and the kernels in this process's CPU
 * time (process.cpuUsage) instead of wall time, so that on a shared machine the time the process
 * waits for a core counts neither as kernel nor as overhead (with worker threads, their CPU time
 * counts too).
 */
import * as tf from '../src/index.ts';
import type { KernelFunc } from '../src/core/backend.ts';
import { runWorkload } from './workloads.ts';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : def;
};
const backend = arg('backend', 'native');
const workload = arg('workload', 'W1');
const steps = Number(arg('steps', backend === 'reference' ? '5' : '50'));
if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);

const cpu = argv.includes('--cpu');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const now = cpu ? cpuMs : () => performance.now();
const time = new Map<string, [number, number]>();
let on = false;
const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
const wrapped: Record<string, KernelFunc> = {};
for (const [name, k] of Object.entries(be.kernels)) {
  wrapped[name] = (args) => {
    if (!on) return k(args);
    const t = now();
    const r = k(args);
    const e = time.get(name) ?? [0, 0];
    e[0] += now() - t;
    e[1]++;
    time.set(name, e);
    return r;
  };
}
Object.defineProperty(be, 'kernels', { value: wrapped });

const lib = { tf, logitsLoss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) };
// Warm-up steps of the same model (untimed: the JIT compiles the framework's code paths during
// the first tens of steps, and Keras's compiled train step runs its first step eagerly and
// traces the second — not the steady state), then one timed repetition of `steps` steps with
// the kernel timers on.
const warm = Number(arg('warm', backend === 'reference' ? '2' : '50'));
const r = await runWorkload(lib, workload, { steps, warm, reps: 1, sizes: [], onTimed: () => (on = true) });
const v = (cpu ? r.cpuValues?.[workload] : r.values[workload])![0]!;
// W3, W7, W8 report ms per step; W1, W2 seconds per epoch.
const stepMs = workload === 'W1' || workload === 'W2' ? (v * 1000) / (workload === 'W1' ? 600 : 469) : v;
const rows = [...time.entries()].sort((a, b) => b[1][0] - a[1][0]);
const kernelMs = rows.reduce((s, [, [t]]) => s + t, 0) / steps;
const calls = rows.reduce((s, [, [, c]]) => s + c, 0) / steps;
console.log(`${workload} on '${backend}': ${stepMs.toFixed(2)} ms ${cpu ? 'CPU time' : 'wall time'} per step (mean of ${steps}, includes making the batch tensors)`);
console.log(`kernels: ${kernelMs.toFixed(2)} ms per step in ${calls.toFixed(0)} kernel calls`);
console.log(`framework overhead (step − kernels): ${(stepMs - kernelMs).toFixed(2)} ms = ${((100 * (stepMs - kernelMs)) / stepMs).toFixed(1)}% of the step, ${((1000 * (stepMs - kernelMs)) / calls).toFixed(1)} µs per kernel call`);
console.log('| kernel | ms per step | % of step | calls per step |\n|---|---|---|---|');
for (const [name, [t, c]] of rows.slice(0, 20)) {
  console.log(`| ${name} | ${(t / steps).toFixed(3)} | ${((100 * t) / steps / stepMs).toFixed(1)} | ${(c / steps).toFixed(0)} |`);
}
