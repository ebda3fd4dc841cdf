/*
 * parallel_rows(n, cost, fn): runs fn(begin, end) over [0, n) on the thread pool (pool.h) when
 * n·cost (about the number of float operations) is worth it, else fn(0, n) on this thread.
 * Used by the conv/pool/norm/softmax kernels only where each row's outputs are computed by one
 * call, independently of how [0, n) is split, so results never depend on the thread count.
 */
#pragma once
#include <functional>

#include "pool.h"

namespace idem {

inline void parallel_rows(long n, long cost, const std::function<void(long, long)>& fn) {
  if (n <= 0) return;
  const double work = static_cast<double>(n) * static_cast<double>(cost > 0 ? cost : 1);
  if (n == 1 || work < 65536.0 || num_threads() <= 1) {
    fn(0, n);
    return;
  }
  // About 16 chunks per thread-count-independent split (at most 64), at least one row each.
  long grain = (n + 15) / 16;
  if (grain < 1) grain = 1;
  parallel_for(n, grain, fn);
}

}  // namespace idem
