/*
 * GEMM driver (Goto/BLIS loop order): for each NC-wide column block of op(B), each KC-deep
 * k block (in increasing order), pack the KC×NC block of op(B) into NR-column panels; for each
 * MC-tall row block of op(A), pack it into MR-row panels; then run the MR×NR micro-kernel over
 * the block. The first k block stores into C, later ones add to it, so
 *   C[i, j] = (...((S_0 + S_1) + S_2)...),  S_p = Σ_{l in k block p} a_il · b_lj.
 * Packing reads op(A)/op(B) through (row, column) strides, so every transpose combination feeds
 * identical contiguous panels to the micro-kernel. Edge panels are zero padded.
 */
#include "gemm.h"

#include <cstdlib>
#include <cstring>

#include "pool.h"

namespace idem {

static bool detect_avx2_fma() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

static const bool g_has_avx2_fma = detect_avx2_fma();

static MicroKernel auto_kernel() {
#if defined(__x86_64__) || defined(__i386__)
  if (g_has_avx2_fma) return microkernel_avx2;
#endif
  return microkernel_generic;
}

static MicroKernel g_kernel = auto_kernel();

bool cpu_has_avx2_fma() { return g_has_avx2_fma; }

static int g_split = 0;

bool set_gemm_split(int which) {
  if (which < 0 || which > 2) return false;
  g_split = which;
  return true;
}

bool set_kernel(int which) {
  if (which == 0) {
    g_kernel = auto_kernel();
    return true;
  }
  if (which == 1) {
    g_kernel = microkernel_generic;
    return true;
  }
#if defined(__x86_64__) || defined(__i386__)
  if (which == 2 && g_has_avx2_fma) {
    g_kernel = microkernel_avx2;
    return true;
  }
#endif
  return false;
}

const char* kernel_name() {
#if defined(__x86_64__) || defined(__i386__)
  if (g_kernel == microkernel_avx2) return "avx2-fma";
#endif
  return "generic";
}

/* A 64-byte aligned scratch buffer that grows on demand (one per thread). */
struct Scratch {
  float* ptr = nullptr;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      std::free(ptr);
      size_t bytes = ((n * sizeof(float)) + 63) & ~size_t(63);
      ptr = static_cast<float*>(std::aligned_alloc(64, bytes));
      cap = ptr ? n : 0;
    }
    return ptr;
  }
  ~Scratch() { std::free(ptr); }
};

/* Packs rows [0, mc) × cols [0, kc) of op(A) into MR-row panels: Ap[p][l][i] = A(p*MR + i, l). */
static void pack_a(long mc, long kc, const float* A, long rs, long cs, float* Ap) {
  for (long p = 0; p < mc; p += MR) {
    const long mr = mc - p < MR ? mc - p : MR;
    const float* Ablk = A + p * rs;
    if (cs == 1) {
      // Rows contiguous in l: read each row along l, write with stride MR.
      for (long i = 0; i < mr; i++) {
        const float* src = Ablk + i * rs;
        float* dst = Ap + i;
        for (long l = 0; l < kc; l++) dst[l * MR] = src[l];
      }
      for (long i = mr; i < MR; i++)
        for (long l = 0; l < kc; l++) Ap[l * MR + i] = 0.0f;
    } else {
      for (long l = 0; l < kc; l++) {
        const float* src = Ablk + l * cs;
        float* dst = Ap + l * MR;
        long i = 0;
        for (; i < mr; i++) dst[i] = src[i * rs];
        for (; i < MR; i++) dst[i] = 0.0f;
      }
    }
    Ap += MR * kc;
  }
}

/* Packs rows [0, kc) × cols [0, nc) of op(B) into NR-column panels: Bp[p][l][j] = B(l, p*NR + j). */
static void pack_b(long kc, long nc, const float* B, long rs, long cs, float* Bp) {
  for (long p = 0; p < nc; p += NR) {
    const long nr = nc - p < NR ? nc - p : NR;
    const float* Bblk = B + p * cs;
    if (cs == 1) {
      for (long l = 0; l < kc; l++) {
        const float* src = Bblk + l * rs;
        float* dst = Bp + l * NR;
        if (nr == NR) {
          std::memcpy(dst, src, NR * sizeof(float));
        } else {
          long j = 0;
          for (; j < nr; j++) dst[j] = src[j];
          for (; j < NR; j++) dst[j] = 0.0f;
        }
      }
    } else {
      // Columns contiguous in l (transposed B): read each column along l, write with stride NR.
      for (long j = 0; j < nr; j++) {
        const float* src = Bblk + j * cs;
        float* dst = Bp + j;
        for (long l = 0; l < kc; l++) dst[l * NR] = src[l * rs];
      }
      for (long j = nr; j < NR; j++)
        for (long l = 0; l < kc; l++) Bp[l * NR + j] = 0.0f;
    }
    Bp += NR * kc;
  }
}

void sgemm(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB,
           float* C, long ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (long i = 0; i < m; i++) std::memset(C + i * ldc, 0, n * sizeof(float));
    return;
  }
  static thread_local Scratch sa, sb;
  const MicroKernel kern = g_kernel;
  const long ncMax = n < NC ? n : NC;
  const long kcMax = k < KC ? k : KC;
  const long mcMax = m < MC ? m : MC;
  float* Bp = sb.get(((ncMax + NR - 1) / NR) * NR * kcMax);
  float* Ap = sa.get(((mcMax + MR - 1) / MR) * MR * kcMax);
  if (!Bp || !Ap) return;  // allocation failure: caller checks nothing; leaves C as is
  for (long jc = 0; jc < n; jc += NC) {
    const long nc = n - jc < NC ? n - jc : NC;
    for (long pc = 0; pc < k; pc += KC) {
      const long kc = k - pc < KC ? k - pc : KC;
      pack_b(kc, nc, B + pc * rsB + jc * csB, rsB, csB, Bp);
      const bool acc = pc > 0;
      for (long ic = 0; ic < m; ic += MC) {
        const long mc = m - ic < MC ? m - ic : MC;
        pack_a(mc, kc, A + ic * rsA + pc * csA, rsA, csA, Ap);
        for (long jr = 0; jr < nc; jr += NR) {
          const int nr = static_cast<int>(nc - jr < NR ? nc - jr : NR);
          const float* bp = Bp + (jr / NR) * NR * kc;
          for (long ir = 0; ir < mc; ir += MR) {
            const int mr = static_cast<int>(mc - ir < MR ? mc - ir : MR);
            kern(static_cast<int>(kc), Ap + (ir / MR) * MR * kc, bp, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr,
                 acc);
          }
        }
      }
    }
  }
}

void sgemm_mt(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB,
              float* C, long ldc) {
  // Below ~4 MFLOP (about 50 µs on one core) waking the pool costs more than it saves.
  const double flops = 2.0 * m * n * k;
  const long panels = (n + NR - 1) / NR;
  const int t = num_threads();
  if (t <= 1 || panels < 2 || flops < 4e6) {
    sgemm(m, n, k, A, rsA, csA, B, rsB, csB, C, ldc);
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
      sgemm(i1 - i0, n, k, A + i0 * rsA, rsA, csA, B, rsB, csB, C + i0 * ldc, ldc);
    });
    return;
  }
  const long grain = (panels + t - 1) / t;
  parallel_for(panels, grain, [&](long p0, long p1) {
    const long j0 = p0 * NR;
    const long j1 = p1 * NR < n ? p1 * NR : n;
    sgemm(m, j1 - j0, k, A, rsA, csA, B + j0 * csB, rsB, csB, C + j0, ldc);
  });
}

}  // namespace idem
