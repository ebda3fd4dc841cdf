/**
 * ONNX Runtime (onnxruntime-node, a benchmark-only devDependency, CPU execution provider) on the
 * inference workloads, for `npm run bench`:
 *
 *   node --import tsx bench/ort_w.ts <threads> <W5|W6> '<options json>'
 *
 * - W5: the W1 MLP (784 → 4 × 256 relu → 10) forward over the 10k MNIST test images in batches
 *   of 1000, samples/s (as bench/workloads.ts's W5: warm-up ≥ 1.5 s, then ≥ 0.3 s of passes per
 *   repetition);
 * - W6: Keras's ResNet50 on a batch of 8 images of 224×224×3, ms per run.
 * The models are exported from PyTorch by bench/torch_w6.py (`export`) into bench/build/onnx/
 * on first use (PyTorch needed; the same networks as idem's, seeded random weights). Sessions use
 * `intraOpNumThreads = threads`, one inter-op thread, sequential execution and every graph
 * optimisation (ONNX Runtime's fusions of conv + batch norm + relu are part of what is measured).
 * Prints one line `RESULT {json}` like bench/child.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist, type WorkloadOptions } from './workloads.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ONNX_DIR = join(HERE, 'build', 'onnx');

/** Exports the ONNX models with PyTorch unless present; returns why not when it cannot. */
export function ensureOnnxModels(): string | null {
  if (existsSync(join(ONNX_DIR, 'resnet50.onnx')) && existsSync(join(ONNX_DIR, 'w1_mlp.onnx'))) return null;
  const r = spawnSync('/usr/bin/python3', [join(HERE, 'torch_w6.py'), 'export', ONNX_DIR], { encoding: 'utf8', timeout: 10 * 60 * 1000 });
  if (r.status !== 0) return `could not export the ONNX models with PyTorch (${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]})`;
  return null;
}

function now(): { wall: number; cpu: number } {
  const u = process.cpuUsage();
  return { wall: performance.now(), cpu: (u.user + u.system) / 1000 };
}

async function main(): Promise<void> {
  const [threadsArg, w, json] = process.argv.slice(2);
  const threads = Number(threadsArg);
  const o = JSON.parse(json!) as WorkloadOptions;
  const require = createRequire(import.meta.url);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ort = require('onnxruntime-node') as any;
  const version = `ONNX Runtime ${ort.env?.versions?.node ?? '?'} (onnxruntime-node, CPU EP, ${threads} intra-op thread${threads === 1 ? '' : 's'})`;
  const why = ensureOnnxModels();
  if (why) {
    console.log('RESULT ' + JSON.stringify({ error: why, version }));
    return;
  }
  const opts = { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
  let result: Record<string, unknown>;
  if (w === 'W6') {
    const session = await ort.InferenceSession.create(join(ONNX_DIR, 'resnet50.onnx'), opts);
    const data = new Float32Array(8 * 3 * 224 * 224);
    let s = 6;
    for (let i = 0; i < data.length; i++) data[i] = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 255;
    const feeds = { x: new ort.Tensor('float32', data, [8, 3, 224, 224]) };
    const run = async () => {
      const out = await session.run(feeds);
      (out.y as { data: Float32Array }).data[0];
    };
    for (let i = 0; i < Math.max(1, o.warm); i++) await run();
    const values: number[] = [];
    const cpuValues: number[] = [];
    for (let r = 0; r < o.reps; r++) {
      const t0 = now();
      await run();
      const t = now();
      values.push(t.wall - t0.wall);
      cpuValues.push(t.cpu - t0.cpu);
    }
    result = { values: { 'W6 inference': values }, cpuValues: { 'W6 inference': cpuValues }, unit: 'ms per predict (batch 8)' };
  } else if (w === 'W5') {
    const session = await ort.InferenceSession.create(join(ONNX_DIR, 'w1_mlp.onnx'), opts);
    const m = loadMnist();
    const samples = Math.min(10000, o.steps);
    const pass = async () => {
      for (let b = 0; b < samples; b += 1000) {
        const n = Math.min(1000, samples - b);
        const out = await session.run({ x: new ort.Tensor('float32', m.testX.subarray(b * 784, (b + n) * 784), [n, 784]) });
        (out.y as { data: Float32Array }).data[0];
      }
    };
    const w0 = performance.now();
    for (let i = 0; i < o.warm || (o.warm > 0 && performance.now() - w0 < 1500); i++) await pass();
    const values: number[] = [];
    const cpuValues: number[] = [];
    for (let r = 0; r < o.reps; r++) {
      let wall = 0;
      let cpu = 0;
      let passes = 0;
      do {
        const t0 = now();
        await pass();
        const t = now();
        wall += t.wall - t0.wall;
        cpu += t.cpu - t0.cpu;
        passes++;
      } while (wall < 300);
      values.push((samples * passes) / (wall / 1000));
      cpuValues.push((samples * passes) / (cpu / 1000));
    }
    result = { values: { W5: values }, cpuValues: { W5: cpuValues }, unit: 'samples/s' };
  } else {
    result = { error: `ONNX Runtime runs the inference workloads W5 and W6 only, not ${w}` };
  }
  console.log('RESULT ' + JSON.stringify({ ...result, version, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((e: unknown) => {
  console.log('RESULT ' + JSON.stringify({ error: String((e as Error)?.message ?? e).split('\n')[0] }));
  process.exitCode = 1;
});
