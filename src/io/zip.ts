/**
 * Zip archives for `.keras` files, through fflate (pure JavaScript). Entries are written
 * uncompressed ("stored"), as Python's `zipfile` does for Keras. fflate does not check CRC-32s
 * on reading, so `readZip` checks each entry's CRC against the central directory itself and
 * reports damage by entry name.
 */
import { unzipSync, zipSync } from 'fflate';
import { fail } from '../core/errors.ts';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Fixed timestamp so the same model gives the same bytes. */
const MTIME = new Date('2024-01-01T00:00:00Z');

export function writeZip(entries: Record<string, Uint8Array>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0; mtime: Date }]> = {};
  for (const [k, v] of Object.entries(entries)) files[k] = [v, { level: 0, mtime: MTIME }];
  return zipSync(files);
}

/** CRC-32 of each entry from the central directory. */
function centralCrcs(buf: Uint8Array, file: string, op: string): Map<string, number> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail(op, `${file} is not a zip archive (no end-of-central-directory record; truncated?)`);
  const count = dv.getUint16(eocd + 10, true);
  let off = dv.getUint32(eocd + 16, true);
  const out = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    if (off + 46 > buf.length || dv.getUint32(off, true) !== 0x02014b50) fail(op, `${file}: zip central directory entry ${i} is damaged (offset ${off})`);
    const crc = dv.getUint32(off + 16, true);
    const n = dv.getUint16(off + 28, true);
    const m = dv.getUint16(off + 30, true);
    const k = dv.getUint16(off + 32, true);
    if (off + 46 + n > buf.length) fail(op, `${file}: zip central directory entry ${i} runs past the end of the file`);
    out.set(new TextDecoder().decode(buf.subarray(off + 46, off + 46 + n)), crc);
    off += 46 + n + m + k;
  }
  return out;
}

export function readZip(buf: Uint8Array, file: string, op: string): Map<string, Uint8Array> {
  const crcs = centralCrcs(buf, file, op);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(buf);
  } catch (e) {
    fail(op, `${file} is not a readable zip archive: ${(e as Error).message}`);
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    const want = crcs.get(name);
    if (want === undefined) fail(op, `${file}: zip entry '${name}' is not in the central directory`);
    const got = crc32(data);
    if (got !== want) fail(op, `${file}: zip entry '${name}' is damaged (CRC-32 ${got.toString(16)} where the archive records ${want.toString(16)})`);
    out.set(name, data);
  }
  return out;
}
