/**
 * Native backend registration. `registerNativeBackend(engine)` registers 'native' (priority 2,
 * above 'reference') only when the addon loads, and returns whether it did.
 */
import type { Engine } from '../../core/engine.ts';
import { fail } from '../../core/errors.ts';
import { NativeBackend } from './backend.ts';
import { loadNativeAddon } from './loader.ts';

export { NativeBackend, NATIVE_KERNELS } from './backend.ts';
export { loadNativeAddon, nativeLoadError, type NativeAddon } from './loader.ts';

export function registerNativeBackend(engine: Engine, priority = 2): boolean {
  const addon = loadNativeAddon();
  if (!addon) return false;
  return engine.registerBackend('native', () => new NativeBackend(addon), priority);
}

/**
 * Sets the number of threads of the native backend's thread pool (every multi-threaded native
 * kernel uses it); 0 restores the default: the `IDEM_NUM_THREADS` environment variable if set,
 * else the number of cores. Results are bit-identical whatever the count (fixed chunks, each
 * output computed by one thread). Returns the count now used (1 when the addon is not loaded).
 */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 256) {
    fail('setNumThreads', `expected an integer in [0, 256] (0: the default), got ${String(n)}`);
  }
  const addon = loadNativeAddon();
  return addon ? addon.setNumThreads(n) : 1;
}

/** The native thread pool's thread count (1 when the addon is not loaded). */
export function getNumThreads(): number {
  const addon = loadNativeAddon();
  return addon ? addon.info().threads : 1;
}
