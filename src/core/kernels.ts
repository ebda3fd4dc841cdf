/**
 * What the engine knows about kernels by name: which ones are fused kernels that ops declare
 * next to their compositions, and of what kind (`ENGINE.mayUse` decides from it).
 *
 * - 'fused': bit-identical to its op's composition, with a gradient of its own: used unless a
 *   frame needs the op-level composition (tf.compare's op trace).
 * - 'backward': a backward-only kernel (no gradient, or a less exact one than the composition's):
 *   used only when nothing records the computation for a later differentiation.
 * Every other kernel is a primitive: ops call it directly.
 *
 * And every kernel's signature (`KernelSignatures`): kernel names are typed.
 */
import { fail } from './errors.ts';

/**
 * A kernel's signature: its input names and its attribute names (`A`, each optional; values
 * `unknown` unless the kernel types them, as the optimizer kernels do). `string` for either: the
 * names vary (Concat's inputs, the fused recurrent kernels' attributes).
 */
type Sig<I extends string, A extends string = never> = { inputs: I; attrs: { [P in A]?: unknown } };
type Unary = Sig<'x'>;
type Binary = Sig<'a' | 'b'>;
type Pool = 'filterSize' | 'strides' | 'pad';
type Conv = 'strides' | 'dilations' | 'pad';
type OptimizerSig<K extends OptimizerKernelName> = { inputs: string; attrs: OptimizerKernelAttrs[K] };

/**
 * Every kernel by name, with its inputs and attributes: a name that is not a key here does not
 * compile (`ENGINE.runKernel`, `registerGradient`, `mayUse`, an op's fused form), nor does an
 * input or attribute name a kernel does not take. A new kernel: its line here and its kind in
 * `KERNEL_KINDS` below.
 */
export interface KernelSignatures {
  Abs: Unary;
  Acos: Unary;
  AdamUpdate: OptimizerSig<'AdamUpdate'>;
  Add: Binary;
  All: Sig<'x', 'axes' | 'keepDims'>;
  Any: Sig<'x', 'axes' | 'keepDims'>;
  ArgMax: Sig<'x', 'axis'>;
  ArgMin: Sig<'x', 'axis'>;
  Asin: Unary;
  Atan: Unary;
  Atan2: Binary;
  AvgPool: Sig<'x', Pool>;
  AvgPoolGrad: Sig<'dy', Pool | 'inputShape'>;
  BatchMatMul: Sig<'a' | 'b', 'transposeA' | 'transposeB'>;
  BroadcastTo: Sig<'x', 'shape'>;
  Cast: Sig<'x', 'dtype'>;
  Ceil: Unary;
  ClipByValue: Sig<'x', 'clipValueMin' | 'clipValueMax'>;
  Concat: Sig<string, 'axis'>;
  Conv2D: Sig<'x' | 'filter', Conv>;
  Conv2DBackpropFilter: Sig<'x' | 'dy', Conv | 'filterShape'>;
  Conv2DBackpropInput: Sig<'dy' | 'filter', Conv | 'inputShape'>;
  Cos: Unary;
  Cumprod: Sig<'x', 'axis' | 'exclusive' | 'reverse'>;
  Cumsum: Sig<'x', 'axis' | 'exclusive' | 'reverse'>;
  DepthwiseConv2dNative: Sig<'x' | 'filter', Conv>;
  DepthwiseConv2dNativeBackpropFilter: Sig<'x' | 'dy', Conv | 'filterShape'>;
  DepthwiseConv2dNativeBackpropInput: Sig<'dy' | 'filter', Conv | 'inputShape'>;
  Div: Binary;
  Dropout: Sig<'x', 'rate' | 'key0' | 'key1' | 'stream'>;
  Elu: Unary;
  Equal: Binary;
  Erf: Unary;
  Exp: Unary;
  Expm1: Unary;
  Floor: Unary;
  FloorDiv: Binary;
  FloorMod: Binary;
  FusedBatchNorm: Sig<'x' | 'scale' | 'offset', 'epsilon'>;
  FusedBatchNormGrad: Sig<'dy' | 'x' | 'scale' | 'offset' | 'mean' | 'variance' | 'dmean' | 'dvariance', 'epsilon'>;
  GatherV2: Sig<'x' | 'indices', 'axis' | 'batchDims'>;
  Gelu: Sig<'x', 'approximate'>;
  Greater: Binary;
  GreaterEqual: Binary;
  Identity: Unary;
  IsFinite: Unary;
  IsInf: Unary;
  IsNan: Unary;
  LeakyRelu: Sig<'x', 'alpha'>;
  Less: Binary;
  LessEqual: Binary;
  LinSpace: Sig<never, 'start' | 'stop' | 'num'>;
  Log: Unary;
  Log1p: Unary;
  LogSoftmax: Sig<'logits', 'axis'>;
  LogicalAnd: Binary;
  LogicalNot: Unary;
  LogicalOr: Binary;
  Max: Sig<'x', 'axes' | 'keepDims'>;
  MaxPool: Sig<'x', Pool>;
  MaxPoolGrad: Sig<'dy' | 'x', Pool>;
  MaxPoolGradGrad: Sig<'x' | 'ddx', Pool>;
  Maximum: Binary;
  Mean: Sig<'x', 'axes' | 'keepDims'>;
  Min: Sig<'x', 'axes' | 'keepDims'>;
  Minimum: Binary;
  Mul: Binary;
  Neg: Unary;
  NotEqual: Binary;
  OneHot: Sig<'indices', 'depth' | 'onValue' | 'offValue' | 'dtype'>;
  PadV2: Sig<'x', 'paddings' | 'constantValue'>;
  Pow: Binary;
  Prelu: Sig<'x' | 'alpha'>;
  Prod: Sig<'x', 'axes' | 'keepDims'>;
  RMSpropUpdate: OptimizerSig<'RMSpropUpdate'>;
  Range: Sig<never, 'start' | 'step' | 'num' | 'dtype'>;
  Reciprocal: Unary;
  Relu: Unary;
  Relu6: Unary;
  Reshape: Sig<'x', 'shape'>;
  Reverse: Sig<'x', 'axes'>;
  Round: Unary;
  Rsqrt: Unary;
  SGDUpdate: OptimizerSig<'SGDUpdate'>;
  Select: Sig<'condition' | 't' | 'e'>;
  Selu: Unary;
  Sigmoid: Unary;
  SigmoidCrossEntropyWithLogits: Sig<'labels' | 'logits'>;
  Sign: Unary;
  Sin: Unary;
  Slice: Sig<'x', 'begin' | 'size'>;
  Softmax: Sig<'logits', 'dim'>;
  SoftmaxCrossEntropyWithLogits: Sig<'labels' | 'logits', 'axis'>;
  Softplus: Unary;
  Softsign: Unary;
  SparseSoftmaxCrossEntropyWithLogits: Sig<'labels' | 'logits'>;
  SplitV: Sig<'x', 'sizes' | 'axis'>;
  Sqrt: Unary;
  Square: Unary;
  SquaredDifference: Binary;
  StridedSlice: Sig<'x', 'begin' | 'strides' | 'size'>;
  StridedSliceGrad: Sig<'dy', 'shape' | 'begin' | 'strides'>;
  Sub: Binary;
  Sum: Sig<'x', 'axes' | 'keepDims'>;
  Tanh: Unary;
  Tile: Sig<'x', 'reps'>;
  TopK: Sig<'x', 'k'>;
  Transpose: Sig<'x', 'perm'>;
  UnsortedSegmentSum: Sig<'x' | 'segmentIds', 'numSegments'>;
  _Attention: Sig<'q' | 'k' | 'v' | 'mask'>;
  _AttentionGrad: Sig<string, 'grads'>;
  _DropoutGrad: Sig<'dy' | 'mask', 'scale'>;
  _FusedConv2D: Sig<'x' | 'filter' | 'bias', Conv | 'activation'>;
  _FusedMatMul: Sig<'a' | 'b' | 'bias', 'transposeA' | 'transposeB' | 'activation'>;
  _FusedMatMulGrad: Sig<'dy' | 'a' | 'b' | 'y', 'transposeA' | 'transposeB' | 'activation' | 'grads'>;
  _LayerNorm: Sig<'x' | 'gamma' | 'beta' | 'xSub' | 'xMean', 'epsilon'>;
  _LayerNormGrad: Sig<'dy' | 'x' | 'gamma' | 'mean' | 'inv0', 'gamma' | 'beta'>;
  _RNNSequence: Sig<string, string>;
  _RNNSequenceGrad: Sig<string, string>;
  _ReluGrad: Sig<'dy' | 'y'>;
  _SoftmaxCrossEntropyGrad: Sig<'dy' | 'logits' | 'labels'>;
}

/** A kernel's name. */
export type KernelName = keyof KernelSignatures;
/** The inputs of kernel `K` by name (each optional: a kernel may take some only, e.g. a bias). */
export type KernelInputs<K extends KernelName, T> = { [P in KernelSignatures[K]['inputs']]?: T };
/** The attributes of kernel `K`. */
export type KernelAttrs<K extends KernelName> = KernelSignatures[K]['attrs'];

export type KernelKind = 'primitive' | 'fused' | 'backward';

/**
 * How an op uses a kernel, for `ENGINE.mayUse`: its kind, or 'inference' — a use without a
 * gradient (a fused kernel given an epilogue it cannot differentiate), allowed only when no
 * frame is on the stack at all.
 */
export type KernelUse = KernelKind | 'inference';

const P: KernelKind = 'primitive';
/** Every kernel's kind (the table is complete: a missing or unknown name does not compile). */
const KERNEL_KINDS: { [K in KernelName]: KernelKind } = {
  Abs: P, Acos: P, Add: P, All: P, Any: P, ArgMax: P, ArgMin: P, Asin: P, Atan: P, Atan2: P, AvgPool: P, AvgPoolGrad: P, BatchMatMul: P,
  BroadcastTo: P, Cast: P, Ceil: P, ClipByValue: P, Concat: P, Conv2D: P, Conv2DBackpropFilter: P,
  Conv2DBackpropInput: P, Cos: P, Cumprod: P, Cumsum: P, DepthwiseConv2dNative: P, DepthwiseConv2dNativeBackpropFilter: P,
  DepthwiseConv2dNativeBackpropInput: P, Div: P, Elu: P, Equal: P, Erf: P, Exp: P, Expm1: P, Floor: P,
  FloorDiv: P, FloorMod: P, GatherV2: P, Gelu: P, Greater: P, GreaterEqual: P, Identity: P, IsFinite: P,
  IsInf: P, IsNan: P, LeakyRelu: P, Less: P, LessEqual: P, LinSpace: P, Log: P, Log1p: P, LogSoftmax: P,
  LogicalAnd: P, LogicalNot: P, LogicalOr: P, Max: P, MaxPool: P, MaxPoolGrad: P, MaxPoolGradGrad: P,
  Maximum: P, Mean: P, Min: P, Minimum: P, Mul: P, Neg: P, NotEqual: P, OneHot: P, PadV2: P, Pow: P,
  Prelu: P, Prod: P, Range: P, Reciprocal: P, Relu: P, Relu6: P, Reshape: P, Reverse: P, Round: P, Rsqrt: P,
  Select: P, Selu: P, Sigmoid: P, SigmoidCrossEntropyWithLogits: P, Sign: P, Sin: P, Slice: P, Softmax: P,
  SoftmaxCrossEntropyWithLogits: P, Softplus: P, Softsign: P, SparseSoftmaxCrossEntropyWithLogits: P,
  SplitV: P, Sqrt: P, Square: P, SquaredDifference: P, StridedSlice: P, StridedSliceGrad: P, Sub: P, Sum: P,
  Tanh: P, Tile: P, TopK: P, Transpose: P, UnsortedSegmentSum: P,
  AdamUpdate: 'fused',
  Dropout: 'fused',
  FusedBatchNorm: 'fused',
  FusedBatchNormGrad: 'backward',
  RMSpropUpdate: 'fused',
  SGDUpdate: 'fused',
  _Attention: 'fused',
  _AttentionGrad: 'backward',
  _DropoutGrad: 'fused',
  _FusedConv2D: 'fused',
  _FusedMatMul: 'fused',
  _FusedMatMulGrad: 'backward',
  _LayerNorm: 'fused',
  _LayerNormGrad: 'backward',
  _RNNSequence: 'fused',
  _RNNSequenceGrad: 'backward',
  _ReluGrad: 'backward',
  _SoftmaxCrossEntropyGrad: 'backward',
};

/** Every kernel name (the keys of `KernelSignatures`). */
export const KERNEL_NAMES = Object.keys(KERNEL_KINDS) as readonly KernelName[];

export function kernelKind(name: KernelName): KernelKind {
  return KERNEL_KINDS[name] ?? P;
}

/**
 * Kernels with no gradient by design: comparisons, logical ops, tests and generators (their
 * outputs are not differentiable), the optimizer kernels (optimizers run with tapes paused) and
 * every backward-only kernel. Every other kernel has a registered gradient (`Engine.kernelReport`
 * lists those that do not; a test keeps that list empty).
 */
export const NOT_DIFFERENTIABLE: ReadonlySet<KernelName> = new Set<KernelName>([
  'All', 'Any', 'Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr', 'LogicalNot',
  'IsFinite', 'IsInf', 'IsNan', 'LinSpace', 'Range', 'OneHot', 'AdamUpdate', 'SGDUpdate', 'RMSpropUpdate',
  ...KERNEL_NAMES.filter((k) => KERNEL_KINDS[k] === 'backward'),
]);

// ---------------------------------------------------------------- fused optimizer kernels

/**
 * `AdamUpdate`: Adam without amsgrad (src/optimizers/adam.ts), α the step's bias-corrected
 * step size lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ): m' = m + (g − m)·f32(1 − β₁), v' = v + (g·g − v)·f32(1 − β₂),
 * x' = x − (m'·α)/(√v' + ε). Slots m, v.
 */
export type AdamUpdateAttrs = {
  alpha: number;
  beta1: number;
  beta2: number;
  epsilon: number;
};
/**
 * `SGDUpdate` (src/optimizers/sgd.ts): x' = x − g·lr; momentum μ ≠ 0: m' = m·μ − g·lr and
 * x' = x + m' (nesterov: x' = x + (m'·μ − g·lr)). Slot momentum (μ ≠ 0 only).
 */
export type SGDUpdateAttrs = {
  learningRate: number;
  momentum: number;
  nesterov: boolean;
};
/**
 * `RMSpropUpdate` (src/optimizers/rmsprop.ts): rms' = rms·ρ + (g·g)·f32(1 − ρ); centered:
 * mg' = mg·ρ + g·f32(1 − ρ), den = (rms' − mg'·mg') + ε, else den = rms' + ε; inc = (g·lr)/√den;
 * momentum μ > 0: mom' = mom·μ + inc, x' = x − mom', else x' = x − inc. Slots rms, mg
 * (centered only), momentum (μ > 0 only).
 */
export type RMSpropUpdateAttrs = {
  learningRate: number;
  rho: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
};

/** The fused optimizer kernels and their attributes. */
export interface OptimizerKernelAttrs {
  AdamUpdate: AdamUpdateAttrs;
  SGDUpdate: SGDUpdateAttrs;
  RMSpropUpdate: RMSpropUpdateAttrs;
}
export type OptimizerKernelName = keyof OptimizerKernelAttrs;

/**
 * Each fused optimizer kernel's slots, in order, and which of them a configuration uses. The
 * kernel's inputs are, for variable i: `g<i>` (gradient), `x<i>` (variable) and `<slot><i>` for
 * each slot used; its outputs, per variable: x', then the new value of each slot used.
 */
export const OPTIMIZER_KERNELS: { [K in OptimizerKernelName]: { slots: readonly string[]; uses: (a: OptimizerKernelAttrs[K]) => boolean[] } } = {
  AdamUpdate: { slots: ['m', 'v'], uses: () => [true, true] },
  SGDUpdate: { slots: ['momentum'], uses: (a) => [a.momentum !== 0] },
  RMSpropUpdate: { slots: ['rms', 'mg', 'momentum'], uses: (a) => [true, a.centered, a.momentum > 0] },
};

const ATTR_TYPES: { [K in OptimizerKernelName]: Record<keyof OptimizerKernelAttrs[K], 'number' | 'boolean'> } = {
  AdamUpdate: { alpha: 'number', beta1: 'number', beta2: 'number', epsilon: 'number' },
  SGDUpdate: { learningRate: 'number', momentum: 'number', nesterov: 'boolean' },
  RMSpropUpdate: { learningRate: 'number', rho: 'number', momentum: 'number', epsilon: 'number', centered: 'boolean' },
};

/** One variable of a fused optimizer kernel: gradient, variable, and each slot (null where unused). */
export interface OptimizerKernelVariable<T> {
  g: T;
  x: T;
  slots: (T | null)[];
}

/**
 * A fused optimizer kernel's arguments, checked, for a backend: the attributes (finite numbers,
 * booleans) and the variables in order (every float32 array of one variable of one size);
 * throws an error naming the kernel and the argument otherwise.
 */
/** Per kernel, its attributes as [name, type] pairs (checked on every call). */
const ATTR_LIST = Object.fromEntries(Object.entries(ATTR_TYPES).map(([k, t]) => [k, Object.entries(t)])) as Record<OptimizerKernelName, [string, string][]>;
/** Input names per variable ([g0, x0, m0, v0], [g1, …]) by kernel, slots used and variable count. */
const INPUT_NAMES = new Map<string, string[][]>();

export function optimizerKernelArgs<K extends OptimizerKernelName, T extends { shape: readonly number[]; dtype: string }>(
  kernel: K,
  inputs: Record<string, T>,
  attrs: Record<string, unknown>,
): { attrs: OptimizerKernelAttrs[K]; uses: boolean[]; vars: OptimizerKernelVariable<T>[] } {
  const types = ATTR_TYPES[kernel] as Record<string, string>;
  for (const [name, type] of ATTR_LIST[kernel]) {
    const v = attrs[name];
    if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) fail(kernel, `attribute '${name}' must be a ${type === 'number' ? 'finite number' : type}, received ${String(v)}`);
  }
  for (const k in attrs) if (!(k in types)) fail(kernel, `unknown attribute(s) ${Object.keys(attrs).filter((n) => !(n in types)).join(', ')} (expected ${Object.keys(types).join(', ')})`);
  const a = attrs as unknown as OptimizerKernelAttrs[K];
  const spec = OPTIMIZER_KERNELS[kernel] as { slots: readonly string[]; uses: (a: OptimizerKernelAttrs[K]) => boolean[] };
  const uses = spec.uses(a);
  const used = spec.slots.filter((_, k) => uses[k]);
  let count = 0;
  let n = 0;
  for (const k in inputs) {
    n++;
    if (k.charCodeAt(0) === 103 /* g */ && inputs[k] !== undefined) count++;
  }
  const key = `${kernel}:${used.join(',')}:${count}`;
  let names = INPUT_NAMES.get(key);
  if (!names) {
    names = Array.from({ length: count }, (_, i) => ['g', 'x', ...used].map((s) => `${s}${i}`));
    INPUT_NAMES.set(key, names);
  }
  const vars: OptimizerKernelVariable<T>[] = [];
  for (const per of names) {
    const ts = per.map((name) => {
      const t = inputs[name];
      if (t === undefined) fail(kernel, `input '${name}' is missing`);
      if (t.dtype !== 'float32') fail(kernel, `input '${name}' must be float32, received ${t.dtype}`);
      return t;
    });
    const x = ts[1]!;
    for (let j = 0; j < ts.length; j++) {
      if (!sameShape(ts[j]!.shape, x.shape)) fail(kernel, `input '${per[j]}' has shape [${ts[j]!.shape}], expected the variable's [${x.shape}]`);
    }
    let q = 2;
    vars.push({ g: ts[0]!, x, slots: uses.map((u) => (u ? ts[q++]! : null)) });
  }
  if (n !== count * (2 + used.length)) {
    const known = new Set(names.flat());
    fail(kernel, `unexpected input(s) ${Object.keys(inputs).filter((k) => !known.has(k)).join(', ')}`);
  }
  return { attrs: a, uses, vars };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Gates per cell of `_RNNSequence` / `_RNNSequenceGrad` (the kernel's `G·U`-wide weight blocks). */
export const RNN_GATES: Readonly<Record<string, number>> = { simple: 1, lstm: 4, gru: 3 };

/**
 * The `saved` output of `_RNNSequence` (native/src/rnn.cc's `layout`, which every backend that has
 * the kernel keeps): the states H [T+1, B, U] at 0, then per cell, in rnn.cc's names — LSTM: C
 * [T+1, B, U], GATES [T, B, 4U], TH [T, B, U]; GRU: Z, RG, RH, HH, each [T, B, U]; SimpleRNN: O
 * [T, B, U]. `offsets` are those blocks' starts in that order (0 where a cell has fewer).
 */
export function rnnSavedLayout(cell: string, B: number, T: number, U: number): { offsets: [number, number, number, number]; size: number } {
  const st = (T + 1) * B * U;
  const per = T * B * U;
  if (cell === 'lstm') return { offsets: [st, 2 * st, 2 * st + 4 * per, 0], size: 2 * st + 5 * per };
  if (cell === 'gru') return { offsets: [st, st + per, st + 2 * per, st + 3 * per], size: st + 4 * per };
  return { offsets: [st, 0, 0, 0], size: st + per };
}
