/**
 * `op(name, fn)`: wraps a public op so its name is on the engine's op stack while it runs
 * (error messages, debug mode, graph tracing name ops by it).
 */
import { ENGINE } from '../core/engine.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function op<F extends (...args: any[]) => any>(name: string, fn: F): F {
  const wrapped = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    if (ENGINE.opInterceptor !== null) {
      // Graph mode: an op on symbolic tensors is recorded, not run (src/graph).
      const r = ENGINE.opInterceptor(name, fn, this, args);
      if (r.handled) return r.value as ReturnType<F>;
    }
    return ENGINE.withOpName(name, () => fn.apply(this, args));
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped as unknown as F;
}

export { ENGINE };
