/**
 * The kernel interface: the one seam between ops and backends.
 *
 * A backend owns tensor storage. A tensor holds only an opaque `DataId` handle that the backend
 * created; ops never touch storage, they call kernels by name through the engine. A backend is
 * one object implementing `KernelBackend` plus a table of kernels. Missing kernels are reported
 * when the backend is instantiated (`Engine.kernelReport`: kernels it lacks, names that are no
 * kernel, kernels without a gradient; kernel names and signatures: src/core/kernels.ts).
 *
 * Design notes for fast backends (native addon, WebAssembly):
 * - `write` takes ownership of the array it is given: no forced copy.
 * - Kernels receive and return `TensorInfo`s, so storage never crosses into JS unless read.
 * - Fused kernels (`_FusedMatMul`, `AdamUpdate`, ...) are optional: ops ask `engine.mayUse(name)`
 *   and run their composition otherwise.
 * - `read` is async next to `readSync`, for backends whose storage lives elsewhere.
 * - Storage must be reclaimable by the garbage collector once no tensor references its
 *   `DataId` (a tensor that is never disposed must not leak): keep the storage on the `DataId`
 *   object or in a `WeakMap` keyed by it, never in a strong map.
 */
import type { DataType, TypedArray } from './dtypes.ts';

/** Opaque storage handle created by a backend. */
export type DataId = object;

/** What a kernel sees of a tensor. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: readonly number[];
  readonly dtype: DataType;
}

export type Attrs = Record<string, unknown>;

export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  attrs: Attrs;
  backend: KernelBackend;
}

/** A kernel returns one output or several (in a fixed order). */
export type KernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

export interface BackendMemory {
  /** Data buffers the backend currently holds (may be higher than live tensors until GC runs). */
  numDataBuffers?: number;
  /** Bytes held outside the JS heap, if the backend keeps storage there. */
  numBytesExternal?: number;
}

export interface KernelBackend {
  readonly name: string;
  /** The kernel table: kernel name → implementation. */
  readonly kernels: Readonly<Record<string, KernelFunc>>;
  /** Creates storage from values; the backend may keep `values` without copying. */
  write(values: TypedArray, shape: readonly number[], dtype: DataType): DataId;
  /**
   * Optional: storage holding a copy of `values` (any typed array, converted element by element
   * as a typed-array `set` does) for a float32 tensor, in memory the backend chooses (the native
   * backend's pooled, aligned buffers). Used by `tf.tensor(typedArray)` to copy once.
   */
  writeCopy?(values: TypedArray, shape: readonly number[], dtype: 'float32'): DataId;
  /** Values in the dtype's storage (float32 → Float32Array, or Float64Array on a float64 reference). Callers must not mutate. */
  readSync(dataId: DataId): TypedArray;
  read(dataId: DataId): Promise<TypedArray>;
  /**
   * Optional: the values for an immediate copy by the caller (`dataSync`), which keeps no
   * reference — unlike `readSync`, whose array the caller may hold, so a backend that recycles
   * storage (the native pool) need not give this array up.
   */
  readSyncForCopy?(dataId: DataId): TypedArray;
  /**
   * Optional: whether `readSync` can return this storage's values now. Absent means always (CPU
   * backends); the webgpu backend answers false for values that exist only on the GPU, which
   * must be read with `await read(...)` (`await t.data()`).
   */
  canReadSync?(dataId: DataId): boolean;
  /** Releases storage early. Reading a disposed handle must throw. */
  disposeData(dataId: DataId): void;
  memory(): BackendMemory;
  /** Element type used for float32 storage by this backend (the float64 reference uses 'float64'). */
  readonly floatPrecision: 'float32' | 'float64';
}
