/**
 * `tf.initializers`: Keras 3 initializers as TF.js-shaped factories.
 *
 *   const init = tf.initializers.glorotUniform({ seed: 1 });
 *   const w = init.apply([784, 256]);         // or init.call([784, 256])
 *   init.getConfig();                          // { seed: 1 }
 *   getInitializer('he_normal');               // by name, config object or instance
 *
 * Formulas: see constant.ts, random.ts, orthogonal.ts; fans and seed rules: initializer.ts.
 */
import { fail } from '../core/errors.ts';
import { Constant, Identity, Ones, Zeros, type ConstantArgs, type IdentityArgs } from './constant.ts';
import { fmtValue, Initializer, type InitializerConfig } from './initializer.ts';
import { Orthogonal, type OrthogonalArgs } from './orthogonal.ts';
import {
  GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
  type RandomNormalArgs, type RandomUniformArgs, type SeedOnlyArgs, type VarianceScalingArgs,
} from './random.ts';

export { Initializer, computeFans, InitializerSeed, type InitializerConfig, type InitSeed } from './initializer.ts';
export { Zeros, Ones, Constant, Identity, type ConstantArgs, type IdentityArgs } from './constant.ts';
export {
  RandomInitializer, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, VarianceScalingPreset, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal,
  TRUNCATED_STD, type RandomNormalArgs, type RandomUniformArgs, type VarianceScalingArgs, type SeedOnlyArgs, type FanMode, type Distribution,
} from './random.ts';
export { Orthogonal, householderQR, type OrthogonalArgs } from './orthogonal.ts';

/** All zeros. */
export function zeros(): Zeros {
  return new Zeros();
}
/** All ones. */
export function ones(): Ones {
  return new Ones();
}
/** Every element = value (default 0). */
export function constant(args: ConstantArgs = {}): Constant {
  return new Constant(args);
}
/** N(mean = 0, stddev = 0.05). */
export function randomNormal(args: RandomNormalArgs = {}): RandomNormal {
  return new RandomNormal(args);
}
/** U[minval = -0.05, maxval = 0.05). */
export function randomUniform(args: RandomUniformArgs = {}): RandomUniform {
  return new RandomUniform(args);
}
/** N(mean = 0, stddev = 0.05) truncated at 2·stddev. */
export function truncatedNormal(args: RandomNormalArgs = {}): TruncatedNormal {
  return new TruncatedNormal(args);
}
/** scale / max(1, fan) → truncated normal / untruncated normal / uniform (see random.ts). */
export function varianceScaling(args: VarianceScalingArgs = {}): VarianceScaling {
  return new VarianceScaling(args);
}
/** U[-l, l), l = sqrt(6 / (fan_in + fan_out)). */
export function glorotUniform(args: SeedOnlyArgs = {}): GlorotUniform {
  return new GlorotUniform(args);
}
/** Truncated normal, stddev = sqrt(2 / (fan_in + fan_out)) / 0.8796…. */
export function glorotNormal(args: SeedOnlyArgs = {}): GlorotNormal {
  return new GlorotNormal(args);
}
/** U[-l, l), l = sqrt(6 / fan_in). */
export function heUniform(args: SeedOnlyArgs = {}): HeUniform {
  return new HeUniform(args);
}
/** Truncated normal, stddev = sqrt(2 / fan_in) / 0.8796…. */
export function heNormal(args: SeedOnlyArgs = {}): HeNormal {
  return new HeNormal(args);
}
/** U[-l, l), l = sqrt(3 / fan_in). */
export function lecunUniform(args: SeedOnlyArgs = {}): LecunUniform {
  return new LecunUniform(args);
}
/** Truncated normal, stddev = sqrt(1 / fan_in) / 0.8796…. */
export function lecunNormal(args: SeedOnlyArgs = {}): LecunNormal {
  return new LecunNormal(args);
}
/** gain · random orthogonal matrix (flattened to prod(shape[:-1]) × shape[-1]). */
export function orthogonal(args: OrthogonalArgs = {}): Orthogonal {
  return new Orthogonal(args);
}
/** gain · eye(rows, cols) (2-D only). */
export function identity(args: IdentityArgs = {}): Identity {
  return new Identity(args);
}
/** TF.js spellings. */
export { lecunUniform as leCunUniform, lecunNormal as leCunNormal };

type Ctor = new (args?: never) => Initializer;

/** Canonical (Keras class) names → classes. */
const CLASSES: Record<string, Ctor> = {
  Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
  GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal, Identity,
} as unknown as Record<string, Ctor>;

/** Extra aliases (Keras 3's and TF.js's), by normalized key. */
const ALIASES: Record<string, string> = {
  zero: 'Zeros', one: 'Ones', uniform: 'RandomUniform', normal: 'RandomNormal',
  orthogonalinitializer: 'Orthogonal', identityinitializer: 'Identity',
};

/** Normalized lookup key: lower case, no underscores ('glorot_uniform', 'glorotUniform', 'GlorotUniform' → 'glorotuniform'). */
function key(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

const BY_KEY = new Map<string, string>();
for (const name of Object.keys(CLASSES)) BY_KEY.set(key(name), name);
for (const [k, v] of Object.entries(ALIASES)) BY_KEY.set(k, v);

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Valid names (snake_case, as Keras lists them). */
export function initializerNames(): string[] {
  return Object.keys(CLASSES).map(snake);
}

function lookup(name: string): string {
  const found = BY_KEY.get(key(name));
  if (!found) fail('initializer', `unknown initializer '${name}'; expected one of ${initializerNames().join(', ')}`);
  return found;
}

/** Keys each variance-scaling preset ignores when rebuilt from a (e.g. TF.js) config that lists them. */
const PRESETS = new Set(['GlorotUniform', 'GlorotNormal', 'HeUniform', 'HeNormal', 'LecunUniform', 'LecunNormal']);

/** Rebuilds an initializer from its Keras class name (any accepted spelling) and config. */
export function deserializeInitializer(className: string, config: InitializerConfig = {}): Initializer {
  const name = lookup(className);
  let cfg: InitializerConfig = config ?? {};
  if (typeof cfg !== 'object' || Array.isArray(cfg)) fail('initializer', `\`config\` must be an object, received ${fmtValue(cfg)}`);
  if (PRESETS.has(name)) cfg = 'seed' in cfg ? { seed: cfg.seed } : {};
  if (name === 'Zeros' || name === 'Ones') cfg = {};
  return new (CLASSES[name] as unknown as new (args: InitializerConfig) => Initializer)(cfg);
}

/** `{className, config}` of an initializer (Keras's `serialize`, TF.js's field name). */
export function serializeInitializer(init: Initializer): { className: string; config: InitializerConfig } {
  return { className: init.className, config: init.getConfig() };
}

export type InitializerIdentifier = string | Initializer | { className?: string; class_name?: string; config?: InitializerConfig };

/**
 * An initializer from a name ('glorotUniform', 'glorot_uniform', 'GlorotUniform', 'zeros', …),
 * a config object `{className | class_name, config}`, or an Initializer (returned as is).
 */
export function getInitializer(identifier: InitializerIdentifier): Initializer {
  if (identifier instanceof Initializer) return identifier;
  if (typeof identifier === 'string') return deserializeInitializer(identifier, {});
  if (identifier !== null && typeof identifier === 'object' && !Array.isArray(identifier)) {
    const cn = identifier.className ?? identifier.class_name;
    if (typeof cn !== 'string') fail('initializer', `a config object needs a string \`className\` (or \`class_name\`), received ${fmtValue(identifier)}`);
    return deserializeInitializer(cn, identifier.config ?? {});
  }
  fail('initializer', `expected a name, a {className, config} object or an Initializer, received ${fmtValue(identifier)}`);
}

/** Keras-style aliases. */
export { getInitializer as get, serializeInitializer as serialize, deserializeInitializer as deserialize };
