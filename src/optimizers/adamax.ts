/**
 * Adamax (Keras 3 `keras.optimizers.Adamax`), t = iterations + 1:
 *   m ← m + (g − m)·(1 − β₁);  u ← max(β₂·u, |g|)
 *   var ← var − lr·m / ((1 − β₁ᵗ)·(u + ε))
 * (PyTorch puts ε inside the max, u ← max(β₂·u, |g| + ε); equal when ε = 0.)
 * Slots: `<var>/Adamax` (m, 'm'/'momentum'), `<var>/Adamax_1` (u, 'v'/'norm').
 */
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { add } from '../ops/add.ts';
import { sub } from '../ops/sub.ts';
import { mul } from '../ops/mul.ts';
import { div } from '../ops/div.ts';
import { abs } from '../ops/abs.ts';
import { maximum } from '../ops/maximum.ts';
import { BASE_ARG_KEYS, Optimizer, checkArgKeys, checkNumber, configToArgs, type BaseOptimizerArgs, type OptimizerConfig, type SlotSpec } from './optimizer.ts';

export interface AdamaxArgs extends BaseOptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adamax extends Optimizer {
  readonly className = 'Adamax';
  protected readonly slotPrefix = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: AdamaxArgs = {}) {
    checkArgKeys('Adamax', args, [...BASE_ARG_KEYS, 'beta1', 'beta2', 'epsilon']);
    super('Adamax', args, 0.001);
    this.beta1 = checkNumber('Adamax', 'beta1', args.beta1 ?? 0.9, 0, 1, false, true);
    this.beta2 = checkNumber('Adamax', 'beta2', args.beta2 ?? 0.999, 0, 1, false, true);
    this.epsilon = checkNumber('Adamax', 'epsilon', args.epsilon ?? 1e-7, 0, Infinity);
  }

  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'm', keras: 'momentum', index: 0, initialValue: 0, active: true },
      { name: 'v', keras: 'norm', index: 1, initialValue: 0, active: true },
    ];
  }

  protected updateStep(g: Tensor, variable: Variable, slots: (Variable | undefined)[], lr: number, step: number): void {
    const f = Math.fround;
    // Keras's float32 steps (`stepPrecision`): 1 − cast(β₁, float32) ** cast(t, float32) in float32.
    const b1Power = this.stepPrecision === 'float32' ? f(Math.pow(f(this.beta1), f(step))) : Math.pow(this.beta1, step);
    if (this.stepPrecision === 'float32') lr = f(lr);
    const m = slots[0]!;
    const u = slots[1]!;
    m.assign(add(m, mul(sub(g, m), 1 - this.beta1)));
    u.assign(maximum(mul(u, this.beta2), abs(g)));
    variable.assign(sub(variable, div(mul(m, lr), mul(add(u, this.epsilon), this.stepPrecision === 'float32' ? f(1 - b1Power) : 1 - b1Power))));
  }

  protected ownConfig(): OptimizerConfig {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }

  static fromConfig(config: OptimizerConfig): Adamax {
    return new Adamax(configToArgs('Adamax.fromConfig', config, { beta_1: 'beta1', beta_2: 'beta2', epsilon: 'epsilon' }) as AdamaxArgs);
  }
}
