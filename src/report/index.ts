/**
 * `idem report`: a logdir of TensorBoard event files → one self-contained HTML page (html.ts),
 * and optionally PNG curves (png.ts). `writeReport` is what the CLI runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../core/errors.ts';
import type { CompareReport } from '../compare/types.ts';
import { checkCompareReport } from './compare.ts';
import { curveGroups, reportHtml } from './html.ts';
import { readLogdir, type LogData } from './logdir.ts';
import { writeCurvePngs, writeFileAtomic } from './png.ts';

export { readLogdir, type LogData, type RunData, type ScalarPoint, type HistogramPoint } from './logdir.ts';
export { reportHtml, curveGroups, type ReportOptions } from './html.ts';
export { curveRaster, writeCurvePngs, Raster, pngName } from './png.ts';
export { layoutChart, niceStep, formatTick } from './chart.ts';
export { layoutGraph, graphSvg } from './graph.ts';
export { checkCompareReport, compareHtml } from './compare.ts';

export interface WriteReportOptions {
  /** Output HTML file (default `<logdir>/report.html`). */
  out?: string;
  /** Folder for PNG curves (none if absent). */
  png?: string;
  /** A compare report JSON file; default `<logdir>/compare.json` when that exists. */
  compare?: string;
  title?: string;
}

export interface WriteReportResult {
  html: string;
  pngs: string[];
  data: LogData;
  compare: CompareReport | null;
}

export function loadCompare(file: string): CompareReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail('report', `cannot read the compare report '${file}': ${e instanceof Error ? e.message : String(e)}`);
  }
  return checkCompareReport(parsed, file);
}

/** Reads `logdir`, writes the HTML (and PNGs). */
export function writeReport(logdir: string, options: WriteReportOptions = {}): WriteReportResult {
  const data = readLogdir(logdir);
  const compareFile = options.compare ?? (fs.existsSync(path.join(logdir, 'compare.json')) ? path.join(logdir, 'compare.json') : undefined);
  const compare = compareFile ? loadCompare(compareFile) : null;
  const out = options.out ?? path.join(logdir, 'report.html');
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileAtomic(out, reportHtml(data, { compare, ...(options.title ? { title: options.title } : {}) }));
  const pngs = options.png ? writeCurvePngs(options.png, curveGroups(data)) : [];
  return { html: out, pngs, data, compare };
}
