/**
 * Interleaved A/B of two idem source trees (e.g. main before a change — `git archive <commit> | tar
 * -x -C /tmp/old`, its node_modules linked and `node native/build.mjs` run there — and the working
 * tree): each round runs `bench/child.ts idem-native <W> <options>` in tree A then tree B, for every
 * workload and thread count, so both see the same moments of a shared machine. Prints each run and
 * a table of medians (wall and CPU time, the workload's own unit).
 *
 *   node bench/ab_trees.mjs <treeA> <treeB>     env: WS=W1,W2,W3,W5 (or W6T), TH=1,2, REPS=3
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const [a, b] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: node bench/ab_trees.mjs <treeA> <treeB>');
const trees = { A: resolve(a), B: resolve(b) };
const ws = (process.env.WS ?? 'W1,W2,W3,W5').split(',');
const threads = (process.env.TH ?? '1,2').split(',');
const reps = Number(process.env.REPS ?? 3);
// The options `npm run bench` uses for idem-native (bench/index.ts plan()), one repetition per process.
const opts = {
  W1: { steps: 600, warm: 2, reps: 1, sizes: [] },
  W2: { steps: 469, warm: 2, reps: 1, sizes: [] },
  W3: { steps: 10, warm: 2, reps: 1, sizes: [] },
  W5: { steps: 10000, warm: 1, reps: 1, sizes: [] },
  W6T: { steps: 1, warm: 1, reps: 1, sizes: [] },
};
const res = {};
for (let r = 0; r < reps; r++) {
  for (const w of ws) {
    for (const t of threads) {
      for (const tree of ['A', 'B']) {
        const env = { ...process.env, IDEM_NUM_THREADS: t };
        const p = spawnSync(process.execPath, ['--import', 'tsx', 'bench/child.ts', 'idem-native', w, JSON.stringify(opts[w])], { cwd: trees[tree], env, encoding: 'utf8' });
        const line = (p.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
        if (!line) throw new Error(`${tree} ${w}: no result (${(p.stderr ?? '').trim().split('\n').pop()})`);
        const j = JSON.parse(line.slice(7));
        const key = Object.keys(j.values)[0];
        const k = `${w} ${t}t ${tree}`;
        (res[k] ??= { wall: [], cpu: [] }).wall.push(j.values[key][0]);
        res[k].cpu.push(j.cpuValues[key][0]);
        console.log(k, key, j.values[key][0].toPrecision(4), j.cpuValues[key][0].toPrecision(4));
      }
    }
  }
}
const med = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
console.log('| workload | threads | A wall | B wall | A CPU | B CPU |\n|---|---|---|---|---|---|');
for (const w of ws) {
  for (const t of threads) {
    const o = res[`${w} ${t}t A`], n = res[`${w} ${t}t B`];
    console.log(`| ${w} | ${t} | ${med(o.wall).toPrecision(4)} | ${med(n.wall).toPrecision(4)} | ${med(o.cpu).toPrecision(4)} | ${med(n.cpu).toPrecision(4)} |`);
  }
}
