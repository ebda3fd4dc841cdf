/**
 * `tf.fused.conv2d({x, filter, strides, pad, dataFormat, dilations, dimRoundingMode, bias,
 * activation, preluActivationWeights, leakyreluAlpha})` (TF.js's fused op):
 * activation(conv2d(x, filter) + bias).
 *
 * It always equals the composition `activation(add(conv2d(...), bias))` bit for bit:
 * - with a backend that has the `_FusedConv2D` kernel (native), NHWC float32 operands, a bias
 *   of shape [outC] (or none) and activation 'linear' or 'relu', one kernel computes the
 *   convolution (the same implicit GEMM as `Conv2D`, same summation order) and adds the bias and
 *   applies relu to each float32 result in the GEMM's epilogue (the same two roundings as Add
 *   then Relu, while the block is in cache). Its gradient is the composition's, op for op.
 * - otherwise it runs the composition itself.
 * The Keras Conv2D layer uses it, so a layer and a hand-written conv2d + add + relu agree.
 *
 * `conv2dBatchNormActivation` (internal, used by the inference plan of functional models,
 * src/models/inference_plan.ts) extends the epilogue with an inference batch norm, a residual
 * add and relu: relu?(add?(batchNorm(conv2d(x) + bias, mean, variance, offset, scale, ε), r)).
 * It too equals its composition bit for bit (the batch norm's per-channel factor
 * rsqrt(variance + ε)·scale is computed by the same ops, then applied per element as
 * (y − mean)·factor + offset). It has no gradient: callers use it only when nothing records.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { batchNorm } from './batch_norm.ts';
import { reduceTo } from './broadcast_util.ts';
import { conv2d as plainConv2d, conv2dBackpropFilter, conv2dBackpropInput, convArgs } from './conv2d.ts';
import { convAttrs, convInfo, pair, type PadSpec, type RoundingMode } from './conv_util.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { elu } from './elu.ts';
import { leakyRelu } from './leaky_relu.ts';
import { mul } from './mul.ts';
import { fused, fusedOp } from './op.ts';
import { prelu } from './prelu.ts';
import { relu, reluGrad } from './relu.ts';
import { relu6 } from './relu6.ts';
import { rsqrt } from './rsqrt.ts';
import { sigmoid } from './sigmoid.ts';

export type FusedConvActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'prelu' | 'leakyrelu' | 'sigmoid';
const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'relu6', 'elu', 'prelu', 'leakyrelu', 'sigmoid'];

export interface FusedConv2DArgs {
  x: TensorLike;
  filter: TensorLike;
  strides: number | [number, number];
  pad: PadSpec;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: RoundingMode;
  bias?: TensorLike | null;
  activation?: FusedConvActivation;
  preluActivationWeights?: TensorLike | null;
  leakyreluAlpha?: number;
}

function activate(y: Tensor, activation: string, args: FusedConv2DArgs): Tensor {
  switch (activation) {
    case 'linear':
      return y;
    case 'relu':
      return relu(y);
    case 'relu6':
      return relu6(y);
    case 'elu':
      return elu(y);
    case 'sigmoid':
      return sigmoid(y);
    case 'leakyrelu':
      return leakyRelu(y, args.leakyreluAlpha ?? 0.2);
    default: {
      if (args.preluActivationWeights === undefined || args.preluActivationWeights === null) {
        fail('fused.conv2d', "activation 'prelu' needs `preluActivationWeights`");
      }
      return prelu(y, args.preluActivationWeights);
    }
  }
}

function checkActivation(activation: string): void {
  if (!ACTIVATIONS.includes(activation)) {
    fail('fused.conv2d', `\`activation\` must be one of ${ACTIVATIONS.join(', ')}, received ${String(activation)}`);
  }
}

/** `fused.conv2d` written with the public ops (what the fused kernel equals; tf.compare runs it). */
export function fusedConv2dComposition(args: FusedConv2DArgs): Tensor {
  let y = plainConv2d(args.x, args.filter, args.strides, args.pad, args.dataFormat ?? 'NHWC', args.dilations ?? [1, 1], args.dimRoundingMode);
  if (args.bias !== undefined && args.bias !== null) y = add(y, args.bias);
  const activation = args.activation ?? 'linear';
  checkActivation(activation);
  return activate(y, activation, args);
}

/** The conv attrs (strides, dilations, pad) and rank-4 NHWC x for a kernel call, or null when the kernel cannot take them. */
function kernelSetup(args: FusedConv2DArgs, name: string): { x4: Tensor; f: Tensor; attrs: { strides: number[]; dilations: number[]; pad: number[] }; back: (y: Tensor) => Tensor; outC: number } {
  const { $x, $f, x4, pad: pad4, back } = convArgs(args.x, args.filter, name, args.dataFormat ?? 'NHWC', args.pad);
  const s = pair(args.strides, 'strides', name);
  const d = pair(args.dilations ?? [1, 1], 'dilations', name, 1);
  if (x4.shape[3] !== $f.shape[2]) {
    fail(name, `input depth must match filter in-channels: x is ${fmtShape($x.shape)}, filter is ${fmtShape($f.shape)}`);
  }
  const info = convInfo(name, x4.shape, [$f.shape[0]!, $f.shape[1]!], $f.shape[3]!, s, d, pad4, args.dimRoundingMode, `, filter is ${fmtShape($f.shape)}`);
  return { x4, f: $f, attrs: convAttrs(info), back, outC: $f.shape[3]! };
}

function channelVector(t: Tensor | null, outC: number): boolean {
  return t === null || (t.dtype === 'float32' && t.rank === 1 && t.shape[0] === outC);
}

/** The arguments checked and converted (the composition and the fused form both start here). */
function parse(args: FusedConv2DArgs): { x: Tensor; filter: Tensor; bias: Tensor | null; activation: string } {
  if (args === null || typeof args !== 'object') fail('fused.conv2d', `expected {x, filter, strides, pad, bias?, activation?, ...}, received ${String(args)}`);
  const activation = args.activation ?? 'linear';
  checkActivation(activation);
  const bias = args.bias === undefined || args.bias === null ? null : convertToTensor(args.bias, 'bias', 'fused.conv2d');
  const x = convertToTensor(args.x, 'x', 'fused.conv2d');
  const filter = convertToTensor(args.filter, 'filter', 'fused.conv2d');
  return { x, filter, bias, activation };
}

export const conv2d = fusedOp(
  'fused.conv2d',
  (args: FusedConv2DArgs): Tensor => {
    const { x, filter, bias } = parse(args);
    return fusedConv2dComposition({ ...args, x, filter, bias });
  },
  {
    // One kernel: the Conv2D implicit GEMM with the bias add and relu in its epilogue.
    kernel: '_FusedConv2D',
    fits: (args) => {
      const { x, filter, bias, activation } = parse(args);
      return (activation === 'linear' || activation === 'relu') && (args.dataFormat ?? 'NHWC') === 'NHWC' &&
        x.dtype === 'float32' && filter.dtype === 'float32' && filter.rank === 4 && channelVector(bias, filter.shape[3]!);
    },
    run: (args) => {
      const { x, filter, bias, activation } = parse(args);
      const k = kernelSetup({ ...args, x, filter }, 'fused.conv2d');
      const inputs: Record<string, Tensor> = { x: k.x4, filter: k.f };
      if (bias) inputs['bias'] = bias;
      return k.back(ENGINE.runKernel('_FusedConv2D', inputs, { ...k.attrs, activation }));
    },
  },
);

/** Inference batch norm's parameters (the BatchNormalization layer's moving statistics and weights). */
export interface BatchNormParams {
  mean: Tensor;
  variance: Tensor;
  offset: Tensor | null;
  scale: Tensor | null;
  epsilon: number;
}

export interface ConvBnActArgs {
  x: Tensor;
  filter: Tensor;
  strides: [number, number];
  pad: PadSpec;
  dilations: [number, number];
  bias: Tensor | null;
  bn: BatchNormParams | null;
  residual: Tensor | null;
  relu: boolean;
}

/** relu?(residual + batchNorm(conv2d(x) + bias)) as the public ops compute it (the reference for the fused form). */
export function conv2dBatchNormActivationComposition(a: ConvBnActArgs): Tensor {
  let y = plainConv2d(a.x, a.filter, a.strides, a.pad, 'NHWC', a.dilations);
  if (a.bias) y = add(y, a.bias);
  if (a.bn) y = batchNorm(y, a.bn.mean, a.bn.variance, a.bn.offset ?? undefined, a.bn.scale ?? undefined, a.bn.epsilon);
  if (a.residual) y = add(a.residual, y);
  return a.relu ? relu(y) : y;
}

/**
 * The fused form of conv2dBatchNormActivationComposition (one `_FusedConv2D` kernel), or the
 * composition when the backend lacks the kernel or an operand does not fit it. Inference only:
 * the kernel has no gradient with a batch norm or residual in its epilogue, so the engine allows
 * this use only when no frame watches or records (`use: 'inference'`).
 */
export const conv2dBatchNormActivation = fused(conv2dBatchNormActivationComposition, {
  kernel: '_FusedConv2D',
  use: 'inference',
  fits: (a) => {
    const outC = a.filter.shape[3]!;
    const bnOk = a.bn === null || (channelVector(a.bn.mean, outC) && channelVector(a.bn.variance, outC) && channelVector(a.bn.offset, outC) && channelVector(a.bn.scale, outC));
    return a.x.dtype === 'float32' && a.x.rank === 4 && a.filter.dtype === 'float32' && a.filter.rank === 4 && channelVector(a.bias, outC) && bnOk;
  },
  run: (a) => {
    const k = kernelSetup({ x: a.x, filter: a.filter, strides: a.strides, pad: a.pad, dilations: a.dilations }, 'conv2dBatchNormActivation');
    const inputs: Record<string, Tensor> = { x: k.x4, filter: k.f };
    if (a.bias) inputs['bias'] = a.bias;
    const owned: Tensor[] = [];
    if (a.bn) {
      // The composition's per-channel factor, by the same ops: rsqrt(variance + ε), times scale.
      let inv = rsqrt(add(a.bn.variance, a.bn.epsilon));
      owned.push(inv);
      if (a.bn.scale) {
        inv = mul(inv, a.bn.scale);
        owned.push(inv);
      }
      inputs['mean'] = a.bn.mean;
      inputs['inv'] = inv;
      if (a.bn.offset) inputs['beta'] = a.bn.offset;
    }
    if (a.residual) inputs['residual'] = a.residual;
    const y = ENGINE.runKernel('_FusedConv2D', inputs, { ...k.attrs, activation: a.relu ? 'relu' : 'linear' });
    for (const t of owned) t.dispose();
    return y;
  },
});

/**
 * Whether an inference pass may run the fused convolution chains of a functional model and free
 * its intermediates as it goes (src/models/inference_plan.ts): the backend has `_FusedConv2D`
 * and no frame watches or records (no tape, no graph mode, no tf.compare trace, no tf.function
 * trace being made).
 */
export function fusedInferenceAllowed(): boolean {
  return ENGINE.mayUse('_FusedConv2D', 'inference');
}

// The composition's gradient, op for op: dz = relu'(·)·dy (y > 0 exactly where the
// pre-activation is > 0), dbias = the sum of dz over the broadcast axes (Add's gradient), dx and
// dfilter the Conv2D gradient kernels on dz. With a batch norm or residual in the epilogue the
// kernel is inference-only.
ENGINE.registerGradient('_FusedConv2D', (dy, { inputs, outputs, attrs }) => {
  if (inputs['mean'] || inputs['residual']) fail('_FusedConv2D', 'the batch-norm / residual epilogue is inference-only and has no gradient');
  const x = inputs['x']!;
  const filter = inputs['filter']!;
  let dz: Tensor | null = null;
  const z = (): Tensor => (dz ??= attrs['activation'] === 'relu' ? reluGrad(dy, outputs[0]!) : dy);
  const grads: Record<string, () => Tensor> = {
    x: () => conv2dBackpropInput(z(), filter, x.shape, attrs),
    filter: () => conv2dBackpropFilter(x, z(), filter.shape, attrs),
  };
  if (inputs['bias']) grads['bias'] = () => reduceTo(z(), inputs['bias']!.shape);
  return grads;
});
