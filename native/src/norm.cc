/* Batch normalization forward / backward, bit-identical to the op-by-op composition (norm.h). */
#include "norm.h"

#include <cmath>
#include <functional>
#include <vector>

#include "nn_parallel.h"

namespace idem {

namespace {

constexpr long kChannelBlock = 8;

/*
 * fn(c0, c1) over channel blocks [c0, c1) of kChannelBlock channels; each block runs over all M
 * rows itself (sequential sums per channel), so any split gives the same bits.
 */
void over_channels(long M, long C, const std::function<void(long, long)>& fn) {
  const long blocks = (C + kChannelBlock - 1) / kChannelBlock;
  parallel_rows(blocks, M * kChannelBlock * 2, [&](long b0, long b1) {
    const long c0 = b0 * kChannelBlock, c1 = b1 * kChannelBlock < C ? b1 * kChannelBlock : C;
    fn(c0, c1);
  });
}

/* Rows split for elementwise passes: any split (each element computed alone). */
void over_rows(long M, long C, const std::function<void(long, long)>& fn) { parallel_rows(M, C * 4, fn); }

}  // namespace

void batch_norm_forward(const float* x, const float* scale, const float* offset, long M, long C, float eps,
                        float* y, float* mean_out, float* var_out) {
  if (C <= 0) return;
  const double Md = static_cast<double>(M);
  std::vector<float> s(static_cast<size_t>(C));
  over_channels(M, C, [&](long c0, long c1) {
    const long w = c1 - c0;
    std::vector<double> acc(static_cast<size_t>(w), 0.0);
    for (long r = 0; r < M; r++) {
      const float* xr = x + r * C + c0;
      for (long c = 0; c < w; c++) acc[c] += static_cast<double>(xr[c]);
    }
    for (long c = 0; c < w; c++) mean_out[c0 + c] = static_cast<float>(acc[c] / Md);
    std::fill(acc.begin(), acc.end(), 0.0);
    for (long r = 0; r < M; r++) {
      const float* xr = x + r * C + c0;
      for (long c = 0; c < w; c++) {
        const float d = xr[c] - mean_out[c0 + c];
        acc[c] += static_cast<double>(d * d);
      }
    }
    for (long c = 0; c < w; c++) {
      const float var = static_cast<float>(acc[c] / Md);
      var_out[c0 + c] = var;
      const float a = var + eps;
      const float r = static_cast<float>(1.0 / std::sqrt(static_cast<double>(a)));
      s[c0 + c] = scale ? r * scale[c0 + c] : r;
    }
  });
  if (M <= 0) return;
  const float* sp = s.data();
  over_rows(M, C, [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      if (offset)
        for (long c = 0; c < C; c++) yr[c] = (xr[c] - mean_out[c]) * sp[c] + offset[c];
      else
        for (long c = 0; c < C; c++) yr[c] = (xr[c] - mean_out[c]) * sp[c];
    }
  });
}

void batch_norm_backward(const float* dy, const float* x, const float* scale, bool has_offset, const float* mean,
                         const float* var, const float* dmean, const float* dvar, long M, long C, float eps,
                         float* dx, float* dscale, float* doffset) {
  if (C <= 0) return;
  const float Mf = static_cast<float>(M);
  std::vector<float> s(static_cast<size_t>(C)), dsq(static_cast<size_t>(C)), dx3(static_cast<size_t>(C));
  over_channels(M, C, [&](long c0, long c1) {
    const long w = c1 - c0;
    std::vector<float> rr(static_cast<size_t>(w));
    for (long c = 0; c < w; c++) {
      const float a = var[c0 + c] + eps;
      rr[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(a)));
      s[c0 + c] = scale ? rr[c] * scale[c0 + c] : rr[c];
    }
    // Pass 1: Σ dy, Σ fl(dy·d), Σ fl(dy·s).
    std::vector<double> sdy(static_cast<size_t>(w), 0.0), sdyd(static_cast<size_t>(w), 0.0),
        sdt(static_cast<size_t>(w), 0.0);
    for (long r = 0; r < M; r++) {
      const float* xr = x + r * C + c0;
      const float* dr = dy + r * C + c0;
      for (long c = 0; c < w; c++) {
        const float g = dr[c];
        const float d = xr[c] - mean[c0 + c];
        sdy[c] += static_cast<double>(g);
        sdyd[c] += static_cast<double>(g * d);
        sdt[c] += static_cast<double>(g * s[c0 + c]);
      }
    }
    std::vector<float> dmA(static_cast<size_t>(w));
    for (long c = 0; c < w; c++) {
      const long k = c0 + c;
      doffset[k] = has_offset ? static_cast<float>(sdy[c]) : 0.0f;
      const float ds = static_cast<float>(sdyd[c]);
      dmA[c] = static_cast<float>(-sdt[c]);
      if (dmean) dmA[c] = dmA[c] + dmean[k];
      float drr = ds;
      if (scale) {
        drr = ds * scale[k];
        dscale[k] = ds * rr[c];
      } else {
        dscale[k] = 0.0f;  // no scale input: nothing reads it
      }
      const float r = rr[c];
      const float cube = r * (r * r);
      float dv = drr * (-0.5f * cube);
      if (dvar) dv = dv + dvar[k];
      dsq[k] = dv / Mf;
    }
    // Pass 2: Σ dd, dd = fl(g + g), g = fl(dsq·d).
    std::fill(sdy.begin(), sdy.end(), 0.0);
    for (long r = 0; r < M; r++) {
      const float* xr = x + r * C + c0;
      for (long c = 0; c < w; c++) {
        const float g = dsq[c0 + c] * (xr[c] - mean[c0 + c]);
        sdy[c] += static_cast<double>(g + g);
      }
    }
    for (long c = 0; c < w; c++) {
      const float dmB = static_cast<float>(-sdy[c]);
      const float dm = dmA[c] + dmB;
      dx3[c0 + c] = dm / Mf;
    }
  });
  if (M <= 0) return;
  const float* sp = s.data();
  const float* qp = dsq.data();
  const float* ep = dx3.data();
  over_rows(M, C, [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      const float* dr = dy + r * C;
      float* o = dx + r * C;
      for (long c = 0; c < C; c++) {
        const float dt = dr[c] * sp[c];
        const float g = qp[c] * (xr[c] - mean[c]);
        const float dd = g + g;
        o[c] = (dt + dd) + ep[c];
      }
    }
  });
}

}  // namespace idem
