/**
 * Graph mode, as in TensorFlow 1: `tf.placeholder` makes symbolic tensors; any op given a
 * symbolic tensor is recorded as a graph node instead of running; `new tf.Session().run(fetches,
 * feedDict)` runs the part of the graph the fetches need.
 *
 * A node records the public op call itself (the op's function and its arguments). Running a node
 * calls that op again with real tensors, so graph execution runs exactly the kernels eager
 * execution runs, in the same order: eager and graph results are bit-identical. Random ops draw
 * new values on every run, in the same sequence as eager calls would.
 *
 * Shapes of symbolic tensors are inferred by running the op once on stand-in values (a "dry
 * run": no state changes, no random draws); dimensions unknown in a placeholder (`null` or -1)
 * are found by a second dry run with another stand-in size, and shown as -1.
 *
 * State changes: assigning a symbolic value to a variable records a stateful node. There are no
 * update-op collections: a stateful node runs in every `Session.run` whose computation shares a
 * node with it (e.g. batch-norm moving averages update whenever the batch statistics they read
 * are computed), provided the placeholders it needs are fed.
 */
import type { Frame, OpFn } from '../core/context.ts';
import { ENGINE } from '../core/engine.ts';
import type { DataType } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { Tensor, type NestedArray } from '../core/tensor.ts';
import type { TypedArray } from '../core/dtypes.ts';
import { Variable as VariableClass, type Variable } from '../core/variable.ts';
import { GradientTape, noGrad } from '../autodiff/tape.ts';
import { convertToTensor, type TensorLike } from '../ops/convert.ts';
import { fill } from '../ops/creation.ts';
import { mergeShapes, probe } from './probe.ts';

const SYMBOLIC_DATA = Object.freeze({ symbolic: true });

export interface GraphNode {
  id: number;
  /** Unique TensorFlow-style name (`matMul`, `matMul_1`, ...). */
  name: string;
  /** The public op name. */
  op: string;
  fn: (...a: unknown[]) => unknown;
  thisArg: unknown;
  args: unknown[];
  /** Symbolic tensors among the arguments, in walk order. */
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  /** Assigns a variable: runs whenever its computation runs. */
  stateful: boolean;
  /** Set on training nodes made by `minimize` on a symbolic loss. */
  train?: { optimizer: GradientApplier; loss: SymbolicTensor; varList?: Variable[] };
}

/** What a training node needs from an optimizer. */
export interface GradientApplier {
  /** Receives [gradient, variable] pairs (never names: two live variables may share one). */
  applyGradients(grads: [Tensor, Variable][]): unknown;
}

/** A tensor of a graph: it has a shape (-1 for unknown dimensions) and a dtype but no values. */
export class SymbolicTensor extends Tensor {
  readonly graph: Graph;
  /** The node computing it (null for placeholders). */
  readonly node: GraphNode | null;
  readonly name: string;
  /** For placeholders made with `placeholderWithDefault`. */
  readonly defaultValue: Tensor | null;

  constructor(graph: Graph, node: GraphNode | null, shape: readonly number[], dtype: DataType, name: string, defaultValue: Tensor | null = null) {
    super(SYMBOLIC_DATA, shape, dtype);
    this.graph = graph;
    this.node = node;
    this.name = name;
    this.defaultValue = defaultValue;
  }

  get isPlaceholder(): boolean {
    return this.node === null;
  }

  private noValue(): never {
    fail('SymbolicTensor', `'${this.name}' is symbolic (graph mode) and has no value: fetch it with session.run(${this.name}, feedDict)`);
  }
  override dataSync(): TypedArray {
    this.noValue();
  }
  override data(): Promise<TypedArray> {
    this.noValue();
  }
  override arraySync(): NestedArray {
    this.noValue();
  }
  override array(): Promise<NestedArray> {
    this.noValue();
  }
  override toString(): string {
    return `SymbolicTensor '${this.name}' shape [${this.shape.map((d) => (d < 0 ? '?' : d))}] ${this.dtype}`;
  }
}

export class Graph {
  readonly nodes: GraphNode[] = [];
  readonly placeholders: SymbolicTensor[] = [];
  private readonly names = new Map<string, number>();
  private nextNodeId = 0;

  uniqueName(base: string): string {
    const n = this.names.get(base) ?? 0;
    this.names.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  /** @internal */
  addNode(node: Omit<GraphNode, 'id' | 'name'>): GraphNode {
    const full: GraphNode = { ...node, id: this.nextNodeId++, name: this.uniqueName(node.op) };
    this.nodes.push(full);
    return full;
  }

  /** JSON description (nodes, op types, shapes, names) for reports and TensorBoard. */
  toJSON(): GraphJSON {
    return {
      placeholders: this.placeholders.map((p) => ({ name: p.name, shape: p.shape.slice(), dtype: p.dtype, hasDefault: p.defaultValue !== null })),
      nodes: this.nodes.map((n) => ({
        name: n.name,
        op: n.train ? 'minimize' : n.op,
        inputs: n.inputs.map((t) => t.name),
        outputs: n.outputs.map((t) => ({ name: t.name, shape: t.shape.slice(), dtype: t.dtype })),
        stateful: n.stateful,
      })),
    };
  }
}

export interface GraphJSON {
  placeholders: { name: string; shape: number[]; dtype: DataType; hasDefault: boolean }[];
  nodes: { name: string; op: string; inputs: string[]; outputs: { name: string; shape: number[]; dtype: DataType }[]; stateful: boolean }[];
}

let defaultGraph = new Graph();

export function getDefaultGraph(): Graph {
  return defaultGraph;
}

/** Starts a new empty default graph (TF1's `tf.reset_default_graph()`). */
export function resetDefaultGraph(): void {
  defaultGraph = new Graph();
}

// ------------------------------------------------------------------ walking argument structures

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);
}

/** Calls `visit` on every tensor inside arrays / plain objects, in a fixed order. */
export function walk(x: unknown, visit: (t: Tensor) => void, depth = 0): void {
  if (depth > 8) return;
  if (x instanceof Tensor) visit(x);
  else if (Array.isArray(x)) for (const e of x) walk(e, visit, depth + 1);
  else if (isPlainObject(x)) for (const k of Object.keys(x)) walk(x[k], visit, depth + 1);
}

/** A copy of `x` with each tensor replaced by `f(tensor)`. */
export function mapTensors(x: unknown, f: (t: Tensor) => Tensor, depth = 0): unknown {
  if (depth > 8) return x;
  if (x instanceof Tensor) return f(x);
  if (Array.isArray(x)) return x.map((e) => mapTensors(e, f, depth + 1));
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) out[k] = mapTensors(x[k], f, depth + 1);
    return out;
  }
  return x;
}

/** Whether an op call must be recorded: a symbolic argument, or (eager execution off) a variable read. */
function mustRecord(args: unknown[], thisArg: unknown): boolean {
  let found = false;
  const visit = (t: Tensor) => {
    if (t instanceof SymbolicTensor || (!eager && t instanceof VariableClass)) found = true;
  };
  for (const a of args) {
    walk(a, visit);
    if (found) return true;
  }
  return !eager && thisArg instanceof VariableClass;
}

// ------------------------------------------------------------------ eager / graph switch

let eager = true;
let executing = 0;

/**
 * TF1 graph mode (`tf.compat.v1.disable_eager_execution()`): from now on an op that reads a
 * variable is recorded too, so `session.run` reads the variable's value at run time. Creating a
 * placeholder turns this on; `enableEagerExecution()` turns it off.
 */
export function disableEagerExecution(): void {
  eager = false;
  enableGraphRecording();
}

export function enableEagerExecution(): void {
  eager = true;
}

export function executingEagerly(): boolean {
  return eager || executing > 0;
}

// ------------------------------------------------------------------ recording

function standIn(t: SymbolicTensor, unknownSize: number): Tensor {
  const shape = t.shape.map((d) => (d < 0 ? unknownSize : d));
  // float ones keep log/sqrt/division finite; integer zeros are valid indices and labels.
  return fill(shape, t.dtype === 'float32' ? 1 : 0, t.dtype);
}

function dryRun(node: { fn: (...a: unknown[]) => unknown; thisArg: unknown; args: unknown[] }, unknownSize: number): { result: unknown; skippedEffect: boolean } {
  return probe(() => {
    const args = mapTensors(node.args, (t) => (t instanceof SymbolicTensor ? standIn(t, unknownSize) : t)) as unknown[];
    return node.fn.apply(node.thisArg, args);
  });
}

function record(op: string, fn: (...a: unknown[]) => unknown, thisArg: unknown, args: unknown[]): unknown {
  const inputs: SymbolicTensor[] = [];
  walk(args, (t) => {
    if (t instanceof SymbolicTensor) inputs.push(t);
  });
  const graph = inputs[0]?.graph ?? getDefaultGraph();
  for (const t of inputs) {
    if (t.graph !== graph) fail(op, `symbolic tensors '${inputs[0]!.name}' and '${t.name}' belong to different graphs`);
  }
  const first = dryRun({ fn, thisArg, args }, 2);
  const anyUnknown = inputs.some((t) => t.shape.some((d) => d < 0));
  const second = anyUnknown ? dryRun({ fn, thisArg, args }, 3) : null;
  const concrete: Tensor[] = [];
  walk(first.result, (t) => concrete.push(t));
  const other: Tensor[] = [];
  if (second) walk(second.result, (t) => other.push(t));
  const node = graph.addNode({ op, fn, thisArg, args, inputs, outputs: [], stateful: first.skippedEffect });
  concrete.forEach((t, i) => {
    const shape = mergeShapes(t.shape, other[i]?.shape, -1);
    const name = concrete.length === 1 ? node.name : `${node.name}:${i}`;
    node.outputs.push(new SymbolicTensor(graph, node, shape, t.dtype, name));
  });
  let i = 0;
  return mapTensors(first.result, () => node.outputs[i++]!);
}

/**
 * Graph mode's frame (at the bottom of the stack once a placeholder exists): an op call given a
 * symbolic tensor (or, eager execution off, a variable) is recorded as a node instead of running.
 */
class GraphRecorder implements Frame {
  readonly name = 'graph mode';
  readonly watchesOps = true;
  opCall(name: string, fn: OpFn, thisArg: unknown, args: unknown[]): { value: unknown } | undefined {
    if (executing > 0 || !mustRecord(args, thisArg)) return undefined;
    return { value: record(name, fn, thisArg, args) };
  }
}

let recorder: GraphRecorder | null = null;

function enableGraphRecording(): void {
  if (recorder) return;
  recorder = new GraphRecorder();
  ENGINE.frames.push(recorder, 'bottom');
}

// ------------------------------------------------------------------ placeholders

function normShape(shape: readonly (number | null)[] | undefined, op: string): number[] {
  if (!Array.isArray(shape)) fail(op, '`shape` is required: an array with null or -1 for unknown dimensions (e.g. [null, 784])');
  return shape.map((d) => {
    if (d === null || d === -1) return -1;
    if (!Number.isInteger(d) || d < 0) fail(op, `\`shape\` entries must be non-negative integers, null or -1, received [${shape.join(',')}]`);
    return d;
  });
}

/** `tf.placeholder(dtype, shape, name?)`: a symbolic input fed at `session.run`. */
export function placeholder(dtype: DataType, shape: (number | null)[], name?: string): SymbolicTensor {
  const g = getDefaultGraph();
  const p = new SymbolicTensor(g, null, normShape(shape, 'placeholder'), dtype, g.uniqueName(name ?? 'Placeholder'));
  g.placeholders.push(p);
  disableEagerExecution();
  return p;
}

/** `tf.placeholderWithDefault(value, shape, name?)`: a placeholder that takes `value` when not fed. */
export function placeholderWithDefault(value: TensorLike, shape?: (number | null)[], name?: string): SymbolicTensor {
  const v = convertToTensor(value, 'value', 'placeholderWithDefault');
  const s = shape ? normShape(shape, 'placeholderWithDefault') : v.shape.slice();
  if (s.length !== v.rank || s.some((d, i) => d >= 0 && d !== v.shape[i])) {
    fail('placeholderWithDefault', `default value of shape ${fmtShape(v.shape)} does not fit \`shape\` ${fmtShape(s)}`);
  }
  const g = getDefaultGraph();
  const p = new SymbolicTensor(g, null, s, v.dtype, g.uniqueName(name ?? 'PlaceholderWithDefault'), v);
  g.placeholders.push(p);
  disableEagerExecution();
  return p;
}

/**
 * A training node: when fetched, the run is recorded on a gradient tape, and at this node the
 * gradients of `loss` with respect to `varList` (default: every trainable variable the loss
 * uses) are applied by `optimizer`. Returns a symbolic tensor to fetch (its value is the loss).
 */
export function minimizeNode(optimizer: GradientApplier, loss: SymbolicTensor, varList?: Variable[]): SymbolicTensor {
  if (!(loss instanceof SymbolicTensor)) fail('minimize', '`loss` must be a symbolic tensor in graph mode');
  if (loss.rank !== 0) fail('minimize', `\`loss\` must be a scalar, received shape ${fmtShape(loss.shape)}`);
  const g = loss.graph;
  const node = g.addNode({ op: 'minimize', fn: (l: unknown) => l, thisArg: null, args: [loss], inputs: [loss], outputs: [], stateful: false, train: { optimizer, loss, varList } });
  node.outputs.push(new SymbolicTensor(g, node, [], 'float32', node.name));
  return node.outputs[0]!;
}

/** TF1 compatibility: variables are initialized when created, so this fetch does nothing. */
export function globalVariablesInitializer(): null {
  return null;
}

// ------------------------------------------------------------------ sessions

export type FeedDict = Record<string, TensorLike> | Map<SymbolicTensor, TensorLike>;

export class Session {
  readonly graph: Graph;
  private closed = false;

  constructor(graph: Graph = getDefaultGraph()) {
    this.graph = graph;
  }

  close(): void {
    this.closed = true;
  }

  /**
   * Runs what `fetches` need (a symbolic tensor, a training node, null, or arrays/objects of
   * them) with `feedDict` values for placeholders, keyed by name (plain object) or by the
   * placeholder tensor (Map). Returns the same structure with tensors (null for `null` fetches).
   */
  run(fetches: unknown, feedDict: FeedDict = {}): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (this.closed) fail('Session.run', 'the session is closed');
    const feeds = this.resolveFeeds(feedDict);
    const fetched: SymbolicTensor[] = [];
    walk(fetches, (t) => {
      if (t instanceof SymbolicTensor) {
        if (t.graph !== this.graph) fail('Session.run', `fetch '${t.name}' belongs to another graph`);
        fetched.push(t);
      }
    });
    const runSet = this.plan(fetched, feeds);
    const values = new Map<number, Tensor>();
    for (const [p, v] of feeds) values.set(p.id, v);
    const trainNodes = this.graph.nodes.filter((n) => n.train && runSet.has(n.id));
    const tape = trainNodes.length > 0 ? new GradientTape({ persistent: trainNodes.length > 1 }) : null;
    const exec = () => {
      for (const node of this.graph.nodes) {
        if (!runSet.has(node.id)) continue;
        const resolve = (t: Tensor): Tensor => {
          if (!(t instanceof SymbolicTensor)) return t;
          const v = values.get(t.id) ?? (t.isPlaceholder ? t.defaultValue : null);
          if (!v) fail('Session.run', `no value for '${t.name}'`);
          return v;
        };
        if (node.train) {
          const loss = resolve(node.train.loss);
          this.applyTrain(node, loss, tape!);
          values.set(node.outputs[0]!.id, loss);
          continue;
        }
        const args = mapTensors(node.args, resolve) as unknown[];
        const result = node.fn.apply(node.thisArg, args);
        let i = 0;
        walk(result, (t) => {
          const out = node.outputs[i++];
          if (out) values.set(out.id, t);
        });
      }
    };
    executing++;
    try {
      if (tape) tape.record(exec);
      else exec();
    } finally {
      executing--;
    }
    return mapTensors(fetches, (t) => (t instanceof SymbolicTensor ? values.get(t.id) ?? t.defaultValue! : t));
  }

  private applyTrain(node: GraphNode, loss: Tensor, tape: GradientTape): void {
    const train = node.train!;
    const vars = (train.varList ?? tape.watchedVariables()).filter((v) => v.trainable);
    const grads = tape.gradient(loss, vars);
    // [gradient, variable] pairs: a name-keyed record would be resolved among all live variables,
    // and a newer variable with the same name would receive this update.
    const pairs: [Tensor, Variable][] = [];
    vars.forEach((v, i) => {
      const g = grads[i];
      if (g) pairs.push([g, v]);
    });
    if (pairs.length === 0) fail('minimize', `no variable receives a gradient from '${train.loss.name}'`);
    // The update is not part of the forward pass: no tape records it.
    noGrad(() => train.optimizer.applyGradients(pairs));
  }

  private resolveFeeds(feedDict: FeedDict): Map<SymbolicTensor, Tensor> {
    const out = new Map<SymbolicTensor, Tensor>();
    const entries: [SymbolicTensor, TensorLike][] = [];
    if (feedDict instanceof Map) {
      for (const [k, v] of feedDict) {
        if (!(k instanceof SymbolicTensor) || !k.isPlaceholder) fail('Session.run', 'feedDict Map keys must be placeholders');
        entries.push([k, v]);
      }
    } else {
      if (!isPlainObject(feedDict)) fail('Session.run', '`feedDict` must be a plain object keyed by placeholder name, or a Map keyed by placeholder');
      for (const [name, v] of Object.entries(feedDict)) {
        const p = this.graph.placeholders.find((q) => q.name === name);
        if (!p) fail('Session.run', `feedDict names '${name}', which is not a placeholder of this graph (placeholders: ${this.graph.placeholders.map((q) => q.name).join(', ') || 'none'})`);
        entries.push([p, v]);
      }
    }
    for (const [p, v] of entries) {
      if (p.graph !== this.graph) fail('Session.run', `placeholder '${p.name}' belongs to another graph`);
      const t = convertToTensor(v, p.name, 'Session.run', p.dtype);
      if (t.dtype !== p.dtype) fail('Session.run', `placeholder '${p.name}' has dtype ${p.dtype}, fed ${t.dtype}`);
      if (t.rank !== p.rank || p.shape.some((d, i) => d >= 0 && d !== t.shape[i])) {
        fail('Session.run', `placeholder '${p.name}' has shape [${p.shape.map((d) => (d < 0 ? '?' : d))}], fed ${fmtShape(t.shape)}`);
      }
      out.set(p, t);
    }
    return out;
  }

  /** Node ids to run: the fetches' ancestors, plus stateful nodes whose computation runs. */
  private plan(fetched: SymbolicTensor[], feeds: Map<SymbolicTensor, Tensor>): Set<number> {
    const ancestors = (roots: SymbolicTensor[], into: Set<number>, placeholders: Set<SymbolicTensor>) => {
      const stack = [...roots];
      while (stack.length) {
        const t = stack.pop()!;
        if (t.isPlaceholder) {
          placeholders.add(t);
          continue;
        }
        const n = t.node!;
        if (into.has(n.id)) continue;
        into.add(n.id);
        stack.push(...n.inputs);
      }
    };
    const runSet = new Set<number>();
    const used = new Set<SymbolicTensor>();
    ancestors(fetched, runSet, used);
    const fedOrDefault = (p: SymbolicTensor) => feeds.has(p) || p.defaultValue !== null;
    for (const p of used) {
      if (!fedOrDefault(p)) fail('Session.run', `the fetches need placeholder '${p.name}' (shape [${p.shape.map((d) => (d < 0 ? '?' : d))}], ${p.dtype}), which was not fed`);
    }
    for (const node of this.graph.nodes) {
      if (!node.stateful || runSet.has(node.id)) continue;
      const mine = new Set<number>();
      const ph = new Set<SymbolicTensor>();
      ancestors(node.inputs, mine, ph);
      const shares = [...mine].some((id) => runSet.has(id));
      if (shares && [...ph].every(fedOrDefault)) {
        runSet.add(node.id);
        for (const id of mine) runSet.add(id);
      }
    }
    return runSet;
  }
}

