/**
 * Adagrad (Keras 3 `keras.optimizers.Adagrad`):
 *   acc ← acc + g²  (acc starts at initialAccumulatorValue, default 0.1)
 *   var ← var − lr·g / √(acc + ε)
 * (PyTorch uses √acc + ε; equal when ε = 0.) Slot: `<var>/Adagrad` ('accumulator').
 */
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { add } from '../ops/add.ts';
import { sub } from '../ops/sub.ts';
import { mul } from '../ops/mul.ts';
import { div } from '../ops/div.ts';
import { sqrt } from '../ops/sqrt.ts';
import { square } from '../ops/square.ts';
import { BASE_ARG_KEYS, Optimizer, checkArgKeys, checkNumber, configToArgs, type BaseOptimizerArgs, type OptimizerConfig, type SlotSpec } from './optimizer.ts';

export interface AdagradArgs extends BaseOptimizerArgs {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  protected readonly slotPrefix = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(args: AdagradArgs = {}) {
    checkArgKeys('Adagrad', args, [...BASE_ARG_KEYS, 'initialAccumulatorValue', 'epsilon']);
    super('Adagrad', args, 0.001);
    this.initialAccumulatorValue = checkNumber('Adagrad', 'initialAccumulatorValue', args.initialAccumulatorValue ?? 0.1, 0, Infinity);
    this.epsilon = checkNumber('Adagrad', 'epsilon', args.epsilon ?? 1e-7, 0, Infinity);
  }

  protected slotSpecs(): SlotSpec[] {
    return [{ name: 'accumulator', keras: 'accumulator', index: 0, initialValue: this.initialAccumulatorValue, active: true }];
  }

  protected updateStep(g: Tensor, variable: Variable, slots: (Variable | undefined)[], lr: number): void {
    const acc = slots[0]!;
    acc.assign(add(acc, square(g)));
    variable.assign(sub(variable, div(mul(g, lr), sqrt(add(acc, this.epsilon)))));
  }

  protected ownConfig(): OptimizerConfig {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }

  static fromConfig(config: OptimizerConfig): Adagrad {
    return new Adagrad(configToArgs('Adagrad.fromConfig', config, { initial_accumulator_value: 'initialAccumulatorValue', epsilon: 'epsilon' }) as AdagradArgs);
  }
}
