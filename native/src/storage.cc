/* The storage pool (see storage.h). Thread-safe (one mutex; calls come from the JS thread). */
#include "storage.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace idem {

namespace {

size_t cap_from_env() {
  const char* env = std::getenv("IDEM_POOL_MB");
  if (env) {
    const long v = std::atol(env);
    if (v >= 0) return static_cast<size_t>(v) << 20;
  }
  return size_t(256) << 20;
}

struct Pool {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  size_t cap = cap_from_env();
  StorageStats stats{0, 0, 0, 0};
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed (finalizers may run at exit)
  return *p;
}

size_t rounded(size_t bytes) { return bytes == 0 ? 64 : (bytes + 63) & ~size_t(63); }

}  // namespace

void* storage_alloc(size_t bytes) {
  const size_t size = rounded(bytes);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lk(p.mu);
    p.stats.allocs++;
    auto it = p.free_lists.find(size);
    if (it != p.free_lists.end() && !it->second.empty()) {
      void* ptr = it->second.back();
      it->second.pop_back();
      p.stats.reuses++;
      p.stats.pooled_bytes -= size;
      p.stats.live_bytes += size;
      return ptr;
    }
  }
  void* ptr = std::aligned_alloc(64, size);
  if (ptr) {
    std::lock_guard<std::mutex> lk(p.mu);
    p.stats.live_bytes += size;
  }
  return ptr;
}

void storage_free(void* ptr, size_t bytes) {
  if (!ptr) return;
  const size_t size = rounded(bytes);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lk(p.mu);
    p.stats.live_bytes -= size;
    if (p.stats.pooled_bytes + size <= p.cap) {
      p.free_lists[size].push_back(ptr);
      p.stats.pooled_bytes += size;
      return;
    }
  }
  std::free(ptr);
}

StorageStats storage_stats() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lk(p.mu);
  return p.stats;
}

void storage_trim() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lk(p.mu);
  for (auto& kv : p.free_lists)
    for (void* ptr : kv.second) std::free(ptr);
  p.free_lists.clear();
  p.stats.pooled_bytes = 0;
}

}  // namespace idem
