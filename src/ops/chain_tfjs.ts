/**
 * The rest of TF.js's chained tensor methods: the conversions (`toFloat`, `toInt`, `toBool`,
 * `asType`, `asScalar`, `as1D` … `as5D`, `reshapeAs`) and the ops whose chained form takes the
 * tensor in another position than the first (`where`, `concat`, `stack`) or that chain.ts does not
 * list (`oneHot`, `zerosLike`, `onesLike`, `unsortedSegmentSum`). Each calls the public op.
 */
import type { DataType } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';
import { cast } from './cast.ts';
import { concat } from './concat.ts';
import { onesLike, zerosLike } from './creation.ts';
import { oneHot } from './one_hot.ts';
import { reshape } from './reshape.ts';
import { stack } from './stack.ts';
import { unsortedSegmentSum } from './unsorted_segment_sum.ts';
import { where } from './where.ts';
import type { TensorLike } from './convert.ts';

declare module '../core/tensor.ts' {
  interface Tensor {
    /** `tf.cast(x, 'float32')`. */
    toFloat(): Tensor;
    /** `tf.cast(x, 'int32')`. */
    toInt(): Tensor;
    /** `tf.cast(x, 'bool')`. */
    toBool(): Tensor;
    /** `tf.cast(x, dtype)`. */
    asType(dtype: DataType): Tensor;
    as2D(rows: number, columns: number): Tensor;
    as3D(rows: number, columns: number, depth: number): Tensor;
    as4D(rows: number, columns: number, depth: number, depth2: number): Tensor;
    as5D(rows: number, columns: number, depth: number, depth2: number, depth3: number): Tensor;
    /** Reshapes to `x.shape`. */
    reshapeAs(x: Tensor): Tensor;
    /** `tf.oneHot(this, depth, onValue, offValue)`. */
    oneHot(depth: number, onValue?: number, offValue?: number): Tensor;
    /** `tf.where(condition, this, x)`: this tensor where `condition` holds, else `x`. */
    where(condition: TensorLike, x: TensorLike): Tensor;
    /** `tf.concat([this, ...x], axis)`. */
    concat(x: Tensor | Tensor[], axis?: number): Tensor;
    /** `tf.stack([this, ...x], axis)`. */
    stack(x: Tensor | Tensor[], axis?: number): Tensor;
    zerosLike(): Tensor;
    onesLike(): Tensor;
    unsortedSegmentSum(segmentIds: TensorLike, numSegments: number): Tensor;
  }
}

function define(name: string, fn: (this: Tensor, ...args: never[]) => unknown): void {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}

function asRank(t: Tensor, name: string, dims: number[]): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || n !== t.size) {
    fail(name, `cannot reshape a tensor of shape ${fmtShape(t.shape)} (${t.size} values) to ${fmtShape(dims)}`);
  }
  return reshape(t, dims);
}

define('toFloat', function () {
  return cast(this, 'float32');
});
define('toInt', function () {
  return cast(this, 'int32');
});
define('toBool', function () {
  return cast(this, 'bool');
});
define('asType', function (dtype: DataType) {
  return cast(this, dtype);
});
define('as2D', function (r: number, c: number) {
  return asRank(this, 'as2D', [r, c]);
});
define('as3D', function (r: number, c: number, d: number) {
  return asRank(this, 'as3D', [r, c, d]);
});
define('as4D', function (r: number, c: number, d: number, d2: number) {
  return asRank(this, 'as4D', [r, c, d, d2]);
});
define('as5D', function (r: number, c: number, d: number, d2: number, d3: number) {
  return asRank(this, 'as5D', [r, c, d, d2, d3]);
});
define('reshapeAs', function (x: Tensor) {
  if (!(x instanceof Tensor)) fail('reshapeAs', `\`x\` must be a Tensor, received ${typeof x}`);
  return reshape(this, x.shape);
});
define('oneHot', function (depth: number, onValue = 1, offValue = 0) {
  return oneHot(this, depth, onValue, offValue);
});
define('where', function (condition: TensorLike, x: TensorLike) {
  return where(condition, this, x);
});
define('concat', function (x: Tensor | Tensor[], axis = 0) {
  return concat([this, ...(x instanceof Tensor ? [x] : x)], axis);
});
define('stack', function (x: Tensor | Tensor[], axis = 0) {
  return stack([this, ...(x instanceof Tensor ? [x] : x)], axis);
});
define('zerosLike', function () {
  return zerosLike(this);
});
define('onesLike', function () {
  return onesLike(this);
});
define('unsortedSegmentSum', function (segmentIds: TensorLike, numSegments: number) {
  return unsortedSegmentSum(this, segmentIds, numSegments);
});
