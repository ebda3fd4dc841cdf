/*
 * The "avx512" ISA path: a 14×32 GEMM tile of 16-float FMA vectors (28 of the 32 zmm registers
 * accumulate), compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma
 * -ffp-contract=off (binding.gyp) and used only when the CPU reports all four AVX-512 subsets and
 * the OS saves the zmm state (isa.cc). Its logic is also run, lane for lane, by "avx512emu"
 * (isa_avx2.cc) on CPUs without AVX-512. Internal linkage only: see the ODR note in isa.h.
 */
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "isa.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__)) && defined(__AVX512F__)
#include <immintrin.h>

namespace idem {
namespace {
#define IDEM_SIMD_AVX512
#include "simd.h"
#include "gemm_tpl.h"
#include "loops_tpl.h"

using G16 = Gemm<Vec16, IDEM_AVX512_MR, 2, IDEM_AVX512_MC>;
IsaKernels make(const IsaKernels& t) {
  IsaKernels r = t;
  fill_loops(r);
  return r;
}
}  // namespace

// Built on first use, never at load: this code may only run once isa.cc has checked the CPU.
const IsaKernels* isa_avx512_table() {
  static const IsaKernels t = make(G16::table("avx512"));
  return &t;
}

}  // namespace idem

#else

namespace idem {
const IsaKernels* isa_avx512_table() { return nullptr; }
}  // namespace idem

#endif
