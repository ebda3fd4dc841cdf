/**
 * Keras activations by name. Each is the public op of the same math, so a hand-written model
 * that calls `tf.relu` computes exactly what `activation: 'relu'` does.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { elu } from '../ops/elu.ts';
import { exp } from '../ops/exp.ts';
import { gelu } from '../ops/gelu.ts';
import { leakyRelu } from '../ops/leaky_relu.ts';
import { mul } from '../ops/mul.ts';
import { relu } from '../ops/relu.ts';
import { relu6 } from '../ops/relu6.ts';
import { selu } from '../ops/selu.ts';
import { sigmoid } from '../ops/sigmoid.ts';
import { softmax, logSoftmax } from '../ops/softmax.ts';
import { softplus } from '../ops/softplus.ts';
import { softsign } from '../ops/softsign.ts';
import { tanh } from '../ops/tanh.ts';
import { add } from '../ops/add.ts';
import { clipByValue } from '../ops/clip_by_value.ts';
import { greaterEqual } from '../ops/compare.ts';
import { minimum } from '../ops/minimum.ts';
import { sub } from '../ops/sub.ts';
import { where } from '../ops/where.ts';
import { checkArgs, Layer, type LayerArgs, type Shape } from './layer.ts';
import { registerBuiltinLayer } from './registry.ts';

export type ActivationFn = (x: Tensor) => Tensor;

const ACTIVATIONS: Record<string, ActivationFn> = {
  linear: (x) => x,
  relu: (x) => relu(x),
  relu6: (x) => relu6(x),
  elu: (x) => elu(x),
  selu: (x) => selu(x),
  gelu: (x) => gelu(x),
  sigmoid: (x) => sigmoid(x),
  // Keras 3 hard_sigmoid: relu6(x + 3) / 6
  hard_sigmoid: (x) => mul(relu6(add(x, 3)), 1 / 6),
  tanh: (x) => tanh(x),
  softmax: (x) => softmax(x, -1),
  log_softmax: (x) => logSoftmax(x, -1),
  softplus: (x) => softplus(x),
  softsign: (x) => softsign(x),
  swish: (x) => mul(x, sigmoid(x)),
  silu: (x) => mul(x, sigmoid(x)),
  exponential: (x) => exp(x),
  leaky_relu: (x) => leakyRelu(x, 0.2),
  mish: (x) => mul(x, tanh(softplus(x))),
  hard_tanh: (x) => clipByValue(x, -1, 1),
};

const ALIASES: Record<string, string> = { hardSigmoid: 'hard_sigmoid', logSoftmax: 'log_softmax', leakyRelu: 'leaky_relu', hardTanh: 'hard_tanh' };

/** Normalized Keras name of an activation ('linear' for null/undefined). */
export function activationName(id: string | null | undefined, layer: string): string {
  if (id === null || id === undefined) return 'linear';
  if (typeof id !== 'string') fail(layer, `\`activation\` must be a name such as 'relu', received ${typeof id}`);
  const n = ALIASES[id] ?? id;
  if (!(n in ACTIVATIONS)) fail(layer, `unknown activation '${id}' (expected one of ${Object.keys(ACTIVATIONS).join(', ')})`);
  return n;
}

export function getActivation(name: string): ActivationFn {
  return ACTIVATIONS[name]!;
}

// ------------------------------------------------------------------ ReLU layer

export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (null: none). MobileNetV2 uses `maxValue: 6` (= relu6). */
  maxValue?: number | null;
  /** Slope below `threshold` (default 0). */
  negativeSlope?: number;
  /** Values below it are damped by `negativeSlope` (default 0). */
  threshold?: number;
}

/**
 * Keras `ReLU(max_value, negative_slope, threshold)` layer:
 *   y = maxValue                          if x ≥ maxValue
 *   y = x                                 if threshold ≤ x < maxValue
 *   y = negativeSlope · (x − threshold)   otherwise.
 * With the defaults it is `tf.relu`, with `maxValue: 6` it is `tf.relu6` (the same op, so a
 * hand-written model calling `tf.relu6` matches bit for bit).
 */
export class ReLU extends Layer {
  static override className = 'ReLU';
  override supportsMasking = true;
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: ReLUArgs = {}) {
    checkArgs('ReLU', args, ['maxValue', 'negativeSlope', 'threshold']);
    super(args);
    const num = (arg: string, v: unknown, min: number): number => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail('ReLU', `Received an invalid value for \`${arg}\`, expected a finite number >= ${min}. Received: ${arg}=${String(v)}`);
      return v;
    };
    this.maxValue = args.maxValue === undefined || args.maxValue === null ? null : num('maxValue', args.maxValue, 0);
    this.negativeSlope = num('negativeSlope', args.negativeSlope ?? 0, 0);
    this.threshold = num('threshold', args.threshold ?? 0, -Infinity);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    if (this.negativeSlope === 0 && this.threshold === 0) {
      if (this.maxValue === null) return relu(x);
      if (this.maxValue === 6) return relu6(x);
      return minimum(relu(x), this.maxValue);
    }
    const y = where(greaterEqual(x, this.threshold), x, mul(sub(x, this.threshold), this.negativeSlope));
    return this.maxValue === null ? y : minimum(y, this.maxValue);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape).slice();
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}

registerBuiltinLayer(ReLU);
