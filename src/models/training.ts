/**
 * `compile`, `fit`, `evaluate`, `predict`, `trainOnBatch`, `testOnBatch`, `fitDataset`,
 * `evaluateDataset` for Keras models.
 *
 * One training step — the same one a hand-written loop runs:
 *
 *   const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true })), model.trainableWeights);
 *   optimizer.applyGradients(grads);
 *
 * where `loss` is the Keras loss reduced over the batch (its mean) plus any weight
 * regularization penalties. Batch-norm statistics update inside the training call itself.
 * `predict`/`evaluate` call the model with `training: false` and never change a weight.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';
import { tidy } from '../core/api.ts';
import { variableGrads } from '../autodiff/gradients.ts';
import { add } from '../ops/add.ts';
import { argMax } from '../ops/arg_max.ts';
import { concat } from '../ops/concat.ts';
import { gather } from '../ops/gather.ts';
import { mul } from '../ops/mul.ts';
import { slice } from '../ops/slice.ts';
import { tensor } from '../ops/creation.ts';
import { permutationIndices } from '../ops/random_misc.ts';
import { Optimizer, getOptimizer } from '../optimizers/index.ts';
import { reduceLoss, type KerasLoss, type LossFn } from '../metrics/keras_losses.ts';
import { getLoss, getMetric } from '../metrics/resolve.ts';
import { MeanScalar, type Metric } from '../metrics/keras_metrics.ts';
import type { Dataset } from '../data/index.ts';
import { Callback, CustomCallback, History, ProgressBar, type CustomCallbackArgs, type Logs } from './callbacks.ts';

/** What training needs of a model (LayersModel implements it). */
export interface Trainable {
  name: string;
  stopTraining: boolean;
  apply(x: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor | Tensor[];
  readonly trainableWeights: import('../core/variable.ts').Variable[];
  readonly losses: Tensor[];
  outputUnits(): number;
}

export interface CompileArgs {
  optimizer: string | Optimizer;
  loss: string | LossFn | KerasLoss;
  metrics?: (string | Metric | ((a: Tensor, b: Tensor) => Tensor))[];
}

export interface Compiled {
  optimizer: Optimizer;
  loss: KerasLoss;
  metrics: Metric[];
}

export function compile(model: Trainable, args: CompileArgs): Compiled {
  if (!args || typeof args !== 'object') fail('compile', 'expected {optimizer, loss, metrics?}');
  for (const k of Object.keys(args)) if (!['optimizer', 'loss', 'metrics'].includes(k)) fail('compile', `unknown option \`${k}\` (expected optimizer, loss, metrics)`);
  if (args.optimizer === undefined) fail('compile', '`optimizer` is required');
  if (args.loss === undefined) fail('compile', '`loss` is required');
  const optimizer = getOptimizer(args.optimizer);
  const loss = getLoss(args.loss);
  const metrics = (args.metrics ?? []).map((m) => getMetric(m, loss.name, model.outputUnits()));
  return { optimizer, loss, metrics };
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  verbose?: 0 | 1 | 2;
  validationData?: [Tensor, Tensor] | [Tensor, Tensor, Tensor];
  validationSplit?: number;
  shuffle?: boolean;
  /** Per-class weights for the loss, by class index. */
  classWeight?: Record<number, number>;
  sampleWeight?: Tensor;
  initialEpoch?: number;
  stepsPerEpoch?: number;
  callbacks?: (Callback | CustomCallbackArgs)[] | Callback | CustomCallbackArgs;
  /** Seed of the per-epoch shuffle (default: the global sequence). */
  seed?: number;
}

const FIT_KEYS = ['epochs', 'batchSize', 'verbose', 'validationData', 'validationSplit', 'shuffle', 'classWeight', 'sampleWeight', 'initialEpoch', 'stepsPerEpoch', 'callbacks', 'seed', 'validationBatchSize'];

function requireCompiled(c: Compiled | null, op: string): Compiled {
  if (!c) fail(op, 'the model must be compiled first: model.compile({optimizer, loss})');
  return c;
}

function rows(t: Tensor, idx: Int32Array | null, start: number, end: number): Tensor {
  if (!idx) return slice(t, [start], [end - start]);
  return gather(t, tensor(idx.subarray(start, end), [end - start], 'int32'));
}

function classWeights(y: Tensor, cw: Record<number, number>): Tensor {
  const labels = y.rank >= 2 && y.shape[y.rank - 1]! > 1 ? Array.from(argMax(y, -1).dataSync()) : Array.from(y.dataSync(), (v) => Math.round(v));
  return tensor(labels.map((c) => cw[c] ?? 1), [labels.length], 'float32');
}

/** Loss of one batch: Keras loss reduced over the batch, plus regularization penalties. */
export function batchLoss(model: Trainable, c: Compiled, y: Tensor, pred: Tensor, sampleWeight: Tensor | null): Tensor {
  let l = reduceLoss(c.loss.fn(y, pred), sampleWeight);
  for (const r of model.losses) l = add(l, r);
  return l;
}

/** One optimizer step on a batch; returns the loss value and updates the metrics. */
export function trainStep(model: Trainable, c: Compiled, x: Tensor | Tensor[], y: Tensor, sampleWeight: Tensor | null): number {
  return tidy(() => {
    let pred: Tensor | null = null;
    const { value, grads } = variableGrads(() => {
      pred = model.apply(x, { training: true }) as Tensor;
      return batchLoss(model, c, y, pred, sampleWeight);
    }, model.trainableWeights.filter((v) => v.trainable));
    c.optimizer.applyGradients(grads);
    for (const m of c.metrics) m.update(y, pred!);
    return value.dataSync()[0]!;
  });
}

function testStep(model: Trainable, c: Compiled, x: Tensor | Tensor[], y: Tensor, sampleWeight: Tensor | null): number {
  return tidy(() => {
    const pred = model.apply(x, { training: false }) as Tensor;
    for (const m of c.metrics) m.update(y, pred);
    return batchLoss(model, c, y, pred, sampleWeight).dataSync()[0]!;
  });
}

function toCallbacks(cb: FitArgs['callbacks']): Callback[] {
  const list = cb === undefined ? [] : Array.isArray(cb) ? cb : [cb];
  return list.map((c) => (c instanceof Callback ? c : new CustomCallback(c)));
}

function checkXY(x: Tensor, y: Tensor, op: string): void {
  if (!(x instanceof Tensor)) fail(op, `\`x\` must be a Tensor, received ${typeof x}`);
  if (!(y instanceof Tensor)) fail(op, `\`y\` must be a Tensor, received ${typeof y}`);
  if (x.shape[0] !== y.shape[0]) fail(op, `x and y must have the same number of samples: x is ${fmtShape(x.shape)}, y is ${fmtShape(y.shape)}`);
}

export async function fit(model: Trainable, compiled: Compiled | null, x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
  const c = requireCompiled(compiled, 'fit');
  for (const k of Object.keys(args)) if (!FIT_KEYS.includes(k)) fail('fit', `unknown option \`${k}\` (expected ${FIT_KEYS.join(', ')})`);
  checkXY(x, y, 'fit');
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  const verbose = args.verbose ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) fail('fit', `\`epochs\` must be a positive integer, received ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) fail('fit', `\`batchSize\` must be a positive integer, received ${batchSize}`);
  let xs = x;
  let ys = y;
  let sw = args.sampleWeight ?? null;
  if (args.classWeight) {
    const cw = classWeights(y, args.classWeight);
    sw = sw ? mul(sw, cw) : cw;
  }
  let val: [Tensor, Tensor, Tensor | null] | null = args.validationData ? [args.validationData[0], args.validationData[1], args.validationData[2] ?? null] : null;
  if (args.validationSplit !== undefined) {
    const f = args.validationSplit;
    if (!(f > 0 && f < 1)) fail('fit', `\`validationSplit\` must be in (0, 1), received ${f}`);
    // Keras takes the LAST fraction of the samples, before any shuffling.
    const nTrain = Math.floor(x.shape[0]! * (1 - f));
    val = [slice(x, [nTrain], [-1]), slice(y, [nTrain], [-1]), sw ? slice(sw, [nTrain], [-1]) : null];
    xs = slice(x, [0], [nTrain]);
    ys = slice(y, [0], [nTrain]);
    if (sw) sw = slice(sw, [0], [nTrain]);
  }
  const n = xs.shape[0]!;
  const steps = args.stepsPerEpoch ?? Math.ceil(n / batchSize);
  const history = new History();
  const callbacks: Callback[] = [...(verbose ? [new ProgressBar(verbose)] : []), ...toCallbacks(args.callbacks), history];
  const m = model as unknown as { stopTraining: boolean };
  model.stopTraining = false;
  for (const cb of callbacks) {
    cb.setModel(m);
    cb.setParams({ epochs, steps, verbose });
  }
  for (const cb of callbacks) await cb.onTrainBegin();
  const lossMean = new MeanScalar('loss');
  for (let epoch = args.initialEpoch ?? 0; epoch < epochs && !model.stopTraining; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin(epoch);
    lossMean.reset();
    for (const mt of c.metrics) mt.reset();
    const order = args.shuffle === false ? null : permutationIndices(n, args.seed ?? null, 'fit');
    for (let step = 0; step < steps && !model.stopTraining; step++) {
      const start = (step * batchSize) % n;
      const end = Math.min(start + batchSize, n);
      for (const cb of callbacks) await cb.onBatchBegin(step, { batch: step, size: end - start });
      const xb = rows(xs, order, start, end);
      const yb = rows(ys, order, start, end);
      const swb = sw ? rows(sw, order, start, end) : null;
      const l = trainStep(model, c, xb, yb, swb);
      lossMean.add(l, end - start);
      const logs: Logs = { loss: lossMean.result() };
      for (const mt of c.metrics) logs[mt.name] = mt.result();
      for (const cb of callbacks) await cb.onBatchEnd(step, logs);
    }
    const logs: Logs = { loss: lossMean.result() };
    for (const mt of c.metrics) logs[mt.name] = mt.result();
    if (val) {
      const v = evaluateTensors(model, c, val[0], val[1], val[2], args.batchSize ?? 32);
      logs['val_loss'] = v.loss;
      for (const [k, value] of Object.entries(v.metrics)) logs[`val_${k}`] = value;
    }
    for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
  }
  for (const cb of callbacks) await cb.onTrainEnd();
  return history;
}

function evaluateTensors(model: Trainable, c: Compiled, x: Tensor, y: Tensor, sw: Tensor | null, batchSize: number): { loss: number; metrics: Logs } {
  const n = x.shape[0]!;
  for (const mt of c.metrics) mt.reset();
  const lossMean = new MeanScalar('loss');
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const l = testStep(model, c, rows(x, null, start, end), rows(y, null, start, end), sw ? rows(sw, null, start, end) : null);
    lossMean.add(l, end - start);
  }
  const metrics: Logs = {};
  for (const mt of c.metrics) metrics[mt.name] = mt.result();
  return { loss: lossMean.result(), metrics };
}

/** `evaluate(x, y, {batchSize})`: the loss (a scalar tensor), or `[loss, ...metrics]` when metrics are compiled. */
export function evaluate(model: Trainable, compiled: Compiled | null, x: Tensor, y: Tensor, args: { batchSize?: number; sampleWeight?: Tensor; verbose?: number } = {}): Tensor | Tensor[] {
  const c = requireCompiled(compiled, 'evaluate');
  checkXY(x, y, 'evaluate');
  const r = evaluateTensors(model, c, x, y, args.sampleWeight ?? null, args.batchSize ?? 32);
  const loss = tensor(r.loss, [], 'float32');
  if (c.metrics.length === 0) return loss;
  return [loss, ...Object.values(r.metrics).map((v) => tensor(v, [], 'float32'))];
}

/** `predict(x, {batchSize})`: the model in inference mode, batch by batch, concatenated (x may be a list for multi-input models). */
export function predict(model: Trainable, x: Tensor | Tensor[], args: { batchSize?: number; verbose?: number } = {}): Tensor | Tensor[] {
  const xs = Array.isArray(x) ? x : [x];
  xs.forEach((t, i) => {
    if (!(t instanceof Tensor)) fail('predict', `input ${i} must be a Tensor, received ${typeof t}`);
    if (t.shape[0] !== xs[0]!.shape[0]) fail('predict', `all inputs must have the same number of samples: input 0 is ${fmtShape(xs[0]!.shape)}, input ${i} is ${fmtShape(t.shape)}`);
  });
  const batchSize = args.batchSize ?? 32;
  const n = xs[0]!.shape[0]!;
  const outs: Tensor[][] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const batch = xs.map((t) => rows(t, null, start, end));
    const out = ENGINE.withoutTapes(() => model.apply(Array.isArray(x) ? batch : batch[0]!, { training: false }));
    outs.push(Array.isArray(out) ? out : [out]);
  }
  const joined = outs[0]!.map((_, k) => (outs.length === 1 ? outs[0]![k]! : concat(outs.map((o) => o[k]!), 0)));
  return joined.length === 1 ? joined[0]! : joined;
}

export function trainOnBatch(model: Trainable, compiled: Compiled | null, x: Tensor, y: Tensor): number {
  const c = requireCompiled(compiled, 'trainOnBatch');
  checkXY(x, y, 'trainOnBatch');
  for (const mt of c.metrics) mt.reset();
  return trainStep(model, c, x, y, null);
}

export function testOnBatch(model: Trainable, compiled: Compiled | null, x: Tensor, y: Tensor): number {
  const c = requireCompiled(compiled, 'testOnBatch');
  checkXY(x, y, 'testOnBatch');
  for (const mt of c.metrics) mt.reset();
  return testStep(model, c, x, y, null);
}

/** `fitDataset(ds, {epochs, batchesPerEpoch, validationData, callbacks, verbose})` over `{xs, ys}` batches. */
export async function fitDataset(
  model: Trainable,
  compiled: Compiled | null,
  ds: Dataset<unknown>,
  args: { epochs?: number; batchesPerEpoch?: number; verbose?: 0 | 1 | 2; callbacks?: FitArgs['callbacks']; validationData?: [Tensor, Tensor] } = {},
): Promise<History> {
  const c = requireCompiled(compiled, 'fitDataset');
  const epochs = args.epochs ?? 1;
  const size = ds.size;
  if ((size === Infinity || size === null) && args.batchesPerEpoch === undefined) {
    fail('fitDataset', 'the dataset is infinite or of unknown size: pass `batchesPerEpoch` (Keras: steps_per_epoch)');
  }
  const steps = args.batchesPerEpoch ?? (size as number);
  const verbose = args.verbose ?? 1;
  const history = new History();
  const callbacks: Callback[] = [...(verbose ? [new ProgressBar(verbose)] : []), ...toCallbacks(args.callbacks), history];
  model.stopTraining = false;
  for (const cb of callbacks) {
    cb.setModel(model);
    cb.setParams({ epochs, steps, verbose });
  }
  for (const cb of callbacks) await cb.onTrainBegin();
  const it = await ds.iterator();
  const lossMean = new MeanScalar('loss');
  for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin(epoch);
    lossMean.reset();
    for (const mt of c.metrics) mt.reset();
    let iter = args.batchesPerEpoch === undefined && epoch > 0 ? await ds.iterator() : it;
    for (let step = 0; step < steps; step++) {
      let r = await iter.next();
      if (r.done) {
        if (args.batchesPerEpoch === undefined) break;
        iter = await ds.iterator();
        r = await iter.next();
        if (r.done) fail('fitDataset', 'the dataset is empty');
      }
      const b = r.value as { xs: Tensor; ys: Tensor } | [Tensor, Tensor];
      const [xb, yb] = Array.isArray(b) ? b : [b.xs, b.ys];
      if (!(xb instanceof Tensor) || !(yb instanceof Tensor)) fail('fitDataset', 'dataset elements must be {xs, ys} or [xs, ys] batches of tensors');
      const l = trainStep(model, c, xb, yb, null);
      lossMean.add(l, xb.shape[0]!);
      const logs: Logs = { loss: lossMean.result() };
      for (const mt of c.metrics) logs[mt.name] = mt.result();
      for (const cb of callbacks) await cb.onBatchEnd(step, logs);
    }
    const logs: Logs = { loss: lossMean.result() };
    for (const mt of c.metrics) logs[mt.name] = mt.result();
    if (args.validationData) {
      const v = evaluateTensors(model, c, args.validationData[0], args.validationData[1], null, 32);
      logs['val_loss'] = v.loss;
      for (const [k, value] of Object.entries(v.metrics)) logs[`val_${k}`] = value;
    }
    for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
  }
  for (const cb of callbacks) await cb.onTrainEnd();
  return history;
}

export type { LossFn };
