/* Batch normalization forward / backward (see norm.h). */
#include "norm.h"

#include <cmath>
#include <vector>

#include "nn_parallel.h"

namespace idem {

namespace {

/* Rows per reduction chunk: a function of M only (at most 64 chunks, at least 256 rows). */
long chunk_rows(long M) {
  long r = (M + 63) / 64;
  return r < 256 ? 256 : r;
}

/*
 * s[c] = Σ_rows f0(row, c), t[c] = Σ_rows f1(row, c) in float64, over fixed chunks combined in
 * chunk order. fill(r0, r1, s, t) adds the rows [r0, r1) of one chunk into zeroed s, t.
 */
template <typename Fill>
void chunked_sums(long M, long C, std::vector<double>& s, std::vector<double>& t, Fill fill) {
  const long R = chunk_rows(M);
  const long chunks = (M + R - 1) / R;
  std::vector<double> part(static_cast<size_t>(chunks * 2 * C), 0.0);
  auto run = [&](long c0, long c1) {
    for (long k = c0; k < c1; k++) {
      const long r0 = k * R, r1 = r0 + R < M ? r0 + R : M;
      fill(r0, r1, part.data() + k * 2 * C, part.data() + k * 2 * C + C);
    }
  };
  if (chunks > 1 && static_cast<double>(M) * C >= 65536.0 && num_threads() > 1)
    parallel_for(chunks, 1, run);
  else
    run(0, chunks);
  s.assign(static_cast<size_t>(C), 0.0);
  t.assign(static_cast<size_t>(C), 0.0);
  for (long k = 0; k < chunks; k++)
    for (long c = 0; c < C; c++) {
      s[c] += part[k * 2 * C + c];
      t[c] += part[k * 2 * C + C + c];
    }
}

}  // namespace

void batch_norm_forward(const float* x, const float* scale, const float* offset, long M, long C, double eps,
                        float* y, float* mean_out, float* var_out) {
  if (C <= 0) return;
  std::vector<double> s, t;
  chunked_sums(M, C, s, t, [&](long r0, long r1, double* ps, double* pt) {
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      for (long c = 0; c < C; c++) {
        const double v = xr[c];
        ps[c] += v;
        pt[c] += v * v;
      }
    }
  });
  std::vector<float> mf(static_cast<size_t>(C)), a(static_cast<size_t>(C)), b(static_cast<size_t>(C));
  for (long c = 0; c < C; c++) {
    // M = 0: mean and variance are NaN (0/0), as the mean of an empty set.
    const double mean = s[c] / static_cast<double>(M);
    double var = t[c] / static_cast<double>(M) - mean * mean;
    if (var < 0) var = 0;
    mean_out[c] = static_cast<float>(mean);
    var_out[c] = static_cast<float>(var);
    const double inv = 1.0 / std::sqrt(var + eps);
    mf[c] = static_cast<float>(mean);
    a[c] = static_cast<float>(inv * (scale ? scale[c] : 1.0));
    b[c] = offset ? offset[c] : 0.0f;
  }
  if (M <= 0) return;
  parallel_rows(M, C * 2, [&](long r0, long r1) {
    const float* mp = mf.data();
    const float* ap = a.data();
    const float* bp = b.data();
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      for (long c = 0; c < C; c++) yr[c] = (xr[c] - mp[c]) * ap[c] + bp[c];
    }
  });
}

void batch_norm_backward(const float* dy, const float* x, const float* scale, const float* mean, const float* var,
                         const float* dmean, const float* dvar, long M, long C, double eps, float* dx, float* dscale,
                         float* doffset) {
  if (C <= 0) return;
  std::vector<double> s, t;
  chunked_sums(M, C, s, t, [&](long r0, long r1, double* ps, double* pt) {
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      const float* dr = dy + r * C;
      for (long c = 0; c < C; c++) {
        const double d = dr[c];
        ps[c] += d;
        pt[c] += d * (static_cast<double>(xr[c]) - mean[c]);
      }
    }
  });
  std::vector<float> k1(static_cast<size_t>(C)), k2(static_cast<size_t>(C)), k3(static_cast<size_t>(C));
  for (long c = 0; c < C; c++) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
    const double g = scale ? scale[c] : 1.0;
    doffset[c] = static_cast<float>(s[c]);
    dscale[c] = static_cast<float>(t[c] * inv);
    // dx = k1·dy − k2 − (x − mean)·k3
    const double Md = static_cast<double>(M);
    k1[c] = static_cast<float>(inv * g);
    k2[c] = static_cast<float>(inv * g * s[c] / Md - (dmean ? dmean[c] / Md : 0.0));
    k3[c] = static_cast<float>(inv * g * t[c] * inv * inv / Md - (dvar ? 2.0 * dvar[c] / Md : 0.0));
  }
  if (M <= 0) return;
  parallel_rows(M, C * 3, [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      const float* dr = dy + r * C;
      float* o = dx + r * C;
      for (long c = 0; c < C; c++) o[c] = k1[c] * dr[c] - k2[c] - (xr[c] - mean[c]) * k3[c];
    }
  });
}

}  // namespace idem
