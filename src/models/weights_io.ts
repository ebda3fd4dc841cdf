/**
 * idem weights files (what `ModelCheckpoint` writes), and an atomic writer.
 *
 * Layout (all integers little-endian):
 *   bytes 0..7    magic "IDEMWTS1"
 *   bytes 8..11   uint32 H = byte length of the header
 *   bytes 12..    H bytes of UTF-8 JSON:
 *                 {"format":"idem-weights","version":1,
 *                  "weights":[{"name":"dense_1/kernel:0","shape":[3,2],"dtype":"float32"}, ...]}
 *   then          the values of every weight in header order, row-major, 4 bytes each
 *                 (float32 IEEE-754 for 'float32', two's-complement for 'int32'), nothing after.
 *
 * `writeWeightsFile` is atomic: it writes a temporary file in the same directory, fsyncs it,
 * renames it over the target (then fsyncs the directory where the platform allows). A failure
 * at any point removes the temporary file and leaves an existing target untouched.
 * `readWeightsFile` validates magic, header, dtypes, shapes and the exact file length.
 */
import { IdemError, fail } from '../core/errors.ts';
import { BROWSER_STORAGE_ADVICE, nodeApis, readFileBytes, requireNode, type NodeApis } from '../platform/index.ts';
import type { DataType } from '../core/dtypes.ts';
import { Tensor } from '../core/tensor.ts';
import { tensor } from '../ops/creation.ts';

export const WEIGHTS_MAGIC = 'IDEMWTS1';
const SUPPORTED: DataType[] = ['float32', 'int32'];

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: DataType;
  tensor: Tensor;
}

/**
 * The file-system calls the writer uses, replaceable (tests inject failures by overriding one,
 * e.g. `fsImpl.writeSync`), restored with `resetFsImpl()`.
 */
const nodeFs = (): NodeApis['fs'] => requireNode('save', 'writing files', BROWSER_STORAGE_ADVICE).fs;
export const fsImpl = {
  openSync: (p: string, flags: string): number => nodeFs().openSync(p, flags),
  writeSync: (fd: number, buf: Uint8Array): number => nodeFs().writeSync(fd, buf),
  fsyncSync: (fd: number): void => nodeFs().fsyncSync(fd),
  closeSync: (fd: number): void => nodeFs().closeSync(fd),
  renameSync: (from: string, to: string): void => nodeFs().renameSync(from, to),
  unlinkSync: (p: string): void => nodeFs().unlinkSync(p),
};
const originalFs = { ...fsImpl };
export function resetFsImpl(): void {
  Object.assign(fsImpl, originalFs);
}

/** Serializes named tensors to the idem weights format. */
export function encodeWeights(weights: { name: string; tensor: Tensor }[]): Uint8Array {
  const header = {
    format: 'idem-weights',
    version: 1,
    weights: weights.map(({ name, tensor: t }) => {
      if (!SUPPORTED.includes(t.dtype)) fail('saveWeights', `weight '${name}' has dtype ${t.dtype}; supported: ${SUPPORTED.join(', ')}`);
      return { name, shape: t.shape.slice(), dtype: t.dtype };
    }),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const total = weights.reduce((n, w) => n + w.tensor.size, 0);
  const buf = new Uint8Array(12 + headerBytes.length + 4 * total);
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < 8; i++) buf[i] = WEIGHTS_MAGIC.charCodeAt(i);
  dv.setUint32(8, headerBytes.length, true);
  buf.set(headerBytes, 12);
  let off = 12 + headerBytes.length;
  for (const { tensor: t } of weights) {
    const v = t.dataSync();
    const f32 = t.dtype === 'float32';
    for (let i = 0; i < v.length; i++, off += 4) {
      if (f32) dv.setFloat32(off, v[i]!, true);
      else dv.setInt32(off, v[i]!, true);
    }
  }
  return buf;
}

function bad(file: string, why: string): never {
  fail('loadWeights', `${file} is not a valid idem weights file: ${why}`);
}

/** Parses and validates a weights file's bytes. */
export function decodeWeights(buf: Uint8Array, file = 'buffer'): WeightEntry[] {
  if (buf.length < 12) bad(file, `it is ${buf.length} bytes long, shorter than the 12-byte preamble`);
  const magic = String.fromCharCode(...buf.subarray(0, 8));
  if (magic !== WEIGHTS_MAGIC) bad(file, `expected magic "${WEIGHTS_MAGIC}", found ${JSON.stringify(magic)}`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const h = dv.getUint32(8, true);
  if (12 + h > buf.length) bad(file, `header length ${h} runs past the end of the file (${buf.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(12, 12 + h)));
  } catch (e) {
    bad(file, `the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  const hd = header as { format?: unknown; version?: unknown; weights?: unknown };
  if (hd === null || typeof hd !== 'object' || hd.format !== 'idem-weights') bad(file, 'the header has no "format": "idem-weights"');
  if (hd.version !== 1) bad(file, `unsupported version ${String(hd.version)} (expected 1)`);
  if (!Array.isArray(hd.weights)) bad(file, 'the header has no "weights" list');
  const specs = hd.weights as { name?: unknown; shape?: unknown; dtype?: unknown }[];
  let total = 0;
  specs.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.name !== 'string') bad(file, `weight ${i} has no name`);
    if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || (d as number) < 0)) bad(file, `weight '${s.name}' has an invalid shape ${JSON.stringify(s.shape)}`);
    if (!SUPPORTED.includes(s.dtype as DataType)) bad(file, `weight '${s.name}' has unsupported dtype ${JSON.stringify(s.dtype)}`);
    total += (s.shape as number[]).reduce((a, b) => a * b, 1);
  });
  const expected = 12 + h + 4 * total;
  if (buf.length !== expected) bad(file, `expected ${expected} bytes for the weights its header lists, found ${buf.length}`);
  let off = 12 + h;
  return specs.map((s) => {
    const shape = s.shape as number[];
    const dtype = s.dtype as DataType;
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = new Array<number>(n);
    for (let i = 0; i < n; i++, off += 4) vals[i] = dtype === 'float32' ? dv.getFloat32(off, true) : dv.getInt32(off, true);
    return { name: s.name as string, shape, dtype, tensor: tensor(vals, shape, dtype) };
  });
}

let tmpCounter = 0;

/** Writes `bytes` to `file` atomically (temp file in the same directory + fsync + rename). */
export function atomicWriteFile(file: string, bytes: Uint8Array, op = 'save'): void {
  const { fs, path, process } = requireNode(op, `writing the file '${file}'`, BROWSER_STORAGE_ADVICE);
  const dir = path.dirname(path.resolve(file));
  removeStaleTemps(dir, (name) => name === path.basename(file));
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${tmpCounter++}`);
  let fd: number | null = null;
  let step = `creating the temporary file ${tmp}`;
  let off = 0;
  try {
    fd = fsImpl.openSync(tmp, 'wx');
    step = `writing the temporary file ${tmp}`;
    while (off < bytes.length) off += fsImpl.writeSync(fd, bytes.subarray(off));
    step = `flushing the temporary file ${tmp} to disk`;
    fsImpl.fsyncSync(fd);
    fsImpl.closeSync(fd);
    fd = null;
    step = `renaming ${tmp} to ${file}`;
    fsImpl.renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) {
      try {
        fsImpl.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fsImpl.unlinkSync(tmp);
    } catch {
      /* may not exist */
    }
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOSPC' ? 'no space left on the device'
      : err.code === 'EDQUOT' ? 'disk quota exceeded'
      : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied'
      : err.code === 'EROFS' ? 'read-only file system'
      : '';
    const written = step.startsWith('writing') ? ` (${off} of ${bytes.length} bytes written)` : '';
    const out = new IdemError(`${op}: cannot write ${file}: ${why ? `${why} ` : ''}while ${step}${written}; ${file} was not changed (${err.message ?? String(e)})`);
    (out as { cause?: unknown }).cause = e;
    if (err.code) (out as unknown as { code: string }).code = err.code;
    throw out;
  }
  // Make the rename durable; directories cannot be opened for fsync on every platform.
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    /* best effort */
  }
}

/** A temporary file of `atomicWriteFile`: `.<name>.tmp-<pid>-<n>`. */
const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-(\d+)$/;

/** Whether process `pid` is alive on this machine (EPERM: alive, owned by someone else). */
function alive(pid: number, process: NodeJS.Process): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that saves killed before their rename left in `dir`
 * (`.<name>.tmp-<pid>-<n>` for the names `forName` accepts, whose process is gone). Temporary
 * files of live processes (a save in progress elsewhere) are kept. Best effort: never throws.
 */
export function removeStaleTemps(dir: string, forName: (name: string) => boolean): void {
  const n0 = nodeApis();
  if (!n0) return;
  const { fs, path, process } = n0;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TEMP_NAME.exec(n);
    if (!m || !forName(m[1]!) || alive(Number(m[2]), process)) continue;
    try {
      const p = path.join(dir, n);
      if (fs.lstatSync(p).isFile()) fs.unlinkSync(p);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
}

/** Saves named tensors (e.g. a model's `weights`) to `file`, atomically. */
export function writeWeightsFile(file: string, weights: { name: string; tensor: Tensor }[]): void {
  atomicWriteFile(file, encodeWeights(weights), 'saveWeights');
}

/** Reads and validates a weights file. */
export function readWeightsFile(file: string): WeightEntry[] {
  return decodeWeights(readFileBytes(file, 'loadWeights'), file);
}

/** What saving/loading needs of a model (LayersModel has it). */
export interface WeightsModel {
  readonly weights: { name: string; shape: number[]; dtype: DataType; read(): Tensor }[];
  setWeights(values: Tensor[]): void;
}

export function saveModelWeights(model: WeightsModel, file: string): void {
  writeWeightsFile(
    file,
    model.weights.map((w) => ({ name: w.name, tensor: w.read() })),
  );
}

/** Loads a file written by `saveModelWeights` into `model`; count, names' order and shapes must match. */
export function loadModelWeights(model: WeightsModel, file: string): void {
  const entries = readWeightsFile(file);
  const ws = model.weights;
  if (entries.length !== ws.length) fail('loadWeights', `${file} holds ${entries.length} weights, the model has ${ws.length}`);
  entries.forEach((e, i) => {
    const w = ws[i]!;
    if (e.dtype !== w.dtype || e.shape.length !== w.shape.length || e.shape.some((d, k) => d !== w.shape[k])) {
      fail('loadWeights', `weight ${i} ('${e.name}' in ${file}) is ${e.dtype} [${e.shape}], the model's '${w.name}' is ${w.dtype} [${w.shape}]`);
    }
  });
  model.setWeights(entries.map((e) => e.tensor));
}
