/*
 * Tensor storage of the native backend: 64-byte aligned blocks from a pool of freed blocks
 * (exact byte sizes: a training loop asks for the same sizes every step), so steady-state
 * training allocates nothing from the system and touches no fresh pages.
 *
 * The JavaScript side owns each block through an external ArrayBuffer (storage_napi in
 * fused_napi.cc): `allocF32(n)` returns a Float32Array over a block; the block comes back to
 * the pool either when the backend releases it (`release(array)`: the tensor was disposed and
 * its array never handed out; the ArrayBuffer is detached so no view can see the reuse) or when
 * the garbage collector finalizes the ArrayBuffer. Live bytes are reported to V8 with
 * napi_adjust_external_memory, so the GC runs as often as the memory in use requires.
 *
 * At most `storage_pool_cap()` bytes stay pooled (IDEM_POOL_MB, default 256 MiB); blocks past
 * that go back to the system.
 */
#pragma once
#include <cstddef>

namespace idem {

void* storage_alloc(size_t bytes);
void storage_free(void* p, size_t bytes);

struct StorageStats {
  size_t live_bytes;    // handed out, not yet returned
  size_t pooled_bytes;  // free blocks kept for reuse
  size_t allocs;        // storage_alloc calls
  size_t reuses;        // of which served from the pool
};
StorageStats storage_stats();
/* Frees every pooled block. */
void storage_trim();

}  // namespace idem
