/*
 * The float vector types the hand-vectorised kernels (gemm_tpl.h) are written over, so that one
 * source gives every ISA path. Included only by the per-ISA translation units (isa_*.cc), each
 * compiled with its own target flags, inside that unit's own namespace (see isa.h).
 *
 * Every type offers the same operations with the same per-lane semantics:
 *   V::zero(), V::load(p) (unaligned), V::bcast(p) (*p in every lane), V::store(p, v),
 *   V::fma(a, b, c)   a·b + c      (one rounding for the FMA types, two for VecG),
 *   V::add(a, b)      a + b
 * Lane j of a result depends only on lane j of the operands, so two types with the same lane
 * operation give the same bits lane for lane, whatever their width:
 *   Vec8    AVX2 + FMA, 8 lanes (__m256)
 *   Vec16   AVX-512F, 16 lanes (__m512)
 *   Vec16e  16 lanes as two __m256 halves with AVX2 FMAs: the AVX-512 path's tile shapes,
 *           packing widths and tail handling, runnable (and tested) on a CPU without AVX-512;
 *           lane for lane the same operations as Vec16, hence the same bits
 *   VecG    portable: 4 lanes of GCC/Clang vector extensions (SSE2 on x86-64, NEON on ARM64)
 *           with a multiply then an add (no FMA: the baseline x86-64 has none)
 *   VecS    portable scalar (other compilers), multiply then add
 */
// No #pragma once and no #include: the unit includes <immintrin.h> first, then this file
// inside its own (anonymous) namespace with one of IDEM_SIMD_{AVX2,AVX512,GENERIC} defined.

#if defined(IDEM_SIMD_AVX2)
struct Vec8 {
  __m256 v;
  static constexpr int lanes = 8;
  static inline Vec8 zero() { return {_mm256_setzero_ps()}; }
  static inline Vec8 load(const float* p) { return {_mm256_loadu_ps(p)}; }
  static inline Vec8 bcast(const float* p) { return {_mm256_broadcast_ss(p)}; }
  static inline Vec8 set1(float x) { return {_mm256_set1_ps(x)}; }
  static inline void store(float* p, Vec8 a) { _mm256_storeu_ps(p, a.v); }
  static inline Vec8 fma(Vec8 a, Vec8 b, Vec8 c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
  static inline Vec8 add(Vec8 a, Vec8 b) { return {_mm256_add_ps(a.v, b.v)}; }
};

struct Vec16e {
  __m256 lo, hi;
  static constexpr int lanes = 16;
  static inline Vec16e zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
  static inline Vec16e load(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
  static inline Vec16e bcast(const float* p) {
    const __m256 x = _mm256_broadcast_ss(p);
    return {x, x};
  }
  static inline Vec16e set1(float x) { return {_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
  static inline void store(float* p, Vec16e a) {
    _mm256_storeu_ps(p, a.lo);
    _mm256_storeu_ps(p + 8, a.hi);
  }
  static inline Vec16e fma(Vec16e a, Vec16e b, Vec16e c) {
    return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
  }
  static inline Vec16e add(Vec16e a, Vec16e b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
};
#endif

#if defined(IDEM_SIMD_AVX512)
struct Vec16 {
  __m512 v;
  static constexpr int lanes = 16;
  static inline Vec16 zero() { return {_mm512_setzero_ps()}; }
  static inline Vec16 load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static inline Vec16 bcast(const float* p) { return {_mm512_set1_ps(*p)}; }
  static inline Vec16 set1(float x) { return {_mm512_set1_ps(x)}; }
  static inline void store(float* p, Vec16 a) { _mm512_storeu_ps(p, a.v); }
  static inline Vec16 fma(Vec16 a, Vec16 b, Vec16 c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
  static inline Vec16 add(Vec16 a, Vec16 b) { return {_mm512_add_ps(a.v, b.v)}; }
};
#endif

#if defined(IDEM_SIMD_GENERIC)
#if defined(__GNUC__) || defined(__clang__)
typedef float idem_v4f __attribute__((vector_size(16)));
struct VecG {
  idem_v4f v;
  static constexpr int lanes = 4;
  static inline VecG zero() { return {idem_v4f{0.0f, 0.0f, 0.0f, 0.0f}}; }
  static inline VecG load(const float* p) {
    VecG r;
    __builtin_memcpy(&r.v, p, sizeof r.v);
    return r;
  }
  static inline VecG bcast(const float* p) { return {idem_v4f{*p, *p, *p, *p}}; }
  static inline VecG set1(float x) { return {idem_v4f{x, x, x, x}}; }
  static inline void store(float* p, VecG a) { __builtin_memcpy(p, &a.v, sizeof a.v); }
  // c + a·b rounded twice (the unit is compiled with -ffp-contract=off).
  static inline VecG fma(VecG a, VecG b, VecG c) { return {c.v + a.v * b.v}; }
  static inline VecG add(VecG a, VecG b) { return {a.v + b.v}; }
};
#else
struct VecG {
  float v;
  static constexpr int lanes = 1;
  static inline VecG zero() { return {0.0f}; }
  static inline VecG load(const float* p) { return {*p}; }
  static inline VecG bcast(const float* p) { return {*p}; }
  static inline VecG set1(float x) { return {x}; }
  static inline void store(float* p, VecG a) { *p = a.v; }
  static inline VecG fma(VecG a, VecG b, VecG c) { return {c.v + a.v * b.v}; }
  static inline VecG add(VecG a, VecG b) { return {a.v + b.v}; }
};
#endif
#endif
