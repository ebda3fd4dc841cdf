/**
 * Shared argument handling for the losses: float conversion (TF1 casts labels, predictions and
 * weights to float32, so int32/bool inputs are cast explicitly here) and the labels/predictions
 * shape check (TF's `assert_is_compatible_with`: equal shapes).
 */
import { fail, fmtShape } from '../core/errors.ts';
import { shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { cast } from '../ops/cast.ts';
import { convertToTensor, type TensorLike } from '../ops/convert.ts';

/** Converts `x` to a tensor and casts int32/bool to float32 (as TF1's losses do). */
export function toFloat(x: TensorLike, arg: string, name: string): Tensor {
  const t = convertToTensor(x, arg, name, 'float32');
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/** Throws unless `a` and `b` have the same shape, naming the loss and both arguments. */
export function assertSameShape(name: string, aName: string, a: Tensor, bName: string, b: Tensor): void {
  if (!shapesEqual(a.shape, b.shape)) {
    fail(name, `\`${aName}\` and \`${bName}\` must have the same shape, received ${aName} ${fmtShape(a.shape)} and ${bName} ${fmtShape(b.shape)}`);
  }
}

/** Validates a finite number within [lo, hi]. */
export function assertNumberIn(name: string, arg: string, v: unknown, lo: number, hi: number, loOpen = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (loOpen && v === lo)) {
    fail(name, `\`${arg}\` must be a number in ${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? 'inf)' : hi + ']'}, received ${String(v)}`);
  }
  return v;
}
