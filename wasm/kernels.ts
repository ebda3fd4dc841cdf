// idem's WebAssembly SIMD128 kernels, in AssemblyScript (compiled by `npm run build:wasm` into
// src/backends/wasm/kernels_wasm.ts). Every kernel works on raw pointers into the module's
// memory; the JS side (src/backends/wasm/backend.ts) copies inputs in and results out.
//
// Order of operations (what makes results comparable across backends):
// - gemm: each C[i][j] = ((0 + A[i][0]·B[0][j]) + A[i][1]·B[1][j]) + … in increasing k, every
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
const NC: i32 = 256; // columns of a packed B block

/** Bytes of workspace `gemm` needs. */
export function gemmWorkspace(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

/**
 * Packs A[i0 .. i0+mc) × [p0 .. p0+kc) into row panels of MR: dst[panel][p][r], zero-padded.
 * A(i, p) = ta ? a[p·lda + i] : a[i·lda + p].
 */
function packA(a: usize, lda: i32, ta: bool, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        let v: f32 = 0;
        if (r < rows) {
          const i = i0 + ir + r;
          const q = p0 + p;
          v = ta ? load<f32>(a + (<usize>(q * lda + i) << 2)) : load<f32>(a + (<usize>(i * lda + q) << 2));
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
  for (let p = 0; p < kc; p++) {
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

/**
 * C (m×n, row-major, written) = op(A)·op(B) with op(A) m×k and op(B) k×n; `ta`: A is stored
 * k×m, `tb`: B is stored n×k. `ws`: gemmWorkspace() bytes. Requires m, n, k ≥ 1.
 * Columns [n0, n1) only (a caller splitting C's columns over workers passes its slice).
 */
export function gemm(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, ta: bool, tb: bool, ws: usize, n0: i32, n1: i32): void {
  const lda = ta ? m : k;
  const ldb = tb ? k : n;
  const packedA = ws;
  const packedB = ws + (<usize>(MC * KC) << 2);
  const tile = packedB + (<usize>(KC * NC) << 2);
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min(NC, n1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0;
      packB(b, ldb, tb, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a, lda, ta, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const pb = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const pa = packedA + (<usize>(ir * kc) << 2);
            const cp = c + (<usize>((ic + ir) * n + jc + jr) << 2);
            if (rows == MR && cols == NR) {
              micro(pa, pb, kc, cp, n, first);
            } else {
              // Edge tile: through a full-size scratch tile, copying only the valid part.
              if (!first) {
                for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) store<f32>(tile + (<usize>(r * NR + q) << 2), load<f32>(cp + (<usize>(r * n + q) << 2)));
              }
              micro(pa, pb, kc, tile, NR, first);
              for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) store<f32>(cp + (<usize>(r * n + q) << 2), load<f32>(tile + (<usize>(r * NR + q) << 2)));
            }
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
 * out[o][j] = Σ_q x[o][q][j] for x of shape [outer, mid, inner], accumulated in float64 in
 * increasing q and rounded once. `acc`: inner float64 scratch.
 */
export function sum(x: usize, out: usize, outer: i32, mid: i32, inner: i32, acc: usize): void {
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>o * <usize>mid * <usize>inner << 2);
    if (inner == 1) {
      let s: f64 = 0;
      for (let q = 0; q < mid; q++) s += <f64>load<f32>(base + (<usize>q << 2));
      store<f32>(out + (<usize>o << 2), <f32>s);
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
    for (let j = 0; j < inner; j++) store<f32>(po + (<usize>j << 2), <f32>load<f64>(acc + (<usize>j << 3)));
  }
}
