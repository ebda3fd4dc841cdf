/**
 * SVG pieces of the report: line charts (from `chart.ts`'s model) and weight histograms over
 * epochs (TensorBoard's "offset" view: one outline per step, later steps lower and darker).
 *
 * Every chart carries its data for tests and scripts: `<svg class="curve" data-tag>`, and per
 * series `<g class="series" data-run data-steps data-values>` with one `<circle>` per point
 * (`data-step`, `data-value`, and a `<title>` tooltip; up to MAX_DOTS points). Values are written
 * with full precision (shortest round-trip form of the stored float32).
 */
import { formatValue, layoutChart, type SeriesInput } from './chart.ts';
import type { HistogramPoint } from './logdir.ts';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** Series longer than this are drawn as a line only (a 30-epoch batch log has 16,500 points). */
export const MAX_DOTS = 300;

/** The style of `curveSvg`'s charts (the report's page and `tf.callbacks.liveChart` use it). */
export const CURVE_CSS = `svg text{font:11px system-ui,Arial,sans-serif;fill:#202124}
svg text.title{font-weight:600;font-size:13px}
svg text.tick{fill:#5f6368}
svg text.axis{fill:#5f6368;font-style:italic}
svg line.grid{stroke:#eceff1}
svg rect.frame{fill:none;stroke:#b0b4b8}
.series polyline{fill:none;stroke:var(--c);stroke-width:2;stroke-linejoin:round}
.series circle{fill:var(--c);stroke:#fff;stroke-width:.8}
.series circle:hover{r:5}`;

/** A line chart of `series` (x = step, or what `xLabel` says). */
export function curveSvg(tag: string, series: SeriesInput[], width = 560, height = 300, xLabel = 'step'): string {
  const m = layoutChart(tag, series, width, height, xLabel);
  const { plot } = m;
  const o: string[] = [];
  o.push(`<svg class="curve" data-tag="${esc(tag)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(tag)}">`);
  o.push(`<text class="title" x="${plot.left}" y="20">${esc(tag)}</text>`);
  for (const t of m.yTicks) {
    o.push(`<line class="grid" x1="${plot.left}" x2="${plot.right}" y1="${r1(t.px)}" y2="${r1(t.px)}"/>`);
    o.push(`<text class="tick" x="${plot.left - 6}" y="${r1(t.px + 4)}" text-anchor="end">${esc(t.label)}</text>`);
  }
  for (const t of m.xTicks) {
    o.push(`<line class="grid" x1="${r1(t.px)}" x2="${r1(t.px)}" y1="${plot.top}" y2="${plot.bottom}"/>`);
    o.push(`<text class="tick" x="${r1(t.px)}" y="${plot.bottom + 16}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  o.push(`<rect class="frame" x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}"/>`);
  o.push(`<text class="axis" x="${(plot.left + plot.right) / 2}" y="${height - 6}" text-anchor="middle">${esc(m.xLabel)}</text>`);
  m.series.forEach((s, k) => {
    const pts = s.points.filter((p) => Number.isFinite(p.value));
    o.push(`<g class="series" data-run="${esc(s.name)}" data-steps="${pts.map((p) => p.step).join(',')}" data-values="${pts.map((p) => String(p.value)).join(',')}" style="--c:${s.color}">`);
    if (s.px.length > 1) o.push(`<polyline points="${s.px.map(([x, y]) => `${r1(x)},${r1(y)}`).join(' ')}"/>`);
    // A dot with a tooltip per point, up to MAX_DOTS points (the line and data-values keep them all).
    if (pts.length <= MAX_DOTS) {
      pts.forEach((p, i) => {
        const [x, y] = s.px[i]!;
        o.push(`<circle cx="${r1(x)}" cy="${r1(y)}" r="${pts.length > 60 ? 1.5 : 3}" data-step="${p.step}" data-value="${p.value}">` +
          `<title>${esc(s.name)} · step ${p.step}: ${formatValue(p.value)}</title></circle>`);
      });
    }
    o.push('</g>');
    // Legend, top right.
    const lx = plot.right - 10 - (m.series.length - k) * 96;
    o.push(`<g class="legend" data-run="${esc(s.name)}"><rect x="${lx}" y="10" width="12" height="12" style="fill:${s.color}"/><text x="${lx + 16}" y="20">${esc(s.name)}</text></g>`);
  });
  o.push('</svg>');
  return o.join('');
}

/** Weight histograms over steps (see the file comment). */
export function histogramSvg(tag: string, points: HistogramPoint[], width = 560): string {
  const steps = points.length;
  const rowGap = steps > 1 ? Math.max(6, Math.min(24, 160 / (steps - 1))) : 0;
  const ridge = 70;
  const plot = { left: 64, right: width - 56, top: 30 + ridge };
  const height = plot.top + rowGap * Math.max(0, steps - 1) + 36;
  const lo = points.reduce((m, p) => Math.min(m, p.min), Infinity);
  const hi0 = points.reduce((m, p) => Math.max(m, p.max), -Infinity);
  const hi = hi0 > lo ? hi0 : lo + 1;
  const sx = (v: number) => plot.left + ((v - lo) / (hi - lo)) * (plot.right - plot.left);
  // Densities (count per unit of value), scaled so the tallest of all steps fills `ridge`.
  const dens = points.map((p) => p.bins.map((b) => (b.right > b.left ? b.count / (b.right - b.left) : b.count)));
  const top = dens.reduce((m, d) => d.reduce((a, b) => Math.max(a, b), m), 1e-300);
  const o: string[] = [];
  o.push(`<svg class="histogram" data-tag="${esc(tag)}" data-steps="${points.map((p) => p.step).join(',')}" data-nums="${points.map((p) => p.num).join(',')}" ` +
    `xmlns="http://www.w3.org/2000/svg" width="${width}" height="${r1(height)}" viewBox="0 0 ${width} ${r1(height)}" role="img" aria-label="${esc(tag)}">`);
  o.push(`<text class="title" x="${plot.left}" y="18">${esc(tag)}</text>`);
  points.forEach((p, i) => {
    const base = plot.top + i * rowGap;
    const shade = steps > 1 ? i / (steps - 1) : 1;
    const col = `hsl(24, 90%, ${Math.round(78 - 40 * shade)}%)`;
    const path: string[] = [`M${r1(sx(p.bins[0]?.left ?? lo))},${r1(base)}`];
    p.bins.forEach((b, j) => {
      const h = (dens[i]![j]! / top) * ridge;
      path.push(`L${r1(sx(b.left))},${r1(base - h)}`, `L${r1(sx(b.right))},${r1(base - h)}`);
    });
    path.push(`L${r1(sx(p.bins.at(-1)?.right ?? hi))},${r1(base)}Z`);
    o.push(`<path class="ridge" data-step="${p.step}" d="${path.join('')}" style="fill:${col};stroke:hsl(24,90%,${Math.round(60 - 40 * shade)}%)">` +
      `<title>step ${p.step}: n=${p.num}, min ${formatValue(p.min)}, max ${formatValue(p.max)}</title></path>`);
    if (i === 0 || i === steps - 1 || steps <= 8) o.push(`<text class="tick" x="${plot.right + 6}" y="${r1(base + 4)}">${p.step}</text>`);
  });
  const axisY = plot.top + rowGap * Math.max(0, steps - 1) + 14;
  for (const v of [lo, (lo + hi) / 2, hi]) o.push(`<text class="tick" x="${r1(sx(v))}" y="${r1(axisY + 4)}" text-anchor="middle">${esc(formatValue(v))}</text>`);
  o.push(`<text class="axis" x="${plot.right + 6}" y="${plot.top - ridge + 4}">step</text>`);
  o.push('</svg>');
  return o.join('');
}
