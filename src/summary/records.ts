/**
 * TFRecord framing (TensorFlow `core/lib/io/record_writer.cc`), the container of event files:
 * each record is
 *
 *   uint64 length (little-endian) · uint32 masked_crc32c(length bytes) · data · uint32 masked_crc32c(data)
 *
 * with the CRCs masked as in `crc32c.ts`.
 */
import { fail } from '../core/errors.ts';
import { crc32c, maskCrc } from './crc32c.ts';

/** One framed record. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc(crc32c(out.subarray(0, 8))), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskCrc(crc32c(data)), true);
  return out;
}

/**
 * Splits a TFRecord file into its records, checking both CRCs of each. A truncated last record
 * (a writer still running) ends the list unless `strict`; a CRC mismatch always throws.
 */
export function readRecords(bytes: Uint8Array, source = 'TFRecord', strict = false): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) {
      if (strict) fail('readRecords', `${source}: truncated record header at byte ${pos}`);
      break;
    }
    const lenBig = view.getBigUint64(pos, true);
    if (view.getUint32(pos + 8, true) !== maskCrc(crc32c(bytes.subarray(pos, pos + 8)))) fail('readRecords', `${source}: length CRC mismatch at byte ${pos}`);
    if (lenBig > BigInt(bytes.length)) fail('readRecords', `${source}: record length ${lenBig} at byte ${pos} exceeds the file size ${bytes.length}`);
    const len = Number(lenBig);
    if (pos + 12 + len + 4 > bytes.length) {
      if (strict) fail('readRecords', `${source}: truncated record at byte ${pos}`);
      break;
    }
    const data = bytes.subarray(pos + 12, pos + 12 + len);
    if (view.getUint32(pos + 12 + len, true) !== maskCrc(crc32c(data))) fail('readRecords', `${source}: data CRC mismatch in the record at byte ${pos}`);
    out.push(data);
    pos += 12 + len + 4;
  }
  return out;
}
