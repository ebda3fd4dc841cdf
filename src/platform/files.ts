/**
 * Reading files a loader was pointed at (Node only), without trusting them to be ordinary files:
 * a named pipe would block the open forever, `/dev/zero` would never end, a symlink inside a model
 * directory could pull in a file from anywhere. `readRegularFile` opens without blocking, checks
 * that the opened file (`fstat`, so a swap after a check cannot help) is a regular file, reads
 * exactly its size, and, for files a model directory names (TF.js shards), refuses links whose
 * real path leaves the directory.
 */
import { IdemError } from '../core/errors.ts';
import { BROWSER_STORAGE_ADVICE, requireNode, type NodeApis } from './index.ts';

type Stats = import('node:fs').Stats;

function fail(op: string, message: string): never {
  throw new IdemError(`${op}: ${message}`);
}

function node(op: string, file: string): NodeApis {
  return requireNode(op, `reading the file '${file}'`, BROWSER_STORAGE_ADVICE);
}

/** Open flags: read-only, never blocking (a FIFO opens at once), optionally refusing a final symlink. */
function openFlags(n: NodeApis, noFollow: boolean): number {
  const c = n.fs.constants;
  return c.O_RDONLY | (c.O_NONBLOCK ?? 0) | (noFollow ? (c.O_NOFOLLOW ?? 0) : 0);
}

/** What a non-regular file is, for messages. */
export function fileKind(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export interface ReadOptions {
  /** The file must resolve (through any links) to a path inside this directory. */
  within?: string;
  /** The size the file must have (checked from `fstat` before reading). */
  size?: number;
  /** How to name the file in messages (default: its path). */
  label?: string;
}

/** Where `file` really is, checked to be inside the directory `within`. */
export function resolveInside(file: string, within: string, op: string, label = file): string {
  const { fs, path } = node(op, file);
  let real: string;
  let realDir: string;
  try {
    real = fs.realpathSync(file);
    realDir = fs.realpathSync(within);
  } catch (e) {
    fail(op, `cannot read ${label}: ${(e as Error).message}`);
  }
  const rel = path.relative(realDir, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) fail(op, `${label} resolves to ${real}, outside the model's directory ${realDir} (links out of the directory are not followed)`);
  return real;
}

/** Size of a regular file (after the checks of `readRegularFile`, without reading it). */
export function regularFileSize(file: string, op: string, opts: ReadOptions = {}): number {
  const { fs } = node(op, file);
  const label = opts.label ?? file;
  const target = opts.within !== undefined ? resolveInside(file, opts.within, op, label) : file;
  let st: Stats;
  try {
    st = fs.statSync(target);
  } catch (e) {
    fail(op, `cannot read ${label}: ${(e as Error).message}`);
  }
  if (!st.isFile()) fail(op, `${label} is ${fileKind(st)}, not a regular file`);
  return st.size;
}

/** Runs `fn` on `file` opened read-only without blocking, after checking it is a regular file. */
function withRegularFd<T>(file: string, op: string, opts: ReadOptions, fn: (fd: number, size: number) => T): T {
  const n = node(op, file);
  const label = opts.label ?? file;
  const target = opts.within !== undefined ? resolveInside(file, opts.within, op, label) : file;
  let fd: number;
  try {
    fd = n.fs.openSync(target, openFlags(n, opts.within !== undefined));
  } catch (e) {
    fail(op, `cannot read ${label}: ${(e as Error).message}`);
  }
  try {
    const st = n.fs.fstatSync(fd);
    if (!st.isFile()) fail(op, `${label} is ${fileKind(st)}, not a regular file`);
    if (opts.size !== undefined && st.size !== opts.size) fail(op, `${label} has ${st.size} bytes, ${opts.size} were expected`);
    return fn(fd, st.size);
  } finally {
    n.fs.closeSync(fd);
  }
}

/** The bytes of a regular file (see the module comment). */
export function readRegularFile(file: string, op: string, opts: ReadOptions = {}): Uint8Array {
  const { fs } = node(op, file);
  const label = opts.label ?? file;
  return withRegularFd(file, op, opts, (fd, size) => {
    const out = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const k = fs.readSync(fd, out, off, size - off, off);
      if (k === 0) fail(op, `${label} ended after ${off} of its ${size} bytes (changed while being read)`);
      off += k;
    }
    return out;
  });
}

/** The first `n` bytes (or fewer) of a regular file (a FIFO or device is refused, not waited on). */
export function readRegularFilePrefix(file: string, n: number, op: string, label = file): Uint8Array {
  const { fs } = node(op, file);
  return withRegularFd(file, op, { label }, (fd, size) => {
    const out = new Uint8Array(Math.min(n, size));
    let off = 0;
    while (off < out.length) {
      const k = fs.readSync(fd, out, off, out.length - off, off);
      if (k === 0) break;
      off += k;
    }
    return out.subarray(0, off);
  });
}

/** `readRegularFile` without blocking the event loop while reading (the open never blocks either). */
export async function readRegularFileAsync(file: string, op: string, label = file): Promise<Uint8Array> {
  const n = node(op, file);
  let fh: import('node:fs').promises.FileHandle;
  try {
    fh = await n.fs.promises.open(file, openFlags(n, false));
  } catch (e) {
    fail(op, `cannot read ${label}: ${(e as Error).message}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) fail(op, `${label} is ${fileKind(st)}, not a regular file`);
    const out = new Uint8Array(st.size);
    let off = 0;
    while (off < out.length) {
      const { bytesRead } = await fh.read(out, off, out.length - off, off);
      if (bytesRead === 0) fail(op, `${label} ended after ${off} of its ${out.length} bytes (changed while being read)`);
      off += bytesRead;
    }
    return out;
  } finally {
    await fh.close();
  }
}
