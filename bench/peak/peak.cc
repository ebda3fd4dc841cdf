/*
 * Single-core (and all-core) floating-point peak of this machine, in float32 GFLOP/s, so GEMM
 * and convolution figures can be shown as a fraction of it. Built by bench/peak/run.mjs with the
 * addon's compiler (g++ -O3 -std=c++17); the vector loops are compiled for their ISA with target
 * attributes and chosen at run time, as the addon's ISA paths (native/src/isa.h).
 *
 * 12 independent accumulators, each updated by acc = fma(acc, a, b) (2 flops per lane): enough
 * independent chains to cover the FMA latency on every current x86 core, so the loop runs at
 * the FMA units' throughput. Measured at the widest vectors the CPU has — 512-bit (AVX-512F)
 * when present, else 256-bit (AVX2 + FMA), else the portable multiply-add loop — and, when the
 * CPU has AVX-512, at 256 bits too (on Zen 4 the 512-bit FMA is two 256-bit halves; on Zen 5 and
 * Intel server cores it is twice the 256-bit rate): "fraction of peak" is against the widest.
 *
 *   peak [seconds per measurement = 0.3] [threads = hardware concurrency]
 * prints one line per measurement, then the summary lines
 *   "peak_1t_gflops=… peak_all_gflops=… threads=N"   (the widest vectors)
 *   "width=512 peak_1t_gflops=… peak_all_gflops=…" and "width=256 …" (each width measured),
 *   "width=W cpu_peak_1t_gflops=…" and "cpu_peak_1t_gflops=…": the 1-thread figure over the
 *   thread's CPU time instead of wall time (what a loaded, shared machine still shows).
 */
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>
#include <ctime>

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
__attribute__((target("avx512f"))) static double fma_avx512(long iters, float seed) {
  __m512 acc[12];
  for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps(seed + 0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iters; it++) {
    for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 12; i++) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);  // keeps the loop alive
}
static bool has_avx2_fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static bool has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}
#else
static bool has_avx2_fma() { return false; }
static bool has_avx512() { return false; }
static double fma_avx2(long, float) { return 0; }
static double fma_avx512(long, float) { return 0; }
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
static const bool kAvx512 = has_avx512();

/* The loop of one vector width (512, 256, or 0 = portable) and its flops per iteration. */
static double run_loop(int width, long iters, float seed) {
  return width == 512 ? fma_avx512(iters, seed) : width == 256 ? fma_avx2(iters, seed) : fma_generic(iters, seed);
}
static double flops_per_iter(int width) { return width == 512 ? 12 * 16 * 2 : 96 * 2; }  // 12 × 16 or 12 × 8 / 96 lanes

/* The calling thread's CPU time in seconds (time it ran, not time it waited for a core). */
static double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/*
 * GFLOP/s of `threads` threads each running the loop for about `seconds` (wall time of the
 * slowest); *cpu gets the same flops over the slowest thread's CPU time (on a shared machine the
 * wall figure counts the time a thread waited for a core, the CPU-time figure does not).
 */
static double measure(int width, int threads, double seconds, double* cpu = nullptr) {
  // Calibrate the iteration count on one thread.
  long iters = 1 << 16;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    volatile double sink = run_loop(width, iters, 1.0f);
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
  std::vector<double> secs(threads), cpus(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&, t] {
      ready++;
      while (!go.load()) {
      }
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = thread_cpu_seconds();
      volatile double sink = run_loop(width, iters, 1.0f + t);
      (void)sink;
      cpus[t] = thread_cpu_seconds() - c0;
      secs[t] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
  }
  while (ready.load() < threads) {
  }
  go = true;
  for (auto& th : pool) th.join();
  const double slowest = *std::max_element(secs.begin(), secs.end());
  const double busiest = *std::max_element(cpus.begin(), cpus.end());
  if (cpu) *cpu = busiest > 0 ? threads * iters * flops_per_iter(width) / busiest / 1e9 : 0.0;
  return threads * iters * flops_per_iter(width) / slowest / 1e9;
}

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 0.3;
  int threads = argc > 2 ? std::atoi(argv[2]) : static_cast<int>(std::thread::hardware_concurrency());
  if (threads < 1) threads = 1;
  const int widest = kAvx512 ? 512 : kAvx2 ? 256 : 0;
  std::printf("kernel: %s\n", widest == 512 ? "avx512 (12 x 16-wide FMA chains; 256-bit measured too)"
                             : widest == 256 ? "avx2-fma (12 x 8-wide FMA chains)"
                                             : "generic (compiler-vectorised multiply-add)");
  // The widest first (its lines are what bench/report.ts's parseProbe reads), then 256-bit.
  double best1 = 0, bestN = 0, bestCpu1 = 0;
  const int widths[2] = {widest, 256};
  for (int k = 0; k < (widest == 512 ? 2 : 1); k++) {
    const int w = widths[k];
    double b1 = 0, bN = 0, c1 = 0;
    for (int r = 0; r < 5; r++) {
      double gc = 0;
      const double g = measure(w, 1, seconds, &gc);
      b1 = std::max(b1, g);
      c1 = std::max(c1, gc);
      if (w == widest) std::printf("1 thread: %.1f GFLOP/s\n", g);
    }
    if (threads > 1) {
      for (int r = 0; r < 3; r++) {
        const double g = measure(w, threads, seconds);
        bN = std::max(bN, g);
        if (w == widest) std::printf("%d threads: %.1f GFLOP/s\n", threads, g);
      }
    } else {
      bN = b1;
    }
    std::printf("width=%d cpu_peak_1t_gflops=%.1f\n", w == 0 ? 32 : w, c1);
    if (w == widest) {
      bestCpu1 = c1;
      best1 = b1;
      bestN = bN;
    }
    std::printf("width=%d peak_1t_gflops=%.1f peak_all_gflops=%.1f\n", w == 0 ? 32 : w, b1, bN);
  }
  std::printf("peak_1t_gflops=%.1f peak_all_gflops=%.1f threads=%d\n", best1, bestN, threads);
  std::printf("cpu_peak_1t_gflops=%.1f\n", bestCpu1);
  return 0;
}
