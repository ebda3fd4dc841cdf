/**
 * Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
 * counter-based generator TensorFlow uses. A 128-bit counter and a 64-bit key map to 128
 * random bits; the same (key, counter) always gives the same bits, whoever computes them, in
 * whatever order — so results never depend on thread count or chunking.
 * Checked against the Random123 known-answer vectors in test/random.test.ts.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/**
 * High 32 bits of the 64-bit product of two uint32: both split into 16-bit halves, so every
 * partial product is below 2^32 and exact in float64 integer arithmetic.
 */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + Math.floor(lh / 65536) + Math.floor(hl / 65536) + Math.floor(mid / 65536)) >>> 0;
}

/**
 * One Philox-4x32-10 block: writes 4 uint32 words into `out` at `offset`.
 * `c0..c3` is the counter, `k0,k1` the key.
 */
export function philoxBlock(
  c0: number, c1: number, c2: number, c3: number,
  k0: number, k1: number,
  out: Uint32Array, offset = 0,
): void {
  for (let r = 0; r < 10; r++) {
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi0 = mulhi32(M0, c0);
    const lo1 = Math.imul(M1, c2) >>> 0;
    const hi1 = mulhi32(M1, c2);
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[offset] = c0;
  out[offset + 1] = c1;
  out[offset + 2] = c2;
  out[offset + 3] = c3;
}

/**
 * `n` random uint32 words from stream (`key`, `stream`): word i comes from block
 * counter [floor(i/4), 0, stream lo, stream hi].
 */
export function philoxWords(key: readonly [number, number], stream: number, n: number): Uint32Array {
  const blocks = Math.ceil(n / 4);
  const out = new Uint32Array(blocks * 4);
  const slo = stream >>> 0;
  const shi = Math.floor(stream / 4294967296) >>> 0;
  for (let b = 0; b < blocks; b++) philoxBlock(b >>> 0, Math.floor(b / 4294967296) >>> 0, slo, shi, key[0], key[1], out, b * 4);
  return n === out.length ? out : out.subarray(0, n);
}
