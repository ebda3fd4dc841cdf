/**
 * Adam and AdamW (Keras 3 `keras.optimizers.Adam` / `AdamW`), t = iterations + 1:
 *   α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)
 *   m ← m + (g − m)·(1 − β₁);  v ← v + (g² − v)·(1 − β₂)
 *   amsgrad: v̂ ← max(v̂, v), and v̂ is used for v below
 *   var ← var − α·m/(√v + ε)
 * ε is added to √v of the UNCORRECTED second moment (as in Keras and TF's "epsilon hat").
 * TF.js (and PyTorch) add ε to the bias-corrected root: var −= lr/(1−β₁ᵗ)·m/(√(v/(1−β₂ᵗ)) + ε),
 * which equals this form with ε_here = ε_tfjs·√(1 − β₂ᵗ); the two differ unless ε is negligible.
 * AdamW is Adam with decoupled weight decay (default 0.004) applied by the base class first:
 * var ← var − var·wd·lr.
 * Slots: `<var>/Adam` (m, 'm'/'momentum'), `<var>/Adam_1` (v, 'v'/'velocity'),
 * `<var>/Adam_2` (v̂, 'vhat'/'velocity_hat', amsgrad only); AdamW uses the prefix `AdamW`.
 */
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { add } from '../ops/add.ts';
import { sub } from '../ops/sub.ts';
import { mul } from '../ops/mul.ts';
import { div } from '../ops/div.ts';
import { sqrt } from '../ops/sqrt.ts';
import { square } from '../ops/square.ts';
import { maximum } from '../ops/maximum.ts';
import { fail } from '../core/errors.ts';
import { BASE_ARG_KEYS, Optimizer, checkArgKeys, checkNumber, configToArgs, type BaseOptimizerArgs, type FusedUpdate, type OptimizerConfig, type SlotSpec } from './optimizer.ts';

export interface AdamArgs extends BaseOptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  amsgrad?: boolean;
}
const ADAM_KEYS = [...BASE_ARG_KEYS, 'beta1', 'beta2', 'epsilon', 'amsgrad'];
const ADAM_CONFIG = { beta_1: 'beta1', beta_2: 'beta2', epsilon: 'epsilon', amsgrad: 'amsgrad' };

export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  protected readonly slotPrefix: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(args: AdamArgs = {}, op = 'Adam') {
    checkArgKeys(op, args, ADAM_KEYS);
    super(op, args, 0.001);
    this.beta1 = checkNumber(op, 'beta1', args.beta1 ?? 0.9, 0, 1, false, true);
    this.beta2 = checkNumber(op, 'beta2', args.beta2 ?? 0.999, 0, 1, false, true);
    this.epsilon = checkNumber(op, 'epsilon', args.epsilon ?? 1e-7, 0, Infinity);
    this.amsgrad = args.amsgrad ?? false;
  }

  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'm', keras: 'momentum', index: 0, initialValue: 0, active: true },
      { name: 'v', keras: 'velocity', index: 1, initialValue: 0, active: true },
      { name: 'vhat', keras: 'velocity_hat', index: 2, initialValue: 0, active: this.amsgrad },
    ];
  }

  /** α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), in float64 or in Keras's float32 steps (`stepPrecision`). */
  protected stepSize(lr: number, step: number): number {
    const b1 = this.beta1;
    const b2 = this.beta2;
    if (this.stepPrecision === 'float32') {
      const f = Math.fround;
      // Keras: cast(β, float32) ** cast(t, float32), then 1 − ·, sqrt, lr · ·, / · — each a float32 op.
      const b1p = f(Math.pow(f(b1), f(step)));
      const b2p = f(Math.pow(f(b2), f(step)));
      return f(f(f(lr) * f(Math.sqrt(f(1 - b2p)))) / f(1 - b1p));
    }
    return (lr * Math.sqrt(1 - Math.pow(b2, step))) / (1 - Math.pow(b1, step));
  }

  protected updateStep(g: Tensor, variable: Variable, slots: (Variable | undefined)[], lr: number, step: number): void {
    const b1 = this.beta1;
    const b2 = this.beta2;
    const alpha = this.stepSize(lr, step);
    const m = slots[0]!;
    let v: Variable = slots[1]!;
    m.assign(add(m, mul(sub(g, m), 1 - b1)));
    v.assign(add(v, mul(sub(square(g), v), 1 - b2)));
    if (this.amsgrad) {
      const vHat = slots[2]!;
      vHat.assign(maximum(vHat, v));
      v = vHat;
    }
    variable.assign(sub(variable, div(mul(m, alpha), add(sqrt(v), this.epsilon))));
  }

  protected override fusedUpdate(lr: number, step: number): FusedUpdate | null {
    if (this.amsgrad) return null;
    const alpha = this.stepSize(lr, step);
    return { kernel: 'AdamUpdate', attrs: { alpha, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon } };
  }

  protected ownConfig(): OptimizerConfig {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }

  static fromConfig(config: OptimizerConfig): Adam {
    return new Adam(configToArgs('Adam.fromConfig', config, ADAM_CONFIG) as AdamArgs);
  }
}

export interface AdamWArgs extends AdamArgs {
  weightDecay?: number;
}

export class AdamW extends Adam {
  override readonly className: string = 'AdamW';
  protected override readonly slotPrefix: string = 'AdamW';

  constructor(args: AdamWArgs = {}) {
    if (args !== null && typeof args === 'object' && 'weightDecay' in args && args.weightDecay === null) {
      fail('AdamW', 'Argument `weightDecay` must be a number. Received: weightDecay=null');
    }
    super({ ...args, weightDecay: args?.weightDecay ?? 0.004 }, 'AdamW');
  }

  static override fromConfig(config: OptimizerConfig): AdamW {
    return new AdamW(configToArgs('AdamW.fromConfig', config, ADAM_CONFIG) as AdamWArgs);
  }
}
