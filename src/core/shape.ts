/** Shape arithmetic shared by ops and backends. Pure functions, no tensors. */
import { fail, fmtShape } from './errors.ts';
import { checkElements } from './limits.ts';

export type Shape = number[];

export function sizeFromShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function assertValidShape(shape: readonly number[], op: string, arg = 'shape'): void {
  if (!Array.isArray(shape)) fail(op, `\`${arg}\` must be an array of non-negative integers, received ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      fail(op, `\`${arg}\` must contain non-negative integers, received ${fmtShape(shape)}`);
    }
  }
  checkElements(op, sizeFromShape(shape), `\`${arg}\` ${fmtShape(shape)}`);
}

/** NumPy broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op = 'broadcast'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else fail(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dimension ${i} of the result: ${da} vs ${db})`);
  }
  return out;
}

/**
 * Axes of `outShape` that were broadcast from `inShape` (used to sum gradients back).
 * Leading axes that `inShape` lacks are included.
 */
export function broadcastedAxes(inShape: readonly number[], outShape: readonly number[]): number[] {
  const axes: number[] = [];
  const lead = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    if (i < lead) axes.push(i);
    else if (inShape[i - lead] === 1 && outShape[i] !== 1) axes.push(i);
  }
  return axes;
}

/**
 * Normalizes `axis` (number, array or undefined = all axes) against `rank`, allowing negatives.
 * Returns sorted unique axes; throws on out-of-range or repeated axes.
 */
export function parseAxes(axis: number | readonly number[] | undefined | null, rank: number, op: string): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const seen = new Set<number>();
  for (const a of list) {
    if (!Number.isInteger(a) || a < -rank || a >= Math.max(rank, 1) || (rank === 0 && a !== 0 && a !== -1)) {
      fail(op, `\`axis\` must be integers in [${-rank}, ${rank}), received ${JSON.stringify(axis)} for a rank-${rank} tensor`);
    }
    const n = a < 0 ? a + rank : a;
    if (seen.has(n)) fail(op, `\`axis\` contains axis ${n} twice: ${JSON.stringify(axis)}`);
    seen.add(n);
  }
  return [...seen].filter((a) => a < rank).sort((x, y) => x - y);
}

/** One axis, allowing negatives. */
export function parseAxis(axis: number, rank: number, op: string, arg = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    fail(op, `\`${arg}\` must be an integer in [${-rank}, ${rank}), received ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}
