/**
 * The activation layers TF.js has besides `ReLU` (Keras 3 classes where Keras 3 has them):
 *
 *   ELU({alpha = 1})                y = x (x > 0), alpha·(exp(x) − 1) otherwise
 *   LeakyReLU({negativeSlope = 0.3}) y = x (x ≥ 0), negativeSlope·x otherwise (TF.js and Keras 2
 *                                   call it `alpha`; both names are accepted)
 *   Softmax({axis = -1})            softmax over `axis`
 *   PReLU({alphaInitializer = 'zeros', sharedAxes})  y = relu(x) − alpha·relu(−x), one learned
 *                                   alpha per input element (shared over `sharedAxes`)
 *   ThresholdedReLU({theta = 1})    y = x (x > theta), 0 otherwise (Keras 2 and TF.js; Keras 3
 *                                   dropped it)
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { cast } from '../ops/cast.ts';
import { greater } from '../ops/compare.ts';
import { elu } from '../ops/elu.ts';
import { expm1 } from '../ops/expm1.ts';
import { leakyRelu } from '../ops/leaky_relu.ts';
import { mul } from '../ops/mul.ts';
import { neg } from '../ops/neg.ts';
import { relu } from '../ops/relu.ts';
import { softmax } from '../ops/softmax.ts';
import { sub } from '../ops/sub.ts';
import { where } from '../ops/where.ts';
import { getInitializer, Initializer, type InitializerIdentifier } from '../initializers/index.ts';
import { getConstraint, serializeConstraint, type Constraint, type ConstraintIdentifier } from './constraints.ts';
import { checkArgs, Layer, type LayerArgs, type Shape } from './layer.ts';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.ts';
import { registerBuiltinLayer } from './registry.ts';

function finite(cls: string, arg: string, v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(cls, `Received an invalid value for \`${arg}\`, expected a finite number. Received: ${arg}=${String(v)}`);
  return v;
}

function one(layer: Layer, inputs: Tensor | Tensor[]): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) fail(layer.name, `expects a single tensor, received a list of ${inputs.length}`);
    return inputs[0]!;
  }
  return inputs;
}

/** Layers whose output has the input's shape. */
abstract class ElementwiseLayer extends Layer {
  override supportsMasking = true;
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape).slice();
  }
}

export interface ELUArgs extends LayerArgs {
  alpha?: number;
}

export class ELU extends ElementwiseLayer {
  static override className = 'ELU';
  readonly alpha: number;
  constructor(args: ELUArgs = {}) {
    checkArgs('ELU', args, ['alpha']);
    super(args);
    this.alpha = finite('ELU', 'alpha', args.alpha, 1);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(this, inputs);
    if (this.alpha === 1) return elu(x);
    return where(greater(x, 0), x, mul(expm1(x), this.alpha));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface LeakyReLUArgs extends LayerArgs {
  /** Keras 3's name. */
  negativeSlope?: number;
  /** TF.js's and Keras 2's name for the same slope. */
  alpha?: number;
}

export class LeakyReLU extends ElementwiseLayer {
  static override className = 'LeakyReLU';
  readonly negativeSlope: number;
  constructor(args: LeakyReLUArgs = {}) {
    checkArgs('LeakyReLU', args, ['negativeSlope', 'alpha']);
    if (args.alpha !== undefined && args.negativeSlope !== undefined && args.alpha !== args.negativeSlope) {
      fail('LeakyReLU', `\`alpha\` (TF.js's name) and \`negativeSlope\` (Keras 3's) name the same slope; received both, ${args.alpha} and ${args.negativeSlope}`);
    }
    const { alpha, ...rest } = args;
    super(rest);
    this.negativeSlope = finite('LeakyReLU', 'negativeSlope', args.negativeSlope ?? alpha, 0.3);
  }
  /** TF.js's name of the slope. */
  get alpha(): number {
    return this.negativeSlope;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return leakyRelu(one(this, inputs), this.negativeSlope);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), negativeSlope: this.negativeSlope };
  }
}

export interface SoftmaxArgs extends LayerArgs {
  axis?: number;
}

export class Softmax extends ElementwiseLayer {
  static override className = 'Softmax';
  readonly axis: number;
  constructor(args: SoftmaxArgs = {}) {
    checkArgs('Softmax', args, ['axis']);
    super(args);
    const a = args.axis ?? -1;
    if (!Number.isInteger(a)) fail('Softmax', `Received an invalid value for \`axis\`, expected an integer. Received: axis=${String(a)}`);
    this.axis = a;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return softmax(one(this, inputs), this.axis);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface ThresholdedReLUArgs extends LayerArgs {
  theta?: number;
}

export class ThresholdedReLU extends ElementwiseLayer {
  static override className = 'ThresholdedReLU';
  readonly theta: number;
  constructor(args: ThresholdedReLUArgs = {}) {
    checkArgs('ThresholdedReLU', args, ['theta']);
    super(args);
    this.theta = finite('ThresholdedReLU', 'theta', args.theta, 1);
    if (this.theta < 0) fail('ThresholdedReLU', `Received an invalid value for \`theta\`, expected a number >= 0. Received: theta=${this.theta}`);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(this, inputs);
    return mul(x, cast(greater(x, this.theta), x.dtype));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), theta: this.theta };
  }
}

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: InitializerIdentifier;
  alphaRegularizer?: RegularizerIdentifier;
  alphaConstraint?: ConstraintIdentifier;
  sharedAxes?: number | number[] | null;
}

export class PReLU extends ElementwiseLayer {
  static override className = 'PReLU';
  readonly alphaInitializer: Initializer;
  readonly alphaRegularizer: Regularizer | null;
  readonly alphaConstraint: Constraint | ((w: Tensor) => Tensor) | null;
  readonly sharedAxes: number[] | null;
  alpha: Variable | null = null;
  constructor(args: PReLUArgs = {}) {
    checkArgs('PReLU', args, ['alphaInitializer', 'alphaRegularizer', 'alphaConstraint', 'sharedAxes']);
    super(args);
    this.alphaInitializer = getInitializer(args.alphaInitializer ?? 'zeros');
    this.alphaRegularizer = getRegularizer(args.alphaRegularizer);
    this.alphaConstraint = getConstraint(args.alphaConstraint);
    const sa = args.sharedAxes;
    if (sa === undefined || sa === null) this.sharedAxes = null;
    else {
      const list = Array.isArray(sa) ? sa : [sa];
      if (list.some((a) => !Number.isInteger(a) || a < 1)) {
        fail('PReLU', 'Received an invalid value for `sharedAxes`, expected positive integers (axis 0 is the batch). ' +
          `Received: sharedAxes=${JSON.stringify(sa)}`);
      }
      this.sharedAxes = list.slice();
    }
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const shape = s.slice(1).map((d, i) => {
      if (this.sharedAxes?.includes(i + 1)) return 1;
      if (d === null) fail(this.name, `every non-shared input dimension must be known to build the alpha weight, received input shape [${s.map((x) => (x === null ? 'null' : x))}]`);
      return d;
    });
    this.alpha = this.addWeight('alpha', shape, { initializer: this.alphaInitializer, regularizer: this.alphaRegularizer, constraint: this.alphaConstraint });
    this.built = true;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(this, inputs);
    // Keras: pos + neg with neg = −alpha · relu(−x).
    return sub(relu(x), mul(this.alpha!, relu(neg(x))));
  }
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      alphaInitializer: { className: this.alphaInitializer.className, config: this.alphaInitializer.getConfig() },
      alphaRegularizer: serializeRegularizer(this.alphaRegularizer),
      ...(this.alphaConstraint ? { alphaConstraint: serializeConstraint(this.alphaConstraint) } : { alphaConstraint: null }),
      sharedAxes: this.sharedAxes,
    };
  }
}

registerBuiltinLayer(ELU);
registerBuiltinLayer(LeakyReLU);
registerBuiltinLayer(Softmax);
registerBuiltinLayer(ThresholdedReLU, { keras: false }); // not in Keras 3: `.keras` files name it Custom>ThresholdedReLU
registerBuiltinLayer(PReLU);

export const activationLayers = {
  elu: (args: ELUArgs = {}) => new ELU(args),
  leakyReLU: (args: LeakyReLUArgs = {}) => new LeakyReLU(args),
  softmax: (args: SoftmaxArgs = {}) => new Softmax(args),
  thresholdedReLU: (args: ThresholdedReLUArgs = {}) => new ThresholdedReLU(args),
  prelu: (args: PReLUArgs = {}) => new PReLU(args),
};
