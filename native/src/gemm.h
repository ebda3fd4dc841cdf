/*
 * idem native GEMM: C = op(A) · op(B) in float32, single precision accumulation.
 *
 * Layout: op(A) is m×k with element (i, l) at A[i*rsA + l*csA]; op(B) is k×n with element
 * (l, j) at B[l*rsB + j*csB]; C is m×n row-major with row stride ldc. Transposes are just
 * strides, handled by the packing routines, so A·Bᵀ and Aᵀ·B run the same micro-kernel as A·B.
 *
 * Determinism: C[i, j] = Σ over k-blocks (in order) of (Σ_{l in block, in order} a_il·b_lj),
 * the inner sum in one register lane starting from 0. The order never depends on threading or
 * on the tile position; it does depend on the micro-kernel chosen (FMA vs separate mul+add).
 */
#pragma once
#include <cstddef>

namespace idem {

constexpr int MR = 6;   // micro-tile rows
constexpr int NR = 16;  // micro-tile columns (two AVX2 vectors)
constexpr int KC = 256; // k block (packed panels of A and B fit L1/L2)
constexpr int MC = 144; // m block (A block MC×KC ≈ 144 KiB, L2)
constexpr int NC = 4096;// n block (B block KC×NC, L3)

/*
 * Micro-kernel: acc[i][j] = Σ_{l<kc} a[l*MR + i] · b[l*NR + j] (a, b packed and zero padded);
 * writes the top-left mr×nr corner to c (row stride ldc): c = acc, or c += acc if accumulate.
 */
typedef void (*MicroKernel)(int kc, const float* a, const float* b, float* c, long ldc, int mr, int nr,
                            bool accumulate);

void microkernel_generic(int kc, const float* a, const float* b, float* c, long ldc, int mr, int nr,
                         bool accumulate);
#if defined(__x86_64__) || defined(__i386__)
void microkernel_avx2(int kc, const float* a, const float* b, float* c, long ldc, int mr, int nr,
                      bool accumulate);
#endif

/* Kernel selection: 0 = auto (AVX2+FMA when the CPU has both), 1 = generic, 2 = avx2 (if supported). */
bool set_kernel(int which);
/* How sgemm_mt splits a product over threads: 0 auto (rows when m >= n or m >= 128, else columns), 1 columns, 2 rows. */
bool set_gemm_split(int which);
const char* kernel_name();
bool cpu_has_avx2_fma();

/*
 * sgemm over column slices of C (multiples of NR) on the thread pool (pool.h) when the product
 * is large enough. Each output element is computed by exactly one thread with the same k blocking and
 * order as sgemm, so results are bit-identical whatever the thread count.
 */
void sgemm_mt(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB,
              float* C, long ldc);

void sgemm(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB,
           float* C, long ldc);

}  // namespace idem
