/**
 * TensorFlow-1 variable scopes: `variableScope(name, {reuse}, fn)` and `getVariable(name, ...)`.
 *
 * Names are TensorFlow's: a variable `kernel` created in scope `mlp` / `dense1` is named
 * `mlp/dense1/kernel:0`. `reuse` (inherited by nested scopes, as in TF):
 * - `false` (default): `getVariable` creates; an existing name is an error.
 * - `true`: `getVariable` returns the existing variable; a missing name is an error.
 * - `'auto'` (TF's AUTO_REUSE): returns it if it exists, else creates it.
 * Reuse never silently creates a second copy (seed 002): it shares or it throws, naming the
 * variable. `globalVariables()` / `trainableVariables()` list every live variable in creation
 * order — `tf.variable` ones and optimizer slots included.
 */
import { variable } from '../core/api.ts';
import type { DataType } from '../core/dtypes.ts';
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { shapesEqual } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { getInitializer, type Initializer } from '../initializers/index.ts';
import { noGrad } from '../autodiff/tape.ts';

export type Reuse = boolean | 'auto';

interface ScopeFrame {
  name: string;
  reuse: Reuse;
}

const frames: ScopeFrame[] = [];
const store = new Map<string, Variable>();

export interface VariableScopeOptions {
  reuse?: Reuse;
}

/** The current scope prefix, e.g. `mlp/dense1` ('' at top level). */
export function currentScopeName(): string {
  return frames.map((f) => f.name).join('/');
}

/** The effective reuse mode (inherited from enclosing scopes: `true` propagates into nested scopes). */
export function currentReuse(): Reuse {
  let r: Reuse = false;
  for (const f of frames) {
    if (f.reuse === true) r = true;
    else if (f.reuse === 'auto' && r !== true) r = 'auto';
  }
  return r;
}

/**
 * Runs `fn` inside variable scope `name`. `variableScope(name, fn)` or
 * `variableScope(name, {reuse}, fn)`. Returns what `fn` returns.
 */
export function variableScope<T>(name: string, optionsOrFn: VariableScopeOptions | (() => T), fn?: () => T): T {
  const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
  const body = typeof optionsOrFn === 'function' ? optionsOrFn : fn;
  if (typeof name !== 'string' || name === '' || name.includes(':')) fail('variableScope', `\`name\` must be a non-empty string without ':', received ${JSON.stringify(name)}`);
  if (typeof body !== 'function') fail('variableScope', 'expected a function to run inside the scope');
  for (const k of Object.keys(options)) if (k !== 'reuse') fail('variableScope', `unknown option \`${k}\` (expected reuse)`);
  const reuse = options.reuse ?? false;
  if (reuse !== true && reuse !== false && reuse !== 'auto') fail('variableScope', `\`reuse\` must be true, false or 'auto', received ${JSON.stringify(reuse)}`);
  frames.push({ name: name.replace(/\/+$/, ''), reuse });
  try {
    const out = body();
    if (out instanceof Promise) fail('variableScope', 'the function must be synchronous');
    return out;
  } finally {
    frames.pop();
  }
}

export type InitializerLike = Initializer | string | Tensor | number | ((shape: number[], dtype: DataType) => Tensor);

export interface GetVariableOptions {
  shape?: number[];
  dtype?: DataType;
  initializer?: InitializerLike;
  trainable?: boolean;
}

function resolveInit(init: InitializerLike | undefined, name: string): (shape: number[], dtype: DataType) => Tensor {
  if (init === undefined) {
    // TensorFlow 1's default for float variables: glorot_uniform (a hidden default seed 002 tripped on; summary() shows it).
    const g = getInitializer('glorotUniform');
    return (s, d) => g.apply(s, d);
  }
  if (init instanceof Tensor) return () => init;
  if (typeof init === 'number') return (s, d) => getInitializer({ className: 'Constant', config: { value: init } }).apply(s, d);
  if (typeof init === 'function') return init;
  try {
    const g = getInitializer(init);
    return (s, d) => g.apply(s, d);
  } catch (e) {
    fail('getVariable', `variable '${name}': bad \`initializer\`: ${(e as Error).message}`);
  }
}

/** Full TensorFlow name `scope/name:0`. */
function fullName(name: string): string {
  const scope = currentScopeName();
  return (scope ? `${scope}/${name}` : name) + ':0';
}

/**
 * Creates or reuses variable `name` in the current scope (see the reuse rules above).
 * `initializer` may be an initializer object or name, a Tensor (its shape is the variable's),
 * a number (constant) or a function `(shape, dtype) => Tensor`.
 */
export function getVariable(name: string, options: GetVariableOptions = {}): Variable {
  if (typeof name !== 'string' || name === '' || name.includes(':')) fail('getVariable', `\`name\` must be a non-empty string without ':', received ${JSON.stringify(name)}`);
  for (const k of Object.keys(options)) {
    if (!['shape', 'dtype', 'initializer', 'trainable'].includes(k)) fail('getVariable', `unknown option \`${k}\` (expected shape, dtype, initializer, trainable)`);
  }
  const full = fullName(name);
  const reuse = currentReuse();
  const existing = store.get(full);
  const live = existing && !existing.isDisposed ? existing : undefined;
  if (live) {
    if (reuse === false) {
      fail('getVariable', `variable ${full} already exists; to share it, open the scope with {reuse: true} or {reuse: 'auto'}`);
    }
    if (options.shape && !shapesEqual(options.shape, live.shape)) {
      fail('getVariable', `variable ${full} exists with shape ${fmtShape(live.shape)}, requested ${fmtShape(options.shape)}`);
    }
    if (options.dtype && options.dtype !== live.dtype) fail('getVariable', `variable ${full} exists with dtype ${live.dtype}, requested ${options.dtype}`);
    return live;
  }
  if (reuse === true) {
    fail('getVariable', `variable ${full} does not exist, so it cannot be reused (scope opened with {reuse: true}); create it first or use {reuse: 'auto'}`);
  }
  const dtype = options.dtype ?? (options.initializer instanceof Tensor ? options.initializer.dtype : 'float32');
  let shape = options.shape;
  if (options.initializer instanceof Tensor) {
    if (shape && !shapesEqual(shape, options.initializer.shape)) {
      fail('getVariable', `variable ${full}: \`shape\` ${fmtShape(shape)} differs from the initial value's shape ${fmtShape(options.initializer.shape)}`);
    }
    shape = options.initializer.shape;
  }
  if (!shape) fail('getVariable', `variable ${full}: \`shape\` is required unless the initializer is a Tensor`);
  const init = resolveInit(options.initializer, full);
  const value = noGrad(() => init(shape.slice(), dtype));
  if (!shapesEqual(value.shape, shape)) fail('getVariable', `variable ${full}: the initializer returned shape ${fmtShape(value.shape)}, expected ${fmtShape(shape)}`);
  if (value.dtype !== dtype) fail('getVariable', `variable ${full}: the initializer returned dtype ${value.dtype}, expected ${dtype}`);
  const v = variable(value, options.trainable ?? true, full);
  store.set(full, v);
  return v;
}

/** Every live variable in creation order (TensorFlow's `tf.global_variables()`). */
export function globalVariables(): Variable[] {
  return ENGINE.liveVariables();
}

/** The trainable ones (`tf.trainable_variables()`). */
export function trainableVariables(): Variable[] {
  return ENGINE.liveVariables().filter((v) => v.trainable);
}

/** Forgets the variables created by `getVariable` (TF1's `reset_default_graph` for the variable store). */
export function resetVariableStore(): void {
  store.clear();
}
