/**
 * gatherND, scatterND, tensorScatterUpdate as TF.js — compositions over gather and
 * unsortedSegmentSum on flat slice indices (every backend runs them; gradients flow to x and to
 * the updates through those two ops).
 *
 * - gatherND(x, indices [..., k]): y[i...] = x[indices[i...]] — slices of shape x.shape[k:];
 *   y.shape = indices.shape[:-1] + x.shape[k:].
 * - scatterND(indices, updates, shape): zeros of `shape` with each update slice added at its
 *   index (duplicates add up). Indices [n] are n indices into the first axis (TF.js); otherwise
 *   [..., k] with updates.shape = indices.shape[:-1] + shape[k:].
 * - tensorScatterUpdate(tensor, indices, updates): `tensor` with the slices at `indices` replaced
 *   (a repeated index takes the last update, as TF.js).
 *
 * Indices are checked on the host where their values are there (every CPU backend; an index
 * tensor on the GPU is not read back): an index out of range is an error naming the op.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { cast } from './cast.ts';
import { greater, equal } from './compare.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { tensor, zeros } from './creation.ts';
import { gather } from './gather.ts';
import { logicalAnd } from './logical.ts';
import { mul } from './mul.ts';
import { range } from './range.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { slice } from './slice.ts';
import { sum } from './sum.ts';
import { unsortedSegmentSum } from './unsorted_segment_sum.ts';
import { where } from './where.ts';
import { scalar } from './creation.ts';

function strides(dims: readonly number[]): number[] {
  const s = dims.map(() => 1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

/** Flat slice numbers [n] of index rows [n, k] into `dims` (the first k axes), checked on the host when readable. */
function flatIndex(name: string, idx: Tensor, dims: readonly number[]): Tensor {
  const [n, k] = idx.shape as [number, number];
  if (ENGINE.canReadSync(idx)) {
    const v = idx.dataSync();
    for (let i = 0; i < v.length; i++) {
      const d = dims[i % k]!;
      if (v[i]! < 0 || v[i]! >= d) {
        fail(name, `\`indices\` row ${Math.floor(i / k)} is [${Array.from(v.subarray(i - (i % k), i - (i % k) + k))}]: component ${i % k} must be in [0, ${d}) (shape ${fmtShape(dims)})`);
      }
    }
  }
  if (k === 0 || n === 0) return zeros([n], 'int32');
  return sum(mul(idx, tensor(Int32Array.from(strides(dims)), [1, k], 'int32')), 1);
}

function int32Indices(name: string, indices: TensorLike): Tensor {
  const t = convertToTensor(indices, 'indices', name, 'int32');
  if (t.dtype !== 'int32') fail(name, `\`indices\` must be int32, received ${t.dtype}`);
  if (t.rank < 1) fail(name, '`indices` must have rank >= 1, received a scalar');
  return t;
}

export const gatherND = op('gatherND', (x: TensorLike, indices: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'gatherND');
  const idx = int32Indices('gatherND', indices);
  const k = idx.shape[idx.rank - 1]!;
  if ($x.rank < 1) fail('gatherND', '`x` must have rank >= 1, received a scalar');
  if (k > $x.rank) fail('gatherND', `the last dimension of \`indices\` (${k}) must be <= the rank of x (${$x.rank}, shape ${fmtShape($x.shape)})`);
  const outer = idx.shape.slice(0, -1);
  const n = outer.reduce((a, b) => a * b, 1);
  const inner = $x.shape.slice(k);
  const slices = reshape($x, [$x.shape.slice(0, k).reduce((a, b) => a * b, 1), ...inner]);
  return reshape(gather(slices, flatIndex('gatherND', reshape(idx, [n, k]), $x.shape.slice(0, k)), 0), [...outer, ...inner]);
});

/** Checks TF.js's shape rules; returns the index rows [n, k] and updates as [n, ...shape[k:]]. */
function scatterArgs(name: string, indices: TensorLike, updates: TensorLike, shape: readonly number[]): [Tensor, Tensor, number] {
  const idx = int32Indices(name, indices);
  const upd = convertToTensor(updates, 'updates', name);
  if (shape.length < 1) fail(name, '`shape` must have rank >= 1');
  const k = idx.rank > 1 ? idx.shape[idx.rank - 1]! : 1;
  const batch = idx.rank > 1 ? idx.shape.slice(0, -1) : idx.shape.slice();
  const want = [...batch, ...shape.slice(k)];
  if (k > shape.length || upd.rank !== want.length || upd.shape.some((d, i) => d !== want[i])) {
    fail(name, `\`updates\` must have shape ${fmtShape(want)} (indices.shape[:-1] + shape[${k}:]) for indices ${fmtShape(idx.shape)} and shape ${fmtShape(shape)}, received ${fmtShape(upd.shape)}`);
  }
  const n = batch.reduce((a, b) => a * b, 1);
  return [reshape(idx, [n, k]), reshape(upd, [n, ...shape.slice(k)]), k];
}

export const scatterND = op('scatterND', (indices: TensorLike, updates: TensorLike, shape: number[]): Tensor => {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) fail('scatterND', `\`shape\` must be a list of non-negative integers, received ${JSON.stringify(shape)}`);
  const [idx, upd, k] = scatterArgs('scatterND', indices, updates, shape);
  if (upd.dtype === 'bool') fail('scatterND', '`updates` must be float32 or int32, received bool');
  const m = shape.slice(0, k).reduce((a, b) => a * b, 1);
  return reshape(unsortedSegmentSum(upd, flatIndex('scatterND', idx, shape.slice(0, k)), m), shape);
});

export const tensorScatterUpdate = op('tensorScatterUpdate', (tensorIn: TensorLike, indices: TensorLike, updates: TensorLike): Tensor => {
  const t = convertToTensor(tensorIn, 'tensor', 'tensorScatterUpdate');
  const [idx, upd0, k] = scatterArgs('tensorScatterUpdate', indices, updates, t.shape);
  if (upd0.dtype !== t.dtype) fail('tensorScatterUpdate', `\`tensor\` and \`updates\` must have one dtype, received ${t.dtype} and ${upd0.dtype}`);
  const upd = t.dtype === 'bool' ? cast(upd0, 'int32') : upd0;
  const n = idx.shape[0]!;
  const m = t.shape.slice(0, k).reduce((a, b) => a * b, 1);
  const flat = flatIndex('tensorScatterUpdate', idx, t.shape.slice(0, k));
  // Update q is the last for its slice when no later update has the same index; the others go
  // to an extra segment m, dropped below.
  const same = equal(reshape(flat, [n, 1]), reshape(flat, [1, n]));
  const later = greater(reshape(range(0, n, 1, 'int32'), [1, n]), reshape(range(0, n, 1, 'int32'), [n, 1]));
  const last = n === 0 ? zeros([0], 'bool') : equal(sum(cast(logicalAnd(same, later), 'int32'), 1), 0);
  const seg = where(last, flat, scalar(m, 'int32'));
  const inner = t.shape.slice(k);
  const scattered = slice(unsortedSegmentSum(upd, seg, m + 1), 0, m);
  const hit = slice(unsortedSegmentSum(cast(last, 'int32'), seg, m + 1), 0, m);
  const mask = reshape(greater(hit, 0), [m, ...inner.map(() => 1)]);
  const base = reshape(t, [m, ...inner]);
  const out = where(mask, t.dtype === 'bool' ? cast(scattered, 'bool') : scattered, base);
  return reshape(out, t.shape);
});
