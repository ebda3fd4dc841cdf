/**
 * Chained ops, as in TF.js: `x.add(y).relu()` is `tf.relu(tf.add(x, y))`. Each method calls the
 * public op with the tensor as its first argument; nothing else happens here.
 */
import { Tensor } from '../core/tensor.ts';
import * as ops from './index.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Chained<F> = F extends (x: any, ...rest: infer R) => infer O ? (...rest: R) => O : never;

declare module '../core/tensor.ts' {
  interface Tensor {
    add: Chained<typeof ops.add>;
    sub: Chained<typeof ops.sub>;
    mul: Chained<typeof ops.mul>;
    div: Chained<typeof ops.div>;
    floorDiv: Chained<typeof ops.floorDiv>;
    mod: Chained<typeof ops.mod>;
    pow: Chained<typeof ops.pow>;
    maximum: Chained<typeof ops.maximum>;
    minimum: Chained<typeof ops.minimum>;
    squaredDifference: Chained<typeof ops.squaredDifference>;
    neg: Chained<typeof ops.neg>;
    abs: Chained<typeof ops.abs>;
    sign: Chained<typeof ops.sign>;
    exp: Chained<typeof ops.exp>;
    log: Chained<typeof ops.log>;
    log1p: Chained<typeof ops.log1p>;
    expm1: Chained<typeof ops.expm1>;
    sqrt: Chained<typeof ops.sqrt>;
    rsqrt: Chained<typeof ops.rsqrt>;
    square: Chained<typeof ops.square>;
    reciprocal: Chained<typeof ops.reciprocal>;
    sin: Chained<typeof ops.sin>;
    cos: Chained<typeof ops.cos>;
    tanh: Chained<typeof ops.tanh>;
    sigmoid: Chained<typeof ops.sigmoid>;
    relu: Chained<typeof ops.relu>;
    relu6: Chained<typeof ops.relu6>;
    elu: Chained<typeof ops.elu>;
    selu: Chained<typeof ops.selu>;
    leakyRelu: Chained<typeof ops.leakyRelu>;
    prelu: Chained<typeof ops.prelu>;
    softplus: Chained<typeof ops.softplus>;
    softsign: Chained<typeof ops.softsign>;
    gelu: Chained<typeof ops.gelu>;
    erf: Chained<typeof ops.erf>;
    floor: Chained<typeof ops.floor>;
    ceil: Chained<typeof ops.ceil>;
    round: Chained<typeof ops.round>;
    clipByValue: Chained<typeof ops.clipByValue>;
    equal: Chained<typeof ops.equal>;
    notEqual: Chained<typeof ops.notEqual>;
    greater: Chained<typeof ops.greater>;
    greaterEqual: Chained<typeof ops.greaterEqual>;
    less: Chained<typeof ops.less>;
    lessEqual: Chained<typeof ops.lessEqual>;
    logicalAnd: Chained<typeof ops.logicalAnd>;
    logicalOr: Chained<typeof ops.logicalOr>;
    logicalNot: Chained<typeof ops.logicalNot>;
    isNaN: Chained<typeof ops.isNaN>;
    isFinite: Chained<typeof ops.isFinite>;
    isInf: Chained<typeof ops.isInf>;
    sum: Chained<typeof ops.sum>;
    mean: Chained<typeof ops.mean>;
    max: Chained<typeof ops.max>;
    min: Chained<typeof ops.min>;
    prod: Chained<typeof ops.prod>;
    argMax: Chained<typeof ops.argMax>;
    argMin: Chained<typeof ops.argMin>;
    logSumExp: Chained<typeof ops.logSumExp>;
    all: Chained<typeof ops.all>;
    any: Chained<typeof ops.any>;
    matMul: Chained<typeof ops.matMul>;
    dot: Chained<typeof ops.dot>;
    reshape: Chained<typeof ops.reshape>;
    transpose: Chained<typeof ops.transpose>;
    expandDims: Chained<typeof ops.expandDims>;
    squeeze: Chained<typeof ops.squeeze>;
    slice: Chained<typeof ops.slice>;
    stridedSlice: Chained<typeof ops.stridedSlice>;
    tile: Chained<typeof ops.tile>;
    pad: Chained<typeof ops.pad>;
    gather: Chained<typeof ops.gather>;
    reverse: Chained<typeof ops.reverse>;
    cast: Chained<typeof ops.cast>;
    clone: Chained<typeof ops.clone>;
    broadcastTo: Chained<typeof ops.broadcastTo>;
    split: Chained<typeof ops.split>;
    unstack: Chained<typeof ops.unstack>;
    softmax: Chained<typeof ops.softmax>;
    logSoftmax: Chained<typeof ops.logSoftmax>;
    conv1d: Chained<typeof ops.conv1d>;
    conv2d: Chained<typeof ops.conv2d>;
    depthwiseConv2d: Chained<typeof ops.depthwiseConv2d>;
    conv2dTranspose: Chained<typeof ops.conv2dTranspose>;
    maxPool: Chained<typeof ops.maxPool>;
    avgPool: Chained<typeof ops.avgPool>;
    batchNorm: Chained<typeof ops.batchNorm>;
    dropout: Chained<typeof ops.dropout>;
    /** Reshapes to rank 1. */
    flatten(): Tensor;
    /** TF.js `asScalar()` / `as1D()`: reshapes to rank 0 / rank 1. */
    asScalar(): Tensor;
    as1D(): Tensor;
  }
}

const CHAINED = ['add', 'sub', 'mul', 'div', 'floorDiv', 'mod', 'pow', 'maximum', 'minimum', 'squaredDifference', 'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'relu6', 'elu', 'selu', 'leakyRelu', 'prelu', 'softplus', 'softsign', 'gelu', 'erf', 'floor', 'ceil', 'round', 'clipByValue', 'equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual', 'logicalAnd', 'logicalOr', 'logicalNot', 'isNaN', 'isFinite', 'isInf', 'sum', 'mean', 'max', 'min', 'prod', 'argMax', 'argMin', 'logSumExp', 'all', 'any', 'matMul', 'dot', 'reshape', 'transpose', 'expandDims', 'squeeze', 'slice', 'stridedSlice', 'tile', 'pad', 'gather', 'reverse', 'cast', 'clone', 'broadcastTo', 'split', 'unstack', 'softmax', 'logSoftmax', 'conv1d', 'conv2d', 'depthwiseConv2d', 'conv2dTranspose', 'maxPool', 'avgPool', 'batchNorm', 'dropout'] as const;

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
