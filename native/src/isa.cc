/* ISA detection and the current path (isa.h). */
#include "isa.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace idem {

namespace {

bool cpu_avx2_fma() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

/* AVX-512F/BW/DQ/VL (libgcc's and compiler-rt's checks include the OS saving the zmm state, XCR0). */
bool cpu_avx512() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return cpu_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}

const IsaKernels* by_name(const char* name) {
  if (std::strcmp(name, "generic") == 0) return isa_generic_table();
  if (std::strcmp(name, "avx2") == 0) return cpu_avx2_fma() ? isa_avx2_table() : nullptr;
  if (std::strcmp(name, "avx512emu") == 0) return cpu_avx2_fma() ? isa_avx512emu_table() : nullptr;
  if (std::strcmp(name, "avx512") == 0) return cpu_avx512() ? isa_avx512_table() : nullptr;
  return nullptr;
}

const IsaKernels* auto_table() {
  if (const IsaKernels* t = by_name("avx512")) return t;
  if (const IsaKernels* t = by_name("avx2")) return t;
  return isa_generic_table();
}

const IsaKernels* initial_table() {
  const char* env = std::getenv("IDEM_ISA");
  if (env && *env && std::strcmp(env, "auto") != 0) {
    if (const IsaKernels* t = by_name(env)) return t;
    std::fprintf(stderr, "idem: IDEM_ISA=%s is not available on this CPU or build (expected avx512, avx2, avx512emu or generic); using %s\n",
                 env, auto_table()->name);
  }
  return auto_table();
}

std::atomic<const IsaKernels*> g_isa{nullptr};

}  // namespace

const IsaKernels& isa() {
  const IsaKernels* t = g_isa.load(std::memory_order_acquire);
  if (!t) {
    t = initial_table();
    const IsaKernels* expected = nullptr;
    if (!g_isa.compare_exchange_strong(expected, t)) t = expected;
  }
  return *t;
}

bool set_isa(const char* name) {
  const IsaKernels* t = std::strcmp(name, "auto") == 0 ? auto_table() : by_name(name);
  if (!t) return false;
  g_isa.store(t, std::memory_order_release);
  return true;
}

bool isa_supported(const char* name) { return by_name(name) != nullptr; }

const char* isa_auto_name() { return auto_table()->name; }

}  // namespace idem
