/**
 * Training callbacks with every Keras hook, `History`, and the Keras-style progress bar.
 *
 * The progress bar's `loss`/metric figures are running averages over the epoch so far (as in
 * Keras — seed 001's confusion); `val_*` figures are computed on the validation data at the end
 * of the epoch. The bar says so in its first line.
 */
import { isNode, outIsTTY, writeOut } from '../platform/index.ts';

export type Logs = Record<string, number>;

export class Callback {
  /** Set by fit: the model being trained (typed loosely to keep this module below models). */
  model: { stopTraining: boolean } | null = null;
  params: { epochs: number; steps: number; verbose: number } = { epochs: 0, steps: 0, verbose: 0 };
  setModel(m: { stopTraining: boolean }): void {
    this.model = m;
  }
  setParams(p: { epochs: number; steps: number; verbose: number }): void {
    this.params = p;
  }
  async onTrainBegin(_logs?: Logs): Promise<void> {}
  async onTrainEnd(_logs?: Logs): Promise<void> {}
  async onEpochBegin(_epoch: number, _logs?: Logs): Promise<void> {}
  async onEpochEnd(_epoch: number, _logs?: Logs): Promise<void> {}
  async onBatchBegin(_batch: number, _logs?: Logs): Promise<void> {}
  async onBatchEnd(_batch: number, _logs?: Logs): Promise<void> {}
  async onTestBegin(_logs?: Logs): Promise<void> {}
  async onTestEnd(_logs?: Logs): Promise<void> {}
  async onPredictBegin(_logs?: Logs): Promise<void> {}
  async onPredictEnd(_logs?: Logs): Promise<void> {}
}

/** Hooks given as plain functions (TF.js `CustomCallbackArgs`). */
export interface CustomCallbackArgs {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
}

export class CustomCallback extends Callback {
  constructor(private readonly args: CustomCallbackArgs) {
    super();
  }
  override async onTrainBegin(logs?: Logs) {
    await this.args.onTrainBegin?.(logs);
  }
  override async onTrainEnd(logs?: Logs) {
    await this.args.onTrainEnd?.(logs);
  }
  override async onEpochBegin(e: number, logs?: Logs) {
    await this.args.onEpochBegin?.(e, logs);
  }
  override async onEpochEnd(e: number, logs?: Logs) {
    await this.args.onEpochEnd?.(e, logs);
  }
  override async onBatchBegin(b: number, logs?: Logs) {
    await this.args.onBatchBegin?.(b, logs);
  }
  override async onBatchEnd(b: number, logs?: Logs) {
    await this.args.onBatchEnd?.(b, logs);
  }
}

/** `model.fit` returns this: `history[name]` holds one value per epoch. */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  override async onEpochEnd(epoch: number, logs: Logs = {}) {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    // `fit` adds TF.js's `acc` / `val_acc` next to Keras's `accuracy` / `val_accuracy` (and the
    // reverse) as non-enumerable logs: kept here the same way, so `history.history.acc` reads
    // while listing the keys shows each metric once.
    for (const k of Object.getOwnPropertyNames(logs)) {
      if (Object.prototype.propertyIsEnumerable.call(logs, k)) continue;
      if (!Object.prototype.hasOwnProperty.call(this.history, k)) Object.defineProperty(this.history, k, { value: [], enumerable: false, configurable: true, writable: true });
      this.history[k]!.push(logs[k]!);
    }
  }
}

function fmtTime(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return `${Math.round(s)}s`;
}

function fmtLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(4) : v.toFixed(4)}`)
    .join('');
}

/**
 * Keras's progress bar (verbose 1: one bar per epoch, redrawn in place on a terminal; verbose 2:
 * `Epoch i/n`, then one line per epoch: `600/600 - 12s - loss: 0.3923 - acc: 0.9012 - val_loss: ...`).
 * Outside Node (a web page, a worker) the output is the console, where nothing can be redrawn:
 * one line per epoch whatever the verbosity, `Epoch i/n - 600/600 - 12s 20ms/step - loss: ...`.
 */
export class ProgressBar extends Callback {
  private start = 0;
  private lastDraw = 0;
  constructor(
    private readonly verbose: number,
    private readonly write: (s: string) => void = writeOut,
    private readonly isTTY: boolean = outIsTTY(),
    /** One line per epoch and nothing else (default: outside Node). */
    private readonly lines: boolean = !isNode(),
  ) {
    super();
  }
  override async onTrainBegin() {
    if (this.verbose === 1 && !this.lines) this.write('(loss and metrics: running averages over the epoch so far; val_*: computed at the end of each epoch)\n');
  }
  override async onEpochBegin(epoch: number) {
    this.start = Date.now();
    this.lastDraw = 0;
    this.seen = 0;
    if (this.verbose >= 1 && !this.lines) this.write(`Epoch ${epoch + 1}/${this.params.epochs}\n`);
  }
  /** Batches seen this epoch (the epoch's length when the data's size is unknown). */
  private seen = 0;
  private bar(step: number, logs: Logs, done: boolean): string {
    const steps = this.params.steps;
    if (!Number.isFinite(steps)) {
      // Keras's form for data of unknown size: `13/Unknown 0s 4ms/step - loss: ...`.
      const el = (Date.now() - this.start) / 1000;
      return `${step}/Unknown ${fmtTime(el)} ${Math.round((el * 1000) / Math.max(step, 1))}ms/step${fmtLogs(logs)}`;
    }
    const width = 30;
    const elapsed = (Date.now() - this.start) / 1000;
    const filled = steps > 0 ? Math.floor((width * step) / steps) : width;
    const arrow = done || filled >= width ? '='.repeat(width) : '='.repeat(filled) + '>' + '.'.repeat(width - filled - 1);
    const n = String(steps).length;
    const time = done ? `${fmtTime(elapsed)} ${Math.round((elapsed * 1000) / Math.max(step, 1))}ms/step` : `ETA: ${fmtTime(((steps - step) * elapsed) / Math.max(step, 1))}`;
    return `${String(step).padStart(n)}/${steps} [${arrow}] - ${time}${fmtLogs(logs)}`;
  }
  override async onBatchEnd(batch: number, logs: Logs = {}) {
    this.seen = batch + 1;
    if (this.verbose !== 1 || !this.isTTY || this.lines) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && batch + 1 < this.params.steps) return;
    this.lastDraw = now;
    this.write(`\r${this.bar(batch + 1, logs, false)}\x1b[K`);
  }
  override async onEpochEnd(epoch: number, logs: Logs = {}) {
    const total = Number.isFinite(this.params.steps) ? this.params.steps : this.seen;
    if (this.lines) {
      if (this.verbose >= 1) this.write(`${epochLine(epoch, { ...this.params, steps: total }, (Date.now() - this.start) / 1000, logs)}\n`);
    } else if (this.verbose === 1) this.write(`${this.isTTY ? '\r' : ''}${this.bar(total, logs, true)}${this.isTTY ? '\x1b[K' : ''}\n`);
    else if (this.verbose === 2) {
      // Keras's verbose 2: after the `Epoch i/n` line, one line per epoch, no bar.
      const elapsed = (Date.now() - this.start) / 1000;
      const steps = total;
      this.write(`${steps}/${steps} - ${fmtTime(elapsed)}${fmtLogs(logs)}\n`);
    }
  }
}

/** `Epoch 3/10 - 600/600 - 2s 3ms/step - loss: 0.3923 - val_loss: 0.2011`. */
export function epochLine(epoch: number, params: { epochs: number; steps: number }, seconds: number, logs: Logs): string {
  const steps = params.steps;
  return `Epoch ${epoch + 1}/${params.epochs} - ${steps}/${steps} - ${fmtTime(seconds)} ${Math.round((seconds * 1000) / Math.max(steps, 1))}ms/step${fmtLogs(logs)}`;
}

/**
 * `tf.callbacks.progressLines(fn)`: calls `fn` with one line per epoch (`Epoch 3/10 - 600/600 -
 * 2s 3ms/step - loss: 0.3923 - ...`), e.g. to show progress in a page element. Use it with
 * `verbose: 0` so the console stays quiet.
 */
export class ProgressLines extends Callback {
  private start = 0;
  constructor(private readonly fn: (line: string) => void) {
    super();
    if (typeof fn !== 'function') throw new TypeError(`progressLines: expected a function (line: string) => void, received ${typeof fn}`);
  }
  override async onEpochBegin() {
    this.start = Date.now();
  }
  override async onEpochEnd(epoch: number, logs: Logs = {}) {
    this.fn(epochLine(epoch, this.params, (Date.now() - this.start) / 1000, logs));
  }
}
