/**
 * `tf.setNumThreads(n)` / `tf.getNumThreads()` for every backend that has threads. A backend
 * registers a control (`registerThreadControl`); setting a count applies it to each (0 = each
 * backend's default: `IDEM_NUM_THREADS` or the cores in Node, `navigator.hardwareConcurrency`
 * capped in a browser Worker). Results never depend on the count (every threaded kernel splits
 * its work in chunks fixed by the shapes, each output computed by one thread in one order).
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';

export interface ThreadControl {
  /** Applies a count (0 = the default); returns the count now used. */
  set(n: number): number;
  /** The count now used. */
  get(): number;
}

const controls = new Map<string, ThreadControl>();
let requested = 0;

/** Registers backend `name`'s thread control (replacing an earlier one of that name). */
export function registerThreadControl(name: string, control: ThreadControl): void {
  controls.set(name, control);
}

/** The count last given to `setNumThreads` (0: the default). */
export function requestedThreads(): number {
  return requested;
}

/**
 * Sets the thread count of every threaded backend (the native pool, the wasm workers); 0
 * restores the defaults. Returns the count the current backend now uses (1 for a backend
 * without threads).
 */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 256) {
    fail('setNumThreads', `expected an integer in [0, 256] (0: the default), got ${String(n)}`);
  }
  requested = n;
  const current = ENGINE.backendName;
  let result = 1;
  for (const [name, c] of controls) {
    const used = c.set(n);
    if (name === current) result = used;
  }
  return result;
}

/** The current backend's thread count (1 for a backend without threads). */
export function getNumThreads(): number {
  return controls.get(ENGINE.backendName)?.get() ?? 1;
}
