/** Engine-level public functions: backends, memory (tidy/dispose/keep), variables, debug mode. */
import { setDebugMode } from './debug.ts';
import { ENGINE, type MemoryInfo } from './engine.ts';
import { fail } from './errors.ts';
import { Tensor } from './tensor.ts';
import { Variable } from './variable.ts';
import type { DataType } from './dtypes.ts';

export function setBackend(name: string): Promise<boolean> {
  return ENGINE.setBackend(name);
}
export function getBackend(): string {
  return ENGINE.backendName;
}
/** Resolves once the current backend is initialized. */
export async function ready(): Promise<void> {
  await ENGINE.initBackend(ENGINE.backendName);
}
export function memory(): MemoryInfo {
  return ENGINE.memory();
}

type TensorContainer = Tensor | TensorContainer[] | { [k: string]: TensorContainer } | number | string | boolean | null | undefined | void;

function collect(x: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 16 || x === null || x === undefined) return;
  if (x instanceof Tensor) out.add(x);
  else if (Array.isArray(x)) for (const e of x) collect(e, out, depth + 1);
  else if (typeof x === 'object' && (x as object).constructor === Object) for (const e of Object.values(x)) collect(e, out, depth + 1);
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (and kept ones).
 * Not needed for memory to stay bounded (the GC reclaims unreferenced tensors) but frees early.
 */
export function tidy<T extends TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T {
  const f = typeof nameOrFn === 'function' ? nameOrFn : fn;
  const name = typeof nameOrFn === 'string' ? nameOrFn : 'tidy';
  if (typeof f !== 'function') fail('tidy', 'expected a function');
  ENGINE.startScope(name);
  let result: T;
  const keepers = new Set<Tensor>();
  try {
    result = f();
    if ((result as unknown) instanceof Promise) fail('tidy', 'the function must be synchronous (it returned a Promise)');
    collect(result, keepers);
  } finally {
    ENGINE.endScope(keepers);
  }
  return result!;
}

/** Disposes tensors (any nesting of arrays/objects). Variables are disposed too. */
export function dispose(x: TensorContainer): void {
  const s = new Set<Tensor>();
  collect(x, s);
  for (const t of s) t.dispose();
}

/** Marks a tensor so an enclosing `tidy` does not dispose it. */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

/** Reports the first op producing NaN or Infinity (checks every kernel output; slow). */
export function enableDebugMode(): void {
  setDebugMode(true);
}
export function disableDebugMode(): void {
  setDebugMode(false);
}

let variableCounter = 0;
/** `tf.variable(initialValue, trainable = true, name?, dtype?)`. */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DataType): Variable {
  if (!(initialValue instanceof Tensor)) fail('variable', `\`initialValue\` must be a Tensor, received ${typeof initialValue}`);
  if (dtype && dtype !== initialValue.dtype) fail('variable', `\`dtype\` ${dtype} differs from the initial value's dtype ${initialValue.dtype} (cast it first)`);
  return new Variable(initialValue, trainable, name ?? `Variable_${variableCounter++}`);
}

export { ENGINE };
