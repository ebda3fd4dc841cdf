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
 * regularization penalties; then every trainable weight with a constraint gets
 * `v.assign(constraint(v))` (Keras applies constraints right after the optimizer step).
 * Batch-norm statistics update inside the training call itself.
 *
 * Several outputs (functional models): `loss`, `lossWeights` and `metrics` may be given per
 * output (a list in output order, or a dict by output layer name); the training loss is
 * Σ wᵢ·lossᵢ (+ penalties), and the logs hold `loss`, `<output>_loss` (unweighted, as Keras 3
 * records them) and `<output>_<metric>`. With one output everything is exactly as before.
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
import type { Variable } from '../core/variable.ts';
import { tfFunction, type TracedFunction } from '../graph/function.ts';
import { reduceLoss, type KerasLoss, type LossFn } from '../metrics/keras_losses.ts';
import { getLoss, getMetric } from '../metrics/resolve.ts';
import { MeanScalar, Metric } from '../metrics/keras_metrics.ts';
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
  /** Names of the model's outputs (functional models; several outputs switch to per-output losses). */
  outputNames?(): string[];
  /** Last-axis size of output `i` (picks the accuracy variant per output). */
  outputUnitsAt?(i: number): number;
  /** Weights with constraints (applied after each optimizer step). */
  weightConstraints?(): { variable: import('../core/variable.ts').Variable; constraint: (w: Tensor) => Tensor }[];
}

type LossId = string | LossFn | KerasLoss;
type MetricId = string | Metric | ((a: Tensor, b: Tensor) => Tensor);
/** Data of one side of a batch: a tensor, or one per input/output (null: an output without a loss). */
export type Data = Tensor | (Tensor | null)[];
export type YData = Tensor | (Tensor | null)[] | Record<string, Tensor>;

export interface CompileArgs {
  optimizer: string | Optimizer;
  /** One loss, or (several outputs) a list in output order / a dict by output name (null: no loss for that output). */
  loss: LossId | (LossId | null)[] | Record<string, LossId | null>;
  /** Per-output loss weights: a list in output order or a dict by output name (default 1). */
  lossWeights?: number | number[] | Record<string, number>;
  /** Metrics; with several outputs a list with one entry (a metric or list) per output, or a dict by output name. */
  metrics?: MetricId[] | (MetricId | MetricId[] | null)[] | Record<string, MetricId | MetricId[]>;
  /**
   * Keras `run_eagerly` (default false): false compiles the train step as Keras does — from the
   * second call on, the step is traced once per input signature (`tf.function`) and replayed:
   * the same kernels in the same order, so the same numbers bit for bit, without the per-op
   * JavaScript of layers, autodiff and op wrappers. True runs every step op by op.
   */
  runEagerly?: boolean;
}

/** Per-output training setup of a model with several outputs. */
export interface MultiOutput {
  names: string[];
  losses: (KerasLoss | null)[];
  weights: number[];
  metrics: { output: number; metric: Metric; name: string }[];
}

export interface Compiled {
  optimizer: Optimizer;
  loss: KerasLoss;
  metrics: Metric[];
  /** Weight of a single output's loss (only when given and ≠ 1). */
  lossWeight?: number;
  /** Set for models with several outputs. */
  multi?: MultiOutput;
  /** `runEagerly` of compile. */
  runEagerly?: boolean;
  /** The compiled train step (made on the first call; see `runTrainStep`). */
  trainFunction?: CompiledStep;
}

function isLossId(x: unknown): x is LossId {
  return typeof x === 'string' || typeof x === 'function' || (typeof x === 'object' && x !== null && typeof (x as KerasLoss).fn === 'function');
}

function isMetricId(x: unknown): x is MetricId {
  return typeof x === 'string' || typeof x === 'function' || x instanceof Metric;
}

/** A per-output argument (list in output order, dict by name, or one value for all) → one entry per output. */
function perOutput<T>(arg: string, v: unknown, names: string[], isOne: (x: unknown) => boolean, dflt: T | null): (T | null)[] {
  if (isOne(v)) return names.map(() => v as T);
  if (Array.isArray(v)) {
    if (v.length !== names.length) fail('compile', `the model has ${names.length} outputs (${names.join(', ')}), so \`${arg}\` as a list needs ${names.length} entries, received ${v.length}`);
    return v as (T | null)[];
  }
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) if (!names.includes(k)) fail('compile', `\`${arg}\` has key '${k}', which is not an output name (outputs: ${names.join(', ')})`);
    return names.map((n) => ((v as Record<string, T>)[n] ?? dflt));
  }
  fail('compile', `\`${arg}\` must be a value, a list with one entry per output or a dict by output name, received ${typeof v}`);
}

export function compile(model: Trainable, args: CompileArgs): Compiled {
  if (!args || typeof args !== 'object') fail('compile', 'expected {optimizer, loss, metrics?}');
  for (const k of Object.keys(args)) if (!['optimizer', 'loss', 'metrics', 'lossWeights', 'runEagerly'].includes(k)) fail('compile', `unknown option \`${k}\` (expected optimizer, loss, lossWeights, metrics, runEagerly)`);
  if (args.optimizer === undefined) fail('compile', '`optimizer` is required');
  if (args.loss === undefined) fail('compile', '`loss` is required');
  if (args.runEagerly !== undefined && typeof args.runEagerly !== 'boolean') fail('compile', `\`runEagerly\` must be a boolean, received ${JSON.stringify(args.runEagerly)}`);
  const c = compileChecked(model, args);
  if (args.runEagerly) c.runEagerly = true;
  return c;
}

function compileChecked(model: Trainable, args: CompileArgs): Compiled {
  const optimizer = getOptimizer(args.optimizer);
  const names = model.outputNames?.() ?? [];
  if (names.length > 1) return compileMulti(model, args, optimizer, names);
  const lossArg = Array.isArray(args.loss) && args.loss.length === 1 ? args.loss[0] : args.loss;
  if (!isLossId(lossArg)) fail('compile', `the model has one output, so \`loss\` must be a single loss (a name, a function or a loss object), received ${JSON.stringify(args.loss)}`);
  const loss = getLoss(lossArg);
  const metricArg = (args.metrics ?? []) as unknown[];
  if (!Array.isArray(metricArg)) fail('compile', `\`metrics\` must be a list for a model with one output, received ${typeof metricArg}`);
  const metrics = metricArg.map((m) => getMetric(m as MetricId, loss.name, model.outputUnits()));
  const out: Compiled = { optimizer, loss, metrics };
  if (args.lossWeights !== undefined) {
    const lw = typeof args.lossWeights === 'number' ? args.lossWeights : Array.isArray(args.lossWeights) && args.lossWeights.length === 1 ? args.lossWeights[0] : NaN;
    if (typeof lw !== 'number' || !Number.isFinite(lw)) fail('compile', `\`lossWeights\` for a model with one output must be a number or a list of one number, received ${JSON.stringify(args.lossWeights)}`);
    if (lw !== 1) out.lossWeight = lw;
  }
  return out;
}

function compileMulti(model: Trainable, args: CompileArgs, optimizer: Optimizer, names: string[]): Compiled {
  const lossIds = perOutput<LossId>('loss', args.loss, names, isLossId, null);
  const losses = lossIds.map((l) => (l === null || l === undefined ? null : getLoss(l)));
  if (losses.every((l) => l === null)) fail('compile', `no output has a loss (outputs: ${names.join(', ')})`);
  const weights = perOutput<number>('lossWeights', args.lossWeights ?? 1, names, (x) => typeof x === 'number', 1).map((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w)) fail('compile', `\`lossWeights\` for output '${names[i]}' must be a finite number, received ${String(w)}`);
    return w;
  });
  const metrics: MultiOutput['metrics'] = [];
  if (args.metrics !== undefined) {
    const m = args.metrics as unknown;
    if (Array.isArray(m) && m.length !== names.length) {
      fail('compile', `the model has ${names.length} outputs (${names.join(', ')}): \`metrics\` as a list needs one entry (a metric or a list of metrics) per output, received ${m.length}; or pass a dict by output name`);
    }
    const per = perOutput<MetricId | MetricId[]>('metrics', m, names, () => false, null);
    per.forEach((entry, i) => {
      if (entry === null || entry === undefined) return;
      const list = Array.isArray(entry) ? entry : [entry];
      for (const id of list) {
        if (!isMetricId(id)) fail('compile', `metric for output '${names[i]}' must be a name, a function or a Metric, received ${JSON.stringify(id)}`);
        const metric = getMetric(id, losses[i]?.name ?? '', model.outputUnitsAt?.(i) ?? 0);
        metrics.push({ output: i, metric, name: `${names[i]}_${metric.name}` });
      }
    });
  }
  const first = losses.find((l) => l !== null)!;
  return { optimizer, loss: first, metrics: [], multi: { names, losses, weights, metrics } };
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  verbose?: 0 | 1 | 2;
  validationData?: [Tensor | Tensor[], YData] | [Tensor | Tensor[], YData, Tensor];
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
  if (c.lossWeight !== undefined) l = mul(l, c.lossWeight);
  for (const r of model.losses) l = add(l, r);
  return l;
}

/** Several outputs: [total, ...unweighted loss of each output that has one]; total = Σ wᵢ·lossᵢ + penalties. */
function batchLossMulti(model: Trainable, mo: MultiOutput, ys: (Tensor | null)[], preds: Tensor[], sampleWeight: Tensor | null): [Tensor, Tensor[]] {
  let total: Tensor | null = null;
  const parts: Tensor[] = [];
  mo.losses.forEach((loss, i) => {
    if (!loss) return;
    const y = ys[i];
    if (!y) fail('fit', `no target given for output '${mo.names[i]}', which has a loss`);
    const li = reduceLoss(loss.fn(y, preds[i]!), sampleWeight);
    parts.push(li);
    const w = mul(li, mo.weights[i]!);
    total = total ? add(total, w) : w;
  });
  let l = total!;
  for (const r of model.losses) l = add(l, r);
  return [l, parts];
}

/**
 * [gradient, variable] pairs for the model's own variables, in their order. (Passing the
 * name-keyed record would make the optimizer look each name up among ALL live variables, and a
 * newer model with the same layer names would receive this model's update.)
 */
function gradientPairs(grads: Record<string, Tensor>, vars: import('../core/variable.ts').Variable[]): [Tensor, import('../core/variable.ts').Variable][] {
  return vars.filter((v) => grads[v.name]).map((v) => [grads[v.name]!, v]);
}

/** Keras applies each trainable weight's constraint right after the optimizer step. */
function applyConstraints(model: Trainable): void {
  const cs = model.weightConstraints?.() ?? [];
  if (cs.length === 0) return;
  ENGINE.withoutTapes(() => {
    for (const { variable, constraint } of cs) if (variable.trainable) variable.assign(constraint(variable));
  });
}

function asPreds(model: Trainable, out: Tensor | Tensor[], n: number): Tensor[] {
  const list = Array.isArray(out) ? out : [out];
  if (list.length !== n) fail(model.name, `the model returned ${list.length} output(s), but was compiled for ${n}`);
  return list;
}

/**
 * The computation of one train step — forward, loss, gradients, optimizer step, constraints —
 * as tensors: [total loss, per-output losses…] and the predictions (metrics update outside).
 */
interface StepTensors {
  losses: Tensor[];
  preds: Tensor[];
}

type CompiledStep = TracedFunction<[Tensor | Tensor[], (Tensor | null)[], Tensor | null, Variable[]], StepTensors>;

function stepTensors(model: Trainable, c: Compiled, x: Tensor | Tensor[], ys: (Tensor | null)[], sampleWeight: Tensor | null, vars: Variable[]): StepTensors {
  let preds: Tensor[] = [];
  let parts: Tensor[] = [];
  const { value, grads } = variableGrads(() => {
    if (c.multi) {
      preds = asPreds(model, model.apply(x, { training: true }), c.multi.names.length);
      const [l, p] = batchLossMulti(model, c.multi, ys, preds, sampleWeight);
      parts = p;
      return l;
    }
    preds = [model.apply(x, { training: true }) as Tensor];
    return batchLoss(model, c, ys[0]!, preds[0]!, sampleWeight);
  }, vars);
  c.optimizer.applyGradients(gradientPairs(grads, vars));
  applyConstraints(model);
  return { losses: [value, ...parts], preds };
}

/**
 * Keras's compiled train function (`run_eagerly=False`). The first call runs eagerly (it builds
 * layers and optimizer slots); later calls go through `tf.function`, traced once per signature —
 * input shapes and dtypes, and the trainable variables (so `trainable` changes retrace) — and
 * replayed: the same kernels in the same order as an eager step, so identical numbers. Eager
 * instead: `runEagerly`, graph mode / `tf.compare` recording (they watch op calls), debug mode
 * (its messages name ops), under a recording tape, and a step that reads a tensor value while
 * tracing (the trace is dropped, that signature stays eager). Like Keras, configuration a
 * trace bakes in (a layer's rate, a loss's options) is read when the signature is first traced.
 */
function runTrainStep(model: Trainable, c: Compiled, x: Tensor | Tensor[], ys: (Tensor | null)[], sampleWeight: Tensor | null): StepTensors {
  const vars = model.trainableWeights.filter((v) => v.trainable);
  const eager = c.runEagerly === true || c.trainFunction === undefined || ENGINE.opInterceptor !== null || ENGINE.debugMode;
  if (c.trainFunction === undefined && !c.runEagerly) {
    c.trainFunction = tfFunction((xx: Tensor | Tensor[], yy: (Tensor | null)[], sw: Tensor | null, vs: Variable[]) => stepTensors(model, c, xx, yy, sw, vs), {
      untapedReplays: true,
    });
  }
  if (eager) return stepTensors(model, c, x, ys, sampleWeight, vars);
  return c.trainFunction!(x, ys, sampleWeight, vars);
}

/** Several outputs: one optimizer step; returns [total, ...per-output losses] and updates the metrics. */
function trainStepMulti(model: Trainable, c: Compiled, x: Tensor | Tensor[], ys: (Tensor | null)[], sampleWeight: Tensor | null): number[] {
  const mo = c.multi!;
  return tidy(() => {
    const { losses, preds } = runTrainStep(model, c, x, ys, sampleWeight);
    for (const m of mo.metrics) if (ys[m.output]) m.metric.update(ys[m.output]!, preds[m.output]!);
    return losses.map((l) => l.dataSync()[0]!);
  });
}

function testStepMulti(model: Trainable, c: Compiled, x: Tensor | Tensor[], ys: (Tensor | null)[], sampleWeight: Tensor | null): number[] {
  const mo = c.multi!;
  return tidy(() => {
    const preds = asPreds(model, model.apply(x, { training: false }), mo.names.length);
    for (const m of mo.metrics) if (ys[m.output]) m.metric.update(ys[m.output]!, preds[m.output]!);
    const [l, parts] = batchLossMulti(model, mo, ys, preds, sampleWeight);
    return [l.dataSync()[0]!, ...parts.map((p) => p.dataSync()[0]!)];
  });
}

/** One optimizer step on a batch; returns the loss value and updates the metrics. */
export function trainStep(model: Trainable, c: Compiled, x: Tensor | Tensor[], y: Tensor, sampleWeight: Tensor | null): number {
  return tidy(() => {
    const { losses, preds } = runTrainStep(model, c, x, [y], sampleWeight);
    for (const m of c.metrics) m.update(y, preds[0]!);
    return losses[0]!.dataSync()[0]!;
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

function checkXY(x: Tensor | Tensor[], y: Data, op: string): void {
  const xs = Array.isArray(x) ? x : [x];
  if (xs.length === 0) fail(op, '`x` must be a Tensor or a non-empty list of Tensors');
  xs.forEach((t, i) => {
    if (!(t instanceof Tensor)) fail(op, `\`x\`${Array.isArray(x) ? `[${i}]` : ''} must be a Tensor, received ${typeof t}`);
  });
  const ys = Array.isArray(y) ? y : [y];
  ys.forEach((t, i) => {
    if (t !== null && !(t instanceof Tensor)) fail(op, `\`y\`${Array.isArray(y) ? `[${i}]` : ''} must be a Tensor, received ${typeof t}`);
  });
  for (const t of [...xs, ...ys]) {
    if (t && t.shape[0] !== xs[0]!.shape[0]) fail(op, `x and y must have the same number of samples: x is ${fmtShape(xs[0]!.shape)}, ${xs.includes(t) ? 'x' : 'y'} has ${fmtShape(t.shape)}`);
  }
}

/** Targets in the form the compiled model needs: a Tensor (one output) or one per output (by list or by output name). */
function normY(c: Compiled, y: YData, op: string): Data {
  if (!c.multi) {
    if (Array.isArray(y) && y.length === 1 && y[0] instanceof Tensor) return y[0];
    if (!(y instanceof Tensor)) fail(op, `\`y\` must be a Tensor for a model with one output, received ${Array.isArray(y) ? `a list of ${y.length}` : typeof y}`);
    return y;
  }
  const names = c.multi.names;
  if (y instanceof Tensor) fail(op, `the model has ${names.length} outputs (${names.join(', ')}): \`y\` must be a list with one Tensor per output or a dict by output name, received one Tensor`);
  if (Array.isArray(y)) {
    if (y.length !== names.length) fail(op, `the model has ${names.length} outputs (${names.join(', ')}): \`y\` needs ${names.length} Tensors, received ${y.length}`);
    return y;
  }
  if (typeof y !== 'object' || y === null) fail(op, `\`y\` must be a list or a dict by output name, received ${typeof y}`);
  for (const k of Object.keys(y)) if (!names.includes(k)) fail(op, `\`y\` has key '${k}', which is not an output name (outputs: ${names.join(', ')})`);
  return names.map((n) => y[n] ?? null);
}

function rowsD<T extends Data | Tensor[]>(d: T, idx: Int32Array | null, start: number, end: number): T {
  return (Array.isArray(d) ? d.map((t) => (t ? rows(t, idx, start, end) : null)) : rows(d, idx, start, end)) as T;
}

function sliceD<T extends Data | Tensor[]>(d: T, begin: number, size: number): T {
  return (Array.isArray(d) ? d.map((t) => (t ? slice(t, [begin], [size]) : null)) : slice(d, [begin], [size])) as T;
}

function firstOf(d: Data): Tensor {
  return (Array.isArray(d) ? d.find((t) => t !== null) : d)!;
}

/** Loss trackers (total and, for several outputs, each output's) and the logs Keras shows. */
class Trackers {
  readonly total = new MeanScalar('loss');
  readonly parts: MeanScalar[];
  constructor(readonly c: Compiled) {
    this.parts = c.multi ? c.multi.names.filter((_, i) => c.multi!.losses[i]).map((n) => new MeanScalar(`${n}_loss`)) : [];
  }
  reset(): void {
    this.total.reset();
    for (const p of this.parts) p.reset();
    for (const m of this.c.metrics) m.reset();
    for (const m of this.c.multi?.metrics ?? []) m.metric.reset();
  }
  add(values: number[], n: number): void {
    this.total.add(values[0]!, n);
    this.parts.forEach((p, i) => p.add(values[i + 1]!, n));
  }
  logs(): Logs {
    const logs: Logs = { loss: this.total.result() };
    for (const p of this.parts) logs[p.name] = p.result();
    for (const mt of this.c.metrics) logs[mt.name] = mt.result();
    for (const m of this.c.multi?.metrics ?? []) logs[m.name] = m.metric.result();
    return logs;
  }
}

function stepTrain(model: Trainable, c: Compiled, x: Tensor | Tensor[], y: Data, sw: Tensor | null): number[] {
  return c.multi ? trainStepMulti(model, c, x, y as (Tensor | null)[], sw) : [trainStep(model, c, x, y as Tensor, sw)];
}

function stepTest(model: Trainable, c: Compiled, x: Tensor | Tensor[], y: Data, sw: Tensor | null): number[] {
  return c.multi ? testStepMulti(model, c, x, y as (Tensor | null)[], sw) : [testStep(model, c, x, y as Tensor, sw)];
}

/**
 * The lint `fit` runs: `src/compare` (a higher layer) registers `tf.lint` here on import. With
 * `verbose` on, `fit` / `fitDataset` call it once per model on the first batch and print each
 * returned line as a warning (stderr).
 */
export type FitLintHook = (model: Trainable, x: Tensor | Tensor[], y: Data) => string[];
let fitLintHook: FitLintHook | null = null;
const linted = new WeakSet<object>();

export function registerFitLint(hook: FitLintHook | null): void {
  fitLintHook = hook;
}

function lintOnce(model: Trainable, verbose: number, x: Tensor | Tensor[], y: Data): void {
  if (!verbose || fitLintHook === null || linted.has(model)) return;
  linted.add(model);
  let lines: string[];
  try {
    lines = fitLintHook(model, x, y);
  } catch (e) {
    lines = [`idem lint (${model.name}): not run (${e instanceof Error ? e.message : String(e)})`];
  }
  for (const line of lines) console.warn(line);
}

export async function fit(model: Trainable, compiled: Compiled | null, x: Tensor | Tensor[], yIn: YData, args: FitArgs = {}): Promise<History> {
  const c = requireCompiled(compiled, 'fit');
  for (const k of Object.keys(args)) if (!FIT_KEYS.includes(k)) fail('fit', `unknown option \`${k}\` (expected ${FIT_KEYS.join(', ')})`);
  const y = normY(c, yIn, 'fit');
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
    if (Array.isArray(y)) fail('fit', '`classWeight` is only supported for models with one output (Keras rejects it for several outputs); pass `sampleWeight` instead');
    const cw = classWeights(y, args.classWeight);
    sw = sw ? mul(sw, cw) : cw;
  }
  let val: [Tensor | Tensor[], Data, Tensor | null] | null = args.validationData ? [args.validationData[0], normY(c, args.validationData[1], 'fit'), args.validationData[2] ?? null] : null;
  if (args.validationSplit !== undefined) {
    const f = args.validationSplit;
    if (!(f > 0 && f < 1)) fail('fit', `\`validationSplit\` must be in (0, 1), received ${f}`);
    // Keras takes the LAST fraction of the samples, before any shuffling.
    const nTrain = Math.floor(firstOf(x).shape[0]! * (1 - f));
    val = [sliceD(x, nTrain, -1), sliceD(y, nTrain, -1), sw ? slice(sw, [nTrain], [-1]) : null];
    xs = sliceD(x, 0, nTrain);
    ys = sliceD(y, 0, nTrain);
    if (sw) sw = slice(sw, [0], [nTrain]);
  }
  const n = firstOf(xs).shape[0]!;
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
  const tr = new Trackers(c);
  for (let epoch = args.initialEpoch ?? 0; epoch < epochs && !model.stopTraining; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin(epoch);
    tr.reset();
    const order = args.shuffle === false ? null : permutationIndices(n, args.seed ?? null, 'fit');
    for (let step = 0; step < steps && !model.stopTraining; step++) {
      const start = (step * batchSize) % n;
      const end = Math.min(start + batchSize, n);
      for (const cb of callbacks) await cb.onBatchBegin(step, { batch: step, size: end - start });
      const xb = rowsD(xs, order, start, end);
      const yb = rowsD(ys, order, start, end);
      const swb = sw ? rows(sw, order, start, end) : null;
      if (step === 0 && epoch === (args.initialEpoch ?? 0)) lintOnce(model, verbose, xb, yb);
      tr.add(stepTrain(model, c, xb, yb, swb), end - start);
      const logs = tr.logs();
      for (const cb of callbacks) await cb.onBatchEnd(step, logs);
    }
    const logs = tr.logs();
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

function evaluateTensors(model: Trainable, c: Compiled, x: Tensor | Tensor[], y: Data, sw: Tensor | null, batchSize: number): { loss: number; metrics: Logs } {
  const n = firstOf(x).shape[0]!;
  const tr = new Trackers(c);
  tr.reset();
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    tr.add(stepTest(model, c, rowsD(x, null, start, end), rowsD(y, null, start, end), sw ? rows(sw, null, start, end) : null), end - start);
  }
  const { loss, ...metrics } = tr.logs();
  return { loss: loss!, metrics };
}

/**
 * `evaluate(x, y, {batchSize})`: the loss (a scalar tensor), or `[loss, ...metrics]` when metrics
 * are compiled (several outputs: `[loss, ...<output>_loss, ...<output>_<metric>]`).
 */
export function evaluate(model: Trainable, compiled: Compiled | null, x: Tensor | Tensor[], yIn: YData, args: { batchSize?: number; sampleWeight?: Tensor; verbose?: number } = {}): Tensor | Tensor[] {
  const c = requireCompiled(compiled, 'evaluate');
  const y = normY(c, yIn, 'evaluate');
  checkXY(x, y, 'evaluate');
  const r = evaluateTensors(model, c, x, y, args.sampleWeight ?? null, args.batchSize ?? 32);
  const loss = tensor(r.loss, [], 'float32');
  if (Object.keys(r.metrics).length === 0) return loss;
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

/** One training step on a batch; returns the (total) loss. */
export function trainOnBatch(model: Trainable, compiled: Compiled | null, x: Tensor | Tensor[], yIn: YData): number {
  const c = requireCompiled(compiled, 'trainOnBatch');
  const y = normY(c, yIn, 'trainOnBatch');
  checkXY(x, y, 'trainOnBatch');
  new Trackers(c).reset();
  return stepTrain(model, c, x, y, null)[0]!;
}

export function testOnBatch(model: Trainable, compiled: Compiled | null, x: Tensor | Tensor[], yIn: YData): number {
  const c = requireCompiled(compiled, 'testOnBatch');
  const y = normY(c, yIn, 'testOnBatch');
  checkXY(x, y, 'testOnBatch');
  new Trackers(c).reset();
  return stepTest(model, c, x, y, null)[0]!;
}

/** `fitDataset(ds, {epochs, batchesPerEpoch, validationData, callbacks, verbose})` over `{xs, ys}` batches. */
export async function fitDataset(
  model: Trainable,
  compiled: Compiled | null,
  ds: Dataset<unknown>,
  args: { epochs?: number; batchesPerEpoch?: number; verbose?: 0 | 1 | 2; callbacks?: FitArgs['callbacks']; validationData?: [Tensor | Tensor[], YData] } = {},
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
  const tr = new Trackers(c);
  for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin(epoch);
    tr.reset();
    let iter = args.batchesPerEpoch === undefined && epoch > 0 ? await ds.iterator() : it;
    for (let step = 0; step < steps; step++) {
      let r = await iter.next();
      if (r.done) {
        if (args.batchesPerEpoch === undefined) break;
        iter = await ds.iterator();
        r = await iter.next();
        if (r.done) fail('fitDataset', 'the dataset is empty');
      }
      const b = r.value as { xs: Tensor | Tensor[]; ys: YData } | [Tensor | Tensor[], YData];
      const [xb, ybIn] = Array.isArray(b) ? b : [b.xs, b.ys];
      if (!(xb instanceof Tensor || Array.isArray(xb)) || ybIn === undefined || ybIn === null) fail('fitDataset', 'dataset elements must be {xs, ys} or [xs, ys] batches of tensors');
      const yb = normY(c, ybIn, 'fitDataset');
      checkXY(xb, yb, 'fitDataset');
      if (step === 0 && epoch === 0) lintOnce(model, verbose, xb, yb);
      tr.add(stepTrain(model, c, xb, yb, null), firstOf(xb).shape[0]!);
      const logs = tr.logs();
      for (const cb of callbacks) await cb.onBatchEnd(step, logs);
    }
    const logs = tr.logs();
    if (args.validationData) {
      const v = evaluateTensors(model, c, args.validationData[0], normY(c, args.validationData[1], 'fitDataset'), null, 32);
      logs['val_loss'] = v.loss;
      for (const [k, value] of Object.entries(v.metrics)) logs[`val_${k}`] = value;
    }
    for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
  }
  for (const cb of callbacks) await cb.onTrainEnd();
  return history;
}

/**
 * `evaluateDataset(ds, {batches})`: loss (and metrics) over `{xs, ys}` / `[xs, ys]` batches of a
 * dataset, in inference mode; the same return shape as `evaluate`. An infinite dataset needs
 * `batches`.
 */
export async function evaluateDataset(model: Trainable, compiled: Compiled | null, ds: Dataset<unknown>, args: { batches?: number; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
  const c = requireCompiled(compiled, 'evaluateDataset');
  if ((ds.size === Infinity || ds.size === null) && args.batches === undefined) {
    fail('evaluateDataset', 'the dataset is infinite or of unknown size: pass `batches`');
  }
  const tr = new Trackers(c);
  tr.reset();
  const it = await ds.iterator();
  let seen = 0;
  for (let k = 0; args.batches === undefined || k < args.batches; k++) {
    const r = await it.next();
    if (r.done) break;
    const b = r.value as { xs: Tensor | Tensor[]; ys: YData } | [Tensor | Tensor[], YData];
    const [xb, ybIn] = Array.isArray(b) ? b : [b.xs, b.ys];
    if (!(xb instanceof Tensor || Array.isArray(xb)) || ybIn === undefined || ybIn === null) fail('evaluateDataset', 'dataset elements must be {xs, ys} or [xs, ys] batches of tensors');
    const yb = normY(c, ybIn, 'evaluateDataset');
    checkXY(xb, yb, 'evaluateDataset');
    const n = firstOf(xb).shape[0]!;
    tr.add(stepTest(model, c, xb, yb, null), n);
    seen += n;
  }
  if (seen === 0) fail('evaluateDataset', 'the dataset yielded no batches');
  const { loss, ...metrics } = tr.logs();
  const lt = tensor(loss!, [], 'float32');
  if (Object.keys(metrics).length === 0) return lt;
  return [lt, ...Object.values(metrics).map((v) => tensor(v, [], 'float32'))];
}

export type { LossFn };
