/**
 * `toCategorical(labels, numClasses?)`: Keras's `to_categorical`. Integer class labels y of shape
 * S become float32 one-hot rows: out[..., c] = (y[...] == c ? 1 : 0), shape S + [numClasses]
 * (a trailing dimension of 1 in S, as in [N,1], is dropped first, as Keras does).
 * `numClasses` defaults to max(y) + 1. Labels must be integers in [0, numClasses).
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from '../ops/convert.ts';

export function toCategorical(labels: TensorLike, numClasses?: number): Tensor {
  const op = 'toCategorical';
  const y = convertToTensor(labels, 'labels', op);
  if (y.dtype === 'bool') fail(op, '`labels` must be integer class indices, received a bool tensor');
  const v = y.dataSync();
  let max = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (!Number.isInteger(c)) fail(op, `labels must be integers, labels[${i}] is ${c}`);
    if (c < 0) fail(op, `labels must be non-negative, labels[${i}] is ${c}`);
    if (c > max) max = c;
  }
  let k: number;
  if (numClasses === undefined || numClasses === null) k = max + 1;
  else {
    if (!Number.isInteger(numClasses) || numClasses < 1) fail(op, `\`numClasses\` must be a positive integer, received ${String(numClasses)}`);
    k = numClasses;
    if (max >= k) fail(op, `labels must be < numClasses = ${k}, labels[${Array.prototype.indexOf.call(v, max)}] is ${max}`);
  }
  if (v.length === 0 && k < 1) fail(op, 'cannot infer `numClasses` from empty labels; pass it');
  let shape = y.shape.slice();
  if (shape.length > 1 && shape[shape.length - 1] === 1) shape = shape.slice(0, -1);
  const out = new Float32Array(v.length * k);
  for (let i = 0; i < v.length; i++) out[i * k + v[i]!] = 1;
  if (out.length !== shape.reduce((a, b) => a * b, 1) * k) fail(op, `internal shape mismatch for labels of shape ${fmtShape(y.shape)}`);
  return ENGINE.makeTensor(out, [...shape, k], 'float32');
}
