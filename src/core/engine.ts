/**
 * The engine: backend registry, kernel dispatch, gradient tapes, `tidy` scopes, memory
 * accounting and the numerics check mode. Every op ends in `engine.runKernel`.
 */
import type { Attrs, DataId, KernelBackend, TensorInfo } from './backend.ts';
import { bytesPerElement, type DataType, type TypedArray } from './dtypes.ts';
import { fail, IdemError } from './errors.ts';
import { setTensorHost, Tensor } from './tensor.ts';
import { setVariableHost, Variable } from './variable.ts';

/**
 * A gradient function: given the gradient `dy` of the kernel's (first) output — `dys` holds
 * one per output — and the saved inputs/outputs/attrs, returns one thunk per input name.
 * Thunks run only for inputs that need a gradient. Gradients are written with ops, so they
 * are themselves recorded by outer tapes (second order works).
 */
export type GradFunc = (
  dy: Tensor,
  saved: {
    inputs: Record<string, Tensor>;
    outputs: Tensor[];
    attrs: Attrs;
    /** Names of the inputs whose gradient the backward pass will ask for (absent: unknown, any). */
    needed?: readonly string[];
  },
  dys: Tensor[],
) => Record<string, () => Tensor>;

/**
 * What `tf.function` tracing (src/graph/function.ts) hears from the engine while a function
 * runs for the first time; replaying these events reruns the function without JS control flow.
 */
export interface Tracer {
  kernel(kernelName: string, inputs: Record<string, Tensor>, attrs: Attrs, outputs: Tensor[]): void;
  /** A replayable computation that is not a kernel (random draws, host-side state); one output, several, or none. */
  stateful(inputs: Tensor[], fn: (inputs: Tensor[]) => Tensor | Tensor[] | null, output: Tensor | Tensor[] | null): void;
  /**
   * True when this trace's replays never run under a recording tape (the caller runs the
   * function eagerly then): its backward passes may use backward-only kernels (see
   * `Engine.fastBackward`).
   */
  readonly untapedReplays?: boolean;
  assign(v: Variable, value: Tensor): void;
  /** `t` holds the value variable `v` has now (a snapshot). */
  readVariable(t: Tensor, v: Variable): void;
  hostCall(fn: () => void): void;
  /** Throws if `t` was computed inside the trace (its value differs on every call). */
  checkRead(t: Tensor): void;
}

export interface TapeNode {
  kernelName: string;
  inputNames: string[];
  inputIds: number[];
  inputs: Tensor[];
  outputs: Tensor[];
  attrs: Attrs;
  gradFunc: GradFunc;
}

/** A recording of the ops applied to watched tensors (see autodiff/tape.ts for the public API). */
export class Tape {
  readonly nodes: TapeNode[] = [];
  /** Ids of watched tensors and of everything computed from them while recording. */
  readonly watched = new Set<number>();
  readonly accessedVariables = new Set<Variable>();
  recording = true;
  constructor(readonly watchAccessedVariables: boolean) {}
}

interface DataRecord {
  backend: KernelBackend;
  refs: number;
  bytes: number;
}

interface Scope {
  name: string;
  tracked: Tensor[];
}

interface BackendEntry {
  factory: () => KernelBackend | Promise<KernelBackend>;
  priority: number;
  instance?: KernelBackend;
}

export interface MemoryInfo {
  /** Tensors created and not disposed (exact for code that disposes; tensors reclaimed by the GC stay counted). */
  numTensors: number;
  /** Storage buffers created and not released by dispose (reshape/clone share one). */
  numDataBuffers: number;
  /** Bytes of those buffers. */
  numBytes: number;
  /** Always true: the garbage collector reclaims undisposed tensors without these counts seeing it. */
  unreliable: boolean;
  reasons: string[];
}

/**
 * Per storage buffer: owner backend, reference count (tensors sharing it), size — kept on the
 * backend's `DataId` object under this symbol (a WeakMap lookup per tensor created and disposed
 * cost ~12% of the framework's time in a W1 step).
 */
const RECORD = Symbol('idem.dataRecord');
type Recorded = { [RECORD]?: DataRecord | undefined };
/** Records of frozen (non-extensible) handles, which cannot carry the symbol. */
const frozenRecords = new WeakMap<DataId, DataRecord>();

function recordOf(dataId: DataId): DataRecord | undefined {
  const r = (dataId as Recorded)[RECORD];
  return r !== undefined || Object.isExtensible(dataId) ? r : frozenRecords.get(dataId);
}

function setRecord(dataId: DataId, rec: DataRecord | undefined): void {
  if (Object.isExtensible(dataId)) (dataId as Recorded)[RECORD] = rec;
  else if (rec) frozenRecords.set(dataId, rec);
  else frozenRecords.delete(dataId);
}

export class Engine {
  private readonly registry = new Map<string, BackendEntry>();
  private current: KernelBackend | null = null;
  private currentName = '';
  private readonly gradients = new Map<string, GradFunc>();

  private readonly tapeSaved = new WeakSet<Tensor>();
  private tensorCounter = 0;
  // Counts of what was created and not disposed. No FinalizationRegistry on purpose: its
  // cells are only released by a cleanup task between event-loop turns, so in a synchronous
  // training loop they would grow without bound (measured: ~7 KB per step). The GC still
  // reclaims unreferenced tensors and storage; these counters just cannot see it.
  private liveTensors = 0;
  private liveBuffers = 0;
  private liveBytes = 0;
  private readonly scopes: Scope[] = [];
  /** Active tapes, innermost last. */
  readonly tapes: Tape[] = [];
  private readonly opStack: string[] = [];
  debugMode = false;
  private variableRefs: WeakRef<Variable>[] = [];

  // ---------------------------------------------------------------- backends

  registerBackend(name: string, factory: () => KernelBackend | Promise<KernelBackend>, priority = 1): boolean {
    if (this.registry.has(name)) return false;
    this.registry.set(name, { factory, priority });
    return true;
  }

  /**
   * Removes a registered backend (TF.js `removeBackend`); the current backend falls back to the
   * best remaining one on next use. Returns whether it was registered.
   */
  removeBackend(name: string): boolean {
    if (!this.registry.delete(name)) return false;
    if (this.currentName === name) {
      this.current = null;
      this.currentName = '';
    }
    return true;
  }

  backendNames(): string[] {
    return [...this.registry.keys()];
  }

  /** Instantiates (once) and returns a registered backend. */
  async initBackend(name: string): Promise<KernelBackend> {
    const entry = this.registry.get(name);
    if (!entry) fail('setBackend', `unknown backend '${name}', registered: ${this.backendNames().join(', ')}`);
    if (!entry.instance) entry.instance = await entry.factory();
    return entry.instance;
  }

  private initBackendSync(name: string): KernelBackend {
    const entry = this.registry.get(name);
    if (!entry) fail('setBackend', `unknown backend '${name}', registered: ${this.backendNames().join(', ')}`);
    if (!entry.instance) {
      const b = entry.factory();
      if (b instanceof Promise) fail('setBackend', `backend '${name}' initializes asynchronously: use 'await tf.setBackend(...)'`);
      entry.instance = b;
    }
    return entry.instance;
  }

  /** Selects the backend used by following ops. Returns true (TF.js shape). */
  setBackendSync(name: string): boolean {
    this.current = this.initBackendSync(name);
    this.currentName = name;
    return true;
  }

  async setBackend(name: string): Promise<boolean> {
    this.current = await this.initBackend(name);
    this.currentName = name;
    return true;
  }

  get backend(): KernelBackend {
    if (!this.current) {
      const best = [...this.registry.entries()].sort((a, b) => b[1].priority - a[1].priority)[0];
      if (!best) throw new IdemError('idem: no backend registered');
      this.setBackendSync(best[0]);
    }
    return this.current!;
  }

  get backendName(): string {
    void this.backend;
    return this.currentName;
  }

  findBackend(name: string): KernelBackend | undefined {
    return this.registry.get(name)?.instance;
  }

  hasKernel(kernelName: string): boolean {
    return kernelName in this.backend.kernels;
  }

  // ---------------------------------------------------------------- tensors and storage

  /** Wraps backend storage in a new tensor (storage may be shared: reference-counted). */
  makeTensorFromDataId(dataId: DataId, shape: readonly number[], dtype: DataType, backend?: KernelBackend): Tensor {
    this.retainData(dataId, shape, dtype, backend);
    return new Tensor(dataId, shape, dtype);
  }

  /** Creates a tensor from values on the current backend. `values` is owned by the backend afterwards. */
  /**
   * A float32 tensor holding a copy of `values`: through the backend's `writeCopy` when it has
   * one (one copy into its own storage), else a converted copy handed to `write`.
   */
  makeTensorCopy(values: TypedArray, shape: readonly number[]): Tensor {
    const b = this.backend;
    if (b.writeCopy && b.floatPrecision === 'float32') return this.makeTensorFromDataId(b.writeCopy(values, shape, 'float32'), shape, 'float32', b);
    return this.makeTensor(b.floatPrecision === 'float64' ? new Float64Array(values) : new Float32Array(values), shape, 'float32');
  }

  makeTensor(values: TypedArray, shape: readonly number[], dtype: DataType): Tensor {
    const b = this.backend;
    const dataId = b.write(values, shape, dtype);
    return this.makeTensorFromDataId(dataId, shape, dtype, b);
  }

  /** Counts one more reference to `dataId`, registering it first if `backend` just created it. */
  private retainData(dataId: DataId, shape: readonly number[], dtype: DataType, backend?: KernelBackend): void {
    const rec = recordOf(dataId);
    if (rec) {
      rec.refs++;
      return;
    }
    if (!backend) throw new IdemError('idem: tensor storage belongs to no backend');
    let n = 1;
    for (const d of shape) n *= d;
    const bytes = n * bytesPerElement(dtype);
    setRecord(dataId, { backend, refs: 1, bytes });
    this.liveBuffers++;
    this.liveBytes += bytes;
  }

  private releaseData(dataId: DataId): void {
    const rec = recordOf(dataId);
    if (!rec) return;
    if (--rec.refs > 0) return;
    rec.backend.disposeData(dataId);
    setRecord(dataId, undefined);
    this.liveBuffers--;
    this.liveBytes -= rec.bytes;
  }

  private backendOf(dataId: DataId): KernelBackend {
    const rec = recordOf(dataId);
    if (!rec) throw new IdemError('idem: tensor storage belongs to no backend (was it disposed?)');
    return rec.backend;
  }

  /** Moves a tensor's storage to the current backend if it lives elsewhere. */
  private ensureOnCurrent(t: Tensor): void {
    const b = this.backend;
    const owner = this.backendOf(t.dataId);
    if (owner === b) return;
    const values = owner.readSync(t.dataId).slice();
    const moved = b.write(values, t.shape, t.dtype);
    this.retainData(moved, t.shape, t.dtype, b);
    this.releaseData(t.dataId);
    t.dataId = moved;
  }

  readSync(t: Tensor): TypedArray {
    if (this.tracer && this.tracerPaused === 0) this.tracer.checkRead(t);
    return this.backendOf(t.dataId).readSync(t.dataId);
  }

  /** Whether `t`'s values can be read synchronously (`dataSync`); false for GPU-only values (read them with `await t.data()`). */
  canReadSync(t: Tensor): boolean {
    const b = this.backendOf(t.dataId);
    return b.canReadSync ? b.canReadSync(t.dataId) : true;
  }

  /** A copy of `t`'s values (Tensor.dataSync). */
  readCopy(t: Tensor): TypedArray {
    if (this.tracer && this.tracerPaused === 0) this.tracer.checkRead(t);
    const b = this.backendOf(t.dataId);
    return (b.readSyncForCopy ? b.readSyncForCopy(t.dataId) : b.readSync(t.dataId)).slice();
  }

  read(t: Tensor): Promise<TypedArray> {
    return this.backendOf(t.dataId).read(t.dataId);
  }

  disposeTensor(t: Tensor): void {
    if (t.isDisposed) return;
    t.markDisposed();
    this.liveTensors--;
    this.releaseData(t.dataId);
  }

  nextTensorId(): number {
    return this.tensorCounter++;
  }

  onTensorCreated(t: Tensor): void {
    this.liveTensors++;
    const scope = this.scopes[this.scopes.length - 1];
    if (scope && !(t instanceof Variable)) scope.tracked.push(t);
  }

  memory(): MemoryInfo {
    return {
      numTensors: this.liveTensors,
      numDataBuffers: this.liveBuffers,
      numBytes: this.liveBytes,
      unreliable: true,
      reasons: ['tensors that are never disposed are reclaimed by the garbage collector, which these counts do not see'],
    };
  }

  // ---------------------------------------------------------------- kernels

  /** Runs a single-output kernel on the current backend (recording it on active tapes). */
  runKernel(kernelName: string, inputs: Record<string, Tensor>, attrs: Attrs = {}): Tensor {
    const outs = this.runKernelMulti(kernelName, inputs, attrs);
    if (outs.length !== 1) throw new IdemError(`idem: kernel ${kernelName} returned ${outs.length} outputs, expected 1`);
    return outs[0]!;
  }

  runKernelMulti(kernelName: string, inputs: Record<string, Tensor>, attrs: Attrs = {}): Tensor[] {
    const backend = this.backend;
    const kernel = backend.kernels[kernelName];
    if (!kernel) fail(this.currentOp() ?? kernelName, `kernel '${kernelName}' is not implemented by backend '${this.currentName}'`);
    const infos: Record<string, TensorInfo> = {};
    for (const name in inputs) {
      const t = inputs[name]!;
      if (t.isDisposed) t.throwIfDisposed(`${this.currentOp() ?? kernelName} (argument ${name})`);
      this.ensureOnCurrent(t);
      infos[name] = t;
    }
    const res = kernel({ inputs: infos, attrs, backend });
    const list = Array.isArray(res) ? res : [res];
    const outputs = list.map((info) => this.adoptOutput(info, backend));
    if (this.debugMode && this.dryRun === 0) this.checkNumerics(kernelName, outputs);
    if (this.tapes.length > 0) this.record(kernelName, inputs, outputs, attrs);
    if (this.tracer !== null && this.tracerPaused === 0 && this.dryRun === 0) this.tracer.kernel(kernelName, inputs, attrs, outputs);
    return outputs;
  }

  /** A kernel output either shares an input's storage (reshape) or is new storage. */
  private adoptOutput(info: TensorInfo, backend: KernelBackend): Tensor {
    return this.makeTensorFromDataId(info.dataId, info.shape, info.dtype, backend);
  }

  private checkNumerics(kernelName: string, outputs: Tensor[]): void {
    for (const o of outputs) {
      if (o.dtype !== 'float32') continue;
      const v = this.readSync(o);
      for (let i = 0; i < v.length; i++) {
        const x = v[i]!;
        if (x !== x || x === Infinity || x === -Infinity) {
          const op = this.opStack.length ? this.opStack.join(' > ') : kernelName;
          throw new IdemError(
            `debug mode: ${op} (kernel ${kernelName}) produced ${x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'} ` +
              `at flat index ${i} of its output of shape [${o.shape}]`,
          );
        }
      }
    }
  }

  // ---------------------------------------------------------------- op names (errors, debug mode)

  /**
   * Graph mode hook (set by src/graph): sees every public op call first and may record it
   * instead of running it (when an argument is symbolic). Null in plain eager code.
   */
  opInterceptor: ((name: string, fn: (...a: unknown[]) => unknown, thisArg: unknown, args: unknown[]) => { handled: boolean; value?: unknown }) | null = null;
  /**
   * Depth of shape-inference dry runs (src/graph): ops run on stand-in values, and state is
   * left alone: variable assignments are skipped, random sequences do not advance.
   */
  dryRun = 0;
  /** Set when a dry run skipped a state change (the recorded op is stateful). */
  dryRunSkippedEffect = false;
  /** Active `tf.function` trace, if any. */
  tracer: Tracer | null = null;
  private tracerPaused = 0;

  /**
   * Runs `fn(inputs)` as one replayable step: under `tf.function` tracing it is recorded as a
   * unit (kernels inside are not), so a replay runs `fn` again — random ops use this to draw new
   * numbers on every call.
   */
  runStateful<T extends Tensor | Tensor[] | null>(inputs: Tensor[], fn: (inputs: Tensor[]) => T): T {
    const tracer = this.tracerPaused === 0 ? this.tracer : null;
    if (!tracer) return fn(inputs);
    this.tracerPaused++;
    let out: T;
    try {
      out = fn(inputs);
    } finally {
      this.tracerPaused--;
    }
    tracer.stateful(inputs, fn, out);
    return out;
  }

  /**
   * Runs a state change as one replayable step (an optimizer's update: its host-side step
   * counter and learning-rate schedule advance on every `tf.function` replay, with the new
   * values of `inputs`).
   */
  runEffect(inputs: Tensor[], fn: (inputs: Tensor[]) => void): void {
    this.runStateful(inputs, (xs) => {
      fn(xs);
      return null;
    });
  }

  /** Runs host-side code (e.g. an optimizer's step counter) now and on every `tf.function` replay. */
  hostCall(fn: () => void): void {
    fn();
    if (this.tracer && this.tracerPaused === 0) this.tracer.hostCall(fn);
  }

  /**
   * Whether a gradient function may compute with a backward-only kernel (one whose own
   * gradient is not defined, or defined less exactly than the composition's): only when no tape
   * records this backward pass — now, nor on a replay of a `tf.function` trace being made now
   * (plain traces may be replayed under a tape; `untapedReplays` ones never are).
   */
  fastBackward(): boolean {
    if (this.isRecording()) return false;
    return this.tracer === null || this.tracerPaused > 0 || this.tracer.untapedReplays === true;
  }

  /** Whether a `tf.function` trace whose replays may run under a tape is being made now. */
  get tracingTaped(): boolean {
    return this.tracer !== null && this.tracerPaused === 0 && this.tracer.untapedReplays !== true;
  }

  /** Runs `fn` with `name` on the op stack (used by `op()` wrappers for messages). */
  withOpName<T>(name: string, fn: () => T): T {
    this.opStack.push(name);
    try {
      return fn();
    } finally {
      this.opStack.pop();
    }
  }

  currentOp(): string | undefined {
    return this.opStack[this.opStack.length - 1];
  }

  // ---------------------------------------------------------------- gradients and tapes

  registerGradient(kernelName: string, gradFunc: GradFunc): void {
    this.gradients.set(kernelName, gradFunc);
  }

  getGradient(kernelName: string): GradFunc | undefined {
    return this.gradients.get(kernelName);
  }

  private savedCopy(t: Tensor): Tensor {
    // A variable may be reassigned before the gradient is taken: save its current value.
    if (t instanceof Variable) return this.snapshot(t);
    return t;
  }

  private record(kernelName: string, inputs: Record<string, Tensor>, outputs: Tensor[], attrs: Attrs): void {
    const grad = this.gradients.get(kernelName);
    this.recordNode(kernelName, inputs, outputs, attrs, grad);
  }

  /**
   * Records a node on every active tape that watches one of its inputs. `gradFunc` undefined
   * marks a non-differentiable kernel: it is recorded only so that an attempt to differentiate
   * through it fails clearly.
   */
  recordNode(
    kernelName: string,
    inputs: Record<string, Tensor>,
    outputs: Tensor[],
    attrs: Attrs,
    gradFunc: GradFunc | undefined,
  ): void {
    let node: TapeNode | null = null;
    for (const tape of this.tapes) {
      if (!tape.recording) continue;
      let hit = false;
      for (const name in inputs) {
        const t = inputs[name]!;
        if (tape.watched.has(t.id)) hit = true;
        else if (t instanceof Variable && t.trainable && tape.watchAccessedVariables) {
          tape.watched.add(t.id);
          tape.accessedVariables.add(t);
          hit = true;
        }
      }
      if (!hit) continue;
      if (!node) {
        const names = Object.keys(inputs);
        node = {
          kernelName,
          inputNames: names,
          inputIds: names.map((n) => inputs[n]!.id),
          inputs: names.map((n) => this.savedCopy(inputs[n]!)),
          outputs,
          attrs,
          gradFunc: gradFunc ?? nonDifferentiable(kernelName),
        };
        for (const t of node.inputs) this.tapeSaved.add(t);
        for (const t of outputs) this.tapeSaved.add(t);
      }
      tape.nodes.push(node);
      for (const o of outputs) tape.watched.add(o.id);
    }
  }

  /** Whether a kernel run now would be recorded by some tape (e.g. a backward pass taken under an outer tape). */
  isRecording(): boolean {
    for (const t of this.tapes) if (t.recording) return true;
    return false;
  }

  /** Runs `fn` with every tape paused (its ops are not recorded). */
  withoutTapes<T>(fn: () => T): T {
    const paused = this.tapes.filter((t) => t.recording);
    for (const t of paused) t.recording = false;
    try {
      return fn();
    } finally {
      for (const t of paused) t.recording = true;
    }
  }

  pushTape(tape: Tape): void {
    this.tapes.push(tape);
  }

  popTape(tape: Tape): void {
    const i = this.tapes.lastIndexOf(tape);
    if (i >= 0) this.tapes.splice(i, 1);
  }

  isTapeSaved(t: Tensor): boolean {
    return this.tapeSaved.has(t);
  }

  // ---------------------------------------------------------------- scopes (tidy)

  startScope(name: string): void {
    this.scopes.push({ name, tracked: [] });
  }

  /** Ends the innermost scope, disposing its tensors except `keepers`, which move to the parent scope. */
  endScope(keepers: Set<Tensor>): void {
    const scope = this.scopes.pop();
    if (!scope) return;
    for (const t of scope.tracked) {
      if (keepers.has(t) || t.kept || t.isDisposed || (this.tapes.length > 0 && this.tapeSaved.has(t))) continue;
      this.disposeTensor(t);
    }
    const parent = this.scopes[this.scopes.length - 1];
    if (parent) {
      for (const t of keepers) if (!(t instanceof Variable)) parent.tracked.push(t);
      // Tensors saved by a live tape survive this scope; the parent owns them now.
      for (const t of scope.tracked) if (!t.isDisposed && !keepers.has(t) && !t.kept) parent.tracked.push(t);
    }
  }

  // ---------------------------------------------------------------- variables

  registerVariable(v: Variable): void {
    this.retainData(v.dataId, v.shape, v.dtype);
    this.variableRefs.push(new WeakRef(v));
    if (this.variableRefs.length > 1024 && this.variableRefs.length % 1024 === 0) {
      this.variableRefs = this.variableRefs.filter((r) => r.deref() !== undefined);
    }
  }

  /** Variables alive, in creation order. */
  liveVariables(): Variable[] {
    const out: Variable[] = [];
    for (const r of this.variableRefs) {
      const v = r.deref();
      if (v && !v.isDisposed) out.push(v);
    }
    return out;
  }

  /** A tensor sharing the variable's current storage (it keeps this value after a later assign). */
  snapshot(v: Variable): Tensor {
    const t = this.makeTensorFromDataId(v.dataId, v.shape, v.dtype);
    if (this.tracer && this.tracerPaused === 0) this.tracer.readVariable(t, v);
    return t;
  }

  assignVariable(v: Variable, value: Tensor): void {
    if (this.dryRun > 0) {
      this.dryRunSkippedEffect = true;
      return;
    }
    if (this.tracer && this.tracerPaused === 0) this.tracer.assign(v, value);
    this.ensureOnCurrent(value);
    const old = v.dataId;
    this.retainData(value.dataId, value.shape, value.dtype);
    v.dataId = value.dataId;
    this.releaseData(old);
  }
}

function nonDifferentiable(kernelName: string): GradFunc {
  return () => {
    throw new IdemError(`gradient: kernel '${kernelName}' has no gradient defined (it is not differentiable)`);
  };
}

const KEY = Symbol.for('idem.engine');
type G = typeof globalThis & { [KEY]?: Engine };

/** The process-wide engine (shared if idem is loaded twice). */
export const ENGINE: Engine = ((globalThis as G)[KEY] ??= new Engine());

setTensorHost({
  readSync: (t) => ENGINE.readSync(t),
  readCopy: (t) => ENGINE.readCopy(t),
  read: (t) => ENGINE.read(t),
  disposeTensor: (t) => ENGINE.disposeTensor(t),
  nextTensorId: () => ENGINE.nextTensorId(),
  onTensorCreated: (t) => ENGINE.onTensorCreated(t),
});

setVariableHost({
  assign: (v, value) => ENGINE.assignVariable(v, value),
  read: (v) => ENGINE.snapshot(v),
  registerVariable: (v) => ENGINE.registerVariable(v),
  interceptAssign: (v, value, how) =>
    ENGINE.opInterceptor === null ? { handled: false } : ENGINE.opInterceptor(how, (x) => v[how](x as Tensor).read(), v, [value]),
  combine: (kernel, a, b) => ENGINE.withoutTapes(() => ENGINE.runKernel(kernel, { a, b })),
});
