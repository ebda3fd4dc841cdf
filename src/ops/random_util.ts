/** Shared pieces of random ops: float storage for the current backend and shape checks. */
import { ENGINE } from '../core/engine.ts';
import type { DataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import { assertValidShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';

export function floatStorage(n: number): Float32Array | Float64Array {
  return ENGINE.backend.floatPrecision === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

export function checkRandomArgs(shape: number[], dtype: DataType, op: string, allowed: DataType[] = ['float32']): void {
  assertValidShape(shape, op);
  if (!allowed.includes(dtype)) fail(op, `\`dtype\` must be ${allowed.join(' or ')}, received ${String(dtype)}`);
}

export function fromFloats(values: Float32Array | Float64Array, shape: number[]): Tensor {
  return ENGINE.makeTensor(values, shape, 'float32');
}
