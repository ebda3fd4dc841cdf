/**
 * The reference backend: plain TypeScript, simple and obviously right. It is the oracle every
 * faster kernel is tested against. With `precision: 'float64'` it stores float32 tensors in
 * Float64Array (gradient checks use it so finite differences are accurate).
 *
 * Storage lives on the `RefData` handle itself, so an unreferenced tensor's values are reclaimed
 * by the garbage collector with it.
 */
import type { BackendMemory, DataId, KernelBackend, KernelFunc, TensorInfo } from '../../core/backend.ts';
import type { DataType, TypedArray } from '../../core/dtypes.ts';
import { IdemError } from '../../core/errors.ts';
import { kernels } from './kernels/index.ts';

export class RefData {
  constructor(public values: TypedArray | null) {}
}

export class ReferenceBackend implements KernelBackend {
  readonly name: string;
  readonly kernels: Readonly<Record<string, KernelFunc>> = kernels;
  readonly floatPrecision: 'float32' | 'float64';

  constructor(options: { precision?: 'float32' | 'float64'; name?: string } = {}) {
    this.floatPrecision = options.precision ?? 'float32';
    this.name = options.name ?? (this.floatPrecision === 'float64' ? 'reference64' : 'reference');
  }

  write(values: TypedArray, _shape: readonly number[], dtype: DataType): DataId {
    return new RefData(this.coerceStorage(values, dtype));
  }

  /** Storage for `dtype` on this backend (float32 → Float32Array, or Float64Array in float64 mode). */
  private coerceStorage(values: TypedArray, dtype: DataType): TypedArray {
    switch (dtype) {
      case 'float32':
        if (this.floatPrecision === 'float64') return values instanceof Float64Array ? values : Float64Array.from(values);
        return values instanceof Float32Array ? values : Float32Array.from(values);
      case 'int32':
        return values instanceof Int32Array ? values : Int32Array.from(values);
      case 'bool':
        return values instanceof Uint8Array ? values : Uint8Array.from(values, (v) => (v ? 1 : 0));
    }
  }

  readSync(dataId: DataId): TypedArray {
    const v = (dataId as RefData).values;
    if (!v) throw new IdemError('reference backend: reading a disposed tensor');
    return v;
  }

  async read(dataId: DataId): Promise<TypedArray> {
    return this.readSync(dataId);
  }

  disposeData(dataId: DataId): void {
    (dataId as RefData).values = null;
  }

  memory(): BackendMemory {
    return {};
  }

  // ---- helpers for kernels

  /** Values of a kernel input. */
  values(info: TensorInfo): TypedArray {
    return this.readSync(info.dataId);
  }

  /** A new zero-filled output array for `dtype`. */
  alloc(dtype: DataType, size: number): TypedArray {
    switch (dtype) {
      case 'float32':
        return this.floatPrecision === 'float64' ? new Float64Array(size) : new Float32Array(size);
      case 'int32':
        return new Int32Array(size);
      case 'bool':
        return new Uint8Array(size);
    }
  }

  /** Wraps output values as a kernel result. */
  make(values: TypedArray, shape: readonly number[], dtype: DataType): TensorInfo {
    return { dataId: new RefData(values), shape: shape.slice(), dtype };
  }
}
