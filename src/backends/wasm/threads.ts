/**
 * Multi-threaded GEMM for the wasm backend: worker threads instantiate the shared-memory build of
 * the kernels (KERNELS_SHARED_WASM_BASE64) over one `WebAssembly.Memory` ({shared: true}); op(B)
 * is packed once, in column chunks, then C is split in small chunks of rows (of columns for
 * products with few rows) that the calling thread and the workers claim as they come; workers
 * wait on a SharedArrayBuffer with `Atomics.wait` (no event loop, no messages per call). Each C
 * element is computed by one thread in the same order whatever the split, so results are
 * bit-identical for any thread count (and to the single-threaded path).
 *
 * Where: Node.js (worker_threads, through the platform layer), and browsers inside a dedicated
 * Web Worker of a cross-origin isolated page (COOP `same-origin` + COEP `require-corp`, which
 * give `SharedArrayBuffer`; the workers are Blob-URL workers started from that Worker). A page's
 * main thread may not block in `Atomics.wait`, so there the backend runs on one thread, and says
 * so once (`wasmThreadsUnavailable()` gives the reason).
 *
 * Thread count: `tf.setNumThreads(n)` (0 = the default), else IDEM_NUM_THREADS in Node, else the
 * cores (Node) or `navigator.hardwareConcurrency` capped at 8 (browser). Workers start in the
 * background; until all have reported ready, products run on the calling thread. Node workers
 * are unref'd: they never keep a process alive.
 */
import type { WasmKernels, WasmMemory } from './backend.ts';
import { crossOriginIsolated, envVar, hardwareConcurrency, inDedicatedWorker, isBrowser, nodeApis } from '../../platform/index.ts';

/** At most this many threads by default in a browser (more rarely pays for a page's products). */
export const BROWSER_DEFAULT_MAX_THREADS = 8;

/** The default thread count: IDEM_NUM_THREADS when it is a positive integer, else the cores. */
export function wasmThreadCount(): number {
  const env = envVar('IDEM_NUM_THREADS');
  const n = Number(env);
  if (env && Number.isInteger(n) && n > 0) return n;
  const cores = hardwareConcurrency();
  return isBrowser() ? Math.min(cores, BROWSER_DEFAULT_MAX_THREADS) : cores;
}

/**
 * Why worker threads cannot run here (null when they can): no shared memory, a page's main
 * thread, a page that is not cross-origin isolated.
 */
export function wasmThreadsUnavailable(): string | null {
  if (nodeApis()) return typeof SharedArrayBuffer === 'function' ? null : 'this Node.js has no SharedArrayBuffer';
  if (!isBrowser()) return 'no worker threads in this JavaScript environment';
  if (!crossOriginIsolated()) return 'the page is not cross-origin isolated (serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  if (!inDedicatedWorker()) return "a page's main thread may not block in Atomics.wait (run idem inside a dedicated Worker)";
  if (typeof SharedArrayBuffer !== 'function' || typeof Worker !== 'function') return 'this browser has no SharedArrayBuffer or no nested Workers';
  return null;
}

interface ThreadWorker {
  terminate(): void;
}

/** Starts one worker running `body` (a function body of `data`) with `data`. */
function startWorker(body: string, data: unknown): ThreadWorker {
  const n = nodeApis();
  if (n) {
    const w = new n.workerThreads.Worker(`const { workerData } = require('node:worker_threads');\n(function (data) {\n${body}\n})(workerData);`, { eval: true, workerData: data });
    w.unref();
    return { terminate: () => void w.terminate() };
  }
  const code = `self.onmessage = (e) => {\n  self.onmessage = null;\n  (function (data) {\n${body}\n  })(e.data);\n};`;
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  try {
    const w = new Worker(url, { name: 'idem-wasm-thread' });
    w.postMessage(data);
    return { terminate: () => w.terminate() };
  } finally {
    // The worker has fetched its script by the time it runs; revoking later is enough.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
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
const { mod, memory, ctrl, id, params } = data;
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
  private handles: ThreadWorker[] = [];

  private constructor(readonly kernels: WasmKernels, readonly memory: WasmMemory, readonly workers: number, ctrl: SharedArrayBuffer) {
    this.ctrl = new Int32Array(ctrl);
  }

  /**
   * Starts `threads − 1` workers over a new shared memory, or returns null when there is one
   * thread or worker threads cannot run here (`wasmThreadsUnavailable()`).
   */
  static start(sharedModule: object, threads: number): GemmThreads | null {
    if (threads <= 1 || wasmThreadsUnavailable() !== null) return null;
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
    const pool = new GemmThreads(kernels, memory, workers, ctrl);
    try {
      for (let id = 0; id < workers; id++) pool.handles.push(startWorker(WORKER_CODE, { mod: sharedModule, memory, ctrl, id, params: PARAMS }));
    } catch {
      pool.stop();
      return null;
    }
    return pool;
  }

  /** Stops the workers (they leave their loop at once, or when they wake); the pool is unusable after. */
  stop(): void {
    Atomics.store(this.ctrl, 2, 1);
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    for (const h of this.handles) h.terminate();
    this.handles = [];
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
