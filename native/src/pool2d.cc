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

#include "conv.h"
#include "isa.h"
#include "nn_parallel.h"

namespace idem {

namespace {

/*
 * For each channel c of output pixel (b, oy, ox): arg[c] = flat index into x of the window's
 * first maximum (row-major tap order; NaN wins, as the reference), or -1 for an empty window.
 * The per-channel update is branch-free (selects) so it vectorises and random data costs no
 * mispredictions.
 */
inline void window_argmax(const ConvGeo& g, const float* x, long b, long oy, long ox, long* arg, float* best) {
  const long C = g.inC;
  bool any = false;
  for (long ky = 0; ky < g.fh; ky++) {
    const long iy = oy * g.sh + ky * g.dh - g.top;
    if (iy < 0 || iy >= g.inH) continue;
    for (long kx = 0; kx < g.fw; kx++) {
      const long ix = ox * g.sw + kx * g.dw - g.left;
      if (ix < 0 || ix >= g.inW) continue;
      const long base = ((b * g.inH + iy) * g.inW + ix) * C;
      const float* src = x + base;
      if (!any) {
        for (long c = 0; c < C; c++) {
          best[c] = src[c];
          arg[c] = base + c;
        }
        any = true;
      } else {
        for (long c = 0; c < C; c++) {
          const float v = src[c], cur = best[c];
          const bool take = (v > cur) | ((v != v) & (cur == cur));
          best[c] = take ? v : cur;
          arg[c] = take ? base + c : arg[c];
        }
      }
    }
  }
  if (!any)
    for (long c = 0; c < C; c++) {
      best[c] = -std::numeric_limits<float>::infinity();
      arg[c] = -1;
    }
}

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
  // Overlapping windows: float64 accumulation in the reference's order (output order).
  const long per = g.inH * g.inW * C;
  parallel_rows(g.batch, pix * C * g.fh * g.fw, [&](long b0, long b1) {
    std::vector<long> arg(static_cast<size_t>(C));
    std::vector<float> best(static_cast<size_t>(C));
    std::vector<double> acc(static_cast<size_t>(per));
    for (long b = b0; b < b1; b++) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (long oy = 0; oy < g.outH; oy++)
        for (long ox = 0; ox < g.outW; ox++) {
          window_argmax(g, x, b, oy, ox, arg.data(), best.data());
          const float* d = dy + ((b * g.outH + oy) * g.outW + ox) * C;
          for (long c = 0; c < C; c++)
            if (arg[c] >= 0) acc[arg[c] - b * per] += d[c];
        }
      float* xb = dx + b * per;
      for (long p = 0; p < per; p++) xb[p] = static_cast<float>(acc[p]);
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
