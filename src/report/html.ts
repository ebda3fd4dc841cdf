/**
 * `idem report`'s page: ONE self-contained HTML file (inline CSS, SVG and a few lines of JS; no
 * network, no external file) with
 *   - curves per metric: train and validation of each `epoch_*` tag in one chart (Keras's
 *     callback writes `epoch_loss` to both runs), then `batch_*` and other scalars;
 *   - the compare report, when given;
 *   - weight histograms over epochs, one chart per weight, grouped by layer;
 *   - the model: `model_summary` text and the graph (graph_def) drawn as a diagram;
 *   - other text summaries.
 */
import * as path from 'node:path';
import type { CompareReport } from '../compare/types.ts';
import type { SeriesInput } from './chart.ts';
import { compareHtml } from './compare.ts';
import { graphSvg } from './graph.ts';
import type { LogData, RunData } from './logdir.ts';
import { curveSvg, esc, histogramSvg } from './svg.ts';

/** TensorBoard-like run colours: train orange, validation blue, then others. */
const PALETTE = ['#e8710a', '#1a73e8', '#12b5cb', '#e52592', '#9334e6', '#7cb342', '#f9ab00', '#5f6368'];

export function runColor(data: LogData, run: string): string {
  const i = data.runs.findIndex((r) => r.name === run);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length]!;
}

/** A run's display name: its folder, or the logdir's own name for files directly in it. */
export function runLabel(data: LogData, run: string): string {
  return run === '.' ? path.basename(path.resolve(data.logdir)) : run;
}

export interface CurveGroup {
  /** Chart title: the tag (e.g. `epoch_loss`). */
  tag: string;
  series: SeriesInput[];
}

/** Scalar tags gathered across runs, ordered: epoch_* (loss first), batch_*, then the rest. */
export function curveGroups(data: LogData): CurveGroup[] {
  const tags = new Set<string>();
  for (const r of data.runs) for (const t of r.scalars.keys()) tags.add(t);
  const rank = (t: string) => (t.startsWith('epoch_') ? 0 : t.startsWith('batch_') ? 1 : 2);
  const metricRank = (t: string) => (/(^|_)loss$/.test(t) ? 0 : 1);
  const sorted = [...tags].sort((a, b) => rank(a) - rank(b) || metricRank(a) - metricRank(b) || a.localeCompare(b));
  return sorted.map((tag) => ({
    tag,
    series: data.runs.filter((r) => r.scalars.has(tag)).map((r) => ({
      name: runLabel(data, r.name),
      color: runColor(data, r.name),
      points: r.scalars.get(tag)!.map((p) => ({ step: p.step, value: p.value })),
    })),
  }));
}

const CSS = `
:root{--fg:#202124;--muted:#5f6368;--line:#dadce0;--bg:#fff;--panel:#f8f9fa;--accent:#e8710a}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--panel)}
header h1{margin:0 0 4px;font-size:20px}
nav a{margin-right:14px;color:#1a73e8;text-decoration:none}
main{padding:8px 28px 40px}
section{margin-top:22px}
h2{font-size:17px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:14px 0 4px;color:var(--muted)}
.muted{color:var(--muted)}
.grid{display:flex;flex-wrap:wrap;gap:14px}
.card{border:1px solid var(--line);border-radius:8px;padding:6px;background:#fff}
svg text{font:11px system-ui,Arial,sans-serif;fill:var(--fg)}
svg text.title{font-weight:600;font-size:13px}
svg text.tick{fill:var(--muted)}
svg text.axis{fill:var(--muted);font-style:italic}
svg line.grid{stroke:#eceff1}
svg rect.frame{fill:none;stroke:#b0b4b8}
.series polyline{fill:none;stroke:var(--c);stroke-width:2;stroke-linejoin:round}
.series circle{fill:var(--c);stroke:#fff;stroke-width:.8}
.series circle:hover{r:5}
.series.off,.legend.off{opacity:.15}
.legend{cursor:pointer}
svg path.ridge{stroke-width:1;fill-opacity:.85}
svg.graph .node rect{fill:#fff3e0;stroke:#e8710a;stroke-width:1.2}
svg.graph .node.input rect{fill:#e8f0fe;stroke:#1a73e8}
svg.graph .node text.name{font-weight:600}
svg.graph .node text.op{fill:#b05a00}
svg.graph .node text.shape{fill:var(--muted);font-family:ui-monospace,Menlo,Consolas,monospace;font-size:10px}
svg.graph path.edge{fill:none;stroke:#667;stroke-width:1.3}
pre.summary{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px;overflow:auto;font:12px/1.35 ui-monospace,Menlo,Consolas,monospace}
.graph-wrap{overflow:auto;border:1px solid var(--line);border-radius:8px;padding:8px;background:#fff;max-height:900px}
.compare-head{display:flex;gap:12px;align-items:stretch}
.model-card{flex:1;border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--panel)}
.model-card .side-label{font-weight:700;color:var(--accent)}
.model-card.side-b .side-label{color:#1a73e8}
.model-card .model-name{font-size:16px;font-weight:600}
.vs{align-self:center;color:var(--muted)}
.divergence-banner{margin:12px 0;border-left:5px solid #d93025;background:#fce8e6;padding:10px 14px;border-radius:4px}
.divergence-banner p{margin:4px 0}
.same-banner{margin:12px 0;border-left:5px solid #188038;background:#e6f4ea;padding:10px 14px;border-radius:4px}
details.compare-section{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:4px 10px}
details.compare-section summary{cursor:pointer;padding:4px 0}
table.compare{border-collapse:collapse;width:100%;margin:6px 0;font-size:13px}
table.compare th,table.compare td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
table.compare td.a,table.compare td.b{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
tr.differs td{background:#fef7e0}
tr.divergence td{background:#fce8e6;font-weight:600}
tr.divergence{outline:2px solid #d93025}
.badge{display:inline-block;border-radius:10px;padding:0 7px;font-size:11px;background:#eceff1}
.badge.same{background:#e6f4ea;color:#188038}.badge.close{background:#e8f0fe;color:#1967d2}
.badge.differs{background:#fce8e6;color:#c5221f}.badge.skipped,.badge.info{background:#f1f3f4;color:var(--muted)}
`;

/** Clicking a legend entry hides or shows that run in every chart. */
const JS = `
document.querySelectorAll('svg.curve .legend').forEach(function (g) {
  g.addEventListener('click', function () {
    var run = g.getAttribute('data-run');
    var off = !g.classList.contains('off');
    document.querySelectorAll('svg.curve [data-run]').forEach(function (el) {
      if (el.getAttribute('data-run') === run) el.classList.toggle('off', off);
    });
  });
});
`;

function summaryText(data: LogData): string | null {
  for (const r of data.runs) {
    const t = r.texts.get('model_summary');
    if (t?.length) return t.at(-1)!.text.split('\n').map((l) => l.replace(/^ {4}/, '')).join('\n');
  }
  return null;
}

function graphOf(data: LogData): RunData | null {
  return data.runs.find((r) => r.graph && (r.graph.node ?? []).length > 0) ?? null;
}

export interface ReportOptions {
  title?: string;
  compare?: CompareReport | null;
}

/** The report page for `data`. */
export function reportHtml(data: LogData, options: ReportOptions = {}): string {
  const title = options.title ?? `idem report · ${path.basename(path.resolve(data.logdir))}`;
  const groups = curveGroups(data);
  const histRuns = data.runs.filter((r) => r.histograms.size > 0);
  const summary = summaryText(data);
  const graphRun = graphOf(data);
  const otherTexts = data.runs.flatMap((r) => [...r.texts.entries()].filter(([t]) => t !== 'model_summary').map(([t, v]) => ({ run: runLabel(data, r.name), tag: t, v })));
  const nav: string[] = [];
  const body: string[] = [];

  if (groups.length) {
    nav.push('<a href="#curves">Curves</a>');
    const runs = data.runs.filter((r) => r.scalars.size).map((r) => `<span style="color:${runColor(data, r.name)}">■</span> ${esc(runLabel(data, r.name))}`);
    body.push(`<section id="curves"><h2>Curves</h2><p class="muted">Runs: ${runs.join(' · ')}. Click a legend entry to hide or show a run. ` +
      '<code>epoch_*</code>: one point per epoch (step = epoch index); <code>batch_*</code>: running averages within the epoch (step = batches done).</p>' +
      `<div class="grid">${groups.map((g) => `<div class="card">${curveSvg(g.tag, g.series)}</div>`).join('')}</div></section>`);
  }
  if (options.compare) {
    nav.push('<a href="#compare">Compare</a>');
    body.push(`<section id="compare"><h2>Compare: ${esc(options.compare.a.name)} vs ${esc(options.compare.b.name)}</h2>${compareHtml(options.compare)}</section>`);
  }
  if (histRuns.length) {
    nav.push('<a href="#histograms">Weight histograms</a>');
    const parts: string[] = [];
    for (const r of histRuns) {
      const byLayer = new Map<string, string[]>();
      for (const tag of r.histograms.keys()) {
        // `<layer path>/<weight>/histogram` (Keras 3's tags: `seq/dense/kernel/histogram`); older
        // idem logs `<layer>/<weight>_0/histogram`.
        const parts = tag.split('/');
        const layer = parts.length > 2 ? parts.slice(0, -2).join('/') : parts[0]!;
        if (!byLayer.has(layer)) byLayer.set(layer, []);
        byLayer.get(layer)!.push(tag);
      }
      for (const [layer, tags] of byLayer) {
        const run = histRuns.length > 1 ? ` <span class="muted">(${esc(runLabel(data, r.name))})</span>` : '';
        const cards = tags.map((t) => `<div class="card">${histogramSvg(t, r.histograms.get(t)!)}</div>`).join('');
        parts.push(`<h3 data-layer="${esc(layer)}">${esc(layer)}${run}</h3><div class="grid">${cards}</div>`);
      }
    }
    body.push('<section id="histograms"><h2>Weight histograms over epochs</h2>' +
      `<p class="muted">One outline per epoch, later epochs lower and darker; height is density (count per unit of value).</p>${parts.join('')}</section>`);
  }
  if (summary !== null || graphRun) {
    nav.push('<a href="#model">Model</a>');
    const g = graphRun?.graph;
    const summaryHtml = summary !== null ? `<h3>Summary</h3><pre class="summary">${esc(summary)}</pre>` : '';
    const graphHtml = g
      ? `<h3>Graph <span class="muted">(${(g.node ?? []).length} nodes; hover a box for its config)</span></h3><div class="graph-wrap">${graphSvg(g)}</div>`
      : '';
    body.push(`<section id="model"><h2>Model</h2>${summaryHtml}${graphHtml}</section>`);
  }
  if (otherTexts.length) {
    nav.push('<a href="#text">Text</a>');
    const texts = otherTexts.map((t) => `<h3>${esc(t.tag)} <span class="muted">(${esc(t.run)})</span></h3>` +
      t.v.map((x) => `<p class="muted">step ${x.step}</p><pre class="summary">${esc(x.text)}</pre>`).join(''));
    body.push(`<section id="text"><h2>Text</h2>${texts.join('')}</section>`);
  }
  if (body.length === 0) body.push('<p>No scalars, histograms, text or graph in these event files.</p>');
  const files = data.runs.flatMap((r) => r.files.map((f) => path.relative(data.logdir, f)));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><nav>${nav.join('')}</nav></header>
<main>${body.join('\n')}
<section id="files"><h2>Event files</h2><ul class="muted">${files.map((f) => `<li><code>${esc(f)}</code></li>`).join('')}</ul></section></main>
<script>${JS}</script></body></html>
`;
}
