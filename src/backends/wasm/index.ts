/**
 * WebAssembly SIMD backend registration. `registerWasmBackend(engine)` registers 'wasm'
 * (priority 1.5: below 'native', above 'reference', so it is the default where the native addon
 * is missing) when this JavaScript engine runs WebAssembly with SIMD128, and returns whether it did.
 * The module (wasm/kernels.ts, built by `npm run build:wasm`) ships inside kernels_wasm.ts as
 * base64: nothing to fetch or compile at install time.
 */
import type { Engine } from '../../core/engine.ts';
import { WasmBackend, type WasmKernels } from './backend.ts';
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels_wasm.ts';
import { GemmThreads, wasmThreadCount } from './threads.ts';

export { WasmBackend, WASM_KERNELS, broadcastPlan, type WasmKernels } from './backend.ts';
export { GemmThreads, wasmThreadCount } from './threads.ts';

function decode(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The WebAssembly API as used here (the project compiles with lib ES2022, which lacks its types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let cached: object | null | undefined;

/** The compiled kernel module, or null when WebAssembly SIMD128 is unavailable here. */
export function wasmModule(): object | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (!WA) return null;
  const bytes = decode(KERNELS_WASM_BASE64);
  if (!WA.validate(bytes)) return null; // no SIMD128 in this engine
  cached = new WA.Module(bytes);
  return cached;
}

/** A fresh instance of the kernels (its own memory). */
export function instantiateWasmKernels(): WasmKernels {
  const mod = wasmModule();
  if (!mod || !WA) throw new Error('wasm backend: WebAssembly SIMD128 is not available in this JavaScript engine');
  return new WA.Instance(mod, {}).exports as WasmKernels;
}

/**
 * Worker threads for large products (`threads` defaults to wasmThreadCount()), or null where
 * they cannot run (one thread, a browser, no shared WebAssembly memory).
 */
export function startWasmThreads(threads = wasmThreadCount()): GemmThreads | null {
  if (!WA || threads <= 1) return null;
  const bytes = decode(KERNELS_SHARED_WASM_BASE64);
  if (!WA.validate(bytes)) return null;
  return GemmThreads.start(new WA.Module(bytes), threads);
}

export function registerWasmBackend(engine: Engine, priority = 1.5): boolean {
  if (!wasmModule()) return false;
  return engine.registerBackend('wasm', () => new WasmBackend(instantiateWasmKernels(), startWasmThreads()), priority);
}
