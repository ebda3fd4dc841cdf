/**
 * Native backend registration. `registerNativeBackend(engine)` registers 'native' (priority 2,
 * above 'reference') only when the addon loads, and returns whether it did; `tf.setNumThreads`
 * (src/backends/threads.ts) then sizes its thread pool. Node only: the Node entry (src/index.ts)
 * registers it, the browser entry never imports this folder.
 */
import type { Engine } from '../../core/engine.ts';
import { registerThreadControl, requestedThreads } from '../threads.ts';
import { NativeBackend } from './backend.ts';
import { loadNativeAddon } from './loader.ts';

export { NativeBackend, NATIVE_KERNELS } from './backend.ts';
export { loadNativeAddon, nativeLoadError, type NativeAddon } from './loader.ts';

export function registerNativeBackend(engine: Engine, priority = 2): boolean {
  const addon = loadNativeAddon();
  if (!addon) return false;
  // The pool's size (0: IDEM_NUM_THREADS or the cores); results never depend on it.
  registerThreadControl('native', { set: (n) => addon.setNumThreads(n), get: () => addon.info().threads });
  if (requestedThreads() !== 0) addon.setNumThreads(requestedThreads());
  return engine.registerBackend('native', () => new NativeBackend(addon), priority);
}

export { setNumThreads, getNumThreads } from '../threads.ts';
