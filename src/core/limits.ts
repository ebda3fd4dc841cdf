/**
 * Caps on what a file or an argument can make idem allocate or walk. A file's claims (a zip
 * entry's uncompressed size, an HDF5 dataset's shape, an image's width × height, an IDX header's
 * dimensions) are checked against these before anything is allocated; a claim above a cap is an
 * error naming the file, the claim and the cap, never an allocation.
 *
 * `tf.setLimits({...})` raises (or lowers) a cap for the whole process and returns the previous
 * values; `tf.getLimits()` reads them.
 */
import { fail } from './errors.ts';

export interface Limits {
  /** Elements in one tensor (one typed array; V8's limit in Node 20 is 2^32). Default 2^32. */
  maxTensorElements: number;
  /**
   * Bytes one compressed stream inside a file may inflate to: a deflated `.keras` zip entry, an
   * MNIST `.gz` file, the pixel data of a PNG, a compressed HDF5 dataset. Default 1 GiB.
   */
  maxInflatedBytes: number;
  /** Pixels (width × height) of one image an image loader decodes: PIL's default limit, 178,956,970. */
  maxImagePixels: number;
  /** Nesting depth of a model config (JSON objects and arrays). Default 256. */
  maxConfigDepth: number;
  /** Traces one `tf.function` keeps (the least recently used is dropped first). Default 64. */
  maxFunctionTraces: number;
}

const DEFAULTS: Limits = {
  maxTensorElements: 2 ** 32,
  maxInflatedBytes: 2 ** 30,
  maxImagePixels: 178_956_970,
  maxConfigDepth: 256,
  maxFunctionTraces: 64,
};

let current: Limits = { ...DEFAULTS };

/** The caps in force. */
export function getLimits(): Limits {
  return { ...current };
}

/** Sets some caps (positive integers); returns the previous values of all of them. */
export function setLimits(changes: Partial<Limits>): Limits {
  const prev = getLimits();
  if (!changes || typeof changes !== 'object') fail('setLimits', `expected an object of caps (${Object.keys(DEFAULTS).join(', ')}), received ${changes === null ? 'null' : typeof changes}`);
  const next = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (!Object.hasOwn(DEFAULTS, k)) fail('setLimits', `unknown cap '${k}' (expected ${Object.keys(DEFAULTS).join(', ')})`);
    if (!Number.isSafeInteger(v) || (v as number) <= 0) fail('setLimits', `${k} must be a positive integer, received ${String(v)}`);
    next[k as keyof Limits] = v as number;
  }
  current = next;
  return prev;
}

/** "1.5 GiB", "300 MiB", "12 KiB", "17 bytes": sizes in messages. */
export function fmtBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** `n` as an integer with thousands separators (or in exponent form when huge). */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e15) return n.toExponential(3).replace('e+', 'e');
  return Math.round(n).toLocaleString('en-US');
}

/**
 * Throws `${op}: ...` naming the size when a result of `count` elements (`what`, e.g. "shape
 * [1e9,1e9]") exceeds `maxTensorElements` or is not a safe integer, before anything is allocated.
 */
export function checkElements(op: string, count: number, what: string): void {
  const max = current.maxTensorElements;
  if (!Number.isSafeInteger(count) || count > max) fail(op, `${what} has ${fmtCount(count)} elements, more than a tensor holds (maxTensorElements ${fmtCount(max)}; tf.setLimits raises it)`);
}

/** Whether `e` is V8's failure to allocate an array or buffer (too large, or out of memory). */
export function isAllocationError(e: unknown): boolean {
  return e instanceof RangeError && /Invalid typed array length|Array buffer allocation failed|Invalid array length|Invalid array buffer length/.test(e.message);
}
