/**
 * Reads a TensorBoard logdir into plain data for the report: every event file under the folder
 * (the folder itself and subfolders up to three levels, e.g. Keras's `train/` and `validation/`),
 * grouped by run (the subfolder's path relative to the logdir; '.' for the logdir itself).
 *
 * Understood values: `simple_value` scalars, `histo` histograms, text tensors (plugin 'text'),
 * `graph_def`; and TF 2's tensor forms of scalars (plugin 'scalars': a scalar float/double tensor)
 * and histograms (plugin 'histograms': a [k, 3] tensor of left edge, right edge, count), so logdirs
 * written by TensorFlow read too. A tag's metadata may come only with its first value (as
 * TensorFlow writes it), so the plugin is remembered per run and tag. Several values for one
 * step: the last one written wins (TensorBoard's behaviour after a restart).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../core/errors.ts';
import { readEventFile, type GraphDef, type SummaryValue } from '../summary/read.ts';

export interface ScalarPoint {
  step: number;
  value: number;
  wallTime: number;
}

export interface HistogramBin {
  left: number;
  right: number;
  count: number;
}

export interface HistogramPoint {
  step: number;
  min: number;
  max: number;
  num: number;
  bins: HistogramBin[];
}

export interface RunData {
  name: string;
  scalars: Map<string, ScalarPoint[]>;
  histograms: Map<string, HistogramPoint[]>;
  texts: Map<string, { step: number; text: string }[]>;
  graph: GraphDef | null;
  files: string[];
}

export interface LogData {
  logdir: string;
  runs: RunData[];
}

function eventFilesUnder(dir: string, depth: number): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name.includes('tfevents')) out.push(p);
    else if (e.isDirectory() && depth > 0) out.push(...eventFilesUnder(p, depth - 1));
  }
  return out;
}

const dec = new TextDecoder();

function tensorNumbers(t: NonNullable<SummaryValue['tensor']>): number[] {
  if (t.floatVal?.length) return t.floatVal;
  if (t.doubleVal?.length) return t.doubleVal;
  if (t.tensorContent && t.tensorContent.length) {
    const b = t.tensorContent;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: number[] = [];
    if (t.dtype === 2) for (let i = 0; i + 8 <= b.length; i += 8) out.push(view.getFloat64(i, true));
    else if (t.dtype === 1) for (let i = 0; i + 4 <= b.length; i += 4) out.push(view.getFloat32(i, true));
    return out;
  }
  return [];
}

function histoBins(h: NonNullable<SummaryValue['histo']>): HistogramBin[] {
  // HistogramProto: bucket i spans (limit[i−1], limit[i]]; the first starts at min, the last ends at max.
  const bins: HistogramBin[] = [];
  const limits = h.bucketLimit ?? [];
  const counts = h.bucket ?? [];
  for (let i = 0; i < counts.length; i++) {
    const left = i === 0 ? (h.min ?? 0) : limits[i - 1]!;
    const right = i === counts.length - 1 ? (h.max ?? 0) : limits[i]!;
    bins.push({ left: Math.min(left, right), right, count: counts[i]! });
  }
  // Buckets TensorFlow's C++ histogram leaves empty at the ends carry no information.
  return bins.filter((b) => b.count > 0 || (b.left >= (h.min ?? 0) && b.right <= (h.max ?? 0)));
}

/** Each list's index of step → position, so a value for a step already seen replaces it in O(1). */
const stepIndex = new WeakMap<object, Map<number, number>>();

function upsert<T extends { step: number }>(list: T[], item: T): void {
  let idx = stepIndex.get(list);
  if (!idx) stepIndex.set(list, (idx = new Map()));
  const i = idx.get(item.step);
  if (i !== undefined) list[i] = item;
  else {
    idx.set(item.step, list.length);
    list.push(item);
  }
}

/** Reads every event file of `logdir` (see the file comment). */
export function readLogdir(logdir: string): LogData {
  if (!fs.existsSync(logdir) || !fs.statSync(logdir).isDirectory()) fail('report', `logdir '${logdir}' is not a directory`);
  const files = eventFilesUnder(logdir, 3);
  if (files.length === 0) fail('report', `no event files (events.out.tfevents.*) under '${logdir}'`);
  const runs = new Map<string, RunData>();
  for (const f of files) {
    const name = path.relative(logdir, path.dirname(f)) || '.';
    let run = runs.get(name);
    if (!run) {
      run = { name, scalars: new Map(), histograms: new Map(), texts: new Map(), graph: null, files: [] };
      runs.set(name, run);
    }
    run.files.push(f);
    const plugins = new Map<string, string>();
    for (const e of readEventFile(f)) {
      if (e.graph) run.graph = e.graph;
      const step = Number(e.step ?? 0);
      for (const v of e.summary?.value ?? []) {
        const tag = v.tag;
        const plugin = v.metadata?.pluginData?.pluginName;
        if (plugin) plugins.set(tag, plugin);
        const kind = plugins.get(tag);
        if (v.simpleValue !== undefined || (v.tensor && kind === 'scalars')) {
          const value = v.simpleValue ?? tensorNumbers(v.tensor!)[0];
          if (value === undefined) continue;
          if (!run.scalars.has(tag)) run.scalars.set(tag, []);
          upsert(run.scalars.get(tag)!, { step, value, wallTime: e.wallTime });
        } else if (v.histo) {
          const h = v.histo;
          if (!run.histograms.has(tag)) run.histograms.set(tag, []);
          upsert(run.histograms.get(tag)!, { step, min: h.min ?? 0, max: h.max ?? 0, num: h.num ?? 0, bins: histoBins(h) });
        } else if (v.tensor && kind === 'histograms') {
          const x = tensorNumbers(v.tensor);
          const bins: HistogramBin[] = [];
          for (let i = 0; i + 3 <= x.length; i += 3) bins.push({ left: x[i]!, right: x[i + 1]!, count: x[i + 2]! });
          if (!run.histograms.has(tag)) run.histograms.set(tag, []);
          upsert(run.histograms.get(tag)!, { step, min: bins[0]?.left ?? 0, max: bins.at(-1)?.right ?? 0, num: bins.reduce((n, b) => n + b.count, 0), bins });
        } else if (v.tensor && kind === 'text') {
          const text = (v.tensor.stringVal ?? []).map((s) => dec.decode(s)).join('\n');
          if (!run.texts.has(tag)) run.texts.set(tag, []);
          upsert(run.texts.get(tag)!, { step, text });
        }
      }
    }
  }
  for (const run of runs.values()) {
    for (const l of run.scalars.values()) l.sort((a, b) => a.step - b.step);
    for (const l of run.histograms.values()) l.sort((a, b) => a.step - b.step);
    for (const l of run.texts.values()) l.sort((a, b) => a.step - b.step);
  }
  // Keras's runs first: train, then validation, then the rest by name.
  const order = (n: string) => (n === 'train' ? 0 : n === 'validation' ? 1 : 2);
  return { logdir, runs: [...runs.values()].sort((a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name)) };
}
