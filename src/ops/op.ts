/**
 * `op(name, fn)`: wraps a public op so that the frames watching op calls see it (graph mode
 * records it, tf.compare traces it) and its name is on the engine's op stack while it runs
 * (error messages, debug mode).
 *
 * Fast paths are declared next to the composition they replace — the composition stays the
 * definition and the reference — and the engine picks (`ENGINE.mayUse`):
 *
 *   const reluGrad = fused(
 *     (dy, x) => where(greater(x, 0), dy, 0),                          // the composition
 *     { kernel: '_ReluGrad', fits: (dy, x) => dy.dtype === 'float32',   // a fused form
 *       run: (dy, x) => ENGINE.runKernel('_ReluGrad', { dy, y: x }) },
 *   );
 *
 * `fusedOp(name, composition, ...forms)` is the same as a public op: a frame that needs the
 * op-level composition (tf.compare) sees the composition's op calls instead of this one.
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { KernelName, KernelUse } from '../core/kernels.ts';
import { isAllocationError } from '../core/limits.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => any;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function op<F extends AnyFn>(name: string, fn: F, composition?: F): F {
  const wrapped = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    try {
      return ENGINE.runOp(name, fn, this, args, composition) as ReturnType<F>;
    } catch (e) {
      // V8 could not allocate a result (too large, or out of memory): say which op asked.
      if (isAllocationError(e) && ENGINE.currentOp() === undefined) fail(name, `cannot allocate its result (${(e as Error).message}); tf.getLimits() lists the caps on sizes`);
      throw e;
    }
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped as unknown as F;
}

/** A fused kernel that computes what a composition computes, bit for bit. */
export interface FusedForm<F extends AnyFn> {
  /** The kernel (see src/core/kernels.ts for its kind: fused, or backward-only). */
  kernel: KernelName;
  /**
   * This use of the kernel, when it differs from the kernel's kind: 'inference' — no gradient for
   * these inputs, so only when no frame watches or records at all.
   */
  use?: KernelUse;
  /** Whether these arguments are ones the kernel handles (dtypes, ranks, shapes). */
  fits: (...args: Parameters<F>) => boolean;
  /** Runs the kernel. */
  run: F;
}

/**
 * `composition` with fast paths: the first fused form whose kernel the engine may use now and
 * whose `fits` accepts the arguments runs instead of the composition.
 */
export function fused<F extends AnyFn>(composition: F, ...forms: FusedForm<F>[]): F {
  const picked = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    for (const f of forms) if (ENGINE.mayUse(f.kernel, f.use) && f.fits(...args)) return f.run(...args);
    return composition.apply(this, args);
  };
  return picked as unknown as F;
}

/** A public op defined by `composition`, with fused forms (`fused`); transparent to frames that need the composition. */
export function fusedOp<F extends AnyFn>(name: string, composition: F, ...forms: FusedForm<F>[]): F {
  return op(name, fused(composition, ...forms), composition);
}

/**
 * Runs `fn` in a scope owned by `owner` (Keras layers run `call` this way): frames that attribute
 * op calls (tf.compare's op trace) see `owner` as the innermost scope of the ops `fn` makes.
 */
export function inScope<T>(owner: object, fn: () => T): T {
  return ENGINE.withScope(owner, fn);
}

export { ENGINE };
