/** Converting user values (numbers, nested arrays, typed arrays, tensors) to tensors, with checks. */
import { ENGINE } from '../core/engine.ts';
import type { DataType, TypedArray } from '../core/dtypes.ts';
import { isTypedArray } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';

export type NestedValues = number | boolean | NestedValues[] | TypedArray | Uint8ClampedArray;
export type TensorLike = Tensor | NestedValues;

/** Shape of a (possibly nested) array, checking that it is rectangular. */
export function inferShape(values: NestedValues, op: string, arg: string): number[] {
  if (isTypedArray(values)) return [values.length];
  if (!Array.isArray(values)) return [];
  const shape: number[] = [];
  let cur: NestedValues = values;
  while (Array.isArray(cur) || isTypedArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = (cur as NestedValues[])[0]!;
  }
  const check = (v: NestedValues, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(v) || isTypedArray(v)) fail(op, `\`${arg}\` is not rectangular: expected a scalar at depth ${dim}`);
      return;
    }
    if (!(Array.isArray(v) || isTypedArray(v)) || v.length !== shape[dim]) {
      fail(op, `\`${arg}\` is not rectangular: expected length ${shape[dim]} at depth ${dim} (inferred shape ${fmtShape(shape)}), received ` +
        `${Array.isArray(v) || isTypedArray(v) ? 'length ' + v.length : String(v)}`);
    }
    if (isTypedArray(v)) return;
    for (const e of v) check(e, dim + 1);
  };
  check(values, 0);
  return shape;
}

function flatten(values: NestedValues, out: (number | boolean)[]): void {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else if (isTypedArray(values) || values instanceof Uint8ClampedArray) for (let i = 0; i < values.length; i++) out.push(values[i]!);
  else out.push(values);
}

/**
 * TF.js's rule: Float32Array → float32; Int32Array, Uint8Array (and Uint8ClampedArray, converted
 * on entry) → int32 — image bytes are integers, not booleans; booleans → bool; numbers → float32.
 * A bool tensor's `dataSync()` (a Uint8Array) therefore needs `dtype: 'bool'` to become bool again.
 */
function inferDtype(values: NestedValues): DataType {
  if (values instanceof Int32Array || values instanceof Uint8Array) return 'int32';
  if (isTypedArray(values)) return 'float32';
  let v: NestedValues = values;
  while (Array.isArray(v)) {
    if (v.length === 0) return 'float32';
    v = v[0]!;
  }
  return typeof v === 'boolean' ? 'bool' : 'float32';
}

/** Flat storage array for `dtype` from nested values, checking each element's type. */
export function toStorage(values: NestedValues, dtype: DataType, op: string, arg: string): TypedArray {
  if (isTypedArray(values)) return typedToStorage(values, dtype, op, arg);
  if (!Array.isArray(values) && !isTypedArray(values)) values = [values];
  const flat: (number | boolean)[] = [];
  flatten(values, flat);
  switch (dtype) {
    case 'float32': {
      // The float64 reference backend (gradient checks) keeps full precision.
      const out = ENGINE.backend.floatPrecision === 'float64' ? new Float64Array(flat.length) : new Float32Array(flat.length);
      for (let i = 0; i < flat.length; i++) {
        const v = flat[i];
        if (typeof v !== 'number') fail(op, `\`${arg}\` must hold numbers for dtype float32, received ${typeof v} ${String(v)}`);
        out[i] = v;
      }
      return out;
    }
    case 'int32': {
      const out = new Int32Array(flat.length);
      for (let i = 0; i < flat.length; i++) {
        const v = flat[i];
        if (typeof v !== 'number' || !Number.isInteger(v) || v > 2147483647 || v < -2147483648) {
          fail(op, `\`${arg}\` must hold 32-bit integers for dtype int32, received ${String(v)}`);
        }
        out[i] = v;
      }
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(flat.length);
      for (let i = 0; i < flat.length; i++) {
        const v = flat[i];
        if (typeof v === 'boolean') out[i] = v ? 1 : 0;
        else if (v === 0 || v === 1) out[i] = v;
        else fail(op, `\`${arg}\` must hold booleans (or 0/1) for dtype bool, received ${String(v)}`);
      }
      return out;
    }
  }
}

/**
 * The flat typed-array case of `toStorage` without going through a generic element list: a
 * batch of MNIST (78,400 floats) built element by element cost ~1 ms per tensor. The checks are
 * the generic path's: float32 takes any number, int32 only 32-bit integers, bool only 0/1.
 */
function typedToStorage(values: TypedArray, dtype: DataType, op: string, arg: string): TypedArray {
  const n = values.length;
  switch (dtype) {
    case 'float32':
      // The typed-array constructor converts each element as `out[i] = v` does (round to nearest float32).
      return ENGINE.backend.floatPrecision === 'float64' ? new Float64Array(values) : new Float32Array(values);
    case 'int32': {
      if (values instanceof Int32Array) return values.slice();
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) {
          fail(op, `\`${arg}\` must hold 32-bit integers for dtype int32, received ${String(v)}`);
        }
        out[i] = v;
      }
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (v !== 0 && v !== 1) fail(op, `\`${arg}\` must hold booleans (or 0/1) for dtype bool, received ${String(v)}`);
        out[i] = v;
      }
      return out;
    }
  }
}

/** Makes a tensor from values of known shape/dtype (validated). */
export function makeTensorFrom(values: NestedValues, shape: number[] | undefined, dtype: DataType | undefined, op: string, arg = 'values'): Tensor {
  if ((values as unknown) instanceof Uint8ClampedArray) values = Int32Array.from(values as unknown as Uint8ClampedArray);
  const inferred = inferShape(values, op, arg);
  const dt = dtype ?? inferDtype(values);
  // A flat typed array for a float32 tensor is copied once, straight into the backend's storage.
  const direct = dt === 'float32' && isTypedArray(values);
  const storage = direct ? null : toStorage(values, dt, op, arg);
  const count = storage ? storage.length : (values as TypedArray).length;
  let finalShape = inferred;
  if (shape) {
    let n = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) fail(op, `\`shape\` must contain non-negative integers, received ${fmtShape(shape)}`);
      n *= d;
    }
    if (n !== count) {
      fail(op, `\`shape\` ${fmtShape(shape)} holds ${n} values but ${count} were given (values shape ${fmtShape(inferred)})`);
    }
    finalShape = shape;
  }
  return storage ? ENGINE.makeTensor(storage, finalShape, dt) : ENGINE.makeTensorCopy(values as TypedArray, finalShape);
}

/**
 * Converts an op argument to a tensor. Tensors pass through (never converted); plain values
 * take `dtype` if given, else bool for booleans and float32 for numbers.
 */
export function convertToTensor(x: TensorLike, arg: string, op: string, dtype?: DataType): Tensor {
  if (x instanceof Tensor) {
    if (x.isDisposed) x.throwIfDisposed(`${op} (argument ${arg})`);
    return x;
  }
  if (x === null || x === undefined) fail(op, `argument \`${arg}\` is required, received ${String(x)}`);
  if ((x as unknown) instanceof Uint8ClampedArray) x = Int32Array.from(x as unknown as Uint8ClampedArray);
  if (typeof x !== 'number' && typeof x !== 'boolean' && !Array.isArray(x) && !isTypedArray(x)) {
    fail(op, `argument \`${arg}\` must be a Tensor, number, boolean or array, received ${typeof x}`);
  }
  return makeTensorFrom(x, undefined, dtype, op, arg);
}

/**
 * Converts the two operands of a binary op. Two tensors must have the same dtype (idem never
 * casts silently: use `tf.cast`); a plain value takes the other operand's dtype.
 */
export function convertPair(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) {
    if (a.isDisposed) a.throwIfDisposed(`${op} (argument a)`);
    if (b.isDisposed) b.throwIfDisposed(`${op} (argument b)`);
    if (a.dtype !== b.dtype) {
      fail(op, `operands must have the same dtype, received a: ${a.dtype} and b: ${b.dtype} (use tf.cast)`);
    }
    return [a, b];
  }
  if (a instanceof Tensor) return [convertToTensor(a, 'a', op), convertToTensor(b, 'b', op, a.dtype)];
  if (b instanceof Tensor) return [convertToTensor(a, 'a', op, b.dtype), convertToTensor(b, 'b', op)];
  const ta = convertToTensor(a, 'a', op);
  return [ta, convertToTensor(b, 'b', op, ta.dtype)];
}

export function assertDtype(t: Tensor, allowed: readonly DataType[], arg: string, op: string): void {
  if (!allowed.includes(t.dtype)) fail(op, `\`${arg}\` must have dtype ${allowed.join(' or ')}, received ${t.dtype}`);
}

export function assertFloat(t: Tensor, arg: string, op: string): void {
  assertDtype(t, ['float32'], arg, op);
}

export function assertNumeric(t: Tensor, arg: string, op: string): void {
  assertDtype(t, ['float32', 'int32'], arg, op);
}
