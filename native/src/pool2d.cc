/*
 * 2-D pooling kernels, NHWC float32 (see conv.h). All bit-identical to the reference kernels:
 * max and comparisons are exact; sums run in float64 in the reference's order and round once.
 * Threads take output rows (forward; the loops are the current ISA path's, loops_tpl.h) or whole
 * images (gradients), so each output is computed by one thread.
 */
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "conv.h"
#include "isa.h"
#include "nn_parallel.h"

namespace idem {

namespace {

/* o[c] = dy[c] where channel c's maximum is tap t, else 0 (0 + dy: -0 becomes +0 as in the
 * reference's float64 accumulator). Restrict pointers let it vectorise. */
inline void write_tap(float* __restrict o, const float* __restrict d, const int32_t* __restrict tp, int32_t t, long C) {
  for (long c = 0; c < C; c++) {
    // A bit mask instead of a branch (the compiler keeps a branch for the float select).
    const float v = 0.0f + d[c];
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    bits &= 0u - static_cast<uint32_t>(tp[c] == t);
    std::memcpy(o + c, &bits, sizeof bits);
  }
}

/*
 * ac[c] += dy[c] (as a double) where tp[c] == t, + 0.0 elsewhere: exact, since an accumulator
 * that starts at +0.0 is never -0.0 (so adding +0.0 changes no bits), and branch-free. SSE2 (every
 * x86-64) by hand: the compiler leaves the loop scalar, the int32 mask and the double lanes
 * differing in width.
 */
inline void add_where(double* __restrict ac, const float* __restrict d, const int32_t* __restrict tp, int32_t t, long C) {
  long c = 0;
#if defined(__SSE2__)
  const __m128i tv = _mm_set1_epi32(t);
  for (; c + 4 <= C; c += 4) {
    const __m128i m = _mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tp + c)), tv);
    const __m128 v = _mm_loadu_ps(d + c);
    const __m128d lo = _mm_and_pd(_mm_cvtps_pd(v), _mm_castsi128_pd(_mm_unpacklo_epi32(m, m)));
    const __m128d hi = _mm_and_pd(_mm_cvtps_pd(_mm_movehl_ps(v, v)), _mm_castsi128_pd(_mm_unpackhi_epi32(m, m)));
    _mm_storeu_pd(ac + c, _mm_add_pd(_mm_loadu_pd(ac + c), lo));
    _mm_storeu_pd(ac + c + 2, _mm_add_pd(_mm_loadu_pd(ac + c + 2), hi));
  }
#endif
  for (; c < C; c++) ac[c] += tp[c] == t ? static_cast<double>(d[c]) : 0.0;
}

/* True when no input pixel lies in two windows (each dx element receives at most one dy). */
bool disjoint_windows(const ConvGeo& g) { return (g.fh - 1) * g.dh + 1 <= g.sh && (g.fw - 1) * g.dw + 1 <= g.sw; }

}  // namespace

void max_pool(const ConvGeo& g, const float* x, float* y) {
  const IsaKernels& K = isa();
  parallel_rows(g.batch * g.outH, g.outW * g.inC * g.fh * g.fw, [&](long r0, long r1) { K.max_pool(g, x, y, r0, r1); });
}

void max_pool_grad(const ConvGeo& g, const float* dy, const float* x, float* dx) {
  const long C = g.inC;
  const long nx = g.batch * g.inH * g.inW * C;
  if (nx <= 0) return;
  const long pix = g.outH * g.outW;
  if (pix * C <= 0) {
    std::memset(dx, 0, sizeof(float) * nx);
    return;
  }
  if (disjoint_windows(g)) {
    // Each dx element receives at most one dy: 0 + dy in float32 is exact (as the reference's
    // float64 0 + dy rounded). Per output pixel: the tap number of each channel's first maximum
    // (branch-free, 32-bit lanes), then every in-bounds tap of the window is written once.
    // Images are independent: threads take whole images.
    const bool tiles = g.dh == 1 && g.dw == 1 && g.fh == g.sh && g.fw == g.sw && g.top == 0 && g.left == 0 &&
                       g.outH * g.sh == g.inH && g.outW * g.sw == g.inW;
    parallel_rows(g.batch, pix * C * g.fh * g.fw, [&](long b0, long b1) {
      std::vector<int32_t> tap(static_cast<size_t>(C));
      std::vector<float> best(static_cast<size_t>(C));
      std::vector<long> pixel(static_cast<size_t>(g.fh * g.fw));
      int32_t* tp = tap.data();
      float* bp = best.data();
      for (long b = b0; b < b1; b++) {
        if (!tiles) std::memset(dx + b * g.inH * g.inW * C, 0, sizeof(float) * g.inH * g.inW * C);
        for (long oy = 0; oy < g.outH; oy++)
          for (long ox = 0; ox < g.outW; ox++) {
            int32_t taps = 0;  // in-bounds taps, in row-major order
            for (long ky = 0; ky < g.fh; ky++) {
              const long iy = oy * g.sh + ky * g.dh - g.top;
              if (iy < 0 || iy >= g.inH) continue;
              for (long kx = 0; kx < g.fw; kx++) {
                const long ix = ox * g.sw + kx * g.dw - g.left;
                if (ix < 0 || ix >= g.inW) continue;
                const long p = (b * g.inH + iy) * g.inW + ix;
                const float* src = x + p * C;
                if (taps == 0) {
                  for (long c = 0; c < C; c++) {
                    bp[c] = src[c];
                    tp[c] = 0;
                  }
                } else {
                  for (long c = 0; c < C; c++) {
                    const float v = src[c], cur = bp[c];
                    const bool take = (v > cur) | ((v != v) & (cur == cur));
                    bp[c] = take ? v : cur;
                    tp[c] = take ? taps : tp[c];
                  }
                }
                pixel[taps++] = p;
              }
            }
            const float* d = dy + ((b * g.outH + oy) * g.outW + ox) * C;
            for (int32_t t = 0; t < taps; t++) write_tap(dx + pixel[t] * C, d, tp, t, C);
          }
      }
    });
    return;
  }
  // Overlapping windows. The reference adds each dy at its window's first maximum into a float64
  // accumulator per dx element, windows in output order, and rounds once. Here, per image: pass 1
  // stores each output pixel's per-channel first-maximum tap (ky·fw + kx, -1 for an empty window;
  // branch-free, 32-bit lanes, as above); pass 2 visits each dx element once and sums, in float64
  // from +0.0, the dy of the windows containing it whose maximum it is, those windows in output
  // order: the same additions in the same order, so the same bits, without the reference's
  // image-sized float64 scatter.
  const long taps = g.fh * g.fw;
  parallel_rows(g.batch, pix * C * taps, [&](long b0, long b1) {
    std::vector<int32_t> tapv(static_cast<size_t>(pix * C));
    std::vector<float> best(static_cast<size_t>(C));
    std::vector<double> acc(static_cast<size_t>(C));
    float* __restrict bp = best.data();
    double* __restrict ac = acc.data();
    for (long b = b0; b < b1; b++) {
      for (long oy = 0; oy < g.outH; oy++)
        for (long ox = 0; ox < g.outW; ox++) {
          int32_t* __restrict tp = tapv.data() + (oy * g.outW + ox) * C;
          bool any = false;
          for (long ky = 0; ky < g.fh; ky++) {
            const long iy = oy * g.sh + ky * g.dh - g.top;
            if (iy < 0 || iy >= g.inH) continue;
            for (long kx = 0; kx < g.fw; kx++) {
              const long ix = ox * g.sw + kx * g.dw - g.left;
              if (ix < 0 || ix >= g.inW) continue;
              const float* __restrict src = x + ((b * g.inH + iy) * g.inW + ix) * C;
              const int32_t t = static_cast<int32_t>(ky * g.fw + kx);
              if (!any) {
                for (long c = 0; c < C; c++) {
                  bp[c] = src[c];
                  tp[c] = t;
                }
                any = true;
              } else {
                for (long c = 0; c < C; c++) {
                  const float v = src[c], cur = bp[c];
                  const bool take = (v > cur) | ((v != v) & (cur == cur));
                  bp[c] = take ? v : cur;
                  tp[c] = take ? t : tp[c];
                }
              }
            }
          }
          if (!any)
            for (long c = 0; c < C; c++) tp[c] = -1;
        }
      const float* dyb = dy + b * pix * C;
      float* dxb = dx + b * g.inH * g.inW * C;
      for (long iy = 0; iy < g.inH; iy++) {
        // Output rows whose windows may contain row iy: iy = oy·sh + ky·dh − top, 0 ≤ ky < fh.
        const long ny = iy + g.top;
        long oyLo = ny - (g.fh - 1) * g.dh;
        oyLo = oyLo <= 0 ? 0 : (oyLo + g.sh - 1) / g.sh;
        long oyHi = ny / g.sh;
        if (oyHi > g.outH - 1) oyHi = g.outH - 1;
        for (long ix = 0; ix < g.inW; ix++) {
          const long nx = ix + g.left;
          long oxLo = nx - (g.fw - 1) * g.dw;
          oxLo = oxLo <= 0 ? 0 : (oxLo + g.sw - 1) / g.sw;
          long oxHi = nx / g.sw;
          if (oxHi > g.outW - 1) oxHi = g.outW - 1;
          for (long c = 0; c < C; c++) ac[c] = 0.0;
          for (long oy = oyLo; oy <= oyHi; oy++) {
            const long dyy = ny - oy * g.sh;  // ky·dh
            if (dyy % g.dh != 0) continue;
            const long ky = dyy / g.dh;
            for (long ox = oxLo; ox <= oxHi; ox++) {
              const long dxx = nx - ox * g.sw;
              if (dxx % g.dw != 0) continue;
              const int32_t t = static_cast<int32_t>(ky * g.fw + dxx / g.dw);
              const int32_t* __restrict tp = tapv.data() + (oy * g.outW + ox) * C;
              const float* __restrict d = dyb + (oy * g.outW + ox) * C;
              add_where(ac, d, tp, t, C);
            }
          }
          float* __restrict o = dxb + (iy * g.inW + ix) * C;
          for (long c = 0; c < C; c++) o[c] = static_cast<float>(ac[c]);
        }
      }
    }
  });
}

void avg_pool(const ConvGeo& g, const float* x, float* y) {
  const IsaKernels& K = isa();
  parallel_rows(g.batch * g.outH, g.outW * g.inC * g.fh * g.fw, [&](long r0, long r1) {
    std::vector<double> acc(static_cast<size_t>(g.inC > 0 ? g.inC : 1));
    K.avg_pool(g, x, y, r0, r1, acc.data());
  });
}

void avg_pool_grad(const ConvGeo& g, const float* dy, float* dx) {
  const long C = g.inC;
  const long per = g.inH * g.inW * C;
  if (g.batch * per <= 0) return;
  parallel_rows(g.batch, g.outH * g.outW * C * g.fh * g.fw, [&](long b0, long b1) {
    std::vector<double> acc(static_cast<size_t>(per));
    for (long b = b0; b < b1; b++) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (long oy = 0; oy < g.outH; oy++)
        for (long ox = 0; ox < g.outW; ox++) {
          long count = 0;
          for (long ky = 0; ky < g.fh; ky++) {
            const long iy = oy * g.sh + ky * g.dh - g.top;
            if (iy < 0 || iy >= g.inH) continue;
            for (long kx = 0; kx < g.fw; kx++) {
              const long ix = ox * g.sw + kx * g.dw - g.left;
              if (ix >= 0 && ix < g.inW) count++;
            }
          }
          const float* d = dy + ((b * g.outH + oy) * g.outW + ox) * C;
          for (long ky = 0; ky < g.fh; ky++) {
            const long iy = oy * g.sh + ky * g.dh - g.top;
            if (iy < 0 || iy >= g.inH) continue;
            for (long kx = 0; kx < g.fw; kx++) {
              const long ix = ox * g.sw + kx * g.dw - g.left;
              if (ix < 0 || ix >= g.inW) continue;
              double* a = acc.data() + (iy * g.inW + ix) * C;
              for (long c = 0; c < C; c++) a[c] += static_cast<double>(d[c]) / static_cast<double>(count);
            }
          }
        }
      float* xb = dx + b * per;
      for (long p = 0; p < per; p++) xb[p] = static_cast<float>(acc[p]);
    }
  });
}

}  // namespace idem
