/**
 * Keras convolution layers (Keras 3 semantics, channels_last only):
 * - `Conv1D`: y = activation(conv1d(x, kernel[k, inC, filters]) + bias); padding 'valid', 'same'
 *   or 'causal' (x padded on the left by (k − 1)·dilation, then 'valid').
 * - `Conv2D`: y = activation(conv2d(x, kernel[kh, kw, inC, filters]) + bias).
 * - `Conv2DTranspose`: y = activation(conv2dTranspose(x, kernel[kh, kw, filters, inC], outShape) + bias),
 *   each output length as Keras's `deconv_output_length`: with outputPadding null,
 *   'valid' → in·s + max(k − s, 0), 'same' → in·s; otherwise (in − 1)·s + k − 2·pad + outputPadding
 *   with pad = 0 ('valid') or floor(k / 2) ('same').
 * - `DepthwiseConv2D`: y = activation(depthwiseConv2d(x, kernel[kh, kw, inC, depthMultiplier]) + bias).
 * - `SeparableConv2D`: y = activation(conv2d(depthwiseConv2d(x, depthwiseKernel), pointwiseKernel[1, 1, inC·m, filters]) + bias).
 * Output lengths (Keras `conv_output_length`): 'valid' → floor((in − eff) / s) + 1, 'same' and
 * 'causal' → ceil(in / s), with eff = (k − 1)·dilation + 1.
 */
import { conv3d } from '../ops/conv3d.ts';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from './constraints.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { add } from '../ops/add.ts';
import { conv1d } from '../ops/conv1d.ts';
import { conv2d } from '../ops/conv2d.ts';
import { conv2d as fusedConv2d } from '../ops/fused_conv2d.ts';
import { conv2dTranspose } from '../ops/conv2d_transpose.ts';
import { depthwiseConv2d } from '../ops/depthwise_conv2d.ts';
import { pad } from '../ops/pad.ts';
import { getInitializer, type Initializer, type InitializerIdentifier } from '../initializers/index.ts';
import { activationName, getActivation } from './activations.ts';
import { checkArgs, Layer, positiveInt, type LayerArgs, type Shape } from './layer.ts';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.ts';
import { registerBuiltinLayer } from './registry.ts';

// ------------------------------------------------------------------ shared argument helpers

/** `[null,28,28,1]`. */
export function fmtDims(s: readonly (number | null)[]): string {
  return `[${s.map((d) => (d === null ? 'null' : d)).join(',')}]`;
}

/** An int or an array of `n` ints, each ≥ `min` (1 for sizes and strides, 0 for paddings). */
export function intTuple(cls: string, arg: string, v: unknown, n: number, min = 1): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : v;
  if (!Array.isArray(list) || list.length !== n || !list.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= min)) {
    const what = min === 1 ? 'positive integer' : 'non-negative integer';
    fail(cls, `Received an invalid value for \`${arg}\`, expected a ${what} or an array of ${n} ${what}s. Received: ${arg}=${JSON.stringify(v)}`);
  }
  return (list as number[]).slice();
}

/** Keras `standardize_padding`: case-insensitive, one of `allowed`. */
export function paddingArg(cls: string, v: unknown, allowed: readonly string[] = ['valid', 'same']): string {
  const p = v === undefined ? 'valid' : typeof v === 'string' ? v.toLowerCase() : v;
  if (typeof p !== 'string' || !allowed.includes(p)) {
    fail(cls, `Received an invalid value for \`padding\`, expected one of ${allowed.map((a) => `'${a}'`).join(', ')}. Received: padding=${JSON.stringify(v)}`);
  }
  return p;
}

/** Only channels_last is implemented (TF.js spells it 'channelsLast'). */
export function dataFormatArg(cls: string, v: unknown): 'channels_last' {
  if (v === undefined || v === null || v === 'channels_last' || v === 'channelsLast') return 'channels_last';
  if (v === 'channels_first' || v === 'channelsFirst') {
    fail(cls, "`dataFormat: 'channels_first'` is not supported; only 'channels_last' is implemented (transpose the input to channels last). " +
      "Received: dataFormat='channels_first'");
  }
  fail(cls, `Received an invalid value for \`dataFormat\`, expected 'channels_last'. Received: dataFormat=${JSON.stringify(v)}`);
}

/** Keras InputSpec(ndim): throws naming the layer when the input rank is wrong. */
export function checkRank(layer: string, shape: readonly (number | null)[], ndim: number, layout: string): void {
  if (shape.length !== ndim) {
    fail(layer, `expected an input of rank ${ndim} (${layout}), received rank ${shape.length} of shape ${fmtDims(shape)}`);
  }
}

/** The one input shape a single-input layer receives (`Layer.checkInputShapes` hook). */
export function singleShape(layer: string, shapes: readonly (readonly (number | null)[])[]): readonly (number | null)[] {
  if (shapes.length !== 1) fail(layer, `expects a single input tensor, received ${shapes.length}`);
  return shapes[0]!;
}

/** Keras `conv_output_length` (null stays null). */
export function convOutputLength(layer: string, len: number | null, k: number, padding: string, stride: number, dilation: number): number | null {
  if (len === null) return null;
  const eff = (k - 1) * dilation + 1;
  const out = padding === 'valid' ? Math.floor((len - eff) / stride) + 1 : Math.ceil(len / stride);
  if (out <= 0) fail(layer, `the input is too small for the kernel: spatial size ${len} with an effective kernel size of ${eff} ('valid' padding) gives an output size of ${out}`);
  return out;
}

export function initConfig(i: Initializer): { className: string; config: unknown } {
  return { className: i.className, config: i.getConfig() };
}

/** A regularizer's config (`{l1, l2}`), the function itself when it has none, or null. */
const regConfig = serializeRegularizer;

const CONV_KEYS = [
  'filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'groups', 'activation', 'useBias',
  'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint',
] as const;

export interface ConvArgs extends LayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: string;
  dataFormat?: 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';
  dilationRate?: number | number[];
  groups?: number;
  activation?: string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  /** Applied after each optimizer step (Keras constraints: maxNorm, nonNeg, unitNorm, minMaxNorm). */
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
}

// ------------------------------------------------------------------ BaseConv

/** Arguments and weights shared by Conv1D, Conv2D and Conv2DTranspose (`rank` spatial dimensions). */
export abstract class BaseConv extends Layer {
  readonly rank: number;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: string;
  readonly dataFormat: 'channels_last';
  readonly dilationRate: number[];
  readonly activation: string;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  protected readonly kernelRegularizer: Regularizer | null;
  protected readonly biasRegularizer: Regularizer | null;
  protected readonly kernelConstraint: ((w: Tensor) => Tensor) | null;
  protected readonly biasConstraint: ((w: Tensor) => Tensor) | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;
  protected inChannels = 0;

  constructor(cls: string, args: ConvArgs, rank: number, extraKeys: readonly string[], paddings: readonly string[]) {
    checkArgs(cls, args, [...CONV_KEYS, ...extraKeys]);
    super(args);
    this.rank = rank;
    this.filters = positiveInt(cls, 'filters', args.filters);
    if (args.kernelSize === undefined) fail(cls, 'Received an invalid value for `kernelSize`, expected a positive integer or an array of positive integers. Received: kernelSize=undefined');
    this.kernelSize = intTuple(cls, 'kernelSize', args.kernelSize, rank);
    this.strides = intTuple(cls, 'strides', args.strides ?? 1, rank);
    this.padding = paddingArg(cls, args.padding, paddings);
    this.dataFormat = dataFormatArg(cls, args.dataFormat);
    this.dilationRate = intTuple(cls, 'dilationRate', args.dilationRate ?? 1, rank);
    if (args.groups !== undefined && args.groups !== 1) fail(cls, `Received an invalid value for \`groups\`, only groups=1 is supported. Received: groups=${String(args.groups)}`);
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      fail(cls, `\`strides > 1\` not supported in conjunction with \`dilationRate > 1\`. Received: strides=[${this.strides}] and dilationRate=[${this.dilationRate}]`);
    }
    this.activation = activationName(args.activation, cls);
    this.useBias = args.useBias ?? true;
    if (typeof this.useBias !== 'boolean') fail(cls, `Received an invalid value for \`useBias\`, expected a boolean. Received: useBias=${String(args.useBias)}`);
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.kernelConstraint = getConstraint(args.kernelConstraint);
    this.biasConstraint = getConstraint(args.biasConstraint);
  }

  protected abstract layout(): string;
  protected abstract kernelShape(inChannels: number): number[];

  /** Checks rank and (once built) the channel count of an input shape. */
  protected checkInput(s: readonly (number | null)[]): void {
    checkRank(this.name, s, this.rank + 2, this.layout());
    if (!(this instanceof Conv2DTranspose)) {
      for (let i = 0; i < this.rank; i++) convOutputLength(this.name, s[i + 1]!, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!);
    }
    const c = s[s.length - 1];
    if (this.built && this.inChannels > 0 && c !== null && c !== this.inChannels) {
      fail(this.name, `expected axis -1 of the input to have value ${this.inChannels} (the channels it was built with), received input of shape ${fmtDims(s)}`);
    }
  }

  /** Runs before build and call, on the real input shapes. */
  protected override checkInputShapes(shapes: readonly (readonly (number | null)[])[]): void {
    super.checkInputShapes(shapes);
    this.checkInput(singleShape(this.name, shapes));
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    checkRank(this.name, s, this.rank + 2, this.layout());
    const c = s[s.length - 1];
    if (typeof c !== 'number') fail(this.name, `the channel dimension (last axis) of the input must be known, received ${fmtDims(s)}`);
    this.inChannels = c;
    this.kernel = this.addWeight('kernel', this.kernelShape(c), { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }

  protected finish(y: Tensor): Tensor {
    const z = this.bias ? add(y, this.bias) : y;
    return getActivation(this.activation)(z);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize.slice(),
      strides: this.strides.slice(),
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate.slice(),
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: initConfig(this.kernelInitializer),
      biasInitializer: initConfig(this.biasInitializer),
      kernelRegularizer: regConfig(this.kernelRegularizer),
      biasRegularizer: regConfig(this.biasRegularizer),
      ...(this.kernelConstraint ? { kernelConstraint: serializeConstraint(this.kernelConstraint) } : {}),
      ...(this.biasConstraint ? { biasConstraint: serializeConstraint(this.biasConstraint) } : {}),
    };
  }
}

// ------------------------------------------------------------------ Conv1D

/** `Conv1D(filters, kernelSize)`: inputs [batch, steps, channels]. */
export class Conv1D extends BaseConv {
  static override className = 'Conv1D';
  constructor(args: ConvArgs) {
    super('Conv1D', args, 1, [], ['valid', 'same', 'causal']);
  }
  protected layout(): string {
    return '[batch, steps, channels]';
  }
  protected kernelShape(c: number): number[] {
    return [this.kernelSize[0]!, c, this.filters];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    let x = inputs as Tensor;
    this.checkInput(x.shape);
    let p = this.padding;
    if (p === 'causal') {
      x = pad(x, [[0, 0], [(this.kernelSize[0]! - 1) * this.dilationRate[0]!, 0], [0, 0]]);
      p = 'valid';
    }
    return this.finish(conv1d(x, this.kernel!, this.strides[0]!, p as 'valid' | 'same', 'NWC', this.dilationRate[0]!));
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    this.checkInput(s);
    return [s[0]!, convOutputLength(this.name, s[1]!, this.kernelSize[0]!, this.padding, this.strides[0]!, this.dilationRate[0]!), this.filters];
  }
}

// ------------------------------------------------------------------ Conv2D

/** `Conv2D(filters, kernelSize)`: inputs [batch, height, width, channels]. */
export class Conv2D extends BaseConv {
  static override className = 'Conv2D';
  constructor(args: ConvArgs) {
    super('Conv2D', args, 2, [], ['valid', 'same']);
  }
  protected layout(): string {
    return '[batch, height, width, channels]';
  }
  protected kernelShape(c: number): number[] {
    return [this.kernelSize[0]!, this.kernelSize[1]!, c, this.filters];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.checkInput(x.shape);
    if (this.activation === 'relu' || this.activation === 'linear') {
      // One kernel on the native backend (bias and relu in the convolution's epilogue);
      // bit-identical to conv2d + add + relu (src/ops/fused_conv2d.ts).
      return fusedConv2d({
        x,
        filter: this.kernel!,
        strides: this.strides as [number, number],
        pad: this.padding as 'valid' | 'same',
        dataFormat: 'NHWC',
        dilations: this.dilationRate as [number, number],
        bias: this.bias ?? null,
        activation: this.activation,
      });
    }
    const y = conv2d(x, this.kernel!, this.strides as [number, number], this.padding as 'valid' | 'same', 'NHWC', this.dilationRate as [number, number]);
    return this.finish(y);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    this.checkInput(s);
    const dims = [1, 2].map((i) => convOutputLength(this.name, s[i]!, this.kernelSize[i - 1]!, this.padding, this.strides[i - 1]!, this.dilationRate[i - 1]!));
    return [s[0]!, ...dims, this.filters];
  }
}

// ------------------------------------------------------------------ Conv3D

/** `Conv3D(filters, kernelSize)`: inputs [batch, depth, height, width, channels] (kernel [kd, kh, kw, in, filters]). */
export class Conv3D extends BaseConv {
  static override className = 'Conv3D';
  constructor(args: ConvArgs) {
    super('Conv3D', args, 3, [], ['valid', 'same']);
  }
  protected layout(): string {
    return '[batch, depth, height, width, channels]';
  }
  protected kernelShape(c: number): number[] {
    return [this.kernelSize[0]!, this.kernelSize[1]!, this.kernelSize[2]!, c, this.filters];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.checkInput(x.shape);
    return this.finish(conv3d(x, this.kernel!, this.strides as [number, number, number], this.padding as 'valid' | 'same', 'NDHWC', this.dilationRate as [number, number, number]));
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    this.checkInput(s);
    const dims = [1, 2, 3].map((i) => convOutputLength(this.name, s[i]!, this.kernelSize[i - 1]!, this.padding, this.strides[i - 1]!, this.dilationRate[i - 1]!));
    return [s[0]!, ...dims, this.filters];
  }
}

// ------------------------------------------------------------------ Conv2DTranspose

export interface Conv2DTransposeArgs extends ConvArgs {
  outputPadding?: number | number[] | null;
}

/** Keras `deconv_output_length` (null stays null). */
export function deconvOutputLength(len: number | null, k: number, padding: string, outputPadding: number | null, stride: number): number | null {
  if (len === null) return null;
  if (outputPadding === null) return padding === 'valid' ? len * stride + Math.max(k - stride, 0) : len * stride;
  const p = padding === 'same' ? Math.floor(k / 2) : 0;
  return (len - 1) * stride + k - 2 * p + outputPadding;
}

/**
 * `Conv2DTranspose(filters, kernelSize)`: the transpose of a Conv2D (TF backend's
 * `conv_transpose`: `tf.nn.conv_transpose` with the Keras output shape). Kernel [kh, kw, filters, inC].
 */
export class Conv2DTranspose extends BaseConv {
  static override className = 'Conv2DTranspose';
  readonly outputPadding: number[] | null;
  constructor(args: Conv2DTransposeArgs) {
    super('Conv2DTranspose', args, 2, ['outputPadding'], ['valid', 'same']);
    if (this.dilationRate.some((d) => d !== 1)) {
      fail('Conv2DTranspose', `Received an invalid value for \`dilationRate\`, only dilationRate=1 is supported. Received: dilationRate=[${this.dilationRate}]`);
    }
    this.outputPadding = args.outputPadding === undefined || args.outputPadding === null ? null : intTuple('Conv2DTranspose', 'outputPadding', args.outputPadding, 2, 0);
    if (this.outputPadding && this.outputPadding.some((p, i) => p >= this.strides[i]!)) {
      fail('Conv2DTranspose', `Strides must be greater than output padding. Received strides=[${this.strides}], outputPadding=[${this.outputPadding}]`);
    }
  }
  protected layout(): string {
    return '[batch, height, width, channels]';
  }
  protected kernelShape(c: number): number[] {
    return [this.kernelSize[0]!, this.kernelSize[1]!, this.filters, c];
  }
  /**
   * Output spatial sizes. TensorFlow's conv_transpose needs the forward conv of the output to give
   * back the input size; with 'same' padding, an even kernel and an explicit outputPadding it may
   * not (e.g. kernel 2, stride 2, outputPadding 0), and Keras's TF backend fails there too.
   */
  private outDims(s: readonly (number | null)[]): (number | null)[] {
    return [1, 2].map((i) => {
      const k = this.kernelSize[i - 1]!;
      const st = this.strides[i - 1]!;
      const op = this.outputPadding ? this.outputPadding[i - 1]! : null;
      const len = deconvOutputLength(s[i]!, k, this.padding, op, st);
      if (len !== null && (len <= 0 || (this.padding === 'same' && Math.ceil(len / st) !== s[i]))) {
        fail(
          this.name,
          `outputPadding=[${this.outputPadding}] with padding 'same', kernelSize=[${this.kernelSize}] and strides=[${this.strides}] gives an output length of ${len} ` +
            `for input length ${s[i]}, which is not the transpose of a 'same' convolution (ceil(${len} / ${st}) ≠ ${s[i]}); use another outputPadding or an odd kernel size`,
        );
      }
      return len;
    });
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.checkInput(x.shape);
    const [h, w] = this.outDims(x.shape) as number[];
    const y = conv2dTranspose(x, this.kernel!, [x.shape[0]!, h!, w!, this.filters], this.strides as [number, number], this.padding as 'valid' | 'same');
    return this.finish(y);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    this.checkInput(s);
    return [s[0]!, ...this.outDims(s), this.filters];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), outputPadding: this.outputPadding ? this.outputPadding.slice() : null };
  }
}

// ------------------------------------------------------------------ DepthwiseConv2D

export interface DepthwiseConv2DArgs extends LayerArgs {
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: string;
  depthMultiplier?: number;
  dataFormat?: 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';
  dilationRate?: number | number[];
  activation?: string | null;
  useBias?: boolean;
  depthwiseInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  depthwiseConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  filters: number;
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier;
  pointwiseConstraint?: ConstraintIdentifier;
}

const DW_KEYS = [
  'kernelSize', 'strides', 'padding', 'depthMultiplier', 'dataFormat', 'dilationRate', 'activation', 'useBias',
  'depthwiseInitializer', 'biasInitializer', 'depthwiseRegularizer', 'biasRegularizer', 'depthwiseConstraint', 'biasConstraint',
];

/** Shared arguments of DepthwiseConv2D and SeparableConv2D. */
abstract class BaseDepthwise extends Layer {
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: string;
  readonly depthMultiplier: number;
  readonly dataFormat: 'channels_last';
  readonly dilationRate: number[];
  readonly activation: string;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  protected readonly depthwiseRegularizer: Regularizer | null;
  protected readonly biasRegularizer: Regularizer | null;
  protected readonly depthwiseConstraint: ((w: Tensor) => Tensor) | null;
  protected readonly biasConstraint: ((w: Tensor) => Tensor) | null;
  bias: Variable | null = null;
  protected inChannels = 0;

  constructor(cls: string, args: DepthwiseConv2DArgs, extraKeys: readonly string[]) {
    checkArgs(cls, args, [...DW_KEYS, ...extraKeys]);
    super(args);
    if (args.kernelSize === undefined) fail(cls, 'Received an invalid value for `kernelSize`, expected a positive integer or an array of 2 positive integers. Received: kernelSize=undefined');
    this.kernelSize = intTuple(cls, 'kernelSize', args.kernelSize, 2);
    this.strides = intTuple(cls, 'strides', args.strides ?? 1, 2);
    this.padding = paddingArg(cls, args.padding);
    this.depthMultiplier = positiveInt(cls, 'depthMultiplier', args.depthMultiplier ?? 1);
    this.dataFormat = dataFormatArg(cls, args.dataFormat);
    this.dilationRate = intTuple(cls, 'dilationRate', args.dilationRate ?? 1, 2);
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      fail(cls, `\`strides > 1\` not supported in conjunction with \`dilationRate > 1\`. Received: strides=[${this.strides}] and dilationRate=[${this.dilationRate}]`);
    }
    this.activation = activationName(args.activation, cls);
    this.useBias = args.useBias ?? true;
    if (typeof this.useBias !== 'boolean') fail(cls, `Received an invalid value for \`useBias\`, expected a boolean. Received: useBias=${String(args.useBias)}`);
    this.depthwiseInitializer = getInitializer(args.depthwiseInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.depthwiseRegularizer = getRegularizer(args.depthwiseRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.depthwiseConstraint = getConstraint(args.depthwiseConstraint);
    this.biasConstraint = getConstraint(args.biasConstraint);
  }

  protected checkInput(s: readonly (number | null)[]): void {
    checkRank(this.name, s, 4, '[batch, height, width, channels]');
    this.spatialOut(s);
    const c = s[3];
    if (this.built && this.inChannels > 0 && c !== null && c !== this.inChannels) {
      fail(this.name, `expected axis -1 of the input to have value ${this.inChannels} (the channels it was built with), received input of shape ${fmtDims(s)}`);
    }
  }

  protected override checkInputShapes(shapes: readonly (readonly (number | null)[])[]): void {
    super.checkInputShapes(shapes);
    this.checkInput(singleShape(this.name, shapes));
  }

  /** Checks the input shape and returns its channel count. */
  protected buildChannels(inputShape: Shape | Shape[]): number {
    const s = inputShape as Shape;
    checkRank(this.name, s, 4, '[batch, height, width, channels]');
    const c = s[3];
    if (typeof c !== 'number') fail(this.name, `the channel dimension (last axis) of the input must be known, received ${fmtDims(s)}`);
    this.inChannels = c;
    return c;
  }

  protected depthwise(x: Tensor, kernel: Tensor): Tensor {
    return depthwiseConv2d(x, kernel, this.strides as [number, number], this.padding as 'valid' | 'same', 'NHWC', this.dilationRate as [number, number]);
  }

  protected finish(y: Tensor): Tensor {
    const z = this.bias ? add(y, this.bias) : y;
    return getActivation(this.activation)(z);
  }

  protected spatialOut(s: readonly (number | null)[]): (number | null)[] {
    return [1, 2].map((i) => convOutputLength(this.name, s[i]!, this.kernelSize[i - 1]!, this.padding, this.strides[i - 1]!, this.dilationRate[i - 1]!));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize.slice(),
      strides: this.strides.slice(),
      padding: this.padding,
      depthMultiplier: this.depthMultiplier,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate.slice(),
      activation: this.activation,
      useBias: this.useBias,
      depthwiseInitializer: initConfig(this.depthwiseInitializer),
      biasInitializer: initConfig(this.biasInitializer),
      depthwiseRegularizer: regConfig(this.depthwiseRegularizer),
      biasRegularizer: regConfig(this.biasRegularizer),
      ...(this.depthwiseConstraint ? { depthwiseConstraint: serializeConstraint(this.depthwiseConstraint) } : {}),
      ...(this.biasConstraint ? { biasConstraint: serializeConstraint(this.biasConstraint) } : {}),
    };
  }
}

/** `DepthwiseConv2D(kernelSize)`: one filter bank per input channel; kernel [kh, kw, inC, depthMultiplier]. */
export class DepthwiseConv2D extends BaseDepthwise {
  static override className = 'DepthwiseConv2D';
  kernel: Variable | null = null;
  constructor(args: DepthwiseConv2DArgs) {
    super('DepthwiseConv2D', args, []);
  }
  override build(inputShape: Shape | Shape[]): void {
    const c = this.buildChannels(inputShape);
    this.kernel = this.addWeight('kernel', [this.kernelSize[0]!, this.kernelSize[1]!, c, this.depthMultiplier], {
      initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer, constraint: this.depthwiseConstraint,
    });
    if (this.useBias) this.bias = this.addWeight('bias', [c * this.depthMultiplier], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.checkInput(x.shape);
    return this.finish(this.depthwise(x, this.kernel!));
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    this.checkInput(s);
    return [s[0]!, ...this.spatialOut(s), s[3] === null ? null : s[3]! * this.depthMultiplier];
  }
}

/**
 * `SeparableConv2D(filters, kernelSize)`: depthwise conv (kernel [kh, kw, inC, depthMultiplier])
 * then a 1×1 pointwise conv2d (kernel [1, 1, inC·depthMultiplier, filters]), then bias.
 */
export class SeparableConv2D extends BaseDepthwise {
  static override className = 'SeparableConv2D';
  readonly filters: number;
  readonly pointwiseInitializer: Initializer;
  protected readonly pointwiseRegularizer: Regularizer | null;
  protected readonly pointwiseConstraint: ((w: Tensor) => Tensor) | null;
  depthwiseKernel: Variable | null = null;
  pointwiseKernel: Variable | null = null;
  constructor(args: SeparableConv2DArgs) {
    super('SeparableConv2D', args, ['filters', 'pointwiseInitializer', 'pointwiseRegularizer', 'pointwiseConstraint']);
    this.filters = positiveInt('SeparableConv2D', 'filters', args.filters);
    this.pointwiseInitializer = getInitializer(args.pointwiseInitializer ?? 'glorotUniform');
    this.pointwiseRegularizer = getRegularizer(args.pointwiseRegularizer);
    this.pointwiseConstraint = getConstraint(args.pointwiseConstraint);
  }
  override build(inputShape: Shape | Shape[]): void {
    const c = this.buildChannels(inputShape);
    const m = this.depthMultiplier;
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [this.kernelSize[0]!, this.kernelSize[1]!, c, m], {
      initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer, constraint: this.depthwiseConstraint,
    });
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, c * m, this.filters], {
      initializer: this.pointwiseInitializer, regularizer: this.pointwiseRegularizer, constraint: this.pointwiseConstraint,
    });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.checkInput(x.shape);
    const d = this.depthwise(x, this.depthwiseKernel!);
    return this.finish(conv2d(d, this.pointwiseKernel!, 1, 'valid'));
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    this.checkInput(s);
    return [s[0]!, ...this.spatialOut(s), this.filters];
  }
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      pointwiseInitializer: initConfig(this.pointwiseInitializer),
      pointwiseRegularizer: regConfig(this.pointwiseRegularizer),
      ...(this.pointwiseConstraint ? { pointwiseConstraint: serializeConstraint(this.pointwiseConstraint) } : {}),
    };
  }
}

registerBuiltinLayer(Conv1D);
registerBuiltinLayer(Conv2D);
registerBuiltinLayer(Conv3D);
registerBuiltinLayer(Conv2DTranspose);
registerBuiltinLayer(DepthwiseConv2D);
registerBuiltinLayer(SeparableConv2D);

/** `tf.layers.*` factories of this family (merged into `tf.layers` by the lead). */
export const convLayers = {
  conv1d: (args: ConvArgs) => new Conv1D(args),
  conv2d: (args: ConvArgs) => new Conv2D(args),
  conv3d: (args: ConvArgs) => new Conv3D(args),
  conv2dTranspose: (args: Conv2DTransposeArgs) => new Conv2DTranspose(args),
  depthwiseConv2d: (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args),
  separableConv2d: (args: SeparableConv2DArgs) => new SeparableConv2D(args),
};
