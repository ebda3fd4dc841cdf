/**
 * Zip archives for `.keras` files, through fflate (pure JavaScript). Entries are written
 * uncompressed ("stored"), as Python's `zipfile` does for Keras. Reading parses the central
 * directory itself and inflates only the entries a loader asks for, each checked against its
 * recorded size (capped before inflating) and CRC-32.
 */
import { inflateSync, zipSync } from 'fflate';
import { fail } from '../core/errors.ts';
import { fmtBytes, getLimits } from '../core/limits.ts';

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

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The central directory's entries (nothing is read or inflated). */
function centralDirectory(buf: Uint8Array, file: string, op: string): ZipEntry[] {
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
  if (count === 0xffff || off === 0xffffffff) fail(op, `${file} is a zip64 archive, which idem does not read (its entries would be over 4 GB)`);
  const out: ZipEntry[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (off + 46 > buf.length || dv.getUint32(off, true) !== 0x02014b50) fail(op, `${file}: zip central directory entry ${i} is damaged (offset ${off})`);
    const n = dv.getUint16(off + 28, true);
    const m = dv.getUint16(off + 30, true);
    const k = dv.getUint16(off + 32, true);
    if (off + 46 + n > buf.length) fail(op, `${file}: zip central directory entry ${i} runs past the end of the file`);
    out.push({
      name: decoder.decode(buf.subarray(off + 46, off + 46 + n)),
      flags: dv.getUint16(off + 8, true),
      method: dv.getUint16(off + 10, true),
      crc: dv.getUint32(off + 16, true),
      compressedSize: dv.getUint32(off + 20, true),
      size: dv.getUint32(off + 24, true),
      localOffset: dv.getUint32(off + 42, true),
    });
    off += 46 + n + m + k;
  }
  return out;
}

/**
 * The entries of a zip archive named in `wanted` (others are listed, never inflated). Refused with
 * an error naming the file and the entry: two entries of one name (which one a reader takes is
 * ambiguous), encrypted or zip64 entries, compression other than stored/deflate, an uncompressed
 * size above `maxInflatedBytes` (checked from the directory before inflating), data that inflates
 * to another size than the directory records, and a CRC-32 mismatch.
 */
export function readZip(buf: Uint8Array, file: string, op: string, wanted: readonly string[]): Map<string, Uint8Array> {
  const entries = centralDirectory(buf, file, op);
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) fail(op, `${file}: zip entry '${e.name}' appears twice (which one a reader takes is ambiguous; refused)`);
    seen.add(e.name);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const cap = getLimits().maxInflatedBytes;
  const out = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (!wanted.includes(e.name)) continue;
    const where = `${file}: zip entry '${e.name}'`;
    if (e.flags & 1) fail(op, `${where} is encrypted`);
    if (e.size === 0xffffffff || e.compressedSize === 0xffffffff) fail(op, `${where} is a zip64 entry, which idem does not read`);
    if (e.method !== 0 && e.method !== 8) fail(op, `${where} uses compression method ${e.method} (stored and deflate are read)`);
    if (e.size > cap) fail(op, `${where} inflates to ${fmtBytes(e.size)}, above the ${fmtBytes(cap)} cap (tf.setLimits({maxInflatedBytes}) raises it)`);
    const lo = e.localOffset;
    if (lo + 30 > buf.length || dv.getUint32(lo, true) !== 0x04034b50) fail(op, `${where}: its local header is damaged (offset ${lo})`);
    const start = lo + 30 + dv.getUint16(lo + 26, true) + dv.getUint16(lo + 28, true);
    const localName = new TextDecoder().decode(buf.subarray(lo + 30, lo + 30 + dv.getUint16(lo + 26, true)));
    if (localName !== e.name) fail(op, `${where}: its local header names '${localName}'`);
    if (start + e.compressedSize > buf.length) fail(op, `${where} runs past the end of the file (truncated?)`);
    const raw = buf.subarray(start, start + e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) {
      if (e.compressedSize !== e.size) fail(op, `${where} is stored with ${e.compressedSize} bytes where the directory records ${e.size}`);
      data = raw;
    } else {
      // One byte more than recorded: data that inflates past the recorded size shows as a
      // mismatch without being inflated further.
      try {
        data = inflateSync(raw, { out: new Uint8Array(e.size + 1) });
      } catch (err) {
        fail(op, `${where} does not inflate: ${(err as Error).message}`);
      }
      if (data.length !== e.size) fail(op, `${where} inflates to ${data.length > e.size ? 'more than' : ''} ${data.length} bytes where the directory records ${e.size}`);
    }
    const got = crc32(data);
    if (got !== e.crc) fail(op, `${where} is damaged (CRC-32 ${got.toString(16)} where the archive records ${e.crc.toString(16)})`);
    out.set(e.name, data);
  }
  return out;
}

/** The names of a zip archive's entries, from its central directory. */
export function zipEntryNames(buf: Uint8Array, file: string, op: string): string[] {
  return centralDirectory(buf, file, op).map((e) => e.name);
}
