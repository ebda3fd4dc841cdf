/**
 * Chained ops, as in TF.js: `x.add(y).relu()` is `tf.relu(tf.add(x, y))`. Each method calls the
 * public op with the tensor as its first argument; nothing else happens here.
 */
import { Tensor } from '../core/tensor.ts';
import * as ops from './index.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Chained<F> = F extends (x: any, ...rest: infer R) => infer O ? (...rest: R) => O : never;

/** The ops chained as tensor methods (declared once: the methods' types are derived from it). */
const CHAINED = [
  'add', 'sub', 'mul', 'div', 'floorDiv', 'mod', 'pow', 'maximum', 'minimum', 'squaredDifference',
  'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal',
  'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'relu6', 'elu', 'selu', 'leakyRelu', 'prelu',
  'softplus', 'softsign', 'gelu', 'erf', 'floor', 'ceil', 'round', 'clipByValue', 'equal',
  'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual', 'logicalAnd', 'logicalOr',
  'logicalNot', 'isNaN', 'isFinite', 'isInf', 'sum', 'mean', 'max', 'min', 'prod', 'argMax',
  'argMin', 'logSumExp', 'all', 'any', 'matMul', 'dot', 'reshape', 'transpose', 'expandDims',
  'squeeze', 'slice', 'stridedSlice', 'tile', 'pad', 'gather', 'reverse', 'cast', 'clone',
  'broadcastTo', 'split', 'unstack', 'softmax', 'logSoftmax', 'conv1d', 'conv2d',
  'depthwiseConv2d', 'conv2dTranspose', 'maxPool', 'avgPool', 'batchNorm', 'dropout',
  'tan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh', 'logSigmoid', 'step', 'divNoNan', 'euclideanNorm',
] as const;

/** `x.op(...rest)` for every chained op: the op's signature without its first argument. */
type ChainedOps = { [K in (typeof CHAINED)[number]]: Chained<(typeof ops)[K]> };

declare module '../core/tensor.ts' {
  interface Tensor extends ChainedOps {
    /** Reshapes to rank 1. */
    flatten(): Tensor;
    /** TF.js `asScalar()` / `as1D()`: reshapes to rank 0 / rank 1. */
    asScalar(): Tensor;
    as1D(): Tensor;
  }
}

for (const name of CHAINED) {
  const fn = ops[name] as (...a: unknown[]) => unknown;
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...rest: unknown[]) {
      return fn(this, ...rest);
    },
    writable: true,
    configurable: true,
  });
}
Object.defineProperty(Tensor.prototype, 'flatten', { value: function (this: Tensor) { return ops.reshape(this, [this.size]); }, configurable: true });
Object.defineProperty(Tensor.prototype, 'asScalar', { value: function (this: Tensor) { return ops.reshape(this, []); }, configurable: true });
Object.defineProperty(Tensor.prototype, 'as1D', { value: function (this: Tensor) { return ops.reshape(this, [this.size]); }, configurable: true });
