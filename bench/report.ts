/**
 * The benchmark's tables, as pure functions of the measured figures (tested in
 * test/bench_report.test.ts on made-up figures): medians, idem-vs-peer speed-ups, peak RSS, and
 * the markdown written to bench/RESULTS.md.
 */

/** What one implementation measured for one row (a workload, or one W4 size). */
export interface Cell {
  /** One value per repetition. */
  values: number[];
  /** The same from process CPU time (all threads) instead of wall time, when measured. */
  cpuValues?: number[];
  unit: string;
  extrapolatedFrom?: string;
}

/** The outcome of one child process (one implementation × one workload). */
export interface Run {
  impl: string;
  workload: string;
  cells: Record<string, Cell>;
  maxRssMB?: number;
  /** Why it has no figures (an error message, or why it was skipped). */
  error?: string;
}

/** Median (the mean of the two middle values for an even count); NaN for no values. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Rows of the table: W4 has one row per size. Time rows: lower is better. */
export function lowerIsBetter(row: string): boolean {
  return !(row.startsWith('W4') || row === 'W5');
}

/**
 * How many times faster idem is than a peer on a row: peer/idem for times, idem/peer for rates.
 * NaN when either is missing or not positive.
 */
export function speedup(row: string, idem: number, peer: number): number {
  if (!(idem > 0) || !(peer > 0)) return NaN;
  return lowerIsBetter(row) ? peer / idem : idem / peer;
}

/** A figure with 3 significant digits (integers above 1000 kept whole, thousands separated). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}

export function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${fmt(x)}×` : '—';
}

const ROW_ORDER = ['W1', 'W2', 'W3', 'W4', 'W4 n=256', 'W4 n=512', 'W4 n=1024', 'W4 n=2048', 'W5', 'W6', 'W6 inference', 'W6T', 'W6 training', 'W7', 'W8'];

function rowRank(r: string): number {
  const i = ROW_ORDER.indexOf(r);
  return i >= 0 ? i : ROW_ORDER.length;
}

export interface Tables {
  /** Medians per row and implementation, '*' marks an extrapolated figure. */
  medians: string;
  /** idem's speed-up over each peer. */
  ratios: string;
  rss: string;
  /** Footnotes: which figures were extrapolated from what, and errors. */
  notes: string[];
}

/**
 * Builds the markdown tables. `idemImpls` are the implementations compared against `peers`
 * (both lists keep their order; implementations without any figure still get a column).
 */
export function buildTables(runs: readonly Run[], idemImpls: readonly string[], peers: readonly string[], cpu = false): Tables {
  const impls = [...idemImpls, ...peers];
  if (cpu) {
    // The same tables from the CPU-time figures (cells without them are left out).
    runs = runs.map((r) => ({
      ...r,
      cells: Object.fromEntries(Object.entries(r.cells).filter(([, c]) => c.cpuValues).map(([k, c]) => [k, { ...c, values: c.cpuValues! }])),
    }));
  }
  const cell = new Map<string, Cell>();
  const units = new Map<string, string>();
  const notes: string[] = [];
  for (const run of runs) {
    if (run.error) notes.push(`${run.impl} ${run.workload}: ${run.error}`);
    for (const [row, c] of Object.entries(run.cells)) {
      cell.set(`${run.impl}|${row}`, c);
      if (!units.has(row)) units.set(row, c.unit);
      if (c.extrapolatedFrom) notes.push(`${run.impl} ${row}: extrapolated from ${c.extrapolatedFrom}`);
    }
  }
  const rows = [...units.keys()].sort((a, b) => rowRank(a) - rowRank(b) || a.localeCompare(b));
  const med = (impl: string, row: string) => {
    const c = cell.get(`${impl}|${row}`);
    return c ? median(c.values) : NaN;
  };
  const medLines = [
    `| workload | unit | ${impls.join(' | ')} |`,
    `|---|---|${impls.map(() => '---').join('|')}|`,
    ...rows.map((row) => {
      const vals = impls.map((impl) => {
        const c = cell.get(`${impl}|${row}`);
        if (!c) return '—';
        const reps = c.values.length > 1 ? ` (${c.values.length})` : '';
        return `${fmt(median(c.values))}${c.extrapolatedFrom ? '*' : ''}${reps}`;
      });
      return `| ${row} | ${units.get(row)}${lowerIsBetter(row) ? ' (lower is better)' : ''} | ${vals.join(' | ')} |`;
    }),
  ];
  const pairs = idemImpls.flatMap((i) => peers.map((p) => [i, p] as const));
  const ratioLines = [
    `| workload | ${pairs.map(([i, p]) => `${i} vs ${p}`).join(' | ')} |`,
    `|---|${pairs.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row} | ${pairs.map(([i, p]) => fmtRatio(speedup(row, med(i, row), med(p, row)))).join(' | ')} |`),
  ];
  const workloads = [...new Set(runs.map((r) => r.workload))].sort((a, b) => rowRank(a) - rowRank(b));
  const rss = new Map(runs.map((r) => [`${r.impl}|${r.workload}`, r.maxRssMB]));
  const rssLines = [
    `| workload | ${impls.join(' | ')} |`,
    `|---|${impls.map(() => '---').join('|')}|`,
    ...workloads.map((w) => `| ${w} | ${impls.map((i) => {
      const v = rss.get(`${i}|${w}`);
      return v === undefined ? '—' : fmt(v);
    }).join(' | ')} |`),
  ];
  return { medians: medLines.join('\n'), ratios: ratioLines.join('\n'), rss: rssLines.join('\n'), notes };
}

export const SECTION_BEGIN = '<!-- npm run bench: begin -->';
export const SECTION_END = '<!-- npm run bench: end -->';

/**
 * `doc` with the text between the bench markers replaced by `section` (markers kept); when the
 * markers are absent, the section goes right after the first `# ` title line (or at the top).
 * Everything else in the file (other engineers' sections) is left as it was.
 */
export function replaceSection(doc: string, section: string): string {
  const block = `${SECTION_BEGIN}\n${section.trim()}\n${SECTION_END}`;
  const b = doc.indexOf(SECTION_BEGIN);
  const e = doc.indexOf(SECTION_END);
  if (b >= 0 && e > b) return doc.slice(0, b) + block + doc.slice(e + SECTION_END.length);
  const lines = doc.split('\n');
  const t = lines.findIndex((l) => l.startsWith('# '));
  if (t < 0) return `${block}\n\n${doc}`;
  return [...lines.slice(0, t + 1), '', block, ...lines.slice(t + 1)].join('\n');
}

/**
 * Parses bench/peak's summary `peak_1t_gflops=X peak_all_gflops=Y threads=N` (the widest vectors;
 * null if absent) and its per-width lines `width=W peak_1t_gflops=… peak_all_gflops=…`.
 */
export function parsePeak(output: string): { one: number; all: number; threads: number; widths: { width: number; one: number; all: number }[] } | null {
  const m = /^peak_1t_gflops=([\d.]+)\s+peak_all_gflops=([\d.]+)\s+threads=(\d+)/m.exec(output);
  const widths = [...output.matchAll(/^width=(\d+) peak_1t_gflops=([\d.]+) peak_all_gflops=([\d.]+)/gm)].map((w) => ({ width: Number(w[1]), one: Number(w[2]), all: Number(w[3]) }));
  return m ? { one: Number(m[1]), all: Number(m[2]), threads: Number(m[3]), widths } : null;
}

/** Multiply-adds of one forward pass of Keras's ResNet50 at 224×224 (its 53 convolutions and the classifier, counted from the layers' shapes). */
export const RESNET50_MACS = 3_857_973_248;

/**
 * W6 rows as GFLOP/s and a fraction of `peak` per column (inference: 2 × MACs × 8 images per
 * forward; a training step: 3 × the forward's convolution work, forward + two gradients).
 */
export function w6PeakTable(runs: readonly Run[], columns: readonly [string, number][]): string {
  const flops: Record<string, number> = { 'W6 inference': 2 * RESNET50_MACS * 8, 'W6 training': 3 * 2 * RESNET50_MACS * 8 };
  const cells = new Map<string, number>();
  for (const r of runs) for (const [row, c] of Object.entries(r.cells)) if (row in flops) cells.set(`${r.impl}|${row}`, median(c.values));
  const rows = Object.keys(flops).filter((row) => columns.some(([i]) => cells.has(`${i}|${row}`)));
  return [
    `| workload | ${columns.map(([i, p]) => `${i} (peak ${fmt(p)} GFLOP/s)`).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row} | ${columns.map(([i, p]) => {
      const ms = cells.get(`${i}|${row}`);
      if (ms === undefined || !(p > 0)) return '—';
      const g = flops[row]! / (ms * 1e6);
      return `${fmt(g)} GFLOP/s = ${fmt((100 * g) / p)}%`;
    }).join(' | ')} |`),
  ].join('\n');
}

/** One short run of bench/peak just before a measurement: the 1-core best and each all-core figure. */
export interface Probe {
  label: string;
  one: number;
  all: number[];
  threads: number;
}

/** Parses bench/peak's per-run lines (`1 thread: X GFLOP/s`, `N threads: Y GFLOP/s`); null without a 1-thread line. */
export function parseProbe(label: string, output: string): Probe | null {
  const ones = [...output.matchAll(/^1 thread: ([\d.]+) GFLOP\/s$/gm)].map((m) => Number(m[1]));
  const alls = [...output.matchAll(/^(\d+) threads: ([\d.]+) GFLOP\/s$/gm)];
  if (!ones.length) return null;
  const threads = alls.length ? Number(alls[0]![1]) : 1;
  return { label, one: Math.max(...ones), all: alls.map((m) => Number(m[2])), threads };
}

/**
 * A probe is degraded when an all-core run reached less than 75% of `threads` × the 1-core
 * figure: the machine gave the process fewer cores than it has (on a shared VM, two vCPUs
 * scheduled on one physical core run two busy threads at half speed each).
 */
export function degraded(p: Probe): boolean {
  return p.threads > 1 && p.all.some((g) => g < 0.75 * p.threads * p.one);
}

/** RESULTS.md lines: the probes' ranges and which measurements followed a degraded probe. */
export function probeSummary(probes: readonly Probe[]): string[] {
  if (!probes.length) return [];
  const ones = probes.map((p) => p.one);
  const alls = probes.flatMap((p) => p.all);
  const bad = probes.filter(degraded);
  const threads = probes[0]!.threads;
  return [
    `${probes.length} probes; 1 core ${fmt(Math.min(...ones))}–${fmt(Math.max(...ones))} GFLOP/s` +
      (alls.length ? `, ${threads} cores ${fmt(Math.min(...alls))}–${fmt(Math.max(...alls))} GFLOP/s` : '') + '.',
    bad.length
      ? `Degraded (an all-core run under 75% of ${threads} × the 1-core figure) before ${bad.length} of them: ` +
        bad.map((p) => `${p.label} (${p.all.map(fmt).join(' / ')})`).join('; ') + '.'
      : 'No probe was degraded (every all-core run reached 75% of the cores × the 1-core figure).',
  ];
}

/**
 * W4 rows as a fraction of the measured peak: each `[impl, peak GFLOP/s]` column gives the
 * median GFLOP/s over that peak, in percent.
 */
export function peakTable(runs: readonly Run[], columns: readonly [string, number][]): string {
  const cells = new Map<string, number>();
  for (const r of runs) for (const [row, c] of Object.entries(r.cells)) if (row.startsWith('W4 ')) cells.set(`${r.impl}|${row}`, median(c.values));
  const rows = [...new Set([...cells.keys()].map((k) => k.split('|')[1]!))].sort((a, b) => rowRank(a) - rowRank(b));
  return [
    `| workload | ${columns.map(([i, p]) => `${i} / ${fmt(p)} GFLOP/s`).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row} | ${columns.map(([i, p]) => {
      const v = cells.get(`${i}|${row}`);
      return v === undefined || !(p > 0) ? '—' : `${fmt((100 * v) / p)}%`;
    }).join(' | ')} |`),
  ].join('\n');
}
