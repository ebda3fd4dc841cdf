/*
 * Node-API entry points of the fused kernels (fused.h), added to the addon's exports by
 * register_fused_kernels (called from addon.cc's Init).
 *
 *   dropout(x | null, y | null, mask, k0, k1, sLo, sHi, rate, scale)
 *     Float32Arrays of one length (x and y null: the mask only); key/stream words uint32.
 *   philoxWords(out: Uint32Array, k0, k1, sLo, sHi)
 *   adamUpdate(ins, outs, attrs), sgdUpdate(…), rmspropUpdate(…)
 *     The fused optimizer kernels AdamUpdate, SGDUpdate, RMSpropUpdate (src/core/kernels.ts),
 *     each with its named attributes read from `attrs` (Adam alpha, beta1, beta2, epsilon; SGD
 *     learningRate, momentum, nesterov; RMSprop learningRate, rho, momentum, epsilon, centered).
 *     ins per variable [g, x, slot…], outs per variable [x', slot'…], Float32Arrays of one length
 *     per variable, every slot of the kernel in its order (Adam m, v; SGD momentum; RMSprop rms,
 *     mg, momentum), null in both where the attributes leave it unused.
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

/* attrs[name] as a finite number; false after a TypeError naming the kernel and the attribute. */
bool attr_num(napi_env env, napi_value attrs, const char* kernel, const char* name, double* out) {
  napi_value v;
  napi_valuetype t = napi_undefined;
  if (napi_get_named_property(env, attrs, name, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok || t != napi_number ||
      napi_get_value_double(env, v, out) != napi_ok || !std::isfinite(*out))
    return type_error(env, (std::string(kernel) + " attribute '" + name + "'").c_str(), "a finite number");
  return true;
}

/* attrs[name] as a boolean; false after a TypeError naming the kernel and the attribute. */
bool attr_bool(napi_env env, napi_value attrs, const char* kernel, const char* name, bool* out) {
  napi_value v;
  napi_valuetype t = napi_undefined;
  if (napi_get_named_property(env, attrs, name, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok || t != napi_boolean ||
      napi_get_value_bool(env, v, out) != napi_ok)
    return type_error(env, (std::string(kernel) + " attribute '" + name + "'").c_str(), "a boolean");
  return true;
}

/*
 * The arrays of a fused optimizer kernel: ins per variable [g, x, slot_0 … slot_{S−1}], outs per
 * variable [x', slot_0' …]; slot k is a Float32Array in ins and outs where has[k], else null in
 * both. The arrays of one variable have one length. False after a TypeError / RangeError.
 */
bool optimizer_vars(napi_env env, const char* kernel, napi_value ins, napi_value outs, const bool* has, int n_slots,
                    std::vector<idem::OptVar>* vars) {
  uint32_t nin = 0, nout = 0;
  bool ai = false, ao = false;
  if (napi_is_array(env, ins, &ai) != napi_ok || !ai || napi_is_array(env, outs, &ao) != napi_ok || !ao)
    return type_error(env, (std::string(kernel) + " ins and outs").c_str(), "arrays");
  if (napi_get_array_length(env, ins, &nin) != napi_ok || napi_get_array_length(env, outs, &nout) != napi_ok)
    return kernel_range_error(env, kernel, "could not read the array lengths");
  const uint32_t per_in = static_cast<uint32_t>(2 + n_slots), per_out = static_cast<uint32_t>(1 + n_slots);
  if (nin % per_in != 0 || nout != nin / per_in * per_out)
    return kernel_range_error(env, kernel, "expected " + std::to_string(per_in) + " inputs and " + std::to_string(per_out) +
                                               " outputs per variable, received " + std::to_string(nin) + " and " + std::to_string(nout));
  const size_t count = nin / per_in;
  vars->assign(count, idem::OptVar{});
  for (size_t v = 0; v < count; v++) {
    const uint32_t bi = static_cast<uint32_t>(v * per_in), bo = static_cast<uint32_t>(v * per_out);
    size_t n = 0;
    bool first = true;
    // Element i of arr: a Float32Array of the variable's length where present, else null.
    auto get = [&](napi_value arr, uint32_t i, bool present, float** out, const char* what) -> bool {
      napi_value e;
      napi_valuetype t = napi_undefined;
      if (napi_get_element(env, arr, i, &e) != napi_ok || napi_typeof(env, e, &t) != napi_ok)
        return kernel_range_error(env, kernel, "could not read an array element");
      if (!present) {
        if (t != napi_null) return kernel_range_error(env, kernel, std::string(what) + " must be null (the slot is not used)");
        *out = nullptr;
        return true;
      }
      size_t len = 0;
      if (!f32(env, e, out, &len, what)) return false;
      if (!first && len != n) return kernel_range_error(env, kernel, "the arrays of one variable must have one length");
      n = len;
      first = false;
      return true;
    };
    float *g = nullptr, *x = nullptr, *ox = nullptr;
    float* s[3] = {nullptr, nullptr, nullptr};
    float* os[3] = {nullptr, nullptr, nullptr};
    if (!get(ins, bi, true, &g, "gradient") || !get(ins, bi + 1, true, &x, "variable") || !get(outs, bo, true, &ox, "new variable"))
      return false;
    for (int k = 0; k < n_slots; k++)
      if (!get(ins, bi + 2 + k, has[k], &s[k], "slot") || !get(outs, bo + 1 + k, has[k], &os[k], "new slot")) return false;
    idem::OptVar& o = (*vars)[v];
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
  return true;
}

/* adamUpdate(ins, outs, attrs): the AdamUpdate kernel; ins per variable [g, x, m, v]; attrs alpha, beta1, beta2, epsilon. */
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  const char* K = "AdamUpdate";
  double alpha, beta1, beta2, epsilon;
  if (argc != 3 || !attr_num(env, a[2], K, "alpha", &alpha) || !attr_num(env, a[2], K, "beta1", &beta1) ||
      !attr_num(env, a[2], K, "beta2", &beta2) || !attr_num(env, a[2], K, "epsilon", &epsilon))
    return nullptr;
  const bool has[2] = {true, true};
  std::vector<idem::OptVar> vars;
  if (!optimizer_vars(env, K, a[0], a[1], has, 2, &vars)) return nullptr;
  auto f = [](double d) { return static_cast<float>(d); };
  idem::adam_f32(vars.data(), vars.size(), f(1 - beta1), f(1 - beta2), f(alpha), f(epsilon));
  return nullptr;
}

/* sgdUpdate(ins, outs, attrs): the SGDUpdate kernel; ins per variable [g, x, momentum | null]; attrs learningRate, momentum, nesterov. */
napi_value SGDUpdate(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  const char* K = "SGDUpdate";
  double lr, momentum;
  bool nesterov;
  if (argc != 3 || !attr_num(env, a[2], K, "learningRate", &lr) || !attr_num(env, a[2], K, "momentum", &momentum) ||
      !attr_bool(env, a[2], K, "nesterov", &nesterov))
    return nullptr;
  const int kind = momentum == 0 ? 0 : nesterov ? 2 : 1;
  const bool has[1] = {kind != 0};
  std::vector<idem::OptVar> vars;
  if (!optimizer_vars(env, K, a[0], a[1], has, 1, &vars)) return nullptr;
  idem::sgd_f32(vars.data(), vars.size(), kind, static_cast<float>(lr), static_cast<float>(momentum));
  return nullptr;
}

/*
 * rmspropUpdate(ins, outs, attrs): the RMSpropUpdate kernel; ins per variable [g, x, rms, mg | null,
 * momentum | null]; attrs learningRate, rho, momentum, epsilon, centered.
 */
napi_value RMSpropUpdate(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  const char* K = "RMSpropUpdate";
  double lr, rho, momentum, epsilon;
  bool centered;
  if (argc != 3 || !attr_num(env, a[2], K, "learningRate", &lr) || !attr_num(env, a[2], K, "rho", &rho) ||
      !attr_num(env, a[2], K, "momentum", &momentum) || !attr_num(env, a[2], K, "epsilon", &epsilon) ||
      !attr_bool(env, a[2], K, "centered", &centered))
    return nullptr;
  const bool has[3] = {true, centered, momentum > 0};
  std::vector<idem::OptVar> vars;
  if (!optimizer_vars(env, K, a[0], a[1], has, 3, &vars)) return nullptr;
  auto f = [](double d) { return static_cast<float>(d); };
  idem::rmsprop_f32(vars.data(), vars.size(), f(rho), f(1 - rho), f(lr), f(epsilon), centered, momentum > 0, f(momentum));
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
      {"adamUpdate", nullptr, AdamUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgdUpdate", nullptr, SGDUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rmspropUpdate", nullptr, RMSpropUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fusedMatMul", nullptr, FusedMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"alignOffset", nullptr, AlignOffset, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluGrad", nullptr, ReluGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}

}  // namespace idem
