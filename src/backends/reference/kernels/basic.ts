/**
 * The kernels the engine and autodiff need first: arithmetic, exp/log, cast, reshape, sum,
 * broadcastTo. Other families live in their own files (elementwise.ts, shape.ts, ...).
 */
import type { KernelFunc, TensorInfo } from '../../../core/backend.ts';
import type { DataType } from '../../../core/dtypes.ts';
import { sizeFromShape } from '../../../core/shape.ts';
import { alignedStrides, binaryOp, forEachBroadcast2, reduceOp, ref, unaryOp } from './util.ts';

const outOf = (a: TensorInfo): DataType => a.dtype;

export const basicKernels: Record<string, KernelFunc> = {
  Add: (args) => binaryOp(args, outOf(args.inputs['a']!), (a, b) => a + b),
  Sub: (args) => binaryOp(args, outOf(args.inputs['a']!), (a, b) => a - b),
  Mul: (args) => binaryOp(args, outOf(args.inputs['a']!), (a, b) => a * b),
  // int32 division floors, as TF.js does (TensorFlow's truediv would return floats).
  Div: (args) =>
    args.inputs['a']!.dtype === 'int32'
      ? binaryOp(args, 'int32', (a, b) => Math.floor(a / b))
      : binaryOp(args, 'float32', (a, b) => a / b),
  Neg: (args) => unaryOp(args, null, (x) => -x),
  Exp: (args) => unaryOp(args, null, Math.exp),
  Log: (args) => unaryOp(args, null, Math.log),

  Cast: (args) => {
    const dtype = args.attrs['dtype'] as DataType;
    if (dtype === 'bool') return unaryOp(args, 'bool', (x) => (x !== 0 ? 1 : 0));
    // float → int truncates toward zero, as TensorFlow's cast does.
    if (dtype === 'int32') return unaryOp(args, 'int32', (x) => Math.trunc(x));
    return unaryOp(args, dtype, (x) => x);
  },

  /** Shares storage: no copy. */
  Reshape: (args) => {
    const x = args.inputs['x']!;
    return { dataId: x.dataId, shape: (args.attrs['shape'] as number[]).slice(), dtype: x.dtype };
  },

  /** A new tensor with the same values (its own storage). */
  Identity: (args) => unaryOp(args, null, (x) => x),

  Sum: (args) => {
    const x = args.inputs['x']!;
    const outDtype = x.dtype === 'bool' ? 'int32' : x.dtype;
    return reduceOp(ref(args), x, args.attrs['axes'] as number[], args.attrs['keepDims'] as boolean, outDtype, 0, (a, v) => a + v);
  },

  BroadcastTo: (args) => {
    const be = ref(args);
    const x = args.inputs['x']!;
    const shape = args.attrs['shape'] as number[];
    const xv = be.values(x);
    const out = be.alloc(x.dtype, sizeFromShape(shape));
    const s = alignedStrides(x.shape, shape);
    forEachBroadcast2(shape, s, s, (p, px) => {
      out[p] = xv[px]!;
    });
    return be.make(out, shape, x.dtype);
  },
};
