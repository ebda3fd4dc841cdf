/**
 * Paired GEMM comparison for a shared machine: idem native against OpenBLAS (through PyTorch or
 * NumPy) on n×n float32 products, interleaved in rounds (each round runs a burst of idem products,
 * then a burst of the peer's), timed by CPU time (process user + system, all threads) and wall
 * time (and bench/peak's FMA rate over CPU time between rounds). With threads = 1 the CPU time leaves out the time the process waited for a core, which
 * the load of other processes adds to wall time. Also prints the FMA peak of bench/peak measured
 * between rounds (its best, widest vectors) and each implementation's fraction of it.
 *
 *   node --import tsx bench/gemm_pair.ts [--peer torch|numpy] [--python /usr/bin/python3] [--threads 1] [--rounds 7]
 *                                        [--sizes 256,512,1024,2048]
 *
 * /usr/bin/python3 is Debian's (python3-torch, python3-numpy on libopenblas0-pthread); `--python`
 * names another interpreter (e.g. one whose NumPy wheel bundles a newer OpenBLAS).
 *
 * A third column times the addon's GEMM kernel alone (no op dispatch, allocation or read).
 * Both sides read the result into a fresh array (idem: `dataSync` of the product; the peer:
 * `.numpy().copy()` / `.copy()`), as W4 of `npm run bench` does.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '../src/index.ts';
import { loadNativeAddon, registerNativeBackend } from '../src/backends/native/index.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const peer = arg('peer', 'torch');
const threads = Number(arg('threads', '1'));
const rounds = Number(arg('rounds', '7'));
const python = arg('python', '/usr/bin/python3');
const sizes = arg('sizes', '256,512,1024,2048').split(',').map(Number);

const addon = loadNativeAddon();
registerNativeBackend(tf.ENGINE);
if (!addon) throw new Error('gemm_pair: the native addon is not built (node native/build.mjs)');
tf.ENGINE.setBackendSync('native');
addon.setNumThreads(threads);

const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
delete env['OPENBLAS_CORETYPE'];
delete env['OPENBLAS_L2_SIZE'];
const py = spawn(python, [new URL('./gemm_pair.py', import.meta.url).pathname, peer, String(threads)], { env, stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
const next = async (): Promise<string> => (await lines.next()).value as string;
const peerInfo = await next();

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}
const rand = (n: number, seed: number): tf.Tensor => {
  const r = lcg(seed);
  const v = new Float32Array(n * n);
  for (let i = 0; i < v.length; i++) v[i] = r();
  return tf.tensor(v, [n, n]);
};

const peakBin = new URL('./peak/build/peak', import.meta.url).pathname;
function peak(): number[] {
  if (!existsSync(peakBin)) return [];
  // bench/peak (built by `npm run bench:peak`): `peak [seconds] [threads]`, last line
  // `cpu_peak_1t_gflops=…`: the widest vectors' FMA rate over the thread's CPU time, best of 5.
  try {
    const out = execFileSync(peakBin, ['0.05', '1'], { encoding: 'utf8' });
    const m = /^cpu_peak_1t_gflops=([\d.]+)/m.exec(out);
    return m ? [Number(m[1])] : [];
  } catch {
    return [];
  }
}

// Repetitions per burst: about 0.15 s of products at 80 GFLOP/s.
const reps = (n: number): number => Math.max(2, Math.round((0.15 * 80e9) / (2 * n ** 3)));
const idemRun = (a: tf.Tensor, b: tf.Tensor, k: number): [number, number] => {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let r = 0; r < k; r++) {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }
  const c1 = process.cpuUsage(c0);
  return [(c1.user + c1.system) / 1e6, (performance.now() - w0) / 1e3];
};
// The GEMM kernel alone (the addon's batchMatMul on the operands' arrays into one reused output):
// no op dispatch, no allocation, no read — what the micro-kernel and packing do.
const kernelRun = (n: number, k: number): [number, number] => {
  const o = raw[n]!;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let r = 0; r < k; r++) addon.batchMatMul(o.a, o.b, o.c, 1, 1, 1, n, n, n, false, false);
  const c1 = process.cpuUsage(c0);
  return [(c1.user + c1.system) / 1e6, (performance.now() - w0) / 1e3];
};
const peerRun = async (n: number, k: number): Promise<[number, number]> => {
  py.stdin!.write(`${n} ${k}\n`);
  const [c, w] = (await next()).split(' ').map(Number);
  return [c!, w!];
};

const ops = Object.fromEntries(sizes.map((n) => [n, { a: rand(n, 1), b: rand(n, 2) }]));
const raw = Object.fromEntries(sizes.map((n) => [n, { a: ops[n]!.a.dataSync() as Float32Array, b: ops[n]!.b.dataSync() as Float32Array, c: new Float32Array(n * n) }]));
for (const n of sizes) {
  idemRun(ops[n]!.a, ops[n]!.b, reps(n));
  await peerRun(n, reps(n));
}
type S = { idemCpu: number[]; idemWall: number[]; peerCpu: number[]; peerWall: number[]; kernCpu: number[] };
const res: Record<number, S> = Object.fromEntries(sizes.map((n) => [n, { idemCpu: [], idemWall: [], peerCpu: [], peerWall: [], kernCpu: [] }]));
const peaks: number[] = [];
for (let r = 0; r < rounds; r++) {
  const p = peak();
  if (p.length) peaks.push(Math.max(...p));
  for (const n of sizes) {
    const k = reps(n);
    const gf = (s: number) => (2 * n ** 3 * k) / s / 1e9;
    const first = r % 2 === 0;
    const run = async () => {
      if (first) {
        const [c, w] = idemRun(ops[n]!.a, ops[n]!.b, k);
        res[n]!.idemCpu.push(gf(c));
        res[n]!.idemWall.push(gf(w));
      }
      res[n]!.kernCpu.push(gf(kernelRun(n, k)[0]));
      const [pc, pw] = await peerRun(n, k);
      res[n]!.peerCpu.push(gf(pc));
      res[n]!.peerWall.push(gf(pw));
      if (!first) {
        const [c, w] = idemRun(ops[n]!.a, ops[n]!.b, k);
        res[n]!.idemCpu.push(gf(c));
        res[n]!.idemWall.push(gf(w));
      }
    };
    await run();
  }
}
py.stdin!.end();
const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;
const pk = peaks.length ? Math.max(...peaks) : NaN;
console.log(`CPU: ${cpus()[0]?.model}; idem ISA path ${addon.info().kernel}; peer ${peerInfo} (${python}; OpenBLAS; OPENBLAS_CORETYPE/L2_SIZE removed); ${threads} thread(s); ${rounds} interleaved rounds; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`FMA peak (bench/peak, 1 thread, widest vectors, CPU time, best of ${peaks.length} runs of 5 probes): ${pk.toFixed(1)} GFLOP/s`);
console.log('| n | idem GFLOP/s (CPU time) | peer GFLOP/s (CPU time) | idem / peer (CPU time) | idem / peer (wall) | idem % of peak (CPU time) | peer % of peak (CPU time) | idem kernel alone: GFLOP/s, / peer, % of peak (CPU time) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const n of sizes) {
  const s = res[n]!;
  const ratio = (x: number[], y: number[]) => med(x.map((v, i) => v / y[i]!));
  console.log(`| ${n} | ${med(s.idemCpu).toFixed(1)} | ${med(s.peerCpu).toFixed(1)} | ${ratio(s.idemCpu, s.peerCpu).toFixed(3)} | ${ratio(s.idemWall, s.peerWall).toFixed(3)} | ${((100 * med(s.idemCpu)) / pk).toFixed(1)}% | ${((100 * med(s.peerCpu)) / pk).toFixed(1)}% | ${med(s.kernCpu).toFixed(1)}, ${ratio(s.kernCpu, s.peerCpu).toFixed(3)}, ${((100 * med(s.kernCpu)) / pk).toFixed(1)}% |`);
}
