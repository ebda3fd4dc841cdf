/**
 * `npm run bench`: the workloads W1–W8 of PRODUCT.md for idem (native, wasm when registered,
 * reference) and, in the same run, for @tensorflow/tfjs (`cpu` and `wasm`, 1 thread) and, when
 * `/usr/bin/python3 -c 'import torch'` works, PyTorch (bench/torch_w.py, 1 thread). Every
 * (implementation, workload) runs in its own child process, one after another, so each has its
 * own peak RSS (`process.resourceUsage().maxRSS`). Prints medians, idem's speed-ups and RSS, and
 * writes them with the machine, the versions and the command into bench/RESULTS.md (between the
 * `npm run bench` markers; other sections of that file are left alone).
 *
 *   npm run bench [-- --quick] [-- --full] [-- --only W1,W4] [-- --impls idem-native,tfjs-wasm] [-- --reps N] [-- --no-write] [-- --no-probe]
 *   npm run bench -- --browser [--quick] [--reps N] [--impls ...]   (bench/browser.ts: in headless Chromium)
 *
 * --quick: 1 repetition and fewer steps; --full: every peer runs the whole workload (TF.js cpu
 * W1 is then ~5 min). Slow implementations run fewer steps or samples than the workload defines
 * and the figure is extrapolated linearly (marked * with the count in the notes). Before every
 * measurement a 0.4 s run of bench/peak probes the machine (--no-probe: not); RESULTS.md lists
 * the measurements that followed a probe in which the cores gave less than they should.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTables, degraded, fmt, median, parsePeak, parseProbe, peakTable, probeSummary, replaceSection, RESNET50_MACS, w6PeakTable, type Cell, type Probe, type Run } from './report.ts';
import type { WorkloadOptions } from './workloads.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const argv = process.argv.slice(2);
if (argv.includes('--browser')) {
  // The browser benchmark (W1 and W4 in headless Chromium, idem wasm vs TF.js wasm): bench/browser.ts.
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'browser.ts'), ...argv.filter((a) => a !== '--browser')], { stdio: 'inherit', cwd: ROOT });
  process.exit(r.status ?? 1);
}
if (argv.includes('--webgpu')) {
  // The WebGPU benchmark (idem's webgpu backend vs TF.js's, same adapter): bench/webgpu.ts.
  await (await import('./webgpu.ts')).main(argv);
  process.exit(process.exitCode ?? 0);
}
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const full = argv.includes('--full');
const write = !argv.includes('--no-write');
const only = opt('only')?.split(',').map((s) => s.trim().toUpperCase()) ?? ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W6T', 'W7', 'W8'];
const repsOverride = opt('reps') ? Number(opt('reps')) : undefined;
const SIZES = [256, 512, 1024, 2048];

function hasTorch(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}
function hasIdemBackend(name: string): boolean {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `import('./src/index.ts').then(async (tf) => process.exit((await tf.setBackend('${name}')) && tf.getBackend() === '${name}' ? 0 : 3))`], { cwd: ROOT, stdio: 'ignore' });
  return r.status === 0;
}

function hasOrt(): boolean {
  return existsSync(join(ROOT, 'node_modules', 'onnxruntime-node', 'package.json'));
}

const IDEM = ['idem-native', 'idem-wasm'];
const PEERS = ['tfjs-wasm', 'tfjs-cpu'];
const torch = hasTorch();
if (torch) PEERS.push('torch-1t', 'torch-2t');
// ONNX Runtime runs models exported from PyTorch (bench/torch_w6.py): needs both.
const ort = hasOrt() && torch;
if (ort) PEERS.push('ort-1t', 'ort-2t');
const allImpls = ['idem-native', 'idem-native-1t', 'idem-wasm', 'idem-reference', ...PEERS];
let impls = opt('impls')?.split(',') ?? allImpls;
const skipped: string[] = [];
for (const [impl, backend] of [['idem-native', 'native'], ['idem-wasm', 'wasm']] as const) {
  if (impls.includes(impl) && !hasIdemBackend(backend)) {
    skipped.push(`${impl}: the '${backend}' backend is not available on this machine`);
    impls = impls.filter((i) => i !== impl && !(backend === 'native' && i === 'idem-native-1t'));
  }
}

/** How each implementation runs each workload (null: not run). Slow ones run fewer steps. */
function plan(impl: string, w: string): WorkloadOptions | null {
  const reps = repsOverride ?? (quick ? 1 : 3);
  const slow = impl === 'idem-reference' || impl === 'tfjs-cpu';
  const o = (steps: number, warm: number, r = reps, sizes = SIZES): WorkloadOptions => ({ steps, warm, reps: r, sizes });
  if (w === 'W6' || w === 'W6T') {
    // ResNet50, batch 8: one warm-up step, then timed steps (each ~1-10 s); not TF.js or the
    // reference backend (minutes per step); wasm inference once.
    if (impl === 'idem-wasm') return w === 'W6' ? o(1, 0, 1) : null;
    if (impl.startsWith('idem-native') || impl.startsWith('torch')) return o(1, 1, repsOverride ?? (quick ? 1 : 3));
    if (impl.startsWith('ort')) return w === 'W6' ? o(1, 1, repsOverride ?? (quick ? 1 : 3)) : null;
    return null;
  }
  if (w === 'W7' || w === 'W8') {
    // The sequence workloads (bench/sequence.ts, PyTorch bench/torch_seq.py): idem native on all
    // cores and on one, PyTorch on 1 and 2 threads; idem wasm a few steps (W7 ~1 s per step);
    // not TF.js (no MultiHeadAttention) nor the reference backend.
    if (impl.startsWith('idem-native') || impl.startsWith('torch')) return o(quick ? 5 : 10, 3);
    if (impl === 'idem-wasm') return o(quick ? 1 : 2, 1, 1);
    return null;
  }
  if (impl.startsWith('ort')) return w === 'W5' ? o(10000, 1) : null;
  // idem on one thread beside PyTorch and ONNX Runtime on one: the like-for-like pairing by CPU
  // time (a multi-threaded run's CPU time also counts its idle workers' polling between kernels).
  if (impl === 'idem-native-1t' && !['W1', 'W2', 'W3', 'W4', 'W5'].includes(w)) return null;
  switch (w) {
    case 'W1':
    case 'W2': {
      const epoch = w === 'W1' ? 600 : 469;
      if (full) return o(epoch, 2);
      if (slow) return o(quick ? 5 : 10, 1, 1);
      if (impl === 'tfjs-wasm') return o(quick ? 50 : 100, 2);
      return o(quick ? 100 : epoch, 2);
    }
    case 'W3':
      if (impl === 'tfjs-cpu') return o(1, 0, 1); // ~41 s per step
      if (impl === 'idem-reference') return o(1, 1, 1);
      return o(quick ? 5 : 10, 2);
    case 'W4':
      return slow ? o(0, 0, full ? reps : 1, [256, 512]) : o(0, 0);
    case 'W5':
      return slow && !full ? o(2000, 0, 1) : o(10000, 1);
  }
  return null;
}

/**
 * runChild, retried once after 30 s when the backend was missing (the native addon is being
 * rebuilt by someone else on a shared machine): the row is then measured rather than empty.
 */
function runChildRetrying(impl: string, w: string, o: WorkloadOptions): Run {
  const first = runChild(impl, w, o);
  if (!first.error?.includes('unknown backend')) return first;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);
  return runChild(impl, w, o);
}

/** Threads of a peer's column: torch-1t / ort-2t … */
function peerThreads(impl: string): string {
  return /-(\d+)t$/.exec(impl)?.[1] ?? '1';
}

function runChild(impl: string, w: string, o: WorkloadOptions): Run {
  const json = JSON.stringify(o);
  const isTorch = impl.startsWith('torch');
  const isOrt = impl.startsWith('ort');
  const cmd = isTorch ? '/usr/bin/python3' : process.execPath;
  const args = isTorch
    ? [join(HERE, w === 'W6' || w === 'W6T' ? 'torch_w6.py' : w === 'W7' || w === 'W8' ? 'torch_seq.py' : 'torch_w.py'), peerThreads(impl), w, json]
    : isOrt
      ? ['--import', 'tsx', join(HERE, 'ort_w.ts'), peerThreads(impl), w, json]
      : ['--import', 'tsx', join(HERE, 'child.ts'), impl, w, json];
  // torch.set_num_threads does not bind OpenBLAS's own pool: pin it too, so 'torch-1t' is one
  // thread. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on this machine for old OpenBLAS builds)
  // slow Debian's OpenBLAS down: dropped for PyTorch.
  const env: NodeJS.ProcessEnv = { ...process.env, ...(impl === 'idem-native-1t' ? { IDEM_NUM_THREADS: '1' } : {}) };
  if (isTorch) {
    const t = peerThreads(impl);
    Object.assign(env, { OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t });
    delete env['OPENBLAS_CORETYPE'];
    delete env['OPENBLAS_L2_SIZE'];
  }
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 20 * 60 * 1000, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) {
    const why = r.error ? String(r.error.message) : (r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? `exit ${r.status}`;
    return { impl, workload: w, cells: {}, error: `no result (${why})` };
  }
  const res = JSON.parse(line.slice(7)) as { values?: Record<string, number[]>; cpuValues?: Record<string, number[]>; unit?: string; extrapolatedFrom?: string; maxRssMB?: number; error?: string; version?: string };
  if (res.version) versions[impl] = res.version;
  if (res.error) return { impl, workload: w, cells: {}, error: res.error };
  const cells: Record<string, Cell> = {};
  for (const [row, values] of Object.entries(res.values ?? {})) {
    const cpuValues = res.cpuValues?.[row];
    cells[row] = { values, ...(cpuValues ? { cpuValues } : {}), unit: res.unit ?? '', ...(res.extrapolatedFrom ? { extrapolatedFrom: res.extrapolatedFrom } : {}) };
  }
  return { impl, workload: w, cells, ...(res.maxRssMB !== undefined ? { maxRssMB: res.maxRssMB } : {}) };
}

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}
function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /model name\s*:\s*(.+)/.exec(info)?.[1] ?? cpus()[0]?.model ?? 'unknown';
    const family = /cpu family\s*:\s*(\d+)/.exec(info)?.[1];
    const num = /\nmodel\s*:\s*(\d+)/.exec(info)?.[1];
    const flags = /flags\s*:\s*(.+)/.exec(info)?.[1]?.split(' ') ?? [];
    const simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f));
    return `${model.trim()} (family ${family ?? '?'} model ${num ?? '?'}; ${simd.join(', ') || 'no AVX2/FMA'})`;
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}
function gitCommit(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}
function torchBlas(): string {
  const r = spawnSync('/usr/bin/python3', ['-c', "import torch,re; c=torch.__config__.show(); print(re.search(r'BLAS_INFO=(\\w+)', c).group(1))"], { encoding: 'utf8' });
  const alt = spawnSync('sh', ['-c', 'readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3'], { encoding: 'utf8' }).stdout.trim();
  return `BLAS_INFO=${r.stdout.trim() || '?'}, libblas.so.3 → ${alt || '?'}`;
}

/** idem's native ISA path on this machine (native/src/isa.h) and the paths the CPU can run. */
function nativeIsa(): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/backends/native/loader.ts').then((m) => { const a = m.loadNativeAddon(); console.log(a ? JSON.stringify(a.info()) : 'null'); })"], { cwd: ROOT, encoding: 'utf8' });
  try {
    const info = JSON.parse(r.stdout.trim()) as { isa: string; isas: string[] } | null;
    return info ? `${info.isa} (this CPU runs: ${info.isas.join(', ')}${process.env['IDEM_ISA'] ? `; IDEM_ISA=${process.env['IDEM_ISA']}` : ''})` : 'addon not built';
  } catch {
    return 'unknown';
  }
}

/** This machine's float32 FMA peak from the native engineers' bench/peak (null when it cannot run). */
function measurePeak(): ReturnType<typeof parsePeak> {
  const script = join(HERE, 'peak', 'run.mjs');
  if (!existsSync(script)) return null;
  const r = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8', timeout: 5 * 60 * 1000 });
  return parsePeak(r.stdout ?? '');
}

/**
 * A 0.4 s run of bench/peak (0.05 s per figure) before every measurement, so a slow figure can
 * be told from a slow machine: on this shared VM the two vCPUs at times give one core's worth
 * (2-thread FMA runs of ~117 GFLOP/s against ~225). Compiled once by bench/peak/run.mjs.
 */
const PEAK_EXE = join(HERE, 'peak', 'build', 'peak');
const probing = !argv.includes('--no-probe') && existsSync(join(HERE, 'peak', 'run.mjs')) &&
  spawnSync(process.execPath, [join(HERE, 'peak', 'run.mjs'), '0.01'], { cwd: ROOT, stdio: 'ignore', timeout: 5 * 60 * 1000 }).status === 0;
const probes: Probe[] = [];
function probe(label: string): Probe | null {
  if (!probing) return null;
  const r = spawnSync(PEAK_EXE, ['0.05'], { encoding: 'utf8', timeout: 60 * 1000 });
  const p = parseProbe(label, r.stdout ?? '');
  if (p) probes.push(p);
  return p;
}

const versions: Record<string, string> = {};
const command = `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`;
const load0 = loadavg()[0]!;
const t0 = Date.now();
const runs: Run[] = [];
// Repetitions are interleaved: round r runs repetition r of every implementation (each in a
// fresh process, warmed up), so a slow spell on this shared machine hits all of them alike
// instead of one implementation's three repetitions in a row.
for (const w of only) {
  const planned = impls.map((impl) => [impl, plan(impl, w)] as const).filter((p): p is readonly [string, WorkloadOptions] => p[1] !== null);
  const merged = new Map<string, Run>();
  const rounds = Math.max(0, ...planned.map(([, o]) => o.reps));
  for (let r = 0; r < rounds; r++) {
    for (const [impl, o] of planned) {
      if (r >= o.reps || merged.get(impl)?.error) continue;
      const label = `${w} ${impl} ${r + 1}/${o.reps}`;
      const pr = probe(label);
      process.stdout.write(`${w} ${impl} (${o.steps && !w.startsWith('W6') ? `${o.steps} ${w === 'W5' ? 'samples' : 'steps'}, ` : ''}repetition ${r + 1} of ${o.reps})` +
        (pr ? ` [probe: 1 core ${pr.one.toFixed(0)}, ${pr.threads} cores ${pr.all.map((g) => g.toFixed(0)).join('/')} GFLOP/s${degraded(pr) ? ', degraded' : ''}]` : '') + '... ');
      const t = Date.now();
      const run = runChildRetrying(impl, w, { ...o, reps: 1 });
      const summary = run.error ?? Object.entries(run.cells).map(([row, c]) => `${row}: ${median(c.values).toPrecision(4)} ${c.unit}`).join('; ');
      console.log(`${((Date.now() - t) / 1000).toFixed(1)} s — ${summary}`);
      merged.set(impl, mergeRuns(merged.get(impl), run));
    }
  }
  for (const [impl] of planned) runs.push(merged.get(impl)!);
}

/** One implementation's repetitions (one child each) as one run: values appended, the highest RSS. */
function mergeRuns(prev: Run | undefined, next: Run): Run {
  if (!prev || next.error) return next;
  const cells: Record<string, Cell> = { ...prev.cells };
  for (const [row, c] of Object.entries(next.cells)) {
    const p = cells[row];
    cells[row] = p
      ? { ...p, values: [...p.values, ...c.values], ...(p.cpuValues && c.cpuValues ? { cpuValues: [...p.cpuValues, ...c.cpuValues] } : {}) }
      : c;
  }
  const rss = Math.max(prev.maxRssMB ?? 0, next.maxRssMB ?? 0);
  return { ...prev, cells, ...(rss > 0 ? { maxRssMB: rss } : {}) };
}
// Where a W1 step spends its time, per idem backend (bench/profile.ts).
const profiles: string[] = [];
const seqProfiles: string[] = [];
if (only.includes('W1')) {
  // native on every core and on one (IDEM_NUM_THREADS=1: PyTorch's column is one thread), wasm.
  for (const [impl, backend, threads] of [['idem-native', 'native', ''], ['idem-native', 'native', '1'], ['idem-wasm', 'wasm', '']] as const) {
    if (!impls.includes(impl)) continue;
    const label = threads ? `${backend}, ${threads} thread` : backend;
    process.stdout.write(`W1 profile on ${label}... `);
    const env = threads ? { ...process.env, IDEM_NUM_THREADS: threads } : process.env;
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'profile.ts'), '--backend', backend, '--steps', quick ? '20' : '200', '--warm', quick ? '10' : '50'], { cwd: ROOT, encoding: 'utf8', env, timeout: 10 * 60 * 1000 });
    const out = (r.stdout ?? '').trim();
    console.log(r.status === 0 ? 'done' : `failed (${(r.stderr ?? '').trim().split('\n').slice(-1)[0]})`);
    if (r.status === 0) profiles.push(`**${label}**: ${out.split('\n').slice(0, 3).join(' ')}`, '', ...out.split('\n').slice(3), '');
  }
}
// Where a W6 training step spends its time (bench/w6.ts --profile), native on all cores.
let w6Profile: string[] = [];
if (only.includes('W6T') && impls.includes('idem-native')) {
  process.stdout.write('W6 training profile... ');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'w6.ts'), '--mode', 'train', '--reps', quick ? '1' : '2', '--warm', '1', '--profile', '--top', '25'], { cwd: ROOT, encoding: 'utf8', timeout: 30 * 60 * 1000 });
  console.log(r.status === 0 ? 'done' : `failed (${(r.stderr ?? '').trim().split('\n').slice(-1)[0]})`);
  if (r.status === 0) w6Profile = (r.stdout ?? '').trim().split('\n');
}
// Where a W7 / W8 step spends its time (native, one thread: the kernels against the framework).
for (const w of ['W7', 'W8']) {
  if (!only.includes(w) || !impls.includes('idem-native')) continue;
  process.stdout.write(`${w} profile on native, 1 thread... `);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'profile.ts'), '--backend', 'native', '--workload', w, '--steps', quick ? '5' : '10', '--warm', '3', '--cpu'],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, IDEM_NUM_THREADS: '1' }, timeout: 10 * 60 * 1000 });
  const out = (r.stdout ?? '').trim();
  console.log(r.status === 0 ? 'done' : `failed (${(r.stderr ?? '').trim().split('\n').slice(-1)[0]})`);
  if (r.status === 0) seqProfiles.push(`**${w}, native, 1 thread**: ${out.split('\n').slice(0, 3).join(' ')}`, '', ...out.split('\n').slice(3, 14), '');
}
const peak = only.includes('W4') || only.includes('W6') || only.includes('W6T') ? measurePeak() : null;
const peakWidths = peak?.widths.length ? `; per vector width: ${peak.widths.map((w) => `${w.width}-bit ${w.one} on 1 core, ${w.all} on ${peak.threads}`).join('; ')}` : '';
if (peak) console.log(`peak (bench/peak): ${peak.one} GFLOP/s on 1 core, ${peak.all} on ${peak.threads}${peakWidths}`);
const load1 = loadavg()[0]!;

const idemCols = IDEM.filter((i) => impls.includes(i));
const peerCols = PEERS.filter((i) => impls.includes(i));
const extraCols = impls.filter((i) => !idemCols.includes(i) && !peerCols.includes(i));
const tables = buildTables(runs, [...idemCols, ...extraCols], peerCols);
// Ratios for the idem backends users get by default (native) or in browsers (wasm), and for
// native on one thread (beside the peers' one-thread columns: the like-for-like pairing).
const ratioCols = [...idemCols, ...(impls.includes('idem-native-1t') ? ['idem-native-1t'] : [])];
const ratioTables = buildTables(runs, ratioCols, peerCols);
const cpuTables = buildTables(runs, [...idemCols, ...extraCols], peerCols, true);
const cpuRatioTables = buildTables(runs, ratioCols, peerCols, true);

const machine = [
  `- CPU: ${cpuModel()}, ${cpus().length} cores; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  `- load average (1 min) ${load0.toFixed(2)} at the start, ${load1.toFixed(2)} at the end (the machine is shared: figures measured under load are noisy)`,
  `- idem native ISA path: ${nativeIsa()}`,
  ...(peak ? [`- float32 FMA peak (bench/peak, widest vectors): ${peak.one} GFLOP/s on 1 core, ${peak.all} on ${peak.threads}${peakWidths}`] : []),
  `- Node ${process.version}; idem ${pkgVersion('../')} at commit ${gitCommit()}; @tensorflow/tfjs ${pkgVersion('@tensorflow/tfjs')}, @tensorflow/tfjs-backend-wasm ${pkgVersion('@tensorflow/tfjs-backend-wasm')} (1 thread, SIMD)`,
  torch ? `- PyTorch ${versions['torch-1t'] ?? '?'} (Debian python3-torch; ${torchBlas()}), 1 and 2 threads (torch-1t, torch-2t; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment)${/BLAS_INFO=generic.*\/blas\/libblas/.test(torchBlas()) ? ' — its matrix products go to the reference BLAS (libblas3: OpenBLAS is not installed here), so its GEMM-bound figures are far below what PyTorch does with OpenBLAS' : ''}` : '- PyTorch: not installed (column omitted)',
  ort ? `- ONNX Runtime: onnxruntime-node ${pkgVersion('onnxruntime-node')} (CPU execution provider; 1 and 2 intra-op threads: ort-1t, ort-2t) on models exported from PyTorch by bench/torch_w6.py (the same networks) — W5 and W6 inference only` : '- ONNX Runtime: not run (onnxruntime-node or PyTorch missing)',
  `- wall time of the run: ${((Date.now() - t0) / 1000).toFixed(0)} s`,
];
const section = [
  '## All workloads: `npm run bench`',
  '',
  `Command: \`${command}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
  '',
  ...machine,
  '',
  'Workloads (PRODUCT.md, real MNIST, batches in file order, the same code for idem and TF.js: bench/workloads.ts; PyTorch: bench/torch_w.py):',
  'W1 seed MLP 784 → 4 × [Dense 256 relu → Dropout 0.3] → Dense 10, softmax cross-entropy, Adam 1e-3, one epoch of 600 steps of 100 (Keras `trainOnBatch` loop);',
  'W2 784 → 128 relu → Dropout → 128 relu → Dropout → 10 softmax, batch 128, one epoch (469 steps);',
  'W3 CNN+BN (Conv 32 → BN → relu → pool → Conv 64 → BN → relu → pool → Dense 128 → Dense 10), ms per step of 64;',
  'W4 `matMul` of n×n float32 (2n³ flops, includes dispatch and reading the result; warm-up ≥ 1.5 s before the first size, ≥ 0.5 s before the others, then ≥ 0.2 s of products per repetition);',
  'W5 W1 forward (`predict`, batch 1000) over the 10k test images (warm-up ≥ 1.5 s, then ≥ 0.3 s of passes per repetition);',
  'W7 LSTM: Embedding(10000, 128) → LSTM(128) → Dense(1, sigmoid), sequences of 100 LCG token ids, batch 64, binary cross-entropy, Adam 1e-3, ms per `trainOnBatch` step; W8 Transformer block: x [32, 64, 128] → MultiHeadAttention(4 heads, keyDim 32) + x → LayerNorm → Dense 512 relu → Dense 128 + residual → LayerNorm → mean over time → Dense 10, softmax cross-entropy, Adam 1e-3, ms per step (bench/sequence.ts; PyTorch: the same networks with Keras\'s initializers, bench/torch_seq.py; 3 warm-up steps, then 10 timed steps per repetition).',
  'W6 Keras ResNet50 (`tf.applications.resnet50`, 224×224×3, batch 8): `W6 inference` one `predict` of the full network, `W6 training` one `trainOnBatch` step of the network without its top + global average pooling + Dense 10, SGD momentum 0.9 (bench/w6.ts; PyTorch: the same network built layer for layer, bench/torch_w6.py; ONNX Runtime: that network exported to ONNX); one warm-up step, then each repetition times one step.',
  'Each figure is the median over repetitions (count in parentheses), each repetition a fresh warmed-up process, interleaved across implementations (round r runs repetition r of each); * = extrapolated linearly from fewer steps/samples (see notes).',
  'idem-native uses all cores (its GEMM splits large products over threads); idem-native-1t is the same with IDEM_NUM_THREADS=1.',
  '',
  '### Medians',
  '',
  tables.medians,
  '',
  '### Speed-up of idem (× faster than the peer; > 1: idem is faster)',
  '',
  ratioTables.ratios,
  '',
  ...(peak && runs.some((r) => r.workload === 'W4') ? [
    `### W4 as a fraction of this machine's float32 peak (bench/peak, measured in this run: ${peak.one} GFLOP/s on 1 core, ${peak.all} on ${peak.threads}, the widest FMA vectors this CPU has; WebAssembly SIMD128 has 4-float vectors, so it tops out at half of the 256-bit rate)`,
    '',
    peakTable(runs, [['idem-native-1t', peak.one], ['idem-native', peak.all], ['idem-wasm', peak.one], ['tfjs-wasm', peak.one]]),
    '',
  ] : []),
  ...(peak && runs.some((r) => r.workload === 'W6' || r.workload === 'W6T') ? [
    `### W6 as a fraction of this machine's float32 peak (${fmt(2 * RESNET50_MACS * 8 / 1e9)} GFLOP per inference: 2 × ${RESNET50_MACS.toLocaleString('en-US')} multiply-adds per image × 8; a training step counted as 3 × that; peak = bench/peak's widest vectors, measured in this run)`,
    '',
    w6PeakTable(runs, [['idem-native', peak.all], ['idem-native-1t', peak.one], ['torch-2t', peak.all], ['torch-1t', peak.one], ['ort-2t', peak.all], ['ort-1t', peak.one]].filter(([i]) => impls.includes(i as string)) as [string, number][]),
    '',
  ] : []),
  ...(probes.length ? [
    '### The machine during the run (bench/peak before every measurement: 5 × 0.05 s on 1 core, 3 × 0.05 s on all)',
    '',
    ...probeSummary(probes),
    '',
  ] : []),
  '### The same from CPU time (user + system of the process, all its threads)',
  '',
  'On a shared machine a process waits for a core; CPU time leaves the waiting out. A multi-threaded run counts every',
  "thread's time, so its rates here are per core rather than per machine (e.g. GFLOP/s per busy core).",
  '',
  cpuTables.medians,
  '',
  cpuRatioTables.ratios,
  '',
  ...(profiles.length ? [
    '### Where a W1 step spends its time (`node --import tsx bench/profile.ts --backend B`, wall time, Keras `trainOnBatch`)',
    '',
    'Every kernel is wrapped in a timer; the rest of the step is the framework: op wrappers and validation, engine dispatch,',
    'autodiff bookkeeping, the compiled train step\'s replay, Keras layers, tensor objects, garbage collection, and making the',
    'batch tensors (after 50 untimed warm-up steps of the same model, so that the JIT has compiled the framework and the train',
    'step is traced: the steady state of a training run).',
    '',
    ...profiles,
  ] : []),
  ...(w6Profile.length ? [
    '### Where a W6 training step spends its time (`node --import tsx bench/w6.ts --mode train --profile`, native, all cores, wall time)',
    '',
    'Every kernel is wrapped in a timer (the step after one untimed warm-up step); convolutions by geometry (input HxWxC * filter /stride).',
    '',
    ...w6Profile,
    '',
  ] : []),
  ...(seqProfiles.length ? [
    '### Where a W7 / W8 step spends its time (`IDEM_NUM_THREADS=1 node --import tsx bench/profile.ts --workload W7|W8 --cpu`, CPU time)',
    '',
    'As the W1 profile: every kernel timed, the rest of the step is the framework (op dispatch, autodiff, Keras); step and',
    'kernels in the process\'s CPU time, so that waiting for a core on a shared machine counts as neither.',
    '',
    ...seqProfiles,
  ] : []),
  '### Peak RSS per workload (MB, one process per implementation × workload)',
  '',
  tables.rss,
  '',
  ...(tables.notes.length || skipped.length ? ['Notes:', '', ...[...skipped, ...tables.notes].map((n) => `- ${n}`), ''] : []),
].join('\n');

console.log('\n' + section);
if (write) {
  const path = join(HERE, 'RESULTS.md');
  const doc = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, replaceSection(doc, section));
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  console.log(`\nwrote ${path}`);
}
