/**
 * `Tensor`: an immutable n-dimensional array held by a backend. A tensor holds only a handle
 * (`dataId`) to storage its backend owns; values are read with `dataSync()`/`data()`.
 *
 * Memory model: a tensor that is no longer referenced is reclaimed by the garbage collector
 * together with its storage, so ordinary code needs no `dispose`. `dispose()`, `tidy` and `keep`
 * exist (as in TF.js) to release memory early; see the README's "Memory" section.
 */
import type { DataId } from './backend.ts';
import type { DataType, TypedArray } from './dtypes.ts';
import { fail } from './errors.ts';
import { sizeFromShape } from './shape.ts';

/** What a tensor needs from the engine; set by engine.ts at load time (avoids an import cycle). */
export interface TensorHost {
  readSync(t: Tensor): TypedArray;
  /** A copy of the values (the backend's storage stays its own: it may recycle it). */
  readCopy(t: Tensor): TypedArray;
  read(t: Tensor): Promise<TypedArray>;
  disposeTensor(t: Tensor): void;
  nextTensorId(): number;
  onTensorCreated(t: Tensor): void;
}

let host: TensorHost | null = null;
export function setTensorHost(h: TensorHost): void {
  host = h;
}
function getHost(): TensorHost {
  if (!host) throw new Error('idem: engine not initialized');
  return host;
}

export type NestedArray = number | boolean | NestedArray[];

export class Tensor {
  /** Unique id; gradients and tapes key on it. */
  readonly id: number;
  readonly shape: number[];
  readonly dtype: DataType;
  readonly size: number;
  /** Backend storage handle. Internal: only the engine and Variable.assign change it. */
  dataId: DataId;
  /** Set by `keep()`: `tidy` will not dispose it. */
  kept = false;
  protected disposed = false;

  constructor(dataId: DataId, shape: readonly number[], dtype: DataType, id?: number) {
    const h = getHost();
    this.id = id ?? h.nextTensorId();
    this.shape = shape.slice();
    this.dtype = dtype;
    this.size = sizeFromShape(shape);
    this.dataId = dataId;
    h.onTensorCreated(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** @internal marks this tensor disposed; called by the engine. */
  markDisposed(): void {
    this.disposed = true;
  }

  throwIfDisposed(op = 'Tensor'): void {
    if (this.disposed) fail(op, `tensor ${this.id} (shape [${this.shape}], ${this.dtype}) was already disposed`);
  }

  /** A copy of the values (float32 → Float32Array, int32 → Int32Array, bool → Uint8Array). */
  dataSync(): TypedArray {
    this.throwIfDisposed('dataSync');
    return getHost().readCopy(this);
  }

  async data(): Promise<TypedArray> {
    this.throwIfDisposed('data');
    return (await getHost().read(this)).slice();
  }

  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  dispose(): void {
    if (this.disposed) return;
    getHost().disposeTensor(this);
  }

  toString(verbose = false): string {
    if (this.disposed) return `Tensor (disposed) shape [${this.shape}] ${this.dtype}`;
    const head = verbose ? `Tensor\n  dtype: ${this.dtype}\n  rank: ${this.rank}\n  shape: [${this.shape}]\n  values:\n` : 'Tensor\n';
    return head + formatValues(this.dataSync(), this.shape, this.dtype, verbose ? '    ' : '    ');
  }

  print(verbose = false): void {
    console.log(this.toString(verbose));
  }
}

/** Rank-named aliases, for TF.js source compatibility. */
export type Scalar = Tensor;
export type Tensor1D = Tensor;
export type Tensor2D = Tensor;
export type Tensor3D = Tensor;
export type Tensor4D = Tensor;
export type Tensor5D = Tensor;
export type Rank = number;

function scalarValue(v: number, dtype: DataType): number | boolean {
  return dtype === 'bool' ? v !== 0 : v;
}

export function toNested(values: TypedArray, shape: readonly number[], dtype: DataType): NestedArray {
  if (shape.length === 0) return scalarValue(values[0]!, dtype);
  const build = (dim: number, offset: number): NestedArray[] => {
    const n = shape[dim]!;
    const out: NestedArray[] = new Array(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = scalarValue(values[offset + i]!, dtype);
      return out;
    }
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d]!;
    for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
    return out;
  };
  return build(0, 0);
}

function fmtNum(v: number, dtype: DataType): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const s = Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-4 && v !== 0) ? v.toExponential(4) : v.toFixed(4);
  return s;
}

const MAX_PRINT = 6;

function formatValues(values: TypedArray, shape: readonly number[], dtype: DataType, indent: string): string {
  if (shape.length === 0) return indent + fmtNum(values[0]!, dtype);
  const rec = (dim: number, offset: number, pad: string): string => {
    const n = shape[dim]!;
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d]!;
    const idx: (number | null)[] = [];
    if (n > MAX_PRINT) {
      for (let i = 0; i < MAX_PRINT / 2; i++) idx.push(i);
      idx.push(null);
      for (let i = n - MAX_PRINT / 2; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    if (dim === shape.length - 1) {
      return '[' + idx.map((i) => (i === null ? '...' : fmtNum(values[offset + i]!, dtype))).join(', ') + ']';
    }
    const parts = idx.map((i) => (i === null ? '...' : rec(dim + 1, offset + i * stride, pad + ' ')));
    return '[' + parts.join(',\n' + pad + ' ') + ']';
  };
  return indent + rec(0, 0, indent);
}
