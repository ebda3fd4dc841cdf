/**
 * The Keras `Layer`: the constructor validates and stores config, `build(inputShape)` creates
 * weights with `addWeight`, `call(inputs, {training})` computes with public ops only (never
 * kernels), `computeOutputShape` and `getConfig` describe it.
 *
 * `apply(inputs, kwargs)` is how a layer is used: on tensors it builds the layer on first use
 * and calls it (eager); on `KerasTensor`s (from `tf.input`) it records a node of a functional
 * model and returns symbolic outputs whose shapes come from `computeOutputShape`.
 *
 * Weights: a layer owns its variables, named `<layer name>/<weight>:0`; calling one layer object
 * twice shares them (the Keras way to share). Inside `tf.variableScope(...)`, weights are made by
 * `tf.getVariable`, so scope reuse applies: `{reuse: true}` shares an existing variable, and
 * creating an existing name without reuse throws — never a silent copy (seed 002).
 */
import { noGrad } from '../autodiff/tape.ts';
import { mergeShapes, probe } from '../graph/probe.ts';
import type { DataType } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { fmtCount, getLimits } from '../core/limits.ts';
import { Tensor } from '../core/tensor.ts';
import { Variable } from '../core/variable.ts';
import { variable } from '../core/api.ts';
import { fill } from '../ops/creation.ts';
import { inScope } from '../ops/op.ts';
import { getInitializer, Initializer, type InitializerIdentifier } from '../initializers/index.ts';
import { currentScopeName, getVariable } from '../variables/scope.ts';

export type Shape = (number | null)[];

/** A symbolic tensor of a functional Keras model: a shape (null batch) and where it came from. */
export class KerasTensor {
  constructor(
    readonly shape: Shape,
    readonly dtype: DataType,
    readonly sourceLayer: Layer,
    readonly nodeIndex: number,
    readonly tensorIndex: number,
    readonly name: string,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  toString(): string {
    return `KerasTensor '${this.name}' shape [${this.shape.map((d) => (d === null ? 'null' : d))}] ${this.dtype}`;
  }
}

/** One call of a layer on symbolic inputs (a node of the functional graph). */
export interface LayerNode {
  layer: Layer;
  inputs: KerasTensor[];
  outputs: KerasTensor[];
  kwargs: CallKwargs;
  /** Whether the layer was called with a single tensor (not an array). */
  singleInput: boolean;
}

export interface CallKwargs {
  training?: boolean;
  mask?: Tensor | Tensor[] | null;
  [k: string]: unknown;
}

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Input shape without the batch dimension (first layer of a Sequential model). */
  inputShape?: Shape;
  /** Input shape with the batch dimension. */
  batchInputShape?: Shape;
  batchSize?: number;
  inputDim?: number;
  /** null or undefined: float32. */
  dtype?: DataType | null;
  /** TF.js: initial values of the layer's weights, set when it is built (in `weights` order). */
  weights?: Tensor[] | null;
  /** TF.js: dtype of the input (the `InputLayer` a Sequential model makes for the first layer). */
  inputDType?: DataType | null;
}

const LAYER_ARG_KEYS = ['name', 'trainable', 'inputShape', 'batchInputShape', 'batchSize', 'inputDim', 'dtype', 'weights', 'inputDType'];

// ------------------------------------------------------------------ naming

const nameCounts = new Map<string, number>();

/**
 * Called for each weight a layer creates while `withWeightGuard` runs (a model built from a file):
 * throws when the file cannot hold that weight, before it is allocated.
 */
export type WeightGuard = (layer: Layer, name: string, shape: readonly number[], dtype: DataType) => void;
let weightGuard: WeightGuard | null = null;

/** Runs `fn` (which builds layers) with `guard` checking every new weight; new weights start as zeros. */
export function withWeightGuard<T>(guard: WeightGuard, fn: () => T): T {
  const prev = weightGuard;
  weightGuard = guard;
  try {
    return fn();
  } finally {
    weightGuard = prev;
  }
}

/** Keras's `to_snake_case`: `BatchNormalization` → `batch_normalization`, `Conv2D` → `conv2d`. */
export function toSnakeCase(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** `dense`, `dense_1`, `dense_2`, ... per base name, process-wide (Keras auto-naming). */
export function uniqueLayerName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Restarts auto-naming (Keras `clear_session`). */
export function resetLayerNames(): void {
  nameCounts.clear();
}

/** Throws for option keys a layer does not know (Keras rejects unknown keyword arguments). */
export function checkArgs(layer: string, args: object, known: readonly string[]): void {
  for (const k of Object.keys(args)) {
    if (!known.includes(k) && !LAYER_ARG_KEYS.includes(k)) {
      fail(layer, `unknown option \`${k}\` (expected one of ${[...known, ...LAYER_ARG_KEYS].join(', ')})`);
    }
  }
}

export function positiveInt(layer: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    fail(layer, `Received an invalid value for \`${arg}\`, expected a positive integer. Received: ${arg}=${String(v)}`);
  }
  return v;
}

// ------------------------------------------------------------------ the base class

interface WeightRecord {
  variable: Variable;
  /** The weight's own trainability (moving statistics are never trainable). */
  trainable: boolean;
  regularizer: ((w: Tensor) => Tensor) | null;
  initializer: Initializer;
  /** Applied after each optimizer step (`v.assign(constraint(v))`), as Keras does. */
  constraint: ((w: Tensor) => Tensor) | null;
}

export abstract class Layer {
  /** Keras class name (used in summaries and configs). */
  static className = 'Layer';
  name: string;
  private trainableFlag: boolean;
  built = false;
  readonly dtype: DataType;
  /** Declared input shape with batch dimension (from inputShape/batchInputShape/inputDim). */
  batchInputShape: Shape | null = null;
  readonly inboundNodes: LayerNode[] = [];
  protected readonly weightRecords: WeightRecord[] = [];
  /** Layers nested in this one (their weights are this layer's too). */
  protected readonly sublayers: Layer[] = [];

  constructor(args: LayerArgs = {}) {
    const cls = classNameOf(this.constructor as typeof Layer);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) fail(cls, `\`name\` must be a non-empty string, received ${String(args.name)}`);
    this.name = args.name ?? uniqueLayerName(toSnakeCase(cls));
    this.trainableFlag = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    if (args.weights !== undefined && args.weights !== null) {
      if (!Array.isArray(args.weights) || args.weights.some((w) => !(w instanceof Tensor))) {
        fail(cls, `\`weights\` must be an array of tensors (the initial weight values), received ${typeof args.weights}`);
      }
      this.initialWeights = args.weights.slice();
    }
    if (args.inputDType !== undefined && args.inputDType !== null) this.inputDType = args.inputDType;
    if (args.batchInputShape) this.batchInputShape = args.batchInputShape.slice();
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    else if (args.inputDim !== undefined) this.batchInputShape = [args.batchSize ?? null, positiveInt(cls, 'inputDim', args.inputDim)];
  }

  get className(): string {
    return classNameOf(this.constructor as typeof Layer);
  }

  /** TF.js `getClassName()`: the registered class name (`static className`). */
  getClassName(): string {
    return this.className;
  }

  /** Initial weight values from the `weights` option, set once the layer is built. */
  private initialWeights: Tensor[] | null = null;
  /** Input dtype from the `inputDType` option (the first layer of a Sequential model). */
  inputDType: DataType | null = null;

  // ---------------------------------------------------------------- lifecycle

  /** Creates the layer's weights for `inputShape` (batch dimension may be null). */
  build(_inputShape: Shape | Shape[]): void {
    this.built = true;
  }

  /** The computation, with public ops. */
  abstract call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[];

  /**
   * Output shape for `inputShape`. The default runs `call` on stand-in values in a shape probe
   * (src/graph/probe.ts: no state change, no random draw) — twice when a dimension is unknown, to
   * find which output dimensions follow it; layers may override it.
   */
  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const multi = Array.isArray(inputShape[0]) || (Array.isArray(inputShape) && inputShape.length === 0);
    const shapes = (multi ? inputShape : [inputShape]) as Shape[];
    const run = (unknown: number) =>
      probe(() => {
        const ins = shapes.map((s) => fill(s.map((d) => d ?? unknown), 0, this.inputDtype()));
        return this.call(multi ? ins : ins[0]!, { training: false });
      }).result;
    const a = run(2);
    const b = shapes.some((s) => s.some((d) => d === null)) ? run(3) : a;
    const la = Array.isArray(a) ? a : [a];
    const lb = Array.isArray(b) ? b : [b];
    const out = la.map((t, i) => mergeShapes(t.shape, lb[i]!.shape, null));
    return Array.isArray(a) ? out : out[0]!;
  }

  /** dtype of stand-in inputs in shape inference (embedding layers use int32). */
  protected inputDtype(): DataType {
    return 'float32';
  }

  /** Uses the layer: eager on tensors, a functional-model node on KerasTensors. */
  apply(inputs: Tensor | Tensor[] | KerasTensor | KerasTensor[], kwargs: CallKwargs = {}): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    const symbolicKw = Object.entries(kwargs).filter(([, v]) => v instanceof KerasTensor || (Array.isArray(v) && v.length > 0 && v.every((e) => e instanceof KerasTensor)));
    if (symbolicKw.length > 0) [inputs, kwargs] = this.foldSymbolicKwargs(inputs, kwargs, symbolicKw.map(([k]) => k));
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length > 0 && list.every((x) => x instanceof KerasTensor)) return this.applySymbolic(list as KerasTensor[], !Array.isArray(inputs), kwargs);
    if (list.some((x) => x instanceof KerasTensor)) fail(this.name, 'inputs mix KerasTensors and Tensors');
    const tensors = list.map((x, i) => {
      if (!(x instanceof Tensor)) fail(this.name, `input ${i} must be a Tensor, received ${typeof x}`);
      return x;
    });
    this.checkInputShapes(tensors.map((t) => t.shape));
    if (!this.built) this.buildWith(Array.isArray(inputs) ? tensors.map((t) => [null, ...t.shape.slice(1)]) : [null, ...tensors[0]!.shape.slice(1)]);
    return inScope(this, () => this.call(Array.isArray(inputs) ? tensors : tensors[0]!, kwargs));
  }

  /**
   * Symbolic tensors given as keyword arguments (Keras: `rnn(x, initial_state=[h, c])` in a
   * functional model) become node inputs, so the model feeds their values at run time. Layers
   * that take such arguments override this (recurrent layers fold `initialState` into
   * `[x, ...states]`); the default refuses them, naming the argument.
   */
  protected foldSymbolicKwargs(inputs: Tensor | Tensor[] | KerasTensor | KerasTensor[], kwargs: CallKwargs, keys: string[]): [Tensor | Tensor[] | KerasTensor | KerasTensor[], CallKwargs] {
    void inputs;
    void kwargs;
    fail(this.name, `keyword argument \`${keys[0]}\` is a symbolic tensor, which ${this.className} does not take as an input (pass tensors it needs as inputs)`);
  }

  /** The input shape the layer was built for by its first call (Keras `_build_shapes_dict`). */
  buildInputShape: Shape | Shape[] | null = null;

  protected buildWith(shape: Shape | Shape[]): void {
    this.buildInputShape = shape;
    noGrad(() => this.build(shape));
    this.built = true;
    if (this.initialWeights) {
      const w = this.initialWeights;
      this.initialWeights = null;
      this.setWeights(w);
    }
  }

  private applySymbolic(inputs: KerasTensor[], single: boolean, kwargs: CallKwargs): KerasTensor | KerasTensor[] {
    const shapes = inputs.map((t) => t.shape);
    this.checkInputShapes(shapes);
    const shapeArg = single ? shapes[0]! : shapes;
    if (!this.built) this.buildWith(shapeArg);
    const outShape = this.computeOutputShape(shapeArg);
    // Several outputs exactly when computeOutputShape returns a list of shapes.
    const multiOut = Array.isArray(outShape[0]);
    const outShapes = (multiOut ? outShape : [outShape]) as Shape[];
    const nodeIndex = this.inboundNodes.length;
    const outputs = outShapes.map((s, i) => new KerasTensor(s, this.outputDtype(inputs[0]!.dtype), this, nodeIndex, i, outShapes.length === 1 ? this.name : `${this.name}:${i}`));
    this.inboundNodes.push({ layer: this, inputs, outputs, kwargs, singleInput: single });
    return multiOut ? outputs : outputs[0]!;
  }

  protected outputDtype(inputDtype: DataType): DataType {
    return this.dtype === 'float32' ? (inputDtype === 'int32' ? 'float32' : this.dtype) : this.dtype;
  }

  /** Checks inputs against the declared input shape: rank and known dimensions. */
  protected checkInputShapes(shapes: readonly (readonly (number | null)[])[]): void {
    const spec = this.batchInputShape;
    if (!spec || shapes.length !== 1) return;
    const s = shapes[0]!;
    const ok = s.length === spec.length && spec.every((d, i) => d === null || i === 0 || s[i] === null || s[i] === d);
    if (!ok) {
      fail(this.name, `expected input shape [${spec.map((d) => (d === null ? 'null' : d))}], received [${s.map((d) => (d === null ? 'null' : d))}]`);
    }
  }

  /**
   * Keras `supports_masking`: the layer passes the mask of its input on unchanged (Dense,
   * Dropout, Activation, BatchNormalization, ...). Layers that make or transform masks override
   * `computeMask` instead (Embedding with maskZero, Masking, recurrent layers).
   */
  supportsMasking = false;

  /**
   * Keras `compute_mask`: the mask of this layer's output, given its input and the input's mask
   * (bool, [batch, time]). Models call it after each layer and pass the result to the next layer
   * as `kwargs.mask`, so a Masking or Embedding(maskZero) layer reaches a following RNN.
   */
  computeMask(_inputs: Tensor | Tensor[], mask: Tensor | Tensor[] | null): Tensor | Tensor[] | null {
    return this.supportsMasking ? mask : null;
  }

  /** Output of the first call on symbolic inputs (`layer.output` in Keras). */
  get output(): KerasTensor | KerasTensor[] {
    const n = this.inboundNodes[0];
    if (!n) fail(this.name, 'layer has never been called on a symbolic input, so it has no `output`');
    return n.outputs.length === 1 ? n.outputs[0]! : n.outputs;
  }

  get input(): KerasTensor | KerasTensor[] {
    const n = this.inboundNodes[0];
    if (!n) fail(this.name, 'layer has never been called on a symbolic input, so it has no `input`');
    return n.singleInput ? n.inputs[0]! : n.inputs;
  }

  get outputShape(): Shape | Shape[] {
    const o = this.output;
    return Array.isArray(o) ? o.map((t) => t.shape) : o.shape;
  }

  // ---------------------------------------------------------------- weights

  /**
   * Creates a weight `<layer name>/<name>:0` (inside a variable scope: `<scope>/<layer>/<name>:0`
   * through `getVariable`, with the scope's reuse rules).
   */
  addWeight(name: string, shape: number[], options?: AddWeightOptions): Variable;
  /** TF.js's positional form: `addWeight(name, shape, dtype?, initializer?, regularizer?, trainable?, constraint?)`. */
  addWeight(
    name: string,
    shape: number[],
    dtype?: DataType | null,
    initializer?: InitializerIdentifier | Initializer | null,
    regularizer?: ((w: Tensor) => Tensor) | { apply(w: Tensor): Tensor } | null,
    trainable?: boolean | null,
    constraint?: ((w: Tensor) => Tensor) | { apply(w: Tensor): Tensor } | null,
  ): Variable;
  addWeight(name: string, shape: number[], ...rest: unknown[]): Variable {
    const options = addWeightOptions(this.name, rest);
    const init = getInitializer(options.initializer ?? 'glorotUniform');
    const trainable = options.trainable ?? true;
    const dtype = options.dtype ?? this.dtype;
    const size = shape.reduce((a, b) => a * b, 1);
    const max = getLimits().maxTensorElements;
    if (!Number.isSafeInteger(size) || size > max) {
      fail(this.name, `weight '${name}' of shape ${fmtShape(shape)} has ${fmtCount(size)} elements, ` +
        `more than a tensor holds (maxTensorElements ${fmtCount(max)}; tf.setLimits raises it)`);
    }
    // Building a model from a file: the file's values replace the weight, so its shape is checked
    // against the file before anything is allocated, and no initializer runs.
    if (weightGuard) weightGuard(this, name, shape, dtype);
    const initial = (s: number[], d: DataType) => (weightGuard ? fill(s, 0, d) : init.apply(s, d));
    let v: Variable;
    if (currentScopeName() !== '') {
      v = getVariable(`${this.name}/${name}`, { shape, dtype, initializer: initial, trainable: trainable && this.trainableFlag });
    } else {
      const value = noGrad(() => initial(shape, dtype));
      v = variable(value, trainable && this.trainableFlag, `${this.name}/${name}:0`);
    }
    if (options.constraint !== undefined && options.constraint !== null && typeof options.constraint !== 'function') {
      fail(this.name, `addWeight '${name}': \`constraint\` must be a function w => w', received ${typeof options.constraint}`);
    }
    this.weightRecords.push({ variable: v, trainable, regularizer: options.regularizer ?? null, initializer: init, constraint: options.constraint ?? null });
    return v;
  }

  get trainable(): boolean {
    return this.trainableFlag;
  }

  /** Freezing a layer makes all its weights (and its sublayers') non-trainable. */
  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const r of this.weightRecords) r.variable.trainable = value && r.trainable;
    for (const l of this.trackedLayers()) l.trainable = value;
  }

  /**
   * Layers this layer tracks (Keras auto-tracking): `sublayers`, then every own enumerable
   * property whose value is a Layer or an array of Layers, in attribute order; deduplicated.
   */
  trackedLayers(): Layer[] {
    const out: Layer[] = [...this.sublayers];
    const self = this as unknown as Record<string, unknown>;
    for (const k of Object.keys(self)) {
      const v = self[k];
      if (v instanceof Layer) out.push(v);
      else if (Array.isArray(v)) for (const e of v) if (e instanceof Layer) out.push(e);
    }
    return dedupe(out).filter((l) => l !== this);
  }

  /** Every weight of this layer and its tracked layers that has a constraint, with it (first occurrence of each variable). */
  weightConstraints(): { variable: Variable; constraint: (w: Tensor) => Tensor }[] {
    const out: { variable: Variable; constraint: (w: Tensor) => Tensor }[] = [];
    const seen = new Set<Variable>();
    const visit = (l: Layer): void => {
      for (const r of l.weightRecords) {
        if (r.constraint && !seen.has(r.variable)) {
          seen.add(r.variable);
          out.push({ variable: r.variable, constraint: r.constraint });
        }
      }
      for (const c of l.trackedLayers()) visit(c);
    };
    visit(this);
    return out;
  }

  /** All weights: trainable ones first, as Keras lists them. */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  get trainableWeights(): Variable[] {
    // Depth first, own weights before tracked layers', first occurrence of each variable; a
    // frozen layer contributes nothing, nor do its sublayers.
    const out: Variable[] = [];
    const seen = new Set<Variable>();
    const visit = (l: Layer): void => {
      if (!l.trainableFlag) return;
      for (const r of l.weightRecords) {
        if (r.trainable && !seen.has(r.variable)) {
          seen.add(r.variable);
          out.push(r.variable);
        }
      }
      for (const c of l.trackedLayers()) visit(c);
    };
    visit(this);
    return out;
  }

  get nonTrainableWeights(): Variable[] {
    const own = this.weightRecords.filter((r) => !r.trainable || !this.trainableFlag).map((r) => r.variable);
    const sub = this.trackedLayers().flatMap((l) => (this.trainableFlag ? l.nonTrainableWeights : l.weights));
    return dedupe([...own, ...sub]);
  }

  /** Regularization penalties of this layer's weights (added to the loss in training). */
  get losses(): Tensor[] {
    const out: Tensor[] = [];
    const visit = (l: Layer): void => {
      for (const r of l.weightRecords) if (r.regularizer) out.push(r.regularizer(r.variable));
      for (const c of l.trackedLayers()) visit(c);
    };
    visit(this);
    return out;
  }

  /** Current weight values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.read());
  }

  setWeights(values: Tensor[]): void {
    const ws = this.weights;
    if (!Array.isArray(values) || values.length !== ws.length) {
      fail(this.name, `setWeights expected ${ws.length} arrays (${ws.map((w) => `${w.name} ${fmtShape(w.shape)}`).join(', ')}), received ${Array.isArray(values) ? values.length : typeof values}`);
    }
    values.forEach((v, i) => {
      const w = ws[i]!;
      if (v.shape.length !== w.shape.length || v.shape.some((d, k) => d !== w.shape[k])) {
        fail(this.name, `setWeights: weight ${i} (${w.name}) has shape ${fmtShape(w.shape)}, received ${fmtShape(v.shape)}`);
      }
    });
    values.forEach((v, i) => ws[i]!.assign(v));
  }

  countParams(): number {
    if (!this.built) fail(this.name, 'countParams: the layer is not built yet (call it or give it an input shape)');
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Keras config (camelCase keys as TF.js). */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainableFlag, dtype: this.dtype };
    if (this.batchInputShape) c['batchInputShape'] = this.batchInputShape.slice();
    return c;
  }

  /** Initializer config of a weight (for summaries and sameness reports). */
  weightInitializer(v: Variable): Initializer | undefined {
    return this.weightRecords.find((r) => r.variable === v)?.initializer;
  }
}

export interface AddWeightOptions {
  dtype?: DataType;
  initializer?: InitializerIdentifier | Initializer;
  trainable?: boolean;
  regularizer?: ((w: Tensor) => Tensor) | null;
  constraint?: ((w: Tensor) => Tensor) | null;
}

/** A regularizer or constraint object (`{apply(w)}`, TF.js's form) as a function. */
function asWeightFn(v: unknown): ((w: Tensor) => Tensor) | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'function') return v as (w: Tensor) => Tensor;
  if (typeof (v as { apply?: unknown }).apply === 'function') {
    const o = v as { apply(w: Tensor): Tensor };
    return (w: Tensor) => o.apply(w);
  }
  return v as (w: Tensor) => Tensor;
}

/** `addWeight`'s third argument onward: an options object, or TF.js's positional arguments. */
function addWeightOptions(layer: string, rest: unknown[]): AddWeightOptions {
  const [a] = rest;
  const isOptions = rest.length === 1 && a !== null && typeof a === 'object' && !(a instanceof Initializer) && !Array.isArray(a);
  if (rest.length === 0 || (rest.length === 1 && a === undefined)) return {};
  if (isOptions) {
    const o = a as AddWeightOptions;
    return { ...o, regularizer: asWeightFn(o.regularizer), constraint: asWeightFn(o.constraint) };
  }
  type Positional = [DataType | null | undefined, InitializerIdentifier | Initializer | null | undefined, unknown, boolean | null | undefined, unknown];
  const [dtype, initializer, regularizer, trainable, constraint] = rest as Positional;
  if (dtype !== undefined && dtype !== null && typeof dtype !== 'string') fail(layer, `addWeight: the third argument must be a dtype string or an options object, received ${typeof dtype}`);
  const o: AddWeightOptions = {};
  if (dtype) o.dtype = dtype;
  if (initializer !== undefined && initializer !== null) o.initializer = initializer;
  o.regularizer = asWeightFn(regularizer);
  if (trainable !== undefined && trainable !== null) o.trainable = trainable;
  o.constraint = asWeightFn(constraint);
  return o;
}

/**
 * A class's Keras class name: its own static `className`; a user's subclass of `Layer` or of a
 * model class that declares none is named after the JavaScript class (`MyModel` → `my_model`), as
 * Keras names subclassed layers and models.
 */
function classNameOf(ctor: typeof Layer): string {
  if (Object.prototype.hasOwnProperty.call(ctor, 'className')) return ctor.className;
  if ((ctor.className === 'Layer' || ctor.className === 'Functional') && ctor.name) return ctor.name;
  return ctor.className;
}

function dedupe<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

export { Initializer };
