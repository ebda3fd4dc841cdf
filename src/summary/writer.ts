/**
 * Summary writers: TensorBoard event files (`events.out.tfevents.<secs>.<host>.<pid>.<n>.v2`).
 *
 * A file is a TFRecord stream (`records.ts`) of `tensorflow.Event` messages (`protos.ts`):
 * first `{wall_time, file_version: "brain.Event:2"}`, then one Event per summary value or graph.
 *
 *   scalar     Summary.Value.simple_value (float32, as TensorFlow stores it)
 *   histogram  Summary.Value.histo (HistogramProto): min, max, num, sum, sum of squares and
 *              `buckets` equal-width buckets over [min, max] (TF 2's `tf.summary.histogram`
 *              default, 30); bucket_limit holds each bucket's right edge, bucket its count.
 *              A constant tensor gives one bucket; an empty one none.
 *   text       Summary.Value.tensor: a DT_STRING tensor (scalar, or 1-D for a list) with
 *              metadata plugin_data.plugin_name = "text" (TensorBoard's text plugin)
 *   graph      Event.graph_def: a serialized GraphDef (`graph.ts` builds one from a model)
 *
 * Writing: events queue in memory and are appended when `maxQueue` are waiting, when
 * `flushMillis` has passed since the last write, on `flush()`, on `close()` and when the process
 * exits. The file is
 * created atomically with its first record (temp file + fsync + rename); each flush appends
 * whole records in one write and fsyncs, so a reader never sees a torn record from a finished
 * flush (TensorBoard also reads files that are still being written, as TensorFlow's are).
 *
 * `tf.summary.createFileWriter(logdir)` returns a writer; `tf.summary.scalar/histogram/text`
 * write to the default writer (`writer.setAsDefault()` or `writer.asDefault(() => ...)`), and
 * return false when there is none, as TensorFlow does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fail } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';
import { encodeEvent, encodeGraphDef, DT, type EventProto, type GraphDef, type HistogramProto, type SummaryValue } from './protos.ts';
import { frameRecord } from './records.ts';

export interface SummaryFileWriterOptions {
  /** Events kept in memory before a write (TF default 10). */
  maxQueue?: number;
  /** Longest time in ms between writes while events arrive (TF default 120000). */
  flushMillis?: number;
  /** Appended to the file name (TF 2 default '.v2'). */
  filenameSuffix?: string;
}

let fileCounter = 0;

/** Writes `bytes` to `file` atomically: temp file in the same directory, fsync, rename. */
function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${fileCounter++}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

type Numeric = Tensor | number[] | Float32Array | Float64Array | Int32Array | Uint8Array;

function valuesOf(op: string, data: Numeric): ArrayLike<number> {
  if (data instanceof Tensor) return data.dataSync() as ArrayLike<number>;
  if (Array.isArray(data) || ArrayBuffer.isView(data)) return data as ArrayLike<number>;
  fail(op, `\`data\` must be a Tensor, a number array or a typed array, received ${typeof data}`);
}

function checkStep(op: string, step: unknown): number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) fail(op, `\`step\` must be a non-negative integer, received ${String(step)}`);
  return step;
}

function checkTag(op: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) fail(op, `\`name\` must be a non-empty string, received ${JSON.stringify(name)}`);
  return name;
}

/** HistogramProto of `values`: `buckets` equal-width buckets over [min, max] (see the file comment). */
export function histogramProto(values: ArrayLike<number>, buckets = 30, op = 'summary.histogram'): HistogramProto {
  if (!Number.isInteger(buckets) || buckets < 1) fail(op, `\`buckets\` must be a positive integer, received ${buckets}`);
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) fail(op, `data must be finite, received ${v} at flat index ${i}`);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  if (n === 0) return { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  if (min === max) return { min, max, num: n, sum, sumSquares, bucketLimit: [max], bucket: [n] };
  const width = (max - min) / buckets;
  const counts = new Array<number>(buckets).fill(0);
  for (let i = 0; i < n; i++) {
    // Right-closed last bucket: max falls in bucket k−1.
    const k = Math.min(buckets - 1, Math.floor((values[i]! - min) / width));
    counts[k]!++;
  }
  const limits = counts.map((_, k) => (k === buckets - 1 ? max : min + width * (k + 1)));
  return { min, max, num: n, sum, sumSquares, bucketLimit: limits, bucket: counts };
}

export class SummaryFileWriter {
  /** The event file this writer appends to. */
  readonly path: string;
  private queue: Uint8Array[] = [];
  private lastWrite = Date.now();
  private closed = false;
  private readonly maxQueue: number;
  private readonly flushMillis: number;

  constructor(readonly logdir: string, options: SummaryFileWriterOptions = {}) {
    const op = 'summary.createFileWriter';
    if (typeof logdir !== 'string' || logdir === '') fail(op, `\`logdir\` must be a non-empty path, received ${JSON.stringify(logdir)}`);
    const bad = Object.keys(options).filter((k) => !['maxQueue', 'flushMillis', 'filenameSuffix'].includes(k));
    if (bad.length) fail(op, `unknown option(s) ${bad.join(', ')} (expected some of maxQueue, flushMillis, filenameSuffix)`);
    this.maxQueue = options.maxQueue ?? 10;
    this.flushMillis = options.flushMillis ?? 120_000;
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 1) fail(op, `\`maxQueue\` must be a positive integer, received ${this.maxQueue}`);
    if (!(this.flushMillis >= 0)) fail(op, `\`flushMillis\` must be ≥ 0, received ${this.flushMillis}`);
    const suffix = options.filenameSuffix ?? '.v2';
    if (suffix.includes('/') || suffix.includes(path.sep)) fail(op, `\`filenameSuffix\` must not contain a path separator, received '${suffix}'`);
    fs.mkdirSync(logdir, { recursive: true });
    const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost';
    const now = Date.now();
    this.path = path.join(logdir, `events.out.tfevents.${Math.floor(now / 1000)}.${host}.${process.pid}.${fileCounter++}${suffix}`);
    writeFileAtomic(this.path, frameRecord(encodeEvent({ wallTime: now / 1000, fileVersion: 'brain.Event:2' })));
    trackOpen(this);
  }

  private add(op: string, event: EventProto): void {
    if (this.closed) fail(op, `the writer of '${this.path}' is closed`);
    this.queue.push(frameRecord(encodeEvent(event)));
    if (this.queue.length >= this.maxQueue || Date.now() - this.lastWrite >= this.flushMillis) this.flush();
  }

  private value(op: string, step: number, value: SummaryValue): void {
    this.add(op, { wallTime: Date.now() / 1000, step: checkStep(op, step), summary: { value: [value] } });
  }

  /** A scalar (stored as float32 `simple_value`). */
  scalar(name: string, value: number | Tensor, step: number, description?: string): void {
    const op = 'summary.scalar';
    let v: number;
    if (value instanceof Tensor) {
      if (value.size !== 1) fail(op, `\`data\` must hold one value, received a tensor of shape [${value.shape.join(', ')}]`);
      v = (value.dataSync() as ArrayLike<number>)[0]!;
    } else if (typeof value === 'number') v = value;
    else fail(op, `\`data\` must be a number or a one-element tensor, received ${typeof value}`);
    this.value(op, step, { tag: checkTag(op, name), simpleValue: v, ...(description ? { metadata: { summaryDescription: description } } : {}) });
  }

  /** A histogram of `data`'s values in `buckets` equal-width buckets (default 30). */
  histogram(name: string, data: Numeric, step: number, buckets = 30, description?: string): void {
    const op = 'summary.histogram';
    const histo = histogramProto(valuesOf(op, data), buckets, op);
    this.value(op, step, { tag: checkTag(op, name), histo, ...(description ? { metadata: { summaryDescription: description } } : {}) });
  }

  /** Text (markdown in TensorBoard's text plugin); an array gives a 1-D string tensor. */
  text(name: string, data: string | string[], step: number, description?: string): void {
    const op = 'summary.text';
    const list = typeof data === 'string' ? [data]
      : Array.isArray(data) && data.every((s) => typeof s === 'string') ? data
      : fail(op, `\`data\` must be a string or an array of strings, received ${typeof data}`);
    const enc = new TextEncoder();
    this.value(op, step, {
      tag: checkTag(op, name),
      metadata: { pluginData: { pluginName: 'text', content: new Uint8Array(0) }, ...(description ? { summaryDescription: description } : {}) },
      tensor: { dtype: DT.STRING, tensorShape: typeof data === 'string' ? {} : { dim: [{ size: list.length }] }, stringVal: list.map((s) => enc.encode(s)) },
    });
  }

  /** The model graph (Event.graph_def), at step 0 as TensorFlow writes it. */
  graph(graphDef: GraphDef): void {
    this.add('summary.graph', { wallTime: Date.now() / 1000, step: 0, graphDef: encodeGraphDef(graphDef) });
  }

  /** Appends the queued events (one write, then fsync). */
  flush(): void {
    if (this.queue.length === 0) return;
    const total = this.queue.reduce((n, r) => n + r.length, 0);
    const buf = new Uint8Array(total);
    let off = 0;
    for (const r of this.queue) {
      buf.set(r, off);
      off += r.length;
    }
    const fd = fs.openSync(this.path, 'a');
    try {
      fs.writeSync(fd, buf);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.queue = [];
    this.lastWrite = Date.now();
  }

  /** Flushes and closes; later writes throw. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    OPEN.delete(this);
    if (defaultWriter === this) defaultWriter = null;
  }

  /** Makes this the writer of `tf.summary.scalar/histogram/text`. */
  setAsDefault(): this {
    defaultWriter = this;
    return this;
  }

  /** Runs `fn` with this writer as the default, then restores the previous one. */
  asDefault<T>(fn: () => T): T {
    const prev = defaultWriter;
    defaultWriter = this;
    try {
      return fn();
    } finally {
      defaultWriter = prev;
    }
  }
}

let defaultWriter: SummaryFileWriter | null = null;

/** Writers not closed yet: their queued events are flushed when the process exits (as TF does). */
const OPEN = new Set<SummaryFileWriter>();
let exitHook = false;
function trackOpen(w: SummaryFileWriter): void {
  OPEN.add(w);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const x of OPEN) {
      try {
        x.flush();
      } catch {
        // the process is ending; nothing left to report to
      }
    }
  });
}

/** `tf.summary.createFileWriter(logdir, {maxQueue, flushMillis, filenameSuffix})`. */
export function createFileWriter(logdir: string, options: SummaryFileWriterOptions = {}): SummaryFileWriter {
  return new SummaryFileWriter(logdir, options);
}

/** `tf.summary.scalar(name, data, step)`: writes to the default writer; false when there is none. */
export function scalar(name: string, data: number | Tensor, step: number, description?: string): boolean {
  if (!defaultWriter) return false;
  defaultWriter.scalar(name, data, step, description);
  return true;
}

/** `tf.summary.histogram(name, data, step, buckets = 30)`: see `scalar`. */
export function histogram(name: string, data: Numeric, step: number, buckets = 30, description?: string): boolean {
  if (!defaultWriter) return false;
  defaultWriter.histogram(name, data, step, buckets, description);
  return true;
}

/** `tf.summary.text(name, data, step)`: see `scalar`. */
export function text(name: string, data: string | string[], step: number, description?: string): boolean {
  if (!defaultWriter) return false;
  defaultWriter.text(name, data, step, description);
  return true;
}

/** Flushes the default writer (TF `tf.summary.flush()`). */
export function flush(): void {
  defaultWriter?.flush();
}
