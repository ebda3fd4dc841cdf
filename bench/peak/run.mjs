/**
 * `npm run bench:peak`: compiles bench/peak/peak.cc with the native addon's compiler and flags
 * (g++ or $CXX, -O3 -std=c++17, AVX2+FMA path chosen at run time) into bench/peak/build/ and
 * runs it: this machine's float32 FMA peak on one core and on all cores. The best of the runs
 * is the figure (a shared machine only ever slows a run down).
 *   node bench/peak/run.mjs [seconds per run] [threads]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
mkdirSync(out, { recursive: true });
const exe = join(out, 'peak');
const cxx = process.env.CXX || 'g++';
const c = spawnSync(cxx, ['-O3', '-std=c++17', '-pthread', join(here, 'peak.cc'), '-o', exe], { stdio: 'inherit' });
if (c.error || c.status !== 0) {
  console.error(`bench:peak: could not compile with ${cxx}${c.error ? `: ${c.error.message}` : ''}`);
  process.exit(1);
}
const r = spawnSync(exe, process.argv.slice(2), { stdio: 'inherit' });
process.exit(r.status ?? 1);
