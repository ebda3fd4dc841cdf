// idem's WebAssembly SIMD128 kernels, in AssemblyScript (compiled by `npm run build:wasm` into
// src/backends/wasm/kernels_wasm.ts). Every kernel works on raw pointers into the module's
// memory; the JS side (src/backends/wasm/backend.ts) copies inputs in and results out.
//
// Order of operations (what makes results comparable across backends):
// - gemmBlock: each C[i][j] = ((0 + A[i][0]·B[0][j]) + A[i][1]·B[1][j]) + … in increasing k, every
//   product and sum rounded to float32 (SIMD128 has no fused multiply-add). Blocking only changes
//   which loads happen, never that order, so the result is the naive float32 loop's, bit for bit.
// - binary/unary ops: one IEEE float32 operation per element (equal to the reference backend,
//   which computes in float64 and rounds once: for + − × ÷ √ the two agree exactly).
// - sum: float64 accumulation in increasing index order, rounded once (the reference's order).

// ---------------------------------------------------------------- memory

/** First free byte after the module's static data: the JS arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------- GEMM

const MR: i32 = 4; // rows of a micro-tile
const NR: i32 = 8; // columns of a micro-tile (two f32x4)
const KC: i32 = 256; // depth of a packed block
const MC: i32 = 64; // rows of a packed A block

/** Bytes of workspace `gemmBlock` needs (per thread). */
export function gemmWorkspace(): i32 {
  return (MC * KC + MR * NR) * 4;
}

/** dst[0..4) ← the 4×4 transpose of the rows r0..r3 (4 floats each): dst[t] = [r0[t], r1[t], r2[t], r3[t]]. */
// @ts-ignore: decorator
@inline
function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs A[i0 .. i0+mc) × [p0 .. p0+kc) into row panels of MR: dst[panel][p][r], zero-padded.
 * A(i, p) = ta ? a[p·lda + i] : a[i·lda + p]. Full panels move four values per SIMD load
 * (row-major A: 4×4 transposes), so packing stays a small part of a product, also when it is
 * split in column chunks (each packs all of A).
 */
function packA(a: usize, lda: i32, ta: bool, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const i = i0 + ir;
    if (rows == MR) {
      if (ta) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(a + (<usize>((p0 + p) * lda + i) << 2)));
          dst += 16;
        }
      } else {
        const ld = <usize>lda << 2;
        let src = a + (<usize>(i * lda + p0) << 2);
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          transpose4(v128.load(src), v128.load(src + ld), v128.load(src + 2 * ld), v128.load(src + 3 * ld), dst, 16);
          src += 16;
          dst += 64;
        }
        for (; p < kc; p++) {
          store<f32>(dst, load<f32>(src));
          store<f32>(dst, load<f32>(src + ld), 4);
          store<f32>(dst, load<f32>(src + 2 * ld), 8);
          store<f32>(dst, load<f32>(src + 3 * ld), 12);
          src += 4;
          dst += 16;
        }
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        let v: f32 = 0;
        if (r < rows) {
          const q = p0 + p;
          v = ta ? load<f32>(a + (<usize>(q * lda + i + r) << 2)) : load<f32>(a + (<usize>((i + r) * lda + q) << 2));
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

/**
 * Packs B[p0 .. p0+kc) × [j0 .. j0+nc) into column panels of NR: dst[panel][p][c], zero-padded.
 * B(p, j) = tb ? b[j·ldb + p] : b[p·ldb + j].
 */
function packB(b: usize, ldb: i32, tb: bool, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    if (!tb && cols == NR) {
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>((p0 + p) * ldb + j0 + jr) << 2);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += NR * 4;
      }
      continue;
    }
    if (tb && cols == NR) {
      // B stored n×k: eight rows of B become the panel's columns, 4×4 transposes.
      const ld = <usize>ldb << 2;
      let src = b + (<usize>((j0 + jr) * ldb + p0) << 2);
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        transpose4(v128.load(src), v128.load(src + ld), v128.load(src + 2 * ld), v128.load(src + 3 * ld), dst, 32);
        const s4 = src + 4 * ld;
        transpose4(v128.load(s4), v128.load(s4 + ld), v128.load(s4 + 2 * ld), v128.load(s4 + 3 * ld), dst + 16, 32);
        src += 16;
        dst += 128;
      }
      for (; p < kc; p++) {
        for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), load<f32>(src + <usize>c * ld));
        src += 4;
        dst += 32;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      for (let c = 0; c < NR; c++) {
        let v: f32 = 0;
        if (c < cols) {
          const j = j0 + jr + c;
          const q = p0 + p;
          v = tb ? load<f32>(b + (<usize>(j * ldb + q) << 2)) : load<f32>(b + (<usize>(q * ldb + j) << 2));
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

/**
 * C[0..MR)[0..NR) (row stride ldc elements) += or = packed A panel · packed B panel over kc.
 * `first`: start from 0 instead of C's values.
 */
// @ts-ignore: decorator
@inline
function micro(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, first: bool): void {
  const ld = <usize>ldc << 2;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (!first) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ld); c11 = v128.load(c + ld, 16);
    c20 = v128.load(c + 2 * ld); c21 = v128.load(c + 2 * ld, 16);
    c30 = v128.load(c + 3 * ld); c31 = v128.load(c + 3 * ld, 16);
  }
  // The loop runs on the A pointer (no separate counter): V8 keeps the bound in a register and
  // the iteration is 26 instructions (6 loads, 16 SIMD, 4 of loop control with its interrupt
  // check), ~8% faster than a counted loop. Unrolling k was slower: V8 hoists every load of the
  // unrolled body to its top and spills accumulators.
  const end = pa + (<usize>kc << 4);
  while (pa < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16;
    pb += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ld, c10); v128.store(c + ld, c11, 16);
  v128.store(c + 2 * ld, c20); v128.store(c + 2 * ld, c21, 16);
  v128.store(c + 3 * ld, c30); v128.store(c + 3 * ld, c31, 16);
}

/** Bytes `gemmPackB` writes for all of op(B) (k×n): every column panel of NR (zero-padded), all k. */
export function gemmPackedBBytes(n: i32, k: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k * 4;
}

/**
 * Packs op(B) (k×n; `tb`: B stored n×k) for `gemmBlock`, its panels for columns [j0, j1) (j0 a
 * multiple of NR; [0, n) for all of it, or chunks shared by threads): the KC-deep block starting
 * at row pc sits at dst + pc·nPad floats (nPad = n rounded up to NR), laid out as packB does.
 */
export function gemmPackB(b: usize, n: i32, k: i32, tb: bool, dst: usize, j0: i32, j1: i32): void {
  const ldb = tb ? k : n;
  const nPad = ((n + NR - 1) / NR) * NR;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    packB(b, ldb, tb, pc, kc, j0, j1 - j0, dst + (<usize>(pc * nPad + j0 * kc) << 2));
  }
}

/**
 * C[i0 .. i1) × [j0 .. j1) (C m×n row-major, written) = op(A)·op(B) with op(A) m×k (`ta`: A
 * stored k×m) and op(B) k×n packed by `gemmPackB` at pb (at least columns
 * [j0, j1), j0 a multiple of NR). Each C element is ((0 + A[i][0]·B[0][j]) + A[i][1]·B[1][j]) + …
 * in increasing k whatever the block, so a product split by rows or columns over threads, or not
 * at all, has the same bits. op(A) is packed once per MC×KC block (into `ws`, gemmWorkspace()
 * bytes, this thread's own), so row blocks repack nothing; requires m, n, k ≥ 1.
 */
export function gemmBlock(a: usize, pb: usize, c: usize, m: i32, n: i32, k: i32, ta: bool, ws: usize, i0: i32, i1: i32, j0: i32, j1: i32): void {
  const lda = ta ? m : k;
  const nPad = ((n + NR - 1) / NR) * NR;
  const packedA = ws;
  const tile = ws + (<usize>(MC * KC) << 2);
  for (let ic = i0; ic < i1; ic += MC) {
    const mc = min(MC, i1 - ic);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0;
      packA(a, lda, ta, ic, mc, pc, kc, packedA);
      const block = pb + (<usize>(pc * nPad) << 2);
      for (let jr = j0; jr < j1; jr += NR) {
        const cols = min(NR, j1 - jr);
        const pbp = block + (<usize>(jr * kc) << 2);
        for (let ir = 0; ir < mc; ir += MR) {
          const rows = min(MR, mc - ir);
          const pa = packedA + (<usize>(ir * kc) << 2);
          const cp = c + (<usize>((ic + ir) * n + jr) << 2);
          if (rows == MR && cols == NR) {
            micro(pa, pbp, kc, cp, n, first);
          } else {
            // Edge tile: through a full-size scratch tile, copying only the valid part.
            if (!first) {
              for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) store<f32>(tile + (<usize>(r * NR + q) << 2), load<f32>(cp + (<usize>(r * n + q) << 2)));
            }
            micro(pa, pbp, kc, tile, NR, first);
            for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) store<f32>(cp + (<usize>(r * n + q) << 2), load<f32>(tile + (<usize>(r * NR + q) << 2)));
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- elementwise

// Binary ops: 0 add, 1 sub, 2 mul, 3 div, 4 maximum, 5 minimum, 6 squared difference (scalar,
// in float64: see sbin).
// @ts-ignore: decorator
@inline
function vbin(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case 0: return f32x4.add(x, y);
    case 1: return f32x4.sub(x, y);
    case 2: return f32x4.mul(x, y);
    case 3: return f32x4.div(x, y);
    case 4: return f32x4.max(x, y);
    default: return f32x4.min(x, y);
  }
}

// @ts-ignore: decorator
@inline
function sbin(op: i32, x: f32, y: f32): f32 {
  switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 4: return max(x, y);
    case 5: return min(x, y);
    default: {
      // In float64, rounded once, as the reference computes it ((x − y) rounded to float32
      // first would differ in the last bit).
      const d = <f64>x - <f64>y;
      return <f32>(d * d);
    }
  }
}

// Operand kinds for a [rows × inner] output: 0 full (its own value everywhere), 1 a row
// repeated on every row (inner values), 2 a scalar, 3 a column (one value per row).

/** out[r][i] = a(r, i) ∘ b(r, i) over rows × inner (see the operand kinds above). */
export function binary(op: i32, a: usize, ak: i32, b: usize, bk: i32, out: usize, rows: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let r = 0; r < rows; r++) {
    const pa = ak == 0 ? a + <usize>r * rowBytes : ak == 1 ? a : ak == 2 ? a : a + (<usize>r << 2);
    const pb = bk == 0 ? b + <usize>r * rowBytes : bk == 1 ? b : bk == 2 ? b : b + (<usize>r << 2);
    const po = out + <usize>r * rowBytes;
    const aSplat = ak >= 2;
    const bSplat = bk >= 2;
    let i = 0;
    if (op == 6) {
      for (; i < inner; i++) store<f32>(po + (<usize>i << 2), sbin(op, load<f32>(pa + (<usize>(aSplat ? 0 : i) << 2)), load<f32>(pb + (<usize>(bSplat ? 0 : i) << 2))));
      continue;
    }
    if (aSplat) {
      const xs = load<f32>(pa);
      const x = f32x4.splat(xs);
      for (; i + 4 <= inner; i += 4) v128.store(po + (<usize>i << 2), vbin(op, x, v128.load(pb + (<usize>i << 2))));
      for (; i < inner; i++) store<f32>(po + (<usize>i << 2), sbin(op, xs, load<f32>(pb + (<usize>(bSplat ? 0 : i) << 2))));
    } else if (bSplat) {
      const ys = load<f32>(pb);
      const y = f32x4.splat(ys);
      for (; i + 4 <= inner; i += 4) v128.store(po + (<usize>i << 2), vbin(op, v128.load(pa + (<usize>i << 2)), y));
      for (; i < inner; i++) store<f32>(po + (<usize>i << 2), sbin(op, load<f32>(pa + (<usize>i << 2)), ys));
    } else {
      for (; i + 4 <= inner; i += 4) {
        v128.store(po + (<usize>i << 2), vbin(op, v128.load(pa + (<usize>i << 2)), v128.load(pb + (<usize>i << 2))));
      }
      for (; i < inner; i++) store<f32>(po + (<usize>i << 2), sbin(op, load<f32>(pa + (<usize>i << 2)), load<f32>(pb + (<usize>i << 2))));
    }
  }
}

// Comparisons: 0 >, 1 ≥, 2 <, 3 ≤, 4 ==, 5 ≠ (NaN compares false except ≠). Output: bytes 0/1.
// @ts-ignore: decorator
@inline
function scmp(op: i32, x: f32, y: f32): u8 {
  switch (op) {
    case 0: return <u8>(x > y);
    case 1: return <u8>(x >= y);
    case 2: return <u8>(x < y);
    case 3: return <u8>(x <= y);
    case 4: return <u8>(x == y);
    default: return <u8>(x != y);
  }
}

export function compare(op: i32, a: usize, ak: i32, b: usize, bk: i32, out: usize, rows: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let r = 0; r < rows; r++) {
    const pa = ak == 0 ? a + <usize>r * rowBytes : ak == 3 ? a + (<usize>r << 2) : a;
    const pb = bk == 0 ? b + <usize>r * rowBytes : bk == 3 ? b + (<usize>r << 2) : b;
    const sa: usize = ak >= 2 ? 0 : 4;
    const sb: usize = bk >= 2 ? 0 : 4;
    const po = out + <usize>r * <usize>inner;
    for (let i = 0; i < inner; i++) store<u8>(po + <usize>i, scmp(op, load<f32>(pa + <usize>i * sa), load<f32>(pb + <usize>i * sb)));
  }
}

// Unary ops: 0 relu (max(x, 0): NaN stays NaN, −0 → +0, as the reference), 1 neg, 2 abs,
// 3 sqrt, 4 square.
export function unary(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  const zero = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    let r: v128;
    switch (op) {
      case 0: r = f32x4.max(v, zero); break;
      case 1: r = f32x4.neg(v); break;
      case 2: r = f32x4.abs(v); break;
      case 3: r = f32x4.sqrt(v); break;
      default: r = f32x4.mul(v, v);
    }
    v128.store(out + (<usize>i << 2), r);
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    let r: f32;
    switch (op) {
      case 0: r = max(v, <f32>0); break;
      case 1: r = -v; break;
      case 2: r = abs(v); break;
      case 3: r = sqrt(v); break;
      default: r = v * v;
    }
    store<f32>(out + (<usize>i << 2), r);
  }
}

/** out = c ? t : e; t and e are full (n values) or scalars (`tScalar`, `eScalar`); c bytes. */
export function select(c: usize, t: usize, tScalar: bool, e: usize, eScalar: bool, out: usize, n: i32): void {
  const st: usize = tScalar ? 0 : 4;
  const se: usize = eScalar ? 0 : 4;
  for (let i = 0; i < n; i++) {
    const v = load<u8>(c + <usize>i) != 0 ? load<f32>(t + <usize>i * st) : load<f32>(e + <usize>i * se);
    store<f32>(out + (<usize>i << 2), v);
  }
}

/**
 * out[o][j] = (Σ_q x[o][q][j]) / div for x of shape [outer, mid, inner], accumulated in float64
 * in increasing q, divided in float64 (div 1: a sum, div mid: a mean) and rounded once. `acc`:
 * inner float64 scratch.
 */
export function sum(x: usize, out: usize, outer: i32, mid: i32, inner: i32, acc: usize, div: f64): void {
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>o * <usize>mid * <usize>inner << 2);
    if (inner == 1) {
      let s: f64 = 0;
      for (let q = 0; q < mid; q++) s += <f64>load<f32>(base + (<usize>q << 2));
      store<f32>(out + (<usize>o << 2), <f32>(s / div));
      continue;
    }
    memory.fill(acc, 0, <usize>inner << 3);
    for (let q = 0; q < mid; q++) {
      const row = base + (<usize>q * <usize>inner << 2);
      let j = 0;
      for (; j + 2 <= inner; j += 2) {
        const p = acc + (<usize>j << 3);
        v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>j << 2)))));
      }
      for (; j < inner; j++) {
        const p = acc + (<usize>j << 3);
        store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>j << 2)));
      }
    }
    const po = out + (<usize>o * <usize>inner << 2);
    for (let j = 0; j < inner; j++) store<f32>(po + (<usize>j << 2), <f32>(load<f64>(acc + (<usize>j << 3)) / div));
  }
}

// ---------------------------------------------------------------- fused kernels
// The float32 operations of the op-by-op compositions (src/ops/dropout.ts, src/optimizers/*),
// in the same order, each rounded to float32: bit-identical to the unfused ops and to the
// native backend's fused kernels (native/src/fused.h).

/**
 * Philox-4x32-10 dropout (src/random/philox.ts): word i of stream (k0, k1, [sLo, sHi]) comes
 * from block counter [i/4, 0, sLo, sHi]; mask_i = (word_i >> 9)·2⁻²³ ≥ rate (float64) ? 1 : 0,
 * y_i = (x_i · scale) · mask_i in float32.
 */
export function dropout(x: usize, y: usize, mask: usize, n: i32, k0: u32, k1: u32, sLo: u32, sHi: u32, rate: f64, scale: f32): void {
  const blocks = (n + 3) >> 2;
  for (let b = 0; b < blocks; b++) {
    let c0 = <u32>b;
    let c1: u32 = 0;
    let c2 = sLo;
    let c3 = sHi;
    let q0 = k0;
    let q1 = k1;
    for (let r = 0; r < 10; r++) {
      const p0 = <u64>0xd2511f53 * <u64>c0;
      const p1 = <u64>0xcd9e8d57 * <u64>c2;
      const n0 = <u32>(p1 >> 32) ^ c1 ^ q0;
      const n2 = <u32>(p0 >> 32) ^ c3 ^ q1;
      c1 = <u32>p1;
      c3 = <u32>p0;
      c0 = n0;
      c2 = n2;
      q0 += 0x9e3779b9;
      q1 += 0xbb67ae85;
    }
    const i0 = b << 2;
    for (let j = 0; j < 4 && i0 + j < n; j++) {
      const w = j == 0 ? c0 : j == 1 ? c1 : j == 2 ? c2 : c3;
      const keep: f32 = <f64>(w >>> 9) * 1.1920928955078125e-7 >= rate ? 1 : 0;
      const o = <usize>(i0 + j) << 2;
      store<f32>(mask + o, keep);
      store<f32>(y + o, (load<f32>(x + o) * scale) * keep);
    }
  }
}

/**
 * Adam (amsgrad off), c1 = 1 − β₁, c2 = 1 − β₂, a = α_t, e = ε, all float32:
 *   m' = m + (g − m)·c1;  v' = v + (g·g − v)·c2;  x' = x − (m'·a)/(√v' + e)
 */
export function adam(n: i32, g: usize, x: usize, m: usize, v: usize, ox: usize, om: usize, ov: usize, c1: f32, c2: f32, a: f32, e: f32): void {
  const C1 = f32x4.splat(c1), C2 = f32x4.splat(c2), A = f32x4.splat(a), E = f32x4.splat(e);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const G = v128.load(g + o);
    const M = v128.load(m + o);
    const V = v128.load(v + o);
    const M2 = f32x4.add(M, f32x4.mul(f32x4.sub(G, M), C1));
    const V2 = f32x4.add(V, f32x4.mul(f32x4.sub(f32x4.mul(G, G), V), C2));
    v128.store(om + o, M2);
    v128.store(ov + o, V2);
    v128.store(ox + o, f32x4.sub(v128.load(x + o), f32x4.div(f32x4.mul(M2, A), f32x4.add(f32x4.sqrt(V2), E))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const G = load<f32>(g + o);
    const M = load<f32>(m + o);
    const V = load<f32>(v + o);
    const M2 = M + (G - M) * c1;
    const V2 = V + (G * G - V) * c2;
    store<f32>(om + o, M2);
    store<f32>(ov + o, V2);
    store<f32>(ox + o, load<f32>(x + o) - (M2 * a) / (sqrt<f32>(V2) + e));
  }
}

/**
 * SGD, kind 0 plain: x' = x − g·lr; 1 momentum: m' = m·mu − g·lr, x' = x + m';
 * 2 nesterov: m' = m·mu − g·lr, x' = x + (m'·mu − g·lr).
 */
export function sgd(n: i32, kind: i32, g: usize, x: usize, m: usize, ox: usize, om: usize, lr: f32, mu: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const G = load<f32>(g + o);
    const X = load<f32>(x + o);
    if (kind == 0) {
      store<f32>(ox + o, X - G * lr);
      continue;
    }
    const M2 = load<f32>(m + o) * mu - G * lr;
    store<f32>(om + o, M2);
    store<f32>(ox + o, kind == 1 ? X + M2 : X + (M2 * mu - G * lr));
  }
}

/**
 * RMSprop: vel' = vel·r + (g·g)·c; centered: mg' = mg·r + g·c, den = (vel' − mg'·mg') + e, else
 * den = vel' + e; inc = (g·lr)/√den; momentum: mo' = mo·mom + inc, x' = x − mo', else x' = x − inc.
 */
export function rmsprop(n: i32, g: usize, x: usize, vel: usize, mg: usize, mo: usize, ox: usize, ovel: usize, omg: usize, omo: usize,
  r: f32, c: f32, lr: f32, e: f32, centered: bool, momentum: bool, mom: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const G = load<f32>(g + o);
    const V2 = load<f32>(vel + o) * r + (G * G) * c;
    store<f32>(ovel + o, V2);
    let den: f32;
    if (centered) {
      const MG2 = load<f32>(mg + o) * r + G * c;
      store<f32>(omg + o, MG2);
      den = (V2 - MG2 * MG2) + e;
    } else {
      den = V2 + e;
    }
    const inc = (G * lr) / sqrt<f32>(den);
    if (momentum) {
      const MO2 = load<f32>(mo + o) * mom + inc;
      store<f32>(omo + o, MO2);
      store<f32>(ox + o, load<f32>(x + o) - MO2);
    } else {
      store<f32>(ox + o, load<f32>(x + o) - inc);
    }
  }
}
