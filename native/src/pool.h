/*
 * idem's persistent thread pool. Every multi-threaded native kernel goes through it.
 *
 * API (stable; other kernels rely on it):
 *
 *   int  idem::num_threads();                 threads a parallel_for may use (>= 1)
 *   void idem::set_num_threads(int n);        n <= 0: the default (IDEM_NUM_THREADS, else the
 *                                             number of cores); JS: tf.setNumThreads(n)
 *   void idem::parallel_for(long n, long grain, const std::function<void(long, long)>& fn);
 *   void idem::parallel_for(long n, const std::function<void(long, long)>& fn);
 *   long idem::default_grain(long n);         the grain parallel_for(n, fn) uses
 *
 * parallel_for splits [0, n) into the chunks [c·grain, min(n, (c+1)·grain)), c = 0, 1, …,
 * and calls fn(begin, end) exactly once per chunk, each call on one thread. The chunks are a
 * function of n and grain only, never of the thread count, so a kernel whose chunk computes
 * its outputs (or its partial sums) alone gives bit-identical results on any number of threads:
 * combine per-chunk partials in chunk order after parallel_for returns. The two-argument form
 * uses default_grain(n) = ceil(n / 64) (at most 64 chunks).
 *
 * Which thread runs which chunk is not fixed (threads take the next chunk from a shared
 * counter), so fn must not depend on thread identity. With one thread, with a single chunk,
 * when called from inside a pool task (nesting) or while another caller holds the pool, the
 * chunks run on the calling thread, in order. fn must not throw.
 *
 * Cost: waking the workers costs a few microseconds; kernels should call parallel_for only
 * when the work is worth it (their own size threshold), and may call fn(0, n) directly below
 * it when that gives the same results (no per-chunk partials).
 */
#pragma once
#include <functional>

namespace idem {

int num_threads();
void set_num_threads(int n);
long default_grain(long n);
void parallel_for(long n, long grain, const std::function<void(long, long)>& fn);
void parallel_for(long n, const std::function<void(long, long)>& fn);

}  // namespace idem
