/*
 * The "avx2" ISA path (6×16 GEMM tile of 8-float FMA vectors) and "avx512emu" (the AVX-512
 * path's 14×32 tile in pairs of 8-float FMAs, see isa.h), compiled with -mavx2 -mfma
 * -ffp-contract=off (binding.gyp) and used only when the CPU has AVX2 and FMA.
 * Everything here has internal linkage (the anonymous namespace): see the ODR note in isa.h.
 */
#include <cstddef>
#include <cstdlib>

#include "isa.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

namespace idem {
namespace {
#define IDEM_SIMD_AVX2
#include "simd.h"
#include "gemm_tpl.h"

using G8 = Gemm<Vec8, 6, 2, 144>;
using G16e = Gemm<Vec16e, IDEM_AVX512_MR, 2, IDEM_AVX512_MC>;
const IsaKernels kAvx2 = G8::table("avx2");
const IsaKernels kAvx512emu = G16e::table("avx512emu");
}  // namespace

const IsaKernels* isa_avx2_table() { return &kAvx2; }
const IsaKernels* isa_avx512emu_table() { return &kAvx512emu; }

}  // namespace idem

#else

namespace idem {
const IsaKernels* isa_avx2_table() { return nullptr; }
const IsaKernels* isa_avx512emu_table() { return nullptr; }
}  // namespace idem

#endif
