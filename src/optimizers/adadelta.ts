/**
 * Adadelta (Keras 3 `keras.optimizers.Adadelta`, same as PyTorch's):
 *   Eg ← ρ·Eg + (1 − ρ)·g²
 *   Δ ← −√(Ex + ε)·g / √(Eg + ε)
 *   Ex ← ρ·Ex + (1 − ρ)·Δ²
 *   var ← var + lr·Δ
 * Slots: `<var>/Adadelta` (Eg, 'accum'/'accumulated_grad'),
 * `<var>/Adadelta_1` (Ex, 'accum_update'/'accumulated_delta_var').
 */
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { add } from '../ops/add.ts';
import { mul } from '../ops/mul.ts';
import { div } from '../ops/div.ts';
import { neg } from '../ops/neg.ts';
import { sqrt } from '../ops/sqrt.ts';
import { square } from '../ops/square.ts';
import { BASE_ARG_KEYS, Optimizer, checkArgKeys, checkNumber, configToArgs, type BaseOptimizerArgs, type OptimizerConfig, type SlotSpec } from './optimizer.ts';

export interface AdadeltaArgs extends BaseOptimizerArgs {
  rho?: number;
  epsilon?: number;
}

export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  protected readonly slotPrefix = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;

  constructor(args: AdadeltaArgs = {}) {
    checkArgKeys('Adadelta', args, [...BASE_ARG_KEYS, 'rho', 'epsilon']);
    super('Adadelta', args, 0.001);
    this.rho = checkNumber('Adadelta', 'rho', args.rho ?? 0.95, 0, 1);
    this.epsilon = checkNumber('Adadelta', 'epsilon', args.epsilon ?? 1e-7, 0, Infinity);
  }

  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'accum', keras: 'accumulated_grad', index: 0, initialValue: 0, active: true },
      { name: 'accum_update', keras: 'accumulated_delta_var', index: 1, initialValue: 0, active: true },
    ];
  }

  protected updateStep(g: Tensor, variable: Variable, slots: (Variable | undefined)[], lr: number): void {
    const rho = this.rho;
    const eg = slots[0]!;
    const ex = slots[1]!;
    const rms = (x: Tensor): Tensor => sqrt(add(x, this.epsilon));
    eg.assign(add(mul(eg, rho), mul(square(g), 1 - rho)));
    const delta = neg(div(mul(rms(ex), g), rms(eg)));
    ex.assign(add(mul(ex, rho), mul(square(delta), 1 - rho)));
    variable.assign(add(variable, mul(delta, lr)));
  }

  protected ownConfig(): OptimizerConfig {
    return { rho: this.rho, epsilon: this.epsilon };
  }

  static fromConfig(config: OptimizerConfig): Adadelta {
    return new Adadelta(configToArgs('Adadelta.fromConfig', config, { rho: 'rho', epsilon: 'epsilon' }) as AdadeltaArgs);
  }
}
