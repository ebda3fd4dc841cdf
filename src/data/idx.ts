/**
 * IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/): a big-endian header
 *
 *   bytes 0-1: 0x0000; byte 2: data type (0x08 = unsigned byte); byte 3: number of dimensions d;
 *   then d big-endian uint32 sizes; then prod(sizes) values, row-major.
 *
 * Labels files have magic 0x00000801 (d = 1), image files 0x00000803 (d = 3). `readIdx`
 * validates all of it — magic, data type, rank, non-zero sizes, and that the file holds exactly
 * the data its header announces — and says which file is wrong and how.
 */
import { fail } from '../core/errors.ts';

export interface IdxData {
  /** Sizes from the header, e.g. [60000, 28, 28]. */
  shape: number[];
  /** The values (a view of the buffer, not a copy). */
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/**
 * Parses an IDX buffer. `name` (the file name) appears in every error; `expectedRank` (1 for
 * labels, 3 for images), when given, is checked against the magic number.
 */
export function readIdx(buffer: Uint8Array, name = 'IDX file', expectedRank?: number): IdxData {
  const op = 'readIdx';
  if (!(buffer instanceof Uint8Array)) fail(op, `${name}: expected the file's bytes as a Uint8Array/Buffer, received ${typeof buffer}`);
  if (buffer.length < 4) fail(op, `${name} is truncated: ${buffer.length} bytes, too short for the 4-byte magic number`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const magic = view.getUint32(0, false);
  const hex = `0x${magic.toString(16).padStart(8, '0')}`;
  if (buffer[0] !== 0 || buffer[1] !== 0) fail(op, `${name} is not an IDX file: magic number ${hex} does not start with two zero bytes`);
  const type = buffer[2]!;
  const rank = buffer[3]!;
  if (type !== 0x08) {
    const tn = TYPE_NAMES[type];
    fail(op, `${name}: data type byte is 0x${type.toString(16).padStart(2, '0')} (${tn ?? 'not an IDX type'}); only 0x08 (unsigned byte) is supported (magic ${hex})`);
  }
  if (rank === 0) fail(op, `${name}: magic number ${hex} announces 0 dimensions`);
  if (expectedRank !== undefined && rank !== expectedRank) {
    const want = `0x${(0x800 + expectedRank).toString(16).padStart(8, '0')}`;
    const kind = expectedRank === 1 ? ', a labels file' : expectedRank === 3 ? ', an images file' : '';
    fail(op, `${name}: magic number is ${hex} (${rank} dimensions), expected ${want} (${expectedRank} dimension${expectedRank === 1 ? '' : 's'}${kind})`);
  }
  const headerLen = 4 + 4 * rank;
  if (buffer.length < headerLen) fail(op, `${name} is truncated: its header needs ${headerLen} bytes for ${rank} dimensions, file has ${buffer.length}`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  if (shape.some((d) => d === 0)) fail(op, `${name}: header has a zero dimension (${shape.join('×')})`);
  const n = shape.reduce((a, b) => a * b, 1);
  const have = buffer.length - headerLen;
  const desc = `${shape.join('×')}${shape.length > 1 ? ` = ${n}` : ''} bytes of data`;
  if (have < n) fail(op, `${name} is truncated: header says ${desc}, file has ${have} (after its ${headerLen}-byte header)`);
  if (have > n) fail(op, `${name} is corrupt: header says ${desc}, file has ${have} (${have - n} bytes too many after its ${headerLen}-byte header)`);
  return { shape, data: buffer.subarray(headerLen, headerLen + n) };
}
