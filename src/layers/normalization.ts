/**
 * Keras `BatchNormalization` (momentum 0.99, epsilon 1e-3, Keras 3 semantics).
 * Training call: normalize with the batch mean and (biased) variance, and update the moving
 * statistics in the same call — `moving = moving·momentum + batch·(1 − momentum)` — so every way
 * of running a training step updates them (no UPDATE_OPS to forget, seeds 001 and 003).
 * Inference call: normalize with the moving statistics; nothing changes.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { add } from '../ops/add.ts';
import { batchNorm } from '../ops/batch_norm.ts';
import { batchNormTraining } from '../ops/batch_norm_training.ts';
import { mul } from '../ops/mul.ts';
import { reshape } from '../ops/reshape.ts';
import { getInitializer, type Initializer, type InitializerIdentifier } from '../initializers/index.ts';
import { registerBuiltinLayer } from './registry.ts';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from './constraints.ts';
import { checkArgs, Layer, type CallKwargs, type LayerArgs, type Shape } from './layer.ts';

export interface BatchNormalizationArgs extends LayerArgs {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaConstraint?: ConstraintIdentifier;
  gammaConstraint?: ConstraintIdentifier;
}

export class BatchNormalization extends Layer {
  static override className = 'BatchNormalization';
  override supportsMasking = true;
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly inits: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', Initializer>;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;
  private reductionAxes: number[] = [];
  private readonly betaConstraint: ((w: Tensor) => Tensor) | null;
  private readonly gammaConstraint: ((w: Tensor) => Tensor) | null;

  constructor(args: BatchNormalizationArgs = {}) {
    checkArgs('BatchNormalization', args, [
      'axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
      'movingMeanInitializer', 'movingVarianceInitializer', 'betaConstraint', 'gammaConstraint',
    ]);
    super(args);
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1)) fail('BatchNormalization', `Received an invalid value for \`momentum\`, expected a float in [0, 1]. Received: momentum=${this.momentum}`);
    if (!(this.epsilon > 0)) fail('BatchNormalization', `Received an invalid value for \`epsilon\`, expected a positive float. Received: epsilon=${this.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaConstraint = getConstraint(args.betaConstraint);
    this.gammaConstraint = getConstraint(args.gammaConstraint);
    this.inits = {
      beta: getInitializer(args.betaInitializer ?? 'zeros'),
      gamma: getInitializer(args.gammaInitializer ?? 'ones'),
      movingMean: getInitializer(args.movingMeanInitializer ?? 'zeros'),
      movingVariance: getInitializer(args.movingVarianceInitializer ?? 'ones'),
    };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const axis = this.axis < 0 ? this.axis + s.length : this.axis;
    if (axis < 0 || axis >= s.length) fail(this.name, `\`axis\` ${this.axis} is out of range for input of rank ${s.length}`);
    const dim = s[axis];
    if (typeof dim !== 'number') fail(this.name, `the normalized axis ${this.axis} must have a known size, received [${s.map((d) => (d === null ? 'null' : d))}]`);
    this.reductionAxes = s.map((_, i) => i).filter((i) => i !== axis);
    if (this.scale) this.gamma = this.addWeight('gamma', [dim], { initializer: this.inits.gamma, constraint: this.gammaConstraint });
    if (this.center) this.beta = this.addWeight('beta', [dim], { initializer: this.inits.beta, constraint: this.betaConstraint });
    this.movingMean = this.addWeight('moving_mean', [dim], { initializer: this.inits.movingMean, trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [dim], { initializer: this.inits.movingVariance, trainable: false });
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (kwargs.training) {
      // The batch statistics (one fused kernel where the backend has it: src/ops/batch_norm_training.ts).
      const { y, mean, variance } = batchNormTraining(x, { axes: this.reductionAxes, scale: this.gamma, offset: this.beta, epsilon: this.epsilon });
      const m = this.momentum;
      this.movingMean!.assign(add(mul(this.movingMean!, m), mul(mean, 1 - m)));
      this.movingVariance!.assign(add(mul(this.movingVariance!, m), mul(variance, 1 - m)));
      return y;
    }
    const paramShape = x.shape.map((d, i) => (this.reductionAxes.includes(i) ? 1 : d));
    const lastAxis = this.reductionAxes.length === x.rank - 1 && !this.reductionAxes.includes(x.rank - 1);
    // Parameters broadcast along the last axis directly; other axes need a reshape.
    const shaped = (t: Tensor | null) => (t === null || lastAxis ? t : reshape(t, paramShape));
    return batchNorm(x, shaped(this.movingMean)!, shaped(this.movingVariance)!, shaped(this.beta) ?? undefined, shaped(this.gamma) ?? undefined, this.epsilon);
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape).slice();
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: { className: this.inits.beta.className, config: this.inits.beta.getConfig() },
      gammaInitializer: { className: this.inits.gamma.className, config: this.inits.gamma.getConfig() },
      movingMeanInitializer: { className: this.inits.movingMean.className, config: this.inits.movingMean.getConfig() },
      movingVarianceInitializer: { className: this.inits.movingVariance.className, config: this.inits.movingVariance.getConfig() },
      ...(this.betaConstraint ? { betaConstraint: serializeConstraint(this.betaConstraint) } : {}),
      ...(this.gammaConstraint ? { gammaConstraint: serializeConstraint(this.gammaConstraint) } : {}),
    };
  }
}

registerBuiltinLayer(BatchNormalization);
