/**
 * The reference backend's storage (`RefData` holding JS typed arrays) with a pool for float32
 * kernel outputs, shared by the native and wasm backends: a disposed tensor's array goes back to
 * the pool (by length, at most IDEM_POOL_MB MiB: default 2048 in Node.js, 128 elsewhere) and the
 * next output of that length reuses it. Allocating a fresh large ArrayBuffer costs far more than
 * filling one (glibc maps and page-faults it: ~270 µs per MB against ~25 µs for a copy, measured
 * on the project machine). When the pool is full, the lengths asked for least recently are
 * evicted first (so a workload whose shapes change does not leave the pool full of stale sizes).
 * A W6 ResNet50 training step (batch 8) frees about 1.5–2 GB of outputs per step: with 128 MiB its
 * next step allocated nearly all of it fresh (CPU time 5.98 s against 4.66 s with 2048 MiB, 1024
 * MiB: 5.72 s; bench/w6.ts on the 2-vCPU project VM).
 *
 * Per pooled array: how many RefData wrap it (reshape shares) and whether it was handed out
 * (`readSync`, e.g. `tf.ENGINE.readSync`, async `data`, or given back through `write`), after
 * which it is never recycled (the caller may keep it after disposing the tensor). `dataSync` and
 * `arraySync` copy at once (`readSyncForCopy`): no exposure. Arrays shorter than 1024 floats are
 * not pooled. `IDEM_NO_POOL=1` turns the pool off.
 */
import type { DataId, TensorInfo } from '../core/backend.ts';
import type { DataType, TypedArray } from '../core/dtypes.ts';
import { IdemError } from '../core/errors.ts';
import { ReferenceBackend, RefData } from './reference/backend.ts';

interface PoolInfo {
  wrappers: number;
  exposed: boolean;
}

/** Arrays shorter than this come from `new Float32Array` (small arrays are cheap to allocate). */
const MIN_POOLED = 1024;

function env(name: string): string | undefined {
  return (globalThis as unknown as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

function poolCap(): number {
  const node = (globalThis as unknown as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined;
  const dflt = node ? 2048 : 128;
  const mb = Number(env('IDEM_POOL_MB') ?? dflt);
  return Number.isFinite(mb) && mb >= 0 ? mb * 1048576 : dflt * 1048576;
}

export class PooledBackend extends ReferenceBackend {
  private readonly pooled = new WeakMap<TypedArray, PoolInfo>();
  /** Free arrays by length (strong references, at most `cap` bytes in all), least recently asked-for length first. */
  private readonly free = new Map<number, Float32Array[]>();
  private readonly cap = poolCap();
  private readonly counters = { pooledBytes: 0, allocs: 0, reuses: 0 };
  private readonly enabled: boolean;

  /**
   * `align(buffer)`: bytes from a new ArrayBuffer's start to where the array should begin (the
   * native addon's 64-byte boundary), or null for the buffer's start. `pool` false: no pool.
   */
  constructor(options: { name: string }, private readonly align: ((buffer: ArrayBuffer) => number) | null, pool: boolean) {
    super({ precision: 'float32', name: options.name });
    this.enabled = pool && !env('IDEM_NO_POOL');
  }

  /**
   * Float32 storage for a kernel output: reused from the pool of disposed outputs when one of
   * that length is free (n ≥ 1024), and NOT zero-filled unless `zero` (fast kernels write every
   * element).
   */
  allocF32(n: number, zero = false): Float32Array {
    if (n < MIN_POOLED || !this.enabled) return new Float32Array(n);
    this.counters.allocs++;
    const list = this.free.get(n);
    if (list !== undefined) {
      // Most recently used length last (the eviction order).
      this.free.delete(n);
      this.free.set(n, list);
    }
    let a = list !== undefined ? list.pop() : undefined;
    if (a !== undefined) {
      this.counters.reuses++;
      this.counters.pooledBytes -= 4 * n;
      if (zero) a.fill(0);
    } else if (this.align) {
      const buffer = new ArrayBuffer(4 * n + 64);
      a = new Float32Array(buffer, this.align(buffer), n);
    } else {
      a = new Float32Array(n);
    }
    this.pooled.set(a, { wrappers: 0, exposed: false });
    return a;
  }

  /**
   * Gives back a scratch array a kernel took with `allocF32` and did not wrap in an output (an
   * intermediate of a fused kernel): straight back to the pool.
   */
  recycleF32(a: Float32Array): void {
    const info = this.pooled.get(a);
    if (!info || info.wrappers > 0 || info.exposed) return;
    this.pooled.delete(a);
    this.putFree(a);
  }

  private putFree(a: Float32Array): void {
    const bytes = 4 * a.length;
    if (bytes > this.cap) return; // the GC reclaims it
    // Make room from the least recently asked-for lengths (the GC reclaims what is evicted).
    for (const [len, l] of this.free) {
      if (this.counters.pooledBytes + bytes <= this.cap) break;
      if (len === a.length) continue;
      while (l.length > 0 && this.counters.pooledBytes + bytes > this.cap) {
        l.pop();
        this.counters.pooledBytes -= 4 * len;
      }
      if (l.length === 0) this.free.delete(len);
    }
    if (this.counters.pooledBytes + bytes > this.cap) return;
    let list = this.free.get(a.length);
    if (!list) this.free.set(a.length, (list = []));
    list.push(a);
    this.counters.pooledBytes += 4 * a.length;
  }

  /** Zero-filled storage (the reference kernels' contract): pooled for float32. */
  override alloc(dtype: DataType, size: number): TypedArray {
    return dtype === 'float32' ? this.allocF32(size, true) : super.alloc(dtype, size);
  }

  override make(values: TypedArray, shape: readonly number[], dtype: DataType): TensorInfo {
    const info = this.pooled.get(values);
    if (info) info.wrappers++;
    return super.make(values, shape, dtype);
  }

  override write(values: TypedArray, shape: readonly number[], dtype: DataType): DataId {
    // A pooled array coming back from outside (e.g. tf.tensor(t.dataSync())) is shared: never recycle it.
    const info = this.pooled.get(values);
    if (info) info.exposed = true;
    return super.write(values, shape, dtype);
  }

  /** `tf.tensor(typedArray)`: one copy into pooled storage, which goes back to the pool on dispose. */
  writeCopy(values: TypedArray, shape: readonly number[], dtype: 'float32'): DataId {
    const a = this.allocF32(values.length);
    a.set(values);
    return this.make(a, shape, dtype).dataId;
  }

  override readSync(dataId: DataId): TypedArray {
    const v = super.readSync(dataId);
    const info = this.pooled.get(v);
    if (info) info.exposed = true;
    return v;
  }

  /** For `dataSync`, which copies at once: not an exposure, the array stays recyclable. */
  readSyncForCopy(dataId: DataId): TypedArray {
    return super.readSync(dataId);
  }

  /** A kernel input's values (kernels do not keep them: not an exposure). */
  override values(info: TensorInfo): TypedArray {
    const v = (info.dataId as RefData).values;
    if (!v) throw new IdemError(`${this.name} backend: reading a disposed tensor`);
    return v;
  }

  /** Disposed: a pooled array no other tensor wraps and nobody was handed goes back to the pool. */
  override disposeData(dataId: DataId): void {
    const v = (dataId as RefData).values;
    super.disposeData(dataId);
    const info = v ? this.pooled.get(v) : undefined;
    if (!info || --info.wrappers > 0 || info.exposed) return;
    this.pooled.delete(v!);
    this.putFree(v as Float32Array);
  }

  /** The storage pool's counters: bytes pooled (free), pooled allocations, of which reuses; null without a pool. */
  storageStats(): { pooledBytes: number; allocs: number; reuses: number } | null {
    return this.enabled ? { ...this.counters } : null;
  }

  /** Empties the pool (its arrays are left to the garbage collector). */
  storageTrim(): void {
    this.free.clear();
    this.counters.pooledBytes = 0;
  }
}
