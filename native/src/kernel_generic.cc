/*
 * Portable micro-kernel (any CPU, ARM64 included): the same 6×16 tile and summation order as
 * the AVX2 one, as plain loops the compiler vectorises (-O3). acc[i][j] += a_i · b_j per l.
 */
#include "gemm.h"

namespace idem {

void microkernel_generic(int kc, const float* a, const float* b, float* c, long ldc, int mr, int nr,
                         bool accumulate) {
  float acc[MR][NR];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) acc[i][j] = 0.0f;
  for (int l = 0; l < kc; l++) {
    const float* al = a + l * MR;
    const float* bl = b + l * NR;
    for (int i = 0; i < MR; i++) {
      const float ai = al[i];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * bl[j];
    }
  }
  for (int i = 0; i < mr; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      for (int j = 0; j < nr; j++) ci[j] += acc[i][j];
    } else {
      for (int j = 0; j < nr; j++) ci[j] = acc[i][j];
    }
  }
}

}  // namespace idem
