/*
 * Fused kernels (see fused.h). Every arithmetic step is one float32 operation written out as in
 * the op-by-op code; this file is compiled with -ffp-contract=off so the compiler never merges
 * a multiply and an add into an FMA (which rounds once instead of twice).
 */
#include <cmath>
#include <cstdint>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <vector>

#include "fused.h"
#include "gemm.h"
#include "isa.h"
#include "pool.h"

namespace idem {

namespace {

constexpr uint32_t M0 = 0xd2511f53u, M1 = 0xcd9e8d57u, W0 = 0x9e3779b9u, W1 = 0xbb67ae85u;

inline void philox_block(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1, uint32_t out[4]) {
  for (int r = 0; r < 10; r++) {
    const uint64_t p0 = uint64_t(M0) * c0;
    const uint64_t p1 = uint64_t(M1) * c2;
    const uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0);
    const uint32_t hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += W0;
    k1 += W1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

constexpr long kGrain = 16384;  // elements per chunk of elementwise work

/* Runs f(var, begin, end) over all variables' elements in fixed chunks of the concatenation. */
template <typename F>
void for_each_var_range(OptVar* vars, size_t count, F f) {
  std::vector<size_t> start(count + 1, 0);
  for (size_t i = 0; i < count; i++) start[i + 1] = start[i] + vars[i].n;
  const long total = static_cast<long>(start[count]);
  auto body = [&](long b, long e) {
    // The first variable overlapping [b, e).
    size_t v = 0;
    while (v < count && start[v + 1] <= static_cast<size_t>(b)) v++;
    for (; v < count && start[v] < static_cast<size_t>(e); v++) {
      const size_t lo = start[v] > static_cast<size_t>(b) ? 0 : b - start[v];
      const size_t hi = (start[v + 1] < static_cast<size_t>(e) ? start[v + 1] : static_cast<size_t>(e)) - start[v];
      if (lo < hi) f(vars[v], lo, hi);
    }
  };
  if (total <= 4 * kGrain) {
    body(0, total);
  } else {
    parallel_for(total, kGrain, body);
  }
}

}  // namespace

namespace {

/* Philox words [4·blk0, 4·(blk0 + nblk)) into w (scalar). */
void philox_blocks_scalar(uint64_t blk0, size_t nblk, uint32_t k0, uint32_t k1, uint32_t s_lo, uint32_t s_hi, uint32_t* w) {
  for (size_t j = 0; j < nblk; j++) {
    const uint64_t blk = blk0 + j;
    philox_block(uint32_t(blk), uint32_t(blk >> 32), s_lo, s_hi, k0, k1, w + 4 * j);
  }
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define IDEM_PHILOX_AVX2 1
/* One Philox-4x32 round on eight blocks in AVX2 lanes (the same integer arithmetic: identical words). */
__attribute__((target("avx2"), always_inline)) inline void philox_round8(__m256i& c0, __m256i& c1, __m256i& c2, __m256i& c3,
                                                                       __m256i k0, __m256i k1) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(M0)), m1 = _mm256_set1_epi32(static_cast<int>(M1));
  const __m256i e0 = _mm256_mul_epu32(c0, m0);                         // lanes 0,2,4,6 (64-bit)
  const __m256i o0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0);  // lanes 1,3,5,7
  const __m256i e1 = _mm256_mul_epu32(c2, m1);
  const __m256i o1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1);
  const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
  const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
  const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
  const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
  c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), k0);
  c1 = lo1;
  c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), k1);
  c3 = lo0;
}

/* Blocks blk .. blk + 7's counter words c0 (low 32 bits of the block number) and c1 (high). */
__attribute__((target("avx2"))) inline void philox_counters8(uint64_t blk, __m256i& c0, __m256i& c1) {
  alignas(32) uint32_t lo[8], hi[8];
  for (int l = 0; l < 8; l++) {
    lo[l] = uint32_t(blk + l);
    hi[l] = uint32_t((blk + l) >> 32);
  }
  c0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(lo));
  c1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(hi));
}

/* The eight blocks' words in block order: o[4·l + k] = word k of block l. */
__attribute__((target("avx2"))) inline void philox_store8(__m256i c0, __m256i c1, __m256i c2, __m256i c3, uint32_t* o) {
  const __m256i t0 = _mm256_unpacklo_epi32(c0, c1), t1 = _mm256_unpackhi_epi32(c0, c1);
  const __m256i t2 = _mm256_unpacklo_epi32(c2, c3), t3 = _mm256_unpackhi_epi32(c2, c3);
  const __m256i u0 = _mm256_unpacklo_epi64(t0, t2);  // blocks 0 | 4
  const __m256i u1 = _mm256_unpackhi_epi64(t0, t2);  // blocks 1 | 5
  const __m256i u2 = _mm256_unpacklo_epi64(t1, t3);  // blocks 2 | 6
  const __m256i u3 = _mm256_unpackhi_epi64(t1, t3);  // blocks 3 | 7
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), _mm256_permute2x128_si256(u0, u1, 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 8), _mm256_permute2x128_si256(u2, u3, 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 16), _mm256_permute2x128_si256(u0, u1, 0x31));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 24), _mm256_permute2x128_si256(u2, u3, 0x31));
}

/*
 * Philox blocks in AVX2 lanes: sixteen at a time as two independent groups of eight, so that one
 * group's multiplies run while the other's wait for theirs (ten dependent rounds per group), then
 * eight, then the scalar code for the rest.
 */
__attribute__((target("avx2"))) void philox_blocks_avx2(uint64_t blk0, size_t nblk, uint32_t k0, uint32_t k1, uint32_t s_lo,
                                                        uint32_t s_hi, uint32_t* w) {
  const __m256i sl = _mm256_set1_epi32(static_cast<int>(s_lo)), sh = _mm256_set1_epi32(static_cast<int>(s_hi));
  size_t j = 0;
  for (; j + 16 <= nblk; j += 16) {
    __m256i a0, a1, b0, b1;
    philox_counters8(blk0 + j, a0, a1);
    philox_counters8(blk0 + j + 8, b0, b1);
    __m256i a2 = sl, a3 = sh, b2 = sl, b3 = sh;
    uint32_t kk0 = k0, kk1 = k1;
    for (int r = 0; r < 10; r++) {
      const __m256i q0 = _mm256_set1_epi32(static_cast<int>(kk0)), q1 = _mm256_set1_epi32(static_cast<int>(kk1));
      philox_round8(a0, a1, a2, a3, q0, q1);
      philox_round8(b0, b1, b2, b3, q0, q1);
      kk0 += W0;
      kk1 += W1;
    }
    philox_store8(a0, a1, a2, a3, w + 4 * j);
    philox_store8(b0, b1, b2, b3, w + 4 * (j + 8));
  }
  for (; j + 8 <= nblk; j += 8) {
    __m256i a0, a1;
    philox_counters8(blk0 + j, a0, a1);
    __m256i a2 = sl, a3 = sh;
    uint32_t kk0 = k0, kk1 = k1;
    for (int r = 0; r < 10; r++) {
      philox_round8(a0, a1, a2, a3, _mm256_set1_epi32(static_cast<int>(kk0)), _mm256_set1_epi32(static_cast<int>(kk1)));
      kk0 += W0;
      kk1 += W1;
    }
    philox_store8(a0, a1, a2, a3, w + 4 * j);
  }
  philox_blocks_scalar(blk0 + j, nblk - j, k0, k1, s_lo, s_hi, w + 4 * j);
}

bool cpu_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
const bool g_avx2 = cpu_avx2();
#endif

void philox_blocks(uint64_t blk0, size_t nblk, uint32_t k0, uint32_t k1, uint32_t s_lo, uint32_t s_hi, uint32_t* w) {
#ifdef IDEM_PHILOX_AVX2
  if (g_avx2) {
    philox_blocks_avx2(blk0, nblk, k0, k1, s_lo, s_hi, w);
    return;
  }
#endif
  philox_blocks_scalar(blk0, nblk, k0, k1, s_lo, s_hi, w);
}

constexpr long kDropoutChunk = 4096;  // words per chunk: a multiple of 4 (whole Philox blocks)

}  // namespace

void philox_words(uint32_t* out, size_t n, uint32_t k0, uint32_t k1, uint32_t s_lo, uint32_t s_hi) {
  alignas(64) uint32_t w[kDropoutChunk];
  for (size_t c = 0; c < n; c += kDropoutChunk) {
    const size_t len = n - c < static_cast<size_t>(kDropoutChunk) ? n - c : static_cast<size_t>(kDropoutChunk);
    philox_blocks(c / 4, (len + 3) / 4, k0, k1, s_lo, s_hi, w);
    for (size_t i = 0; i < len; i++) out[c + i] = w[i];
  }
}

void dropout_f32(const float* x, float* y, float* mask, size_t n, uint32_t k0, uint32_t k1, uint32_t s_lo, uint32_t s_hi,
                 double rate, float scale) {
  // keep ⟺ (w >> 9)·2⁻²³ ≥ rate ⟺ (w >> 9) ≥ ⌈rate·2²³⌉ (exact: q·2⁻²³ and rate·2²³ are exact in float64).
  const double t = std::ceil(rate * 8388608.0);
  const uint32_t threshold = t <= 0 ? 0u : t >= 8388608.0 ? 8388608u : static_cast<uint32_t>(t);
  const IsaKernels& K = isa();
  auto body = [&](long b, long e) {
    alignas(64) uint32_t w[kDropoutChunk];
    for (long c = b; c < e; c += kDropoutChunk) {
      const size_t len = static_cast<size_t>(e - c < kDropoutChunk ? e - c : kDropoutChunk);
      philox_blocks(static_cast<uint64_t>(c) / 4, (len + 3) / 4, k0, k1, s_lo, s_hi, w);
      K.dropout(w, x ? x + c : nullptr, x ? y + c : nullptr, mask + c, len, threshold, scale);
    }
  };
  // Below 2^16 elements (~90 µs on one core) one thread: waking the pool's workers costs more CPU
  // time than it saves wall time (W1's [100, 256] masks: 50 → 37 µs CPU on 1 thread, 60 on 2).
  if (n <= static_cast<size_t>(16 * kDropoutChunk)) {
    body(0, static_cast<long>(n));
  } else {
    parallel_for(static_cast<long>(n), kDropoutChunk, body);
  }
}

void adam_f32(OptVar* vars, size_t count, float c1, float c2, float a, float e) {
  const IsaKernels& K = isa();
  for_each_var_range(vars, count, [&](const OptVar& v, size_t b, size_t end) {
    K.adam(end - b, v.g + b, v.x + b, v.s0 + b, v.s1 + b, v.ox + b, v.os0 + b, v.os1 + b, c1, c2, a, e);
  });
}

void sgd_f32(OptVar* vars, size_t count, int kind, float lr, float mu) {
  const IsaKernels& K = isa();
  for_each_var_range(vars, count, [&](const OptVar& v, size_t b, size_t end) {
    K.sgd(kind, end - b, v.g + b, v.x + b, kind == 0 ? nullptr : v.s0 + b, v.ox + b, kind == 0 ? nullptr : v.os0 + b, lr, mu);
  });
}

void rmsprop_f32(OptVar* vars, size_t count, float r, float c, float lr, float e, bool centered, bool momentum, float mom) {
  const IsaKernels& K = isa();
  for_each_var_range(vars, count, [&](const OptVar& v, size_t b, size_t end) {
    K.rmsprop(end - b, v.g + b, v.x + b, v.s0 + b, centered ? v.s1 + b : nullptr, momentum ? v.s2 + b : nullptr,
                  v.ox + b, v.os0 + b, centered ? v.os1 + b : nullptr, momentum ? v.os2 + b : nullptr, r, c, lr, e, mom);
  });
}

void fused_matmul_f32(const float* a, const float* b, const float* bias, float* out, long m, long n, long k, bool ta,
                      bool tb, int act) {
  if (m <= 0 || n <= 0) return;
  // As the BatchMatMul entry point: op(A)(i, l) = A[i*k + l] or (transposed, stored [k, m]) A[l*m + i].
  sgemm_mt(m, n, k, a, ta ? 1 : k, ta ? m : 1, b, tb ? 1 : n, tb ? k : 1, out, n);
  if (!bias && act == 0) return;
  const IsaKernels& K = isa();
  if (m * n < 65536) {
    K.bias_act(out, bias, n, 0, m, act);
  } else {
    parallel_for(m, (16384 + n - 1) / n, [&](long r0, long r1) { K.bias_act(out, bias, n, r0, r1, act); });
  }
}

}  // namespace idem
