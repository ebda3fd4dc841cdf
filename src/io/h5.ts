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
 */
import * as h5 from 'h5wasm';
import { fail } from '../core/errors.ts';

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

let readyPromise: Promise<unknown> | null = null;
/** Initializes the WebAssembly module once. */
export async function h5Ready(): Promise<void> {
  readyPromise ??= h5.ready;
  await readyPromise;
}

let fileCounter = 0;
const H5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

const DTYPE_CODE: Record<H5DType, string> = {
  float16: '<e', float32: '<f', float64: '<d', int8: '<b', int16: '<h', int32: '<i', int64: '<q', uint8: '<B', uint16: '<H', uint32: '<I', uint64: '<Q',
};

function fs(): { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void } {
  const f = h5.FS as unknown as { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void } | null;
  if (!f) fail('h5', 'h5wasm is not initialized (await h5Ready() first)');
  return f;
}

/** Serializes a tree to HDF5 bytes. `h5Ready()` must have resolved. */
export function writeH5(root: H5Group): Uint8Array {
  const p = `/idem-w-${process.pid}-${fileCounter++}.h5`;
  const f = new h5.File(p, 'w');
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

function writeAttrs(target: h5.Group | h5.Dataset, attrs: Record<string, H5AttrValue>): void {
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

function writeGroup(g: h5.Group, node: H5Group): void {
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

function dtypeOf(m: { type: number; size: number; signed: boolean; littleEndian: boolean; vlen?: boolean }, where: string): H5DType {
  if (m.type === 1) {
    if (m.size === 2) return 'float16';
    if (m.size === 4) return 'float32';
    if (m.size === 8) return 'float64';
  } else if (m.type === 0) {
    const s = ({ 1: '8', 2: '16', 4: '32', 8: '64' } as Record<number, string>)[m.size];
    if (s) return `${m.signed ? 'int' : 'uint'}${s}` as H5DType;
  }
  fail('h5', `${where} has an unsupported datatype (HDF5 class ${m.type}, ${m.size} bytes)`);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function readAttrs(obj: h5.Group | h5.Dataset, where: string): Record<string, H5AttrValue> {
  const out: Record<string, H5AttrValue> = {};
  for (const [k, a] of Object.entries(obj.attrs)) {
    let v: unknown;
    try {
      v = a.json_value;
    } catch (e) {
      fail('h5', `cannot read attribute '${k}' of ${where}: ${(e as Error).message ?? String(e)}`);
    }
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') out[k] = v;
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out[k] = v as number[];
    // other attribute kinds (compound, references) are not used by the formats read here
  }
  return out;
}

function readGroup(g: h5.Group, where: string, depth: number): H5Group {
  if (depth > 64) fail('h5', `${where}: groups nested deeper than 64 levels`);
  const node = group(readAttrs(g, where || '/'));
  for (const name of g.keys()) {
    const path = `${where}/${name}`;
    const e = g.get(name);
    if (e instanceof h5.Group) node.children.set(name, readGroup(e, path, depth + 1));
    else if (e instanceof h5.Dataset) {
      const m = e.metadata as unknown as { type: number; size: number; signed: boolean; littleEndian: boolean; vlen: boolean };
      const dtype = dtypeOf(m, `dataset '${path}'`);
      const shape = e.shape ?? [];
      let data = e.value as unknown;
      const n = shape.reduce((a, b) => a * b, 1);
      if (typeof data === 'number' || typeof data === 'bigint') data = dtype === 'float64' ? new Float64Array([Number(data)]) : dtype === 'int64' ? new BigInt64Array([BigInt(data)]) : dtype.startsWith('float') ? new Float32Array([Number(data)]) : new Int32Array([Number(data)]);
      if (dtype === 'float16' && data instanceof Uint16Array) data = Float32Array.from(data, halfToFloat);
      if (!ArrayBuffer.isView(data) || (data as H5Data).length !== n) fail('h5', `dataset '${path}' has ${ArrayBuffer.isView(data) ? (data as H5Data).length : 'no'} values for shape [${shape}]`);
      node.children.set(name, { kind: 'dataset', shape, dtype, data: data as H5Data, attrs: readAttrs(e, path) });
    }
    // links to elsewhere and named datatypes are ignored
  }
  return node;
}

/**
 * Runs `fn` with the HDF5 library's diagnostic printout (it writes its error stack to stderr)
 * captured instead of printed; returns the captured text with the result or the error.
 */
function quietly<T>(fn: () => T): { value?: T; error?: unknown; diag: string } {
  const stderr = process.stderr as unknown as { write: (...a: unknown[]) => boolean };
  const original = stderr.write;
  let diag = '';
  stderr.write = (chunk: unknown) => {
    diag += String(chunk);
    return true;
  };
  try {
    return { value: fn(), diag };
  } catch (error) {
    return { error, diag };
  } finally {
    stderr.write = original;
  }
}

/** The innermost HDF5 error of a captured diagnostic, e.g. "H5C__load_entry(): incorrect metadata checksum". */
function hdf5Cause(diag: string): string {
  const first = diag.split('HDF5-DIAG').find((b) => b.trim() !== '') ?? '';
  const lines = first.split('\n').filter((l) => /#\d+:/.test(l));
  const last = lines[lines.length - 1];
  if (!last) return '';
  const m = /in (\w+\(\)): (.*)$/.exec(last);
  return m ? ` (HDF5: ${m[1]}: ${m[2]!.trim()})` : '';
}

/** Parses HDF5 bytes into a tree; any damage becomes an error naming `file`. */
export function readH5(bytes: Uint8Array, file: string, op: string): H5Group {
  const r = quietly(() => readH5Loud(bytes, file, op));
  if (r.error !== undefined) {
    const e = r.error;
    if (e instanceof Error && e.message.startsWith(op)) {
      e.message += hdf5Cause(r.diag);
      throw e;
    }
    fail(op, `${file} is damaged: ${errText(e)}${hdf5Cause(r.diag)}`);
  }
  return r.value!;
}

function readH5Loud(bytes: Uint8Array, file: string, op: string): H5Group {
  if (bytes.length < 8 || H5_SIGNATURE.some((b, i) => bytes[i] !== b)) fail(op, `${file} is not an HDF5 file (no HDF5 signature at byte 0; ${bytes.length} bytes)`);
  const p = `/idem-r-${process.pid}-${fileCounter++}.h5`;
  fs().writeFile(p, bytes);
  let f: h5.File | null = null;
  try {
    try {
      f = new h5.File(p, 'r');
    } catch (e) {
      fail(op, `${file} is not a readable HDF5 file: ${errText(e)}`);
    }
    if (!f || (f as unknown as { file_id: bigint }).file_id < 0n) fail(op, `${file} is not a readable HDF5 file (the HDF5 library could not open it)`);
    try {
      return readGroup(f, '', 0);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith(op)) throw e;
      return fail(op, `${file} is damaged: ${errText(e)}`);
    }
  } finally {
    try {
      if (f && (f as unknown as { file_id: bigint }).file_id >= 0n) f.close();
    } catch {
      /* already failing */
    }
    fs().unlink(p);
  }
}

function errText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
