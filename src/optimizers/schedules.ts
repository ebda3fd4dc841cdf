/**
 * Learning-rate schedules, Keras 3 names and formulas (`keras.optimizers.schedules`).
 * A schedule is callable with the step (the optimizer passes `iterations` before it is
 * incremented) and returns a plain number:
 *   ExponentialDecay:       lr0 · rate^(step/decaySteps)            (floor of the exponent if staircase)
 *   InverseTimeDecay:       lr0 / (1 + rate · step/decaySteps)      (floor if staircase)
 *   PiecewiseConstantDecay: values[0] for step ≤ b0, values[i] for b(i-1) < step ≤ b(i), values[n] after
 *   PolynomialDecay:        (lr0 − end)·(1 − s/D)^power + end, s = min(step, D); with cycle,
 *                           D ← D·ceil(step/D) (D·1 at step 0)
 *   CosineDecay:            lr0·((1−α)·½(1+cos(π·min(step,D)/D)) + α); with warmupTarget,
 *                           linear from lr0 to the target over warmupSteps, then cosine from the target
 *   CosineDecayRestarts:    SGDR: period i has length D·tMul^i and peak lr0·mMul^i
 * Computed in float64 (Keras computes in the initial rate's dtype, float32 by default).
 */
import { fail } from '../core/errors.ts';

export type ScheduleConfig = Record<string, number | boolean | string | number[] | null>;

/** Base class: instances are functions `(step) => learningRate` with `getConfig()`. */
export interface LearningRateSchedule {
  (step: number): number;
}
export abstract class LearningRateSchedule {
  abstract readonly className: string;
  /** The learning rate at `step` (what calling the schedule returns). */
  abstract value(step: number): number;
  abstract getConfig(): ScheduleConfig;

  constructor() {
    // Make the instance itself callable: a function whose prototype is this class's.
    const fn = ((step: number) => (fn as unknown as LearningRateSchedule).value(checkStep(step))) as unknown as LearningRateSchedule;
    // Functions own non-writable `name`/`length`; drop them so subclasses can set `name`.
    delete (fn as unknown as { name?: string }).name;
    delete (fn as unknown as { length?: number }).length;
    Object.setPrototypeOf(fn, new.target.prototype);
    return fn;
  }

  /** Keras serialization shape: `{class_name, config}`. */
  serialize(): { class_name: string; config: ScheduleConfig } {
    return { class_name: this.className, config: this.getConfig() };
  }
}

// Schedules are functions: keep Function.prototype (call/apply/bind) on their chain.
Object.setPrototypeOf(LearningRateSchedule.prototype, Function.prototype);

function checkStep(step: number): number {
  if (typeof step !== 'number' || !Number.isFinite(step) || step < 0) fail('LearningRateSchedule', `the step must be a number >= 0, received ${String(step)}`);
  return step;
}

function positive(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) fail(op, `Argument \`${arg}\` must be > 0. Received: ${arg}=${String(v)}`);
  return v;
}
function num(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, `Argument \`${arg}\` must be a finite number. Received: ${arg}=${String(v)}`);
  return v;
}
function checkKeys(op: string, given: object, allowed: string[]): void {
  const bad = Object.keys(given).filter((k) => !allowed.includes(k));
  if (bad.length) fail(op, `argument(s) not recognized: ${bad.join(', ')} (expected some of ${allowed.join(', ')})`);
}

export interface ExponentialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
  name?: string;
}
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  override readonly name: string;
  constructor(args: ExponentialDecayArgs) {
    super();
    const op = 'ExponentialDecay';
    checkKeys(op, args, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name']);
    this.initialLearningRate = num(op, 'initialLearningRate', args.initialLearningRate);
    this.decaySteps = positive(op, 'decaySteps', args.decaySteps);
    this.decayRate = num(op, 'decayRate', args.decayRate);
    this.staircase = args.staircase ?? false;
    this.name = args.name ?? 'ExponentialDecay';
  }
  value(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate * Math.pow(this.decayRate, p);
  }
  getConfig(): ScheduleConfig {
    return { initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, decay_rate: this.decayRate, staircase: this.staircase, name: this.name };
  }
}

export class InverseTimeDecay extends LearningRateSchedule {
  readonly className = 'InverseTimeDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  override readonly name: string;
  constructor(args: ExponentialDecayArgs) {
    super();
    const op = 'InverseTimeDecay';
    checkKeys(op, args, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name']);
    this.initialLearningRate = num(op, 'initialLearningRate', args.initialLearningRate);
    this.decaySteps = positive(op, 'decaySteps', args.decaySteps);
    this.decayRate = num(op, 'decayRate', args.decayRate);
    this.staircase = args.staircase ?? false;
    this.name = args.name ?? 'InverseTimeDecay';
  }
  value(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate / (1 + this.decayRate * p);
  }
  getConfig(): ScheduleConfig {
    return { initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, decay_rate: this.decayRate, staircase: this.staircase, name: this.name };
  }
}

export interface PiecewiseConstantDecayArgs {
  boundaries: number[];
  values: number[];
  name?: string;
}
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: number[];
  readonly values: number[];
  override readonly name: string;
  constructor(args: PiecewiseConstantDecayArgs) {
    super();
    const op = 'PiecewiseConstantDecay';
    checkKeys(op, args, ['boundaries', 'values', 'name']);
    const { boundaries, values } = args;
    if (!Array.isArray(boundaries) || !Array.isArray(values) || boundaries.length !== values.length - 1) {
      fail(op, `The length of boundaries should be 1 less than the length of values. Received: boundaries=[${String(boundaries)}] of length ${boundaries?.length}, and values=[${String(values)}] ` +
        `of length ${values?.length}.`);
    }
    if (values.length === 0) fail(op, '`values` must not be empty');
    boundaries.forEach((b, i) => num(op, `boundaries[${i}]`, b));
    values.forEach((v, i) => num(op, `values[${i}]`, v));
    for (let i = 1; i < boundaries.length; i++) {
      if (!(boundaries[i]! > boundaries[i - 1]!)) fail(op, `\`boundaries\` must be strictly increasing, received [${boundaries.join(', ')}]`);
    }
    this.boundaries = [...boundaries];
    this.values = [...values];
    this.name = args.name ?? 'PiecewiseConstant';
  }
  value(step: number): number {
    for (let i = 0; i < this.boundaries.length; i++) if (step <= this.boundaries[i]!) return this.values[i]!;
    return this.values[this.values.length - 1]!;
  }
  getConfig(): ScheduleConfig {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }
}

export interface PolynomialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  endLearningRate?: number;
  power?: number;
  cycle?: boolean;
  name?: string;
}
export class PolynomialDecay extends LearningRateSchedule {
  readonly className = 'PolynomialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;
  override readonly name: string;
  constructor(args: PolynomialDecayArgs) {
    super();
    const op = 'PolynomialDecay';
    checkKeys(op, args, ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle', 'name']);
    this.initialLearningRate = num(op, 'initialLearningRate', args.initialLearningRate);
    this.decaySteps = positive(op, 'decaySteps', args.decaySteps);
    this.endLearningRate = num(op, 'endLearningRate', args.endLearningRate ?? 1e-4);
    this.power = num(op, 'power', args.power ?? 1);
    this.cycle = args.cycle ?? false;
    this.name = args.name ?? 'PolynomialDecay';
  }
  value(step: number): number {
    let s = step;
    let d = this.decaySteps;
    if (this.cycle) d = d * (s === 0 ? 1 : Math.ceil(s / this.decaySteps));
    else s = Math.min(s, d);
    const p = s / d;
    return (this.initialLearningRate - this.endLearningRate) * Math.pow(1 - p, this.power) + this.endLearningRate;
  }
  getConfig(): ScheduleConfig {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      end_learning_rate: this.endLearningRate,
      power: this.power,
      cycle: this.cycle,
      name: this.name,
    };
  }
}

export interface CosineDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  alpha?: number;
  warmupTarget?: number | null;
  warmupSteps?: number;
  name?: string;
}
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;
  override readonly name: string;
  constructor(args: CosineDecayArgs) {
    super();
    const op = 'CosineDecay';
    checkKeys(op, args, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps', 'name']);
    this.initialLearningRate = num(op, 'initialLearningRate', args.initialLearningRate);
    this.decaySteps = positive(op, 'decaySteps', args.decaySteps);
    this.alpha = num(op, 'alpha', args.alpha ?? 0);
    this.warmupTarget = args.warmupTarget == null ? null : num(op, 'warmupTarget', args.warmupTarget);
    this.warmupSteps = num(op, 'warmupSteps', args.warmupSteps ?? 0);
    if (this.warmupSteps < 0) fail(op, `Argument \`warmupSteps\` must be >= 0. Received: warmupSteps=${this.warmupSteps}`);
    this.name = args.name ?? 'CosineDecay';
  }
  private decay(step: number, from: number): number {
    const cosineDecayed = 0.5 * (1 + Math.cos(Math.PI * (step / this.decaySteps)));
    return from * ((1 - this.alpha) * cosineDecayed + this.alpha);
  }
  value(step: number): number {
    if (this.warmupTarget === null) return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps) return (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) + this.initialLearningRate;
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }
  getConfig(): ScheduleConfig {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      alpha: this.alpha,
      name: this.name,
      warmup_target: this.warmupTarget,
      warmup_steps: this.warmupSteps,
    };
  }
}

export interface CosineDecayRestartsArgs {
  initialLearningRate: number;
  firstDecaySteps: number;
  tMul?: number;
  mMul?: number;
  alpha?: number;
  name?: string;
}
export class CosineDecayRestarts extends LearningRateSchedule {
  readonly className = 'CosineDecayRestarts';
  readonly initialLearningRate: number;
  readonly firstDecaySteps: number;
  readonly tMul: number;
  readonly mMul: number;
  readonly alpha: number;
  override readonly name: string;
  constructor(args: CosineDecayRestartsArgs) {
    super();
    const op = 'CosineDecayRestarts';
    checkKeys(op, args, ['initialLearningRate', 'firstDecaySteps', 'tMul', 'mMul', 'alpha', 'name']);
    this.initialLearningRate = num(op, 'initialLearningRate', args.initialLearningRate);
    this.firstDecaySteps = positive(op, 'firstDecaySteps', args.firstDecaySteps);
    this.tMul = positive(op, 'tMul', args.tMul ?? 2);
    this.mMul = num(op, 'mMul', args.mMul ?? 1);
    this.alpha = num(op, 'alpha', args.alpha ?? 0);
    this.name = args.name ?? 'SGDRDecay';
  }
  value(step: number): number {
    let fraction = step / this.firstDecaySteps;
    let iRestart: number;
    if (this.tMul === 1) {
      iRestart = Math.floor(fraction);
      fraction -= iRestart;
    } else {
      // Periods D, D·t, D·t², …: restart i begins at fraction (1 − tⁱ)/(1 − t).
      iRestart = Math.floor(Math.log(1 - fraction * (1 - this.tMul)) / Math.log(this.tMul));
      const sumR = (1 - Math.pow(this.tMul, iRestart)) / (1 - this.tMul);
      fraction = (fraction - sumR) / Math.pow(this.tMul, iRestart);
    }
    const mFac = Math.pow(this.mMul, iRestart);
    const cosineDecayed = 0.5 * mFac * (1 + Math.cos(Math.PI * fraction));
    return this.initialLearningRate * ((1 - this.alpha) * cosineDecayed + this.alpha);
  }
  getConfig(): ScheduleConfig {
    return {
      initial_learning_rate: this.initialLearningRate,
      first_decay_steps: this.firstDecaySteps,
      t_mul: this.tMul,
      m_mul: this.mMul,
      alpha: this.alpha,
      name: this.name,
    };
  }
}

/** Factory functions, Keras argument names in camelCase. */
export const exponentialDecay = (args: ExponentialDecayArgs): ExponentialDecay => new ExponentialDecay(args);
export const inverseTimeDecay = (args: ExponentialDecayArgs): InverseTimeDecay => new InverseTimeDecay(args);
export const piecewiseConstantDecay = (args: PiecewiseConstantDecayArgs): PiecewiseConstantDecay => new PiecewiseConstantDecay(args);
export const polynomialDecay = (args: PolynomialDecayArgs): PolynomialDecay => new PolynomialDecay(args);
export const cosineDecay = (args: CosineDecayArgs): CosineDecay => new CosineDecay(args);
export const cosineDecayRestarts = (args: CosineDecayRestartsArgs): CosineDecayRestarts => new CosineDecayRestarts(args);

type Cfg = Record<string, unknown>;
const SNAKE: Record<string, [string, (c: Cfg) => LearningRateSchedule]> = {};
function reg(name: string, make: (c: Cfg) => LearningRateSchedule): void {
  SNAKE[name] = [name, make];
}
function camel(c: Cfg, op: string, keys: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    const ck = keys[k];
    if (ck === undefined) fail(op, `unknown config key '${k}' (expected some of ${Object.keys(keys).join(', ')})`);
    if (v !== null && v !== undefined) out[ck] = v;
  }
  return out;
}
const EXP_KEYS = { initial_learning_rate: 'initialLearningRate', decay_steps: 'decaySteps', decay_rate: 'decayRate', staircase: 'staircase', name: 'name' };
reg('ExponentialDecay', (c) => new ExponentialDecay(camel(c, 'ExponentialDecay', EXP_KEYS) as unknown as ExponentialDecayArgs));
reg('InverseTimeDecay', (c) => new InverseTimeDecay(camel(c, 'InverseTimeDecay', EXP_KEYS) as unknown as ExponentialDecayArgs));
reg('PiecewiseConstantDecay', (c) => new PiecewiseConstantDecay(camel(c, 'PiecewiseConstantDecay', {
  boundaries: 'boundaries',
  values: 'values',
  name: 'name',
}) as unknown as PiecewiseConstantDecayArgs));
reg(
  'PolynomialDecay',
  (c) =>
    new PolynomialDecay(
      camel(c, 'PolynomialDecay', {
        initial_learning_rate: 'initialLearningRate',
        decay_steps: 'decaySteps',
        end_learning_rate: 'endLearningRate',
        power: 'power',
        cycle: 'cycle',
        name: 'name',
      }) as unknown as PolynomialDecayArgs,
    ),
);
reg(
  'CosineDecay',
  (c) =>
    new CosineDecay(
      camel(c, 'CosineDecay', {
        initial_learning_rate: 'initialLearningRate',
        decay_steps: 'decaySteps',
        alpha: 'alpha',
        name: 'name',
        warmup_target: 'warmupTarget',
        warmup_steps: 'warmupSteps',
      }) as unknown as CosineDecayArgs,
    ),
);
reg(
  'CosineDecayRestarts',
  (c) =>
    new CosineDecayRestarts(
      camel(c, 'CosineDecayRestarts', {
        initial_learning_rate: 'initialLearningRate',
        first_decay_steps: 'firstDecaySteps',
        t_mul: 'tMul',
        m_mul: 'mMul',
        alpha: 'alpha',
        name: 'name',
      }) as unknown as CosineDecayRestartsArgs,
    ),
);

/** Rebuilds a schedule from `{class_name, config}` (Keras's `schedules.deserialize`). */
export function deserializeSchedule(s: { class_name: string; config: Record<string, unknown> }): LearningRateSchedule {
  if (!s || typeof s !== 'object' || typeof s.class_name !== 'string') fail('deserializeSchedule', 'expected an object {class_name, config}');
  const e = SNAKE[s.class_name];
  if (!e) fail('deserializeSchedule', `unknown schedule class '${s.class_name}' (known: ${Object.keys(SNAKE).join(', ')})`);
  return e[1](s.config ?? {});
}
