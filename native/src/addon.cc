/*
 * Node-API entry points of idem's native backend (plain C Node-API, no other dependency).
 *
 *   batchMatMul(a, b, out, batch, ba, bb, m, n, k, transposeA, transposeB)
 *     a: Float32Array [ba, m, k] (or [ba, k, m] transposed), b: Float32Array [bb, k, n] (or
 *     [bb, n, k] transposed), out: Float32Array [batch, m, n], written in place. ba/bb equal
 *     batch or 1 (broadcast). out[p] = op(a[ba == 1 ? 0 : p]) · op(b[bb == 1 ? 0 : p]).
 *     Zero copy: the typed arrays' own memory is read and written.
 *   binary(op, mode, inner, a, b, out)   op: 0 add 1 sub 2 mul 3 div; Float32Arrays
 *   compare(op, mode, inner, a, b, out)  op: 0 > 1 >= 2 < 3 <=; out Uint8Array
 *     mode (broadcast): 0 same size, 1 b scalar, 2 a scalar, 3 b a row of `inner`, 4 a a row
 *   relu(x, out); select(cond: Uint8Array, t, e, out): t, e same size as cond or scalars
 *   sum(x, out, outer, mid, inner, mean?): x as [outer, mid, inner] summed over mid (float64
 *     accumulator); mean: divided by mid in float64 before the one rounding (the Mean kernel)
 *   info() → { kernel, isa: the current ISA path ('avx512' | 'avx2' | 'avx512emu' | 'generic'),
 *     isaAuto: the path CPUID picks, isas: the paths this CPU can run, avx2fma, avx512: booleans,
 *     threads: number }   (kernel = isa, kept for older callers)
 *   setIsa('auto' | 'avx512' | 'avx2' | 'avx512emu' | 'generic') → boolean (false, and no change,
 *     if this CPU or build cannot run it); see isa.h
 *   setNumThreads(n) → threads of the pool (pool.h) every kernel uses (n <= 0: default = cores
 *     or IDEM_NUM_THREADS); returns the count now used
 *   setKernel('auto' | 'generic' | 'avx2') → boolean (false if unavailable on this CPU)
 */
#include <node_api.h>

#include <cstring>
#include <string>

#include "elementwise.h"
#include "gemm.h"
#include "pool.h"
#include "napi_util.h"




static napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value args[11];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  if (argc != 11) {
    napi_throw_error(env, nullptr, "idem native: batchMatMul expects 11 arguments");
    return nullptr;
  }
  float *a, *b, *out;
  size_t la, lb, lo;
  if (!idem_napi::f32(env, args[0], &a, &la, "a") || !idem_napi::f32(env, args[1], &b, &lb, "b") ||
      !idem_napi::f32(env, args[2], &out, &lo, "out"))
    return nullptr;
  long batch, ba, bb, m, n, k;
  const char* K = "batchMatMul";
  if (!idem_napi::size_arg(env, args[3], &batch, K, "batch") || !idem_napi::size_arg(env, args[4], &ba, K, "ba") ||
      !idem_napi::size_arg(env, args[5], &bb, K, "bb") || !idem_napi::size_arg(env, args[6], &m, K, "m") ||
      !idem_napi::size_arg(env, args[7], &n, K, "n") || !idem_napi::size_arg(env, args[8], &k, K, "k"))
    return nullptr;
  bool ta = false, tb = false;
  IDEM_NAPI_CHECK(napi_get_value_bool(env, args[9], &ta));
  IDEM_NAPI_CHECK(napi_get_value_bool(env, args[10], &tb));
  size_t mk, kn, mn, na, nb, no;
  if (!idem_napi::product(env, K, "m*k", {m, k}, &mk) || !idem_napi::product(env, K, "k*n", {k, n}, &kn) ||
      !idem_napi::product(env, K, "m*n", {m, n}, &mn) || !idem_napi::product(env, K, "ba*m*k", {ba, m, k}, &na) ||
      !idem_napi::product(env, K, "bb*k*n", {bb, k, n}, &nb) || !idem_napi::product(env, K, "batch*m*n", {batch, m, n}, &no))
    return nullptr;
  if ((ba != batch && ba != 1) || (bb != batch && bb != 1) || ((ba == 0 || bb == 0) && batch != 0) || la != na || lb != nb || lo != no) {
    napi_throw_range_error(env, nullptr, "idem native: batchMatMul sizes do not match the arrays");
    return nullptr;
  }
  if (no == 0) return nullptr;  // nothing to write (batch, m or n is 0)
  // op(A)(i, l): A[i*k + l] or, transposed (stored [k, m]), A[l*m + i].
  const long rsA = ta ? 1 : k, csA = ta ? m : 1;
  // op(B)(l, j): B[l*n + j] or, transposed (stored [n, k]), B[j*k + l].
  const long rsB = tb ? 1 : n, csB = tb ? k : 1;
  for (long p = 0; p < batch; p++) {
    const float* ap = a + (ba == 1 ? 0 : p) * m * k;
    const float* bp = b + (bb == 1 ? 0 : p) * k * n;
    idem::sgemm_mt(m, n, k, ap, rsA, csA, bp, rsB, csB, out + p * m * n, n);
  }
  return nullptr;
}


/* Checks a broadcast mode against the array lengths (see elementwise.h). */
static bool check_mode(napi_env env, long mode, long inner, size_t la, size_t lb, size_t n) {
  bool ok = false;
  switch (mode) {
    case 0: ok = la == n && lb == n; break;
    case 1: ok = la == n && lb == 1; break;
    case 2: ok = la == 1 && lb == n; break;
    case 3: ok = la == n && inner > 0 && lb == static_cast<size_t>(inner) && n % inner == 0; break;
    case 4: ok = lb == n && inner > 0 && la == static_cast<size_t>(inner) && n % inner == 0; break;
    case 5: ok = la == n && inner > 0 && n % inner == 0 && lb == n / static_cast<size_t>(inner); break;
    case 6: ok = lb == n && inner > 0 && n % inner == 0 && la == n / static_cast<size_t>(inner); break;
  }
  if (!ok) napi_throw_range_error(env, nullptr, "idem native: elementwise sizes do not match the broadcast mode");
  return ok;
}

static napi_value Binary(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  long op, mode, inner;
  float *a, *b, *out;
  size_t la, lb, lo;
  if (argc != 6 || !idem_napi::nonneg_int(env, args[0], &op, "op") || !idem_napi::nonneg_int(env, args[1], &mode, "mode") ||
      !idem_napi::nonneg_int(env, args[2], &inner, "inner") || !idem_napi::f32(env, args[3], &a, &la, "a") ||
      !idem_napi::f32(env, args[4], &b, &lb, "b") || !idem_napi::f32(env, args[5], &out, &lo, "out"))
    return nullptr;
  if (op > 3 || !check_mode(env, mode, inner, la, lb, lo)) {
    if (op > 3) napi_throw_range_error(env, nullptr, "idem native: unknown binary op");
    return nullptr;
  }
  idem::binary_f32(static_cast<int>(op), static_cast<int>(mode), a, b, out, lo, static_cast<size_t>(inner));
  return nullptr;
}

static napi_value Compare(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  long op, mode, inner;
  float *a, *b;
  uint8_t* out;
  size_t la, lb, lo;
  if (argc != 6 || !idem_napi::nonneg_int(env, args[0], &op, "op") || !idem_napi::nonneg_int(env, args[1], &mode, "mode") ||
      !idem_napi::nonneg_int(env, args[2], &inner, "inner") || !idem_napi::f32(env, args[3], &a, &la, "a") ||
      !idem_napi::f32(env, args[4], &b, &lb, "b") || !idem_napi::u8(env, args[5], &out, &lo, "out"))
    return nullptr;
  if (op > 3 || !check_mode(env, mode, inner, la, lb, lo)) {
    if (op > 3) napi_throw_range_error(env, nullptr, "idem native: unknown compare op");
    return nullptr;
  }
  idem::compare_f32(static_cast<int>(op), static_cast<int>(mode), a, b, out, lo, static_cast<size_t>(inner));
  return nullptr;
}

static napi_value Relu(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  float *x, *out;
  size_t lx, lo;
  if (argc != 2 || !idem_napi::f32(env, args[0], &x, &lx, "x") || !idem_napi::f32(env, args[1], &out, &lo, "out")) return nullptr;
  if (lx != lo) {
    napi_throw_range_error(env, nullptr, "idem native: relu sizes differ");
    return nullptr;
  }
  idem::relu_f32(x, out, lo);
  return nullptr;
}

static napi_value Select(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  uint8_t* c;
  float *t, *e, *out;
  size_t lc, lt, le, lo;
  if (argc != 4 || !idem_napi::u8(env, args[0], &c, &lc, "cond") || !idem_napi::f32(env, args[1], &t, &lt, "t") ||
      !idem_napi::f32(env, args[2], &e, &le, "e") || !idem_napi::f32(env, args[3], &out, &lo, "out"))
    return nullptr;
  if (lc != lo || (lt != lo && lt != 1) || (le != lo && le != 1)) {
    napi_throw_range_error(env, nullptr, "idem native: select sizes differ");
    return nullptr;
  }
  idem::select_f32(c, t, lt != lo, e, le != lo, out, lo);
  return nullptr;
}

static napi_value Sum(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  float *x, *out;
  size_t lx, lo;
  long outer, mid, inner;
  bool mean = false;
  if (argc == 6 && napi_get_value_bool(env, args[5], &mean) != napi_ok) {
    napi_throw_type_error(env, nullptr, "idem native: sum's mean must be a boolean");
    return nullptr;
  }
  if ((argc != 5 && argc != 6) || !idem_napi::f32(env, args[0], &x, &lx, "x") || !idem_napi::f32(env, args[1], &out, &lo, "out") ||
      !idem_napi::size_arg(env, args[2], &outer, "sum", "outer") || !idem_napi::size_arg(env, args[3], &mid, "sum", "mid") ||
      !idem_napi::size_arg(env, args[4], &inner, "sum", "inner"))
    return nullptr;
  size_t nx, no;
  if (!idem_napi::product(env, "sum", "outer*mid*inner", {outer, mid, inner}, &nx) ||
      !idem_napi::product(env, "sum", "outer*inner", {outer, inner}, &no))
    return nullptr;
  if (lx != nx || lo != no) {
    napi_throw_range_error(env, nullptr, "idem native: sum sizes do not match");
    return nullptr;
  }
  if (no == 0) return nullptr;  // nothing to write (outer or inner is 0)
  idem::sum_f32(x, out, outer, mid, inner, mean);
  return nullptr;
}

static napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, kernel, has, has512, autoName, isas;
  IDEM_NAPI_CHECK(napi_create_object(env, &obj));
  IDEM_NAPI_CHECK(napi_create_string_utf8(env, idem::kernel_name(), NAPI_AUTO_LENGTH, &kernel));
  IDEM_NAPI_CHECK(napi_get_boolean(env, idem::cpu_has_avx2_fma(), &has));
  IDEM_NAPI_CHECK(napi_get_boolean(env, idem::isa_supported("avx512"), &has512));
  IDEM_NAPI_CHECK(napi_create_string_utf8(env, idem::isa_auto_name(), NAPI_AUTO_LENGTH, &autoName));
  IDEM_NAPI_CHECK(napi_create_array(env, &isas));
  uint32_t count = 0;
  for (const char* name : {"avx512", "avx2", "avx512emu", "generic"}) {
    if (!idem::isa_supported(name)) continue;
    napi_value v;
    IDEM_NAPI_CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v));
    IDEM_NAPI_CHECK(napi_set_element(env, isas, count++, v));
  }
  IDEM_NAPI_CHECK(napi_set_named_property(env, obj, "kernel", kernel));
  IDEM_NAPI_CHECK(napi_set_named_property(env, obj, "isa", kernel));
  IDEM_NAPI_CHECK(napi_set_named_property(env, obj, "isaAuto", autoName));
  IDEM_NAPI_CHECK(napi_set_named_property(env, obj, "isas", isas));
  IDEM_NAPI_CHECK(napi_set_named_property(env, obj, "avx2fma", has));
  IDEM_NAPI_CHECK(napi_set_named_property(env, obj, "avx512", has512));
  napi_value threads;
  IDEM_NAPI_CHECK(napi_create_int32(env, idem::num_threads(), &threads));
  IDEM_NAPI_CHECK(napi_set_named_property(env, obj, "threads", threads));
  return obj;
}

static napi_value SetKernel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr));
  char name[32] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, arg, name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "idem native: setKernel expects 'auto', 'generic', 'avx2' or 'split-auto', 'split-columns', 'split-rows'");
    return nullptr;
  }
  // 'split-auto' | 'split-columns' | 'split-rows': how large products are split over threads (benchmarks).
  bool ok;
  if (std::strncmp(name, "split-", 6) == 0) {
    const char* s = name + 6;
    int split = std::strcmp(s, "auto") == 0 ? 0 : std::strcmp(s, "columns") == 0 ? 1 : std::strcmp(s, "rows") == 0 ? 2 : -1;
    ok = idem::set_gemm_split(split);
  } else {
    int which = std::strcmp(name, "generic") == 0 ? 1 : std::strcmp(name, "avx2") == 0 ? 2 : std::strcmp(name, "auto") == 0 ? 0 : -1;
    ok = which >= 0 && idem::set_kernel(which);
  }
  napi_value result;
  IDEM_NAPI_CHECK(napi_get_boolean(env, ok, &result));
  return result;
}

static napi_value SetIsa(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr));
  char name[32] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, arg, name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "idem native: setIsa expects 'auto', 'avx512', 'avx2', 'avx512emu' or 'generic'");
    return nullptr;
  }
  napi_value result;
  IDEM_NAPI_CHECK(napi_get_boolean(env, idem::set_isa(name), &result));
  return result;
}

static napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr));
  int32_t n = 0;
  if (argc < 1 || napi_get_value_int32(env, arg, &n) != napi_ok) {
    napi_throw_type_error(env, nullptr, "idem native: setNumThreads expects an integer");
    return nullptr;
  }
  idem::set_num_threads(n);
  napi_value result;
  IDEM_NAPI_CHECK(napi_create_int32(env, idem::num_threads(), &result));
  return result;
}

// Convolution, pooling and softmax kernels (nn_napi.cc).
namespace idem {
bool register_nn_kernels(napi_env env, napi_value exports);
}

// Fused kernels: dropout with Philox, optimizer updates (fused_napi.cc).
namespace idem {
bool register_fused_kernels(napi_env env, napi_value exports);
}

// Sequence kernels: fused recurrent layers, tanh / sigmoid (seq_napi.cc).
namespace idem {
bool register_seq_kernels(napi_env env, napi_value exports);
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"compare", nullptr, Compare, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"relu", nullptr, Relu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"select", nullptr, Select, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sum", nullptr, Sum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setNumThreads", nullptr, SetNumThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setKernel", nullptr, SetKernel, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setIsa", nullptr, SetIsa, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  IDEM_NAPI_CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  if (!idem::register_fused_kernels(env, exports)) return nullptr;
  if (!idem::register_nn_kernels(env, exports)) return nullptr;
  if (!idem::register_seq_kernels(env, exports)) return nullptr;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
