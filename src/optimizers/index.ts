/**
 * Optimizers and learning-rate schedules. Classes take option objects with Keras's arguments
 * in camelCase (`new Adam({learningRate: 1e-3, beta1: 0.9})`); `train` has TF.js-shaped
 * factories with positional arguments and Keras's defaults (`train.adam(0.001, 0.9, 0.999, 1e-7)`).
 * Every update follows the Keras 3 formula (see each optimizer's file).
 */
import { fail } from '../core/errors.ts';
import { Optimizer, type LearningRate, type OptimizerConfig } from './optimizer.ts';
import { SGD } from './sgd.ts';
import { Adam, AdamW } from './adam.ts';
import { Adamax } from './adamax.ts';
import { Adagrad } from './adagrad.ts';
import { Adadelta } from './adadelta.ts';
import { RMSprop } from './rmsprop.ts';
import * as schedules from './schedules.ts';

export { Optimizer, baseVariableName, type LearningRate, type NamedTensor, type GradientsInput, type OptimizerConfig, type BaseOptimizerArgs, type SlotSpec } from './optimizer.ts';
export { SGD, type SGDArgs } from './sgd.ts';
export { Adam, AdamW, type AdamArgs, type AdamWArgs } from './adam.ts';
export { Adamax, type AdamaxArgs } from './adamax.ts';
export { Adagrad, type AdagradArgs } from './adagrad.ts';
export { Adadelta, type AdadeltaArgs } from './adadelta.ts';
export { RMSprop, type RMSpropArgs } from './rmsprop.ts';
export * from './schedules.ts';
export { schedules };

/** TF.js class names. */
export { SGD as SGDOptimizer, SGD as MomentumOptimizer, Adam as AdamOptimizer, Adamax as AdamaxOptimizer, Adagrad as AdagradOptimizer, Adadelta as AdadeltaOptimizer, RMSprop as RMSPropOptimizer };

/** `tf.train`: TF.js-shaped factories (Keras defaults where an argument is omitted). */
export const train = {
  sgd: (learningRate: LearningRate = 0.01): SGD => new SGD({ learningRate }),
  momentum: (learningRate: LearningRate = 0.01, momentum = 0.9, useNesterov = false): SGD => {
    if (typeof momentum !== 'number' || !(momentum > 0)) fail('train.momentum', `\`momentum\` must be a number in (0, 1], received ${String(momentum)} (use train.sgd for no momentum)`);
    return new SGD({ learningRate, momentum, nesterov: useNesterov });
  },
  adam: (learningRate: LearningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, amsgrad = false): Adam => new Adam({ learningRate, beta1, beta2, epsilon, amsgrad }),
  adamax: (learningRate: LearningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): Adamax => new Adamax({ learningRate, beta1, beta2, epsilon }),
  adagrad: (learningRate: LearningRate = 0.001, initialAccumulatorValue = 0.1, epsilon = 1e-7): Adagrad => new Adagrad({ learningRate, initialAccumulatorValue, epsilon }),
  adadelta: (learningRate: LearningRate = 0.001, rho = 0.95, epsilon = 1e-7): Adadelta => new Adadelta({ learningRate, rho, epsilon }),
  /** TF.js order: (learningRate, decay = rho, momentum, epsilon, centered). */
  rmsprop: (learningRate: LearningRate = 0.001, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false): RMSprop => new RMSprop({ learningRate, rho: decay, momentum, epsilon, centered }),
  adamw: (learningRate: LearningRate = 0.001, weightDecay = 0.004, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, amsgrad = false): AdamW =>
    new AdamW({ learningRate, weightDecay, beta1, beta2, epsilon, amsgrad }),
};

const CLASSES: Record<string, { fromConfig(c: OptimizerConfig): Optimizer }> = { SGD, Adam, AdamW, Adamax, Adagrad, Adadelta, RMSprop };
const CLASS_ALIASES: Record<string, string> = { RMSProp: 'RMSprop' };

/** Rebuilds an optimizer from `{class_name, config}` (Keras `optimizers.deserialize`). */
export function deserializeOptimizer(s: { class_name: string; config: OptimizerConfig }): Optimizer {
  if (!s || typeof s !== 'object' || typeof s.class_name !== 'string') fail('deserializeOptimizer', 'expected an object {class_name, config}');
  // Keras registers some classes under a package prefix ('keras.optimizers>Adam', 'Custom>Adam'); TF.js names RMSprop 'RMSProp'.
  const name = s.class_name.includes('>') ? s.class_name.slice(s.class_name.lastIndexOf('>') + 1) : s.class_name;
  const cls = CLASSES[name] ?? CLASSES[CLASS_ALIASES[name] ?? ''];
  if (!cls) fail('deserializeOptimizer', `unknown optimizer class '${s.class_name}' (known: ${Object.keys(CLASSES).join(', ')})`);
  return cls.fromConfig(s.config ?? {});
}

/** Keras `optimizers.get`: an optimizer from its name ('adam', 'sgd', ...) with default settings. */
export function getOptimizer(identifier: string | Optimizer): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  const key = String(identifier).toLowerCase();
  const found = Object.entries(CLASSES).find(([k]) => k.toLowerCase() === key);
  if (!found) fail('getOptimizer', `unknown optimizer '${String(identifier)}' (known: ${Object.keys(CLASSES).map((k) => k.toLowerCase()).join(', ')})`);
  return found[1].fromConfig({});
}
