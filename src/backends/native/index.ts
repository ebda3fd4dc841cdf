/**
 * Native backend registration. `registerNativeBackend(engine)` registers 'native' (priority 2,
 * above 'reference') only when the addon loads, and returns whether it did.
 */
import type { Engine } from '../../core/engine.ts';
import { NativeBackend } from './backend.ts';
import { loadNativeAddon } from './loader.ts';

export { NativeBackend, NATIVE_KERNELS } from './backend.ts';
export { loadNativeAddon, nativeLoadError, type NativeAddon } from './loader.ts';

export function registerNativeBackend(engine: Engine, priority = 2): boolean {
  const addon = loadNativeAddon();
  if (!addon) return false;
  return engine.registerBackend('native', () => new NativeBackend(addon), priority);
}
