/**
 * More Keras 3 training callbacks (same hooks and decisions as Keras):
 *
 *   EarlyStopping       after each epoch: improvement = op(current − minDelta', best) with
 *                       minDelta' = −|minDelta| when minimizing; `wait` counts epochs since the
 *                       last improvement (reset only when `baseline` is beaten too); training
 *                       stops when wait ≥ patience (from the second epoch on); with
 *                       `restoreBestWeights` the best epoch's weights (the initial ones if no epoch
 *                       improved) are put back when training ends.
 *   ReduceLROnPlateau   improvement = current < best − minDelta (min) / > best + minDelta (max);
 *                       after `patience` epochs without one (outside cooldown), lr ← max(lr·factor, minLr)
 *                       if lr > minLr, then `cooldown` epochs of rest; logs `learning_rate`.
 *   LearningRateScheduler  at each epoch start lr ← schedule(epoch, lr); logs `learning_rate`.
 *   CSVLogger           one row per epoch: `epoch` then the sorted log keys (plus `val_` twins when
 *                       the first epoch has none, as Keras; missing values are `NA`), floats as
 *                       Python's repr.
 *   TerminateOnNaN      stops training after a batch whose loss is NaN or ±∞.
 *   ModelCheckpoint     saves the weights (idem weights format, weights_io.ts) atomically to
 *                       `filepath` formatted like Python's str.format with `epoch` (1-based),
 *                       `batch` and the logs, e.g. 'ckpt-{epoch:02d}-{val_loss:.2f}.weights.bin'.
 *
 * Learning rates are stored as float32 values (Keras keeps them in a float32 variable).
 * The model reaches callbacks as `this.model`: LayersModel provides `stopTraining`, `optimizer`,
 * `weights`, `getWeights()` and `setWeights()`.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Optimizer } from '../optimizers/optimizer.ts';
import { Callback, type Logs } from './callbacks.ts';
import { saveModelWeights, type WeightsModel } from './weights_io.ts';
import { requireNode, writeOut } from '../platform/index.ts';

/** What these callbacks use of the model. */
export interface CallbackModel {
  stopTraining: boolean;
  optimizer?: Optimizer | null;
  getWeights?(): Tensor[];
  setWeights?(values: Tensor[]): void;
  weights?: WeightsModel['weights'];
}

type Mode = 'auto' | 'min' | 'max';

function checkKeys(cls: string, args: object, allowed: string[]): void {
  if (args === null || typeof args !== 'object') fail(cls, `expected an options object, received ${String(args)}`);
  const bad = Object.keys(args).filter((k) => !allowed.includes(k));
  if (bad.length) fail(cls, `unknown argument(s) ${bad.map((k) => `\`${k}\``).join(', ')} (expected some of ${allowed.join(', ')})`);
}

function checkNum(cls: string, arg: string, v: unknown, ok: (x: number) => boolean, expected: string): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) fail(cls, `Received an invalid value for \`${arg}\`, expected ${expected}. Received: ${arg}=${String(v)}`);
  return v;
}

function checkMode(cls: string, mode: unknown): Mode {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') fail(cls, `Received an invalid value for \`mode\`, expected 'auto', 'min' or 'max'. Received: mode=${String(mode)}`);
  return mode;
}

function modelOf(cb: Callback, cls: string): CallbackModel {
  const m = cb.model as CallbackModel | null;
  if (!m) fail(cls, 'the callback is not attached to a model (use it in model.fit({callbacks}))');
  return m;
}

function optimizerOf(cb: Callback, cls: string): Optimizer {
  const o = modelOf(cb, cls).optimizer;
  if (!o) fail(cls, 'the model has no optimizer (compile it first)');
  return o;
}

function currentLr(cls: string, o: Optimizer): number {
  const lr = o.learningRate;
  if (typeof lr !== 'number') fail(cls, 'the optimizer\'s learning rate is a LearningRateSchedule; this callback needs a number (create the optimizer with a number)');
  // Keras reads the value of a float32 variable.
  return Math.fround(lr);
}

function say(verbose: number, msg: string): void {
  if (verbose > 0) writeOut(`${msg}\n`);
}

/** Python's `repr(float)`: shortest round-trip digits, scientific below 1e-4 or from 1e16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const e = Number(expStr);
  if (e < -4 || e >= 16) return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Python's `format(value, spec)` for the common specs: [0][width][.precision][d|f|e|g|%]. */
function pyFormatValue(v: unknown, spec: string, key: string, where: string): string {
  if (spec === '') {
    if (typeof v !== 'number') return String(v);
    // epoch and batch are Python ints; log values are Python floats.
    return key === 'epoch' || key === 'batch' ? String(v) : pyFloat(v);
  }
  const m = /^(0?)(\d*)(?:\.(\d+))?([dfeEgG%]?)$/.exec(spec);
  if (!m) fail(where, `unsupported format spec ':${spec}' for '${key}' (supported: [0][width][.precision][d|f|e|g|%])`);
  if (typeof v !== 'number') fail(where, `'${key}' is ${String(v)}, not a number, so it cannot be formatted with ':${spec}'`);
  const [, zero, width, prec, type] = m;
  const p = prec === undefined ? 6 : Number(prec);
  let s: string;
  switch (type) {
    case 'd':
      if (!Number.isInteger(v)) fail(where, `'${key}' is ${v}, not an integer, so it cannot be formatted with ':${spec}'`);
      s = String(Math.abs(v));
      break;
    case 'f':
      s = Math.abs(v).toFixed(p);
      break;
    case 'e':
    case 'E': {
      const [mm, ee] = Math.abs(v).toExponential(p).split('e') as [string, string];
      s = `${mm}e${Number(ee) < 0 ? '-' : '+'}${String(Math.abs(Number(ee))).padStart(2, '0')}`;
      if (type === 'E') s = s.toUpperCase();
      break;
    }
    case 'g':
    case 'G':
      s = String(Number(Math.abs(v).toPrecision(Math.max(p, 1))));
      break;
    case '%':
      s = `${(Math.abs(v) * 100).toFixed(p)}%`;
      break;
    default:
      s = prec === undefined ? (Number.isInteger(v) ? String(Math.abs(v)) : pyFloat(Math.abs(v))) : String(Number(Math.abs(v).toPrecision(Number(prec))));
  }
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const w = width ? Number(width) : 0;
  if (zero) return sign + s.padStart(w - sign.length, '0');
  return (sign + s).padStart(w, ' ');
}

/** Python `str.format(**values)` for `{name}` and `{name:spec}` fields (`{{`/`}}` are braces). */
export function formatFilepath(template: string, values: Record<string, unknown>, where = 'ModelCheckpoint'): string {
  return template.replace(/\{\{|\}\}|\{([^{}:]+)(?::([^{}]*))?\}/g, (all, key: string | undefined, spec: string | undefined) => {
    if (all === '{{') return '{';
    if (all === '}}') return '}';
    if (!(key! in values)) fail(where, `Failed to format this callback filepath: "${template}". Reason: no value for '${key}' (available: ${Object.keys(values).join(', ')})`);
    return pyFormatValue(values[key!], spec ?? '', key!, where);
  });
}

/** Direction of a monitored quantity for mode 'auto' (Keras uses each metric's direction). */
function autoDirection(cls: string, monitor: string): 'min' | 'max' {
  const name = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  if (name === 'loss') return 'min';
  if (/acc|auc|precision|recall|top_k|f1|fbeta|iou|r2|cosine/.test(name)) return 'max';
  if (/loss|error|crossentropy|hinge|divergence|poisson|logcosh|log_cosh|huber|mse|mae|mape|msle/.test(name)) return 'min';
  fail(cls, `${cls} callback received monitor=${monitor} but idem isn't able to automatically determine whether that metric ` +
    "should be maximized or minimized. Pass `mode='max'` in order to use the highest metric value, " +
    "or pass `mode='min'` in order to use the lowest value.");
}

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  verbose?: number;
  mode?: Mode;
  baseline?: number | null;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
}

export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: Mode;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  minDelta: number;
  wait = 0;
  stoppedEpoch = 0;
  best: number | null = null;
  bestEpoch = 0;
  bestWeights: Tensor[] | null = null;
  private monitorOp: ((a: number, b: number) => boolean) | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    const C = 'EarlyStopping';
    checkKeys(C, args, ['monitor', 'minDelta', 'patience', 'verbose', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch']);
    this.monitor = args.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string' || this.monitor === '') fail(C, `Received an invalid value for \`monitor\`, expected a log name. Received: monitor=${String(args.monitor)}`);
    this.minDelta = Math.abs(checkNum(C, 'minDelta', args.minDelta ?? 0, Number.isFinite, 'a finite number'));
    this.patience = checkNum(C, 'patience', args.patience ?? 0, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
    this.verbose = checkNum(C, 'verbose', args.verbose ?? 0, (x) => x >= 0, 'a non-negative number');
    this.mode = checkMode(C, args.mode ?? 'auto');
    this.baseline = args.baseline === undefined || args.baseline === null ? null : checkNum(C, 'baseline', args.baseline, Number.isFinite, 'a finite number or null');
    this.restoreBestWeights = Boolean(args.restoreBestWeights ?? false);
    this.startFromEpoch = checkNum(C, 'startFromEpoch', args.startFromEpoch ?? 0, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
  }

  private setMonitorOp(): void {
    const dir = this.mode === 'auto' ? autoDirection('EarlyStopping', this.monitor) : this.mode;
    this.monitorOp = dir === 'min' ? (a, b) => a < b : (a, b) => a > b;
    if (dir === 'min') this.minDelta = -Math.abs(this.minDelta);
  }

  private isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.monitorOp!(value - this.minDelta, reference);
  }

  override async onTrainBegin(): Promise<void> {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  private snapshot(): Tensor[] {
    const m = modelOf(this, 'EarlyStopping');
    if (!m.getWeights) fail('EarlyStopping', '`restoreBestWeights` needs a model with getWeights()/setWeights()');
    return m.getWeights();
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.monitorOp === null) this.setMonitorOp();
    const current = logs[this.monitor];
    if (current === undefined) {
      say(1, `EarlyStopping: early stopping conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}`);
      return;
    }
    if (epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = this.snapshot();
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.snapshot();
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      modelOf(this, 'EarlyStopping').stopTraining = true;
    }
  }

  override async onTrainEnd(): Promise<void> {
    if (this.stoppedEpoch > 0) say(this.verbose, `Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      say(this.verbose, `Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      const m = modelOf(this, 'EarlyStopping');
      m.setWeights!(this.bestWeights);
    }
  }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  verbose?: number;
  mode?: Mode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: Mode;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  wait = 0;
  best = 0;
  cooldownCounter = 0;
  private monitorOp: (a: number, b: number) => boolean = () => false;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    const C = 'ReduceLROnPlateau';
    checkKeys(C, args, ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr']);
    this.monitor = args.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string' || this.monitor === '') fail(C, `Received an invalid value for \`monitor\`, expected a log name. Received: monitor=${String(args.monitor)}`);
    const factor = args.factor ?? 0.1;
    if (typeof factor === 'number' && factor >= 1) fail(C, `ReduceLROnPlateau does not support a factor >= 1.0. Received factor=${factor}`);
    this.factor = checkNum(C, 'factor', factor, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
    this.patience = checkNum(C, 'patience', args.patience ?? 10, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
    this.verbose = checkNum(C, 'verbose', args.verbose ?? 0, (x) => x >= 0, 'a non-negative number');
    this.mode = checkMode(C, args.mode ?? 'auto');
    this.minDelta = checkNum(C, 'minDelta', args.minDelta ?? 1e-4, Number.isFinite, 'a finite number');
    this.cooldown = checkNum(C, 'cooldown', args.cooldown ?? 0, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
    this.minLr = checkNum(C, 'minLr', args.minLr ?? 0, (x) => x >= 0 && Number.isFinite(x), 'a number >= 0');
    this.reset();
  }

  private reset(): void {
    if (this.mode === 'min' || (this.mode === 'auto' && !this.monitor.includes('acc'))) {
      this.monitorOp = (a, b) => a < b - this.minDelta;
      this.best = Infinity;
    } else {
      this.monitorOp = (a, b) => a > b + this.minDelta;
      this.best = -Infinity;
    }
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  override async onTrainBegin(): Promise<void> {
    this.reset();
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const C = 'ReduceLROnPlateau';
    const opt = optimizerOf(this, C);
    logs['learning_rate'] = currentLr(C, opt);
    const current = logs[this.monitor];
    if (current === undefined) {
      say(1, `ReduceLROnPlateau: learning rate reduction is conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}.`);
      return;
    }
    if (this.inCooldown()) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.monitorOp(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!this.inCooldown()) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const oldLr = currentLr(C, opt);
        if (oldLr > Math.fround(this.minLr)) {
          const newLr = Math.fround(Math.max(oldLr * this.factor, this.minLr));
          opt.learningRate = newLr;
          say(this.verbose, `\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${pyFloat(newLr)}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

export class LearningRateScheduler extends Callback {
  constructor(
    readonly schedule: (epoch: number, lr: number) => number,
    readonly verbose = 0,
  ) {
    super();
    if (typeof schedule !== 'function') fail('LearningRateScheduler', `Received an invalid value for \`schedule\`, expected a function (epoch, lr) => lr. Received: schedule=${typeof schedule}`);
  }
  override async onEpochBegin(epoch: number): Promise<void> {
    const C = 'LearningRateScheduler';
    const opt = optimizerOf(this, C);
    const lr = this.schedule(epoch, currentLr(C, opt));
    if (typeof lr !== 'number' || !Number.isFinite(lr)) fail(C, `The output of the \`schedule\` function should be a finite number. Got: ${String(lr)}`);
    opt.learningRate = Math.fround(lr);
    say(this.verbose, `\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${pyFloat(lr)}.`);
  }
  override async onEpochEnd(_epoch: number, logs: Logs = {}): Promise<void> {
    logs['learning_rate'] = currentLr('LearningRateScheduler', optimizerOf(this, 'LearningRateScheduler'));
  }
}

/** What a page uses instead of CSVLogger (which writes a file: Node only). */
const CSV_IN_BROWSER =
  "in a page read each epoch's logs from what model.fit returns (history.history), collect them as they come with a callback " +
  '({onEpochEnd: (epoch, logs) => ...}), print Keras-style lines with tf.callbacks.progressLines(fn), or draw them with tf.callbacks.liveChart(element)';

export class CSVLogger extends Callback {
  readonly separator: string;
  readonly append: boolean;
  private keys: string[] | null = null;
  private fd: number | null = null;
  private appendHeader = true;
  private wroteHeader = false;

  constructor(
    readonly filename: string,
    args: { separator?: string; append?: boolean } = {},
  ) {
    super();
    const C = 'CSVLogger';
    if (typeof filename !== 'string' || filename === '') fail(C, `Received an invalid value for \`filename\`, expected a file path. Received: filename=${String(filename)}`);
    // In a page there is no file to write: say so when the callback is made, not when fit starts.
    requireNode(C, `writing the CSV file '${filename}'`, CSV_IN_BROWSER);
    checkKeys(C, args, ['separator', 'append']);
    this.separator = args.separator ?? ',';
    if (typeof this.separator !== 'string' || this.separator.length !== 1) {
      fail(C, `Received an invalid value for \`separator\`, expected a single character. Received: separator=${JSON.stringify(args.separator)}`);
    }
    this.append = Boolean(args.append ?? false);
  }

  /** A csv field (Python's csv.writer, QUOTE_MINIMAL; floats as repr). */
  private cell(v: string | number): string {
    const s = typeof v === 'number' ? pyFloat(v) : v;
    return s.includes(this.separator) || s.includes('"') || s.includes('\n') || s.includes('\r') ? `"${s.replace(/"/g, '""')}"` : s;
  }

  override async onTrainBegin(): Promise<void> {
    const { fs } = requireNode('CSVLogger', `writing the CSV file '${this.filename}'`, CSV_IN_BROWSER);
    this.appendHeader = true;
    if (this.append && fs.existsSync(this.filename)) {
      const first = fs.readFileSync(this.filename, 'utf8').split('\n')[0] ?? '';
      this.appendHeader = first.length === 0;
    }
    this.fd = fs.openSync(this.filename, this.append ? 'a' : 'w');
    this.keys = null;
    this.wroteHeader = false;
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.fd === null) fail('CSVLogger', 'onEpochEnd before onTrainBegin (use the callback in model.fit)');
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      // Keras: when the first epoch has no `val_` keys, their columns are added anyway.
      if (!this.keys.some((k) => k.startsWith('val_'))) this.keys.push(...this.keys.map((k) => `val_${k}`));
    }
    let out = '';
    if (!this.wroteHeader) {
      if (this.appendHeader) out += ['epoch', ...this.keys].map((k) => this.cell(k)).join(this.separator) + '\n';
      this.wroteHeader = true;
    }
    const row = [String(epoch)];
    for (const k of this.keys) row.push(k in logs ? this.cell(logs[k]!) : 'NA');
    out += row.join(this.separator) + '\n';
    requireNode('CSVLogger', 'writing a CSV file', '').fs.writeSync(this.fd, out);
  }

  override async onTrainEnd(): Promise<void> {
    if (this.fd !== null) requireNode('CSVLogger', 'writing a CSV file', '').fs.closeSync(this.fd);
    this.fd = null;
  }
}

export class TerminateOnNaN extends Callback {
  override async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    const loss = logs['loss'];
    if (loss !== undefined && !Number.isFinite(loss)) {
      writeOut(`Batch ${batch}: Invalid loss, terminating training\n`);
      modelOf(this, 'TerminateOnNaN').stopTraining = true;
    }
  }
}

export interface ModelCheckpointArgs {
  monitor?: string;
  verbose?: number;
  saveBestOnly?: boolean;
  saveWeightsOnly?: boolean;
  mode?: Mode;
  /** 'epoch' (default) or a number of batches. */
  saveFreq?: 'epoch' | number;
  initialValueThreshold?: number | null;
}

/** Browser model stores: a whole model is saved there (`model.save(url)`). */
const STORE_URL = /^(indexeddb|localstorage|downloads):\/\//i;

/** The checkpoint format a file path asks for (by its extension, or a browser store's scheme). */
function checkpointFormat(filepath: string): 'keras' | 'h5' | 'weights' | 'idem' | 'store' {
  const f = filepath.toLowerCase();
  if (STORE_URL.test(f)) return 'store';
  if (f.endsWith('.keras')) return 'keras';
  if (f.endsWith('.weights.h5') || f.endsWith('.safetensors')) return 'weights';
  if (f.endsWith('.h5') || f.endsWith('.hdf5')) return 'h5';
  return 'idem';
}

export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: Mode;
  readonly saveFreq: 'epoch' | number;
  best: number;
  /** Paths written so far, in order. */
  readonly saved: string[] = [];
  private readonly monitorOp: (a: number, b: number) => boolean;
  private currentEpoch = 0;
  private batchesSinceSave = 0;

  constructor(
    readonly filepath: string,
    args: ModelCheckpointArgs = {},
  ) {
    super();
    const C = 'ModelCheckpoint';
    if (typeof filepath !== 'string' || filepath === '') fail(C, `Received an invalid value for \`filepath\`, expected a file path. Received: filepath=${String(filepath)}`);
    checkKeys(C, args, ['monitor', 'verbose', 'saveBestOnly', 'saveWeightsOnly', 'mode', 'saveFreq', 'initialValueThreshold']);
    this.monitor = args.monitor ?? 'val_loss';
    this.verbose = checkNum(C, 'verbose', args.verbose ?? 0, (x) => x >= 0, 'a non-negative number');
    this.saveBestOnly = Boolean(args.saveBestOnly ?? false);
    // The file's extension picks the format: `.keras` (whole model: config, weights, optimizer;
    // saveWeightsOnly false, its default there), `.weights.h5` / `.h5` / `.safetensors` (weights
    // and optimizer state through src/io), anything else idem's own weights format.
    const ext = checkpointFormat(filepath);
    this.saveWeightsOnly = args.saveWeightsOnly ?? (ext !== 'keras' && ext !== 'store');
    if (this.saveWeightsOnly && ext === 'store') {
      fail(C, `Received saveWeightsOnly=true with filepath '${filepath}': ` +
        "a browser store ('indexeddb://', 'localstorage://', 'downloads://') holds a whole model");
    }
    if (this.saveWeightsOnly && ext === 'keras') fail(C, `Received saveWeightsOnly=true with filepath '${filepath}': a .keras file holds the whole model; use a '.weights.h5' path for weights only`);
    if (!this.saveWeightsOnly && ext !== 'keras' && ext !== 'h5' && ext !== 'store') {
      fail(C, `Received saveWeightsOnly=false with filepath '${filepath}': a whole model is saved to a '.keras' (or legacy '.h5') path`);
    }
    this.mode = checkMode(C, args.mode ?? 'auto');
    const f = args.saveFreq ?? 'epoch';
    if (f !== 'epoch' && !(typeof f === 'number' && Number.isInteger(f) && f > 0)) fail(C, `Unrecognized save_freq: expected 'epoch' or a positive integer. Received: saveFreq=${String(f)}`);
    this.saveFreq = f;
    const max = this.mode === 'max' || (this.mode === 'auto' && (this.monitor.includes('acc') || this.monitor.startsWith('fmeasure')));
    this.monitorOp = max ? (a, b) => a > b : (a, b) => a < b;
    this.best = max ? -Infinity : Infinity;
    if (args.initialValueThreshold !== undefined && args.initialValueThreshold !== null) {
      this.best = checkNum(C, 'initialValueThreshold', args.initialValueThreshold, Number.isFinite, 'a finite number');
    }
  }

  /** The path for this epoch (0-based `epoch`; the template sees epoch + 1, as Keras). */
  filePath(epoch: number, batch: number | null, logs: Logs): string {
    const values: Record<string, unknown> = { ...logs, epoch: epoch + 1 };
    if (batch !== null) values['batch'] = batch + 1;
    return formatFilepath(this.filepath, values);
  }

  private async save(epoch: number, batch: number | null, logs: Logs): Promise<void> {
    const file = this.filePath(epoch, batch, logs);
    if (checkpointFormat(file) !== 'store') {
      const { fs, path } = requireNode('ModelCheckpoint', `writing the file '${file}'`, "in the browser checkpoint to 'indexeddb://name' or 'localstorage://name'");
      const dir = path.dirname(file);
      if (dir && !fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
    }
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        say(1, `Can save best model only with ${this.monitor} available, skipping.`);
        return;
      }
      if (!this.monitorOp(current, this.best)) {
        say(this.verbose, `\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best.toFixed(5)}`);
        return;
      }
      say(this.verbose, `\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best.toFixed(5)} to ${current.toFixed(5)}, saving model to ${file}`);
      this.best = current;
    } else say(this.verbose, `\nEpoch ${epoch + 1}: saving model to ${file}`);
    const m = modelOf(this, 'ModelCheckpoint');
    if (!m.weights || !m.setWeights) fail('ModelCheckpoint', 'the model has no `weights` to save');
    const format = checkpointFormat(this.filepath);
    const io = m as unknown as { save?: (f: string) => Promise<unknown>; saveWeights?: (f: string) => Promise<void> };
    if (!this.saveWeightsOnly) {
      if (!io.save) fail('ModelCheckpoint', 'the model cannot be saved whole (no `save` method)');
      await io.save(file);
    } else if (format === 'idem') saveModelWeights(m as WeightsModel, file);
    else {
      if (!io.saveWeights) fail('ModelCheckpoint', 'the model has no `saveWeights` method');
      await io.saveWeights(file);
    }
    this.saved.push(file);
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.currentEpoch = epoch;
  }

  override async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave += 1;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      await this.save(this.currentEpoch, batch, logs);
    }
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') await this.save(epoch, null, logs);
  }
}

/** Factories, as Keras/TF.js `tf.callbacks.*`. */
export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs) => new EarlyStopping(args),
  reduceLROnPlateau: (args?: ReduceLROnPlateauArgs) => new ReduceLROnPlateau(args),
  learningRateScheduler: (schedule: (epoch: number, lr: number) => number, verbose = 0) => new LearningRateScheduler(schedule, verbose),
  csvLogger: (filename: string, args?: { separator?: string; append?: boolean }) => new CSVLogger(filename, args),
  terminateOnNaN: () => new TerminateOnNaN(),
  modelCheckpoint: (filepath: string, args?: ModelCheckpointArgs) => new ModelCheckpoint(filepath, args),
};
