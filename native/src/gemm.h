/*
 * idem native GEMM: C = op(A) · op(B) in float32, single precision accumulation.
 *
 * Layout: op(A) is m×k with element (i, l) at A[i*rsA + l*csA]; op(B) is k×n with element
 * (l, j) at B[l*rsB + j*csB]; C is m×n row-major with row stride ldc. Transposes are just
 * strides, handled by the packing routines, so A·Bᵀ and Aᵀ·B run the same micro-kernel as A·B.
 *
 * The code is the current ISA path's (isa.h: avx512, avx2, avx512emu or generic, chosen by CPUID
 * or IDEM_ISA), written once in gemm_tpl.h.
 * Determinism: C[i, j] = Σ over k-blocks of KC = 256 (in order) of (Σ_{l in block, in order}
 * a_il·b_lj), the inner sum in one register lane starting from 0. The order never depends on
 * threading, on the tile position or on the tile shape; it does depend on the path's arithmetic
 * (FMA on avx2/avx512/avx512emu — identical bits — vs a multiply then an add on generic).
 */
#pragma once
#include <cstddef>

#include "isa.h"

namespace idem {

/* Legacy selection (addon.setKernel): 0 = auto, 1 = generic, 2 = avx2 (if supported). */
bool set_kernel(int which);
/* How sgemm_mt splits a product over threads: 0 auto (rows when m >= n or m >= 128, else columns), 1 columns, 2 rows. */
bool set_gemm_split(int which);
const char* kernel_name();
bool cpu_has_avx2_fma();

/*
 * sgemm over row or column slices of C (multiples of the path's MR / NR) on the thread pool
 * (pool.h) when the product is large enough. Each output element is computed by exactly one
 * thread with the same k blocking and order as sgemm, so results are bit-identical whatever the
 * thread count.
 */
void sgemm_mt(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB,
              float* C, long ldc);

void sgemm(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB,
           float* C, long ldc);

}  // namespace idem
