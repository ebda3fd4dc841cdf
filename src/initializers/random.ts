/**
 * Random initializers (Keras 3 `random_initializers.py`), all drawing from the shared Philox
 * generator through `tf.randomNormal` / `tf.randomUniform` / `tf.truncatedNormal`:
 *
 * - `RandomNormal({mean = 0, stddev = 0.05})`: y ~ N(mean, stddev²).
 * - `RandomUniform({minval = -0.05, maxval = 0.05})`: y ~ U[minval, maxval).
 * - `TruncatedNormal({mean = 0, stddev = 0.05})`: N(mean, stddev²) redrawn beyond 2·stddev.
 * - `VarianceScaling({scale = 1, mode = 'fan_in', distribution = 'truncated_normal'})`:
 *   s = scale / max(1, n) with n = fan_in, fan_out or (fan_in + fan_out)/2;
 *   truncated_normal: stddev = sqrt(s) / 0.87962566103423978 (the std of a unit normal truncated
 *   at ±2), truncated at 2·stddev; untruncated_normal: stddev = sqrt(s); uniform: U[-l, l) with
 *   l = sqrt(3·s).
 * - Presets: Glorot = (1, fan_avg), He = (2, fan_in), LeCun = (1, fan_in); each with uniform or
 *   truncated_normal.
 */
import type { DataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { randomNormal, truncatedNormal as truncatedNormalOp } from '../ops/random_normal.ts';
import { randomUniform } from '../ops/random_uniform.ts';
import { checkFloat, checkNumber, checkOptions, computeFans, fmtValue, Initializer, InitializerSeed, type InitializerConfig, type InitSeed } from './initializer.ts';

/** Common base of initializers that take a seed. */
export abstract class RandomInitializer extends Initializer {
  protected readonly seedState: InitializerSeed;
  constructor(seed: InitSeed, op: string) {
    super();
    this.seedState = new InitializerSeed(seed, op);
  }
  /** The seed in use: an integer (fixed values per call) or a SeedGenerator (new values per call). */
  get seed(): InitializerSeed['seed'] {
    return this.seedState.seed;
  }
}

export interface RandomNormalArgs {
  mean?: number;
  stddev?: number;
  seed?: InitSeed;
}

/** y ~ N(mean, stddev²); defaults mean 0, stddev 0.05. */
export class RandomNormal extends RandomInitializer {
  static override className = 'RandomNormal';
  static override opName = 'randomNormal';
  readonly mean: number;
  readonly stddev: number;
  constructor(args: RandomNormalArgs = {}) {
    const o = checkOptions(args, ['mean', 'stddev', 'seed'], 'randomNormal');
    super(o.seed as InitSeed, 'randomNormal');
    this.mean = checkNumber(o.mean ?? 0, 'mean', 'randomNormal');
    this.stddev = checkNumber(o.stddev ?? 0.05, 'stddev', 'randomNormal');
    if (this.stddev < 0) fail('randomNormal', `\`stddev\` must be non-negative, received ${this.stddev}`);
  }
  protected generate(shape: number[], dtype: DataType): Tensor {
    checkFloat(dtype, 'randomNormal');
    return randomNormal(shape, this.mean, this.stddev, dtype, this.seedState.draw());
  }
  getConfig(): InitializerConfig {
    return { mean: this.mean, stddev: this.stddev, seed: this.seedState.config() };
  }
}

export interface RandomUniformArgs {
  minval?: number;
  maxval?: number;
  seed?: InitSeed;
}

/** y ~ U[minval, maxval); defaults -0.05, 0.05. */
export class RandomUniform extends RandomInitializer {
  static override className = 'RandomUniform';
  static override opName = 'randomUniform';
  readonly minval: number;
  readonly maxval: number;
  constructor(args: RandomUniformArgs = {}) {
    const o = checkOptions(args, ['minval', 'maxval', 'seed'], 'randomUniform');
    super(o.seed as InitSeed, 'randomUniform');
    this.minval = checkNumber(o.minval ?? -0.05, 'minval', 'randomUniform');
    this.maxval = checkNumber(o.maxval ?? 0.05, 'maxval', 'randomUniform');
    if (!(this.maxval > this.minval)) fail('randomUniform', `\`maxval\` must be greater than \`minval\`, received minval=${this.minval}, maxval=${this.maxval}`);
  }
  protected generate(shape: number[], dtype: DataType): Tensor {
    checkFloat(dtype, 'randomUniform');
    return randomUniform(shape, this.minval, this.maxval, dtype, this.seedState.draw());
  }
  getConfig(): InitializerConfig {
    return { minval: this.minval, maxval: this.maxval, seed: this.seedState.config() };
  }
}

/** y ~ N(mean, stddev²) truncated at mean ± 2·stddev; defaults mean 0, stddev 0.05. */
export class TruncatedNormal extends RandomInitializer {
  static override className = 'TruncatedNormal';
  static override opName = 'truncatedNormal';
  readonly mean: number;
  readonly stddev: number;
  constructor(args: RandomNormalArgs = {}) {
    const o = checkOptions(args, ['mean', 'stddev', 'seed'], 'truncatedNormal');
    super(o.seed as InitSeed, 'truncatedNormal');
    this.mean = checkNumber(o.mean ?? 0, 'mean', 'truncatedNormal');
    this.stddev = checkNumber(o.stddev ?? 0.05, 'stddev', 'truncatedNormal');
    if (this.stddev < 0) fail('truncatedNormal', `\`stddev\` must be non-negative, received ${this.stddev}`);
  }
  protected generate(shape: number[], dtype: DataType): Tensor {
    checkFloat(dtype, 'truncatedNormal');
    return truncatedNormalOp(shape, this.mean, this.stddev, dtype, this.seedState.draw());
  }
  getConfig(): InitializerConfig {
    return { mean: this.mean, stddev: this.stddev, seed: this.seedState.config() };
  }
}

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
export type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

const MODES: FanMode[] = ['fan_in', 'fan_out', 'fan_avg'];
const DISTRIBUTIONS: Distribution[] = ['truncated_normal', 'untruncated_normal', 'uniform'];
/** TF.js spellings accepted as aliases. */
const MODE_ALIASES: Record<string, FanMode> = { fanIn: 'fan_in', fanOut: 'fan_out', fanAvg: 'fan_avg' };
const DIST_ALIASES: Record<string, Distribution> = { normal: 'truncated_normal', truncatedNormal: 'truncated_normal', untruncatedNormal: 'untruncated_normal' };

export interface VarianceScalingArgs {
  scale?: number;
  mode?: FanMode | 'fanIn' | 'fanOut' | 'fanAvg';
  distribution?: Distribution | 'normal' | 'truncatedNormal' | 'untruncatedNormal';
  seed?: InitSeed;
}

/** Std of a unit normal truncated to [-2, 2] (Keras's constant). */
export const TRUNCATED_STD = 0.87962566103423978;

/** scale / max(1, fan) → truncated normal (std corrected), untruncated normal, or uniform (limit sqrt(3s)). */
export class VarianceScaling extends RandomInitializer {
  static override className = 'VarianceScaling';
  static override opName = 'varianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  constructor(args: VarianceScalingArgs = {}, op = 'varianceScaling') {
    const o = checkOptions(args, ['scale', 'mode', 'distribution', 'seed'], op);
    super(o.seed as InitSeed, op);
    const scale = checkNumber(o.scale ?? 1, 'scale', op);
    if (!(scale > 0)) fail(op, `\`scale\` must be a positive number, received ${scale}`);
    const mode = o.mode ?? 'fan_in';
    const m = typeof mode === 'string' ? (MODE_ALIASES[mode] ?? mode) : mode;
    if (!MODES.includes(m as FanMode)) fail(op, `\`mode\` must be one of ${MODES.join(', ')}, received ${fmtValue(mode)}`);
    const dist = o.distribution ?? 'truncated_normal';
    const d = typeof dist === 'string' ? (DIST_ALIASES[dist] ?? DIST_ALIASES[dist.toLowerCase()] ?? dist.toLowerCase()) : dist;
    if (!DISTRIBUTIONS.includes(d as Distribution)) fail(op, `\`distribution\` must be one of ${DISTRIBUTIONS.join(', ')}, received ${fmtValue(dist)}`);
    this.scale = scale;
    this.mode = m as FanMode;
    this.distribution = d as Distribution;
  }
  /** The scale after dividing by the fan: s = scale / max(1, fan). */
  scaledVariance(shape: readonly number[]): number {
    const [fanIn, fanOut] = computeFans(shape);
    const fan = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    return this.scale / Math.max(1, fan);
  }
  protected generate(shape: number[], dtype: DataType): Tensor {
    checkFloat(dtype, this.opName);
    const s = this.scaledVariance(shape);
    const seed = this.seedState.draw();
    if (this.distribution === 'truncated_normal') return truncatedNormalOp(shape, 0, Math.sqrt(s) / TRUNCATED_STD, dtype, seed);
    if (this.distribution === 'untruncated_normal') return randomNormal(shape, 0, Math.sqrt(s), dtype, seed);
    const limit = Math.sqrt(3 * s);
    return randomUniform(shape, -limit, limit, dtype, seed);
  }
  getConfig(): InitializerConfig {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seedState.config() };
  }
}

export interface SeedOnlyArgs {
  seed?: InitSeed;
}

/** A fixed (scale, mode, distribution) VarianceScaling; subclasses set the static fields. */
export abstract class VarianceScalingPreset extends VarianceScaling {
  static presetScale = 1;
  static presetMode: FanMode = 'fan_in';
  static presetDistribution: Distribution = 'truncated_normal';
  constructor(args: SeedOnlyArgs = {}) {
    const C = new.target as unknown as typeof VarianceScalingPreset;
    const o = checkOptions(args, ['seed'], C.opName);
    super({ scale: C.presetScale, mode: C.presetMode, distribution: C.presetDistribution, seed: o.seed as InitSeed }, C.opName);
  }
  /** Keras 3: the presets' config holds only the seed. */
  override getConfig(): InitializerConfig {
    return { seed: this.seedState.config() };
  }
}

/** Glorot (Xavier) uniform: U[-l, l), l = sqrt(6 / (fan_in + fan_out)). */
export class GlorotUniform extends VarianceScalingPreset {
  static override className = 'GlorotUniform';
  static override opName = 'glorotUniform';
  static override presetMode: FanMode = 'fan_avg';
  static override presetDistribution: Distribution = 'uniform';
}
/** Glorot normal: truncated normal, stddev = sqrt(2 / (fan_in + fan_out)) / 0.8796…. */
export class GlorotNormal extends VarianceScalingPreset {
  static override className = 'GlorotNormal';
  static override opName = 'glorotNormal';
  static override presetMode: FanMode = 'fan_avg';
}
/** He uniform: U[-l, l), l = sqrt(6 / fan_in). */
export class HeUniform extends VarianceScalingPreset {
  static override className = 'HeUniform';
  static override opName = 'heUniform';
  static override presetScale = 2;
  static override presetDistribution: Distribution = 'uniform';
}
/** He normal: truncated normal, stddev = sqrt(2 / fan_in) / 0.8796…. */
export class HeNormal extends VarianceScalingPreset {
  static override className = 'HeNormal';
  static override opName = 'heNormal';
  static override presetScale = 2;
}
/** LeCun uniform: U[-l, l), l = sqrt(3 / fan_in). */
export class LecunUniform extends VarianceScalingPreset {
  static override className = 'LecunUniform';
  static override opName = 'lecunUniform';
  static override presetDistribution: Distribution = 'uniform';
}
/** LeCun normal: truncated normal, stddev = sqrt(1 / fan_in) / 0.8796…. */
export class LecunNormal extends VarianceScalingPreset {
  static override className = 'LecunNormal';
  static override opName = 'lecunNormal';
}
