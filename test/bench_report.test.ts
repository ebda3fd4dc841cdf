// The benchmark harness's table code (bench/report.ts) on made-up timings: medians, speed-up
// direction (times vs rates), extrapolation marks, RSS and the RESULTS.md section splice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTables, degraded, fmt, median, parsePeak, parseProbe, peakTable, probeSummary, replaceSection, speedup, SECTION_BEGIN, SECTION_END, w6PeakTable, type Run } from '../bench/report.ts';

test('bench report: median of odd, even and empty lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])), 'median of nothing is NaN');
});

test('bench report: speed-up is peer/idem for times and idem/peer for rates', () => {
  assert.equal(speedup('W1', 2, 10), 5); // idem 2 s per epoch vs peer 10 s
  assert.equal(speedup('W3', 50, 25), 0.5); // idem twice slower
  assert.equal(speedup('W4 n=1024', 80, 20), 4); // GFLOP/s
  assert.equal(speedup('W5', 1e5, 5e4), 2); // samples/s
  assert.ok(Number.isNaN(speedup('W1', 0, 3)), 'no idem figure: no ratio');
  assert.ok(Number.isNaN(speedup('W1', 2, NaN)), 'no peer figure: no ratio');
});

test('bench report: number format', () => {
  assert.equal(fmt(1234.6), '1,235');
  assert.equal(fmt(41.234), '41.2');
  assert.equal(fmt(0.58512), '0.585');
  assert.equal(fmt(NaN), '—');
});

test('bench report: tables from fake runs', () => {
  const runs: Run[] = [
    { impl: 'idem-native', workload: 'W1', cells: { W1: { values: [3, 2, 4], unit: 's per epoch' } }, maxRssMB: 400 },
    { impl: 'tfjs-cpu', workload: 'W1', cells: { W1: { values: [300], unit: 's per epoch', extrapolatedFrom: '10 steps' } }, maxRssMB: 500.4 },
    {
      impl: 'idem-native', workload: 'W4', maxRssMB: 300,
      cells: { 'W4 n=512': { values: [80, 90, 70], unit: 'GFLOP/s' }, 'W4 n=256': { values: [60], unit: 'GFLOP/s' } },
    },
    { impl: 'tfjs-cpu', workload: 'W4', cells: { 'W4 n=256': { values: [0.5], unit: 'GFLOP/s' } } },
    { impl: 'tfjs-cpu', workload: 'W3', cells: {}, error: 'cannot train' },
  ];
  const t = buildTables(runs, ['idem-native'], ['tfjs-cpu']);
  const lines = t.medians.split('\n');
  assert.equal(lines[0], '| workload | unit | idem-native | tfjs-cpu |');
  // Rows in workload order, W4 sizes ascending; reps shown in parentheses; * for extrapolated.
  assert.equal(lines[2], '| W1 | s per epoch (lower is better) | 3 (3) | 300* |');
  assert.equal(lines[3], '| W4 n=256 | GFLOP/s | 60 | 0.5 |');
  assert.equal(lines[4], '| W4 n=512 | GFLOP/s | 80 (3) | — |');
  const ratios = t.ratios.split('\n');
  assert.equal(ratios[0], '| workload | idem-native vs tfjs-cpu |');
  assert.equal(ratios[2], '| W1 | 100× |');
  assert.equal(ratios[3], '| W4 n=256 | 120× |');
  assert.equal(ratios[4], '| W4 n=512 | — |');
  assert.deepEqual(t.rss.split('\n').slice(2), ['| W1 | 400 | 500 |', '| W3 | — | — |', '| W4 | 300 | — |']);
  assert.deepEqual(t.notes, ['tfjs-cpu W1: extrapolated from 10 steps', 'tfjs-cpu W3: cannot train']);
});

test('bench report: the RESULTS.md section replaces only its own block', () => {
  const other = '## GEMM (bench/gemm.ts)\n\n| a | b |\n';
  const first = replaceSection(`# Benchmark results\n\n${other}`, 'ONE');
  assert.equal(first, `# Benchmark results\n\n${SECTION_BEGIN}\nONE\n${SECTION_END}\n\n${other}`);
  const second = replaceSection(first, 'TWO\n');
  assert.equal(second, `# Benchmark results\n\n${SECTION_BEGIN}\nTWO\n${SECTION_END}\n\n${other}`);
  assert.equal(replaceSection('no title', 'X'), `${SECTION_BEGIN}\nX\n${SECTION_END}\n\nno title`);
});

test('bench report: peak parsing and W4 as a fraction of peak', () => {
  assert.deepEqual(parsePeak('1 thread: 99\npeak_1t_gflops=102.5 peak_all_gflops=201 threads=2\n'), { one: 102.5, all: 201, threads: 2, widths: [] });
  assert.deepEqual(parsePeak('width=512 peak_1t_gflops=228 peak_all_gflops=450\nwidth=256 peak_1t_gflops=113 peak_all_gflops=225\npeak_1t_gflops=228 peak_all_gflops=450 threads=2\n'),
    { one: 228, all: 450, threads: 2, widths: [{ width: 512, one: 228, all: 450 }, { width: 256, one: 113, all: 225 }] });
  assert.equal(parsePeak('could not compile'), null);
  // W6 as GFLOP/s and a fraction of the peak: 2 × 3,857,973,248 × 8 flops per inference.
  const w6: Run[] = [{ impl: 'a', workload: 'W6', cells: { 'W6 inference': { values: [617.3], unit: 'ms' } } }];
  assert.deepEqual(w6PeakTable(w6, [['a', 200], ['b', 200]]).split('\n'), [
    '| workload | a (peak 200 GFLOP/s) | b (peak 200 GFLOP/s) |', '|---|---|---|', '| W6 inference | 100 GFLOP/s = 50% | — |',
  ]);
  const runs: Run[] = [
    { impl: 'a', workload: 'W4', cells: { 'W4 n=1024': { values: [50, 51, 49], unit: 'GFLOP/s' }, 'W4 n=256': { values: [25], unit: 'GFLOP/s' } } },
    { impl: 'a', workload: 'W1', cells: { W1: { values: [3], unit: 's' } } },
  ];
  assert.deepEqual(peakTable(runs, [['a', 100], ['b', 100]]).split('\n'), [
    '| workload | a / 100 GFLOP/s | b / 100 GFLOP/s |', '|---|---|---|', '| W4 n=256 | 25% | — |', '| W4 n=1024 | 50% | — |',
  ]);
});

test('bench report: CPU-time tables use cpuValues and leave out cells without them', () => {
  const runs: Run[] = [
    { impl: 'i', workload: 'W1', cells: { W1: { values: [10], cpuValues: [4], unit: 's' } } },
    { impl: 'p', workload: 'W1', cells: { W1: { values: [30], cpuValues: [20], unit: 's' } } },
    { impl: 'p', workload: 'W5', cells: { W5: { values: [100], unit: 'samples/s' } } },
  ];
  const wall = buildTables(runs, ['i'], ['p']);
  const cpu = buildTables(runs, ['i'], ['p'], true);
  assert.equal(wall.ratios.split('\n')[2], '| W1 | 3× |');
  assert.equal(cpu.ratios.split('\n')[2], '| W1 | 5× |');
  assert.equal(cpu.medians.split('\n').length, 3, 'W5 has no CPU figure: no row');
});

test('bench report: machine probes (bench/peak output), degraded ones and their summary', () => {
  const out = 'kernel: avx2-fma\n1 thread: 110.5 GFLOP/s\n1 thread: 114.2 GFLOP/s\n2 threads: 221.0 GFLOP/s\n2 threads: 117.2 GFLOP/s\npeak_1t_gflops=114.2 peak_all_gflops=221.0 threads=2\n';
  const p = parseProbe('W4 idem-native 2/3', out)!;
  assert.deepEqual(p, { label: 'W4 idem-native 2/3', one: 114.2, all: [221, 117.2], threads: 2 });
  assert.equal(degraded(p), true, '117 < 0.75 × 2 × 114.2');
  const q = parseProbe('W5 tfjs-wasm 1/3', '1 thread: 100 GFLOP/s\n2 threads: 180 GFLOP/s\n')!;
  assert.equal(degraded(q), false, '180 ≥ 150');
  assert.equal(degraded(parseProbe('one core', '1 thread: 100 GFLOP/s\n')!), false, 'a 1-core machine is never degraded');
  assert.equal(parseProbe('x', 'could not compile'), null);
  const lines = probeSummary([p, q]);
  assert.equal(lines.length, 2);
  assert.equal(lines[0], '2 probes; 1 core 100–114 GFLOP/s, 2 cores 117–221 GFLOP/s.');
  assert.match(lines[1]!, /before 1 of them: W4 idem-native 2\/3 \(221 \/ 117\)\.$/);
  assert.match(probeSummary([q])[1]!, /^No probe was degraded/);
  assert.deepEqual(probeSummary([]), []);
});
