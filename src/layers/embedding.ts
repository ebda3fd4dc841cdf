/**
 * `Embedding` and `Masking` (Keras 3).
 *
 * Embedding(inputDim, outputDim, embeddingsInitializer = 'uniform' (RandomUniform(−0.05, 0.05)),
 * maskZero = false): y[..., :] = embeddings[x[...], :] — `gather(embeddings, x, 0)` on int32
 * indices (float inputs are cast to int32, as Keras does). The gradient reaches only the looked-up
 * rows (gather's gradient, an unsortedSegmentSum). `computeMask(x)` = x ≠ 0 when `maskZero`.
 *
 * Masking(maskValue = 0): a timestep is kept when ANY of its features differs from `maskValue`:
 *   keep[b, t] = any(x[b, t, :] ≠ maskValue);  y = x · cast(keep[..., None])
 * `computeMask(x)` (or the exported `maskingMask(x, maskValue)`) returns the bool [batch, time]
 * mask. Inside a model (Sequential or functional) the mask reaches the following layers as
 * `kwargs.mask` (Keras mask propagation, src/models/model.ts); when calling layers one by one,
 * pass it yourself: `rnn.apply(masking.apply(x), {mask: masking.computeMask(x)})`.
 */
import { getConstraint, serializeConstraint, type ConstraintIdentifier, type Constraint } from './constraints.ts';
import type { DataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { any } from '../ops/all_any.ts';
import { cast } from '../ops/cast.ts';
import { notEqual } from '../ops/compare.ts';
import { gather } from '../ops/gather.ts';
import { mul } from '../ops/mul.ts';
import { getInitializer, type Initializer, type InitializerIdentifier } from '../initializers/index.ts';
import { checkArgs, Layer, positiveInt, type LayerArgs, type Shape } from './layer.ts';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from './regularizers.ts';
import { registerBuiltinLayer } from './registry.ts';

export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier;
  embeddingsConstraint?: ConstraintIdentifier;
  maskZero?: boolean;
  /**
   * TF.js and Keras 2: the length of the input sequences (a number, or a list for inputs of
   * higher rank). Without `inputShape` it declares the input shape `[batch, ...inputLength]`;
   * Keras 3 dropped the option and so does the saved config (the input shape carries it).
   */
  inputLength?: number | number[] | null;
}

export class Embedding extends Layer {
  static override className = 'Embedding';
  readonly embeddingInputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  private readonly embeddingsRegularizer;
  private readonly embeddingsConstraint: Constraint | ((w: Tensor) => Tensor) | null;
  readonly maskZero: boolean;
  embeddings: Variable | null = null;

  constructor(args: EmbeddingArgs) {
    checkArgs('Embedding', args, ['inputDim', 'outputDim', 'embeddingsInitializer', 'embeddingsRegularizer', 'embeddingsConstraint', 'maskZero', 'inputLength']);
    // `inputDim` is the vocabulary size here, not the base Layer's input-shape shorthand.
    const { inputDim, inputLength, ...rest } = args;
    if (inputLength !== undefined && inputLength !== null && rest.inputShape === undefined && rest.batchInputShape === undefined) {
      const lens = Array.isArray(inputLength) ? inputLength : [inputLength];
      if (lens.length === 0 || lens.some((d) => d !== null && (!Number.isInteger(d) || d <= 0))) {
        fail('Embedding', `Received an invalid value for \`inputLength\`, expected a positive integer or a list of them. Received: inputLength=${JSON.stringify(inputLength)}`);
      }
      rest.batchInputShape = [rest.batchSize ?? null, ...lens];
    }
    super(rest);
    this.embeddingInputDim = positiveInt('Embedding', 'inputDim', inputDim);
    this.outputDim = positiveInt('Embedding', 'outputDim', args.outputDim);
    this.embeddingsInitializer = getInitializer(args.embeddingsInitializer ?? 'uniform');
    this.embeddingsRegularizer = getRegularizer(args.embeddingsRegularizer);
    this.embeddingsConstraint = getConstraint(args.embeddingsConstraint);
    this.maskZero = args.maskZero ?? false;
  }

  get inputDim(): number {
    return this.embeddingInputDim;
  }

  override build(): void {
    this.embeddings = this.addWeight('embeddings', [this.embeddingInputDim, this.outputDim], {
      initializer: this.embeddingsInitializer, regularizer: this.embeddingsRegularizer, constraint: this.embeddingsConstraint,
    });
  }

  protected override inputDtype(): DataType {
    return 'int32';
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    if (Array.isArray(inputs)) fail(this.name, `expects a single tensor of indices, received a list of ${inputs.length}`);
    const x = inputs.dtype === 'int32' ? inputs : cast(inputs, 'int32');
    return gather(this.embeddings!, x, 0);
  }

  /** The mask Keras attaches to the output: x ≠ 0 when `maskZero`, else null. */
  override computeMask(inputs: Tensor): Tensor | null {
    if (!this.maskZero) return null;
    return notEqual(inputs.dtype === 'int32' ? inputs : cast(inputs, 'int32'), 0);
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    return [...(s as Shape), this.outputDim];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      inputDim: this.embeddingInputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: { className: this.embeddingsInitializer.className, config: this.embeddingsInitializer.getConfig() },
      embeddingsRegularizer: serializeRegularizer(this.embeddingsRegularizer),
      maskZero: this.maskZero,
      ...(this.embeddingsConstraint ? { embeddingsConstraint: serializeConstraint(this.embeddingsConstraint) } : {}),
    };
  }
}

// ------------------------------------------------------------------ Masking

export interface MaskingArgs extends LayerArgs {
  maskValue?: number;
}

/** The bool [batch, time] mask of `Masking`: any(x[b, t, :] ≠ maskValue). */
export function maskingMask(x: Tensor, maskValue = 0, keepDims = false): Tensor {
  return any(notEqual(x, maskValue), -1, keepDims);
}

export class Masking extends Layer {
  static override className = 'Masking';
  readonly maskValue: number;

  constructor(args: MaskingArgs = {}) {
    checkArgs('Masking', args, ['maskValue']);
    super(args);
    const v = args.maskValue ?? 0;
    if (typeof v !== 'number' || Number.isNaN(v)) fail('Masking', `Received an invalid value for \`maskValue\`, expected a number. Received: maskValue=${String(v)}`);
    this.maskValue = v;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    if (Array.isArray(inputs)) fail(this.name, `expects a single tensor, received a list of ${inputs.length}`);
    if (inputs.rank < 2) fail(this.name, `input must have rank >= 2 ([batch, ..., features]), received shape [${inputs.shape}]`);
    return mul(inputs, cast(maskingMask(inputs, this.maskValue, true), inputs.dtype));
  }

  /** The bool mask [batch, time] (all axes but the last) a following RNN receives as `kwargs.mask`. */
  override computeMask(inputs: Tensor): Tensor {
    return maskingMask(inputs, this.maskValue);
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape).slice();
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}

registerBuiltinLayer(Embedding);
registerBuiltinLayer(Masking);

export const embeddingLayers = {
  embedding: (args: EmbeddingArgs) => new Embedding(args),
  masking: (args: MaskingArgs = {}) => new Masking(args),
};
