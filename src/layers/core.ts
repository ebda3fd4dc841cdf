/** Core Keras layers: InputLayer / input, Dense, Activation, Dropout, Flatten, Reshape. */
import type { DataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from '../ops/add.ts';
import { dropout } from '../ops/dropout.ts';
import { matMul } from '../ops/mat_mul.ts';
import { matMul as fusedMatMul } from '../ops/fused_mat_mul.ts';
import { reshape } from '../ops/reshape.ts';
import { getInitializer, type Initializer, type InitializerIdentifier } from '../initializers/index.ts';
import { SeedGenerator } from '../random/seed.ts';
import { activationName, getActivation } from './activations.ts';
import { checkArgs, KerasTensor, Layer, positiveInt, type CallKwargs, type LayerArgs, type Shape } from './layer.ts';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from './regularizers.ts';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from './constraints.ts';
import { registerBuiltinLayer } from './registry.ts';

// ------------------------------------------------------------------ InputLayer

export interface InputLayerArgs {
  inputShape?: Shape;
  batchInputShape?: Shape;
  batchSize?: number;
  dtype?: DataType;
  name?: string;
}

/** The entry of a model: declares the input shape (batch dimension null). */
export class InputLayer extends Layer {
  static override className = 'InputLayer';
  readonly inputTensor: KerasTensor;

  constructor(args: InputLayerArgs) {
    checkArgs('InputLayer', args, []);
    if (!args.inputShape && !args.batchInputShape) fail('InputLayer', 'needs `inputShape` (without the batch dimension) or `batchInputShape`');
    super({ ...args });
    this.built = true;
    this.inputTensor = new KerasTensor(this.batchInputShape!.slice(), args.dtype ?? 'float32', this, 0, 0, this.name);
    this.inboundNodes.push({ layer: this, inputs: [], outputs: [this.inputTensor], kwargs: {}, singleInput: true });
  }

  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }
}

/** `tf.input({shape, batchShape, name, dtype})`: a symbolic input for functional models. */
export function input(args: { shape?: Shape; batchShape?: Shape; batchSize?: number; name?: string; dtype?: DataType }): KerasTensor {
  checkArgs('input', args, ['shape', 'batchShape']);
  const l = new InputLayer({ inputShape: args.shape, batchInputShape: args.batchShape, batchSize: args.batchSize, name: args.name, dtype: args.dtype });
  return l.inputTensor;
}

// ------------------------------------------------------------------ Dense

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
}

/**
 * `y = activation(x·kernel + bias)` on the last axis. Defaults are Keras's: kernel
 * `glorotUniform` (TF.js uses glorotNormal), bias `zeros`.
 */
export class Dense extends Layer {
  static override className = 'Dense';
  override supportsMasking = true;
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  private readonly kernelRegularizer;
  private readonly biasRegularizer;
  readonly kernelConstraint;
  readonly biasConstraint;
  kernel: Tensor | null = null;
  bias: Tensor | null = null;

  constructor(args: DenseArgs) {
    checkArgs('Dense', args, ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint']);
    super(args);
    this.units = positiveInt('Dense', 'units', args.units);
    this.activation = activationName(args.activation, 'Dense');
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.kernelConstraint = getConstraint(args.kernelConstraint);
    this.biasConstraint = getConstraint(args.biasConstraint);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const inDim = s[s.length - 1];
    if (typeof inDim !== 'number') fail(this.name, `the last dimension of the input must be known, received [${s.map((d) => (d === null ? 'null' : d))}]`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    if (x.rank >= 2 && (this.activation === 'relu' || this.activation === 'linear')) {
      // One fused kernel on the native backend; bit-identical to matMul + add + relu (src/ops/fused_mat_mul.ts).
      // Rank > 2: on the rows [-1, features] (the same products and sums as the reshaped matMul below).
      if (x.rank === 2) return fusedMatMul({ a: x, b: this.kernel!, bias: this.bias ?? null, activation: this.activation });
      const lead = x.shape.slice(0, -1);
      return reshape(fusedMatMul({ a: reshape(x, [-1, x.shape[x.rank - 1]!]), b: this.kernel!, bias: this.bias ?? null, activation: this.activation }), [...lead, this.units]);
    }
    let y: Tensor;
    if (x.rank === 2) y = matMul(x, this.kernel!);
    else {
      if (x.rank < 2) fail(this.name, `input must have rank ≥ 2, received shape [${x.shape}]`);
      const lead = x.shape.slice(0, -1);
      y = reshape(matMul(reshape(x, [-1, x.shape[x.rank - 1]!]), this.kernel!), [...lead, this.units]);
    }
    if (this.bias) y = add(y, this.bias);
    return getActivation(this.activation)(y);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [...s.slice(0, -1), this.units];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: { className: this.kernelInitializer.className, config: this.kernelInitializer.getConfig() },
      biasInitializer: { className: this.biasInitializer.className, config: this.biasInitializer.getConfig() },
      ...(this.kernelRegularizer ? { kernelRegularizer: serializeRegularizer(this.kernelRegularizer) } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: serializeRegularizer(this.biasRegularizer) } : {}),
      ...(this.kernelConstraint ? { kernelConstraint: serializeConstraint(this.kernelConstraint) } : {}),
      ...(this.biasConstraint ? { biasConstraint: serializeConstraint(this.biasConstraint) } : {}),
    };
  }
}

// ------------------------------------------------------------------ Activation

export class Activation extends Layer {
  static override className = 'Activation';
  override supportsMasking = true;
  readonly activation: string;
  constructor(args: LayerArgs & { activation: string }) {
    checkArgs('Activation', args, ['activation']);
    super(args);
    this.activation = activationName(args.activation, 'Activation');
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return getActivation(this.activation)(inputs as Tensor);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape).slice();
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

// ------------------------------------------------------------------ Dropout

export interface DropoutArgs extends LayerArgs {
  /** Fraction of the units to DROP (Keras semantics), in [0, 1). */
  rate: number;
  noiseShape?: (number | null)[];
  seed?: number;
}

/**
 * Keras `Dropout(rate)`: in training, drops the fraction `rate` of units and scales the kept ones
 * by 1/(1 − rate) (`tf.dropout`); otherwise the identity. The layer owns a `SeedGenerator`
 * (seeded with `seed`, or from the global sequence when it is created): a new mask on every call,
 * the same sequence on every run.
 */
export class Dropout extends Layer {
  static override className = 'Dropout';
  override supportsMasking = true;
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  readonly seedGenerator: SeedGenerator;

  constructor(args: DropoutArgs) {
    checkArgs('Dropout', args, ['rate', 'noiseShape', 'seed']);
    super(args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      fail('Dropout', `Received an invalid value for \`rate\`, expected a float in [0, 1) (the fraction of units to drop). Received: rate=${String(args.rate)}`);
    }
    this.rate = args.rate;
    this.noiseShape = args.noiseShape ?? null;
    this.seed = args.seed ?? null;
    this.seedGenerator = new SeedGenerator(args.seed);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (!kwargs.training || this.rate === 0) return x;
    const ns = this.noiseShape ? this.noiseShape.map((d, i) => d ?? x.shape[i]!) : null;
    return dropout(x, this.rate, ns, this.seedGenerator);
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape).slice();
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape, seed: this.seed };
  }
}

// ------------------------------------------------------------------ Flatten, Reshape

export class Flatten extends Layer {
  static override className = 'Flatten';
  constructor(args: LayerArgs = {}) {
    checkArgs('Flatten', args, []);
    super(args);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    // A graph-mode input of unknown batch size (shape -1) flattens to [-1, Π rest], as Keras does
    // when the other dimensions are known (seed 003: Keras layers on a placeholder).
    const rest = x.shape.slice(1);
    if (x.shape[0]! < 0 && rest.every((d) => d >= 0)) return reshape(x, [-1, rest.reduce((a, b) => a * b, 1)]);
    return reshape(x, [x.shape[0]!, -1]);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const sh = s as Shape;
    const rest = sh.slice(1);
    return [sh[0]!, rest.some((d) => d === null) ? null : rest.reduce<number>((a, b) => a * (b as number), 1)];
  }
}

export class Reshape extends Layer {
  static override className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: LayerArgs & { targetShape: number[] }) {
    checkArgs('Reshape', args, ['targetShape']);
    super(args);
    if (!Array.isArray(args.targetShape)) fail('Reshape', '`targetShape` must be an array (without the batch dimension)');
    this.targetShape = args.targetShape.slice();
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    // Unknown batch size (graph mode): let reshape infer it when the target shape is fully known.
    if (x.shape[0]! < 0 && !this.targetShape.includes(-1)) return reshape(x, [-1, ...this.targetShape]);
    return reshape(x, [x.shape[0]!, ...this.targetShape]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape.slice() };
  }
}

registerBuiltinLayer(InputLayer);
registerBuiltinLayer(Dense);
registerBuiltinLayer(Activation);
registerBuiltinLayer(Dropout);
registerBuiltinLayer(Flatten);
registerBuiltinLayer(Reshape);
