/**
 * Data types. idem has three, as TF.js: float32, int32 and bool.
 * Storage per dtype is fixed here so every backend agrees on what `dataSync()` returns.
 */
export type DataType = 'float32' | 'int32' | 'bool';

/** What `dataSync()` returns. A float64 reference backend (used by gradient checks) stores float32 as Float64Array. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DataType[] = ['float32', 'int32', 'bool'];

export function isDataType(x: unknown): x is DataType {
  return x === 'float32' || x === 'int32' || x === 'bool';
}

export function bytesPerElement(dtype: DataType): number {
  return dtype === 'bool' ? 1 : 4;
}

/** A fresh zero-filled array for `dtype` (float32 storage). */
export function makeArray(dtype: DataType, size: number): Float32Array | Int32Array | Uint8Array {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

export function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint8Array;
}
