/**
 * Multi-threaded GEMM for the wasm backend, in Node.js: worker threads instantiate the shared-
 * memory build of the kernels (KERNELS_SHARED_WASM_BASE64) over one `WebAssembly.Memory`
 * ({shared: true}); op(B) is packed once, in column chunks, then C is split in small chunks of
 * rows (of columns for products with few rows) that the main thread and the workers claim as
 * they come; workers wait on a SharedArrayBuffer with `Atomics.wait` (no event
 * loop, no messages per call). Each C element is computed by one thread in the same order
 * whatever the split, so results are bit-identical for any thread count (and to the
 * single-threaded path).
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
// [2] stop flag, [3] next chunk to claim, [4 + w] worker w ready, [PACK_NEXT] next B-packing chunk
// to claim, [PACK_DONE] B-packing chunks done, [PARAMS + STRIDE·w …] worker w's arguments: a, b,
// c, m, n, k, ta, tb, its workspace, chunk width, chunk count, 1 for row chunks or 0 for column
// chunks, packed B, packing chunk width, packing chunks.
const PARAMS = 64;
const STRIDE = 16;
const PACK_NEXT = PARAMS - 2;
const PACK_DONE = PARAMS - 1;
/** At most this many workers (their ready flags sit between [4] and [PACK_NEXT]). */
const MAX_WORKERS = PACK_NEXT - 4;
/** Polls of the control block (~0.3 ms) before the calling thread sleeps waiting for the workers. */
const SPIN = 20000;
/**
 * How long (ms) an idle worker polls for the next job before it sleeps. A count of polls (20,000)
 * was used before: the JavaScript between two products of a `matMul` loop often outlasted it
 * and the worker slept before 9–33% of n = 256 products. Interleaved A/B (W4 n = 256): 30–38 →
 * 34–41 GFLOP/s; a W1 step unchanged; 1 ms no better.
 */
const WORKER_POLL_MS = 0.4;
const WORKER_CODE = `
const { workerData } = require('node:worker_threads');
const { mod, memory, ctrl, id, params } = workerData;
const k = new WebAssembly.Instance(mod, { env: { memory } }).exports;
const c = new Int32Array(ctrl);
let seen = Atomics.load(c, 0);
Atomics.store(c, 4 + id, 1);
for (;;) {
  // Back-to-back products: poll for ${WORKER_POLL_MS * 1000} µs before sleeping, since waking a sleeping thread
  // costs a good part of a product (a 256×256 one takes ~0.4 ms on two threads).
  const until = performance.now() + ${WORKER_POLL_MS};
  for (let i = 1; Atomics.load(c, 0) === seen; i++) if ((i & 255) === 0 && performance.now() > until) break;
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  if (Atomics.load(c, 2) === 1) break;
  const p = params + ${STRIDE} * id;
  const m = c[p + 3], n = c[p + 4], kk = c[p + 5], w = c[p + 9], count = c[p + 10], rows = c[p + 11] === 1;
  const pb = c[p + 12], pw = c[p + 13], pcount = c[p + 14];
  for (let i = Atomics.add(c, ${PACK_NEXT}, 1); i < pcount; i = Atomics.add(c, ${PACK_NEXT}, 1)) {
    k.gemmPackB(c[p + 1], n, kk, c[p + 7], pb, i * pw, Math.min(n, (i + 1) * pw));
    Atomics.add(c, ${PACK_DONE}, 1);
  }
  while (Atomics.load(c, ${PACK_DONE}) < pcount);
  for (let i = Atomics.add(c, 3, 1); i < count; i = Atomics.add(c, 3, 1)) {
    if (rows) k.gemmBlock(c[p], pb, c[p + 2], m, n, kk, c[p + 6], c[p + 8], i * w, Math.min(m, (i + 1) * w), 0, n);
    else k.gemmBlock(c[p], pb, c[p + 2], m, n, kk, c[p + 6], c[p + 8], 0, m, i * w, Math.min(n, (i + 1) * w));
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
    threads = Math.min(threads, MAX_WORKERS + 1);
    const WA = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => WasmMemory; Instance: new (m: object, i: object) => { exports: unknown } } }).WebAssembly;
    let memory: WasmMemory;
    let kernels: WasmKernels;
    try {
      memory = new WA.Memory({ initial: 32, maximum: 65536, shared: true });
      kernels = new WA.Instance(sharedModule, { env: { memory } }).exports as WasmKernels;
    } catch {
      return null;
    }
    const workers = threads - 1;
    const ctrl = new SharedArrayBuffer(4 * (PARAMS + STRIDE * workers));
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
   * C = op(A)·op(B) on all threads (pointers into this.memory), in two phases: op(B) packed once
   * into `pb` (`gemmPackedBBytes`), in column chunks shared by the threads, then C in small
   * chunks: rows (multiples of 4, at most 64, about four per thread), or for products with fewer
   * than 8 rows per thread columns (multiples of 8). Chunks are claimed by whichever thread is
   * free — the calling thread too — so a thread the system runs slowly (this shared VM's second
   * vCPU at times ran a worker at half speed for seconds) takes fewer instead of holding the
   * product up; between the phases a thread waits only for packing chunks another thread is
   * finishing. `ws`: (workers + 1) workspaces of `wsBytes` each.
   */
  gemm(a: number, b: number, pb: number, c: number, m: number, n: number, k: number, ta: number, tb: number, ws: number, wsBytes: number): void {
    const t = this.workers + 1;
    const byRows = m >= 8 * t;
    const w = byRows ? Math.min(64, Math.ceil(m / (4 * t) / 4) * 4) : Math.ceil(n / (4 * t) / 8) * 8;
    const count = Math.ceil((byRows ? m : n) / w);
    const pw = Math.ceil(n / (4 * t) / 8) * 8;
    const pcount = Math.ceil(n / pw);
    const ctrl = this.ctrl;
    const kern = this.kernels;
    const params = [a, b, c, m, n, k, ta, tb, 0, w, count, byRows ? 1 : 0, pb, pw, pcount];
    for (let i = 0; i < this.workers; i++) {
      params[8] = ws + (i + 1) * wsBytes; // each worker's own workspace
      ctrl.set(params, PARAMS + STRIDE * i);
    }
    Atomics.store(ctrl, PACK_NEXT, 0);
    Atomics.store(ctrl, PACK_DONE, 0);
    Atomics.store(ctrl, 1, 0);
    Atomics.store(ctrl, 3, 0);
    Atomics.add(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
    // The same two phases as the workers (WORKER_CODE).
    for (let j = Atomics.add(ctrl, PACK_NEXT, 1); j < pcount; j = Atomics.add(ctrl, PACK_NEXT, 1)) {
      kern.gemmPackB(b, n, k, tb, pb, j * pw, Math.min(n, (j + 1) * pw));
      Atomics.add(ctrl, PACK_DONE, 1);
    }
    while (Atomics.load(ctrl, PACK_DONE) < pcount);
    for (let i = Atomics.add(ctrl, 3, 1); i < count; i = Atomics.add(ctrl, 3, 1)) {
      if (byRows) kern.gemmBlock(a, pb, c, m, n, k, ta, ws, i * w, Math.min(m, (i + 1) * w), 0, n);
      else kern.gemmBlock(a, pb, c, m, n, k, ta, ws, 0, m, i * w, Math.min(n, (i + 1) * w));
    }
    for (let i = 0; i < SPIN && Atomics.load(ctrl, 1) < this.workers; i++);
    for (let d = Atomics.load(ctrl, 1); d < this.workers; d = Atomics.load(ctrl, 1)) Atomics.wait(ctrl, 1, d);
  }
}
