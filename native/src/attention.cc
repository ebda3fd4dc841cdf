/* Fused LayerNorm and attention kernels (see attention.h). */
#include "attention.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "nn_parallel.h"
#include "pool.h"
#include "softmax.h"

namespace idem {

// Rows in groups of kLnGroup (the tail one by one): each row's float64 sums keep their order
// (column by column); a group's chains run interleaved, in registers (G is a compile-time
// constant), so their additions overlap instead of waiting on each other.
constexpr long kLnGroup = 4;

template <int G>
void ln_forward_rows(const float* x, const float* gamma, const float* beta, float eps, long r0, long C, float* y, float* mean,
                     float* inv0) {
  const double n = static_cast<double>(C);
  const float* xg = x + r0 * C;
  double acc[G];
  for (int r = 0; r < G; r++) acc[r] = 0.0;
  for (long c = 0; c < C; c++)
    for (int r = 0; r < G; r++) acc[r] += static_cast<double>(xg[r * C + c]);
  float m[G];
  for (int r = 0; r < G; r++) m[r] = static_cast<float>(acc[r] / n);  // mean(x): float64 sum / n, rounded once
  double vacc[G];
  for (int r = 0; r < G; r++) vacc[r] = 0.0;
  for (long c = 0; c < C; c++)
    for (int r = 0; r < G; r++) {
      const float d = xg[r * C + c] - m[r];             // sub(x, m)
      const float dd = d * d;                            // mul(d, d)
      vacc[r] += static_cast<double>(dd);
    }
  for (int r = 0; r < G; r++) {
    const float* xr = xg + r * C;
    float* yr = y + (r0 + r) * C;
    const float v = static_cast<float>(vacc[r] / n);    // mean(d·d)
    const float ve = v + eps;                            // add(v, ε)
    const float i0 = static_cast<float>(1.0 / std::sqrt(static_cast<double>(ve)));  // rsqrt
    const float nm = -m[r];                              // neg(mean)
    for (long c = 0; c < C; c++) {
      const float inv = i0 * gamma[c];                   // mul(inv0, γ)
      float res = nm * inv;                              // mul(−m, inv)
      res = res + beta[c];                               // add(·, β)
      const float xi = xr[c] * inv;                      // mul(x, inv)
      yr[c] = xi + res;                                  // add
    }
    mean[r0 + r] = m[r];
    inv0[r0 + r] = i0;
  }
}

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps, long R, long C, float* y, float* mean,
                        float* inv0) {
  parallel_rows((R + kLnGroup - 1) / kLnGroup, 12 * C * kLnGroup, [&](long g0, long g1) {
    for (long r0 = g0 * kLnGroup; r0 < R && r0 < g1 * kLnGroup; r0 += kLnGroup) {
      if (R - r0 >= kLnGroup) ln_forward_rows<kLnGroup>(x, gamma, beta, eps, r0, C, y, mean, inv0);
      else
        for (long r = r0; r < R; r++) ln_forward_rows<1>(x, gamma, beta, eps, r, C, y, mean, inv0);
    }
  });
}

template <int G>
void ln_backward_rows(const float* dy, const float* x, const float* gamma, const float* mean, const float* inv0, long r0, long C,
                      float* dx_mul, float* dx_sub, float* dx_mean, float* ginv) {
  const float cf = static_cast<float>(C);
  const float* dyg = dy + r0 * C;
  const float* xg = x + r0 * C;
  float m[G], i0[G], nm[G];
  for (int r = 0; r < G; r++) {
    m[r] = mean[r0 + r];
    i0[r] = inv0[r0 + r];
    nm[r] = -m[r];
  }
  // Add(xi, res) → dxi = dres = dy; Mul(x, inv); Add(res0, β); Mul(−m, inv).
  double dnm[G];
  for (int r = 0; r < G; r++) dnm[r] = 0.0;
  for (long c = 0; c < C; c++)
    for (int r = 0; r < G; r++) {
      const float d = dyg[r * C + c];
      const float inv = i0[r] * gamma[c];
      const float a = d * inv;                           // mul(dy, inv): x's first contribution, and −m's
      dx_mul[(r0 + r) * C + c] = a;
      dnm[r] += static_cast<double>(a);
      const float gA = d * xg[r * C + c];                // mul(dy, x) → inv
      const float gB = d * nm[r];                        // mul(dy, −m) → inv
      ginv[r * C + c] = gA + gB;                         // inv's two contributions
    }
  // Mul(inv0, γ): inv0 gets Σ_c G·γ (γ's Σ_r G·inv0 comes after, by columns).
  double dinv0[G];
  for (int r = 0; r < G; r++) dinv0[r] = 0.0;
  for (long c = 0; c < C; c++)
    for (int r = 0; r < G; r++) dinv0[r] += static_cast<double>(ginv[r * C + c] * gamma[c]);
  // Rsqrt: dy · (−0.5 · (y · (y · y))); Add(v, ε); Mean(d·d) → / C; Mul(d, d) twice.
  float gdd[G];
  for (int r = 0; r < G; r++) {
    const float t1 = i0[r] * i0[r];
    const float t2 = i0[r] * t1;
    const float t3 = -0.5f * t2;
    const float dve = static_cast<float>(dinv0[r]) * t3;
    gdd[r] = dve / cf;
  }
  double dm2[G];
  for (int r = 0; r < G; r++) dm2[r] = 0.0;
  for (long c = 0; c < C; c++)
    for (int r = 0; r < G; r++) {
      const float d = xg[r * C + c] - m[r];
      const float p = gdd[r] * d;
      const float gd = p + p;
      dx_sub[(r0 + r) * C + c] = gd;                     // Sub(x, m) → x
      dm2[r] += static_cast<double>(-gd);                // → m: Σ neg(·)
    }
  for (int r = 0; r < G; r++) {
    const float dmNeg = -static_cast<float>(dnm[r]);     // neg's gradient
    const float gm = dmNeg + static_cast<float>(dm2[r]); // m's two contributions
    const float dx1 = gm / cf;                           // Mean(x)'s gradient
    float* o = dx_mean + (r0 + r) * C;
    for (long c = 0; c < C; c++) o[c] = dx1;
  }
}

void layer_norm_backward(const float* dy, const float* x, const float* gamma, const float* mean, const float* inv0, long R, long C,
                         float* dx_mul, float* dx_sub, float* dx_mean, float* dgamma, float* dbeta) {
  parallel_rows((R + kLnGroup - 1) / kLnGroup, 24 * C * kLnGroup, [&](long g0, long g1) {
    std::vector<float> ginv(static_cast<size_t>(kLnGroup * C));
    for (long r0 = g0 * kLnGroup; r0 < R && r0 < g1 * kLnGroup; r0 += kLnGroup) {
      if (R - r0 >= kLnGroup) ln_backward_rows<kLnGroup>(dy, x, gamma, mean, inv0, r0, C, dx_mul, dx_sub, dx_mean, ginv.data());
      else
        for (long r = r0; r < R; r++) ln_backward_rows<1>(dy, x, gamma, mean, inv0, r, C, dx_mul, dx_sub, dx_mean, ginv.data());
    }
  });
  if (!dgamma && !dbeta) return;
  // γ's and β's gradients: the Sum kernel's float64 column sums, rows in increasing order (a pass
  // over the rows, each row's terms recomputed: G·inv0 with G = dy·x + dy·(−m)); columns in
  // blocks over the pool (each column's sum is one block's, in row order).
  constexpr long kColBlock = 32;
  const long nb = (C + kColBlock - 1) / kColBlock;
  parallel_rows(nb, 6 * R * kColBlock, [&](long b0, long b1) {
    const long c0 = b0 * kColBlock, c1 = b1 * kColBlock < C ? b1 * kColBlock : C;
    const long w = c1 - c0;
    std::vector<double> sg(static_cast<size_t>(w), 0.0), sb(static_cast<size_t>(w), 0.0);
    for (long r = 0; r < R; r++) {
      const float* dyr = dy + r * C + c0;
      const float* xr = x + r * C + c0;
      const float nm = -mean[r], i0 = inv0[r];
      if (dgamma)
        for (long c = 0; c < w; c++) {
          const float gA = dyr[c] * xr[c];
          const float gB = dyr[c] * nm;
          const float g = gA + gB;
          sg[c] += static_cast<double>(g * i0);
        }
      if (dbeta)
        for (long c = 0; c < w; c++) sb[c] += static_cast<double>(dyr[c]);
    }
    for (long c = 0; c < w; c++) {
      if (dgamma) dgamma[c0 + c] = static_cast<float>(sg[c]);
      if (dbeta) dbeta[c0 + c] = static_cast<float>(sb[c]);
    }
  });
}

namespace {

/* Runs fn(b, h) for every batch and head, (b, h) pairs split over the pool (each pair's outputs are its own). */
void over_heads(const AttnGeo& g, double flopsPerHead, const std::function<void(long, long)>& fn) {
  const long n = g.B * g.H;
  auto body = [&](long p0, long p1) {
    for (long p = p0; p < p1; p++) fn(p / g.H, p % g.H);
  };
  if (n <= 1 || num_threads() <= 1 || flopsPerHead * n < 2e5) body(0, n);
  else parallel_for(n, 1, body);
}

}  // namespace

constexpr float kMaskedScore = -1e9f;  // MultiHeadAttention's MASKED_SCORE

void attention_forward(const AttnGeo& g, const float* q, const float* k, const float* v, float* o, float* probs) {
  const long T = g.T, S = g.S, H = g.H, K = g.K, V = g.V;
  over_heads(g, 2.0 * T * S * (K + V), [&](long b, long h) {
    float* p = probs + (b * H + h) * T * S;
    // matMul(transpose(q), transpose(k), false, true): scores [T, S].
    sgemm(T, S, K, q + b * T * H * K + h * K, H * K, 1, k + b * S * H * K + h * K, 1, H * K, p, S);
    if (g.mask) {
      const uint8_t* m = g.mask + b * g.mB;
      for (long t = 0; t < T; t++)
        for (long s = 0; s < S; s++)
          if (!m[t * g.mT + s * g.mS]) p[t * S + s] = kMaskedScore;  // where(mask, scores, −1e9)
    }
    softmax_f32(0, p, p, T, S, 1);  // softmax(·, -1), in place (each row read before written)
    // matMul(probs, transpose(v)) transposed back: o[b, t, h, :].
    sgemm(T, V, S, p, S, 1, v + b * S * H * V + h * V, H * V, 1, o + b * T * H * V + h * V, H * V);
  });
}

void attention_backward(const AttnGeo& g, const float* dO, const float* dProbs, const float* q, const float* k, const float* v,
                        const float* probs, float* dq, float* dk, float* dv) {
  const long T = g.T, S = g.S, H = g.H, K = g.K, V = g.V;
  over_heads(g, 2.0 * T * S * (2 * K + 2 * V), [&](long b, long h) {
    const float* y = probs + (b * H + h) * T * S;
    const float* dOb = dO ? dO + b * T * H * V + h * V : nullptr;
    const float* vb = v + b * S * H * V + h * V;
    std::vector<float> ds(static_cast<size_t>(T * S));
    const float* e = dProbs ? dProbs + (b * H + h) * T * S : nullptr;
    if (dO) {
      // BatchMatMul's gradients of probs · vᵀ: d probs = dP · vTᵀ, d vT = probsᵀ · dP.
      sgemm(T, S, V, dOb, H * V, 1, vb, 1, H * V, ds.data(), S);
      if (dv) sgemm(S, V, T, y, 1, S, dOb, H * V, 1, dv + b * S * H * V + h * V, H * V);
      // probs' gradient from outside (returnAttentionScores), then the product's.
      if (e)
        for (long i = 0; i < T * S; i++) ds[i] = e[i] + ds[i];
    } else {
      // o unused: probs' gradient is the outside one alone; v gets none (zeros).
      std::memcpy(ds.data(), e, static_cast<size_t>(T * S) * sizeof(float));
      if (dv)
        for (long s = 0; s < S; s++) std::memset(dv + b * S * H * V + s * H * V + h * V, 0, static_cast<size_t>(V) * sizeof(float));
    }
    // Softmax's gradient: (dy − Σ dy·y) · y per row (the Sum kernel's float64 row sum, rows in
    // groups of 4 so the sums' chains overlap); then the where's: masked entries get +0.
    for (long t0 = 0; t0 < T; t0 += 4) {
      const long gn = T - t0 < 4 ? T - t0 : 4;
      double acc[4] = {0.0, 0.0, 0.0, 0.0};
      for (long s = 0; s < S; s++)
        for (long r = 0; r < gn; r++) {
          const float dyy = ds[(t0 + r) * S + s] * y[(t0 + r) * S + s];
          acc[r] += static_cast<double>(dyy);
        }
      for (long r = 0; r < gn; r++) {
        const long t = t0 + r;
        float* dr = ds.data() + t * S;
        const float* yr = y + t * S;
        const float sm = static_cast<float>(acc[r]);
        for (long s = 0; s < S; s++) {
          const float d = dr[s] - sm;
          dr[s] = d * yr[s];
        }
        if (g.mask) {
          const uint8_t* m = g.mask + b * g.mB + t * g.mT;
          for (long s = 0; s < S; s++)
            if (!m[s * g.mS]) dr[s] = 0.0f;
        }
      }
    }
    // BatchMatMul's gradients of qT · kTᵀ: d qT = dS · kT, d kT = dSᵀ · qT.
    if (dq) sgemm(T, K, S, ds.data(), S, 1, k + b * S * H * K + h * K, H * K, 1, dq + b * T * H * K + h * K, H * K);
    if (dk) sgemm(S, K, T, ds.data(), 1, S, q + b * T * H * K + h * K, H * K, 1, dk + b * S * H * K + h * K, H * K);
  });
}

}  // namespace idem
