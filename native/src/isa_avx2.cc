/*
 * The "avx2" ISA path (6×16 GEMM tile of 8-float FMA vectors) and "avx512emu" (the AVX-512
 * path's 14×32 tile in pairs of 8-float FMAs, see isa.h), compiled with -mavx2 -mfma
 * -ffp-contract=off (binding.gyp) and used only when the CPU has AVX2 and FMA.
 * Everything here has internal linkage (the anonymous namespace): see the ODR note in isa.h.
 */
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "isa.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

namespace idem {
namespace {
#define IDEM_SIMD_AVX2
#include "simd.h"
#include "gemm_tpl.h"
#include "loops_tpl.h"

using G8 = Gemm<Vec8, 6, 2, 144>;
using G16e = Gemm<Vec16e, IDEM_AVX512_MR, 2, IDEM_AVX512_MC>;
IsaKernels make(const IsaKernels& t) {
  IsaKernels r = t;
  fill_loops(r);
  return r;
}
}  // namespace

// Built on first use, never at load: this code may only run once isa.cc has checked the CPU.
const IsaKernels* isa_avx2_table() {
  static const IsaKernels t = make(G8::table("avx2"));
  return &t;
}
const IsaKernels* isa_avx512emu_table() {
  static const IsaKernels t = make(G16e::table("avx512emu"));
  return &t;
}

}  // namespace idem

#else

namespace idem {
const IsaKernels* isa_avx2_table() { return nullptr; }
const IsaKernels* isa_avx512emu_table() { return nullptr; }
}  // namespace idem

#endif
