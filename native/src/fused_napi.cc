/*
 * Node-API entry points of the fused kernels (fused.h), added to the addon's exports by
 * register_fused_kernels (called from addon.cc's Init).
 *
 *   dropout(x | null, y | null, mask, k0, k1, sLo, sHi, rate, scale)
 *     Float32Arrays of one length (x and y null: the mask only); key/stream words uint32.
 *   philoxWords(out: Uint32Array, k0, k1, sLo, sHi)
 *   optimizerUpdate(algo, slots, ins, outs, params)
 *     algo 0 Adam [c1, c2, a, e], 1 SGD [kind, lr, mu], 2 RMSprop [r, c, lr, e, centered,
 *     momentum, mom]; ins: per variable [g, x, slot_0 … slot_{slots−1}] (Float32Arrays of one
 *     length per variable), outs: per variable [x', slot_0' …]. Slots by algorithm: Adam m, v;
 *     SGD momentum (kinds 1, 2); RMSprop velocity, then mg (centered), then momentum (momentum).
 *   fusedMatMul(a, b, bias | null, out, m, n, k, transposeA, transposeB, act)
 *     out [m, n] = act(op(a)·op(b) + bias), act 0 linear, 1 relu (fused.h).
 *   reluGrad(dy, y, out)  out = y > 0 ? dy : +0 (the _ReluGrad kernel)
 *   alignOffset(buffer) → bytes to the buffer's first 64-byte aligned address (tensor storage).
 * Sizes are checked; a mismatch throws a RangeError.
 */
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "elementwise.h"
#include "fused.h"
#include "napi_util.h"

namespace {

using namespace idem_napi;





napi_value Dropout(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value a[9];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  float *x, *y, *mask;
  size_t lx, ly, lm;
  uint32_t k0, k1, slo, shi;
  double rate, scale;
  if (argc != 9 || !f32_or_null(env, a[0], &x, &lx, "x") || !f32_or_null(env, a[1], &y, &ly, "y") ||
      !f32_or_null(env, a[2], &mask, &lm, "mask") || !u32(env, a[3], &k0, "k0") || !u32(env, a[4], &k1, "k1") ||
      !u32(env, a[5], &slo, "sLo") || !u32(env, a[6], &shi, "sHi") || !num(env, a[7], &rate, "rate") ||
      !num(env, a[8], &scale, "scale"))
    return nullptr;
  if (!(rate >= 0 && rate <= 1)) {
    napi_throw_range_error(env, nullptr, "idem native: dropout: rate must be a number in [0, 1]");
    return nullptr;
  }
  if (!mask || (x == nullptr) != (y == nullptr) || (x && (lx != lm || ly != lm))) {
    napi_throw_range_error(env, nullptr, "idem native: dropout arrays must have one length (x and y both or neither)");
    return nullptr;
  }
  idem::dropout_f32(x, y, mask, lm, k0, k1, slo, shi, rate, static_cast<float>(scale));
  return nullptr;
}

napi_value PhiloxWords(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value a[5];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  void* p = nullptr;
  size_t n = 0;
  uint32_t k0, k1, slo, shi;
  if (argc != 5 || !typed(env, a[0], napi_uint32_array, &p, &n, "out") || !u32(env, a[1], &k0, "k0") ||
      !u32(env, a[2], &k1, "k1") || !u32(env, a[3], &slo, "sLo") || !u32(env, a[4], &shi, "sHi"))
    return nullptr;
  idem::philox_words(static_cast<uint32_t*>(p), n, k0, k1, slo, shi);
  return nullptr;
}

/* Element i of a JS array as a Float32Array of length n (n = 0: take its length). */
bool elem_f32(napi_env env, napi_value arr, uint32_t i, float** data, size_t* n, const char* what) {
  napi_value v;
  if (napi_get_element(env, arr, i, &v) != napi_ok) {
    napi_throw_error(env, nullptr, "idem native: optimizerUpdate could not read an array element");
    return false;
  }
  void* p = nullptr;
  size_t len = 0;
  if (!typed(env, v, napi_float32_array, &p, &len, what)) return false;
  if (*n != 0 && len != *n) {
    napi_throw_range_error(env, nullptr, "idem native: optimizerUpdate arrays of one variable must have one length");
    return false;
  }
  *n = len;
  *data = static_cast<float*>(p);
  return true;
}

napi_value OptimizerUpdate(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value a[5];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  double algo_d = -1, slots_d = -1;
  if (argc != 5 || !num(env, a[0], &algo_d, "algo") || !num(env, a[1], &slots_d, "slots")) return nullptr;
  if (!(algo_d >= 0 && algo_d <= 2) || !(slots_d >= 0 && slots_d <= 3)) {  // before any cast to int
    napi_throw_range_error(env, nullptr, "idem native: optimizerUpdate: algo must be 0..2 and slots 0..3");
    return nullptr;
  }
  const int algo = static_cast<int>(algo_d);
  const int slots = static_cast<int>(slots_d);
  uint32_t nin = 0, nout = 0, np = 0;
  IDEM_NAPI_CHECK(napi_get_array_length(env, a[2], &nin));
  IDEM_NAPI_CHECK(napi_get_array_length(env, a[3], &nout));
  IDEM_NAPI_CHECK(napi_get_array_length(env, a[4], &np));
  std::vector<double> p(np);
  for (uint32_t i = 0; i < np; i++) {
    napi_value v;
    IDEM_NAPI_CHECK(napi_get_element(env, a[4], i, &v));
    if (!num(env, v, &p[i], "params")) return nullptr;
  }
  const uint32_t per_in = static_cast<uint32_t>(2 + slots), per_out = static_cast<uint32_t>(1 + slots);
  const size_t want_p = algo == 0 ? 4 : algo == 1 ? 3 : 7;
  if (algo < 0 || algo > 2 || slots < 0 || slots > 3 || nin % per_in != 0 || nout != nin / per_in * per_out || np != want_p) {
    napi_throw_range_error(env, nullptr, "idem native: optimizerUpdate arguments do not match the algorithm");
    return nullptr;
  }
  const size_t count = nin / per_in;
  std::vector<idem::OptVar> vars(count);
  for (size_t v = 0; v < count; v++) {
    idem::OptVar& o = vars[v];
    o = idem::OptVar{};
    size_t n = 0;
    float* g;
    float* x;
    float* s[3] = {nullptr, nullptr, nullptr};
    float* ox;
    float* os[3] = {nullptr, nullptr, nullptr};
    const uint32_t bi = static_cast<uint32_t>(v * per_in), bo = static_cast<uint32_t>(v * per_out);
    if (!elem_f32(env, a[2], bi, &g, &n, "gradient") || !elem_f32(env, a[2], bi + 1, &x, &n, "variable") ||
        !elem_f32(env, a[3], bo, &ox, &n, "new variable"))
      return nullptr;
    for (int k = 0; k < slots; k++) {
      if (!elem_f32(env, a[2], bi + 2 + k, &s[k], &n, "slot") || !elem_f32(env, a[3], bo + 1 + k, &os[k], &n, "new slot"))
        return nullptr;
    }
    o.n = n;
    o.g = g;
    o.x = x;
    o.ox = ox;
    o.s0 = s[0];
    o.s1 = s[1];
    o.s2 = s[2];
    o.os0 = os[0];
    o.os1 = os[1];
    o.os2 = os[2];
  }
  auto f = [](double d) { return static_cast<float>(d); };
  if (algo == 0) {
    if (slots != 2) goto bad;
    idem::adam_f32(vars.data(), count, f(p[0]), f(p[1]), f(p[2]), f(p[3]));
  } else if (algo == 1) {
    const int kind = p[0] == 0 ? 0 : p[0] == 1 ? 1 : p[0] == 2 ? 2 : -1;  // no cast of an arbitrary double
    if (kind < 0 || kind > 2 || slots != (kind == 0 ? 0 : 1)) goto bad;
    idem::sgd_f32(vars.data(), count, kind, f(p[1]), f(p[2]));
  } else {
    const bool centered = p[4] != 0, momentum = p[5] != 0;
    if (slots != 1 + (centered ? 1 : 0) + (momentum ? 1 : 0)) goto bad;
    // Slots in order: velocity, [mg], [momentum]; the kernel wants mg in s1 and momentum in s2.
    if (momentum && !centered) {
      for (auto& o : vars) {
        o.s2 = o.s1;
        o.os2 = o.os1;
        o.s1 = nullptr;
        o.os1 = nullptr;
      }
    }
    idem::rmsprop_f32(vars.data(), count, f(p[0]), f(p[1]), f(p[2]), f(p[3]), centered, momentum, f(p[6]));
  }
  return nullptr;
bad:
  napi_throw_range_error(env, nullptr, "idem native: optimizerUpdate slot count does not match the algorithm");
  return nullptr;
}

/* reluGrad(dy, y, out): out = y > 0 ? dy : +0, Float32Arrays of one length. */
napi_value ReluGrad(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  float *dy, *y, *out;
  size_t ld, ly, lo;
  if (argc != 3 || !f32_or_null(env, a[0], &dy, &ld, "dy") || !f32_or_null(env, a[1], &y, &ly, "y") ||
      !f32_or_null(env, a[2], &out, &lo, "out"))
    return nullptr;
  if (!dy || !y || !out || ld != lo || ly != lo) {
    napi_throw_range_error(env, nullptr, "idem native: reluGrad arrays must be Float32Arrays of one length");
    return nullptr;
  }
  idem::relu_grad_f32(dy, y, out, lo);
  return nullptr;
}

/* alignOffset(buffer: ArrayBuffer) → bytes from the buffer's start to its first 64-byte aligned address. */
napi_value AlignOffset(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  bool is_ab = false;
  void* data = nullptr;
  size_t len = 0;
  if (argc != 1 || napi_is_arraybuffer(env, a[0], &is_ab) != napi_ok || !is_ab ||
      napi_get_arraybuffer_info(env, a[0], &data, &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "idem native: alignOffset expects an ArrayBuffer");
    return nullptr;
  }
  const uintptr_t p = reinterpret_cast<uintptr_t>(data);
  napi_value r;
  IDEM_NAPI_CHECK(napi_create_uint32(env, static_cast<uint32_t>((64 - (p % 64)) % 64), &r));
  return r;
}

/* fusedMatMul(a, b, bias | null, out, m, n, k, transposeA, transposeB, act): act 0 linear, 1 relu. */
napi_value FusedMatMul(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value a[10];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  float *A, *B, *bias, *out;
  size_t la, lb, lbias, lo;
  long M, N, K;
  double act;
  bool ta = false, tb = false;
  const char* KN = "fusedMatMul";
  if (argc != 10 || !f32_or_null(env, a[0], &A, &la, "a") || !f32_or_null(env, a[1], &B, &lb, "b") ||
      !f32_or_null(env, a[2], &bias, &lbias, "bias") || !f32_or_null(env, a[3], &out, &lo, "out") ||
      !size_arg(env, a[4], &M, KN, "m") || !size_arg(env, a[5], &N, KN, "n") || !size_arg(env, a[6], &K, KN, "k") ||
      napi_get_value_bool(env, a[7], &ta) != napi_ok || napi_get_value_bool(env, a[8], &tb) != napi_ok ||
      !num(env, a[9], &act, "act"))
    return nullptr;
  size_t mk, kn, mn;
  if (!product(env, KN, "m*k", {M, K}, &mk) || !product(env, KN, "k*n", {K, N}, &kn) || !product(env, KN, "m*n", {M, N}, &mn))
    return nullptr;
  if ((act != 0 && act != 1) || la != mk || lb != kn || lo != mn || (bias && lbias != static_cast<size_t>(N)) ||
      (mk > 0 && !A) || (kn > 0 && !B) || (mn > 0 && !out)) {
    napi_throw_range_error(env, nullptr, "idem native: fusedMatMul sizes do not match the arrays");
    return nullptr;
  }
  if (mn == 0) return nullptr;  // nothing to write
  idem::fused_matmul_f32(A, B, bias, out, M, N, K, ta, tb, static_cast<int>(act));
  return nullptr;
}

}  // namespace

namespace idem {

bool register_fused_kernels(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"dropout", nullptr, Dropout, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"philoxWords", nullptr, PhiloxWords, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"optimizerUpdate", nullptr, OptimizerUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fusedMatMul", nullptr, FusedMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"alignOffset", nullptr, AlignOffset, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluGrad", nullptr, ReluGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}

}  // namespace idem
