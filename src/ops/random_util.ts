/** Shared pieces of random ops: float storage for the current backend and shape checks. */
import { ENGINE } from '../core/engine.ts';
import type { DataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import { assertValidShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { checkSeedLike, type SeedLike } from '../random/seed.ts';

export function floatStorage(n: number): Float32Array | Float64Array {
  return ENGINE.backend.floatPrecision === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

export function checkRandomArgs(shape: number[], dtype: DataType, op: string, allowed: DataType[] = ['float32']): void {
  assertValidShape(shape, op);
  if (!allowed.includes(dtype)) fail(op, `\`dtype\` must be ${allowed.join(' or ')}, received ${String(dtype)}`);
}

export function fromFloats(values: Float32Array | Float64Array, shape: readonly number[]): Tensor {
  return ENGINE.makeTensor(values, shape, 'float32');
}

/**
 * A random op's draw as a replayable effect (`ENGINE.effect`): a tf.function replay draws again
 * (the next stream), as eager calls would; a shape probe gets zeros of the same shape and dtype
 * and no sequence advances (the seed is still checked).
 */
export function draw(inputs: Tensor[], run: (inputs: Tensor[]) => Tensor, seed: SeedLike, op: string, shape: (inputs: Tensor[]) => readonly number[], dtype: DataType = 'float32'): Tensor {
  return ENGINE.effect(inputs, run, (ins) => {
    checkSeedLike(seed, op);
    const s = shape(ins);
    let n = 1;
    for (const d of s) n *= d;
    return dtype === 'float32' ? fromFloats(floatStorage(n), s.slice()) : ENGINE.makeTensor(dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n), s, dtype);
  });
}
