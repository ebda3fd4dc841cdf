/*
 * Argument checking shared by the addon's Node-API entry points (addon.cc, fused_napi.cc,
 * nn_napi.cc): each helper reads one argument, or throws a JS TypeError naming it and returns
 * false (the caller then returns nullptr).
 *
 * Sizes: a kernel trusts its sizes to index the arrays it is given, so every size is checked here
 * before any kernel runs. Each size must be below 2^31 (`kMaxDim`), and every product of sizes a
 * kernel computes (element counts, im2col widths, ...) is multiplied with an overflow check and
 * must stay below 2^53 (`kMaxElements`, also JavaScript's exact-integer limit), then compared with
 * the arrays' real lengths. A violation throws a RangeError naming the kernel and the sizes, so a
 * product that would wrap to 0 in 64 bits (and let an empty array pass) can never reach a loop.
 */
#pragma once
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>

#define IDEM_NAPI_CHECK(call)                                           \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error(env, nullptr, "idem native: " #call " failed"); \
      return nullptr;                                                   \
    }                                                                   \
  } while (0)

namespace idem_napi {

inline bool type_error(napi_env env, const char* what, const char* expected) {
  const std::string msg = std::string("idem native: ") + what + " must be " + expected;
  napi_throw_type_error(env, nullptr, msg.c_str());
  return false;
}

inline const char* typed_array_name(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return "a Float32Array";
    case napi_uint32_array: return "a Uint32Array";
    case napi_int32_array: return "an Int32Array";
    case napi_uint8_array: return "a Uint8Array";
    default: return "a typed array of the expected type";
  }
}

/* A typed array of type `want`: its data pointer and element count. */
inline bool typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length, const char* what) {
  bool is_ta = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset = 0;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) != napi_ok || type != want)
    return type_error(env, what, typed_array_name(want));
  return true;
}

inline bool f32(napi_env env, napi_value v, float** data, size_t* length, const char* what) {
  void* p = nullptr;
  if (!typed(env, v, napi_float32_array, &p, length, what)) return false;
  *data = static_cast<float*>(p);
  return true;
}

/* A Float32Array, or null (data = nullptr, length 0). */
inline bool f32_or_null(napi_env env, napi_value v, float** data, size_t* length, const char* what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) == napi_ok && t == napi_null) {
    *data = nullptr;
    *length = 0;
    return true;
  }
  return f32(env, v, data, length, what);
}

inline bool u8(napi_env env, napi_value v, uint8_t** data, size_t* length, const char* what) {
  void* p = nullptr;
  if (!typed(env, v, napi_uint8_array, &p, length, what)) return false;
  *data = static_cast<uint8_t*>(p);
  return true;
}

inline bool nonneg_int(napi_env env, napi_value v, long* out, const char* what) {
  int64_t x = 0;
  if (napi_get_value_int64(env, v, &x) != napi_ok || x < 0) return type_error(env, what, "a non-negative integer");
  *out = static_cast<long>(x);
  return true;
}

inline bool u32(napi_env env, napi_value v, uint32_t* out, const char* what) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= 4294967295.0) || d != std::floor(d))
    return type_error(env, what, "a uint32");
  *out = static_cast<uint32_t>(d);
  return true;
}

inline bool num(napi_env env, napi_value v, double* out, const char* what) {
  if (napi_get_value_double(env, v, out) != napi_ok) return type_error(env, what, "a number");
  return true;
}

constexpr int64_t kMaxDim = (int64_t(1) << 31) - 1;
constexpr uint64_t kMaxElements = uint64_t(1) << 53;

inline bool range_error_msg(napi_env env, const std::string& msg) {
  napi_throw_range_error(env, nullptr, ("idem native: " + msg).c_str());
  return false;
}

/*
 * A size argument of `kernel`: an integer in [0, 2^31). Not a number, not an integer or negative:
 * TypeError naming the argument; 2^31 or more: RangeError naming the kernel and the value.
 */
inline bool size_arg(napi_env env, napi_value v, long* out, const char* kernel, const char* what) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d != std::floor(d)) return type_error(env, what, "a non-negative integer");
  if (d > static_cast<double>(kMaxDim)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return range_error_msg(env, std::string(kernel) + ": " + what + " = " + buf + " is too large (each size must be below 2^31)");
  }
  *out = static_cast<long>(d);
  return true;
}

/*
 * The product of `factors` (each already in [0, 2^31)), multiplied with an overflow check: false
 * (after a RangeError naming the kernel, the product and its factors) when a partial product of the
 * non-zero factors reaches 2^53, so even a product that an empty factor would make 0 is refused
 * when its other factors are absurd.
 */
inline bool product(napi_env env, const char* kernel, const char* what, std::initializer_list<long> factors, size_t* out) {
  uint64_t nz = 1;  // product of the non-zero factors
  bool zero = false, bad = false, over = false;
  for (long f : factors) {
    if (f < 0 || f > kMaxDim) {
      bad = true;
      break;
    }
    const uint64_t u = static_cast<uint64_t>(f);
    if (u == 0) {
      zero = true;
    } else if (nz > (kMaxElements - 1) / u) {
      over = true;
      break;
    } else {
      nz *= u;
    }
  }
  if (bad || over) {
    std::string shown;  // "a·b·c"
    for (long f : factors) shown += (shown.empty() ? "" : "*") + std::to_string(f);
    return range_error_msg(env, std::string(kernel) + ": " + what + " = " + shown +
                                    (bad ? " has a size out of range (each size must be below 2^31)" : " overflows (every product of sizes must be below 2^53)"));
  }
  *out = zero ? 0 : static_cast<size_t>(nz);
  return true;
}

/* RangeError "idem native: <kernel>: <message>"; returns false. */
inline bool kernel_range_error(napi_env env, const char* kernel, const std::string& message) {
  return range_error_msg(env, std::string(kernel) + ": " + message);
}

}  // namespace idem_napi
