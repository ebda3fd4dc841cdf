/**
 * The geometry of a line chart, shared by the SVG (html) and PNG renderers so both draw the same
 * picture: plot area, "nice" ticks (steps of 1, 2 or 5 × 10^k), and each series' points in pixels.
 */
export interface SeriesInput {
  name: string;
  color: string;
  points: { step: number; value: number }[];
}

export interface Tick {
  value: number;
  px: number;
  label: string;
}

export interface ChartModel {
  title: string;
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  xTicks: Tick[];
  yTicks: Tick[];
  series: (SeriesInput & { px: [number, number][] })[];
  xLabel: string;
}

/** 1, 2 or 5 × 10^k closest above `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** A tick label: as many decimals as the tick step needs, exponent form for extreme magnitudes. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || (a < 1e-4 && step < 1e-4)) return v.toExponential(1).replace('e+', 'e');
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** A value in a tooltip or a table: 4 significant digits past the point as Keras's logs. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(4);
  return v.toFixed(4);
}

function ticks(lo: number, hi: number, target: number, integer: boolean): { lo: number; hi: number; step: number; values: number[] } {
  let step = niceStep((hi - lo) / Math.max(1, target));
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.ceil(lo / step - 1e-9) * step;
  const values: number[] = [];
  for (let v = first; v <= hi + step * 1e-9; v += step) values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { lo, hi, step, values };
}

/** Lays out a chart of `series` (x = step, y = value) in a `width` × `height` box. */
export function layoutChart(title: string, series: SeriesInput[], width = 560, height = 300, xLabel = 'step'): ChartModel {
  const plot = { left: 64, top: 34, right: width - 16, bottom: height - 40 };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value));
  // Loops, not Math.min(...spread): a long run has more points than a call has arguments.
  let [xlo, xhi, ylo, yhi] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const p of all) {
    if (p.step < xlo) xlo = p.step;
    if (p.step > xhi) xhi = p.step;
    if (p.value < ylo) ylo = p.value;
    if (p.value > yhi) yhi = p.value;
  }
  if (all.length === 0) [xlo, xhi, ylo, yhi] = [0, 1, 0, 1];
  if (xlo === xhi) [xlo, xhi] = [xlo - 1, xhi + 1];
  if (ylo === yhi) {
    const d = Math.abs(ylo) * 0.1 || 1;
    [ylo, yhi] = [ylo - d, yhi + d];
  } else {
    const pad = (yhi - ylo) * 0.06;
    [ylo, yhi] = [ylo - pad, yhi + pad];
  }
  const xt = ticks(xlo, xhi, 6, true);
  const yt = ticks(ylo, yhi, 5, false);
  const sx = (v: number) => plot.left + ((v - xlo) / (xhi - xlo)) * (plot.right - plot.left);
  const sy = (v: number) => plot.bottom - ((v - ylo) / (yhi - ylo)) * (plot.bottom - plot.top);
  return {
    title,
    width,
    height,
    plot,
    xLabel,
    xTicks: xt.values.map((v) => ({ value: v, px: sx(v), label: formatTick(v, xt.step) })),
    yTicks: yt.values.map((v) => ({ value: v, px: sy(v), label: formatTick(v, yt.step) })),
    series: series.map((s) => ({ ...s, px: s.points.filter((p) => Number.isFinite(p.value)).map((p) => [sx(p.step), sy(p.value)] as [number, number]) })),
  };
}
