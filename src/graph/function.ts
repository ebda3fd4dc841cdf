/**
 * `tf.function(fn)`: trace once per input signature, replay afterwards.
 *
 * The first call with a new signature (the shapes and dtypes of the tensor arguments and the
 * values of the other arguments) runs `fn` eagerly while the engine reports every kernel call,
 * variable read and assignment, random draw and optimizer step to a trace. Later calls with the
 * same signature replay that trace with the new arguments: the same kernels in the same order,
 * so results are bit-identical to eager execution. Random ops and optimizer updates are
 * recorded as replayable units, so every replay draws new numbers and advances optimizer state
 * exactly as an eager call would; variables are read when the replay reaches them.
 *
 * Like TensorFlow, a trace cannot see JavaScript control flow that depends on tensor values:
 * reading the value of a tensor computed inside the function while tracing throws.
 * Tensors created inside `fn` from JavaScript values are captured as constants.
 *
 * Plain arguments (numbers, strings) are part of the signature, so a function called with a new
 * JavaScript number each time traces each time. As TensorFlow does, idem warns when most recent
 * calls traced anew (at most twice per function), and it keeps only the `maxFunctionTraces` most
 * recently used traces of a function (`tf.setLimits`), dropping the oldest with the constants
 * its tracing created.
 */
import type { Attrs } from '../core/backend.ts';
import type { KernelName } from '../core/kernels.ts';
import type { Effect, Frame } from '../core/context.ts';
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { getLimits } from '../core/limits.ts';
import { Tensor } from '../core/tensor.ts';
import { Variable } from '../core/variable.ts';
import { isRecording } from '../autodiff/tape.ts';
import { mapTensors } from './graph.ts';
import { ShapeProbe } from './probe.ts';

type Ref = { k: 'arg'; i: number } | { k: 'slot'; i: number } | { k: 'const'; t: Tensor };

type EffectOut = Tensor | Tensor[] | null;

type Event =
  | { type: 'kernel'; name: KernelName; inputNames: string[]; inputs: Ref[]; attrs: Attrs; outs: number[] }
  | { type: 'effect'; inputs: Ref[]; run: (inputs: Tensor[]) => EffectOut; standIn: (inputs: Tensor[]) => EffectOut; out: number | number[] }
  | { type: 'assign'; v: Variable; value: Ref }
  | { type: 'read'; v: Variable; out: number };

/**
 * The frame of a `tf.function`'s first call with a signature: it hears every kernel call,
 * effect (as one unit: the kernels inside are not recorded), variable read and assignment, and
 * value read of the function's run.
 */
class FunctionTrace implements Frame {
  readonly name = 'tf.function trace';
  readonly events: Event[] = [];
  private readonly slots = new Map<Tensor, number>();
  nSlots = 0;
  /** Constants this trace's call created (tensor ids after `firstId`): dropped with the trace. */
  readonly ownConsts = new Set<Tensor>();
  private readonly firstId = ENGINE.nextTensorId();
  /** Depth of effects running now (their kernels are not recorded). */
  private inEffect = 0;
  /**
   * `untapedReplays`: the replays never run under a recording tape (the caller runs the function
   * eagerly then), so backward-only kernels may be traced.
   */
  constructor(private readonly args: Map<Tensor, number>, readonly untapedReplays: boolean) {}

  /** A trace that plain replays may run under a tape records differentiable kernels only. */
  get differentiable(): boolean {
    return !this.untapedReplays && this.inEffect === 0;
  }

  ref(t: Tensor): Ref {
    const a = this.args.get(t);
    if (a !== undefined) return { k: 'arg', i: a };
    const s = this.slots.get(t);
    if (s !== undefined) return { k: 'slot', i: s };
    // A variable passed directly is read when the replay reaches this point.
    if (!(t instanceof Variable)) {
      if (!t.kept && t.id > this.firstId) this.ownConsts.add(t);
      t.kept = true;
    }
    return { k: 'const', t };
  }

  private slot(t: Tensor): number {
    const i = this.nSlots++;
    this.slots.set(t, i);
    return i;
  }

  kernel(name: KernelName, inputs: Record<string, Tensor>, attrs: Attrs, outputs: Tensor[]): void {
    if (this.inEffect > 0) return;
    const names = Object.keys(inputs);
    this.events.push({ type: 'kernel', name, inputNames: names, inputs: names.map((n) => this.ref(inputs[n]!)), attrs, outs: outputs.map((o) => this.slot(o)) });
  }

  effect<T>(e: Effect<T>, next: () => T): T {
    if (this.inEffect > 0) return next();
    this.inEffect++;
    let output: T;
    try {
      output = next();
    } finally {
      this.inEffect--;
    }
    const o = output as EffectOut;
    const out = Array.isArray(o) ? o.map((t) => this.slot(t)) : o ? this.slot(o) : -1;
    const run = e.run as (inputs: Tensor[]) => EffectOut;
    const standIn = e.standIn as (inputs: Tensor[]) => EffectOut;
    this.events.push({ type: 'effect', inputs: e.inputs.map((t) => this.ref(t)), run, standIn, out });
    return output;
  }

  assign(v: Variable, value: Tensor): void {
    if (this.inEffect === 0) this.events.push({ type: 'assign', v, value: this.ref(value) });
  }

  readVariable(t: Tensor, v: Variable): void {
    if (this.inEffect === 0) this.events.push({ type: 'read', v, out: this.slot(t) });
  }

  /** Set when an untaped trace saw a read of a traced tensor: it cannot be replayed. */
  unreplayable = false;

  readValue(t: Tensor): void {
    if (this.inEffect > 0) return;
    if (this.args.has(t) || this.slots.has(t)) {
      if (this.untapedReplays) {
        // This call runs eagerly anyway: finish it, then keep this signature eager.
        this.unreplayable = true;
        return;
      }
      fail('tf.function', `cannot read the value of a tensor computed inside a traced function (shape [${t.shape}]): the trace would bake in this call's value; compute with ops instead`);
    }
  }

  /** Drops trace-time references that replays do not need. */
  seal(): void {
    this.slots.clear();
    this.args.clear();
  }
}

interface Traced {
  trace: FunctionTrace;
  /** `fn`'s result with tensors replaced by refs. */
  template: unknown;
}

/**
 * The cache key of a call — the current backend, tensors by dtype and shape (collected, in
 * order, as the replay's arguments; a repeated one by its position), variables by id, plain
 * values by value — and its distinct tensors. Written out by hand rather than with a
 * `JSON.stringify` replacer (a call into JavaScript per value): it runs on every call of a
 * traced function, e.g. every compiled train step.
 */
function signatureOf(args: unknown[]): { key: string; tensors: Tensor[] } {
  const tensors: Tensor[] = [];
  // A tensor passed twice is one argument of the trace: the key says so (a later call passing
  // two different tensors there needs its own trace).
  const tensorKey = (t: Tensor): string => {
    const seen = tensors.indexOf(t);
    if (seen >= 0) return `A${seen}`;
    tensors.push(t);
    return `T${t.dtype}[${t.shape.join(',')}]`;
  };
  const enc = (v: unknown): string => {
    if (v instanceof Variable) return `V${v.id};`;
    if (v instanceof Tensor) return tensorKey(v) + ';';
    switch (typeof v) {
      case 'number':
        return `#${v};`;
      case 'string':
        return `${JSON.stringify(v)};`;
      case 'boolean':
        return v ? 't;' : 'f;';
      case 'undefined':
        return 'u;';
      case 'function':
        fail('tf.function', 'arguments must be tensors or plain values, received a function');
    }
    if (v === null) return 'n;';
    if (Array.isArray(v)) {
      let k = '[';
      for (let i = 0; i < v.length; i++) k += enc(v[i]);
      return `${k}]`;
    }
    const proto = typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
    if (proto === Object.prototype || proto === null) {
      let k = '{';
      for (const key of Object.keys(v as object)) k += `${JSON.stringify(key)}:${enc((v as Record<string, unknown>)[key])}`;
      return `${k}}`;
    }
    // Anything else (a class instance, a Date, a bigint): its JSON form, tensors found inside.
    return `J${JSON.stringify(v, (_k, x: unknown) => {
      if (x instanceof Variable) return `V${x.id}`;
      if (x instanceof Tensor) return tensorKey(x);
      if (typeof x === 'function') fail('tf.function', 'arguments must be tensors or plain values, received a function');
      if (typeof x === 'bigint') return `${x}n`;
      return x;
    })};`;
  };
  // The backend too: a trace holds its kernels (a native trace's fused kernels exist nowhere else).
  let key = `${ENGINE.backendName}|`;
  for (const a of args) key += enc(a);
  return { key, tensors };
}

/** A traced function, with the number of traces it made and keeps (for tests and diagnostics). */
export interface TracedFunction<A extends unknown[], R> {
  (...args: A): R;
  readonly traceCount: number;
  /** Signatures it holds a trace (or an eager marker) for now, at most `maxFunctionTraces`. */
  readonly cachedTraces: number;
}

/** Calls remembered for the retracing warning, and how many of them must have traced (TensorFlow's 10 and 5). */
const WARN_WINDOW = 10;
const WARN_TRACES = 5;
const WARN_MAX = 2;

/** Drops a trace: the constants its own call created, except those in its result, are disposed. */
function dropTrace(t: Traced): void {
  const inResult = new Set<Tensor>();
  const walk = (x: unknown): void => {
    if (x instanceof RefBox) {
      if (x.r.k === 'const') inResult.add(x.r.t);
    } else if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype) Object.values(x).forEach(walk);
  };
  walk(t.template);
  for (const c of t.trace.ownConsts) {
    if (inResult.has(c) || c.isDisposed) continue;
    c.kept = false;
    c.dispose();
  }
}

/**
 * `tf.function(fn)` (exported under the name `function`). `options.untapedReplays` (internal,
 * Keras's compiled train step): a call under a recording tape runs `fn` eagerly instead of a
 * replay, so traces may hold backward-only kernels (`ENGINE.mayUse`).
 *
 * The function runs op by op, without tracing or replaying, inside another trace (which records
 * its kernels), inside a shape probe, under a frame that watches op calls (graph mode,
 * tf.compare's op trace, debug mode: a replay makes no op calls) and, for `untapedReplays`, under
 * a recording tape.
 */
export function tfFunction<A extends unknown[], R>(fn: (...args: A) => R, options: { untapedReplays?: boolean } = {}): TracedFunction<A, R> {
  if (typeof fn !== 'function') fail('tf.function', '`fn` must be a function');
  const untaped = options.untapedReplays === true;
  // Insertion order is recency order: a hit moves its entry to the end, the first is dropped first.
  const cache = new Map<string, Traced | 'eager'>();
  let traces = 0;
  const recent: boolean[] = []; // the last WARN_WINDOW calls: did each trace?
  let warnings = 0;
  const remember = (traced: boolean) => {
    recent.push(traced);
    if (recent.length > WARN_WINDOW) recent.shift();
    const n = recent.filter(Boolean).length;
    if (traced && n >= WARN_TRACES && warnings < WARN_MAX) {
      warnings++;
      console.warn(`tf.function: ${n} of the last ${recent.length} calls to '${fn.name || 'anonymous'}' traced it anew (${traces} traces so far). Tracing is slow: each new tensor shape or dtype, ` +
        `and each new plain argument value (a JavaScript number or string), makes a new trace. Pass values that change between calls as tensors (tf.scalar(x)), and create the tf.function once, ` +
          `outside loops. idem keeps the ${getLimits().maxFunctionTraces} most recently used traces (tf.setLimits({maxFunctionTraces})).`);
      recent.length = 0;
    }
  };
  const store = (key: string, entry: Traced | 'eager') => {
    cache.set(key, entry);
    while (cache.size > getLimits().maxFunctionTraces) {
      const [oldKey, old] = cache.entries().next().value as [string, Traced | 'eager'];
      cache.delete(oldKey);
      if (old !== 'eager') dropTrace(old);
    }
  };
  const call = (...args: A): R => {
    if (runsOpByOp(untaped)) return fn(...args);
    const { key, tensors } = signatureOf(args);
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      cache.set(key, hit);
      remember(false);
    }
    if (hit === 'eager') return fn(...args);
    if (hit) return replay(hit, tensors) as R;
    remember(true);
    const argIndex = new Map<Tensor, number>();
    tensors.forEach((t, i) => argIndex.set(t, i));
    const trace = new FunctionTrace(argIndex, untaped);
    const result = ENGINE.frames.with(trace, () => fn(...args));
    if (result instanceof Promise) fail('tf.function', 'the function must be synchronous');
    if (trace.unreplayable) {
      store(key, 'eager');
      return result;
    }
    const template = mapTensors(result, (t) => new RefBox(trace.ref(t)) as unknown as Tensor);
    trace.seal();
    traces++;
    store(key, { trace, template });
    return result;
  };
  Object.defineProperty(call, 'traceCount', { get: () => traces });
  Object.defineProperty(call, 'cachedTraces', { get: () => cache.size });
  return call as TracedFunction<A, R>;
}

/** A ref inside a result template. */
class RefBox {
  constructor(readonly r: Ref) {}
}

function fillTemplate(x: unknown, get: (r: Ref) => Tensor): unknown {
  if (x instanceof RefBox) return get(x.r);
  if (Array.isArray(x)) return x.map((e) => fillTemplate(e, get));
  if (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = fillTemplate(v, get);
    return out;
  }
  return x;
}

function replay(t: Traced, args: Tensor[]): unknown {
  const slots: (Tensor | undefined)[] = new Array(t.trace.nSlots);
  const get = (r: Ref): Tensor => {
    if (r.k === 'arg') return args[r.i]!;
    if (r.k === 'const') return r.t;
    const v = slots[r.i];
    if (!v) throw new Error(`tf.function: internal error, slot ${r.i} is empty`);
    return v;
  };
  for (const e of t.trace.events) {
    switch (e.type) {
      case 'kernel': {
        const inputs: Record<string, Tensor> = {};
        e.inputNames.forEach((n, i) => (inputs[n] = get(e.inputs[i]!)));
        const outs = ENGINE.runKernelMulti(e.name, inputs, e.attrs);
        e.outs.forEach((s, i) => (slots[s] = outs[i]));
        break;
      }
      case 'effect': {
        const out = ENGINE.effect(e.inputs.map(get), e.run, e.standIn);
        if (Array.isArray(e.out)) e.out.forEach((sl, i) => (slots[sl] = (out as Tensor[])[i]));
        else if (e.out >= 0) slots[e.out] = out as Tensor;
        break;
      }
      case 'assign':
        e.v.assign(get(e.value));
        break;
      case 'read':
        slots[e.out] = e.v.read();
        break;
    }
  }
  return fillTemplate(t.template, get);
}


/** Whether a `tf.function` trace is being made now. */
export function isTracing(): boolean {
  return ENGINE.frames.all().some((f) => f instanceof FunctionTrace);
}

/** See `tfFunction`: when a traced function runs its function op by op. */
function runsOpByOp(untaped: boolean): boolean {
  const frames = ENGINE.frames;
  if (frames.length === 0) return false;
  if (frames.watchingOps) return true;
  for (const f of frames.all()) if (f instanceof FunctionTrace || f instanceof ShapeProbe) return true;
  return untaped && isRecording();
}
