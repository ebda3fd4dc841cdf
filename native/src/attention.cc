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
      // Mul(inv0, γ): inv0 gets Σ_c G·γ (γ's Σ_r G·inv0 comes after, by columns).
      double dinv0 = 0.0;
      for (long c = 0; c < C; c++) dinv0 += static_cast<double>(ginv[c] * gamma[c]);
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
  if (!dgamma && !dbeta) return;
  // γ's and β's gradients: the Sum kernel's float64 column sums, rows in increasing order (a pass
  // over the rows, each row's terms recomputed: G·inv0 with G = dy·x + dy·(−m)).
  std::vector<double> sg(static_cast<size_t>(C), 0.0), sb(static_cast<size_t>(C), 0.0);
  for (long r = 0; r < R; r++) {
    const float* dyr = dy + r * C;
    const float* xr = x + r * C;
    const float nm = -mean[r], i0 = inv0[r];
    if (dgamma)
      for (long c = 0; c < C; c++) {
        const float gA = dyr[c] * xr[c];
        const float gB = dyr[c] * nm;
        const float g = gA + gB;
        sg[c] += static_cast<double>(g * i0);
      }
    if (dbeta)
      for (long c = 0; c < C; c++) sb[c] += static_cast<double>(dyr[c]);
  }
  for (long c = 0; c < C; c++) {
    if (dgamma) dgamma[c] = static_cast<float>(sg[c]);
    if (dbeta) dbeta[c] = static_cast<float>(sb[c]);
  }
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
