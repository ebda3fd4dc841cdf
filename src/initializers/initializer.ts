/**
 * The `Initializer` base class and shared helpers (Keras 3 `keras.initializers` semantics).
 *
 * - `computeFans(shape)`: rank 0 → (1, 1); rank 1 → (s0, s0); rank 2 → (s0, s1); rank ≥ 3
 *   (convolution kernels `[...spatial, in, out]`): receptive = prod(shape[:-2]),
 *   fan_in = shape[-2]·receptive, fan_out = shape[-1]·receptive.
 * - Seeds (Keras 3): an integer seed gives the same values on every call (each call draws from a
 *   fresh `SeedGenerator(seed)`); no seed takes an integer seed from the global sequence at
 *   construction (deterministic per program run / `setSeed`, and then the same values on every
 *   call); a `SeedGenerator` gives new values on every call.
 */
import type { DataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import { assertValidShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { nextStream, randomWords, SeedGenerator, seedToInteger, type SeedLike } from '../random/seed.ts';

export type { SeedLike };

/** Keras-style config: plain JSON-able values. */
export type InitializerConfig = Record<string, unknown>;

/** Base class: `apply(shape, dtype?)` (alias `call`) returns a new tensor of that shape. */
export abstract class Initializer {
  /** Keras class name (e.g. 'GlorotUniform'). */
  static className = 'Initializer';
  /** Name used in error messages (the factory's name, e.g. 'glorotUniform'). */
  static opName = 'initializer';

  /** Keras class name of this instance's class. */
  get className(): string {
    return (this.constructor as typeof Initializer).className;
  }

  protected get opName(): string {
    return (this.constructor as typeof Initializer).opName;
  }

  /** A new tensor of `shape` and `dtype` (default float32). */
  apply(shape: number[], dtype: DataType = 'float32'): Tensor {
    checkShape(shape, this.opName);
    return this.generate(shape.slice(), dtype);
  }

  /** Same as `apply` (Keras's `__call__`). */
  call(shape: number[], dtype?: DataType): Tensor {
    return this.apply(shape, dtype);
  }

  protected abstract generate(shape: number[], dtype: DataType): Tensor;

  /** Keras-style snake_case config; `getInitializer({className, config})` rebuilds an equal initializer. */
  abstract getConfig(): InitializerConfig;
}

export function checkShape(shape: unknown, op: string): asserts shape is number[] {
  if (!Array.isArray(shape)) fail(op, `\`shape\` must be an array of non-negative integers, received ${String(shape)}`);
  assertValidShape(shape as number[], op);
}

export function checkFloat(dtype: DataType, op: string): void {
  if (dtype !== 'float32') fail(op, `\`dtype\` must be float32, received ${String(dtype)}`);
}

export function checkNumber(value: unknown, name: string, op: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(op, `\`${name}\` must be a finite number, received ${fmtValue(value)}`);
  return value;
}

export function fmtValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** [fan_in, fan_out] of a weight shape (Keras's `compute_fans`). */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length < 1) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  let receptive = 1;
  for (let i = 0; i < shape.length - 2; i++) receptive *= shape[i]!;
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}

/** Seed argument as given to a random initializer (a config dict for a SeedGenerator is also accepted). */
export type InitSeed = number | SeedGenerator | null | undefined | { class_name?: string; className?: string; config?: { seed?: number } };

/**
 * Seed state of a random initializer: `initSeed` (what the user gave, for the config) and the
 * seed actually used (an integer or a SeedGenerator).
 */
export class InitializerSeed {
  readonly initSeed: number | SeedGenerator | null;
  readonly seed: number | SeedGenerator;

  constructor(seed: InitSeed, op: string) {
    if (seed === undefined || seed === null) {
      this.initSeed = null;
      // The next stream of the global unseeded sequence (restarted by setSeed) names the seed.
      const w = randomWords(nextStream(undefined, op), 1);
      this.seed = w[0]!;
    } else if (seed instanceof SeedGenerator) {
      this.initSeed = seed;
      this.seed = seed;
    } else if (typeof seed === 'number') {
      this.initSeed = seed;
      this.seed = seedToInteger(seed, op);
    } else if (typeof seed === 'object' && (seed.class_name ?? seed.className) === 'SeedGenerator' && typeof seed.config?.seed === 'number') {
      const g = new SeedGenerator(seed.config.seed);
      this.initSeed = g;
      this.seed = g;
    } else {
      fail(op, `\`seed\` must be an integer or a SeedGenerator, received ${fmtValue(seed)}`);
    }
  }

  /** The seed to pass to a random op for one call. */
  draw(): SeedLike {
    return this.seed instanceof SeedGenerator ? this.seed : new SeedGenerator(this.seed);
  }

  /** Config value: the integer, null, or a serialized SeedGenerator. */
  config(): number | null | { class_name: string; config: { seed: number } } {
    const s = this.initSeed;
    if (s instanceof SeedGenerator) return { class_name: 'SeedGenerator', config: s.getConfig() };
    return s;
  }
}

/** Options objects: reject unknown keys so typos fail loudly. */
export function checkOptions(opts: unknown, allowed: string[], op: string): Record<string, unknown> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts)) fail(op, `options must be an object, received ${fmtValue(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) fail(op, `unknown option \`${k}\`; expected one of ${allowed.length ? allowed.join(', ') : '(none)'}`);
  }
  return opts as Record<string, unknown>;
}
