/**
 * WebAssembly SIMD backend registration. `registerWasmBackend(engine)` registers 'wasm'
 * (priority 1.5: below 'native', above 'reference', so it is the default where the native addon
 * is missing) when this JavaScript engine runs WebAssembly with SIMD128, and returns whether it did.
 * The module (wasm/kernels.ts, built by `npm run build:wasm`) ships inside kernels_wasm.ts as
 * base64: nothing to fetch or compile at install time.
 */
import type { Engine } from '../../core/engine.ts';
import { sayOnce } from '../../platform/index.ts';
import { registerThreadControl, requestedThreads } from '../threads.ts';
import { WasmBackend, type WasmKernels } from './backend.ts';
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels_wasm.ts';
import { GemmThreads, wasmThreadCount, wasmThreadsUnavailable } from './threads.ts';

export { WasmBackend, WASM_KERNELS, broadcastPlan, type WasmKernels } from './backend.ts';
export { GemmThreads, wasmThreadCount, wasmThreadsUnavailable, BROWSER_DEFAULT_MAX_THREADS } from './threads.ts';

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
let sharedCached: object | null | undefined;

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
  if (sharedCached === undefined) {
    const bytes = decode(KERNELS_SHARED_WASM_BASE64);
    sharedCached = WA.validate(bytes) ? new WA.Module(bytes) : null;
  }
  return sharedCached ? GemmThreads.start(sharedCached, threads) : null;
}

let instance: WasmBackend | null = null;

/** Starts the pool for `n` threads (0: the default) on `backend`, or records why it cannot. */
function applyThreads(backend: WasmBackend, n: number): number {
  const want = n === 0 ? wasmThreadCount() : n;
  const current = backend.threads;
  if (current && current.workers + 1 === want) return want;
  const pool = want > 1 ? startWasmThreads(want) : null;
  backend.setThreads(pool, want > 1 && !pool ? wasmThreadsUnavailable() ?? 'worker threads did not start' : null);
  return pool ? pool.workers + 1 : 1;
}

export function registerWasmBackend(engine: Engine, priority = 1.5): boolean {
  if (!wasmModule()) return false;
  registerThreadControl('wasm', {
    set: (n) => {
      const why = wasmThreadsUnavailable();
      if (why !== null && n > 1) sayOnce('wasm-threads', `idem wasm backend: running on 1 thread: ${why}. Results are the same bits on any number of threads.`);
      if (instance) return applyThreads(instance, n);
      return why !== null ? 1 : n === 0 ? wasmThreadCount() : n;
    },
    get: () => (instance?.threads ? instance.threads.workers + 1 : 1),
  });
  return engine.registerBackend('wasm', () => {
    instance = new WasmBackend(instantiateWasmKernels());
    applyThreads(instance, requestedThreads());
    return instance;
  }, priority);
}
