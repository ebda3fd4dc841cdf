/*
 * GEMM entry points: the single-threaded product is the current ISA path's (isa.h, gemm_tpl.h);
 * sgemm_mt splits C over the thread pool.
 */
#include "gemm.h"

#include "pool.h"

namespace idem {

bool cpu_has_avx2_fma() { return isa_supported("avx2"); }

static int g_split = 0;

bool set_gemm_split(int which) {
  if (which < 0 || which > 2) return false;
  g_split = which;
  return true;
}

bool set_kernel(int which) {
  if (which == 0) return set_isa("auto");
  if (which == 1) return set_isa("generic");
  if (which == 2) return set_isa("avx2");
  return false;
}

const char* kernel_name() { return isa().name; }

void sgemm(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB,
           float* C, long ldc) {
  isa().sgemm(m, n, k, A, rsA, csA, B, rsB, csB, C, ldc);
}

void sgemm_mt(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB,
              float* C, long ldc) {
  const IsaKernels& K = isa();
  const long MR = K.mr, NR = K.nr;
  // Below ~4 MFLOP (about 50 µs on one core) waking the pool costs more than it saves.
  const double flops = 2.0 * m * n * k;
  const long panels = (n + NR - 1) / NR;
  const int t = num_threads();
  if (t <= 1 || panels < 2 || flops < 4e6) {
    K.sgemm(m, n, k, A, rsA, csA, B, rsB, csB, C, ldc);
    return;
  }
  // One chunk per thread, of whole MR panels of C's rows or of whole NR panels of its columns
  // (g_split: 0 rows when m ≥ n or m ≥ 128, else columns; 1 always columns; 2 rows when
  // possible). Each chunk packs its own copy of the operand it does not split. Measured A/B on
  // 2 cores: rows win or tie from m = 128 up and on square products, columns win at W1's
  // m = 100 (100×784·784×256, 100×256·256×784). Each output element is computed by one call with
  // the same k order, so this split — unlike most pool users', it depends on the thread count —
  // never changes a bit.
  const long rowPanels = (m + MR - 1) / MR;
  if (rowPanels >= 2 && (g_split == 2 || (g_split == 0 && (m >= n || m >= 128)))) {
    const long rgrain = (rowPanels + t - 1) / t;
    parallel_for(rowPanels, rgrain, [&](long p0, long p1) {
      const long i0 = p0 * MR;
      const long i1 = p1 * MR < m ? p1 * MR : m;
      K.sgemm(i1 - i0, n, k, A + i0 * rsA, rsA, csA, B, rsB, csB, C + i0 * ldc, ldc);
    });
    return;
  }
  const long grain = (panels + t - 1) / t;
  parallel_for(panels, grain, [&](long p0, long p1) {
    const long j0 = p0 * NR;
    const long j1 = p1 * NR < n ? p1 * NR : n;
    K.sgemm(m, j1 - j0, k, A, rsA, csA, B + j0 * csB, rsB, csB, C + j0, ldc);
  });
}

}  // namespace idem
