/**
 * The engine: backend registry, kernel dispatch, the stack of frames (src/core/context.ts) and
 * the one question it answers from them (`mayUse`), `tidy` scopes, memory accounting. Every op
 * ends in `engine.runKernel`.
 */
import type { Attrs, DataId, KernelBackend, TensorInfo } from './backend.ts';
import { FrameStack, type Effect, type OpFn } from './context.ts';
import { bytesPerElement, type DataType, type TypedArray } from './dtypes.ts';
import { fail, IdemError } from './errors.ts';
import { KERNEL_NAMES, kernelKind, NOT_DIFFERENTIABLE, type KernelAttrs, type KernelInputs, type KernelName, type KernelUse } from './kernels.ts';
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
    /** Which outputs received a gradient (the others' `dys` entries are zeros, made on first use). */
    given?: readonly boolean[];
  },
  dys: Tensor[],
) => Record<string, () => Tensor>;

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

/** `Engine.kernelReport`: what a backend's kernel table covers. */
export interface KernelReport {
  backend: string;
  missing: KernelName[];
  missingFused: KernelName[];
  unknown: string[];
  withoutGradient: KernelName[];
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
  private readonly gradients = new Map<KernelName, GradFunc>();
  /** What watches or changes the computation now: tapes, traces, graph mode, probes, debug mode. */
  readonly frames = new FrameStack();

  private tensorCounter = 0;
  // Counts of what was created and not disposed. No FinalizationRegistry on purpose: its
  // cells are only released by a cleanup task between event-loop turns, so in a synchronous
  // training loop they would grow without bound (measured: ~7 KB per step). The GC still
  // reclaims unreferenced tensors and storage; these counters just cannot see it.
  private liveTensors = 0;
  private liveBuffers = 0;
  private liveBytes = 0;
  private readonly scopes: Scope[] = [];
  private readonly opStack: string[] = [];
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
    if (!entry.instance) this.adopt(name, entry, await entry.factory());
    return entry.instance!;
  }

  /**
   * Keeps a backend's new instance and reports, once, the primitive kernels it lacks (an op that
   * needs one fails on it) and the names in its table that are no kernel (a misspelt name is
   * never called): `kernelReport` has the full report.
   */
  private adopt(name: string, entry: BackendEntry, backend: KernelBackend): void {
    entry.instance = backend;
    const r = this.kernelReport(name);
    if (r.missing.length || r.unknown.length) {
      const parts = [r.missing.length ? `lacks ${r.missing.length} kernel(s) ops call (${r.missing.join(', ')})` : '', r.unknown.length ? `has kernels no op calls ` +
        `(${r.unknown.join(', ')}: misspelt?)` : ''];
      console.warn(`idem: backend '${name}' ${parts.filter(Boolean).join('; ')}`);
    }
  }

  /**
   * What a registered backend's kernel table covers (it is instantiated first if it can be,
   * synchronously): `missing`, the primitive kernels it lacks (ops calling them fail on it);
   * `missingFused`, the fused and backward-only kernels it lacks (ops run their compositions
   * there); `unknown`, names in its table that are no kernel (src/core/kernels.ts); and
   * `withoutGradient`, the kernels with no registered gradient that should have one (not in
   * `NOT_DIFFERENTIABLE`) — a property of the ops loaded, the same for every backend.
   */
  kernelReport(name: string): KernelReport {
    const b = this.registry.get(name)?.instance ?? this.initBackendSync(name);
    const has = (k: string) => k in b.kernels;
    const known = new Set<string>(KERNEL_NAMES);
    return {
      backend: name,
      missing: KERNEL_NAMES.filter((k) => kernelKind(k) === 'primitive' && !has(k)),
      missingFused: KERNEL_NAMES.filter((k) => kernelKind(k) !== 'primitive' && !has(k)),
      unknown: Object.keys(b.kernels).filter((k) => !known.has(k)),
      withoutGradient: KERNEL_NAMES.filter((k) => !NOT_DIFFERENTIABLE.has(k) && !this.gradients.has(k)),
    };
  }

  private initBackendSync(name: string): KernelBackend {
    const entry = this.registry.get(name);
    if (!entry) fail('setBackend', `unknown backend '${name}', registered: ${this.backendNames().join(', ')}`);
    if (!entry.instance) {
      const b = entry.factory();
      if (b instanceof Promise) fail('setBackend', `backend '${name}' initializes asynchronously: use 'await tf.setBackend(...)'`);
      this.adopt(name, entry, b);
    }
    return entry.instance!;
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

  hasKernel(kernelName: KernelName): boolean {
    return kernelName in this.backend.kernels;
  }

  /**
   * Whether an op may run `kernel`, a fused kernel it declares next to its composition: the
   * backend has it and no frame rules it out — a fused kernel (it has a gradient) unless a frame
   * needs the op-level composition, a backward-only kernel only when no frame records what runs
   * for a later differentiation (src/core/kernels.ts lists which kernel is which). `use`
   * 'inference' (a use without a gradient): only when no frame sees the computation (paused
   * tapes aside).
   */
  mayUse(kernel: KernelName, use: KernelUse = kernelKind(kernel)): boolean {
    if (!(kernel in this.backend.kernels)) return false;
    if (this.frames.length === 0) return true;
    if (use === 'inference') return this.frames.visible().every((f) => f.recording === false);
    return use === 'backward' ? !this.frames.differentiable() : !this.frames.needsComposition();
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
    if (this.frames.length) this.frames.readValue(t);
    return this.backendOf(t.dataId).readSync(t.dataId);
  }

  /** `t`'s storage as the backend holds it, for the engine's own checks (no frame sees this read). */
  peek(t: Tensor): TypedArray {
    return this.backendOf(t.dataId).readSync(t.dataId);
  }

  /** Whether `t`'s values can be read synchronously (`dataSync`); false for GPU-only values (read them with `await t.data()`). */
  canReadSync(t: Tensor): boolean {
    const b = this.backendOf(t.dataId);
    return b.canReadSync ? b.canReadSync(t.dataId) : true;
  }

  /** A copy of `t`'s values (Tensor.dataSync). */
  readCopy(t: Tensor): TypedArray {
    if (this.frames.length) this.frames.readValue(t);
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
  runKernel<K extends KernelName>(kernelName: K, inputs: KernelInputs<K, Tensor>, attrs: KernelAttrs<K> = {} as KernelAttrs<K>): Tensor {
    const outs = this.runKernelMulti(kernelName, inputs, attrs);
    if (outs.length !== 1) throw new IdemError(`idem: kernel ${kernelName} returned ${outs.length} outputs, expected 1`);
    return outs[0]!;
  }

  runKernelMulti<K extends KernelName>(kernelName: K, kernelInputs: KernelInputs<K, Tensor>, kernelAttrs: KernelAttrs<K> = {} as KernelAttrs<K>): Tensor[] {
    const inputs = kernelInputs as Record<string, Tensor>;
    const attrs = kernelAttrs as Attrs;
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
    if (this.frames.length) this.frames.kernel(kernelName, inputs, attrs, outputs);
    return outputs;
  }

  /** A kernel output either shares an input's storage (reshape) or is new storage. */
  private adoptOutput(info: TensorInfo, backend: KernelBackend): Tensor {
    return this.makeTensorFromDataId(info.dataId, info.shape, info.dtype, backend);
  }

  // ---------------------------------------------------------------- ops and effects

  /**
   * A public op call (`op()` in src/ops/op.ts): frames watching op calls see it first and may
   * handle it (graph mode records it); else it runs with its name on the op stack (messages).
   * An op with a `composition` (a fused op: src/ops/op.ts `fusedOp`) is transparent to frames
   * that need the op-level composition: they see the composition's op calls instead.
   */
  runOp(name: string, fn: OpFn, thisArg: unknown, args: unknown[], composition?: OpFn): unknown {
    if (this.frames.watchingOps) {
      if (composition !== undefined && this.frames.needsComposition()) return composition.apply(thisArg, args);
      const r = this.frames.opCall(name, fn, thisArg, args);
      if (r) return r.value;
    }
    return this.withOpName(name, () => fn.apply(thisArg, args));
  }

  /**
   * Runs a replayable effect — a random draw, an optimizer step: `run(inputs)` advances host-side
   * state and returns tensors (or nothing). Frames see it as one unit: a `tf.function` trace
   * records it so that every replay runs it again (new draws, the next step), a shape probe runs
   * `standIn(inputs)` instead (same shapes, no state change).
   */
  effect<T extends Tensor | Tensor[] | null>(inputs: Tensor[], run: (inputs: Tensor[]) => T, standIn: (inputs: Tensor[]) => T): T {
    if (this.frames.length === 0) return run(inputs);
    const e: Effect<T> = { inputs, run, standIn };
    return this.frames.effect(e);
  }

  // ---------------------------------------------------------------- op names (errors, debug mode)

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

  private readonly scopeOwners: unknown[] = [];

  /**
   * Runs `fn` inside a scope owned by `owner` (a Keras layer's call: src/ops/op.ts `inScope`);
   * frames attribute the op calls made inside to the innermost owner (tf.compare's op trace).
   */
  withScope<T>(owner: unknown, fn: () => T): T {
    this.scopeOwners.push(owner);
    try {
      return fn();
    } finally {
      this.scopeOwners.pop();
    }
  }

  /** The owners of the scopes open now, outermost first. */
  openScopes(): readonly unknown[] {
    return this.scopeOwners;
  }

  /** The op names on the stack, outermost first (debug mode's messages). */
  opNames(): string[] {
    return this.opStack.slice();
  }

  // ---------------------------------------------------------------- gradients (tapes: src/autodiff/tape.ts)

  registerGradient(kernelName: KernelName, gradFunc: GradFunc): void {
    this.gradients.set(kernelName, gradFunc);
  }

  getGradient(kernelName: KernelName): GradFunc | undefined {
    return this.gradients.get(kernelName);
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
      if (keepers.has(t) || t.kept || t.isDisposed || (this.frames.length > 0 && this.frames.holds(t))) continue;
      this.disposeTensor(t);
    }
    const parent = this.scopes[this.scopes.length - 1];
    if (parent) {
      for (const t of keepers) if (!(t instanceof Variable)) parent.tracked.push(t);
      // Tensors a frame holds (saved by a live tape) survive this scope; the parent owns them now.
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
    if (this.frames.length) this.frames.readVariable(t, v);
    return t;
  }

  assignVariable(v: Variable, value: Tensor): void {
    if (this.frames.length && !this.frames.assign(v, value)) return;
    this.ensureOnCurrent(value);
    const old = v.dataId;
    this.retainData(value.dataId, value.shape, value.dtype);
    v.dataId = value.dataId;
    this.releaseData(old);
  }
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
  interceptAssign: (v, value, how) => {
    if (!ENGINE.frames.watchingOps) return { handled: false };
    const r = ENGINE.frames.opCall(how, (x) => v[how](x as Tensor).read(), v, [value]);
    return r ? { handled: true, value: r.value } : { handled: false };
  },
  combine: (kernel, a, b) => ENGINE.frames.noGrad(() => ENGINE.runKernel(kernel, { a, b })),
});
