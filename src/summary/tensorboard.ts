/**
 * `tf.callbacks.tensorBoard(logdir, {updateFreq, histogramFreq, writeGraph, writeModelSummary})`:
 * Keras's TensorBoard callback. Layout and tags as Keras writes them:
 *
 *   <logdir>/train/events.out.tfevents.*       epoch_<metric> (step = epoch, 0-based),
 *                                              batch_<metric> (step = batches done so far, from 1)
 *                                              when updateFreq is 'batch' or n (every n batches),
 *                                              <weight's Keras path>/histogram (Keras 3's tag: seq/dense/kernel) every
 *                                              `histogramFreq` epochs (step = epoch),
 *                                              the model graph (graph_def) and, idem's addition,
 *                                              the `model.summary()` table as text `model_summary`
 *   <logdir>/validation/events.out.tfevents.*  epoch_<metric> for the val_<metric> logs
 *
 * The batch figures are the running averages `fit` reports (as in Keras).
 * Defaults: updateFreq 'epoch', histogramFreq 0 (none), writeGraph true, writeModelSummary true.
 */
import * as path from 'node:path';
import { fail } from '../core/errors.ts';
import { Callback, type Logs } from '../models/callbacks.ts';
import { LayersModel } from '../models/model.ts';
import { kerasWeightPath } from '../models/keras_paths.ts';
import { modelGraphDef } from './graph.ts';
import { SummaryFileWriter } from './writer.ts';

export interface TensorBoardArgs {
  /** 'epoch' (default), 'batch', or an integer n: write batch_* scalars every n batches. */
  updateFreq?: 'batch' | 'epoch' | number;
  /** Weight histograms every n epochs (0: never; default 0). */
  histogramFreq?: number;
  /** Write the model graph (default true). */
  writeGraph?: boolean;
  /** Write `model.summary()` as the text summary `model_summary` (default true). */
  writeModelSummary?: boolean;
}

const KEYS = ['updateFreq', 'histogramFreq', 'writeGraph', 'writeModelSummary'];
/** Batch-log entries that are bookkeeping, not metrics. */
const NOT_METRICS = new Set(['batch', 'size']);

export class TensorBoard extends Callback {
  readonly updateFreq: 'epoch' | number;
  readonly histogramFreq: number;
  readonly writeGraph: boolean;
  readonly writeModelSummary: boolean;
  private train: SummaryFileWriter | null = null;
  private validation: SummaryFileWriter | null = null;
  private globalBatch = 0;

  constructor(readonly logdir = './logs', args: TensorBoardArgs = {}) {
    super();
    const cls = 'TensorBoard';
    if (typeof logdir !== 'string' || logdir === '') fail(cls, `\`logdir\` must be a non-empty path, received ${JSON.stringify(logdir)}`);
    if (args === null || typeof args !== 'object') fail(cls, `expected an options object, received ${String(args)}`);
    const bad = Object.keys(args).filter((k) => !KEYS.includes(k));
    if (bad.length) fail(cls, `unknown argument(s) ${bad.map((k) => `\`${k}\``).join(', ')} (expected some of ${KEYS.join(', ')})`);
    const u = args.updateFreq ?? 'epoch';
    if (u === 'batch') this.updateFreq = 1;
    else if (u === 'epoch') this.updateFreq = 'epoch';
    else if (typeof u === 'number' && Number.isInteger(u) && u >= 1) this.updateFreq = u;
    else fail(cls, `Received an invalid value for \`updateFreq\`, expected 'batch', 'epoch' or a positive integer. Received: updateFreq=${JSON.stringify(u)}`);
    const h = args.histogramFreq ?? 0;
    if (!Number.isInteger(h) || h < 0) fail(cls, `Received an invalid value for \`histogramFreq\`, expected a non-negative integer. Received: histogramFreq=${String(h)}`);
    this.histogramFreq = h;
    for (const k of ['writeGraph', 'writeModelSummary'] as const) {
      if (args[k] !== undefined && typeof args[k] !== 'boolean') fail(cls, `\`${k}\` must be a boolean, received ${String(args[k])}`);
    }
    this.writeGraph = args.writeGraph ?? true;
    this.writeModelSummary = args.writeModelSummary ?? true;
  }

  private keras(): LayersModel | null {
    return this.model instanceof LayersModel ? this.model : null;
  }

  override async onTrainBegin(): Promise<void> {
    this.close();
    this.train = new SummaryFileWriter(path.join(this.logdir, 'train'));
    this.globalBatch = 0;
    const m = this.keras();
    if (m) {
      if (this.writeGraph) this.train.graph(modelGraphDef(m));
      if (this.writeModelSummary) {
        let text: string | null = null;
        try {
          text = m.summary(98, null).text;
        } catch {
          text = null; // an unbuilt subclassed model has no summary yet
        }
        // Markdown: indent by four spaces so TensorBoard shows the table as code.
        if (text !== null) this.train.text('model_summary', text.split('\n').map((l) => `    ${l}`).join('\n'), 0);
      }
    }
    this.train.flush();
  }

  override async onBatchEnd(_batch: number, logs: Logs = {}): Promise<void> {
    this.globalBatch++;
    if (this.updateFreq === 'epoch' || !this.train || this.globalBatch % this.updateFreq !== 0) return;
    for (const [k, v] of Object.entries(logs)) if (!NOT_METRICS.has(k)) this.train.scalar(`batch_${k}`, v, this.globalBatch);
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (!this.train) return;
    for (const [k, v] of Object.entries(logs)) {
      if (k.startsWith('val_')) {
        this.validation ??= new SummaryFileWriter(path.join(this.logdir, 'validation'));
        this.validation.scalar(`epoch_${k.slice(4)}`, v, epoch);
      } else this.train.scalar(`epoch_${k}`, v, epoch);
    }
    const m = this.keras();
    if (m && this.histogramFreq > 0 && epoch % this.histogramFreq === 0) {
      for (const l of m.layers) for (const w of l.weights) this.train.histogram(`${kerasWeightPath(m as LayersModel, l, w).replace(/:/g, '_')}/histogram`, w.read(), epoch);
    }
    this.train.flush();
    this.validation?.flush();
  }

  override async onTrainEnd(): Promise<void> {
    this.close();
  }

  private close(): void {
    this.train?.close();
    this.validation?.close();
    this.train = null;
    this.validation = null;
  }
}

/** `tf.callbacks.tensorBoard(logdir, args)` (TF.js `tf.node.tensorBoard`). */
export function tensorBoard(logdir = './logs', args: TensorBoardArgs = {}): TensorBoard {
  return new TensorBoard(logdir, args);
}
