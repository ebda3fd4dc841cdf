/**
 * The WebGPU backend ('webgpu'): tensors live in GPU storage buffers, kernels are WGSL compute
 * shaders (kernels_*.ts), pipelines are compiled once per shape class and cached, and dispatches
 * are recorded into one command encoder that is submitted when a value is read, when 128
 * dispatches are pending, or when the JavaScript turn ends (a microtask) — so a training step
 * is a handful of submissions, not one per op.
 *
 * Storage (`GPUData`, the tensor's DataId):
 * - `host`: the values on the CPU, when known — a tensor made from an array (`tf.tensor`) keeps
 *   its array and uploads it only when a kernel first needs it; a tensor read with `await
 *   t.data()` keeps what was read (tensors are immutable, so the copy never goes stale).
 * - `cell`: the GPU buffer, when there is one. The buffer is held by a cell object that a
 *   `FinalizationRegistry` also holds: a tensor the program drops without `dispose` gives its
 *   buffer back to the pool when the garbage collector reclaims it (cleanup callbacks run
 *   between event-loop turns: GPU code reads values with `await`, so a loop yields to them).
 * - A buffer released while commands that use it are recorded but not yet submitted waits for
 *   the submission before it can be reused (writes are queue-ordered after submitted work).
 *
 * Reading: `read` (async: `await t.data()`, `t.array()`) copies the buffer into a mappable
 * staging buffer and maps it. WebGPU has no synchronous readback (Dawn in Node included:
 * `mapAsync` completes only when the event loop runs), so `readSync` (`dataSync`,
 * `arraySync`) works only for values already on the host and otherwise throws an error that
 * says to use `await t.data()`.
 *
 * Kernels the backend does not implement run the reference kernel on the CPU when every input's
 * values are on the host (counted in `fallbacks`); otherwise they throw, naming the kernel —
 * never a silent round trip of GPU tensors through the CPU.
 */
import type { BackendMemory, DataId, KernelArgs, KernelBackend, KernelFunc, TensorInfo } from '../../core/backend.ts';
import type { DataType, TypedArray } from '../../core/dtypes.ts';
import { IdemError } from '../../core/errors.ts';
import { sizeFromShape } from '../../core/shape.ts';
import { RefData, ReferenceBackend } from '../reference/backend.ts';
import { kernels as referenceKernels } from '../reference/kernels/index.ts';
import {
  MAP_READ, SHADER_STAGE_COMPUTE, USAGE,
  type GPUAdapterInfoLike, type GPUAdapterLike, type GPUBindGroupLayoutLike, type GPUBufferLike, type GPUCommandEncoderLike,
  type GPUComputePassLike, type GPUComputePipelineLike, type GPUDeviceLike, type GPULike,
} from './gpu.ts';

export type WgslType = 'f32' | 'i32' | 'u32';

/** Storage element type of a dtype: float32 → f32, int32 → i32, bool → u32 (0 or 1). */
export function wgslType(dtype: DataType): WgslType {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32';
}

/** A buffer owned by a tensor; shared with the finalization registry. */
interface Cell {
  buffer: GPUBufferLike | null;
  bytes: number;
}

/** The backend's DataId. */
export class GPUData {
  host: TypedArray | null;
  cell: Cell | null = null;
  disposed = false;
  reading: Promise<TypedArray> | null = null;
  constructor(readonly size: number, readonly dtype: DataType, host: TypedArray | null) {
    this.host = host;
  }
}

/** A compute program: WGSL after the generated declarations, its bindings and parameters. */
export interface Program {
  /** Cache key: everything that changes the WGSL (kernel, dtypes, rank, pattern); not sizes. */
  key: string;
  inputs: WgslType[];
  outputs: WgslType[];
  /** Uniform parameters, in struct order, read in WGSL as `p.name`. */
  params: [string, WgslType][];
  /**
   * The WGSL code after the declarations: helpers and `@compute ... fn main(...)`. Inputs are
   * `in0, in1, …`, outputs `out0, …`, parameters `p.<name>`. Built only on a cache miss.
   */
  code: () => string;
}

/** Workgroups for `n` invocations of a 1-D program with workgroup size 64, spread over x and y. */
export function grid1d(n: number, wg = 64, maxDim = 65535): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / wg));
  if (groups <= maxDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxDim);
  return [Math.ceil(groups / y), y, 1];
}

/** WGSL prologue of a 1-D program: `gid` is the flat invocation index (see grid1d). */
export const MAIN_1D = '@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g3: vec3u, @builtin(num_workgroups) nwg: vec3u) {\n  let gid = g3.x + g3.y * nwg.x * 64u;\n';

const PARAM_SLOT = 256; // minUniformBufferOffsetAlignment
const ARENA_BYTES = 256 * 1024;
const MAX_PENDING = 128;

/** Buffer sizes are rounded up to classes m·2^e, m in 8..15 (≤ 12.5% unused), at least 16 bytes. */
function sizeClass(bytes: number): number {
  if (bytes <= 64) return Math.max(16, Math.ceil(bytes / 16) * 16);
  const e = Math.floor(Math.log2(bytes)) - 3;
  const unit = 2 ** e;
  return Math.ceil(bytes / unit) * unit;
}

export interface WebGPUBackendOptions {
  /** Bytes of freed buffers the pool keeps for reuse (default 256 MiB). */
  poolBytes?: number;
  name?: string;
}

export interface WebGPUMemory extends BackendMemory {
  /** GPU buffers owned by live tensors and their bytes (as allocated, size classes). */
  numDataBuffers: number;
  numBytesExternal: number;
  /** Freed buffers kept for reuse, and their bytes. */
  numPooledBuffers: number;
  numBytesInPool: number;
  /** Every buffer the backend holds (tensors, pool, staging, parameters). */
  numBytesAllocated: number;
  /** Buffers reclaimed from tensors the garbage collector collected (never disposed). */
  reclaimedByGC: number;
  pipelines: number;
  dispatches: number;
  submits: number;
  uploads: number;
  readbacks: number;
}

export class WebGPUBackend implements KernelBackend {
  readonly name: string;
  readonly floatPrecision = 'float32' as const;
  readonly kernels: Readonly<Record<string, KernelFunc>>;
  readonly isFallbackAdapter: boolean;
  readonly adapterInfo: GPUAdapterInfoLike;
  /** Kernel name → calls that ran the reference kernel on the CPU (inputs on the host). */
  readonly fallbacks = new Map<string, number>();

  /** The reference backend that runs CPU kernels on host values. */
  readonly cpu = new ReferenceBackend();
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipelineLike; layout: GPUBindGroupLayoutLike }>();
  private readonly layouts = new Map<string, GPUBindGroupLayoutLike>();
  private readonly pool = new Map<number, GPUBufferLike[]>();
  private readonly staging = new Map<number, GPUBufferLike[]>();
  private pendingFree: Cell[] = [];
  private encoder: GPUCommandEncoderLike | null = null;
  private pass: GPUComputePassLike | null = null;
  private pending = 0;
  private holds = 0;
  private flushQueued = false;
  private readonly arena: GPUBufferLike;
  private readonly arenaHost = new ArrayBuffer(ARENA_BYTES);
  private readonly arenaU32 = new Uint32Array(this.arenaHost);
  private readonly arenaI32 = new Int32Array(this.arenaHost);
  private readonly arenaF32 = new Float32Array(this.arenaHost);
  private arenaTop = 0;
  private readonly dummy: GPUBufferLike;
  private readonly registry: FinalizationRegistry<Cell>;
  private error: string | null = null;
  private readonly poolCap: number;
  private stats = { liveBuffers: 0, liveBytes: 0, pooled: 0, pooledBytes: 0, allocated: 0, gc: 0, dispatches: 0, submits: 0, uploads: 0, readbacks: 0 };

  /**
   * `gpu`, `adapter` are kept referenced for the device's lifetime: Dawn (Node's `webgpu`)
   * frees its instance when the GPU object is collected, even with a live device.
   */
  constructor(
    readonly gpu: GPULike,
    readonly adapter: GPUAdapterLike,
    readonly device: GPUDeviceLike,
    gpuKernels: Record<string, KernelFunc>,
    options: WebGPUBackendOptions = {},
  ) {
    this.name = options.name ?? 'webgpu';
    this.poolCap = options.poolBytes ?? 256 * 1024 * 1024;
    this.adapterInfo = adapter.info ?? {};
    this.isFallbackAdapter = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: USAGE.UNIFORM | USAGE.COPY_DST, label: 'idem params' });
    this.dummy = device.createBuffer({ size: 16, usage: USAGE.STORAGE | USAGE.COPY_DST, label: 'idem empty' });
    this.stats.allocated += ARENA_BYTES + 16;
    this.registry = new FinalizationRegistry((cell) => {
      if (!cell.buffer) return;
      this.stats.gc++;
      this.releaseCell(cell);
    });
    const dev = device as unknown as { addEventListener?: (t: string, f: (e: { error?: { message?: string } }) => void) => void };
    dev.addEventListener?.('uncapturederror', (e) => {
      this.error ??= e.error?.message ?? 'unknown WebGPU error';
    });
    void device.lost?.then((info) => {
      this.error ??= `the WebGPU device was lost (${info.reason ?? ''}: ${info.message ?? ''})`;
    });
    const table: Record<string, KernelFunc> = {};
    for (const [name, fn] of Object.entries(referenceKernels)) table[name] = this.fallback(name, fn);
    Object.assign(table, gpuKernels);
    this.kernels = table;
  }

  // ------------------------------------------------------------------ KernelBackend

  write(values: TypedArray, shape: readonly number[], dtype: DataType): DataId {
    return new GPUData(sizeFromShape(shape), dtype, this.coerce(values, dtype));
  }

  private coerce(values: TypedArray, dtype: DataType): TypedArray {
    switch (dtype) {
      case 'float32':
        return values instanceof Float32Array ? values : Float32Array.from(values);
      case 'int32':
        return values instanceof Int32Array ? values : Int32Array.from(values);
      case 'bool':
        return values instanceof Uint8Array ? values : Uint8Array.from(values, (v) => (v ? 1 : 0));
    }
  }

  readSync(dataId: DataId): TypedArray {
    const d = dataId as GPUData;
    if (d.disposed) throw new IdemError('webgpu backend: reading a disposed tensor');
    if (d.host) return d.host;
    if (d.size === 0) return (d.host = emptyOf(d.dtype));
    throw new IdemError(
      'webgpu backend: this tensor was computed on the GPU and WebGPU cannot read it synchronously: ' +
        'use `await t.data()` / `await t.array()` instead of `dataSync()` / `arraySync()` (or read it once with `await`, after which synchronous reads work)',
    );
  }

  canReadSync(dataId: DataId): boolean {
    const d = dataId as GPUData;
    return d.host !== null || d.size === 0;
  }

  async read(dataId: DataId): Promise<TypedArray> {
    const d = dataId as GPUData;
    if (d.disposed) throw new IdemError('webgpu backend: reading a disposed tensor');
    if (d.host) return d.host;
    if (d.size === 0) return (d.host = emptyOf(d.dtype));
    d.reading ??= this.download(d);
    try {
      return await d.reading;
    } finally {
      d.reading = null;
    }
  }

  disposeData(dataId: DataId): void {
    const d = dataId as GPUData;
    if (d.disposed) return;
    d.disposed = true;
    d.host = null;
    const cell = d.cell;
    d.cell = null;
    if (cell) {
      this.registry.unregister(d);
      this.releaseCell(cell);
    }
  }

  memory(): WebGPUMemory {
    const s = this.stats;
    return {
      numDataBuffers: s.liveBuffers,
      numBytesExternal: s.liveBytes,
      numPooledBuffers: s.pooled,
      numBytesInPool: s.pooledBytes,
      numBytesAllocated: s.allocated,
      reclaimedByGC: s.gc,
      pipelines: this.pipelines.size,
      dispatches: s.dispatches,
      submits: s.submits,
      uploads: s.uploads,
      readbacks: s.readbacks,
    };
  }

  /** Submits what is recorded and waits until the GPU has finished it (and the device error check). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfError();
  }

  /** Releases the pool and the device. The backend cannot be used afterwards. */
  dispose(): void {
    this.flush();
    for (const list of [...this.pool.values(), ...this.staging.values()]) for (const b of list) b.destroy();
    this.pool.clear();
    this.staging.clear();
    this.device.destroy();
  }

  // ------------------------------------------------------------------ storage

  private throwIfError(): void {
    if (this.error) {
      const e = this.error;
      this.error = null;
      throw new IdemError(`webgpu backend: ${e}`);
    }
  }

  private acquire(bytes: number): Cell {
    const size = sizeClass(bytes);
    const list = this.pool.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.stats.pooled--;
      this.stats.pooledBytes -= size;
    } else {
      buffer = this.device.createBuffer({ size, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
      this.stats.allocated += size;
    }
    this.stats.liveBuffers++;
    this.stats.liveBytes += size;
    return { buffer, bytes: size };
  }

  private releaseCell(cell: Cell): void {
    if (!cell.buffer) return;
    this.stats.liveBuffers--;
    this.stats.liveBytes -= cell.bytes;
    if (this.encoder) this.pendingFree.push(cell);
    else this.toPool(cell);
  }

  private toPool(cell: Cell): void {
    const buffer = cell.buffer!;
    cell.buffer = null;
    if (this.stats.pooledBytes + cell.bytes > this.poolCap) {
      buffer.destroy();
      this.stats.allocated -= cell.bytes;
      return;
    }
    let list = this.pool.get(cell.bytes);
    if (!list) this.pool.set(cell.bytes, (list = []));
    list.push(buffer);
    this.stats.pooled++;
    this.stats.pooledBytes += cell.bytes;
  }

  /** Gives the pooled buffers back to the device (they are recreated on demand). */
  emptyPool(): void {
    for (const [size, list] of this.pool) {
      for (const b of list) b.destroy();
      this.stats.allocated -= size * list.length;
    }
    this.pool.clear();
    this.stats.pooled = 0;
    this.stats.pooledBytes = 0;
  }

  private attach(d: GPUData, cell: Cell): void {
    d.cell = cell;
    this.registry.register(d, cell, d);
  }

  /** A new output of `shape` (GPU storage, uninitialized; no buffer when empty). */
  makeOutput(shape: readonly number[], dtype: DataType): TensorInfo {
    const size = sizeFromShape(shape);
    const d = new GPUData(size, dtype, size === 0 ? emptyOf(dtype) : null);
    if (size > 0) this.attach(d, this.acquire(size * 4));
    return { dataId: d, shape: shape.slice(), dtype };
  }

  /** A tensor whose values are given on the host (uploaded when a kernel needs them). */
  makeHost(values: TypedArray, shape: readonly number[], dtype: DataType): TensorInfo {
    return { dataId: new GPUData(sizeFromShape(shape), dtype, this.coerce(values, dtype)), shape: shape.slice(), dtype };
  }

  /** The GPU buffer of a kernel input, uploading its host values first if needed (a 16-byte placeholder when empty). */
  buffer(info: TensorInfo): GPUBufferLike {
    const d = info.dataId as GPUData;
    if (d.disposed) throw new IdemError('webgpu backend: a kernel input was already disposed');
    if (d.cell?.buffer) return d.cell.buffer;
    if (d.size === 0) return this.dummy;
    const host = d.host;
    if (!host) throw new IdemError('webgpu backend: tensor storage has neither GPU nor host values');
    const cell = this.acquire(d.size * 4);
    const words = host instanceof Uint8Array ? Uint32Array.from(host) : host;
    this.device.queue.writeBuffer(cell.buffer!, 0, words as ArrayBufferView, 0, d.size);
    this.stats.uploads++;
    this.attach(d, cell);
    return cell.buffer!;
  }

  /** Whether the values of `info` are known on the host (so a CPU kernel may read them). */
  onHost(info: TensorInfo): boolean {
    const d = info.dataId as GPUData;
    return d.host !== null || d.size === 0;
  }

  hostValues(info: TensorInfo): TypedArray | null {
    const d = info.dataId as GPUData;
    return d.host ?? (d.size === 0 ? emptyOf(d.dtype) : null);
  }

  // ------------------------------------------------------------------ programs

  private bindLayout(nIn: number, nOut: number): GPUBindGroupLayoutLike {
    const key = `${nIn}/${nOut}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      const entries: { binding: number; visibility: number; buffer: { type: 'uniform' | 'storage' | 'read-only-storage' } }[] = [];
      for (let i = 0; i < nIn; i++) entries.push({ binding: i, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'read-only-storage' } });
      for (let i = 0; i < nOut; i++) entries.push({ binding: nIn + i, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'storage' } });
      entries.push({ binding: nIn + nOut, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform' } });
      layout = this.device.createBindGroupLayout({ entries });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  /** The full WGSL of a program (declarations + its code); exported for tests and debugging. */
  static source(prog: Program): string {
    const lines: string[] = [];
    const params = prog.params.length ? prog.params : ([['_unused', 'u32']] as [string, WgslType][]);
    lines.push(`struct Params { ${params.map(([n, t]) => `${n}: ${t}`).join(', ')} }`);
    prog.inputs.forEach((t, i) => lines.push(`@group(0) @binding(${i}) var<storage, read> in${i}: array<${t}>;`));
    prog.outputs.forEach((t, i) => lines.push(`@group(0) @binding(${prog.inputs.length + i}) var<storage, read_write> out${i}: array<${t}>;`));
    lines.push(`@group(0) @binding(${prog.inputs.length + prog.outputs.length}) var<uniform> p: Params;`);
    lines.push(prog.code());
    return lines.join('\n');
  }

  private pipelineOf(prog: Program): { pipeline: GPUComputePipelineLike; layout: GPUBindGroupLayoutLike } {
    let entry = this.pipelines.get(prog.key);
    if (!entry) {
      const layout = this.bindLayout(prog.inputs.length, prog.outputs.length);
      const module = this.device.createShaderModule({ code: WebGPUBackend.source(prog), label: prog.key });
      const pipeline = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      });
      entry = { pipeline, layout };
      this.pipelines.set(prog.key, entry);
    }
    return entry;
  }

  /**
   * Records one dispatch of `prog` over `groups` workgroups with these input and output
   * tensors and parameter values (in `prog.params` order).
   */
  run(prog: Program, inputs: TensorInfo[], outputs: TensorInfo[], params: number[], groups: [number, number, number]): void {
    if (this.error) this.throwIfError();
    const { pipeline, layout } = this.pipelineOf(prog);
    const buffers = inputs.map((t) => this.buffer(t));
    for (const o of outputs) buffers.push(this.buffer(o));
    const paramBytes = Math.max(16, Math.ceil((prog.params.length * 4) / 16) * 16);
    if (this.arenaTop + PARAM_SLOT > ARENA_BYTES) this.flush();
    const off = this.arenaTop;
    const w = off / 4;
    prog.params.forEach(([, t], i) => {
      const v = params[i]!;
      if (t === 'f32') this.arenaF32[w + i] = v;
      else if (t === 'i32') this.arenaI32[w + i] = v;
      else this.arenaU32[w + i] = v >>> 0;
    });
    this.arenaTop += PARAM_SLOT;
    const entries = buffers.map((buffer, i) => ({ binding: i, resource: { buffer } }));
    entries.push({ binding: buffers.length, resource: { buffer: this.arena, offset: off, size: paramBytes } } as (typeof entries)[number]);
    const bindGroup = this.device.createBindGroup({ layout, entries });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.stats.dispatches++;
    if (++this.pending >= MAX_PENDING && this.holds === 0) this.flush();
    else this.queueFlush();
  }

  /**
   * Runs `fn` (which records dispatches) without the every-128-dispatches submission, so that a
   * fused kernel's dispatches (a recurrent layer's steps) go in one submission (up to the
   * parameter arena's 1,024 dispatches; the end of the JavaScript turn still submits).
   */
  batch<R>(fn: () => R): R {
    this.holds++;
    try {
      return fn();
    } finally {
      this.holds--;
    }
  }

  private computePass(): GPUComputePassLike {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  private endPass(): GPUCommandEncoderLike {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return this.encoder;
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Submits the recorded commands (parameters first). */
  flush(): void {
    if (!this.encoder) return;
    const enc = this.endPass();
    this.encoder = null;
    if (this.arenaTop > 0) this.device.queue.writeBuffer(this.arena, 0, this.arenaHost, 0, this.arenaTop);
    this.device.queue.submit([enc.finish()]);
    this.stats.submits++;
    this.arenaTop = 0;
    this.pending = 0;
    const freed = this.pendingFree;
    this.pendingFree = [];
    for (const c of freed) this.toPool(c);
  }

  /** Records a copy between two tensors' buffers (`bytes` from byte `srcOffset` to `dstOffset`; multiples of 4). */
  copy(src: TensorInfo, dst: TensorInfo, bytes: number, srcOffset = 0, dstOffset = 0): void {
    const s = this.buffer(src);
    const d = this.buffer(dst);
    this.endPass().copyBufferToBuffer(s, srcOffset, d, dstOffset, bytes);
    if (++this.pending >= MAX_PENDING && this.holds === 0) this.flush();
    else this.queueFlush();
  }

  private async download(d: GPUData): Promise<TypedArray> {
    const cell = d.cell;
    if (!cell?.buffer) throw new IdemError('webgpu backend: tensor storage has neither GPU nor host values');
    const bytes = d.size * 4;
    const size = sizeClass(bytes);
    const staging = this.staging.get(size)?.pop() ?? this.newStaging(size);
    this.endPass().copyBufferToBuffer(cell.buffer, 0, staging, 0, bytes);
    this.flush();
    this.stats.readbacks++;
    try {
      await staging.mapAsync(MAP_READ, 0, bytes);
    } catch (e) {
      this.throwIfError();
      throw new IdemError(`webgpu backend: reading a tensor failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const raw = staging.getMappedRange(0, bytes);
    let out: TypedArray;
    if (d.dtype === 'float32') out = new Float32Array(raw.slice(0));
    else if (d.dtype === 'int32') out = new Int32Array(raw.slice(0));
    else out = Uint8Array.from(new Uint32Array(raw));
    staging.unmap();
    let list = this.staging.get(size);
    if (!list) this.staging.set(size, (list = []));
    if (list.length < 4) list.push(staging);
    else {
      staging.destroy();
      this.stats.allocated -= size;
    }
    this.throwIfError();
    if (!d.disposed) d.host = out;
    return out;
  }

  private newStaging(size: number): GPUBufferLike {
    this.stats.allocated += size;
    return this.device.createBuffer({ size, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  }

  // ------------------------------------------------------------------ CPU fallback

  /** Runs the reference kernel `name` on the CPU (inputs must be on the host; see `fallback`). */
  cpuKernel(name: string, args: KernelArgs, impl?: KernelFunc): TensorInfo | TensorInfo[] {
    const fn = impl ?? referenceKernels[name];
    if (!fn) throw new IdemError(`webgpu backend: no kernel '${name}'`);
    return this.fallback(name, fn)(args);
  }

  private fallback(name: string, fn: KernelFunc): KernelFunc {
    return (args: KernelArgs) => {
      const inputs: Record<string, TensorInfo> = {};
      for (const [k, t] of Object.entries(args.inputs)) {
        const host = this.hostValues(t);
        if (!host) {
          throw new IdemError(
            `webgpu backend: kernel '${name}' has no WebGPU implementation, and its input '${k}' (shape [${t.shape}]) is on the GPU: ` +
              `read it first with \`await t.data()\` (then the CPU kernel runs), or run this op on another backend`,
          );
        }
        inputs[k] = { dataId: new RefData(host), shape: t.shape, dtype: t.dtype };
      }
      this.fallbacks.set(name, (this.fallbacks.get(name) ?? 0) + 1);
      const res = fn({ inputs, attrs: args.attrs, backend: this.cpu });
      const wrap = (r: TensorInfo): TensorInfo => {
        const v = (r.dataId as RefData).values;
        // A kernel may return an input's storage (Reshape): hand back the original tensor's id.
        for (const [k, t] of Object.entries(inputs)) if (t.dataId === r.dataId) return { dataId: args.inputs[k]!.dataId, shape: r.shape, dtype: r.dtype };
        return this.makeHost(v!, r.shape, r.dtype);
      };
      return Array.isArray(res) ? res.map(wrap) : wrap(res);
    };
  }
}

function emptyOf(dtype: DataType): TypedArray {
  return dtype === 'float32' ? new Float32Array(0) : dtype === 'int32' ? new Int32Array(0) : new Uint8Array(0);
}

/** Requests an adapter and a device from `gpu`; null when there is no adapter. */
export async function requestDevice(gpu: GPULike, powerPreference: 'low-power' | 'high-performance' = 'high-performance'): Promise<{ adapter: GPUAdapterLike; device: GPUDeviceLike } | null> {
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) return null;
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
    label: 'idem',
  });
  return { adapter, device };
}
