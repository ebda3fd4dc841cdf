/* Fused LayerNorm and attention kernels (see attention.h). */
#include "attention.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "nn_parallel.h"

namespace idem {

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps, long R, long C, float* y, float* mean,
                        float* inv0) {
  const double n = static_cast<double>(C);
  parallel_rows(R, 12 * C, [&](long r0, long r1) {
    std::vector<float> d(static_cast<size_t>(C));
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      double acc = 0.0;
      for (long c = 0; c < C; c++) acc += static_cast<double>(xr[c]);
      const float m = static_cast<float>(acc / n);  // mean(x): float64 sum / n, rounded once
      double vacc = 0.0;
      for (long c = 0; c < C; c++) {
        d[c] = xr[c] - m;                                // sub(x, m)
        const float dd = d[c] * d[c];                   // mul(d, d)
        vacc += static_cast<double>(dd);
      }
      const float v = static_cast<float>(vacc / n);    // mean(d·d)
      const float ve = v + eps;                         // add(v, ε)
      const float i0 = static_cast<float>(1.0 / std::sqrt(static_cast<double>(ve)));  // rsqrt
      const float nm = -m;                              // neg(mean)
      for (long c = 0; c < C; c++) {
        const float inv = i0 * gamma[c];                // mul(inv0, γ)
        float res = nm * inv;                           // mul(−m, inv)
        res = res + beta[c];                            // add(·, β)
        const float xi = xr[c] * inv;                   // mul(x, inv)
        yr[c] = xi + res;                               // add
      }
      mean[r] = m;
      inv0[r] = i0;
    }
  });
}

void layer_norm_backward(const float* dy, const float* x, const float* gamma, const float* mean, const float* inv0, long R, long C,
                         float* dx_mul, float* dx_sub, float* dx_mean, float* dgamma, float* dbeta) {
  const float cf = static_cast<float>(C);
  // Column sums over rows (dγ, dβ) are the Sum kernel's: float64 in increasing row order. Rows
  // are split over threads in fixed chunks of 64 and the chunk partials… would change the order:
  // instead the row pass writes the per-element terms and the column sums run after it.
  std::vector<float> gterm(dgamma ? static_cast<size_t>(R * C) : 0);
  parallel_rows(R, 24 * C, [&](long r0, long r1) {
    std::vector<float> ginv(static_cast<size_t>(C));
    for (long r = r0; r < r1; r++) {
      const float* dyr = dy + r * C;
      const float* xr = x + r * C;
      const float m = mean[r], i0 = inv0[r], nm = -m;
      // Add(xi, res) → dxi = dres = dy; Mul(x, inv); Add(res0, β); Mul(−m, inv).
      double dnm = 0.0;
      for (long c = 0; c < C; c++) {
        const float inv = i0 * gamma[c];
        const float a = dyr[c] * inv;                   // mul(dy, inv): x's first contribution, and −m's
        dx_mul[r * C + c] = a;
        dnm += static_cast<double>(a);
        const float gA = dyr[c] * xr[c];                // mul(dy, x) → inv
        const float gB = dyr[c] * nm;                   // mul(dy, −m) → inv
        ginv[c] = gA + gB;                              // inv's two contributions
      }
      const float dmNeg = -static_cast<float>(dnm);     // neg's gradient
      // Mul(inv0, γ): inv0 gets Σ_c G·γ, γ gets Σ_r G·inv0.
      double dinv0 = 0.0;
      for (long c = 0; c < C; c++) {
        dinv0 += static_cast<double>(ginv[c] * gamma[c]);
        if (dgamma) gterm[r * C + c] = ginv[c] * i0;
      }
      // Rsqrt: dy · (−0.5 · (y · (y · y))); Add(v, ε); Mean(d·d) → / C; Mul(d, d) twice.
      const float t1 = i0 * i0;
      const float t2 = i0 * t1;
      const float t3 = -0.5f * t2;
      const float dve = static_cast<float>(dinv0) * t3;
      const float gdd = dve / cf;
      double dm2 = 0.0;
      for (long c = 0; c < C; c++) {
        const float d = xr[c] - m;
        const float p = gdd * d;
        const float gd = p + p;
        dx_sub[r * C + c] = gd;                         // Sub(x, m) → x
        dm2 += static_cast<double>(-gd);                // → m: Σ neg(·)
      }
      const float gm = dmNeg + static_cast<float>(dm2); // m's two contributions
      const float dx1 = gm / cf;                        // Mean(x)'s gradient
      for (long c = 0; c < C; c++) dx_mean[r * C + c] = dx1;
    }
  });
  if (dgamma || dbeta) {
    parallel_rows(C, 2 * R, [&](long c0, long c1) {
      for (long c = c0; c < c1; c++) {
        double sg = 0.0, sb = 0.0;
        for (long r = 0; r < R; r++) {
          if (dgamma) sg += static_cast<double>(gterm[r * C + c]);
          if (dbeta) sb += static_cast<double>(dy[r * C + c]);
        }
        if (dgamma) dgamma[c] = static_cast<float>(sg);
        if (dbeta) dbeta[c] = static_cast<float>(sb);
      }
    });
  }
}

}  // namespace idem
