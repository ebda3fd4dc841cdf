/**
 * Multi-threaded GEMM for the wasm backend, in Node.js: worker threads instantiate the shared-
 * memory build of the kernels (KERNELS_SHARED_WASM_BASE64) over one `WebAssembly.Memory`
 * ({shared: true}); a product's columns of C are split in slices (multiples of 8 wide, one per
 * thread) that the main thread and the workers claim as they come; workers wait on a
 * SharedArrayBuffer with `Atomics.wait` (no event loop, no messages per call). Each C element is computed by one thread in the same order whatever the
 * split, so results are bit-identical for any thread count (and to the single-threaded path).
 *
 * Thread count: IDEM_NUM_THREADS when set (1 = no workers), else the number of cores. Workers
 * start in the background; until all have reported ready, products run on the main thread.
 * Browsers: not used (a page's main thread may not block in Atomics.wait); the backend runs
 * single-threaded there. Workers are unref'd: they never keep a process alive.
 */
import type { WasmKernels, WasmMemory } from './backend.ts';

interface WorkerLike {
  unref(): void;
}
interface NodeApis {
  Worker: new (code: string, options: { eval: boolean; workerData: unknown }) => WorkerLike;
  availableParallelism(): number;
}

/** Node's worker_threads and os, without a static import (so browser bundles never see them). */
function nodeApis(): NodeApis | null {
  const proc = (globalThis as unknown as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.getBuiltinModule) return null;
  const wt = proc.getBuiltinModule('node:worker_threads') as { Worker?: NodeApis['Worker'] } | undefined;
  const os = proc.getBuiltinModule('node:os') as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  if (!wt?.Worker || !os) return null;
  return { Worker: wt.Worker, availableParallelism: () => os.availableParallelism?.() ?? os.cpus?.().length ?? 1 };
}

/** The thread count: IDEM_NUM_THREADS when it is a positive integer, else the cores. */
export function wasmThreadCount(): number {
  const env = (globalThis as unknown as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['IDEM_NUM_THREADS'];
  const n = Number(env);
  if (env && Number.isInteger(n) && n > 0) return n;
  return nodeApis()?.availableParallelism() ?? 1;
}

// Control block (Int32Array over a SharedArrayBuffer): [0] job generation, [1] workers done,
// [2] stop flag, [3] next chunk to claim, [4 + w] worker w ready, [PARAMS + 12·w …] worker w's
// gemm arguments (a, b, c, m, n, k, ta, tb, its workspace, chunk width, chunk count).
const PARAMS = 64;
/** Polls of the control block (~0.3 ms) before a thread sleeps (worker: for the next job; main: for the workers). */
const SPIN = 20000;
const WORKER_CODE = `
const { workerData } = require('node:worker_threads');
const { mod, memory, ctrl, id, params } = workerData;
const k = new WebAssembly.Instance(mod, { env: { memory } }).exports;
const c = new Int32Array(ctrl);
let seen = Atomics.load(c, 0);
Atomics.store(c, 4 + id, 1);
for (;;) {
  // Back-to-back products: poll a while (20,000 polls, ~0.3 ms) before sleeping, since waking a
  // sleeping thread costs a good part of a product (a 256×256 one takes ~1 ms on one thread).
  for (let i = 0; i < ${SPIN} && Atomics.load(c, 0) === seen; i++);
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  if (Atomics.load(c, 2) === 1) break;
  const p = params + 12 * id;
  const n = c[p + 4], cw = c[p + 9], count = c[p + 10];
  for (let i = Atomics.add(c, 3, 1); i < count; i = Atomics.add(c, 3, 1)) {
    k.gemm(c[p], c[p + 1], c[p + 2], c[p + 3], n, c[p + 5], c[p + 6], c[p + 7], c[p + 8], i * cw, Math.min(n, (i + 1) * cw));
  }
  Atomics.add(c, 1, 1);
  Atomics.notify(c, 1);
}
`;

export class GemmThreads {
  private readonly ctrl: Int32Array;

  private constructor(readonly kernels: WasmKernels, readonly memory: WasmMemory, readonly workers: number, ctrl: SharedArrayBuffer) {
    this.ctrl = new Int32Array(ctrl);
  }

  /**
   * Starts `threads − 1` workers over a new shared memory, or returns null when there is one
   * thread, no worker_threads, or no shared WebAssembly memory here.
   */
  static start(sharedModule: object, threads: number): GemmThreads | null {
    const api = nodeApis();
    if (!api || threads <= 1 || typeof SharedArrayBuffer !== 'function') return null;
    const WA = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => WasmMemory; Instance: new (m: object, i: object) => { exports: unknown } } }).WebAssembly;
    let memory: WasmMemory;
    let kernels: WasmKernels;
    try {
      memory = new WA.Memory({ initial: 32, maximum: 16384, shared: true });
      kernels = new WA.Instance(sharedModule, { env: { memory } }).exports as WasmKernels;
    } catch {
      return null;
    }
    const workers = threads - 1;
    const ctrl = new SharedArrayBuffer(4 * (PARAMS + 12 * workers));
    for (let id = 0; id < workers; id++) {
      const w = new api.Worker(WORKER_CODE, { eval: true, workerData: { mod: sharedModule, memory, ctrl, id, params: PARAMS } });
      w.unref();
    }
    return new GemmThreads(kernels, memory, workers, ctrl);
  }

  /** True once every worker has started (before that, products run on the main thread). */
  get ready(): boolean {
    for (let w = 0; w < this.workers; w++) if (Atomics.load(this.ctrl, 4 + w) !== 1) return false;
    return true;
  }

  /**
   * C = op(A)·op(B) on all threads (pointers into this.memory): C's columns in one slice per
   * thread (a multiple of 8 wide), each claimed by whichever thread is free — the calling thread
   * too — so a worker the system runs late does not make the product wait for it (the caller
   * takes its slice; more, smaller slices were measured: no better, each repacks A). `ws`:
   * (workers + 1) workspaces of `wsBytes` each.
   */
  gemm(a: number, b: number, c: number, m: number, n: number, k: number, ta: number, tb: number, ws: number, wsBytes: number): void {
    const t = this.workers + 1;
    const cw = Math.ceil(n / t / 8) * 8;
    const count = Math.ceil(n / cw);
    const ctrl = this.ctrl;
    for (let w = 0; w < this.workers; w++) ctrl.set([a, b, c, m, n, k, ta, tb, ws + (w + 1) * wsBytes, cw, count], PARAMS + 12 * w);
    Atomics.store(ctrl, 1, 0);
    Atomics.store(ctrl, 3, 0);
    Atomics.add(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
    for (let i = Atomics.add(ctrl, 3, 1); i < count; i = Atomics.add(ctrl, 3, 1)) {
      this.kernels.gemm(a, b, c, m, n, k, ta, tb, ws, i * cw, Math.min(n, (i + 1) * cw));
    }
    for (let i = 0; i < SPIN && Atomics.load(ctrl, 1) < this.workers; i++);
    for (let d = Atomics.load(ctrl, 1); d < this.workers; d = Atomics.load(ctrl, 1)) Atomics.wait(ctrl, 1, d);
  }
}
