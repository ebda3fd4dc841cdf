/**
 * Op-level tracing of one forward pass, for `compare` and `lint`.
 *
 * While a traced function runs, an `OpTrace` frame on the engine's stack sees every public op
 * call. The top-level ones (not those an op makes internally) are recorded with their output,
 * first input, the variables among their arguments and, for Keras models, the layer whose call
 * made them (the innermost layer scope open: Layer.apply runs `call` in one). It needs the
 * op-level composition: a fused op (`fused.matMul`, `batchNormTraining`) shows its composition's
 * ops — matMul / add / activation — however each model was written. Variable assignments
 * (batch-norm moving statistics) are noted.
 *
 * Dropout masks are made comparable: the k-th top-level `dropout` call of a traced run draws
 * from a fresh `SeedGenerator(maskSeed·1009 + k)` instead of the seed it was given, so two models
 * whose dropouts have the same rate get the same masks, and neither the layers' own generators
 * nor the global sequence advance (compare leaves the user's random state alone).
 */
import type { Frame, OpFn } from '../core/context.ts';
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';
import { Variable } from '../core/variable.ts';
import { SeedGenerator } from '../random/seed.ts';
import { executingEagerly } from '../graph/graph.ts';
import type { Layer } from '../layers/layer.ts';

export interface OpRecord {
  /** Position in the trace (0-based). */
  index: number;
  op: string;
  /** Layer that made the call (Keras), else null. */
  layer: Layer | null;
  output: Tensor;
  /** The first tensor argument (dropout: the input whose units are dropped). */
  input: Tensor | null;
  /** Every tensor argument (variables included). */
  inputs: Tensor[];
  /** Variables among the arguments, in argument order. */
  params: Variable[];
  /** Dropout's `rate` argument. */
  rate?: number;
}

export interface Trace<T> {
  result: T;
  ops: OpRecord[];
  /** Variables assigned during the run (top level or inside layers), in order, deduplicated. */
  assigned: Variable[];
}

const ASSIGNS = new Set(['assign', 'assignAdd', 'assignSub']);

/** The frame of a traced run: records the top-level op calls. */
class OpTrace implements Frame {
  readonly name = 'tf.compare op trace';
  readonly watchesOps = true;
  readonly needsComposition = true;
  readonly ops: OpRecord[] = [];
  readonly assigned: Variable[] = [];
  private depth = 0;
  private dropouts = 0;

  constructor(private readonly layers: ReadonlySet<Layer>, private readonly maskSeed: number | null) {}

  /** The innermost open layer scope among the traced layers. */
  private layer(): Layer | null {
    const scopes = ENGINE.openScopes();
    for (let i = scopes.length - 1; i >= 0; i--) if (this.layers.has(scopes[i] as Layer)) return scopes[i] as Layer;
    return null;
  }

  opCall(name: string, f: OpFn, thisArg: unknown, args: unknown[]): { value: unknown } | undefined {
    if (ASSIGNS.has(name)) {
      if (thisArg instanceof Variable && !this.assigned.includes(thisArg)) this.assigned.push(thisArg);
      return undefined;
    }
    if (this.depth > 0) return undefined;
    let a = args;
    let rate: number | undefined;
    if (name === 'dropout') {
      rate = typeof args[1] === 'number' ? args[1] : undefined;
      if (this.maskSeed !== null) {
        a = [...args];
        while (a.length < 3) a.push(undefined);
        a[3] = new SeedGenerator(this.maskSeed * 1009 + this.dropouts);
      }
      this.dropouts++;
    }
    this.depth++;
    let value: unknown;
    try {
      value = ENGINE.withOpName(name, () => f.apply(thisArg, a));
    } finally {
      this.depth--;
    }
    const out = value instanceof Tensor ? value : Array.isArray(value) && value[0] instanceof Tensor ? (value[0] as Tensor) : null;
    if (out !== null) {
      const params: Variable[] = [];
      const inputs: Tensor[] = [];
      const visit = (x: unknown) => {
        if (x instanceof Variable) {
          if (!params.includes(x)) params.push(x);
        }
        if (x instanceof Tensor) inputs.push(x);
      };
      for (const x of a) {
        if (Array.isArray(x)) x.forEach(visit);
        else if (x !== null && typeof x === 'object' && !(x instanceof Tensor) && Object.getPrototypeOf(x) === Object.prototype) Object.values(x).forEach(visit);
        else visit(x);
      }
      const ops = this.ops;
      ops.push({ index: ops.length, op: name, layer: this.layer(), output: out, input: inputs[0] ?? null, inputs, params, ...(rate !== undefined ? { rate } : {}) });
    }
    return { value };
  }
}

/**
 * Runs `fn` with op recording. `layers`: Keras layers whose calls attribute ops. `maskSeed`:
 * reseed dropout (null: leave it alone).
 */
export function traceRun<T>(fn: () => T, layers: Layer[], maskSeed: number | null, op = 'compare'): Trace<T> {
  if (!executingEagerly()) fail(op, 'needs eager execution (graph mode is on: call tf.enableEagerExecution() first)');
  // Graph mode may have been used earlier in the process: its recorder stays on the stack (it
  // only acts on symbolic tensors once eager execution is back on); this frame, above it,
  // handles every top-level op call first.
  const frame = new OpTrace(new Set(layers), maskSeed);
  const result = ENGINE.frames.with(frame, fn);
  return { result, ops: result instanceof Tensor ? pruneToResult(frame.ops, result) : frame.ops, assigned: frame.assigned };
}

/**
 * Keeps the ops the result depends on (walking tensor arguments back from it), renumbered: the
 * bookkeeping of state updates (batch-norm moving averages feed only \`assign\`) is left out, so
 * two implementations of the same forward pass align.
 */
export function pruneToResult(ops: OpRecord[], result: Tensor): OpRecord[] {
  const producer = new Map<Tensor, OpRecord>();
  for (const r of ops) producer.set(r.output, r);
  const live = new Set<OpRecord>();
  const stack: Tensor[] = [result];
  while (stack.length) {
    const t = stack.pop()!;
    const r = producer.get(t);
    if (!r || live.has(r)) continue;
    live.add(r);
    stack.push(...r.inputs);
  }
  // A result no recorded op produced (made outside the op layer): keep everything.
  if (live.size === 0) return ops;
  return ops.filter((r) => live.has(r)).map((r, i) => ({ ...r, index: i }));
}

/** Longest-common-subsequence alignment of two op traces by op name: pairs in order; a side is null where only the other has the op. */
export function alignOps(a: OpRecord[], b: OpRecord[]): { a: OpRecord | null; b: OpRecord | null }[] {
  const n = a.length;
  const m = b.length;
  const L: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      L[i]![j] = a[i]!.op === b[j]!.op ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
    }
  }
  const out: { a: OpRecord | null; b: OpRecord | null }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i]!.op === b[j]!.op) out.push({ a: a[i++]!, b: b[j++]! });
    else if (L[i + 1]![j]! >= L[i]![j + 1]!) out.push({ a: a[i++]!, b: null });
    else out.push({ a: null, b: b[j++]! });
  }
  while (i < n) out.push({ a: a[i++]!, b: null });
  while (j < m) out.push({ a: null, b: b[j++]! });
  return out;
}
