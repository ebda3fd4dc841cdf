/**
 * RMSprop (Keras 3 `keras.optimizers.RMSprop`):
 *   v ← ρ·v + (1 − ρ)·g²
 *   centered: mg ← ρ·mg + (1 − ρ)·g;  d = v − mg² + ε      else d = v + ε
 *   inc = lr·g/√d
 *   momentum μ > 0: mom ← μ·mom + inc; var ← var − mom      else var ← var − inc
 * (PyTorch uses √(v − mg²) + ε and mom ← μ·mom + g/(…), var −= lr·mom: equal when ε = 0 and
 * lr is constant.) Slots: `<var>/RMSProp` (v, 'rms'/'velocity'), `<var>/RMSProp_1`
 * (mg, 'mg'/'average_gradient', centered only), `<var>/RMSProp_2` ('momentum', μ > 0 only).
 */
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { add } from '../ops/add.ts';
import { sub } from '../ops/sub.ts';
import { mul } from '../ops/mul.ts';
import { div } from '../ops/div.ts';
import { sqrt } from '../ops/sqrt.ts';
import { square } from '../ops/square.ts';
import { BASE_ARG_KEYS, Optimizer, checkArgKeys, checkNumber, configToArgs, type BaseOptimizerArgs, type FusedUpdate, type OptimizerConfig, type SlotSpec } from './optimizer.ts';

export interface RMSpropArgs extends BaseOptimizerArgs {
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  protected readonly slotPrefix = 'RMSProp';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(args: RMSpropArgs = {}) {
    checkArgKeys('RMSprop', args, [...BASE_ARG_KEYS, 'rho', 'momentum', 'epsilon', 'centered']);
    super('RMSprop', args, 0.001);
    this.rho = checkNumber('RMSprop', 'rho', args.rho ?? 0.9, 0, 1);
    this.momentum = checkNumber('RMSprop', 'momentum', args.momentum ?? 0, 0, 1);
    this.epsilon = checkNumber('RMSprop', 'epsilon', args.epsilon ?? 1e-7, 0, Infinity);
    this.centered = args.centered ?? false;
  }

  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'rms', keras: 'velocity', index: 0, initialValue: 0, active: true },
      { name: 'mg', keras: 'average_gradient', index: 1, initialValue: 0, active: this.centered },
      { name: 'momentum', keras: 'momentum', index: 2, initialValue: 0, active: this.momentum > 0 },
    ];
  }

  protected updateStep(g: Tensor, variable: Variable, slots: (Variable | undefined)[], lr: number): void {
    const rho = this.rho;
    const velocity = slots[0]!;
    velocity.assign(add(mul(velocity, rho), mul(square(g), 1 - rho)));
    let denominator: Tensor;
    if (this.centered) {
      const mg = slots[1]!;
      mg.assign(add(mul(mg, rho), mul(g, 1 - rho)));
      denominator = add(sub(velocity, square(mg)), this.epsilon);
    } else {
      denominator = add(velocity, this.epsilon);
    }
    const increment = div(mul(g, lr), sqrt(denominator));
    if (this.momentum > 0) {
      const mom = slots[2]!;
      mom.assign(add(mul(mom, this.momentum), increment));
      variable.assign(sub(variable, mom));
    } else {
      variable.assign(sub(variable, increment));
    }
  }

  protected override fusedUpdate(lr: number): FusedUpdate {
    return { kernel: 'RMSpropUpdate', attrs: { learningRate: lr, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered } };
  }

  protected ownConfig(): OptimizerConfig {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }

  static fromConfig(config: OptimizerConfig): RMSprop {
    return new RMSprop(configToArgs('RMSprop.fromConfig', config, { rho: 'rho', momentum: 'momentum', epsilon: 'epsilon', centered: 'centered' }) as RMSpropArgs);
  }
}
