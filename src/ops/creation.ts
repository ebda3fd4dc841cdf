/** Tensor creation: tensor, scalar, tensor1d..6d, zeros, ones, fill, zerosLike, onesLike. */
import { ENGINE } from '../core/engine.ts';
import type { DataType } from '../core/dtypes.ts';
import { makeArray } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import { assertValidShape, sizeFromShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, makeTensorFrom, type NestedValues, type TensorLike } from './convert.ts';

/** `tf.tensor(values, shape?, dtype?)`: values nested or flat (then `shape` says the shape). */
export function tensor(values: NestedValues, shape?: number[], dtype?: DataType): Tensor {
  return makeTensorFrom(values, shape, dtype, 'tensor');
}

export function scalar(value: number | boolean, dtype?: DataType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') fail('scalar', `\`value\` must be a number or boolean, received ${typeof value}`);
  return makeTensorFrom(value, [], dtype, 'scalar');
}

function rankN(name: string, rank: number) {
  return (values: NestedValues, shape?: number[], dtype?: DataType): Tensor => {
    const t = makeTensorFrom(values, shape, dtype, name);
    if (t.rank !== rank) fail(name, `expected values of rank ${rank}, received rank ${t.rank} (shape [${t.shape}])`);
    return t;
  };
}

const tensor1dN = rankN('tensor1d', 1);
/** `tf.tensor1d(values, dtype?)`: TF.js's signature (the rank is known, so no shape argument). */
export function tensor1d(values: NestedValues, dtype?: DataType): Tensor {
  if (dtype !== undefined && typeof dtype !== 'string') {
    fail('tensor1d', `\`dtype\` must be 'float32', 'int32' or 'bool', received ${JSON.stringify(dtype)} (the signature is tensor1d(values, dtype))`);
  }
  return tensor1dN(values, undefined, dtype);
}
export const tensor2d = rankN('tensor2d', 2);
export const tensor3d = rankN('tensor3d', 3);
export const tensor4d = rankN('tensor4d', 4);
export const tensor5d = rankN('tensor5d', 5);
export const tensor6d = rankN('tensor6d', 6);

export function fill(shape: number[], value: number | boolean, dtype?: DataType): Tensor {
  return fillAs('fill', shape, value, dtype);
}

/** `fill` reporting errors as `op` (zeros, ones, ...). */
function fillAs(op: string, shape: number[], value: number | boolean, dtype?: DataType): Tensor {
  assertValidShape(shape, op);
  const dt: DataType = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const n = sizeFromShape(shape);
  const arr = dt === 'float32' && ENGINE.backend.floatPrecision === 'float64' ? new Float64Array(n) : makeArray(dt, n);
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  if (dt === 'int32' && !Number.isInteger(v)) fail('fill', `\`value\` must be an integer for dtype int32, received ${value}`);
  if (dt === 'bool' && v !== 0 && v !== 1) fail('fill', `\`value\` must be a boolean for dtype bool, received ${value}`);
  arr.fill(v);
  return ENGINE.makeTensor(arr, shape, dt);
}

export function zeros(shape: number[], dtype: DataType = 'float32'): Tensor {
  return fillAs('zeros', shape, 0, dtype);
}

export function ones(shape: number[], dtype: DataType = 'float32'): Tensor {
  return fillAs('ones', shape, 1, dtype);
}

export function zerosLike(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'x', 'zerosLike');
  return fill(t.shape, 0, t.dtype);
}

export function onesLike(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'x', 'onesLike');
  return fill(t.shape, 1, t.dtype);
}
