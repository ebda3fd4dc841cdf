/**
 * The WebGPU benchmark: `npm run bench -- --webgpu [--quick] [--no-write] [--peak-gflops N]`.
 *
 * Runs W1–W5 (bench/workloads.ts's models and data) and a GEMM sweep on idem's `webgpu` backend
 * and on TF.js's webgpu backend (@tensorflow/tfjs-backend-webgpu, a devDependency), each
 * implementation × workload in its own process on the same adapter: the browser's or, in Node,
 * the `webgpu` package's (Dawn) — on a machine without a GPU, SwiftShader through
 * VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (set here when that file exists and
 * the variable is not). It prints the adapter, medians, idem's speed-up, and the GEMM at its
 * largest size as a fraction of the GPU's float32 peak (from `--peak-gflops`, or a table of known
 * GPUs by adapter name), and writes the tables into bench/RESULTS.md between the `webgpu` markers.
 *
 * Steps are few on a software adapter (everything runs on the CPU's cores through SwiftShader):
 * figures are extrapolated to the workload's definition and marked `*`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist, makeModel, type Lib, type TF } from './workloads.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env['VK_ICD_FILENAMES'] && existsSync(ICD)) process.env['VK_ICD_FILENAMES'] = ICD;

interface Opts {
  /** Training steps (W1–W3), samples (W5), GEMM sizes (W4, sweep). */
  steps: number;
  sizes: number[];
}

interface Result {
  workload: string;
  impl: string;
  /** figure per key (higher or lower is better as the unit says) */
  values: Record<string, number>;
  unit: string;
  extrapolatedFrom?: string;
  adapter?: string;
  fallback?: boolean;
  error?: string;
  /** idem: kernels that ran the reference kernel on the CPU (backend.fallbacks). */
  fallbacks?: [string, number][];
}

// ---------------------------------------------------------------- child: one implementation × workload

/** Values from `t`, awaited (both libraries keep them on the GPU). */
async function read(t: { data(): Promise<unknown> }): Promise<void> {
  await t.data();
}

let idemFallbacks: (() => [string, number][]) | null = null;

async function idemLib(): Promise<{ lib: Lib; adapter: string; fallback: boolean }> {
  const tf = await import('../src/index.ts');
  const be = await tf.registerWebGPUBackend();
  if (!be) throw new Error('no WebGPU adapter');
  await tf.setBackend('webgpu');
  idemFallbacks = () => [...be.fallbacks];
  const i = be.adapterInfo;
  return { lib: { tf, logitsLoss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) }, adapter: [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' / '), fallback: be.isFallbackAdapter };
}

async function tfjsLib(): Promise<{ lib: Lib; adapter: string; fallback: boolean }> {
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    const specifier = 'webgpu';
    const { create, globals } = (await import(specifier)) as { create: (f: string[]) => unknown; globals: object };
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), userAgent: 'node' }, configurable: true });
  }
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js webgpu backend failed to initialise');
  await tf.ready();
  const logitsLoss = (yTrue: unknown, yPred: unknown) => tf.losses.softmaxCrossEntropy(yTrue as never, yPred as never);
  return { lib: { tf, logitsLoss }, adapter: '', fallback: false };
}

function filled(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = (s / 4294967296) * 2 - 1;
  }
  return v;
}

async function trainOnBatch(model: TF, x: TF, y: TF): Promise<void> {
  // idem: trainOnBatchAsync (the loss read with await); TF.js: trainOnBatch is async already.
  await (model.trainOnBatchAsync ? model.trainOnBatchAsync(x, y) : model.trainOnBatch(x, y));
}

async function child(impl: string, workload: string, o: Opts): Promise<Result> {
  const { lib, adapter, fallback } = impl === 'idem-webgpu' ? await idemLib() : await tfjsLib();
  const { tf } = lib;
  const res: Result = { workload, impl, values: {}, unit: '', adapter, fallback };
  if (workload === 'W1' || workload === 'W2' || workload === 'W3') {
    const model = makeModel(lib, workload);
    const batch = workload === 'W1' ? 100 : workload === 'W2' ? 128 : 64;
    const image = workload === 'W3';
    const m = loadMnist();
    const step = async (s: number) => {
      const i = (s % Math.floor(60000 / batch)) * batch;
      const x = tf.tensor(m.trainX.subarray(i * 784, (i + batch) * 784), image ? [batch, 28, 28, 1] : [batch, 784]);
      const y = tf.tensor(m.trainY.subarray(i * 10, (i + batch) * 10), [batch, 10]);
      await trainOnBatch(model, x, y);
      tf.dispose([x, y]);
    };
    await step(0); // compiles the pipelines
    const t0 = performance.now();
    for (let s = 1; s <= o.steps; s++) await step(s);
    const ms = (performance.now() - t0) / o.steps;
    const epoch = workload === 'W1' ? 600 : 469;
    res.values[workload] = workload === 'W3' ? ms : (ms * epoch) / 1000;
    res.unit = workload === 'W3' ? 'ms per step of 64' : `s per epoch (${epoch} steps of ${batch})`;
    res.extrapolatedFrom = `${o.steps} steps`;
  } else if (workload === 'W4' || workload === 'sweep') {
    for (const n of o.sizes) {
      const a = tf.tensor(filled(n * n, 1), [n, n]);
      const b = tf.tensor(filled(n * n, 2), [n, n]);
      const once = async () => {
        const c = tf.matMul(a, b);
        await read(c);
        c.dispose();
      };
      await once();
      await once();
      let count = 0;
      const t0 = performance.now();
      do {
        await once();
        count++;
      } while (performance.now() - t0 < 300);
      res.values[`n=${n}`] = (2 * n * n * n * count) / ((performance.now() - t0) * 1e6);
      tf.dispose([a, b]);
    }
    res.unit = 'GFLOP/s (product and readback)';
  } else if (workload === 'W5') {
    const model = makeModel(lib, 'W1');
    const m = loadMnist();
    const samples = o.steps;
    const x = tf.tensor(m.testX.subarray(0, samples * 784), [samples, 784]);
    const pass = async () => {
      const y = model.predict(x, { batchSize: 1000 });
      await read(y);
      y.dispose();
    };
    await pass();
    let passes = 0;
    const t0 = performance.now();
    do {
      await pass();
      passes++;
    } while (performance.now() - t0 < 300);
    res.values['W5'] = (samples * passes) / ((performance.now() - t0) / 1000);
    res.unit = 'samples/s';
    if (samples < 10000) res.extrapolatedFrom = `${samples} samples`;
  } else throw new Error(`unknown workload ${workload}`);
  if (idemFallbacks) res.fallbacks = idemFallbacks();
  return res;
}

// ---------------------------------------------------------------- parent

/** float32 peak (GFLOP/s, non-tensor-core) of GPUs by a substring of their adapter name. */
const PEAKS: [RegExp, number][] = [
  [/H200|H100.*SXM|H100 80GB HBM3/i, 66900],
  [/H100/i, 51200],
  [/A100/i, 19500],
  [/L4\b/i, 30300],
  [/A10G/i, 31200],
  [/RTX 4090/i, 82600],
  [/T4\b/i, 8100],
];

function runChild(impl: string, workload: string, o: Opts): Result {
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', impl, workload, JSON.stringify(o)], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60 * 1000, maxBuffer: 1 << 24,
    });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) return { workload, impl, values: {}, unit: '', error: 'no result' };
    return JSON.parse(line.slice(7)) as Result;
  } catch (e) {
    const err = e as { stdout?: string; message?: string };
    const line = err.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
    return line ? (JSON.parse(line.slice(7)) as Result) : { workload, impl, values: {}, unit: '', error: String(err.message).split('\n')[0] };
  }
}

const fmt = (v: number | undefined): string => (v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(3));

export async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const write = !argv.includes('--no-write');
  const pi = argv.indexOf('--peak-gflops');
  const peakArg = pi >= 0 ? Number(argv[pi + 1]) : NaN;
  const impls = ['idem-webgpu', 'tfjs-webgpu'];
  const first = runChild('idem-webgpu', 'W4', { steps: 1, sizes: [64] });
  if (first.error) {
    console.log(`webgpu bench: no adapter (${first.error}).`);
    process.exitCode = 1;
    return;
  }
  const software = first.fallback === true;
  const adapter = first.adapter ?? '?';
  console.log(`adapter: ${adapter}${software ? ' (fallback/software adapter: figures show relative overheads only)' : ''}`);
  const plan: [string, Opts][] = software
    ? [['W1', { steps: quick ? 1 : 3, sizes: [] }], ['W2', { steps: quick ? 1 : 3, sizes: [] }], ['W3', { steps: 1, sizes: [] }],
      ['W4', { steps: 1, sizes: quick ? [128] : [128, 256, 512] }], ['W5', { steps: quick ? 500 : 2000, sizes: [] }], ['sweep', { steps: 1, sizes: [32, 64, 96, 128, 192, 256, 384] }]]
    : [['W1', { steps: 50, sizes: [] }], ['W2', { steps: 50, sizes: [] }], ['W3', { steps: 20, sizes: [] }],
      ['W4', { steps: 1, sizes: [256, 512, 1024, 2048, 4096] }], ['W5', { steps: 10000, sizes: [] }], ['sweep', { steps: 1, sizes: [128, 256, 512, 768, 1024, 1536, 2048, 3072, 4096] }]];
  const loadBefore = loadavg()[0]!;
  const results: Result[] = [];
  for (const [w, o] of plan) {
    for (const impl of impls) {
      process.stdout.write(`${w} ${impl} … `);
      const r = runChild(impl, w, o);
      results.push(r);
      console.log(r.error ? `error: ${r.error}` : Object.entries(r.values).map(([k, v]) => `${k} ${fmt(v)}`).join(', ') + ` ${r.unit}` + (r.fallbacks ? ` (CPU fallbacks: ${r.fallbacks.length ? JSON.stringify(r.fallbacks) : 'none'})` : ''));
    }
  }
  const get = (w: string, impl: string) => results.find((r) => r.workload === w && r.impl === impl);
  const lines: string[] = [];
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  lines.push(`WebGPU run of ${date} UTC (\`npm run bench -- --webgpu${quick ? ' --quick' : ''}\`), adapter: ${adapter}${software ? ' — a **software** adapter (SwiftShader on the CPU): the figures compare the two libraries\' overheads on it, not GPU speed' : ''}. ` +
    `Load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on ${cpus().length} CPUs (other work on the machine slows both columns: compare within a run, not across runs).`, '');
  lines.push('| workload | idem webgpu | TF.js webgpu | idem speed-up |', '|---|---|---|---|');
  for (const [w] of plan.filter(([w]) => w !== 'sweep')) {
    const a = get(w, 'idem-webgpu');
    const b = get(w, 'tfjs-webgpu');
    const keys = Object.keys(a?.values ?? b?.values ?? {});
    for (const k of keys) {
      const va = a?.values[k];
      const vb = b?.values[k];
      const lowerBetter = (a?.unit ?? b?.unit ?? '').startsWith('s per') || (a?.unit ?? '').startsWith('ms');
      const up = va !== undefined && vb !== undefined ? (lowerBetter ? vb / va : va / vb) : undefined;
      const star = a?.extrapolatedFrom ? `* (${a.extrapolatedFrom})` : '';
      lines.push(`| ${w}${k === w ? '' : ' ' + k} (${a?.unit ?? b?.unit}) | ${a?.error ? 'error' : fmt(va) + star} | ${b?.error ? `error: ${b.error.slice(0, 60)}` : fmt(vb)} | ${up === undefined ? '—' : up.toFixed(2) + '×'} |`);
    }
  }
  const fb = results.filter((r) => r.impl === 'idem-webgpu' && r.fallbacks?.length);
  lines.push('', `Kernels that fell back to the CPU on idem webgpu: ${fb.length ? fb.map((r) => `${r.workload} ${JSON.stringify(r.fallbacks)}`).join('; ') : 'none'}.`);
  const sa = get('sweep', 'idem-webgpu');
  const sb = get('sweep', 'tfjs-webgpu');
  lines.push('', 'GEMM sweep (square n, GFLOP/s including the readback):', '', '| n | idem webgpu | TF.js webgpu |', '|---|---|---|');
  for (const k of Object.keys(sa?.values ?? {})) lines.push(`| ${k.slice(2)} | ${fmt(sa?.values[k])} | ${fmt(sb?.values[k])} |`);
  const peak = Number.isFinite(peakArg) ? peakArg : PEAKS.find(([re]) => re.test(adapter))?.[1];
  const w4 = get('W4', 'idem-webgpu');
  const big = w4 ? Object.keys(w4.values).pop() : undefined;
  if (peak && big && w4) lines.push('', `W4 ${big} on idem webgpu: ${fmt(w4.values[big])} GFLOP/s = ${((100 * w4.values[big]!) / peak).toFixed(1)}% of the GPU's float32 peak (${peak} GFLOP/s${Number.isFinite(peakArg) ? ', --peak-gflops' : ', known-GPU table'}).`);
  else lines.push('', software ? 'Fraction of peak: not applicable on a software adapter.' : 'Fraction of peak: unknown GPU (pass `--peak-gflops N`).');
  if (software) {
    lines.push('', 'No hardware GPU was available for this run: SwiftShader only. On a GPU machine the same command runs more steps, W4 up to n = 4096 and the sweep up to 4096, ' +
      'and prints the fraction of the float32 peak (known GPUs, or `--peak-gflops N`).');
  }
  const text = lines.join('\n');
  console.log('\n' + text);
  if (write) {
    const file = join(HERE, 'RESULTS.md');
    const md = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const begin = '<!-- webgpu:begin -->';
    const end = '<!-- webgpu:end -->';
    const block = `${begin}\n## WebGPU\n\n${text}\n${end}`;
    const out = md.includes(begin) ? md.slice(0, md.indexOf(begin)) + block + md.slice(md.indexOf(end) + end.length) : `${md.trimEnd()}\n\n${block}\n`;
    writeFileSync(file + '.tmp', out);
    const { renameSync } = await import('node:fs');
    renameSync(file + '.tmp', file);
    console.log(`\nwritten to bench/RESULTS.md`);
  }
}

if (process.argv[2] === '--child') {
  const [, , , impl, workload, json] = process.argv;
  child(impl!, workload!, JSON.parse(json!) as Opts)
    .then((r) => {
      console.log('RESULT ' + JSON.stringify(r));
      process.exit(0);
    })
    .catch((e: unknown) => {
      console.log('RESULT ' + JSON.stringify({ workload, impl, values: {}, unit: '', error: String((e as Error)?.message ?? e).split('\n')[0] }));
      process.exit(1);
    });
}
