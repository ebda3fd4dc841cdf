/**
 * PNG charts (`idem report --png <dir>`): the same chart model as the SVG (`chart.ts`), drawn at
 * twice the SVG's size into an RGBA buffer with our own primitives — filled rectangles, thick
 * lines (a square brush stamped along Bresenham's line), dots, and text in the 5×7 bitmap font of
 * `font.ts` — and encoded with pngjs. File writes are atomic (temp file + fsync + rename).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import pngjs from 'pngjs';
import { layoutChart, type SeriesInput } from './chart.ts';
import { ADVANCE, GLYPH_H, GLYPH_W, glyph } from './font.ts';

type RGB = [number, number, number];

export function hexColor(hex: string): RGB {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return [0, 0, 0];
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** An RGBA raster with the few drawing operations the charts need. */
export class Raster {
  readonly data: Uint8Array;
  constructor(readonly width: number, readonly height: number, bg: RGB = [255, 255, 255]) {
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.data.set([bg[0], bg[1], bg[2], 255], i * 4);
  }
  pixel(x: number, y: number, c: RGB): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
    this.data[i + 3] = 255;
  }
  get(x: number, y: number): RGB {
    const i = (y * this.width + x) * 4;
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!];
  }
  fillRect(x: number, y: number, w: number, h: number, c: RGB): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++) for (let i = Math.round(x); i < Math.round(x + w); i++) this.pixel(i, j, c);
  }
  /** A line `thickness` pixels wide. */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, thickness = 1): void {
    let xa = Math.round(x0);
    let ya = Math.round(y0);
    const xb = Math.round(x1);
    const yb = Math.round(y1);
    const dx = Math.abs(xb - xa);
    const dy = -Math.abs(yb - ya);
    const sx = xa < xb ? 1 : -1;
    const sy = ya < yb ? 1 : -1;
    let err = dx + dy;
    const lo = -Math.floor((thickness - 1) / 2);
    const hi = lo + thickness - 1;
    for (;;) {
      for (let j = lo; j <= hi; j++) for (let i = lo; i <= hi; i++) this.pixel(xa + i, ya + j, c);
      if (xa === xb && ya === yb) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        xa += sx;
      }
      if (e2 <= dx) {
        err += dx;
        ya += sy;
      }
    }
  }
  dot(x: number, y: number, r: number, c: RGB): void {
    for (let j = -r; j <= r; j++) for (let i = -r; i <= r; i++) if (i * i + j * j <= r * r + r) this.pixel(x + i, y + j, c);
  }
  /** Width in pixels of `s` at `scale`. */
  static textWidth(s: string, scale: number): number {
    return s.length === 0 ? 0 : (s.length * ADVANCE - 1) * scale;
  }
  /** Text with its top-left at (x, y) ('start'), or its top centre/right for 'middle'/'end'. */
  text(s: string, x: number, y: number, c: RGB, scale = 1, anchor: 'start' | 'middle' | 'end' = 'start'): void {
    const w = Raster.textWidth(s, scale);
    let cx = Math.round(anchor === 'middle' ? x - w / 2 : anchor === 'end' ? x - w : x);
    const cy = Math.round(y);
    for (const ch of s) {
      const g = glyph(ch);
      for (let r = 0; r < GLYPH_H; r++) for (let k = 0; k < GLYPH_W; k++) if (g[r]![k]) this.fillRect(cx + k * scale, cy + r * scale, scale, scale, c);
      cx += ADVANCE * scale;
    }
  }
  png(): Buffer {
    const p = new pngjs.PNG({ width: this.width, height: this.height });
    p.data = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return pngjs.PNG.sync.write(p);
  }
}

/** Rasterizes a line chart (the SVG's layout at `scale` × its size). */
export function curveRaster(tag: string, series: SeriesInput[], width = 560, height = 300, scale = 2): Raster {
  const m = layoutChart(tag, series, width, height);
  const R = new Raster(width * scale, height * scale);
  const s = (v: number) => v * scale;
  const grid: RGB = [236, 239, 241];
  const muted: RGB = [95, 99, 104];
  const { plot } = m;
  for (const t of m.yTicks) {
    R.line(s(plot.left), s(t.px), s(plot.right), s(t.px), grid, 1);
    R.text(t.label, s(plot.left - 6), s(t.px) - 3.5 * scale, muted, scale, 'end');
  }
  for (const t of m.xTicks) {
    R.line(s(t.px), s(plot.top), s(t.px), s(plot.bottom), grid, 1);
    R.text(t.label, s(t.px), s(plot.bottom + 8), muted, scale, 'middle');
  }
  const frame: RGB = [176, 180, 184];
  R.line(s(plot.left), s(plot.top), s(plot.right), s(plot.top), frame);
  R.line(s(plot.left), s(plot.bottom), s(plot.right), s(plot.bottom), frame);
  R.line(s(plot.left), s(plot.top), s(plot.left), s(plot.bottom), frame);
  R.line(s(plot.right), s(plot.top), s(plot.right), s(plot.bottom), frame);
  R.text(tag, s(plot.left), s(10), [32, 33, 36], scale + 1);
  R.text(m.xLabel, s((plot.left + plot.right) / 2), s(height - 14), muted, scale, 'middle');
  m.series.forEach((ser, k) => {
    const c = hexColor(ser.color);
    for (let i = 1; i < ser.px.length; i++) R.line(s(ser.px[i - 1]![0]), s(ser.px[i - 1]![1]), s(ser.px[i]![0]), s(ser.px[i]![1]), c, 2 * scale - 1);
    if (ser.px.length <= 60) for (const [x, y] of ser.px) R.dot(Math.round(s(x)), Math.round(s(y)), 2 * scale, c);
    const lx = plot.right - 10 - (m.series.length - k) * 96;
    R.fillRect(s(lx), s(10), s(12), s(12), c);
    R.text(ser.name, s(lx + 16), s(12.5), [32, 33, 36], scale);
  });
  return R;
}

/** Writes `bytes` to `file` atomically. */
export function writeFileAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** File name of a chart: the tag with anything outside [A-Za-z0-9._-] replaced by '_'. */
export function pngName(tag: string): string {
  return `${tag.replace(/[^A-Za-z0-9._-]/g, '_')}.png`;
}

/** Writes one PNG per chart into `dir`; returns the paths. */
export function writeCurvePngs(dir: string, groups: { tag: string; series: SeriesInput[] }[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return groups.map((g) => {
    const file = path.join(dir, pngName(g.tag));
    writeFileAtomic(file, curveRaster(g.tag, g.series).png());
    return file;
  });
}
