/**
 * `tf.util`: TF.js's helper namespace, so programs that call `tf.util.shuffle`,
 * `tf.util.assert`, `tf.util.sizeFromShape`, ... run unchanged.
 *
 * One deliberate difference: the shuffles draw from idem's seeded generator (the global
 * sequence, or `seed` when given), not JavaScript's unseeded generator, so a program shuffles the same way on every
 * run, like every other random draw in idem (`tf.setSeed` changes it).
 */
import type { DataType, TypedArray } from '../core/dtypes.ts';
import { isDataType, isTypedArray as isIdemTypedArray } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { sizeFromShape as coreSizeFromShape, stridesOf } from '../core/shape.ts';
import type { NestedArray } from '../core/tensor.ts';
import { nextStream, randomWords, type SeedLike } from '../random/seed.ts';
import { permutationIndices } from './random_misc.ts';

/** Throws `Error(msg())` when `expr` is falsy (the message is built only then). */
export function assert(expr: unknown, msg: () => string): asserts expr {
  if (!expr) throw new Error(typeof msg === 'function' ? msg() : String(msg));
}

/** Throws when `a` is null or undefined. */
export function assertNonNull(a: unknown, errorMessage: () => string): void {
  assert(a !== null && a !== undefined, errorMessage);
}

/** Throws unless the two shapes are equal. */
export function assertShapesMatch(shapeA: readonly number[], shapeB: readonly number[], errorMessagePrefix = ''): void {
  assert(arraysEqual(shapeA, shapeB), () => errorMessagePrefix + ` Shapes ${fmtShape(shapeA)} and ${fmtShape(shapeB)} must match`);
}

/** Throws unless every dimension is a non-negative integer. */
export function assertNonNegativeIntegerDimensions(shape: readonly number[]): void {
  for (const d of shape) {
    assert(Number.isInteger(d) && d >= 0, () => `Tensor must have a shape comprised of positive integers but got shape ${fmtShape(shape)}.`);
  }
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeFromShape(shape: readonly number[]): number {
  return coreSizeFromShape(shape);
}

export function isScalarShape(shape: readonly number[]): boolean {
  return shape.length === 0;
}

/** Row-major strides of every dimension but the last (TF.js's convention). */
export function computeStrides(shape: readonly number[]): number[] {
  return stridesOf(shape).slice(0, Math.max(0, shape.length - 1));
}

/** Flat index of `locs` given TF.js strides (see `computeStrides`). */
export function locToIndex(locs: readonly number[], rank: number, strides: readonly number[]): number {
  if (rank === 0) return 0;
  if (rank === 1) return locs[0]!;
  let index = locs[locs.length - 1]!;
  for (let i = 0; i < locs.length - 1; i++) index += strides[i]! * locs[i]!;
  return index;
}

/** Coordinates of flat `index` given TF.js strides. */
export function indexToLoc(index: number, rank: number, strides: readonly number[]): number[] {
  if (rank === 0) return [];
  if (rank === 1) return [index];
  const locs = new Array<number>(rank);
  for (let i = 0; i < locs.length - 1; i++) {
    locs[i] = Math.floor(index / strides[i]!);
    index -= locs[i]! * strides[i]!;
  }
  locs[locs.length - 1] = index;
  return locs;
}

/** Element-wise equality of two arrays (or typed arrays). */
export function arraysEqual(n1: ArrayLike<unknown>, n2: ArrayLike<unknown>): boolean {
  if (n1 === n2) return true;
  if (n1 == null || n2 == null || n1.length !== n2.length) return false;
  for (let i = 0; i < n1.length; i++) if (n1[i] !== n2[i]) return false;
  return true;
}

/** `arraysEqual` where a null entry on either side matches anything (shapes with unknown dimensions). */
export function arraysEqualWithNull(n1: ArrayLike<number | null>, n2: ArrayLike<number | null>): boolean {
  if (n1 === n2) return true;
  if (n1 == null || n2 == null || n1.length !== n2.length) return false;
  for (let i = 0; i < n1.length; i++) if (n1[i] !== null && n2[i] !== null && n1[i] !== n2[i]) return false;
  return true;
}

/**
 * Flattens nested arrays (and typed arrays inside them, unless `skipTypedArray`) into `result`
 * in row-major order.
 */
export function flatten<T>(arr: unknown, result: T[] = [], skipTypedArray = false): T[] {
  if (Array.isArray(arr) || (isTypedArray(arr) && !skipTypedArray)) {
    const a = arr as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) flatten(a[i], result, skipTypedArray);
  } else result.push(arr as T);
  return result;
}

/** Sum of the numbers of an array. */
export function sum(arr: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < arr.length; i++) s += arr[i]!;
  return s;
}

export function clamp(min: number, x: number, max: number): number {
  return Math.max(min, Math.min(x, max));
}

export function nearestLargerEven(val: number): number {
  return val % 2 === 0 ? val : val + 1;
}

export function swap<T>(object: { [index: number]: T }, left: number, right: number): void {
  const t = object[left]!;
  object[left] = object[right]!;
  object[right] = t;
}

/** Squared Euclidean distance of two equally long arrays. */
export function distSquared(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let r = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Number(a[i]) - Number(b[i]);
    r += d * d;
  }
  return r;
}

export function isInt(a: number): boolean {
  return a % 1 === 0;
}

export function tanh(x: number): number {
  return Math.tanh(x);
}

/** The smallest divisor of `size` that is at least `start` (or `size`). */
export function nearestDivisor(size: number, start: number): number {
  for (let i = start; i < size; ++i) if (size % i === 0) return i;
  return size;
}

/** [width, height] of a roughly square 2-D layout of `size` elements. */
export function sizeToSquarishShape(size: number): [number, number] {
  const width = Math.ceil(Math.sqrt(size));
  return [width, Math.ceil(size / width)];
}

/** Pads `a` with spaces on the right to `size` characters. */
export function rightPad(a: string, size: number): string {
  return size <= a.length ? a : a + ' '.repeat(size - a.length);
}

/** Resolves -1 in `shape` so that it holds `size` elements. */
export function inferFromImplicitShape(shape: number[], size: number): number[] {
  let shapeProd = 1;
  let implicitIdx = -1;
  for (let i = 0; i < shape.length; ++i) {
    if (shape[i]! >= 0) shapeProd *= shape[i]!;
    else if (shape[i] === -1) {
      if (implicitIdx !== -1) throw Error(`Shapes can only have 1 implicit size. Found -1 at dim ${implicitIdx} and dim ${i}`);
      implicitIdx = i;
    } else if (shape[i]! < 0) throw Error(`Shapes can not be < 0. Found ${shape[i]} at dim ${i}`);
  }
  if (implicitIdx === -1) {
    if (size > 0 && size !== shapeProd) throw Error(`Size(${size}) must match the product of shape ${shape}`);
    return shape;
  }
  if (shapeProd === 0) throw Error(`Cannot infer the missing size in [${shape}] when there are 0 elements`);
  if (size % shapeProd !== 0) throw Error(`The implicit shape can't be a fractional number. Got ${size} / ${shapeProd}`);
  const newShape = shape.slice();
  newShape[implicitIdx] = size / shapeProd;
  return newShape;
}

/** Axes as a sorted-as-given list of non-negative integers (null/undefined: all axes). */
export function parseAxisParam(axis: number | number[] | null | undefined, shape: readonly number[]): number[] {
  const rank = shape.length;
  const list = axis == null ? shape.map((_s, i) => i) : ([] as number[]).concat(axis);
  for (const ax of list) {
    assert(ax >= -rank && ax < rank && Number.isInteger(ax), () => `All values in axis param must be in range [-${rank}, ${rank}) but got axis ${axis}`);
  }
  return list.map((a) => (a < 0 ? rank + a : a));
}

/** Drops dimensions of size 1 (only those in `axis` when given): `{newShape, keptDims}`. */
export function squeezeShape(shape: readonly number[], axis?: number | number[]): { newShape: number[]; keptDims: number[] } {
  const newShape: number[] = [];
  const keptDims: number[] = [];
  const axes = axis == null ? null : parseAxisParam(axis, shape).sort((a, b) => a - b);
  let j = 0;
  for (let i = 0; i < shape.length; ++i) {
    if (axes !== null) {
      if (axes[j] === i && shape[i] !== 1) throw new Error(`Can't squeeze axis ${i} since its dim '${shape[i]}' is not 1`);
      if ((axes[j] === undefined || axes[j]! > i) && shape[i] === 1) {
        newShape.push(shape[i]!);
        keptDims.push(i);
      }
      if (axes[j]! <= i) j++;
    }
    if (shape[i] !== 1) {
      newShape.push(shape[i]!);
      keptDims.push(i);
    }
  }
  return { newShape, keptDims };
}

// ------------------------------------------------------------------ dtypes and arrays

export function isTypedArray(a: unknown): a is Float32Array | Int32Array | Uint8Array | Uint8ClampedArray {
  return isIdemTypedArray(a) || a instanceof Uint8ClampedArray;
}

export function isString(value: unknown): value is string {
  return typeof value === 'string' || value instanceof String;
}

export function isBoolean(value: unknown): boolean {
  return typeof value === 'boolean';
}

export function isNumber(value: unknown): boolean {
  return typeof value === 'number';
}

export function isFunction(f: unknown): boolean {
  return typeof f === 'function';
}

export function isPromise(object: unknown): object is Promise<unknown> {
  return object !== null && typeof object === 'object' && typeof (object as { then?: unknown }).then === 'function';
}

export function isValidDtype(dtype: unknown): dtype is DataType {
  return isDataType(dtype);
}

/** The dtype TF.js infers for values: Float32Array float32; Int32Array, Uint8Array and Uint8ClampedArray int32; booleans bool; numbers float32. */
export function inferDtype(values: unknown): DataType {
  if (Array.isArray(values)) return values.length === 0 ? 'float32' : inferDtype(values[0]);
  if (values instanceof Float32Array || values instanceof Float64Array) return 'float32';
  if (values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray) return 'int32';
  if (typeof values === 'boolean') return 'bool';
  if (typeof values === 'string') fail('util.inferDtype', 'string tensors are not supported by idem (dtypes: float32, int32, bool)');
  return 'float32';
}

export function bytesPerElement(dtype: DataType): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool') return 1;
  fail('util.bytesPerElement', `unknown dtype ${String(dtype)}`);
}

/** Whether casting `oldType` to `newType` can lose information. */
export function hasEncodingLoss(oldType: DataType, newType: DataType): boolean {
  if (newType === 'float32') return false;
  if (newType === 'int32' && oldType !== 'float32') return false;
  if (newType === 'bool' && oldType === 'bool') return false;
  return true;
}

/** A zero-filled array of `size` elements for `dtype` (Float32Array, Int32Array, Uint8Array). */
export function getTypedArrayFromDType(dtype: DataType, size: number): Float32Array | Int32Array | Uint8Array {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
    default: fail('util.getTypedArrayFromDType', `unknown dtype ${String(dtype)}`);
  }
}

export const getArrayFromDType = getTypedArrayFromDType;

export function makeZerosTypedArray(size: number, dtype: DataType): Float32Array | Int32Array | Uint8Array {
  return getTypedArrayFromDType(dtype, size);
}

export function makeOnesTypedArray(size: number, dtype: DataType): Float32Array | Int32Array | Uint8Array {
  const a = getTypedArrayFromDType(dtype, size);
  a.fill(1);
  return a;
}

/** Nested arrays of zeros of `shape`. */
export function makeZerosNestedTypedArray(shape: readonly number[], dtype: DataType): NestedArray {
  const size = coreSizeFromShape(shape);
  return toNestedArray(shape, getTypedArrayFromDType(dtype, size));
}

/** Throws when a value is NaN or infinite for an integer dtype (the conversion would be silent). */
export function checkConversionForErrors(vals: ArrayLike<number>, dtype: DataType): void {
  for (let i = 0; i < vals.length; i++) {
    const num = vals[i] as number;
    if (Number.isNaN(num) || !Number.isFinite(num)) throw Error(`A tensor of type ${dtype} being uploaded contains ${num}.`);
  }
}

/** Flat values (nested arrays are flattened) as the typed array of `dtype`. */
export function toTypedArray(a: unknown, dtype: DataType): TypedArray {
  if (isTypedArray(a) && !(a instanceof Uint8ClampedArray)) {
    const want = getTypedArrayFromDType(dtype, 0).constructor;
    if (a.constructor === want) return a;
  }
  const flat = Array.isArray(a) ? flatten<number | boolean>(a) : isTypedArray(a) ? Array.from(a as ArrayLike<number>) : [a as number];
  const out = getTypedArrayFromDType(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) out[i] = Number(flat[i]);
  return out;
}

/** Nested arrays of `shape` from flat values `a`. */
export function toNestedArray(shape: readonly number[], a: ArrayLike<number>, isComplex = false): NestedArray {
  if (isComplex) fail('util.toNestedArray', 'complex values are not supported by idem');
  if (shape.length === 0) return a[0]!;
  const size = coreSizeFromShape(shape);
  if (size === 0) return [];
  if (size !== a.length) throw new Error(`[${shape}] does not match the input size ${a.length}.`);
  const build = (offset: number, dim: number): NestedArray[] => {
    const n = shape[dim]!;
    const out: NestedArray[] = new Array(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = a[offset + i]!;
      return out;
    }
    const stride = coreSizeFromShape(shape.slice(dim + 1));
    for (let i = 0; i < n; i++) out[i] = build(offset + i * stride, dim + 1);
    return out;
  };
  return build(0, 0);
}

// ------------------------------------------------------------------ strings

/** UTF-8 (the only encoding TF.js supports here too) bytes of `s`. */
export function encodeString(s: string, encoding = 'utf-8'): Uint8Array {
  if (encoding.toLowerCase().replace('-', '') !== 'utf8') fail('util.encodeString', `only utf-8 is supported, received ${encoding}`);
  return new TextEncoder().encode(s);
}

export function decodeString(bytes: Uint8Array, encoding = 'utf-8'): string {
  if (encoding.toLowerCase().replace('-', '') !== 'utf8') fail('util.decodeString', `only utf-8 is supported, received ${encoding}`);
  return new TextDecoder().decode(bytes);
}

/** Total byte length of an array of byte arrays. */
export function bytesFromStringArray(arr: Uint8Array[]): number {
  let bytes = 0;
  for (const x of arr) bytes += x.length;
  return bytes;
}

// ------------------------------------------------------------------ randomness (seeded)

/**
 * Shuffles `array` in place (Fisher–Yates). The draws come from idem's seeded generator — the
 * global sequence, or `seed`'s — so the same program shuffles the same way on every run (TF.js draws
 * from an unseeded generator).
 */
export function shuffle<T>(array: T[] | Uint32Array | Int32Array | Float32Array, seed?: SeedLike): void {
  const n = array.length;
  if (n < 2) return;
  const idx = permutationIndices(n, seed, 'util.shuffle');
  const copy = Array.from(array as ArrayLike<T>);
  for (let i = 0; i < n; i++) (array as T[])[i] = copy[idx[i]!]!;
}

/** Shuffles two arrays of the same length in place with one permutation. */
export function shuffleCombo<A, B>(array: A[] | Uint32Array | Int32Array | Float32Array, array2: B[] | Uint32Array | Int32Array | Float32Array, seed?: SeedLike): void {
  if (array.length !== array2.length) throw new Error(`Array sizes must match to be shuffled together First array length was ${array.length}Second array length was ${array2.length}`);
  const n = array.length;
  if (n < 2) return;
  const idx = permutationIndices(n, seed, 'util.shuffleCombo');
  const c1 = Array.from(array as ArrayLike<A>);
  const c2 = Array.from(array2 as ArrayLike<B>);
  for (let i = 0; i < n; i++) {
    (array as A[])[i] = c1[idx[i]!]!;
    (array2 as B[])[i] = c2[idx[i]!]!;
  }
}

/** A random permutation of 0..n-1 as a Uint32Array (seeded, as `shuffle`). */
export function createShuffledIndices(n: number, seed?: SeedLike): Uint32Array {
  if (!Number.isInteger(n) || n < 0) fail('util.createShuffledIndices', `\`n\` must be a non-negative integer, received ${String(n)}`);
  return Uint32Array.from(permutationIndices(n, seed, 'util.createShuffledIndices'));
}

/** A uniform number in [a, b) from the seeded generator. */
export function randUniform(a: number, b: number, seed?: SeedLike): number {
  const w = randomWords(nextStream(seed, 'util.randUniform'), 1)[0]!;
  return a + ((w >>> 9) * 1.1920928955078125e-7) * (b - a);
}

// ------------------------------------------------------------------ time and scheduling

/** Milliseconds with sub-millisecond resolution (`performance.now()`). */
export function now(): number {
  return performance.now();
}

/**
 * Calls `checkFn` until it returns true, waiting `delayFn(tries)` ms between calls (default
 * 0), at most `maxCounter` times (rejects then).
 */
export function repeatedTry(checkFn: () => boolean, delayFn: (counter: number) => number = () => 0, maxCounter?: number, scheduleFn?: (fn: () => void, ms: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const tryFn = (): void => {
      if (checkFn()) {
        resolve();
        return;
      }
      tries++;
      const next = delayFn(tries);
      if (maxCounter != null && tries >= maxCounter) {
        reject();
        return;
      }
      if (scheduleFn != null) scheduleFn(tryFn, next);
      else setTimeout(tryFn, next);
    };
    tryFn();
  });
}

/** `fetch` of the platform (Node ≥ 18 and browsers have one). */
export function fetch(path: string, requestInits?: RequestInit): Promise<Response> {
  const f = (globalThis as { fetch?: typeof globalThis.fetch }).fetch;
  if (typeof f !== 'function') fail('util.fetch', 'this JavaScript environment has no global fetch');
  return f(path, requestInits);
}

/**
 * `tf.nextFrame()`: a promise that resolves on the next animation frame in a browser, or on the
 * next turn of the event loop elsewhere (so a long loop can let the page or other work run).
 */
export function nextFrame(): Promise<void> {
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => unknown }).requestAnimationFrame;
  if (typeof raf === 'function') return new Promise((resolve) => raf(() => resolve()));
  const si = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (typeof si === 'function' ? si(() => resolve()) : setTimeout(resolve, 0)));
}

/** `tf.print(x, verbose = false)`: prints the tensor (TF.js's form of `x.print()`). */
export function print(x: { print(verbose?: boolean): void }, verbose = false): void {
  if (x === null || typeof x !== 'object' || typeof (x as { print?: unknown }).print !== 'function') fail('print', `\`x\` must be a Tensor, received ${x === null ? 'null' : typeof x}`);
  x.print(verbose);
}
