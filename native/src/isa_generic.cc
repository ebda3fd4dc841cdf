/*
 * The "generic" ISA path (any CPU): the GEMM tile in 4-float GCC/Clang vector-extension values
 * (SSE2 on x86-64, NEON on ARM64; scalar with other compilers), 6 rows × 8 columns so the 12
 * accumulators, two B vectors and a broadcast fit SSE's 16 registers. A multiply then an add per
 * term (no FMA; compiled with -ffp-contract=off): the same per-element order as the FMA paths
 * with two roundings instead of one. Internal linkage only: see the ODR note in isa.h.
 */
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "isa.h"

namespace idem {
namespace {
#define IDEM_SIMD_GENERIC
#include "simd.h"
#include "gemm_tpl.h"
#include "loops_tpl.h"

using GG = Gemm<VecG, 6, 8 / VecG::lanes, 144>;
IsaKernels make(const IsaKernels& t) {
  IsaKernels r = t;
  fill_loops(r);
  return r;
}
}  // namespace

const IsaKernels* isa_generic_table() {
  static const IsaKernels t = make(GG::table("generic"));
  return &t;
}

}  // namespace idem
