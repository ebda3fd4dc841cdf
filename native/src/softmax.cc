/* Softmax-family kernels (see softmax.h). */
#include "softmax.h"

#include <cmath>
#include <limits>

#include <vector>

#include "nn_parallel.h"
#include "vmath.h"

namespace idem {

namespace {

/* JavaScript's Math.max(m, v): NaN wins, +0 beats -0. */
inline double js_max(double m, double v) {
  if (m != m || v != v) return std::numeric_limits<double>::quiet_NaN();
  if (v > m) return v;
  if (v == 0.0 && m == 0.0 && std::signbit(m) && !std::signbit(v)) return v;
  return m;
}

/*
 * m and log Σ exp(x - m) of the slice x[base + j·stride], j < n; buf (2n doubles: the second
 * half is scratch) is left holding x − m. The exps run vectorized (vmath.h), the sum in increasing j.
 */
inline void shift_and_log_sum(const float* x, long base, long n, long stride, double* buf, double* m_out, double* ls_out) {
  double m = -std::numeric_limits<double>::infinity();
  for (long j = 0; j < n; j++) m = js_max(m, x[base + j * stride]);
  for (long j = 0; j < n; j++) buf[j] = static_cast<double>(x[base + j * stride]) - m;
  double* e = buf + n;  // the caller's second half
  exp_f64(buf, e, n);
  double s = 0;
  for (long j = 0; j < n; j++) s += e[j];
  *m_out = m;
  *ls_out = std::log(s);
}

/*
 * js_max over the slice (NaN wins, +0 beats -0) as a branch-free loop: the largest value by
 * `>` (keeping the first of equals), NaN if any; a zero maximum is +0 when any +0 is there.
 */
inline double slice_max(const float* x, long base, long n, long stride) {
  float mx = -std::numeric_limits<float>::infinity();
  int nan = 0;
  for (long j = 0; j < n; j++) {
    const float v = x[base + j * stride];
    nan |= v != v;
    mx = v > mx ? v : mx;
  }
  if (nan) return std::numeric_limits<double>::quiet_NaN();
  if (mx == 0.0f && std::signbit(mx)) {
    for (long j = 0; j < n; j++)
      if (x[base + j * stride] == 0.0f && !std::signbit(x[base + j * stride])) return 0.0;
  }
  return mx;
}

}  // namespace

void softmax_f32(int mode, const float* x, float* y, long outer, long n, long inner) {
  parallel_rows(outer * inner, n * 24, [&](long s0, long s1) {
    // Slices in groups of G: each slice's sum runs in its own order (increasing j), the G sums
    // interleaved so their addition chains overlap.
    constexpr long G = 4;
    std::vector<double> buf(static_cast<size_t>(2 * G * n));
    for (long s = s0; s < s1; s += G) {
      const long g = s1 - s < G ? s1 - s : G;
      long base[G];
      double sum[G];
      for (long r = 0; r < g; r++) {
        const long sl = s + r;
        base[r] = (sl / inner) * n * inner + sl % inner;
        const double mx = slice_max(x, base[r], n, inner);
        double* d = buf.data() + 2 * r * n;
        for (long j = 0; j < n; j++) d[j] = static_cast<double>(x[base[r] + j * inner]) - mx;  // x − m
        exp_f64(d, d + n, n);                                                                   // exp(x − m)
        sum[r] = 0.0;
      }
      for (long j = 0; j < n; j++)
        for (long r = 0; r < g; r++) sum[r] += buf[(2 * r + 1) * n + j];
      for (long r = 0; r < g; r++) {
        const double* d = buf.data() + 2 * r * n;
        const double* e = d + n;
        if (mode == 1) {
          const double ls = std::log(sum[r]);
          for (long j = 0; j < n; j++) y[base[r] + j * inner] = static_cast<float>(d[j] - ls);  // x − m − log s
        } else {
          for (long j = 0; j < n; j++) y[base[r] + j * inner] = static_cast<float>(e[j] / sum[r]);  // exp(x − m) / s
        }
      }
    }
  });
}

void softmax_xent_f32(const float* labels, const float* logits, float* loss, long outer, long n, long inner) {
  parallel_rows(outer * inner, n * 24, [&](long s0, long s1) {
    std::vector<double> buf(static_cast<size_t>(2 * n));
    for (long s = s0; s < s1; s++) {
      const long base = (s / inner) * n * inner + s % inner;
      double m, ls;
      shift_and_log_sum(logits, base, n, inner, buf.data(), &m, &ls);
      double l = 0;
      for (long j = 0; j < n; j++) {
        const long p = base + j * inner;
        const double z = labels[p];
        if (z != 0) l += z * (m + ls - static_cast<double>(logits[p]));
      }
      loss[s] = static_cast<float>(l);
    }
  });
}

}  // namespace idem
