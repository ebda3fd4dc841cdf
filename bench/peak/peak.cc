/*
 * Single-core (and all-core) floating-point peak of this machine, in float32 GFLOP/s, so GEMM
 * figures can be shown as a fraction of it. Built by bench/peak/run.mjs with the addon's
 * compiler and flags (g++ -O3 -std=c++17; the AVX2 path with -mavx2 -mfma like
 * native/src/kernel_avx2.cc, chosen at run time when the CPU has AVX2 and FMA).
 *
 * AVX2 + FMA: 12 independent 8-wide accumulators, each updated by acc = fma(acc, a, b)
 * (2 flops per lane): enough independent chains to cover the FMA latency on every current x86
 * core, so the loop runs at the FMA units' throughput. Portable path: the same with plain
 * float multiply-add loops the compiler vectorises.
 *
 *   peak [seconds per measurement = 0.3] [threads = hardware concurrency]
 * prints one line per measurement, then a summary line "peak_1t_gflops=… peak_all_gflops=…".
 */
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static double fma_avx2(long iters, float seed) {
  __m256 acc[12];
  for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps(seed + 0.001f * i);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iters; it++) {
    for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0];  // keeps the loop alive
}
static bool has_avx2_fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static bool has_avx2_fma() { return false; }
static double fma_avx2(long, float) { return 0; }
#endif

/* Portable: 96 independent lanes of acc = acc·a + b (2 flops each). */
static double fma_generic(long iters, float seed) {
  float acc[96];
  for (int i = 0; i < 96; i++) acc[i] = seed + 0.001f * i;
  const float a = 0.999999f, b = 1e-7f;
  for (long it = 0; it < iters; it++) {
    for (int i = 0; i < 96; i++) acc[i] = acc[i] * a + b;
  }
  float s = 0;
  for (int i = 0; i < 96; i++) s += acc[i];
  return s;
}

static const bool kAvx2 = has_avx2_fma();
static const double kFlopsPerIter = 96 * 2;  // 12 × 8 lanes, or 96 lanes

/* GFLOP/s of `threads` threads each running the loop for about `seconds`. */
static double measure(int threads, double seconds) {
  // Calibrate the iteration count on one thread.
  long iters = 1 << 16;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    volatile double sink = kAvx2 ? fma_avx2(iters, 1.0f) : fma_generic(iters, 1.0f);
    (void)sink;
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt > seconds / 4) {
      iters = static_cast<long>(iters * seconds / dt);
      break;
    }
    iters *= 2;
  }
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<double> secs(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&, t] {
      ready++;
      while (!go.load()) {
      }
      const auto t0 = std::chrono::steady_clock::now();
      volatile double sink = kAvx2 ? fma_avx2(iters, 1.0f + t) : fma_generic(iters, 1.0f + t);
      (void)sink;
      secs[t] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
  }
  while (ready.load() < threads) {
  }
  go = true;
  for (auto& th : pool) th.join();
  const double slowest = *std::max_element(secs.begin(), secs.end());
  return threads * iters * kFlopsPerIter / slowest / 1e9;
}

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 0.3;
  int threads = argc > 2 ? std::atoi(argv[2]) : static_cast<int>(std::thread::hardware_concurrency());
  if (threads < 1) threads = 1;
  std::printf("kernel: %s\n", kAvx2 ? "avx2-fma (12 x 8-wide FMA chains)" : "generic (compiler-vectorised multiply-add)");
  double best1 = 0, bestN = 0;
  for (int r = 0; r < 5; r++) {
    const double g = measure(1, seconds);
    best1 = std::max(best1, g);
    std::printf("1 thread: %.1f GFLOP/s\n", g);
  }
  if (threads > 1) {
    for (int r = 0; r < 3; r++) {
      const double g = measure(threads, seconds);
      bestN = std::max(bestN, g);
      std::printf("%d threads: %.1f GFLOP/s\n", threads, g);
    }
  } else {
    bestN = best1;
  }
  std::printf("peak_1t_gflops=%.1f peak_all_gflops=%.1f threads=%d\n", best1, bestN, threads);
  return 0;
}
