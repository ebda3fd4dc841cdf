/*
 * The persistent thread pool (see pool.h). num_threads() − 1 worker threads plus the caller.
 *
 * A job is published in one 64-bit atomic word: generation (24 bits) | chunk count (20 bits) |
 * next chunk (20 bits). A thread claims a chunk by a compare-and-swap that increments the next
 * chunk while the generation is still the one it woke for, so a late worker can never claim a
 * chunk of a later job. The job's fn, n and grain are written before the word is published
 * (release) and stay valid until every chunk of the job is done, which needs the claimer's chunk.
 * The caller runs chunks too, then waits for the done count. Idle workers spin for 400 µs, then
 * sleep on a condition variable: a training step issues its kernels a few µs apart, but between
 * two products of a `matMul` loop or two `predict` batches JavaScript runs for 50–300 µs
 * (reading the result, making the next batch), and waking a sleeping thread on this shared VM
 * cost a good part of a small product. Interleaved A/B in one process (50 vs 400 µs): W4 n = 256
 * 68–71 → 87–89 GFLOP/s, a W1 step 3.14–3.78 → 3.05–3.13 ms, a W5 pass 88–102 → 85–97 ms; 1 ms
 * was no better than 400 µs.
 */
#include "pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define IDEM_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define IDEM_PAUSE() __asm__ __volatile__("yield")
#else
#define IDEM_PAUSE() ((void)0)
#endif

namespace idem {

namespace {

/* How long an idle worker polls for the next job before it sleeps. */
constexpr long kSpinMicros = 400;

constexpr int kIdxBits = 20;
constexpr uint64_t kIdxMask = (uint64_t(1) << kIdxBits) - 1;
constexpr long kMaxChunks = long(kIdxMask);  // more chunks than this run on the caller

inline uint64_t gen_of(uint64_t w) { return w >> (2 * kIdxBits); }
inline uint64_t count_of(uint64_t w) { return (w >> kIdxBits) & kIdxMask; }
inline uint64_t idx_of(uint64_t w) { return w & kIdxMask; }

int default_threads() {
  const char* env = std::getenv("IDEM_NUM_THREADS");
  if (env) {
    const int v = std::atoi(env);
    if (v > 0) return v > 256 ? 256 : v;
  }
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc > 256 ? 256 : hc) : 1;
}

thread_local bool t_in_pool = false;

class Pool {
 public:
  std::atomic<int> target{default_threads()};

  void run(long n, long grain, const std::function<void(long, long)>& fn) {
    const long chunks = (n + grain - 1) / grain;
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock() || t_in_pool || chunks < 2 || chunks > kMaxChunks || target.load() < 2) {
      serial(n, grain, fn, chunks);
      return;
    }
    resize(target.load());
    if (workers_.empty()) {
      serial(n, grain, fn, chunks);
      return;
    }
    fn_ = &fn;
    n_ = n;
    grain_ = grain;
    done_.store(0, std::memory_order_relaxed);
    gen_ = (gen_ + 1) & ((uint64_t(1) << (64 - 2 * kIdxBits)) - 1);
    const uint64_t word = (gen_ << (2 * kIdxBits)) | (uint64_t(chunks) << kIdxBits);
    word_.store(word, std::memory_order_seq_cst);
    {
      std::lock_guard<std::mutex> lk(sleep_);
    }
    wake_.notify_all();
    t_in_pool = true;
    work(gen_);
    t_in_pool = false;
    // Wait for the chunks other threads claimed.
    int spins = 0;
    while (done_.load(std::memory_order_acquire) < chunks) {
      if (++spins < 4096) {
        IDEM_PAUSE();
      } else {
        std::this_thread::yield();
      }
    }
    fn_ = nullptr;
  }

 private:
  std::mutex busy_;   // one parallel_for at a time (others run serially)
  std::mutex sleep_;  // guards sleeping on wake_
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> word_{0};
  std::atomic<long> done_{0};
  std::atomic<bool> stop_{false};
  uint64_t gen_ = 0;
  const std::function<void(long, long)>* fn_ = nullptr;
  long n_ = 0, grain_ = 1;

  static void serial(long n, long grain, const std::function<void(long, long)>& fn, long chunks) {
    for (long c = 0; c < chunks; c++) {
      const long b = c * grain;
      fn(b, n - b < grain ? n : b + grain);
    }
  }

  /* Claims and runs chunks of job `gen` until none is left. */
  void work(uint64_t gen) {
    uint64_t w = word_.load(std::memory_order_acquire);
    for (;;) {
      if (gen_of(w) != gen || idx_of(w) >= count_of(w)) return;
      if (!word_.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      const long c = static_cast<long>(idx_of(w));
      const long b = c * grain_;
      (*fn_)(b, n_ - b < grain_ ? n_ : b + grain_);
      done_.fetch_add(1, std::memory_order_release);
      w = word_.load(std::memory_order_acquire);
    }
  }

  void worker_loop() {
    t_in_pool = true;
    uint64_t seen = gen_of(word_.load(std::memory_order_acquire));
    for (;;) {
      // Spin briefly for the next job, then sleep.
      uint64_t w = word_.load(std::memory_order_acquire);
      if (gen_of(w) == seen && !stop_.load(std::memory_order_relaxed)) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
        for (int i = 0;; i++) {
          IDEM_PAUSE();
          w = word_.load(std::memory_order_acquire);
          if (gen_of(w) != seen || stop_.load(std::memory_order_relaxed)) break;
          if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) {
            std::unique_lock<std::mutex> lk(sleep_);
            wake_.wait(lk, [&] {
              return gen_of(word_.load(std::memory_order_acquire)) != seen || stop_.load(std::memory_order_relaxed);
            });
            w = word_.load(std::memory_order_acquire);
            break;
          }
        }
      }
      if (stop_.load(std::memory_order_relaxed)) return;
      seen = gen_of(w);
      work(seen);
    }
  }

  /* Makes the pool have threads − 1 workers (called with busy_ held, no job running). */
  void resize(int threads) {
    const size_t want = threads > 1 ? static_cast<size_t>(threads - 1) : 0;
    if (workers_.size() == want) return;
    if (!workers_.empty()) {
      stop_.store(true);
      {
        std::lock_guard<std::mutex> lk(sleep_);
      }
      wake_.notify_all();
      for (auto& t : workers_) t.join();
      workers_.clear();
      stop_.store(false);
    }
    for (size_t i = 0; i < want; i++) {
      try {
        workers_.emplace_back([this] { worker_loop(); });
      } catch (...) {
        break;  // fewer workers: same results, the caller runs more chunks
      }
    }
  }
};

// Never destroyed: workers may still be asleep when the process exits.
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

int num_threads() { return pool().target.load(); }

void set_num_threads(int n) {
  if (n <= 0) n = default_threads();
  pool().target.store(n > 256 ? 256 : n);
}

long default_grain(long n) { return n <= 64 ? 1 : (n + 63) / 64; }

void parallel_for(long n, long grain, const std::function<void(long, long)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  pool().run(n, grain, fn);
}

void parallel_for(long n, const std::function<void(long, long)>& fn) { parallel_for(n, default_grain(n), fn); }

}  // namespace idem
