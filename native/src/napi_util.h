/*
 * Argument checking shared by the addon's Node-API entry points (addon.cc, fused_napi.cc,
 * nn_napi.cc): each helper reads one argument, or throws a JS TypeError naming it and returns
 * false (the caller then returns nullptr).
 */
#pragma once
#include <node_api.h>

#include <cmath>
#include <cstdint>
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

}  // namespace idem_napi
