/*
 * Runtime ISA dispatch. Every kernel whose code depends on the vector width lives in a
 * per-ISA translation unit (isa_generic.cc; isa_avx2.cc built with -mavx2 -mfma; isa_avx512.cc
 * built with -mavx512f/bw/dq/vl), each in its own namespace, and is reached through the table
 * of function pointers below. The table is chosen once at load from CPUID:
 *   AVX-512F+BW+DQ+VL (and the OS saving the zmm state) → "avx512"
 *   else AVX2+FMA → "avx2"
 *   else → "generic" (GCC/Clang vector extensions: SSE2 on x86-64, NEON on ARM64)
 * and may be forced by the environment variable IDEM_ISA=avx2|avx512|generic|avx512emu (read
 * at load; a path the CPU lacks is refused with a warning and the automatic choice stays) or at
 * run time by set_isa() (addon.setIsa, for tests and benchmarks).
 *
 * "avx512emu" is the AVX-512 path's logic — its GEMM tile (14×32), packing widths, blocking and
 * tail handling — run with pairs of 256-bit AVX2 FMAs (Vec16e in simd.h), lane for lane the same
 * operations as the real 512-bit code. It exists so that machines without AVX-512 (this
 * project's development machine) test everything the 512-bit path does except the instruction
 * encoding; it is never chosen automatically.
 *
 * Bits: the GEMM (and everything built on it: Conv2D and its gradients, _FusedMatMul) sums each
 * output in k blocks of KC = 256, in order, each block from 0 with one FMA per term, then adds the
 * blocks in order. The tile shape (MR×NR), the blocking of m and n and the thread split do not
 * enter that order, so avx2, avx512 and avx512emu give the same bits. "generic" multiplies and
 * adds separately (no FMA in baseline x86-64), so its GEMM results differ from theirs by float32
 * rounding. Every other kernel in the table computes each output with the same scalar operations
 * on every path (vectorised across outputs only, -ffp-contract=off), so all four paths agree bit
 * for bit there.
 *
 * ODR: the per-ISA units must not instantiate templates or inline functions shared with other
 * units (std:: containers, std::function, ...): the linker keeps one copy of such a function
 * and could pick the one compiled for AVX-512. They use C functions and their own namespace only;
 * test/native_isa.test.ts checks their object files for weak symbols.
 */
#pragma once
#include <cstddef>
#include <cstdint>

#include "conv.h"

namespace idem {

/* The k block of every GEMM path: part of the bit contract (see above). */
constexpr long KC = 256;

/* The AVX-512 tile (shared by "avx512" and "avx512emu"): 14 rows × 2 vectors of 16 floats. */
#define IDEM_AVX512_MR 14
#define IDEM_AVX512_MC 140

/*
 * Elementwise epilogue applied to a finished block of C (after its last k block), per element
 * y = C[i, j], each step one float32 operation in this order (the composition's order):
 *   bias:      y = y + bias[j]
 *   mean/inv:  y = (y − mean[j]) · inv[j]      (inference batch norm; inv = rsqrt(var + ε)·γ)
 *   beta:      y = y + beta[j]
 *   residual:  y = y + residual[i·ldr + j]
 *   relu:      y = y > 0 or NaN ? y : +0
 * Any pointer may be null (step skipped). Plain aggregates (no inline members: see ODR above);
 * value-initialise them ({}).
 */
struct Epilogue {
  const float* bias;
  const float* mean;
  const float* inv;
  const float* beta;
  const float* residual;
  long ldr;
  bool relu;
};

/*
 * The left operand op(A) of a GEMM, read by the packing routine:
 *   kStrided  A(i, l) = p[i·rs + l·cs]
 *   kConv     an implicit im2col matrix: row i = pixel (b, ry, rx) of a rowsH×rowsW grid, column
 *             l = (ky, kx, c) with c < C; A(i, l) = src[b, sy, sx, c] (src NHWC, srcH×srcW×C)
 *             where sy = ry·sy_r + ky·sy_k + sy_0, sx = rx·sx_r + kx·sx_k + sx_0, or 0 when
 *             (sy, sx) is outside src. Conv2D: rows = output pixels, src = x,
 *             (sy_r, sy_k, sy_0) = (sh, dh, −top); the input gradient at stride 1: rows = input
 *             pixels, src = dy, (1, −dh, top).
 *   kConvT    the transpose of a kConv matrix (rows (ky, kx, c), columns pixels): the filter
 *             gradient's colᵀ.
 */
struct ASource {
  enum Kind { kStrided = 0, kConv = 1, kConvT = 2 };
  int kind;
  const float* p;
  long rs, cs;
  // kConv / kConvT
  long rowsH, rowsW, srcH, srcW, C, fh, fw;
  long sy_r, sy_k, sy_0, sx_r, sx_k, sx_0;
};

/* The table of one ISA path. */
struct IsaKernels {
  const char* name;
  int mr, nr;  // GEMM micro-tile
  int mc;      // rows of A per packed block

  /* C = op(A)·op(B), single-threaded (the whole GEMM; see gemm.h for the layout and order). */
  void (*sgemm)(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB, float* C,
                long ldc);
  /*
   * Rows [i0, i1) × columns [j0, j1) of C = A·B (+ epilogue), single-threaded, with A read through
   * `a` and B = the K×N matrix B[l·rsB + j·csB]; the same order as sgemm. ep may be null.
   */
  void (*gemm_src)(const ASource& a, long i0, long i1, const float* B, long rsB, long csB, long j0, long j1, long K,
                   float* C, long ldc, const Epilogue* ep);
  /*
   * Packs NR-column panels [p0, p1) of the K×N matrix B(l, j) = B[(l / T)·tapStride + (l % T)·rs
   * + j·cs] (T = K, tapStride = 0: a plain strided matrix) for gemm_packed, into
   * ceil(N/nr)·nr·K floats: each k block of KC rows after the other (block at k0 starts at
   * Bp + k0·Npad, panel p at + p·nr·kc).
   */
  void (*pack_b_full)(long K, long N, const float* B, long rs, long cs, long T, long tapStride, long p0, long p1, float* Bp);
  /* As gemm_src with B prepacked by pack_b_full (j0, j1 multiples of nr, or j1 = N). */
  void (*gemm_packed)(const ASource& a, long i0, long i1, const float* Bp, long N, long j0, long j1, long K, float* C,
                      long ldc, const Epilogue* ep);
  /* The epilogue alone on rows [i0, i1) × columns [j0, j1) of C. */
  void (*epilogue)(const Epilogue& ep, float* C, long ldc, long i0, long i1, long j0, long j1);

  // Loop kernels (loops_tpl.h), single-threaded on the range they are given; the callers
  // (elementwise.cc, norm.cc, pool2d.cc, kernel_fused.cc) split the work and state the contracts.
  void (*binary)(int op, int mode, const float* a, const float* b, float* out, size_t n, size_t inner);
  void (*compare)(int op, int mode, const float* a, const float* b, uint8_t* out, size_t n, size_t inner);
  void (*relu)(const float* x, float* out, size_t n);
  void (*relu_grad)(const float* dy, const float* y, float* out, size_t n);
  void (*select)(const uint8_t* cond, const float* t, bool t_scalar, const float* e, bool e_scalar, float* out, size_t n);
  void (*sum)(const float* x, float* out, long mid, long inner, long o0, long o1, long j0, long j1, bool mean);
  void (*bn_fwd_stats)(const float* x, const float* scale, long M, long C, long c0, long c1, float eps, float* mean,
                       float* var, float* s);
  void (*bn_fwd_apply)(const float* x, const float* mean, const float* s, const float* offset, float* y, long C, long r0,
                       long r1);
  void (*bn_bwd_stats)(const float* dy, const float* x, const float* scale, bool has_offset, const float* mean,
                       const float* var, const float* dmean, const float* dvar, long M, long C, long c0, long c1,
                       float eps, float* s, float* dsq, float* dx3, float* dscale, float* doffset);
  void (*bn_bwd_apply)(const float* dy, const float* x, const float* mean, const float* s, const float* dsq,
                       const float* dx3, float* dx, long C, long r0, long r1);
  void (*max_pool)(const ConvGeo& g, const float* x, float* y, long r0, long r1);
  void (*dw_forward)(const ConvGeo& g, long mult, const float* x, const float* w, float* y, long b, double* acc);
  void (*dw_backprop_input)(const ConvGeo& g, long mult, const float* dy, const float* w, float* dx, long b, double* acc);
  void (*dw_backprop_filter)(const ConvGeo& g, long mult, const float* x, const float* dy, double* acc, long c0, long c1);
  void (*avg_pool)(const ConvGeo& g, const float* x, float* y, long r0, long r1, double* acc);
  void (*adam)(size_t n, const float* g, const float* x, const float* m0, const float* v0, float* ox, float* om, float* ov,
               float c1, float c2, float a, float e);
  void (*sgd)(int kind, size_t n, const float* g, const float* x, const float* m0, float* ox, float* om, float lr, float mu);
  void (*rmsprop)(size_t n, const float* g, const float* x, const float* vel0, const float* mg0, const float* mo0,
                  float* ox, float* ovel, float* omg, float* omo, float r, float c, float lr, float e, float mom);
  void (*dropout)(const uint32_t* w, const float* x, float* y, float* mask, size_t n, uint32_t threshold, float scale);
  void (*bias_act)(float* out, const float* bias, long n, long r0, long r1, int act);
};

const IsaKernels& isa();
/* "auto", "generic", "avx2", "avx512", "avx512emu": false (no change) if unknown or unsupported here. */
bool set_isa(const char* name);
/* Whether this CPU (and build) can run the path. */
bool isa_supported(const char* name);
/* The automatic choice for this CPU. */
const char* isa_auto_name();

// Per-unit tables (null when the unit was not built for this target).
const IsaKernels* isa_generic_table();
const IsaKernels* isa_avx2_table();
const IsaKernels* isa_avx512emu_table();
const IsaKernels* isa_avx512_table();

}  // namespace idem
