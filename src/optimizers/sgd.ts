/**
 * SGD with optional momentum (Keras 3 `keras.optimizers.SGD`; TF.js `sgd` and `momentum`).
 *   plain:     var ← var − lr·g
 *   momentum:  m ← μ·m − lr·g;  var ← var + m
 *   nesterov:  m ← μ·m − lr·g;  var ← var + (μ·m − lr·g)      (Keras 3 form, with the new m)
 * With a constant lr this equals PyTorch's b ← μ·b + g; var ← var − lr·b (m = −lr·b), and its
 * nesterov var ← var − lr·(g + μ·b). Slot (only when μ > 0): `<var>/Momentum` ('momentum').
 */
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { add } from '../ops/add.ts';
import { sub } from '../ops/sub.ts';
import { mul } from '../ops/mul.ts';
import { BASE_ARG_KEYS, Optimizer, checkArgKeys, checkNumber, configToArgs, type BaseOptimizerArgs, type FusedUpdate, type OptimizerConfig, type SlotSpec } from './optimizer.ts';

export interface SGDArgs extends BaseOptimizerArgs {
  momentum?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly className = 'SGD';
  protected readonly slotPrefix = 'Momentum';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SGDArgs = {}) {
    checkArgKeys('SGD', args, [...BASE_ARG_KEYS, 'momentum', 'nesterov']);
    super('SGD', args, 0.01);
    this.momentum = checkNumber('SGD', 'momentum', args.momentum ?? 0, 0, 1);
    this.nesterov = args.nesterov ?? false;
  }

  protected slotSpecs(): SlotSpec[] {
    return [{ name: 'momentum', keras: 'momentum', index: 0, initialValue: 0, active: this.momentum !== 0 }];
  }

  protected updateStep(g: Tensor, v: Variable, slots: (Variable | undefined)[], lr: number): void {
    const m = slots[0];
    if (m) {
      const mu = this.momentum;
      m.assign(sub(mul(m, mu), mul(g, lr)));
      if (this.nesterov) v.assign(add(v, sub(mul(m, mu), mul(g, lr))));
      else v.assign(add(v, m));
    } else {
      v.assign(sub(v, mul(g, lr)));
    }
  }

  protected override fusedUpdate(lr: number): FusedUpdate {
    return { kernel: 'SGDUpdate', attrs: { learningRate: lr, momentum: this.momentum, nesterov: this.nesterov } };
  }

  protected ownConfig(): OptimizerConfig {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }

  static fromConfig(config: OptimizerConfig): SGD {
    return new SGD(configToArgs('SGD.fromConfig', config, { momentum: 'momentum', nesterov: 'nesterov' }) as SGDArgs);
  }
}
