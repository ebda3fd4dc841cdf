/*
 * Node-API entry points of the tensor storage (storage.h), registered with the fused kernels
 * (register_storage, called from register_fused_kernels).
 *
 *   allocF32(n, zero) → Float32Array of n floats over a pooled 64-byte aligned block (an
 *     external ArrayBuffer; zero-filled when `zero`). Its bytes are reported to V8
 *     (napi_adjust_external_memory) until the block returns to the pool.
 *   release(array) → true when the block went back to the pool: the ArrayBuffer is detached
 *     first (every view of it now has length 0, so no stale view can read the next owner's
 *     data). false (nothing done) for an array that is not a live block of this pool.
 *   storageStats() → { liveBytes, pooledBytes, allocs, reuses }
 *   storageTrim() frees the pooled blocks.
 * A block whose ArrayBuffer is collected by the GC without release comes back to the pool in
 * the ArrayBuffer's finalizer.
 */
#include <node_api.h>

#include <cstring>
#include <mutex>
#include <unordered_map>

#include "storage.h"

namespace {

struct Block {
  void* ptr;
  size_t bytes;
  bool released;
};

std::mutex g_mu;
std::unordered_map<void*, Block*>& blocks() {
  static auto* m = new std::unordered_map<void*, Block*>();
  return *m;
}

void Finalize(napi_env env, void* /*data*/, void* hint) {
  Block* b = static_cast<Block*>(hint);
  bool give_back = false;
  {
    std::lock_guard<std::mutex> lk(g_mu);
    auto it = blocks().find(b->ptr);
    if (it != blocks().end() && it->second == b) blocks().erase(it);
    give_back = !b->released;
    b->released = true;
  }
  if (give_back) {
    idem::storage_free(b->ptr, b->bytes);
    int64_t ignored = 0;
    napi_adjust_external_memory(env, -static_cast<int64_t>(b->bytes), &ignored);
  }
  delete b;
}

napi_value AllocF32(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  if (napi_get_cb_info(env, info, &argc, a, nullptr, nullptr) != napi_ok) return nullptr;
  int64_t n = -1;
  bool zero = false;
  if (argc != 2 || napi_get_value_int64(env, a[0], &n) != napi_ok || n < 1 || n > (int64_t(1) << 40) ||
      napi_get_value_bool(env, a[1], &zero) != napi_ok) {
    napi_throw_type_error(env, nullptr, "idem native: allocF32(n, zero) expects a positive integer and a boolean");
    return nullptr;
  }
  const size_t bytes = static_cast<size_t>(n) * sizeof(float);
  void* ptr = idem::storage_alloc(bytes);
  if (!ptr) {
    napi_throw_range_error(env, nullptr, "idem native: out of memory allocating tensor storage");
    return nullptr;
  }
  if (zero) std::memset(ptr, 0, bytes);
  Block* b = new Block{ptr, bytes, false};
  napi_value ab, arr;
  if (napi_create_external_arraybuffer(env, ptr, bytes, Finalize, b, &ab) != napi_ok) {
    idem::storage_free(ptr, bytes);
    delete b;
    napi_throw_error(env, nullptr, "idem native: could not create an external ArrayBuffer");
    return nullptr;
  }
  {
    std::lock_guard<std::mutex> lk(g_mu);
    blocks()[ptr] = b;
  }
  int64_t ignored = 0;
  napi_adjust_external_memory(env, static_cast<int64_t>(bytes), &ignored);
  if (napi_create_typedarray(env, napi_float32_array, static_cast<size_t>(n), ab, 0, &arr) != napi_ok) return nullptr;
  return arr;
}

napi_value Release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_value result;
  bool ok = false;
  if (napi_get_cb_info(env, info, &argc, a, nullptr, nullptr) != napi_ok) return nullptr;
  bool is_ta = false;
  if (argc == 1 && napi_is_typedarray(env, a[0], &is_ta) == napi_ok && is_ta) {
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void* data = nullptr;
    napi_value ab;
    if (napi_get_typedarray_info(env, a[0], &type, &length, &data, &ab, &offset) == napi_ok && offset == 0 && data) {
      Block* b = nullptr;
      {
        std::lock_guard<std::mutex> lk(g_mu);
        auto it = blocks().find(data);
        if (it != blocks().end() && !it->second->released) b = it->second;
      }
      if (b && napi_detach_arraybuffer(env, ab) == napi_ok) {
        {
          std::lock_guard<std::mutex> lk(g_mu);
          b->released = true;
          blocks().erase(b->ptr);
        }
        idem::storage_free(b->ptr, b->bytes);
        int64_t ignored = 0;
        napi_adjust_external_memory(env, -static_cast<int64_t>(b->bytes), &ignored);
        ok = true;
      }
    }
  }
  napi_get_boolean(env, ok, &result);
  return result;
}

napi_value StorageStatsFn(napi_env env, napi_callback_info) {
  const idem::StorageStats s = idem::storage_stats();
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_double(env, static_cast<double>(s.live_bytes), &v);
  napi_set_named_property(env, obj, "liveBytes", v);
  napi_create_double(env, static_cast<double>(s.pooled_bytes), &v);
  napi_set_named_property(env, obj, "pooledBytes", v);
  napi_create_double(env, static_cast<double>(s.allocs), &v);
  napi_set_named_property(env, obj, "allocs", v);
  napi_create_double(env, static_cast<double>(s.reuses), &v);
  napi_set_named_property(env, obj, "reuses", v);
  return obj;
}

napi_value StorageTrim(napi_env, napi_callback_info) {
  idem::storage_trim();
  return nullptr;
}

}  // namespace

namespace idem {

bool register_storage(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"allocF32", nullptr, AllocF32, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"release", nullptr, Release, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"storageStats", nullptr, StorageStatsFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"storageTrim", nullptr, StorageTrim, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}

}  // namespace idem
