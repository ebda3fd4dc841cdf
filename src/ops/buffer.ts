/**
 * `tf.buffer(shape, dtype?, values?)` and `TensorBuffer`: a mutable array with a shape, filled
 * element by element (`set(value, ...loc)`, `get(...loc)`) and turned into a tensor with
 * `toTensor()`; `tensor.buffer()` (async) / `tensor.bufferSync()` go the other way. As TF.js.
 */
import { ENGINE } from '../core/engine.ts';
import type { DataType, TypedArray } from '../core/dtypes.ts';
import { isDataType, makeArray } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { assertValidShape, sizeFromShape, stridesOf } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';

export class TensorBuffer {
  readonly shape: number[];
  readonly dtype: DataType;
  readonly size: number;
  /** TF.js strides: row-major, every dimension but the last. */
  readonly strides: number[];
  values: TypedArray;

  constructor(shape: number[], dtype: DataType = 'float32', values?: TypedArray) {
    assertValidShape(shape, 'buffer');
    if (!isDataType(dtype)) fail('buffer', `\`dtype\` must be 'float32', 'int32' or 'bool', received ${JSON.stringify(dtype)}`);
    this.shape = shape.slice();
    this.dtype = dtype;
    this.size = sizeFromShape(shape);
    this.strides = stridesOf(shape).slice(0, Math.max(0, shape.length - 1));
    if (values !== undefined && values !== null) {
      if (values.length !== this.size) {
        fail('buffer', `\`values\` holds ${values.length} elements but shape ${fmtShape(shape)} needs ${this.size}`);
      }
      const want = makeArray(dtype, 0).constructor;
      if (values.constructor !== want && !(dtype === 'float32' && values instanceof Float64Array)) {
        fail('buffer', `\`values\` must be a ${want.name} for dtype ${dtype}, received a ${values.constructor.name}`);
      }
      this.values = values;
    } else this.values = makeArray(dtype, this.size);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Sets the element at `locs` (no coordinates for a scalar). */
  set(value: number | boolean, ...locs: number[]): void {
    if (locs.length === 0) locs = [0];
    this.values[this.index(locs, 'set')] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }

  /** The element at `locs` (numbers; bool as 0/1, as TF.js). */
  get(...locs: number[]): number {
    if (locs.length === 0) locs = [0];
    return this.values[this.index(locs, 'get')]!;
  }

  private index(locs: number[], what: string): number {
    const rank = this.rank;
    if (rank === 0) {
      if (locs.length !== 1 || locs[0] !== 0) fail(`TensorBuffer.${what}`, `a scalar buffer takes no coordinates, received [${locs}]`);
      return 0;
    }
    if (locs.length !== rank) fail(`TensorBuffer.${what}`, `the number of coordinates (${locs.length}) must match the rank (${rank}) of shape ${fmtShape(this.shape)}`);
    for (let i = 0; i < rank; i++) {
      const l = locs[i]!;
      if (!Number.isInteger(l) || l < 0 || l >= this.shape[i]!) {
        fail(`TensorBuffer.${what}`, `coordinate ${i} is ${l}, expected an integer in [0, ${this.shape[i]}) for shape ${fmtShape(this.shape)}`);
      }
    }
    return this.locToIndex(locs);
  }

  locToIndex(locs: number[]): number {
    if (this.rank === 0) return 0;
    if (this.rank === 1) return locs[0]!;
    let index = locs[locs.length - 1]!;
    for (let i = 0; i < locs.length - 1; i++) index += this.strides[i]! * locs[i]!;
    return index;
  }

  indexToLoc(index: number): number[] {
    if (this.rank === 0) return [];
    if (this.rank === 1) return [index];
    const locs = new Array<number>(this.rank);
    for (let i = 0; i < locs.length - 1; i++) {
      locs[i] = Math.floor(index / this.strides[i]!);
      index -= locs[i]! * this.strides[i]!;
    }
    locs[locs.length - 1] = index;
    return locs;
  }

  /** A tensor holding a copy of the current values (later `set`s do not change it). */
  toTensor(): Tensor {
    const v = this.values;
    if (this.dtype === 'float32') return ENGINE.makeTensorCopy(v, this.shape);
    return ENGINE.makeTensor(v.slice(), this.shape, this.dtype);
  }
}

/** `tf.buffer(shape, dtype = 'float32', values?)`: a `TensorBuffer` (zeros unless `values` is given; `values` is used, not copied, as TF.js). */
export function buffer(shape: number[], dtype: DataType = 'float32', values?: TypedArray): TensorBuffer {
  return new TensorBuffer(shape, dtype, values);
}

declare module '../core/tensor.ts' {
  interface Tensor {
    /** A `TensorBuffer` with a copy of the values (TF.js `tensor.buffer()`). */
    buffer(): Promise<TensorBuffer>;
    /** The same, synchronously. */
    bufferSync(): TensorBuffer;
  }
}

Object.defineProperty(Tensor.prototype, 'buffer', {
  value: async function (this: Tensor): Promise<TensorBuffer> {
    const v = await this.data();
    return new TensorBuffer(this.shape, this.dtype, v);
  },
  writable: true,
  configurable: true,
});
Object.defineProperty(Tensor.prototype, 'bufferSync', {
  value: function (this: Tensor): TensorBuffer {
    return new TensorBuffer(this.shape, this.dtype, this.dataSync());
  },
  writable: true,
  configurable: true,
});
