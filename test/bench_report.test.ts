// The benchmark harness's table code (bench/report.ts) on made-up timings: medians, speed-up
// direction (times vs rates), extrapolation marks, RSS and the RESULTS.md section splice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTables, fmt, median, parsePeak, peakTable, replaceSection, speedup, SECTION_BEGIN, SECTION_END, type Run } from '../bench/report.ts';

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
  assert.deepEqual(parsePeak('1 thread: 99\npeak_1t_gflops=102.5 peak_all_gflops=201 threads=2\n'), { one: 102.5, all: 201, threads: 2 });
  assert.equal(parsePeak('could not compile'), null);
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
