/**
 * Loads the native addon `native/build/Release/idem_native.node` (built by `npm install`, see
 * native/build.mjs). Returns null, never throws, when it is missing or cannot load (no
 * compiler at install time, another platform): idem then runs on its JavaScript backends.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's functions (see native/src/addon.cc). */
export interface NativeAddon {
  /**
   * out[p] = op(a[ba == 1 ? 0 : p]) · op(b[bb == 1 ? 0 : p]) for p < batch, in float32;
   * a: [ba, m, k] ([ba, k, m] if transposeA), b: [bb, k, n] ([bb, n, k] if transposeB), out: [batch, m, n].
   */
  batchMatMul(
    a: Float32Array, b: Float32Array, out: Float32Array,
    batch: number, ba: number, bb: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean,
  ): void;
  /**
   * out[p] = a ∘ b (op 0 +, 1 −, 2 ×, 3 ÷) in float32. mode: 0 same size, 1 b scalar,
   * 2 a scalar, 3 b a row of `inner` repeated, 4 a a row of `inner` repeated, 5 b a column
   * (one value per row of `inner`), 6 a a column.
   */
  binary(op: number, mode: number, inner: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out[p] = a ⋚ b (op 0 >, 1 >=, 2 <, 3 <=) as 0/1; modes as in `binary`. */
  compare(op: number, mode: number, inner: number, a: Float32Array, b: Float32Array, out: Uint8Array): void;
  /** out = x > 0 ? x : (NaN stays NaN) 0. */
  relu(x: Float32Array, out: Float32Array): void;
  /** out = cond ? t : e; t and e each the size of cond or of size 1. */
  select(cond: Uint8Array, t: Float32Array, e: Float32Array, out: Float32Array): void;
  /**
   * x as [outer, mid, inner]: out[o, j] = Σ_m x[o, m, j], float64 accumulator in increasing m;
   * mean: divided by mid in float64 before the one rounding.
   */
  sum(x: Float32Array, out: Float32Array, outer: number, mid: number, inner: number, mean?: boolean): void;
  /**
   * isa: the ISA path now used ('avx512' | 'avx2' | 'avx512emu' | 'generic', see
   * native/src/isa.h; `kernel` is the same name); isaAuto: the one CPUID picks; isas: the paths
   * this CPU can run; threads: the pool's thread count.
   */
  info(): { kernel: NativeIsa; isa: NativeIsa; isaAuto: NativeIsa; isas: NativeIsa[]; avx2fma: boolean; avx512: boolean; threads: number };
  /**
   * Switches the ISA path ('auto': CPUID's choice); false, and no change, when this CPU cannot
   * run it. Every path gives the same bits except 'generic' (no FMA) for the GEMM family.
   */
  setIsa(which: 'auto' | NativeIsa): boolean;
  /**
   * GEMM threads (n <= 0: the default, the number of cores or IDEM_NUM_THREADS); returns the
   * count now used. Results are bit-identical whatever the count (column slices of C).
   */
  setNumThreads(n: number): number;
  /** Legacy: 'auto' | 'generic' | 'avx2' as setIsa; or how large products split over threads ('split-*', benchmarks). */
  setKernel(which: 'auto' | 'generic' | 'avx2' | 'split-auto' | 'split-columns' | 'split-rows'): boolean;
}

/** The native ISA paths (native/src/isa.h). */
export type NativeIsa = 'avx512' | 'avx2' | 'avx512emu' | 'generic';

let cached: NativeAddon | null | undefined;
let loadError: string | null = null;

/** The addon, or null if it is not built or does not load here. */
export function loadNativeAddon(): NativeAddon | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const require = createRequire(import.meta.url);
    // src/backends/native/ (or dist/backends/native/) → <package root>/native/build/Release/
    const path = new URL('../../../native/build/Release/idem_native.node', import.meta.url);
    cached = require(fileURLToPath(path)) as NativeAddon;
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
  }
  return cached;
}

/** Why the addon did not load (null if it loaded or was not tried). */
export function nativeLoadError(): string | null {
  return loadError;
}
