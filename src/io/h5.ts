/**
 * HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly; no native build).
 *
 * Everything else in src/io works on a plain in-memory tree (`H5Group` / `H5Dataset`), so a file
 * is parsed completely — and can be validated completely — before any weight is touched, and
 * h5wasm is used in exactly two places: `readH5` (bytes → tree) and `writeH5` (tree → bytes).
 * Files live in h5wasm's in-memory file system only while being converted; the caller writes
 * the bytes atomically (`atomicWriteFile`).
 *
 * Datatypes kept: little-endian float16/32/64, int8/16/32/64, uint8/16/32/64 datasets; string,
 * number and string-list attributes (fixed-length or variable-length strings: Keras 2 writes
 * numpy byte strings, h5py writes `str` as variable-length UTF-8).
 *
 * h5wasm (about 5 MiB with the HDF5 library) is loaded by a dynamic `import()` the first time a
 * file needs it (`h5Ready()`), so the browser bundle stays small and a page that never reads an
 * HDF5 file never downloads it (the bundle keeps it in a chunk of its own).
 */
import type * as H5 from 'h5wasm';
import { fail } from '../core/errors.ts';
import { fmtBytes, fmtCount, getLimits } from '../core/limits.ts';
import { halfToFloat } from './half.ts';

export { halfToFloat };
import { nodeApis } from '../platform/index.ts';

export type H5DType = 'float16' | 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64';
export type H5Data = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;
export type H5AttrValue = string | number | bigint | string[] | number[];

export interface H5Dataset {
  kind: 'dataset';
  shape: number[];
  dtype: H5DType;
  /** Row-major values (float16 is widened to Float32Array on read). */
  data: H5Data;
  attrs: Record<string, H5AttrValue>;
  /** Read from a file: why the values it claims cannot be in the file (too large for it, or above a cap), if so. */
  claimProblem?: string;
}

export interface H5Group {
  kind: 'group';
  children: Map<string, H5Group | H5Dataset>;
  attrs: Record<string, H5AttrValue>;
}

export function group(attrs: Record<string, H5AttrValue> = {}): H5Group {
  return { kind: 'group', children: new Map(), attrs };
}

/** The group at `path` ('a/b/c'), created with its parents when missing. */
export function ensureGroup(root: H5Group, path: string): H5Group {
  let g = root;
  for (const part of path.split('/').filter((p) => p !== '')) {
    let c = g.children.get(part);
    if (!c) g.children.set(part, (c = group()));
    if (c.kind !== 'group') fail('h5', `'${part}' in '${path}' is a dataset, not a group`);
    g = c;
  }
  return g;
}

/** The entry at `path`, or undefined. */
export function getEntry(root: H5Group, path: string): H5Group | H5Dataset | undefined {
  let e: H5Group | H5Dataset | undefined = root;
  for (const part of path.split('/').filter((p) => p !== '')) {
    if (!e || e.kind !== 'group') return undefined;
    e = e.children.get(part);
  }
  return e;
}

/** The h5wasm module once loaded and initialized (see `h5Ready`). */
let h5: typeof H5 | null = null;
let readyPromise: Promise<void> | null = null;
/** What the HDF5 library prints (its error stacks) goes here while `quietly` runs. */
let capture: ((text: string) => void) | null = null;

function lib(): typeof H5 {
  if (!h5) fail('h5', 'the HDF5 library is not loaded yet (await h5Ready() first)');
  return h5;
}

/**
 * Loads h5wasm (dynamic import) and initializes its WebAssembly module, once. The library
 * binds `console.error` for its diagnostics when its module is evaluated; it is given a function
 * that forwards to the console except while `quietly` captures them (in a browser there is no
 * stderr to intercept).
 */
export async function h5Ready(): Promise<void> {
  readyPromise ??= (async () => {
    const original = console.error;
    const forward = (...args: unknown[]): void => {
      if (capture) capture(`${args.map(String).join(' ')}\n`);
      else original.apply(console, args);
    };
    console.error = forward;
    let m: typeof H5;
    try {
      m = await import('h5wasm');
    } catch (e) {
      readyPromise = null;
      fail('h5', `cannot load the HDF5 library (h5wasm): ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (console.error === forward) console.error = original;
    }
    await m.ready;
    h5 = m;
  })();
  await readyPromise;
}

let fileCounter = 0;
const H5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

const DTYPE_CODE: Record<H5DType, string> = {
  float16: '<e', float32: '<f', float64: '<d', int8: '<b', int16: '<h', int32: '<i', int64: '<q', uint8: '<B', uint16: '<H', uint32: '<I', uint64: '<Q',
};

function fs(): { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void } {
  const f = lib().FS as unknown as { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void } | null;
  if (!f) fail('h5', 'h5wasm is not initialized (await h5Ready() first)');
  return f;
}

/** Serializes a tree to HDF5 bytes. `h5Ready()` must have resolved. */
export function writeH5(root: H5Group): Uint8Array {
  const p = `/idem-w-${fileCounter++}.h5`;
  const f = new (lib().File)(p, 'w');
  try {
    writeGroup(f, root);
  } finally {
    f.close();
  }
  try {
    return fs().readFile(p).slice();
  } finally {
    fs().unlink(p);
  }
}

function writeAttrs(target: H5.Group | H5.Dataset, attrs: Record<string, H5AttrValue>): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'string') target.create_attribute(k, v);
    else if (typeof v === 'number') target.create_attribute(k, Number.isInteger(v) ? new Int32Array([v]) : new Float64Array([v]), []);
    else if (typeof v === 'bigint') target.create_attribute(k, new BigInt64Array([v]), []);
    else if (v.length === 0) target.create_attribute(k, new Float64Array(0), [0]);
    else if (typeof v[0] === 'string') {
      // Fixed-length strings like numpy's `S` arrays (what Keras 2's h5py code writes for names).
      const strs = v as string[];
      const len = Math.max(1, ...strs.map((s) => new TextEncoder().encode(s).length));
      target.create_attribute(k, strs, [strs.length], `S${len}`);
    } else target.create_attribute(k, new Float64Array(v as number[]), [v.length]);
  }
}

function writeGroup(g: H5.Group, node: H5Group): void {
  writeAttrs(g, node.attrs);
  for (const [name, child] of [...node.children.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.includes('/') || name === '' || name === '.') fail('h5', `invalid entry name '${name}'`);
    if (child.kind === 'group') writeGroup(g.create_group(name), child);
    else {
      const ds = g.create_dataset({ name, data: child.data as never, shape: child.shape, dtype: DTYPE_CODE[child.dtype] });
      writeAttrs(ds, child.attrs);
    }
  }
}

function dtypeOf(m: { type: number; size: number; signed: boolean }): H5DType | null {
  if (m.type === 1) {
    if (m.size === 2) return 'float16';
    if (m.size === 4) return 'float32';
    if (m.size === 8) return 'float64';
  } else if (m.type === 0) {
    const s = ({ 1: '8', 2: '16', 4: '32', 8: '64' } as Record<number, string>)[m.size];
    if (s) return `${m.signed ? 'int' : 'uint'}${s}` as H5DType;
  }
  return null;
}


/** HDF5 filters the HDF5 library inside h5wasm has (deflate, shuffle, fletcher32, szip, nbit, scaleoffset). */
const AVAILABLE_FILTERS = new Set([1, 2, 3, 4, 5, 6]);
/** Filters that compress: a dataset through one of them may hold more values than the file has bytes. */
const COMPRESSING_FILTERS = new Set([1, 4, 5, 6]);

interface H5Module {
  get_type(fileId: bigint, path: string): number;
  get_dataset_metadata(fileId: bigint, path: string): { type: number; size: number; signed: boolean; littleEndian: boolean; vlen: boolean; total_size: number; shape: number[] | null };
  get_dataset_filters(fileId: bigint, path: string): { id: number; name: string }[];
  get_dataset_data(fileId: bigint, path: string, count: null, offset: null, strides: null, ptr: bigint): number;
  create_object_reference(fileId: bigint, path: string): Uint8Array;
  get_names(fileId: bigint, path: string, recursive: boolean): string[];
  _malloc(n: number): number;
  _free(p: number): void;
  HEAPU8: Uint8Array;
  H5G_GROUP: number;
  H5G_DATASET: number;
}

function mod(): H5Module {
  const m = (lib() as unknown as { Module: H5Module | null }).Module;
  if (!m) fail('h5', 'h5wasm is not initialized (await h5Ready() first)');
  return m;
}

function readAttrs(obj: H5.Group | H5.Dataset, where: string, fileBytes: number, op: string, file: string): Record<string, H5AttrValue> {
  const out: Record<string, H5AttrValue> = {};
  for (const [k, a] of Object.entries(obj.attrs)) {
    let v: unknown;
    try {
      const m = a.metadata as unknown as { size: number; total_size: number };
      // An attribute's values are stored in the file: a claim larger than the file is not read.
      if (m.size * m.total_size > fileBytes) {
        fail(op, `${file}: attribute '${k}' of ${where} claims ${fmtCount(m.total_size)} values of ${m.size} bytes, ` +
          `more than the whole file (${fmtBytes(fileBytes)})`);
      }
      v = a.json_value;
    } catch (e) {
      if (e instanceof Error && e.message.startsWith(op)) throw e;
      fail(op, `${file}: cannot read attribute '${k}' of ${where}: ${(e as Error).message ?? String(e)}`);
    }
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') out[k] = v;
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out[k] = v as number[];
    // other attribute kinds (compound, references) are not used by the formats read here
  }
  return out;
}

/**
 * Runs `fn` with the HDF5 library's diagnostic printout (it writes its error stack to stderr)
 * captured instead of printed; returns the captured text with the result or the error.
 */
function quietly<T>(fn: () => T): { value?: T; error?: unknown; diag: string } {
  let diag = '';
  const prevCapture = capture;
  capture = (text) => {
    diag += text;
  };
  // In Node the library may also write to stderr directly (a copy loaded before h5Ready).
  const stderr = nodeApis()?.process.stderr as unknown as { write: (...a: unknown[]) => boolean } | undefined;
  const original = stderr?.write;
  if (stderr) {
    stderr.write = (chunk: unknown) => {
      diag += String(chunk);
      return true;
    };
  }
  try {
    return { value: fn(), diag };
  } catch (error) {
    return { error, diag };
  } finally {
    capture = prevCapture;
    if (stderr && original) stderr.write = original;
  }
}

/** The most telling HDF5 error of a captured diagnostic, e.g. " (HDF5: H5Z_pipeline(): filter returned failure during read)". */
function hdf5Cause(diag: string): string {
  const first = diag.split('HDF5-DIAG').find((b) => b.trim() !== '') ?? '';
  // The innermost frame says what went wrong; plugin-path searches after a missing filter are noise.
  const lines = first.split('\n').filter((l) => /#\d+:/.test(l) && !/H5PL/.test(l));
  const last = lines[lines.length - 1];
  if (!last) return '';
  const m = /in (\w+\(\)): (.*)$/.exec(last);
  return m ? ` (HDF5: ${m[1]}: ${m[2]!.trim()})` : '';
}

/** Typed values from dataset bytes as HDF5 read them (native little-endian: HDF5 converts big-endian data), in a fresh aligned copy. */
function typedFromBytes(raw: Uint8Array, dtype: H5DType): H5Data {
  const b = raw.slice().buffer;
  switch (dtype) {
    case 'float16': return Float32Array.from(new Uint16Array(b), halfToFloat); // exact widening
    case 'float32': return new Float32Array(b);
    case 'float64': return new Float64Array(b);
    case 'int8': return new Int8Array(b);
    case 'int16': return new Int16Array(b);
    case 'int32': return new Int32Array(b);
    case 'int64': return new BigInt64Array(b);
    case 'uint8': return new Uint8Array(b);
    case 'uint16': return new Uint16Array(b);
    case 'uint32': return new Uint32Array(b);
    case 'uint64': return new BigUint64Array(b);
  }
}

/**
 * Why a dataset's claimed values cannot be what the file holds, or null: more elements than a
 * tensor holds; uncompressed values larger than the whole file (they are not stored: reading
 * would allocate fill values the file merely claims); compressed values above `maxInflatedBytes`.
 */
function claimProblem(count: number, size: number, filters: { id: number }[], fileBytes: number): string | null {
  const { maxTensorElements, maxInflatedBytes } = getLimits();
  const bytes = count * size;
  if (count > maxTensorElements) return `claims ${fmtCount(count)} values, more than a tensor holds (maxTensorElements ${fmtCount(maxTensorElements)})`;
  const compressed = filters.some((f) => COMPRESSING_FILTERS.has(f.id) || !AVAILABLE_FILTERS.has(f.id));
  if (!compressed && bytes > fileBytes) {
    return `claims ${fmtCount(count)} values (${fmtBytes(bytes)}) stored uncompressed, more than the whole file (${fmtBytes(fileBytes)}): ` +
      'its values are not in the file';
  }
  if (compressed && bytes > maxInflatedBytes) return `claims ${fmtBytes(bytes)} of compressed values, above the ${fmtBytes(maxInflatedBytes)} cap (tf.setLimits({maxInflatedBytes}) raises it)`;
  return null;
}

interface OpenFile {
  fileId: bigint;
  open: boolean;
  file: string;
  op: string;
  fileBytes: number;
}

/** Reads one dataset's values, after checking its filters and its claimed size; any HDF5 diagnostic is an error. */
function readDataset(of: OpenFile, path: string, dtype: H5DType, count: number, size: number, filters: { id: number; name: string }[]): H5Data {
  const { file, op } = of;
  const where = `${file}: dataset '${path.replace(/^\//, '')}'`;
  if (!of.open) fail(op, `${where} was read after its file was closed`);
  const missing = filters.filter((f) => !AVAILABLE_FILTERS.has(f.id));
  if (missing.length) {
    fail(op, `${where} is stored through HDF5 filter ${missing.map((f) => `'${f.name || 'unnamed'}' (id ${f.id})`).join(', ')}, ` +
      "which idem's HDF5 library (h5wasm) does not have; re-save it uncompressed or with gzip (h5py: compression='gzip')");
  }
  const bytes = count * size;
  const problem = claimProblem(count, size, filters, of.fileBytes);
  if (problem) fail(op, `${where} ${problem}`);
  const M = mod();
  const ptr = bytes > 0 ? M._malloc(bytes) : 0;
  if (bytes > 0 && !ptr) fail(op, `${where}: cannot allocate ${fmtBytes(bytes)} to read it`);
  try {
    const r = quietly(() => (bytes > 0 ? M.get_dataset_data(of.fileId, path, null, null, null, BigInt(ptr)) : 0));
    const status = r.value;
    if (r.error !== undefined || status === undefined || status < 0 || r.diag.trim() !== '') {
      const through = filters.length ? ` through its filters (${filters.map((f) => f.name).join(', ')}: damaged compressed data or a failed checksum)` : '';
      fail(op, `${where} cannot be read${through}${hdf5Cause(r.diag)}${r.error !== undefined ? `: ${errText(r.error)}` : ''}`);
    }
    return typedFromBytes(bytes > 0 ? M.HEAPU8.subarray(ptr, ptr + bytes) : new Uint8Array(0), dtype);
  } finally {
    if (ptr) M._free(ptr);
  }
}

/**
 * The tree of an open file: groups, attributes, and datasets whose values are read when first
 * used (`data`). Every object is visited once: an HDF5 file is a graph (hard links can make a
 * group reachable by many paths, or from itself), and a second path to a group is refused. Links
 * to other files and unresolvable soft links are not followed.
 */
function walkTree(f: H5.File, of: OpenFile): H5Group {
  const M = mod();
  const { file, op } = of;
  const seen = new Map<string, { path: string; node: H5Group | H5Dataset }>();
  const identity = (path: string): string => Array.from(M.create_object_reference(of.fileId, path), (b) => b.toString(16).padStart(2, '0')).join('');
  const visit = (g: H5.Group, where: string, depth: number): H5Group => {
    if (depth > 64) fail(op, `${file}: ${where}: groups nested deeper than 64 levels`);
    const node = group(readAttrs(g, where || '/', of.fileBytes, op, file));
    for (const name of g.keys()) {
      const path = `${where}/${name}`;
      const type = M.get_type(of.fileId, path);
      if (type !== M.H5G_GROUP && type !== M.H5G_DATASET) continue; // links to other files, broken soft links, named datatypes
      const id = identity(path);
      const before = seen.get(id);
      if (before) {
        if (before.node.kind === 'group') {
          fail(op, `${file}: group '${path}' is the same HDF5 object as '${before.path}' ` +
            '(hard or soft links make the file a graph, not a tree; Keras files are trees)');
        }
        node.children.set(name, before.node); // one dataset under two names: read once
        continue;
      }
      if (type === M.H5G_GROUP) {
        seen.set(id, { path, node: group() });
        const child = visit(g.get(name) as H5.Group, path, depth + 1);
        seen.set(id, { path, node: child });
        node.children.set(name, child);
      } else {
        const d = lazyDataset(g.get(name) as H5.Dataset, path, of);
        seen.set(id, { path, node: d });
        node.children.set(name, d);
      }
    }
    return node;
  };
  return visit(f, '', 0);
}

function lazyDataset(e: H5.Dataset, path: string, of: OpenFile): H5Dataset {
  const M = mod();
  const m = M.get_dataset_metadata(of.fileId, path);
  const shape = m.shape ?? [];
  const dtype = dtypeOf(m);
  const count = shape.reduce((a, b) => a * b, 1);
  const filters = M.get_dataset_filters(of.fileId, path) ?? [];
  const attrs = readAttrs(e, `dataset '${path}'`, of.fileBytes, of.op, of.file);
  let cached: H5Data | null = null;
  const ds = { kind: 'dataset', shape, dtype: dtype ?? 'float32', attrs } as H5Dataset;
  Object.defineProperty(ds, 'data', {
    enumerable: true,
    get(): H5Data {
      if (cached) return cached;
      if (!dtype || m.vlen) fail(of.op, `${of.file}: dataset '${path.replace(/^\//, '')}' has an unsupported datatype (HDF5 class ${m.type}, ${m.size} bytes)`);
      cached = readDataset(of, path, dtype, count, m.size, filters);
      return cached;
    },
    set(v: H5Data) {
      cached = v;
    },
  });
  if (!dtype || m.vlen) (ds as { unsupported?: boolean }).unsupported = true;
  const problem = claimProblem(count, m.size, filters, of.fileBytes);
  if (problem) ds.claimProblem = problem;
  return ds;
}

/**
 * Opens HDF5 bytes and runs `fn` on the file's tree while it is open: groups and attributes are
 * read first, a dataset's values only when `fn` uses them (so a loader reads the datasets its
 * model refers to, after comparing their shapes). Damage becomes an error naming `file`.
 */
export function withH5<T>(bytes: Uint8Array, file: string, op: string, fn: (root: H5Group) => T): T {
  if (bytes.length < 8 || H5_SIGNATURE.some((b, i) => bytes[i] !== b)) fail(op, `${file} is not an HDF5 file (no HDF5 signature at byte 0; ${bytes.length} bytes)`);
  const p = `/idem-r-${fileCounter++}.h5`;
  fs().writeFile(p, bytes);
  let f: H5.File | null = null;
  const of: OpenFile = { fileId: -1n, open: false, file, op, fileBytes: bytes.length };
  try {
    const opened = quietly(() => new (lib().File)(p, 'r'));
    f = opened.value ?? null;
    const fileId = f ? (f as unknown as { file_id: bigint }).file_id : -1n;
    if (opened.error !== undefined || !f || fileId < 0n) fail(op, `${file} is not a readable HDF5 file${opened.error !== undefined ? `: ${errText(opened.error)}` : ''}${hdf5Cause(opened.diag)}`);
    of.fileId = fileId;
    of.open = true;
    const walked = quietly(() => walkTree(f!, of));
    if (walked.error !== undefined) {
      const e = walked.error;
      if (e instanceof Error && e.message.startsWith(op)) {
        e.message += hdf5Cause(walked.diag);
        throw e;
      }
      fail(op, `${file} is damaged: ${errText(e)}${hdf5Cause(walked.diag)}`);
    }
    if (walked.diag.trim() !== '') fail(op, `${file} is damaged${hdf5Cause(walked.diag) || `: ${walked.diag.trim().split('\n')[0]}`}`);
    return fn(walked.value!);
  } finally {
    of.open = false;
    try {
      if (f && (f as unknown as { file_id: bigint }).file_id >= 0n) quietly(() => f!.close());
    } catch {
      /* already failing */
    }
    fs().unlink(p);
  }
}

/** Parses HDF5 bytes into a tree with every dataset's values read (see `withH5`). */
export function readH5(bytes: Uint8Array, file: string, op: string): H5Group {
  return withH5(bytes, file, op, (root) => {
    const force = (g: H5Group) => {
      for (const c of g.children.values()) {
        if (c.kind === 'group') force(c);
        else if (!(c as { unsupported?: boolean }).unsupported) void c.data;
      }
    };
    force(root);
    return root;
  });
}

function errText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
