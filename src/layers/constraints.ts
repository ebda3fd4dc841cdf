/**
 * Keras 3 weight constraints, applied to a weight after every optimizer step (`v.assign(c(v))`):
 *
 *   maxNorm({maxValue = 2, axis = 0}):   w · clip(‖w‖, 0, maxValue) / (ε + ‖w‖)
 *   nonNeg():                           w · (w ≥ 0)
 *   unitNorm({axis = 0}):               w / (ε + ‖w‖)
 *   minMaxNorm({minValue = 0, maxValue = 1, rate = 1, axis = 0}):
 *       w · (rate · clip(‖w‖, minValue, maxValue) + (1 − rate) · ‖w‖) / (ε + ‖w‖)
 *
 * where ‖w‖ = sqrt(Σ w² over `axis`, keepdims) and ε = 1e-7 (Keras `backend.epsilon()`).
 * Each constraint is a function `w => w'` with `className` and `getConfig()`; `getConstraint`
 * resolves a name (`'maxNorm'`, `'max_norm'`, `'MaxNorm'`, ...), a `{className, config}` object or
 * a function.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from '../ops/add.ts';
import { cast } from '../ops/cast.ts';
import { clipByValue } from '../ops/clip_by_value.ts';
import { greaterEqual } from '../ops/compare.ts';
import { div } from '../ops/div.ts';
import { mul } from '../ops/mul.ts';
import { sqrt } from '../ops/sqrt.ts';
import { square } from '../ops/square.ts';
import { sum } from '../ops/sum.ts';

const EPSILON = 1e-7;

export type Constraint = ((w: Tensor) => Tensor) & { className: string; getConfig(): Record<string, unknown> };
export type ConstraintIdentifier = Constraint | ((w: Tensor) => Tensor) | string | { className: string; config?: Record<string, unknown> } | null | undefined;

type Axis = number | number[];

function checkAxis(name: string, axis: unknown): Axis {
  const ok = (a: unknown) => typeof a === 'number' && Number.isInteger(a);
  if (!(ok(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every(ok)))) {
    fail(name, `Received an invalid value for \`axis\`, expected an integer or a list of integers. Received: axis=${JSON.stringify(axis)}`);
  }
  return Array.isArray(axis) ? axis.slice() : (axis as number);
}

function checkNumber(name: string, arg: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    fail(name, `Received an invalid value for \`${arg}\`, expected a number${min > -Infinity ? ` ≥ ${min}` : ''}. Received: ${arg}=${String(v)}`);
  }
  return v;
}

function checkKeys(name: string, args: object, known: string[]): void {
  for (const k of Object.keys(args)) if (!known.includes(k)) fail(name, `unknown option \`${k}\` (expected one of ${known.join(', ')})`);
}

function make(className: string, fn: (w: Tensor) => Tensor, config: Record<string, unknown>): Constraint {
  const c = ((w: Tensor) => fn(w)) as Constraint;
  Object.defineProperty(c, 'name', { value: className });
  c.className = className;
  c.getConfig = () => JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  return c;
}

function norms(w: Tensor, axis: Axis): Tensor {
  return sqrt(sum(square(w), axis, true));
}

/** Keras `MaxNorm`: rescales each slice along `axis` whose L2 norm exceeds `maxValue`. */
export function maxNorm(args: { maxValue?: number; axis?: Axis } = {}): Constraint {
  checkKeys('MaxNorm', args, ['maxValue', 'axis']);
  const maxValue = checkNumber('MaxNorm', 'maxValue', args.maxValue ?? 2, 0);
  const axis = checkAxis('MaxNorm', args.axis ?? 0);
  return make('MaxNorm', (w) => {
    const n = norms(w, axis);
    const desired = clipByValue(n, 0, maxValue);
    return mul(w, div(desired, add(EPSILON, n)));
  }, { maxValue, axis });
}

/** Keras `NonNeg`: zeroes negative entries. */
export function nonNeg(args: Record<string, never> = {}): Constraint {
  checkKeys('NonNeg', args, []);
  return make('NonNeg', (w) => mul(w, cast(greaterEqual(w, 0), w.dtype)), {});
}

/** Keras `UnitNorm`: each slice along `axis` divided by its L2 norm. */
export function unitNorm(args: { axis?: Axis } = {}): Constraint {
  checkKeys('UnitNorm', args, ['axis']);
  const axis = checkAxis('UnitNorm', args.axis ?? 0);
  return make('UnitNorm', (w) => div(w, add(EPSILON, norms(w, axis))), { axis });
}

/** Keras `MinMaxNorm`: pulls each slice's L2 norm into [minValue, maxValue] at speed `rate`. */
export function minMaxNorm(args: { minValue?: number; maxValue?: number; rate?: number; axis?: Axis } = {}): Constraint {
  checkKeys('MinMaxNorm', args, ['minValue', 'maxValue', 'rate', 'axis']);
  const minValue = checkNumber('MinMaxNorm', 'minValue', args.minValue ?? 0, 0);
  const maxValue = checkNumber('MinMaxNorm', 'maxValue', args.maxValue ?? 1, 0);
  if (maxValue < minValue) fail('MinMaxNorm', `\`maxValue\` must be ≥ \`minValue\`. Received: minValue=${minValue}, maxValue=${maxValue}`);
  const rate = checkNumber('MinMaxNorm', 'rate', args.rate ?? 1);
  const axis = checkAxis('MinMaxNorm', args.axis ?? 0);
  return make('MinMaxNorm', (w) => {
    const n = norms(w, axis);
    const desired = add(mul(clipByValue(n, minValue, maxValue), rate), mul(n, 1 - rate));
    return mul(w, div(desired, add(EPSILON, n)));
  }, { minValue, maxValue, rate, axis });
}

const BY_NAME: Record<string, (config: never) => Constraint> = {
  MaxNorm: maxNorm as (c: never) => Constraint,
  NonNeg: nonNeg as (c: never) => Constraint,
  UnitNorm: unitNorm as (c: never) => Constraint,
  MinMaxNorm: minMaxNorm as (c: never) => Constraint,
};
const ALIASES: Record<string, string> = {
  maxNorm: 'MaxNorm', max_norm: 'MaxNorm', maxnorm: 'MaxNorm',
  nonNeg: 'NonNeg', non_neg: 'NonNeg', nonneg: 'NonNeg',
  unitNorm: 'UnitNorm', unit_norm: 'UnitNorm', unitnorm: 'UnitNorm',
  minMaxNorm: 'MinMaxNorm', min_max_norm: 'MinMaxNorm', minmaxnorm: 'MinMaxNorm',
};

/** A constraint by name, `{className, config}`, or function (null/undefined: none). */
export function getConstraint(id: ConstraintIdentifier): Constraint | ((w: Tensor) => Tensor) | null {
  if (id === null || id === undefined) return null;
  if (typeof id === 'function') return id;
  if (typeof id === 'string') {
    const cls = BY_NAME[id] ? id : ALIASES[id];
    if (!cls) fail('constraint', `unknown constraint '${id}' (expected one of ${[...Object.keys(BY_NAME), ...Object.keys(ALIASES)].join(', ')}, {className, config} or a function)`);
    return BY_NAME[cls]!({} as never);
  }
  if (typeof id === 'object' && typeof id.className === 'string') {
    const cls = BY_NAME[id.className] ? id.className : ALIASES[id.className];
    if (!cls) fail('constraint', `unknown constraint className '${id.className}' (expected one of ${Object.keys(BY_NAME).join(', ')})`);
    return BY_NAME[cls]!((id.config ?? {}) as never);
  }
  fail('constraint', `expected a constraint name, {className, config} or a function, received ${JSON.stringify(id)}`);
}

/** `{className, config}` of a constraint (null for none; user functions serialize as their name). */
export function serializeConstraint(c: ((w: Tensor) => Tensor) | null): { className: string; config: Record<string, unknown> } | null {
  if (!c) return null;
  const k = c as Partial<Constraint>;
  if (typeof k.className === 'string' && typeof k.getConfig === 'function') return { className: k.className, config: k.getConfig() };
  return { className: c.name || 'custom_constraint', config: {} };
}

/** Factories as `tf.constraints`. */
export const constraints = { maxNorm, nonNeg, unitNorm, minMaxNorm, getConstraint, serializeConstraint };
