/**
 * `op(name, fn)`: wraps a public op so its name is on the engine's op stack while it runs
 * (error messages, debug mode, graph tracing name ops by it).
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { isAllocationError } from '../core/limits.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function op<F extends (...args: any[]) => any>(name: string, fn: F): F {
  const wrapped = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    if (ENGINE.opInterceptor !== null) {
      // Graph mode: an op on symbolic tensors is recorded, not run (src/graph).
      const r = ENGINE.opInterceptor(name, fn, this, args);
      if (r.handled) return r.value as ReturnType<F>;
    }
    try {
      return ENGINE.withOpName(name, () => fn.apply(this, args));
    } catch (e) {
      // V8 could not allocate a result (too large, or out of memory): say which op asked.
      if (isAllocationError(e) && ENGINE.currentOp() === undefined) fail(name, `cannot allocate its result (${(e as Error).message}); tf.getLimits() lists the caps on sizes`);
      throw e;
    }
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped as unknown as F;
}

export { ENGINE };
