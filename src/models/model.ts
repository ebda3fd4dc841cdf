/**
 * Keras models: the functional `LayersModel` (`tf.model({inputs, outputs})`) and `Sequential`.
 * A model is a layer: it can be called on tensors (eager), on KerasTensors (nested in another
 * functional model), and its weights are its layers' weights.
 *
 * Sequential's three ways to declare the input (seed 003) end in the same structure: an
 * `inputShape` on the first layer, an explicit `inputLayer` first, or no shape at all (the model
 * is built on its first call from the input's shape). In every case the layers are built by one
 * symbolic pass over an input KerasTensor, so weights, results and batch-norm updates are the same.
 *
 * Subclassed models (`class M extends LayersModel { d = layers.dense(...); call(x) {...} }`): a
 * LayersModel made without `inputs`/`outputs` runs the user's `call` eagerly. Layers assigned as
 * attributes are tracked (their weights are the model's, in attribute order); the model is built by
 * its first call on a tensor (`fit` makes that call, in inference mode, on the first sample before
 * training). It cannot be called on symbolic KerasTensors.
 */
import { fail } from '../core/errors.ts';
import { tidy } from '../core/api.ts';
import { Tensor } from '../core/tensor.ts';
import { zeros } from '../ops/creation.ts';
import { slice } from '../ops/slice.ts';
import type { Variable } from '../core/variable.ts';
import { InputLayer } from '../layers/core.ts';
import type { Conv2D } from '../layers/convolutional.ts';
import type { BatchNormalization } from '../layers/normalization.ts';
import { Variable as VariableClass } from '../core/variable.ts';
import { conv2dBatchNormActivation, fusedInferenceAllowed } from '../ops/fused_conv2d.ts';
import { planInference, type InferencePlan } from './inference_plan.ts';
import { KerasTensor, Layer, type CallKwargs, type LayerArgs, type LayerNode, type Shape } from '../layers/layer.ts';
import type { Dataset } from '../data/index.ts';
import type { Optimizer } from '../optimizers/index.ts';
import type { History } from './callbacks.ts';
import * as training from './training.ts';
import { noGrad } from '../autodiff/tape.ts';

function fmt(s: Shape | Shape[]): string {
  const one = (x: Shape) => `(${x.map((d) => (d === null ? 'None' : d)).join(', ')}${x.length === 1 ? ',' : ''})`;
  return Array.isArray(s[0]) ? (s as Shape[]).map(one).join(', ') : one(s as Shape);
}

export interface SummaryRow {
  name: string;
  className: string;
  outputShape: string;
  params: number;
  connectedTo: string[];
}

export interface Summary {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  text: string;
}

/**
 * Saving and loading live in src/io (a higher layer); it registers itself here on import
 * (`import 'idem'` does), so `model.save(...)`, `saveWeights` and `loadWeights` reach it.
 */
export interface ModelIO {
  save(model: LayersModel, target: unknown, options?: Record<string, unknown>): Promise<unknown>;
  saveWeights(model: LayersModel, file: string, options?: Record<string, unknown>): Promise<void>;
  loadWeights(model: LayersModel, file: string, options?: Record<string, unknown>): Promise<void>;
}
let modelIO: ModelIO | null = null;
export function registerModelIO(io: ModelIO): void {
  modelIO = io;
}
function getModelIO(op: string): ModelIO {
  if (!modelIO) fail(op, "file formats live in idem's io module: import from 'idem' (src/index.ts) or src/io/index.ts first");
  return modelIO;
}

/**
 * Keras's order of a functional model's layers (`model.layers`, the summary rows, the weight
 * order): by depth from the outputs, deepest first, and within one depth by the order a walk
 * from the outputs (inputs of each node in order) first meets them. For a chain this is the
 * chain's order; in a residual block Keras lists the long branch's early layers, then the
 * shortcut conv and the branch's last conv (same depth), then their batch norms, then the add.
 * `nodes` is the execution order (a valid topological order); it is not changed.
 */
function kerasLayerOrder(nodes: LayerNode[], outputs: KerasTensor[], inputSet: Set<KerasTensor>): Layer[] {
  const parent = (t: KerasTensor): LayerNode | null => (inputSet.has(t) ? null : t.sourceLayer.inboundNodes[t.nodeIndex]!);
  const firstSeen = new Map<Layer, number>();
  const visited = new Set<LayerNode>();
  const postOrder: LayerNode[] = [];
  const walk = (t: KerasTensor) => {
    const node = parent(t);
    if (node === null || visited.has(node)) return;
    if (!firstSeen.has(node.layer)) firstSeen.set(node.layer, firstSeen.size);
    visited.add(node);
    for (const i of node.inputs) walk(i);
    postOrder.push(node);
  };
  for (const o of outputs) walk(o);
  const nodeDepth = new Map<LayerNode, number>();
  const layerDepth = new Map<Layer, number>();
  for (let k = postOrder.length - 1; k >= 0; k--) {
    const node = postOrder[k]!;
    const d = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.layer) ?? 0);
    nodeDepth.set(node, d);
    layerDepth.set(node.layer, d);
    for (const i of node.inputs) {
      const p = parent(i);
      if (p !== null) nodeDepth.set(p, Math.max(d + 1, nodeDepth.get(p) ?? 0));
    }
  }
  const layers = [...new Set(nodes.map((n) => n.layer))];
  return layers.sort((a, b) => (layerDepth.get(b) ?? 0) - (layerDepth.get(a) ?? 0) || (firstSeen.get(a) ?? 0) - (firstSeen.get(b) ?? 0));
}

export class LayersModel extends Layer {
  static override className = 'Functional';
  inputs: KerasTensor[] = [];
  outputs: KerasTensor[] = [];
  /** Functional-graph nodes in execution order. */
  protected nodes: LayerNode[] = [];
  private layerList: Layer[] = [];
  private singleOutput = true;

  constructor(args: (LayerArgs & { inputs?: KerasTensor | KerasTensor[]; outputs?: KerasTensor | KerasTensor[] }) = {}) {
    const { inputs, outputs, ...rest } = args;
    super(rest);
    if (inputs !== undefined || outputs !== undefined) {
      if (inputs === undefined || outputs === undefined) fail('model', 'needs both `inputs` and `outputs`');
      this.initGraph(inputs, outputs);
    }
  }

  /** Wires the functional graph from `inputs` to `outputs`. */
  protected initGraph(inputs: KerasTensor | KerasTensor[], outputs: KerasTensor | KerasTensor[]): void {
    this.inputs = Array.isArray(inputs) ? inputs : [inputs];
    this.singleOutput = !Array.isArray(outputs);
    this.outputs = Array.isArray(outputs) ? outputs : [outputs];
    for (const t of [...this.inputs, ...this.outputs]) {
      if (!(t instanceof KerasTensor)) fail('model', '`inputs` and `outputs` must be KerasTensors (from tf.input and layer.apply)');
    }
    for (const t of this.inputs) {
      if (!(t.sourceLayer instanceof InputLayer)) fail('model', `input '${t.name}' is not an Input (create it with tf.input)`);
    }
    // Depth-first from the outputs: a node runs after the nodes producing its inputs.
    const order: LayerNode[] = [];
    const seen = new Set<LayerNode>();
    const inputSet = new Set(this.inputs);
    const visit = (t: KerasTensor, path: Set<LayerNode>) => {
      if (inputSet.has(t)) return;
      const node = t.sourceLayer.inboundNodes[t.nodeIndex]!;
      if (node.layer instanceof InputLayer) fail('model', `output depends on input '${t.name}', which is not among the model's inputs`);
      if (seen.has(node)) return;
      if (path.has(node)) fail('model', 'the layer graph has a cycle');
      path.add(node);
      for (const i of node.inputs) visit(i, path);
      path.delete(node);
      seen.add(node);
      order.push(node);
    };
    for (const o of this.outputs) visit(o, new Set());
    this.nodes = order;
    this.plan = null;
    const layers: Layer[] = this.inputs.map((t) => t.sourceLayer);
    for (const l of kerasLayerOrder(order, this.outputs, inputSet)) if (!layers.includes(l)) layers.push(l);
    this.layerList = layers;
    this.sublayers.length = 0;
    this.sublayers.push(...layers);
    this.built = true;
    this.batchInputShape = this.inputs.length === 1 ? this.inputs[0]!.shape.slice() : null;
  }

  // ---------------------------------------------------------------- training (see training.ts)

  /** Set by callbacks (EarlyStopping) to end `fit` after the current batch. */
  stopTraining = false;
  private compiled: training.Compiled | null = null;

  compile(args: training.CompileArgs): void {
    this.compiled = training.compile(this, args);
    this.compileArgsValue = args;
  }

  private compileArgsValue: training.CompileArgs | null = null;
  /** The arguments of the last `compile` (what `.keras` files record as `compile_config`). */
  get compileArgs(): training.CompileArgs | null {
    return this.compileArgsValue;
  }

  /**
   * Saves the model: a path ending in `.keras` (Keras 3 zip), `.h5` (Keras 2 legacy HDF5 model),
   * a `file://dir` URL or directory (TF.js `model.json` + weight shards), or a TF.js-style IO
   * handler (`tf.io.withSaveHandler(...)`). Atomic for files. See src/io.
   */
  save(target: unknown, options: Record<string, unknown> = {}): Promise<unknown> {
    return getModelIO('save').save(this, target, options);
  }

  /** Saves weights (and optimizer state): `.weights.h5` (Keras 3), `.h5` (Keras 2), `.safetensors`. */
  saveWeights(file: string, options: Record<string, unknown> = {}): Promise<void> {
    return getModelIO('saveWeights').saveWeights(this, file, options);
  }

  /** Loads weights saved by idem, Keras or TF.js-era Keras; validates everything before changing anything. */
  loadWeights(file: string, options: Record<string, unknown> = {}): Promise<void> {
    return getModelIO('loadWeights').loadWeights(this, file, options);
  }

  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /** Size of the last output axis (used to pick the accuracy variant). */
  outputUnits(): number {
    return this.outputUnitsAt(0);
  }

  /** Size of the last axis of output `i` (subclassed models: of their last eager call; 0 if unknown). */
  outputUnitsAt(i: number): number {
    const s = this.isSubclassed() ? this.lastOutputShapes?.[i] : this.outputs[i]?.shape;
    return s ? (s[s.length - 1] ?? 0) : 0;
  }

  /** Output names (the layers producing the outputs), in output order; [] for subclassed models. */
  outputNames(): string[] {
    const names = this.outputs.map((t) => t.sourceLayer.name);
    return names.map((n, i) => (names.indexOf(n) !== i || names.lastIndexOf(n) !== i ? this.outputs[i]!.name.replace(':', '_') : n));
  }

  /** A LayersModel made without inputs/outputs whose `call` is the user's (Keras model subclassing). */
  isSubclassed(): boolean {
    return this.inputs.length === 0;
  }

  private applying = 0;
  private lastOutputShapes: Shape[] | null = null;

  override apply(inputs: Tensor | Tensor[] | KerasTensor | KerasTensor[], kwargs: CallKwargs = {}): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (!this.isSubclassed()) return super.apply(inputs, kwargs);
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.some((t) => t instanceof KerasTensor)) {
      fail(this.name, 'a subclassed model (a LayersModel without `inputs`/`outputs`) runs its `call` eagerly and cannot be called ' +
        'on symbolic KerasTensors from tf.input; call it on tensors (model.apply(x)) or build it with model.build(inputShape)');
    }
    this.applying++;
    try {
      const out = super.apply(inputs, kwargs);
      this.lastOutputShapes = (Array.isArray(out) ? out : [out]).map((t: Tensor) => [null, ...t.shape.slice(1)]);
      return out;
    } finally {
      this.applying--;
    }
  }

  /**
   * Subclassed models: `model.build(inputShape)` calls the model once (inference mode) on zeros of
   * that shape (unknown dimensions 1), so every tracked layer creates its weights, as Keras does.
   */
  override build(inputShape: Shape | Shape[]): void {
    if (!this.isSubclassed() || this.applying > 0) {
      this.built = true;
      return;
    }
    const multi = Array.isArray(inputShape[0]);
    const shapes = (multi ? inputShape : [inputShape]) as Shape[];
    tidy(() => {
      const xs = shapes.map((s) => zeros(s.map((d) => d ?? 1), 'float32'));
      noGrad(() => this.apply(multi ? xs : xs[0]!, { training: false }));
    });
  }

  /** Subclassed models: builds by one inference-mode call on the first sample of `x`. */
  private buildOn(x: Tensor | Tensor[]): void {
    if (!this.isSubclassed() || this.built) return;
    tidy(() => {
      const first = (Array.isArray(x) ? x : [x]).map((t) => (t.rank === 0 || t.shape[0] === 0 ? t : slice(t, [0], [1])));
      noGrad(() => this.apply(Array.isArray(x) ? first : first[0]!, { training: false }));
    });
  }

  fit(x: Tensor | Tensor[], y: training.YData, args: training.FitArgs = {}): Promise<History> {
    if (this.isSubclassed()) this.buildOn(x);
    else if (!this.built) this.build([null, ...(Array.isArray(x) ? x[0]! : x).shape.slice(1)]);
    return training.fit(this, this.compiled, x, y, args);
  }

  fitDataset(ds: Dataset<unknown>, args: Parameters<typeof training.fitDataset>[3] = {}): Promise<History> {
    return training.fitDataset(this, this.compiled, ds, args);
  }

  evaluateDataset(ds: Dataset<unknown>, args: { batches?: number; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
    return training.evaluateDataset(this, this.compiled, ds, args);
  }

  evaluate(x: Tensor | Tensor[], y: training.YData, args: { batchSize?: number; sampleWeight?: Tensor; verbose?: number } = {}): Tensor | Tensor[] {
    return training.evaluate(this, this.compiled, x, y, args);
  }

  /** `evaluate` on every backend, including those that read values asynchronously (webgpu). */
  evaluateAsync(x: Tensor | Tensor[], y: training.YData, args: { batchSize?: number; sampleWeight?: Tensor; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
    return training.evaluateAsync(this, this.compiled, x, y, args);
  }

  /** Inference over `x` in batches; a list of tensors for several outputs. */
  predict(x: Tensor | Tensor[], args: { batchSize?: number; verbose?: number } = {}): Tensor {
    return training.predict(this, x, args) as Tensor;
  }

  predictOnBatch(x: Tensor | Tensor[]): Tensor {
    const n = (Array.isArray(x) ? x[0]! : x).shape[0] ?? 1;
    return training.predict(this, x, { batchSize: Math.max(1, n) }) as Tensor;
  }

  trainOnBatch(x: Tensor | Tensor[], y: training.YData): number | number[] {
    if (this.isSubclassed()) this.buildOn(x);
    return training.trainOnBatch(this, this.compiled, x, y);
  }

  testOnBatch(x: Tensor | Tensor[], y: training.YData): number | number[] {
    return training.testOnBatch(this, this.compiled, x, y);
  }

  /** `trainOnBatch` on every backend, including those that read values asynchronously (webgpu): resolves to the loss, or [loss, ...metrics] (as trainOnBatch). */
  trainOnBatchAsync(x: Tensor | Tensor[], y: training.YData): Promise<number | number[]> {
    if (this.isSubclassed()) this.buildOn(x);
    return training.trainOnBatchAsync(this, this.compiled, x, y);
  }

  /** `testOnBatch` on every backend (webgpu included). */
  testOnBatchAsync(x: Tensor | Tensor[], y: training.YData): Promise<number | number[]> {
    return training.testOnBatchAsync(this, this.compiled, x, y);
  }

  /** Layers in topological order (input layers first); subclassed models: the tracked layers in attribute order. */
  get layers(): Layer[] {
    return this.isSubclassed() ? this.trackedLayers() : this.layerList.slice();
  }

  getLayer(name?: string, index?: number): Layer {
    if (index !== undefined) {
      const l = this.layers[index];
      if (!l) fail('getLayer', `index ${index} is out of range: the model has ${this.layers.length} layers`);
      return l;
    }
    const l = this.layers.find((x) => x.name === name);
    if (!l) fail('getLayer', `no layer named '${name}' (layers: ${this.layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs = {}): Tensor | Tensor[] {
    if (this.isSubclassed()) fail(this.name, 'a LayersModel without `inputs`/`outputs` must define `call(inputs, kwargs)` (model subclassing), or be made with tf.model({inputs, outputs})');
    const values = this.runGraph(inputs, kwargs, this.nodes);
    const res = this.outputs.map((t) => values.get(t)!);
    return this.singleOutput ? res[0]! : res;
  }

  /**
   * TF.js `model.execute(inputs, outputs)`: runs the graph in inference mode and returns the
   * tensors named by `outputs` — a layer name (its output), `<layer>:<i>` or the symbolic
   * tensor's name; one name gives one tensor, a list a list. `inputs`: a tensor, a list in input
   * order, or a dict by input layer name. Only the part of the graph the outputs need runs.
   */
  execute(inputs: Tensor | Tensor[] | Record<string, Tensor>, outputs: string | string[]): Tensor | Tensor[] {
    if (this.isSubclassed()) fail('execute', `model '${this.name}' is a subclassed model: it has no graph of named tensors to execute`);
    const names = Array.isArray(outputs) ? outputs : [outputs];
    if (names.length === 0) fail('execute', '`outputs` must name at least one tensor');
    let xs: Tensor | Tensor[];
    if (inputs instanceof Tensor || Array.isArray(inputs)) xs = inputs;
    else if (inputs !== null && typeof inputs === 'object') {
      const inNames = this.inputs.map((t) => t.sourceLayer.name);
      for (const k of Object.keys(inputs)) {
        const isInput = inNames.includes(k) || this.inputs.some((t) => t.name === k);
        if (!isInput) fail('execute', `\`inputs\` has key '${k}', which is not an input name (inputs: ${inNames.join(', ')})`);
      }
      xs = this.inputs.map((t) => {
        const v = inputs[t.sourceLayer.name] ?? inputs[t.name];
        if (!(v instanceof Tensor)) fail('execute', `no tensor given for input '${t.sourceLayer.name}'`);
        return v;
      });
    } else fail('execute', `\`inputs\` must be a Tensor, a list or a dict by input name, received ${typeof inputs}`);
    const wanted = names.map((n) => {
      const t = this.namedTensor(n);
      if (!t) fail('execute', `no tensor named '${n}' in model '${this.name}' (layers: ${this.layers.map((l) => l.name).join(', ')})`);
      return t;
    });
    // The nodes the wanted tensors depend on, in graph order.
    const need = new Set<KerasTensor>(wanted);
    const used: typeof this.nodes = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      if (node.outputs.some((t) => need.has(t))) {
        used.unshift(node);
        for (const t of node.inputs) need.add(t);
      }
    }
    const values = noGrad(() => this.runGraph(xs, { training: false }, used));
    const res = wanted.map((t) => values.get(t)!);
    return Array.isArray(outputs) ? res : res[0]!;
  }

  /** The symbolic tensor called `name`: a layer's output (`dense`, `dense:1`) or a KerasTensor's name. */
  private namedTensor(name: string): KerasTensor | null {
    for (const t of this.inputs) if (t.name === name || t.sourceLayer.name === name) return t;
    for (const node of this.nodes) {
      for (const t of node.outputs) {
        if (t.name === name) return t;
        const layer = node.layer.name;
        if (node.outputs.length === 1 && name === layer) return t;
        if (name === `${layer}:${t.tensorIndex}` || name === `${layer}/${t.tensorIndex}`) return t;
      }
    }
    return null;
  }

  /** Runs `nodes` on the model's inputs; every computed tensor by its KerasTensor. */
  private runGraph(inputs: Tensor | Tensor[], kwargs: CallKwargs, nodes: typeof this.nodes): Map<KerasTensor, Tensor> {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    if (xs.length !== this.inputs.length) fail(this.name, `expected ${this.inputs.length} input(s), received ${xs.length}`);
    const values = new Map<KerasTensor, Tensor>();
    // Keras mask propagation: each layer's computeMask output reaches the next layer as kwargs.mask.
    const masks = new Map<KerasTensor, Tensor | null>();
    this.inputs.forEach((t, i) => values.set(t, xs[i]!));
    // Inference with nothing recording: fused convolution chains, intermediates freed after their
    // last use (src/models/inference_plan.ts); bit-identical to running every layer.
    // (Not for a part of the graph — `execute` — whose intermediates are the results.)
    const plan = nodes === this.nodes && kwargs.training !== true && fusedInferenceAllowed() ? (this.plan ??= planInference(this.nodes, this.outputs)) : null;
    const left = plan ? new Map(plan.uses) : null;
    const keep = new Set<Tensor>(xs);
    for (const t of this.outputs) if (values.has(t)) keep.add(values.get(t)!);
    const release = (ts: readonly KerasTensor[]) => {
      if (!left) return;
      for (const t of ts) {
        const n = (left.get(t) ?? 0) - 1;
        left.set(t, n);
        if (n > 0 || this.outputs.includes(t)) continue;
        const v = values.get(t);
        if (!v || keep.has(v) || v.kept || v.isDisposed || v instanceof VariableClass) continue;
        // The same tensor may stand for several KerasTensors (a layer returning its input): free it
        // only when none of them is still needed.
        let needed = false;
        for (const [k, w] of values) if (w === v && k !== t && ((left.get(k) ?? 0) > 0 || this.outputs.includes(k))) needed = true;
        if (!needed) v.dispose();
        values.delete(t);
      }
    };
    const runNode = (node: LayerNode) => {
      const ins = node.inputs.map((t) => {
        const v = values.get(t);
        if (!v) fail(this.name, `internal error: no value for '${t.name}'`);
        return v;
      });
      const inMasks = node.inputs.map((t) => masks.get(t) ?? null);
      const mask = node.singleInput ? inMasks[0]! : inMasks.every((m) => m === null) ? null : (inMasks as Tensor[]);
      const kw: CallKwargs = { ...node.kwargs, ...kwargs };
      if (mask !== null && kw.mask === undefined) kw.mask = mask;
      const arg = node.singleInput ? ins[0]! : ins;
      const out = node.layer.apply(arg, kw);
      const outs: Tensor[] = Array.isArray(out) ? out : [out];
      node.outputs.forEach((t, i) => values.set(t, outs[i]!));
      const outMask = node.layer.computeMask(arg, mask);
      const outMasks = Array.isArray(outMask) ? outMask : [outMask];
      node.outputs.forEach((t, i) => {
        const m = outMasks[i] ?? null;
        if (m !== null) masks.set(t, m);
      });
      release(node.inputs);
    };
    for (const node of nodes) {
      if (plan?.skip.has(node)) continue;
      const chain = plan?.at.get(node);
      if (!chain) {
        runNode(node);
        continue;
      }
      const x = values.get(chain.conv.inputs[0]!);
      const residual = chain.residual ? values.get(chain.residual) : null;
      if (!x || residual === undefined || masks.get(chain.conv.inputs[0]!) || (chain.residual && masks.get(chain.residual))) {
        for (const n of chain.nodes) runNode(n);
        continue;
      }
      const conv = chain.conv.layer as Conv2D;
      const bn = chain.bn ? (chain.bn.layer as BatchNormalization) : null;
      const y = conv2dBatchNormActivation({
        x,
        filter: conv.kernel!,
        strides: conv.strides as [number, number],
        pad: conv.padding as 'valid' | 'same',
        dilations: conv.dilationRate as [number, number],
        bias: conv.bias,
        bn: bn ? { mean: bn.movingMean!, variance: bn.movingVariance!, offset: bn.beta, scale: bn.gamma, epsilon: bn.epsilon } : null,
        residual,
        relu: chain.act !== null,
      });
      values.set(chain.last.outputs[0]!, y);
      release(chain.conv.inputs);
      if (chain.residual) release([chain.residual]);
    }
    return values;
  }

  /** The inference plan (src/models/inference_plan.ts), made on the first inference call. */
  private plan: InferencePlan | null = null;

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    if (this.isSubclassed()) return super.computeOutputShape(inputShape);
    return this.singleOutput ? this.outputs[0]!.shape : this.outputs.map((t) => t.shape);
  }

  /** Keras `model.summary()`: prints the table (or passes each line to `printFn`) and returns it. */
  summary(lineLength = 80, printFn: ((line: string) => void) | null = console.log): Summary {
    const sub = this.isSubclassed() && !(this instanceof Sequential);
    if (!this.built && !sub) fail('summary', `model '${this.name}' is not built yet: give the first layer an \`inputShape\`, or call the model once`);
    const rows: SummaryRow[] = [];
    const showConnected = !(this instanceof Sequential) && this.nodes.some((n) => n.inputs.length > 1);
    for (const l of this.layers) {
      if (l instanceof InputLayer && this instanceof Sequential) continue;
      const outShape = sub ? eagerOutShape(l) : l instanceof InputLayer ? fmt(l.inputTensor.shape) : fmt(nodeOutShape(l, this));
      rows.push({
        name: l.name,
        className: l.className,
        outputShape: outShape,
        params: l.built ? l.countParams() : 0,
        connectedTo: this.nodes.filter((n) => n.layer === l).flatMap((n) => n.inputs.map((t) => t.sourceLayer.name)),
      });
    }
    const trainable = sizeOf(this.trainableWeights);
    const nonTrainable = sizeOf(this.nonTrainableWeights);
    const cols = showConnected ? [0.3, 0.24, 0.12, 0.34] : [0.45, 0.35, 0.2];
    const widths = cols.map((c) => Math.floor(c * lineLength));
    const line = (cells: string[]) => cells.map((c, i) => (c.length >= widths[i]! ? c.slice(0, widths[i]! - 1) + ' ' : c.padEnd(widths[i]!))).join('').trimEnd();
    const out: string[] = [];
    out.push(`Model: "${this.name}"`);
    out.push('_'.repeat(lineLength));
    out.push(line(showConnected ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #']));
    out.push('='.repeat(lineLength));
    rows.forEach((r, i) => {
      const unbuilt = sub && !this.layers.find((l) => l.name === r.name)?.built;
      const cells = [`${r.name} (${r.className})`, r.outputShape, unbuilt ? '0 (unbuilt)' : String(r.params)];
      if (showConnected) cells.push(r.connectedTo.join(', '));
      out.push(line(cells));
      out.push(i === rows.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
    });
    out.push(`Total params: ${(trainable + nonTrainable).toLocaleString('en-US')}`);
    out.push(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    out.push(`Non-trainable params: ${nonTrainable.toLocaleString('en-US')}`);
    out.push('_'.repeat(lineLength));
    const text = out.join('\n');
    if (printFn) for (const l of out) printFn(l);
    return { rows, totalParams: trainable + nonTrainable, trainableParams: trainable, nonTrainableParams: nonTrainable, text };
  }

  override getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      trainable: this.trainable,
      layers: this.layers.map((l) => ({ className: l.className, config: l.getConfig() })),
      inputLayers: this.inputs.map((t) => t.sourceLayer.name),
      outputLayers: this.outputs.map((t) => t.sourceLayer.name),
    };
  }
}

function sizeOf(ws: Variable[]): number {
  return ws.reduce((n, w) => n + w.size, 0);
}


/**
 * Output shape of a layer of a subclassed model (Keras 3): from a symbolic call if it has one,
 * else computed from the shape it was built with, else '?'.
 */
function eagerOutShape(l: Layer): string {
  if (l.inboundNodes.length > 0 && !(l instanceof InputLayer)) return fmt(l.outputShape);
  if (!l.built || !l.buildInputShape) return '?';
  try {
    return fmt(l.computeOutputShape(l.buildInputShape));
  } catch {
    return '?';
  }
}

function nodeOutShape(l: Layer, m: LayersModel): Shape | Shape[] {
  const n = (m as unknown as { nodes: LayerNode[] }).nodes.find((x) => x.layer === l);
  if (!n) return l.outputShape;
  return n.outputs.length === 1 ? n.outputs[0]!.shape : n.outputs.map((t) => t.shape);
}

/** `tf.model({inputs, outputs, name})`. */
export function model(args: { inputs: KerasTensor | KerasTensor[]; outputs: KerasTensor | KerasTensor[]; name?: string }): LayersModel {
  return new LayersModel(args);
}

// ------------------------------------------------------------------ Sequential

export class Sequential extends LayersModel {
  static override className = 'Sequential';
  private stack: Layer[] = [];

  constructor(args: LayerArgs & { layers?: Layer[] } = {}) {
    const { layers, ...rest } = args;
    super(rest);
    for (const l of layers ?? []) this.add(l);
  }

  /** Appends a layer; builds the model as soon as the input shape is known. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) fail('Sequential.add', `expected a Layer, received ${typeof layer}`);
    if (layer instanceof InputLayer && this.stack.length > 0) fail('Sequential.add', 'an InputLayer can only be the first layer');
    this.stack.push(layer);
    const first = this.stack[0]!;
    if (first.batchInputShape) this.buildFrom(first.batchInputShape);
    else this.built = false;
  }

  pop(): void {
    if (this.stack.length === 0) fail('Sequential.pop', 'the model has no layers');
    this.stack.pop();
    const first = this.stack[0];
    if (first?.batchInputShape && this.stack.length > 0) this.buildFrom(first.batchInputShape);
  }

  private buildFrom(batchInputShape: Shape): void {
    const first = this.stack[0]!;
    const inputLayer = first instanceof InputLayer ? first : new InputLayer({ batchInputShape, name: `${this.name}_input`, dtype: first.dtype === 'int32' ? 'int32' : 'float32' });
    let x: KerasTensor = inputLayer.inputTensor;
    for (const l of this.stack) {
      if (l instanceof InputLayer) continue;
      const y = l.apply(x);
      if (Array.isArray(y)) fail('Sequential', `layer '${l.name}' returns several outputs; Sequential models need single-output layers`);
      x = y;
    }
    this.initGraph(inputLayer.inputTensor, x);
  }

  override build(inputShape: Shape | Shape[]): void {
    if (this.stack.length === 0) fail(this.name, 'cannot build a Sequential model with no layers');
    this.buildFrom(inputShape as Shape);
  }

  override isSubclassed(): boolean {
    return false;
  }

  override get layers(): Layer[] {
    return this.stack.filter((l) => !(l instanceof InputLayer));
  }

  override apply(inputs: Tensor | Tensor[] | KerasTensor | KerasTensor[], kwargs: CallKwargs = {}): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (!this.built && !(inputs instanceof KerasTensor) && !Array.isArray(inputs)) this.buildFrom([null, ...(inputs as Tensor).shape.slice(1)]);
    return super.apply(inputs, kwargs);
  }
}

/** `tf.sequential({layers, name})`. */
export function sequential(args: LayerArgs & { layers?: Layer[] } = {}): Sequential {
  return new Sequential(args);
}
