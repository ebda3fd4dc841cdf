/* Vectorized float64 tanh / sigmoid of float32 arrays (see vmath.h and vmath_core.inc). */
#include "vmath.h"

#include <cstdint>
#include <cstring>

#include "isa.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define IDEM_VMATH_AVX2 1
#include <immintrin.h>
#endif

namespace idem {

namespace {

constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 significant bits: k·kLn2Hi is exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kMagic = 6755399441055744.0;  // 1.5·2^52
constexpr double kTiny = 3.7252902984e-09;     // 2^-28
/* kC[i] = 1/(i+1)!: kC[1] = 1/2, …, kC[12] = 1/13! (kC[0] unused). */
constexpr double kC[13] = {1.0,
                           1.0 / 2,
                           1.0 / 6,
                           1.0 / 24,
                           1.0 / 120,
                           1.0 / 720,
                           1.0 / 5040,
                           1.0 / 40320,
                           1.0 / 362880,
                           1.0 / 3628800,
                           1.0 / 39916800,
                           1.0 / 479001600,
                           1.0 / 6227020800.0};

inline uint64_t bits_of(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}
inline double from_bits(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}
const uint64_t kMagicBits = bits_of(kMagic);

// ---------------------------------------------------------------- portable: V = double

#define V double
#define VATTR inline
#define VNAME(n) s_##n
#define SET(c) (static_cast<double>(c))
#define ADD(a, b) ((a) + (b))
#define SUB(a, b) ((a) - (b))
#define MUL(a, b) ((a) * (b))
#define DIV(a, b) ((a) / (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ABS(a) from_bits(bits_of(a) & 0x7FFFFFFFFFFFFFFFull)
#define LT(a, b) ((a) < (b))
#define GE(a, b) ((a) >= (b))
#define ISNAN(a) ((a) != (a))
#define SEL(m, a, b) ((m) ? (a) : (b))
#define COPYSIGN(z, s) from_bits(bits_of(z) | (bits_of(s) & 0x8000000000000000ull))
#define POW2(t) from_bits((bits_of(t) - kMagicBits + 1023ull) << 52)
#include "vmath_core.inc"
#undef V
#undef VATTR
#undef VNAME
#undef SET
#undef ADD
#undef SUB
#undef MUL
#undef DIV
#undef MIN
#undef MAX
#undef ABS
#undef LT
#undef GE
#undef ISNAN
#undef SEL
#undef COPYSIGN
#undef POW2

// ---------------------------------------------------------------- AVX2: V = __m256d

#ifdef IDEM_VMATH_AVX2
#define V __m256d
#define VATTR __attribute__((target("avx2"))) inline
#define VNAME(n) v_##n
#define SET(c) _mm256_set1_pd(static_cast<double>(c))
#define ADD(a, b) _mm256_add_pd(a, b)
#define SUB(a, b) _mm256_sub_pd(a, b)
#define MUL(a, b) _mm256_mul_pd(a, b)
#define DIV(a, b) _mm256_div_pd(a, b)
#define MIN(a, b) _mm256_min_pd(a, b)
#define MAX(a, b) _mm256_max_pd(a, b)
#define ABS(a) _mm256_andnot_pd(_mm256_set1_pd(-0.0), a)
#define LT(a, b) _mm256_cmp_pd(a, b, _CMP_LT_OQ)
#define GE(a, b) _mm256_cmp_pd(a, b, _CMP_GE_OQ)
#define ISNAN(a) _mm256_cmp_pd(a, a, _CMP_UNORD_Q)
#define SEL(m, a, b) _mm256_blendv_pd(b, a, m)
#define COPYSIGN(z, s) _mm256_or_pd(z, _mm256_and_pd(s, _mm256_set1_pd(-0.0)))
#define POW2(t)                                                                                            \
  _mm256_castsi256_pd(_mm256_slli_epi64(                                                                   \
      _mm256_add_epi64(_mm256_sub_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(static_cast<long long>(kMagicBits))), \
                       _mm256_set1_epi64x(1023)),                                                          \
      52))
#include "vmath_core.inc"
#undef V
#undef VATTR
#undef VNAME
#undef SET
#undef ADD
#undef SUB
#undef MUL
#undef DIV
#undef MIN
#undef MAX
#undef ABS
#undef LT
#undef GE
#undef ISNAN
#undef SEL
#undef COPYSIGN
#undef POW2

__attribute__((target("avx2"))) void tanh_avx2(const float* x, float* y, long n) {
  long i = 0;
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, _mm256_cvtpd_ps(v_tanh(_mm256_cvtps_pd(_mm_loadu_ps(x + i)))));
  for (; i < n; i++) y[i] = static_cast<float>(s_tanh(x[i]));
}

__attribute__((target("avx2"))) void sigmoid_avx2(const float* x, float* y, long n) {
  long i = 0;
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, _mm256_cvtpd_ps(v_sigmoid(_mm256_cvtps_pd(_mm_loadu_ps(x + i)))));
  for (; i < n; i++) y[i] = static_cast<float>(s_sigmoid(x[i]));
}

__attribute__((target("avx2"))) void exp_avx2(const double* x, double* y, long n) {
  long i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, v_exp(_mm256_loadu_pd(x + i)));
  for (; i < n; i++) y[i] = s_exp(x[i]);
}

bool detect_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
const bool g_has_avx2 = detect_avx2();
#else
const bool g_has_avx2 = false;
#endif

bool g_vector = g_has_avx2;

}  // namespace

void vmath_set_vector(bool on) { g_vector = on && g_has_avx2; }
/* The AVX2 code runs unless switched off or the ISA path is the portable one (IDEM_ISA=generic). */
bool vmath_vector() { return g_vector && std::strcmp(isa().name, "generic") != 0; }

float tanh1(float x) { return static_cast<float>(s_tanh(x)); }
double exp1(double x) { return s_exp(x); }

void exp_f64(const double* x, double* y, long n) {
#ifdef IDEM_VMATH_AVX2
  if (vmath_vector()) {
    exp_avx2(x, y, n);
    return;
  }
#endif
  for (long i = 0; i < n; i++) y[i] = s_exp(x[i]);
}
float sigmoid1(float x) { return static_cast<float>(s_sigmoid(x)); }

void tanh_f32(const float* x, float* y, long n) {
#ifdef IDEM_VMATH_AVX2
  if (vmath_vector()) {
    tanh_avx2(x, y, n);
    return;
  }
#endif
  for (long i = 0; i < n; i++) y[i] = static_cast<float>(s_tanh(x[i]));
}

void sigmoid_f32(const float* x, float* y, long n) {
#ifdef IDEM_VMATH_AVX2
  if (vmath_vector()) {
    sigmoid_avx2(x, y, n);
    return;
  }
#endif
  for (long i = 0; i < n; i++) y[i] = static_cast<float>(s_sigmoid(x[i]));
}

}  // namespace idem
