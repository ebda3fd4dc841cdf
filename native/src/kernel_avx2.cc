/*
 * AVX2 + FMA micro-kernel, compiled alone with -mavx2 -mfma and called only when the CPU
 * reports both (runtime dispatch in gemm.cc). A 6×16 tile lives in 12 ymm accumulators; per l:
 * two 8-wide loads of packed B, six broadcasts of packed A, twelve FMAs:
 *   acc[i][j] = fma(a_il, b_lj, acc[i][j]).
 * The C tile's cache lines are prefetched before the k loop.
 */
#include "gemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace idem {

void microkernel_avx2(int kc, const float* a, const float* b, float* c, long ldc, int mr, int nr,
                      bool accumulate) {
  // C's tile is read (accumulate) or written only after the k loop; when C is larger than the L2
  // cache its lines would then come from L3 one miss after another (6 rows a row stride apart).
  // Requested now, they arrive during the loop: single thread n = 1024 77 → 91 GFLOP/s, 2048
  // 79 → 94 (C++ driver, same bits: a prefetch changes no value).
  for (int i = 0; i < mr; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + nr - 1), _MM_HINT_T0);
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

#define IDEM_STEP(L)                                              \
  {                                                               \
    const __m256 b0 = _mm256_load_ps(b + (L) * NR);               \
    const __m256 b1 = _mm256_load_ps(b + (L) * NR + 8);           \
    __m256 av = _mm256_broadcast_ss(a + (L) * MR + 0);            \
    c00 = _mm256_fmadd_ps(av, b0, c00);                           \
    c01 = _mm256_fmadd_ps(av, b1, c01);                           \
    av = _mm256_broadcast_ss(a + (L) * MR + 1);                   \
    c10 = _mm256_fmadd_ps(av, b0, c10);                           \
    c11 = _mm256_fmadd_ps(av, b1, c11);                           \
    av = _mm256_broadcast_ss(a + (L) * MR + 2);                   \
    c20 = _mm256_fmadd_ps(av, b0, c20);                           \
    c21 = _mm256_fmadd_ps(av, b1, c21);                           \
    av = _mm256_broadcast_ss(a + (L) * MR + 3);                   \
    c30 = _mm256_fmadd_ps(av, b0, c30);                           \
    c31 = _mm256_fmadd_ps(av, b1, c31);                           \
    av = _mm256_broadcast_ss(a + (L) * MR + 4);                   \
    c40 = _mm256_fmadd_ps(av, b0, c40);                           \
    c41 = _mm256_fmadd_ps(av, b1, c41);                           \
    av = _mm256_broadcast_ss(a + (L) * MR + 5);                   \
    c50 = _mm256_fmadd_ps(av, b0, c50);                           \
    c51 = _mm256_fmadd_ps(av, b1, c51);                           \
  }

  int l = 0;
  for (; l + 4 <= kc; l += 4) {
    __builtin_prefetch(b + 4 * NR * 4);
    __builtin_prefetch(a + 4 * MR * 4);
    IDEM_STEP(0) IDEM_STEP(1) IDEM_STEP(2) IDEM_STEP(3)
    a += 4 * MR;
    b += 4 * NR;
  }
  for (; l < kc; l++) {
    IDEM_STEP(0)
    a += MR;
    b += NR;
  }
#undef IDEM_STEP

  const __m256 rows[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (mr == MR && nr == NR) {
    for (int i = 0; i < MR; i++) {
      float* ci = c + i * ldc;
      if (accumulate) {
        _mm256_storeu_ps(ci, _mm256_add_ps(_mm256_loadu_ps(ci), rows[i][0]));
        _mm256_storeu_ps(ci + 8, _mm256_add_ps(_mm256_loadu_ps(ci + 8), rows[i][1]));
      } else {
        _mm256_storeu_ps(ci, rows[i][0]);
        _mm256_storeu_ps(ci + 8, rows[i][1]);
      }
    }
    return;
  }
  alignas(32) float tmp[MR * NR];
  for (int i = 0; i < MR; i++) {
    _mm256_store_ps(tmp + i * NR, rows[i][0]);
    _mm256_store_ps(tmp + i * NR + 8, rows[i][1]);
  }
  for (int i = 0; i < mr; i++) {
    float* ci = c + i * ldc;
    const float* ti = tmp + i * NR;
    if (accumulate) {
      for (int j = 0; j < nr; j++) ci[j] += ti[j];
    } else {
      for (int j = 0; j < nr; j++) ci[j] = ti[j];
    }
  }
}

}  // namespace idem
#endif
