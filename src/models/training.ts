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
 * Outputs: compile makes one entry per model output (`CompiledOutput`: loss, weight, metrics) —
 * a model with one output has a list of one, as Keras's `CompileLoss` — and every step runs the
 * same code whatever their number. Several outputs (functional models): `loss`, `lossWeights`
 * and `metrics` may be given per output (a list in output order, or a dict by output layer
 * name); the training loss is Σ wᵢ·lossᵢ (+ penalties; a weight of 1 multiplies nothing), and
 * the logs hold `loss`, `<output>_loss` (unweighted, as Keras 3 records them) and
 * `<output>_<metric>`; with one output, `loss` and `<metric>`. `fit` and `fitDataset` share one
 * epoch loop (`runEpochs`) and differ only in where batches come from (`BatchSource`).
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
import { reduceLoss, type KerasLoss, type LossFn } from '../losses/keras.ts';
import { getLoss, getMetric } from '../metrics/resolve.ts';
import { MeanScalar, Metric } from '../metrics/keras_metrics.ts';
import type { Dataset } from '../data/index.ts';
import { Callback, CustomCallback, History, ProgressBar, type CustomCallbackArgs, type Logs } from './callbacks.ts';
import { noGrad } from '../autodiff/tape.ts';

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
/** Targets of a batch, one per model output (null: none given, for an output without a loss). */
export type Targets = (Tensor | null)[];
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

/**
 * One output's training setup. A model with one output has a list of one (as Keras's
 * `CompileLoss`): every step, loss and log below runs the same code for one output or several.
 */
export interface CompiledOutput {
  /** The output's name (its layer's; '' for a subclassed model's only output). */
  name: string;
  /** Its loss, or null (several outputs: an output may have none). */
  loss: KerasLoss | null;
  /** Its loss weight: the training loss is Σ wᵢ·lossᵢ (+ penalties); 1 multiplies nothing. */
  weight: number;
  /**
   * Its metrics and the names the logs give them (`<metric>`, or `<output>_<metric>` with several
   * outputs). `alias`: the other name of an `'accuracy'` / `'acc'` metric (TF.js logs `acc` for
   * both), given to callbacks and `History` next to Keras's name.
   */
  metrics: { metric: Metric; name: string; alias?: string }[];
}

export interface Compiled {
  optimizer: Optimizer;
  /** One entry per model output, in output order. */
  outputs: CompiledOutput[];
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
  const known = ['optimizer', 'loss', 'metrics', 'lossWeights', 'runEagerly'];
  for (const k of Object.keys(args)) {
    if (!known.includes(k)) fail('compile', `unknown option \`${k}\` (expected optimizer, loss, lossWeights, metrics, runEagerly)`);
  }
  if (args.optimizer === undefined) fail('compile', '`optimizer` is required');
  if (args.loss === undefined) fail('compile', '`loss` is required');
  if (args.runEagerly !== undefined && typeof args.runEagerly !== 'boolean') fail('compile', `\`runEagerly\` must be a boolean, received ${JSON.stringify(args.runEagerly)}`);
  const c: Compiled = { optimizer: getOptimizer(args.optimizer), outputs: compileOutputs(model, args) };
  if (args.runEagerly) c.runEagerly = true;
  return c;
}

/**
 * `loss`, `lossWeights` and `metrics` of compile → one entry per output. The arguments' forms
 * differ with the number of outputs (one output takes a loss and a flat list of metrics; several
 * take lists in output order or dicts by name); what they give is the same list.
 */
function compileOutputs(model: Trainable, args: CompileArgs): CompiledOutput[] {
  const modelNames = model.outputNames?.() ?? [];
  const single = modelNames.length <= 1;
  const names = single ? [modelNames[0] ?? ''] : modelNames;
  let lossArg: unknown = args.loss;
  if (single) {
    if (Array.isArray(lossArg) && lossArg.length === 1) lossArg = lossArg[0];
    if (!isLossId(lossArg)) fail('compile', `the model has one output, so \`loss\` must be a single loss (a name, a function or a loss object), received ${JSON.stringify(args.loss)}`);
  }
  const losses = perOutput<LossId>('loss', lossArg, names, isLossId, null).map((l) => (l === null || l === undefined ? null : getLoss(l)));
  if (losses.every((l) => l === null)) fail('compile', `no output has a loss (outputs: ${names.join(', ')})`);
  let weightArg: unknown = args.lossWeights ?? 1;
  if (single) {
    const lw = typeof weightArg === 'number' ? weightArg : Array.isArray(weightArg) && weightArg.length === 1 ? weightArg[0] : NaN;
    if (typeof lw !== 'number' || !Number.isFinite(lw)) {
      fail('compile', `\`lossWeights\` for a model with one output must be a number or a list of one number, received ${JSON.stringify(args.lossWeights)}`);
    }
    weightArg = lw;
  }
  const weights = perOutput<number>('lossWeights', weightArg, names, (x) => typeof x === 'number', 1).map((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w)) fail('compile', `\`lossWeights\` for output '${names[i]}' must be a finite number, received ${String(w)}`);
    return w;
  });
  const perMetrics: (MetricId | MetricId[] | null)[] = names.map(() => null);
  if (args.metrics !== undefined) {
    const m = args.metrics as unknown;
    if (single) {
      if (!Array.isArray(m)) fail('compile', `\`metrics\` must be a list for a model with one output, received ${typeof m}`);
      perMetrics[0] = m as MetricId[];
    } else {
      if (Array.isArray(m) && m.length !== names.length) {
        fail('compile', `the model has ${names.length} outputs (${names.join(', ')}): \`metrics\` as a list needs one entry ` +
          `(a metric or a list of metrics) per output, received ${m.length}; or pass a dict by output name`);
      }
      perOutput<MetricId | MetricId[]>('metrics', m, names, () => false, null).forEach((entry, i) => (perMetrics[i] = entry ?? null));
    }
  }
  return names.map((name, i) => {
    const entry = perMetrics[i];
    const list = entry === null || entry === undefined ? [] : Array.isArray(entry) ? entry : [entry];
    const units = model.outputUnitsAt?.(i) ?? (i === 0 ? model.outputUnits() : 0);
    const metrics = list.map((id) => {
      if (!single && !isMetricId(id)) fail('compile', `metric for output '${name}' must be a name, a function or a Metric, received ${JSON.stringify(id)}`);
      const metric = getMetric(id, losses[i]?.name ?? '', units);
      const full = (n: string) => (single ? n : `${name}_${n}`);
      const other = id === 'accuracy' ? 'acc' : id === 'acc' ? 'accuracy' : null;
      return { metric, name: full(metric.name), ...(other !== null && metric.name === id ? { alias: full(other) } : {}) };
    });
    return { name, loss: losses[i] ?? null, weight: weights[i]!, metrics };
  });
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  verbose?: 0 | 1 | 2;
  validationData?: [Tensor | Tensor[], YData] | [Tensor | Tensor[], YData, Tensor] | null;
  validationSplit?: number;
  shuffle?: boolean;
  /** Per-class weights for the loss, by class index. */
  classWeight?: Record<number, number>;
  sampleWeight?: Tensor;
  initialEpoch?: number;
  stepsPerEpoch?: number;
  callbacks?: (Callback | CustomCallbackArgs)[] | Callback | CustomCallbackArgs | null;
  /**
   * TF.js: how often `fit` lets the event loop run (awaits `tf.nextFrame()`): 'never' (default),
   * 'batch', 'epoch', 'auto' (when 16 ms have passed since the last yield) or a number of ms.
   * Yielding changes no result.
   */
  yieldEvery?: YieldEvery;
  /** Seed of the per-epoch shuffle (default: the global sequence). */
  seed?: number;
}

const FIT_KEYS = [
  'epochs', 'batchSize', 'verbose', 'validationData', 'validationSplit', 'shuffle', 'classWeight', 'sampleWeight', 'initialEpoch',
  'stepsPerEpoch', 'callbacks', 'seed', 'validationBatchSize', 'yieldEvery', 'validationSteps',
];

export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number;

function checkYieldEvery(v: unknown, op: string): YieldEvery {
  if (v === undefined || v === null) return 'never';
  if (v === 'auto' || v === 'batch' || v === 'epoch' || v === 'never' || (typeof v === 'number' && v >= 0)) return v;
  fail(op, `\`yieldEvery\` must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds, received ${JSON.stringify(v)}`);
}

/** The next turn of the event loop (a browser's next frame). */
function nextFrame(): Promise<void> {
  const g = globalThis as { requestAnimationFrame?: (cb: () => void) => unknown; setImmediate?: (cb: () => void) => unknown };
  if (typeof g.requestAnimationFrame === 'function') return new Promise((r) => g.requestAnimationFrame!(() => r()));
  return new Promise((r) => (typeof g.setImmediate === 'function' ? g.setImmediate(() => r()) : setTimeout(r, 0)));
}

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

/**
 * The losses of one batch: [total, ...the unweighted loss of each output that has one] with
 * several outputs, [total] with one; total = Σ wᵢ·lossᵢ + regularization penalties, each lossᵢ
 * the Keras loss reduced over the batch.
 */
function batchLosses(model: Trainable, c: Compiled, ys: (Tensor | null)[], preds: Tensor[], sampleWeight: Tensor | null): Tensor[] {
  let total: Tensor | null = null;
  const parts: Tensor[] = [];
  c.outputs.forEach((o, i) => {
    if (!o.loss) return;
    const y = ys[i];
    if (!y) fail('fit', `no target given for output '${o.name}', which has a loss`);
    const li = reduceLoss(o.loss.fn(y, preds[i]!), sampleWeight);
    parts.push(li);
    const w = o.weight === 1 ? li : mul(li, o.weight);
    total = total ? add(total, w) : w;
  });
  let l = total!;
  for (const r of model.losses) l = add(l, r);
  return c.outputs.length > 1 ? [l, ...parts] : [l];
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
  noGrad(() => {
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
  let losses: Tensor[] = [];
  const { value, grads } = variableGrads(() => {
    preds = asPreds(model, model.apply(x, { training: true }), c.outputs.length);
    losses = batchLosses(model, c, ys, preds, sampleWeight);
    return losses[0]!;
  }, vars);
  c.optimizer.applyGradients(gradientPairs(grads, vars));
  applyConstraints(model);
  return { losses: [value, ...losses.slice(1)], preds };
}

/**
 * Keras's compiled train function (`run_eagerly=False`). The first call runs eagerly (it builds
 * layers and optimizer slots); later calls go through `tf.function`, traced once per signature —
 * input shapes and dtypes, and the trainable variables (so `trainable` changes retrace) — and
 * replayed: the same kernels in the same order as an eager step, so identical numbers. Eager
 * instead: `runEagerly`; and, as `tf.function` decides (src/graph/function.ts), under a frame
 * that watches op calls (graph mode, `tf.compare` recording, debug mode), under a recording tape,
 * and a step that reads a tensor value while tracing (the trace is dropped, that signature stays
 * eager). Like Keras, configuration a trace bakes in (a layer's rate, a loss's options) is read
 * when the signature is first traced.
 */
function runTrainStep(model: Trainable, c: Compiled, x: Tensor | Tensor[], ys: (Tensor | null)[], sampleWeight: Tensor | null): StepTensors {
  const vars = model.trainableWeights.filter((v) => v.trainable);
  const eager = c.runEagerly === true || c.trainFunction === undefined;
  if (c.trainFunction === undefined && !c.runEagerly) {
    c.trainFunction = tfFunction((xx: Tensor | Tensor[], yy: (Tensor | null)[], sw: Tensor | null, vs: Variable[]) => stepTensors(model, c, xx, yy, sw, vs), {
      untapedReplays: true,
    });
  }
  if (eager) return stepTensors(model, c, x, ys, sampleWeight, vars);
  return c.trainFunction!(x, ys, sampleWeight, vars);
}

function updateMetrics(c: Compiled, ys: (Tensor | null)[], preds: Tensor[]): void {
  c.outputs.forEach((o, i) => {
    const y = ys[i];
    if (y) for (const m of o.metrics) m.metric.update(y, preds[i]!);
  });
}

/** One optimizer step on a batch; returns the losses (scalar tensors, outside any tidy) and updates the metrics. */
function trainStep(model: Trainable, c: Compiled, x: Tensor | Tensor[], ys: (Tensor | null)[], sampleWeight: Tensor | null): Tensor[] {
  return tidy(() => {
    const { losses, preds } = runTrainStep(model, c, x, ys, sampleWeight);
    updateMetrics(c, ys, preds);
    return losses;
  });
}

/** The model in inference mode on a batch; returns the losses (scalar tensors) and updates the metrics. */
function testStep(model: Trainable, c: Compiled, x: Tensor | Tensor[], ys: (Tensor | null)[], sampleWeight: Tensor | null): Tensor[] {
  return tidy(() => {
    const preds = asPreds(model, model.apply(x, { training: false }), c.outputs.length);
    updateMetrics(c, ys, preds);
    return batchLosses(model, c, ys, preds, sampleWeight);
  });
}

/** The losses' values, read synchronously (backends whose values are on the host), disposed. */
function valuesSync(losses: Tensor[]): number[] {
  const v = losses.map((l) => l.dataSync()[0]!);
  for (const l of losses) l.dispose();
  return v;
}

/** The losses' values, awaited (every backend; the webgpu backend reads its buffers), and the metrics' pending batch values. */
async function valuesAsync(c: Compiled, losses: Tensor[]): Promise<number[]> {
  const v: number[] = [];
  for (const l of losses) {
    v.push((await l.data())[0]!);
    l.dispose();
  }
  for (const o of c.outputs) for (const m of o.metrics) await m.metric.settle();
  return v;
}

/** Synchronous entry points (trainOnBatch, evaluate, …) need a backend whose values can be read synchronously. */
function requireSyncReads(op: string, asyncForm: string): void {
  if (ENGINE.backend.canReadSync) {
    fail(op, `the '${ENGINE.backendName}' backend reads values asynchronously (WebGPU has no synchronous readback): use \`await ${asyncForm}\``);
  }
}

function toCallbacks(cb: FitArgs['callbacks']): Callback[] {
  const list = cb === undefined || cb === null ? [] : Array.isArray(cb) ? cb : [cb];
  return list.map((c) => (c instanceof Callback ? c : new CustomCallback(c)));
}

function checkXY(x: Tensor | Tensor[], ys: Targets, op: string): void {
  const xs = Array.isArray(x) ? x : [x];
  if (xs.length === 0) fail(op, '`x` must be a Tensor or a non-empty list of Tensors');
  xs.forEach((t, i) => {
    if (!(t instanceof Tensor)) fail(op, `\`x\`${Array.isArray(x) ? `[${i}]` : ''} must be a Tensor, received ${typeof t}`);
  });
  ys.forEach((t, i) => {
    if (t !== null && !(t instanceof Tensor)) fail(op, `\`y\`${ys.length > 1 ? `[${i}]` : ''} must be a Tensor, received ${typeof t}`);
  });
  for (const t of [...xs, ...ys]) {
    if (t && t.shape[0] !== xs[0]!.shape[0]) fail(op, `x and y must have the same number of samples: x is ${fmtShape(xs[0]!.shape)}, ${xs.includes(t) ? 'x' : 'y'} has ${fmtShape(t.shape)}`);
  }
}

/** Targets as the compiled model needs them: one per output (null: none given), from a Tensor (one output), a list or a dict by output name. */
function normY(c: Compiled, y: YData, op: string): Targets {
  if (c.outputs.length === 1) {
    if (Array.isArray(y) && y.length === 1 && y[0] instanceof Tensor) return [y[0]];
    if (!(y instanceof Tensor)) fail(op, `\`y\` must be a Tensor for a model with one output, received ${Array.isArray(y) ? `a list of ${y.length}` : typeof y}`);
    return [y];
  }
  const names = c.outputs.map((o) => o.name);
  if (y instanceof Tensor) fail(op, `the model has ${names.length} outputs (${names.join(', ')}): \`y\` must be a list with one Tensor per output or a dict by output name, received one Tensor`);
  if (Array.isArray(y)) {
    if (y.length !== names.length) fail(op, `the model has ${names.length} outputs (${names.join(', ')}): \`y\` needs ${names.length} Tensors, received ${y.length}`);
    return y;
  }
  if (typeof y !== 'object' || y === null) fail(op, `\`y\` must be a list or a dict by output name, received ${typeof y}`);
  for (const k of Object.keys(y)) if (!names.includes(k)) fail(op, `\`y\` has key '${k}', which is not an output name (outputs: ${names.join(', ')})`);
  return names.map((n) => y[n] ?? null);
}

function rowsD<T extends Tensor | (Tensor | null)[]>(d: T, idx: Int32Array | null, start: number, end: number): T {
  return (Array.isArray(d) ? d.map((t) => (t ? rows(t, idx, start, end) : null)) : rows(d, idx, start, end)) as T;
}

function sliceD<T extends Tensor | (Tensor | null)[]>(d: T, begin: number, size: number): T {
  return (Array.isArray(d) ? d.map((t) => (t ? slice(t, [begin], [size]) : null)) : slice(d, [begin], [size])) as T;
}

function firstOf(d: Tensor | (Tensor | null)[]): Tensor {
  return (Array.isArray(d) ? d.find((t) => t !== null) : d)!;
}

/** Loss trackers (total and, for several outputs, each output's), the metrics, and the logs Keras shows. */
class Trackers {
  readonly total = new MeanScalar('loss');
  readonly parts: MeanScalar[];
  readonly metrics: CompiledOutput['metrics'];
  constructor(c: Compiled) {
    const several = c.outputs.length > 1;
    this.parts = several ? c.outputs.filter((o) => o.loss).map((o) => new MeanScalar(`${o.name}_loss`)) : [];
    this.metrics = c.outputs.flatMap((o) => o.metrics);
  }
  reset(): void {
    this.total.reset();
    for (const p of this.parts) p.reset();
    for (const m of this.metrics) m.metric.reset();
  }
  add(values: number[], n: number): void {
    this.total.add(values[0]!, n);
    this.parts.forEach((p, i) => p.add(values[i + 1]!, n));
  }
  logs(): Logs {
    const logs: Logs = { loss: this.total.result() };
    for (const p of this.parts) logs[p.name] = p.result();
    for (const m of this.metrics) logs[m.name] = m.metric.result();
    return logs;
  }
  /** [name, alias] pairs of the accuracy metrics (see `CompiledOutput.metrics`). */
  aliases(): [string, string][] {
    return this.metrics.filter((m) => m.alias !== undefined).map((m) => [m.name, m.alias!]);
  }
}

/**
 * Adds each alias (`acc` for `accuracy`, `val_acc` for `val_accuracy`, and the reverse) to the
 * logs as a non-enumerable property: a TF.js program reading `logs.acc` finds it, while the
 * progress bar, CSV logger and TensorBoard list Keras's names only. `History` records both.
 */
function withAliases(logs: Logs, pairs: [string, string][]): Logs {
  for (const [name, alias] of pairs) {
    for (const pre of ['', 'val_']) {
      if (pre + name in logs && !(pre + alias in logs)) Object.defineProperty(logs, pre + alias, { value: logs[pre + name], enumerable: false, configurable: true, writable: true });
    }
  }
  return logs;
}

/**
 * The lint `fit` runs: `src/compare` (a higher layer) registers `tf.lint` here on import. With
 * `verbose` on, `fit` / `fitDataset` call it once per model on the first batch and print each
 * returned line as a warning (stderr).
 */
export type FitLintHook = (model: Trainable, x: Tensor | Tensor[], ys: Targets) => string[] | Promise<string[]>;
let fitLintHook: FitLintHook | null = null;
const linted = new WeakSet<object>();

export function registerFitLint(hook: FitLintHook | null): void {
  fitLintHook = hook;
}

async function lintOnce(model: Trainable, verbose: number, x: Tensor | Tensor[], ys: Targets): Promise<void> {
  if (!verbose || fitLintHook === null || linted.has(model)) return;
  linted.add(model);
  let lines: string[];
  try {
    // (The browser entry's hook first loads the lint's code: a chunk of the bundle.)
    lines = await fitLintHook(model, x, ys);
  } catch (e) {
    lines = [`idem lint (${model.name}): not run (${e instanceof Error ? e.message : String(e)})`];
  }
  for (const line of lines) console.warn(line);
}

/** One training batch. */
interface Batch {
  x: Tensor | Tensor[];
  ys: Targets;
  sampleWeight: Tensor | null;
  /** Its number of samples. */
  size: number;
}

/** Where the batches of `fit` / `fitDataset` come from. */
interface BatchSource {
  /** Called once, after the callbacks' `onTrainBegin`. */
  start?(): Promise<void>;
  /** Called at each epoch's start (after `onEpochBegin`): the function giving its next batch, null at its end. */
  epoch(epoch: number): Promise<() => Promise<Batch | null> | Batch | null> | (() => Promise<Batch | null> | Batch | null);
}

interface EpochLoop {
  epochs: number;
  initialEpoch: number;
  /** Batches per epoch (fewer when the source ends first). */
  steps: number;
  verbose: 0 | 1 | 2;
  callbacks: FitArgs['callbacks'];
  source: BatchSource;
  /** Data evaluated after each epoch (`val_*` logs): tensors, or a dataset of batches (`batches` of them at most). */
  validation: { x: Tensor | Tensor[]; ys: Targets; sampleWeight: Tensor | null; batchSize: number } | { dataset: Dataset<unknown>; batches?: number } | null;
  yieldEvery?: YieldEvery;
}

/**
 * The epoch loop of `fit` and `fitDataset`: callbacks, metric trackers, one train step per batch,
 * validation at each epoch's end; stops after the batch during which a callback set
 * `model.stopTraining`.
 */
async function runEpochs(model: Trainable, c: Compiled, loop: EpochLoop, op: string): Promise<History> {
  // One fit at a time per model (TF.js's rule and message): two would interleave their steps.
  if (training.has(model)) fail(op, 'Cannot start training because another fit() call is ongoing.');
  training.add(model);
  try {
    return await epochLoop(model, c, loop, op);
  } finally {
    training.delete(model);
  }
}

/** Models inside `fit` / `fitDataset` now. */
const training = new WeakSet<Trainable>();

async function epochLoop(model: Trainable, c: Compiled, loop: EpochLoop, op: string): Promise<History> {
  const { epochs, steps, verbose } = loop;
  const history = new History();
  const callbacks: Callback[] = [...(verbose ? [new ProgressBar(verbose)] : []), ...toCallbacks(loop.callbacks), history];
  model.stopTraining = false;
  for (const cb of callbacks) {
    cb.setModel(model);
    cb.setParams({ epochs, steps, verbose });
  }
  for (const cb of callbacks) await cb.onTrainBegin();
  await loop.source.start?.();
  const tr = new Trackers(c);
  const aliases = tr.aliases();
  const yieldEvery = loop.yieldEvery ?? 'never';
  let lastYield = Date.now();
  const maybeYield = async (at: 'batch' | 'epoch'): Promise<void> => {
    const due = yieldEvery === at || (typeof yieldEvery === 'number' && Date.now() - lastYield >= yieldEvery) || (yieldEvery === 'auto' && Date.now() - lastYield >= 16);
    if (!due) return;
    await nextFrame();
    lastYield = Date.now();
  };
  for (let epoch = loop.initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin(epoch);
    tr.reset();
    const next = await loop.source.epoch(epoch);
    let batches = 0;
    for (let step = 0; step < steps && !model.stopTraining; step++) {
      const b = await next();
      if (b === null) break;
      batches++;
      for (const cb of callbacks) await cb.onBatchBegin(step, { batch: step, size: b.size });
      if (step === 0 && epoch === loop.initialEpoch) await lintOnce(model, verbose, b.x, b.ys);
      tr.add(await valuesAsync(c, trainStep(model, c, b.x, b.ys, b.sampleWeight)), b.size);
      const logs = withAliases(tr.logs(), aliases);
      for (const cb of callbacks) await cb.onBatchEnd(step, logs);
      await maybeYield('batch');
    }
    // An epoch without a batch has no loss to report (Keras: "Unexpected result of train_function (Empty logs)").
    if (batches === 0 && !model.stopTraining) fail(op, `epoch ${epoch + 1} had no batches: ${steps === 0 ? 'the data holds no samples' : 'the dataset yielded none'}; there is nothing to train on`);
    const logs = tr.logs();
    const val = loop.validation;
    if (val) {
      const v = 'dataset' in val
        ? await evaluateDatasetLogs(model, c, val.dataset, val.batches, 'fitDataset (validationData)')
        : await evaluateTensorsAsync(model, c, val.x, val.ys, val.sampleWeight, val.batchSize);
      logs['val_loss'] = v.loss;
      for (const [k, value] of Object.entries(v.metrics)) logs[`val_${k}`] = value;
    }
    withAliases(logs, aliases);
    for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
    await maybeYield('epoch');
  }
  for (const cb of callbacks) await cb.onTrainEnd();
  return history;
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
    if (c.outputs.length > 1) fail('fit', '`classWeight` is only supported for models with one output (Keras rejects it for several outputs); pass `sampleWeight` instead');
    const cw = classWeights(y[0]!, args.classWeight);
    sw = sw ? mul(sw, cw) : cw;
  }
  const yieldEvery = checkYieldEvery(args.yieldEvery, 'fit');
  let validation: EpochLoop['validation'] = null;
  if (args.validationData) {
    validation = { x: args.validationData[0], ys: normY(c, args.validationData[1], 'fit'), sampleWeight: args.validationData[2] ?? null, batchSize };
  }
  if (args.validationSplit !== undefined) {
    const f = args.validationSplit;
    if (!(f > 0 && f < 1)) fail('fit', `\`validationSplit\` must be in (0, 1), received ${f}`);
    // Keras takes the LAST fraction of the samples, before any shuffling.
    const nTrain = Math.floor(firstOf(x).shape[0]! * (1 - f));
    validation = { x: sliceD(x, nTrain, -1), ys: sliceD(y, nTrain, -1), sampleWeight: sw ? slice(sw, [nTrain], [-1]) : null, batchSize };
    xs = sliceD(x, 0, nTrain);
    ys = sliceD(y, 0, nTrain);
    if (sw) sw = slice(sw, [0], [nTrain]);
  }
  const n = firstOf(xs).shape[0]!;
  if (n === 0) {
    const left = args.validationSplit !== undefined ? ` left for training after validationSplit ${args.validationSplit}` : '';
    fail('fit', `x has no samples${left} (shape ${fmtShape(firstOf(x).shape)}): there is nothing to train on`);
  }
  if (args.stepsPerEpoch !== undefined && (!Number.isInteger(args.stepsPerEpoch) || args.stepsPerEpoch < 1)) {
    fail('fit', `\`stepsPerEpoch\` must be a positive integer, received ${args.stepsPerEpoch}`);
  }
  const steps = args.stepsPerEpoch ?? Math.ceil(n / batchSize);
  const source: BatchSource = {
    epoch: () => {
      const order = args.shuffle === false ? null : permutationIndices(n, args.seed ?? null, 'fit');
      let step = 0;
      return () => {
        const start = (step++ * batchSize) % n;
        const end = Math.min(start + batchSize, n);
        return { x: rowsD(xs, order, start, end), ys: rowsD(ys, order, start, end), sampleWeight: sw ? rows(sw, order, start, end) : null, size: end - start };
      };
    },
  };
  return runEpochs(model, c, { epochs, initialEpoch: args.initialEpoch ?? 0, steps, verbose, callbacks: args.callbacks, source, validation, yieldEvery }, 'fit');
}

/** `batchSize` of evaluate/predict: a positive integer (0 would loop forever over no rows). */
function batchSizeArg(v: unknown, op: string): number {
  const b = v ?? 32;
  if (!Number.isInteger(b) || (b as number) < 1) fail(op, `\`batchSize\` must be a positive integer, received ${String(v)}`);
  return b as number;
}

function evaluateTensors(model: Trainable, c: Compiled, x: Tensor | Tensor[], ys: Targets, sw: Tensor | null, batchSize: number): { loss: number; metrics: Logs } {
  const n = firstOf(x).shape[0]!;
  const tr = new Trackers(c);
  tr.reset();
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    tr.add(valuesSync(testStep(model, c, rowsD(x, null, start, end), rowsD(ys, null, start, end), sw ? rows(sw, null, start, end) : null)), end - start);
  }
  const { loss, ...metrics } = tr.logs();
  return { loss: loss!, metrics };
}

async function evaluateTensorsAsync(model: Trainable, c: Compiled, x: Tensor | Tensor[], ys: Targets, sw: Tensor | null, batchSize: number): Promise<{ loss: number; metrics: Logs }> {
  const n = firstOf(x).shape[0]!;
  const tr = new Trackers(c);
  tr.reset();
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    tr.add(await valuesAsync(c, testStep(model, c, rowsD(x, null, start, end), rowsD(ys, null, start, end), sw ? rows(sw, null, start, end) : null)), end - start);
  }
  const { loss, ...metrics } = tr.logs();
  return { loss: loss!, metrics };
}

function evaluateResult(r: { loss: number; metrics: Logs }): Tensor | Tensor[] {
  const loss = tensor(r.loss, [], 'float32');
  if (Object.keys(r.metrics).length === 0) return loss;
  return [loss, ...Object.values(r.metrics).map((v) => tensor(v, [], 'float32'))];
}

/** `evaluate` on every backend, the webgpu backend included (values read with await). */
export async function evaluateAsync(
  model: Trainable,
  compiled: Compiled | null,
  x: Tensor | Tensor[],
  yIn: YData,
  args: { batchSize?: number; sampleWeight?: Tensor; verbose?: number } = {},
): Promise<Tensor | Tensor[]> {
  const c = requireCompiled(compiled, 'evaluate');
  const y = normY(c, yIn, 'evaluate');
  checkXY(x, y, 'evaluate');
  return evaluateResult(await evaluateTensorsAsync(model, c, x, y, args.sampleWeight ?? null, batchSizeArg(args.batchSize, 'evaluate')));
}

/**
 * `evaluate(x, y, {batchSize})`: the loss (a scalar tensor), or `[loss, ...metrics]` when metrics
 * are compiled (several outputs: `[loss, ...<output>_loss, ...<output>_<metric>]`).
 */
export function evaluate(model: Trainable, compiled: Compiled | null, x: Tensor | Tensor[], yIn: YData, args: { batchSize?: number; sampleWeight?: Tensor; verbose?: number } = {}): Tensor | Tensor[] {
  const c = requireCompiled(compiled, 'evaluate');
  const y = normY(c, yIn, 'evaluate');
  checkXY(x, y, 'evaluate');
  if (firstOf(x).shape[0] === 0) fail('evaluate', `x has no samples (shape ${fmtShape(firstOf(x).shape)}): there is no loss to report`);
  requireSyncReads('evaluate', 'model.evaluateAsync(x, y)');
  return evaluateResult(evaluateTensors(model, c, x, y, args.sampleWeight ?? null, batchSizeArg(args.batchSize, 'evaluate')));
}

/** `predict(x, {batchSize})`: the model in inference mode, batch by batch, concatenated (x may be a list for multi-input models). */
export function predict(model: Trainable, x: Tensor | Tensor[], args: { batchSize?: number; verbose?: number } = {}): Tensor | Tensor[] {
  const xs = Array.isArray(x) ? x : [x];
  xs.forEach((t, i) => {
    if (!(t instanceof Tensor)) fail('predict', `input ${i} must be a Tensor, received ${typeof t}`);
    if (t.shape[0] !== xs[0]!.shape[0]) fail('predict', `all inputs must have the same number of samples: input 0 is ${fmtShape(xs[0]!.shape)}, input ${i} is ${fmtShape(t.shape)}`);
  });
  const batchSize = batchSizeArg(args.batchSize, 'predict');
  const n = xs[0]!.shape[0]!;
  const outs: Tensor[][] = [];
  // No samples: one empty batch, so the result is an empty tensor of the right shape.
  for (let start = 0; start < n || start === 0; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const batch = xs.map((t) => rows(t, null, start, end));
    const out = noGrad(() => model.apply(Array.isArray(x) ? batch : batch[0]!, { training: false }));
    outs.push(Array.isArray(out) ? out : [out]);
  }
  const joined = outs[0]!.map((_, k) => (outs.length === 1 ? outs[0]![k]! : concat(outs.map((o) => o[k]!), 0)));
  return joined.length === 1 ? joined[0]! : joined;
}

/**
 * One training step on a batch. Returns the loss, or — when metrics or several outputs are
 * compiled — `[loss, ...<output>_loss, ...metrics]` in the order `evaluate` uses (Keras's
 * `train_on_batch`, TF.js's `trainOnBatch`). Metrics are over this batch only.
 */
export function trainOnBatch(model: Trainable, compiled: Compiled | null, x: Tensor | Tensor[], yIn: YData): number | number[] {
  const c = requireCompiled(compiled, 'trainOnBatch');
  const y = normY(c, yIn, 'trainOnBatch');
  checkXY(x, y, 'trainOnBatch');
  requireSyncReads('trainOnBatch', 'model.trainOnBatchAsync(x, y)');
  const tr = new Trackers(c);
  tr.reset();
  tr.add(valuesSync(trainStep(model, c, x, y, null)), firstOf(x).shape[0]!);
  return batchResult(tr);
}

/** `trainOnBatch` on every backend, the webgpu backend included (the values read with await). */
export async function trainOnBatchAsync(model: Trainable, compiled: Compiled | null, x: Tensor | Tensor[], yIn: YData): Promise<number | number[]> {
  const c = requireCompiled(compiled, 'trainOnBatch');
  const y = normY(c, yIn, 'trainOnBatch');
  checkXY(x, y, 'trainOnBatch');
  const tr = new Trackers(c);
  tr.reset();
  tr.add(await valuesAsync(c, trainStep(model, c, x, y, null)), firstOf(x).shape[0]!);
  return batchResult(tr);
}

/** `trainOnBatch`'s test counterpart: the same return shape, in inference mode. */
export function testOnBatch(model: Trainable, compiled: Compiled | null, x: Tensor | Tensor[], yIn: YData): number | number[] {
  const c = requireCompiled(compiled, 'testOnBatch');
  const y = normY(c, yIn, 'testOnBatch');
  checkXY(x, y, 'testOnBatch');
  requireSyncReads('testOnBatch', 'model.testOnBatchAsync(x, y)');
  const tr = new Trackers(c);
  tr.reset();
  tr.add(valuesSync(testStep(model, c, x, y, null)), firstOf(x).shape[0]!);
  return batchResult(tr);
}

/** `testOnBatch` on every backend (the values read with await). */
export async function testOnBatchAsync(model: Trainable, compiled: Compiled | null, x: Tensor | Tensor[], yIn: YData): Promise<number | number[]> {
  const c = requireCompiled(compiled, 'testOnBatch');
  const y = normY(c, yIn, 'testOnBatch');
  checkXY(x, y, 'testOnBatch');
  const tr = new Trackers(c);
  tr.reset();
  tr.add(await valuesAsync(c, testStep(model, c, x, y, null)), firstOf(x).shape[0]!);
  return batchResult(tr);
}

/** `[loss, ...]` as trainOnBatch / testOnBatch return it: the loss alone when nothing else is logged. */
function batchResult(tr: Trackers): number | number[] {
  const values = Object.values(tr.logs()).map((v) => Math.fround(v));
  return values.length === 1 ? values[0]! : values;
}

/** A dataset element: `{xs, ys}` or `[xs, ys]` → inputs and targets, checked. */
function datasetBatch(c: Compiled, value: unknown, op: string): { x: Tensor | Tensor[]; ys: Targets } {
  const b = value as { xs: Tensor | Tensor[]; ys: YData } | [Tensor | Tensor[], YData];
  const [x, yIn] = Array.isArray(b) ? b : [b.xs, b.ys];
  if (!(x instanceof Tensor || Array.isArray(x)) || yIn === undefined || yIn === null) fail(op, 'dataset elements must be {xs, ys} or [xs, ys] batches of tensors');
  const ys = normY(c, yIn, op);
  checkXY(x, ys, op);
  return { x, ys };
}

/** `fitDataset(ds, {epochs, batchesPerEpoch, validationData, callbacks, verbose})` over `{xs, ys}` batches. */
export async function fitDataset(
  model: Trainable,
  compiled: Compiled | null,
  ds: Dataset<unknown>,
  args: FitDatasetArgs = {},
): Promise<History> {
  const c = requireCompiled(compiled, 'fitDataset');
  for (const k of Object.keys(args)) if (!FIT_DATASET_KEYS.includes(k)) fail('fitDataset', `unknown option \`${k}\` (expected ${FIT_DATASET_KEYS.join(', ')})`);
  const size = ds.size;
  // A dataset of unknown size (a generator, a CSV file) runs each epoch to its end, as in TF.js and Keras.
  if (size === Infinity && args.batchesPerEpoch === undefined) {
    fail('fitDataset', 'the dataset is infinite: pass `batchesPerEpoch` (Keras: steps_per_epoch)');
  }
  const yieldEvery = checkYieldEvery(args.yieldEvery, 'fitDataset');
  const vd = args.validationData;
  let validation: EpochLoop['validation'] = null;
  if (vd !== undefined && vd !== null) {
    if (isDataset(vd)) {
      if (vd.size === Infinity && args.validationBatches === undefined) fail('fitDataset', 'the validation dataset is infinite: pass `validationBatches`');
      validation = { dataset: vd, ...(args.validationBatches !== undefined ? { batches: args.validationBatches } : {}) };
    } else if (Array.isArray(vd) && vd.length >= 2) {
      validation = { x: vd[0] as Tensor | Tensor[], ys: normY(c, vd[1] as YData, 'fitDataset'), sampleWeight: (vd[2] as Tensor | undefined) ?? null, batchSize: args.validationBatchSize ?? 32 };
    } else fail('fitDataset', '`validationData` must be a Dataset of {xs, ys} batches or [xs, ys] tensors');
  }
  let first: AsyncIterator<unknown>;
  const source: BatchSource = {
    start: async () => {
      first = await ds.iterator();
    },
    epoch: async (epoch) => {
      let iter = args.batchesPerEpoch === undefined && epoch > 0 ? await ds.iterator() : first;
      return async () => {
        let r = await iter.next();
        if (r.done) {
          if (args.batchesPerEpoch === undefined) return null;
          iter = await ds.iterator();
          r = await iter.next();
          if (r.done) fail('fitDataset', 'the dataset is empty');
        }
        const { x, ys } = datasetBatch(c, r.value, 'fitDataset');
        return { x, ys, sampleWeight: null, size: firstOf(x).shape[0]! };
      };
    },
  };
  const steps = args.batchesPerEpoch ?? (size === null ? Infinity : size);
  return runEpochs(model, c, {
    epochs: args.epochs ?? 1,
    initialEpoch: args.initialEpoch ?? 0,
    steps,
    verbose: args.verbose ?? 1,
    callbacks: args.callbacks,
    source,
    validation,
    yieldEvery,
  }, 'fitDataset');
}

export interface FitDatasetArgs {
  epochs?: number;
  batchesPerEpoch?: number;
  initialEpoch?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: FitArgs['callbacks'];
  /** `[xs, ys]` (or `[xs, ys, sampleWeight]`) tensors, or a Dataset of `{xs, ys}` batches (TF.js). */
  validationData?: [Tensor | Tensor[], YData] | [Tensor | Tensor[], YData, Tensor] | Dataset<unknown> | null;
  /** Batches of a validation dataset to evaluate per epoch (all of a finite one by default). */
  validationBatches?: number;
  validationBatchSize?: number;
  yieldEvery?: YieldEvery;
  classWeight?: null;
}

const FIT_DATASET_KEYS = ['epochs', 'batchesPerEpoch', 'initialEpoch', 'verbose', 'callbacks', 'validationData', 'validationBatches', 'validationBatchSize', 'yieldEvery', 'classWeight'];

function isDataset(v: unknown): v is Dataset<unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { iterator?: unknown }).iterator === 'function';
}

/** Loss and metrics over a dataset's `{xs, ys}` batches (at most `batches`), in inference mode. */
async function evaluateDatasetLogs(model: Trainable, c: Compiled, ds: Dataset<unknown>, batches: number | undefined, op: string): Promise<{ loss: number; metrics: Logs }> {
  const tr = new Trackers(c);
  tr.reset();
  const it = await ds.iterator();
  let seen = 0;
  for (let k = 0; batches === undefined || k < batches; k++) {
    const r = await it.next();
    if (r.done) break;
    const { x, ys } = datasetBatch(c, r.value, op);
    const n = firstOf(x).shape[0]!;
    tr.add(await valuesAsync(c, testStep(model, c, x, ys, null)), n);
    seen += n;
  }
  if (seen === 0) fail(op, 'the dataset yielded no batches');
  const { loss, ...metrics } = tr.logs();
  return { loss: loss!, metrics };
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
  const { loss, metrics } = await evaluateDatasetLogs(model, c, ds, args.batches, 'evaluateDataset');
  return evaluateResult({ loss, metrics });
}

export type { LossFn };
