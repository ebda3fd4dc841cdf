/**
 * concat(tensors, axis = 0): joins tensors of equal rank and dtype along `axis`; all other
 * dimensions must match. Gradient: each input gets its slice of dy.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { parseAxis } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { clone } from './identity.ts';
import { op } from './op.ts';
import { slice } from './slice.ts';

/** Converts a list of tensor-likes, checking same dtype (plain values take the first tensor's dtype). */
export function convertList(tensors: TensorLike[], opName: string, arg = 'tensors'): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) fail(opName, `\`${arg}\` must be a non-empty array of tensors, received ${Array.isArray(tensors) ? '[]' : typeof tensors}`);
  const first = tensors.find((t): t is Tensor => t instanceof Tensor);
  const ts = tensors.map((t, i) => convertToTensor(t, `${arg}[${i}]`, opName, first?.dtype));
  for (let i = 1; i < ts.length; i++) {
    if (ts[i]!.dtype !== ts[0]!.dtype) fail(opName, `${arg} must have the same dtype: ${arg}[0] is ${ts[0]!.dtype}, ${arg}[${i}] is ${ts[i]!.dtype} (use tf.cast)`);
  }
  return ts;
}

export const concat = op('concat', (tensors: TensorLike[], axis = 0): Tensor => {
  const ts = convertList(tensors, 'concat');
  const t0 = ts[0]!;
  if (t0.rank === 0) fail('concat', `tensors must have rank at least 1, tensors[0] is a scalar (use tf.stack)`);
  for (let i = 1; i < ts.length; i++) {
    if (ts[i]!.rank !== t0.rank) {
      fail('concat', `tensors must have the same rank: tensors[0] is ${fmtShape(t0.shape)} (rank ${t0.rank}), tensors[${i}] is ${fmtShape(ts[i]!.shape)} (rank ${ts[i]!.rank})`);
    }
  }
  const a = parseAxis(axis, t0.rank, 'concat');
  for (let i = 1; i < ts.length; i++) {
    const s = ts[i]!.shape;
    if (s.some((d, k) => k !== a && d !== t0.shape[k])) {
      fail('concat', `tensors must have the same shape except on axis ${a}: tensors[0] is ${fmtShape(t0.shape)}, tensors[${i}] is ${fmtShape(s)}`);
    }
  }
  if (ts.length === 1) return clone(t0);
  const inputs: Record<string, Tensor> = {};
  ts.forEach((t, i) => (inputs[`x${i}`] = t));
  return ENGINE.runKernel('Concat', inputs, { axis: a });
});

ENGINE.registerGradient('Concat', (dy, { inputs, attrs }) => {
  const axis = attrs['axis'] as number;
  const thunks: Record<string, () => Tensor> = {};
  let offset = 0;
  for (let i = 0; `x${i}` in inputs; i++) {
    const shape = inputs[`x${i}`]!.shape;
    const begin = shape.map((_, d) => (d === axis ? offset : 0));
    thunks[`x${i}`] = () => slice(dy, begin, shape.slice());
    offset += shape[axis]!;
  }
  return thunks;
});
