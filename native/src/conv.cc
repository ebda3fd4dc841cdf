/*
 * Convolution kernels: im2col + GEMM for Conv2D and its two gradients, direct float64 loops for
 * depthwise convolution. See conv.h for the contracts and the numerics.
 */
#include "conv.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "gemm.h"
#include "nn_parallel.h"

namespace idem {

namespace {

/* Rows of the im2col matrix per chunk: about 4 MiB of float32 (fits L3), at least one row. */
long chunk_rows(long M, long K) {
  const long target = (1L << 20) / (K > 0 ? K : 1);
  long r = target < 1 ? 1 : target;
  return r > M ? M : r;
}

/*
 * A 64-byte aligned scratch buffer that persists across calls and only grows (one per calling
 * thread and use), so a training step does not map and fault in fresh pages for every im2col.
 */
struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      const size_t bytes = ((n * sizeof(float)) + 63) & ~size_t(63);
      p = static_cast<float*>(std::aligned_alloc(64, bytes > 0 ? bytes : 64));
      cap = p ? n : 0;
      if (!p) throw std::bad_alloc();  // reported to JavaScript by nn_napi.cc
    }
    return p;
  }
  ~Scratch() { std::free(p); }
};

thread_local Scratch g_col;   // im2col / dcol rows
thread_local Scratch g_part;  // filter-gradient partial sums

/* True when the im2col matrix is x itself (1×1 filter, stride 1, no padding, full output). */
bool is_pointwise(const ConvGeo& g) {
  return g.fh == 1 && g.fw == 1 && g.sh == 1 && g.sw == 1 && g.top == 0 && g.left == 0 && g.outH == g.inH &&
         g.outW == g.inW;
}

/* Rows [r0, r1) of the im2col matrix of x into col (row-major, K = fh*fw*inC columns). */
void im2col(const ConvGeo& g, const float* x, long r0, long r1, float* col) {
  const long K = g.fh * g.fw * g.inC;
  const long C = g.inC;
  const long pix = g.outH * g.outW;
  parallel_rows(r1 - r0, K, [&](long a, long b) {
    for (long r = r0 + a; r < r0 + b; r++) {
      const long bi = r / pix, rem = r % pix, oy = rem / g.outW, ox = rem % g.outW;
      const float* xb = x + bi * g.inH * g.inW * C;
      float* dst = col + (r - r0) * K;
      for (long ky = 0; ky < g.fh; ky++) {
        const long iy = oy * g.sh + ky * g.dh - g.top;
        if (iy < 0 || iy >= g.inH) {
          std::memset(dst, 0, sizeof(float) * g.fw * C);
          dst += g.fw * C;
          continue;
        }
        const float* xrow = xb + iy * g.inW * C;
        for (long kx = 0; kx < g.fw; kx++) {
          const long ix = ox * g.sw + kx * g.dw - g.left;
          if (ix < 0 || ix >= g.inW) {
            for (long c = 0; c < C; c++) dst[c] = 0.0f;
          } else {
            const float* src = xrow + ix * C;
            for (long c = 0; c < C; c++) dst[c] = src[c];
          }
          dst += C;
        }
      }
    }
  });
}

/*
 * dx += the scatter of dcol rows [r0, r1). Images are independent, so threads take whole images
 * (each dx element written by one thread, in increasing row then tap order).
 */
void col2im(const ConvGeo& g, const float* dcol, long r0, long r1, float* dx) {
  const long K = g.fh * g.fw * g.inC;
  const long C = g.inC;
  const long pix = g.outH * g.outW;
  const long b0 = r0 / pix, b1 = (r1 + pix - 1) / pix;
  parallel_rows(b1 - b0, pix * K, [&](long ia, long ib) {
    const long lo = (b0 + ia) * pix < r0 ? r0 : (b0 + ia) * pix;
    const long hi = (b0 + ib) * pix > r1 ? r1 : (b0 + ib) * pix;
    for (long r = lo; r < hi; r++) {
      const long bi = r / pix, rem = r % pix, oy = rem / g.outW, ox = rem % g.outW;
      float* xb = dx + bi * g.inH * g.inW * C;
      const float* src = dcol + (r - r0) * K;
      for (long ky = 0; ky < g.fh; ky++) {
        const long iy = oy * g.sh + ky * g.dh - g.top;
        if (iy < 0 || iy >= g.inH) {
          src += g.fw * C;
          continue;
        }
        float* xrow = xb + iy * g.inW * C;
        for (long kx = 0; kx < g.fw; kx++) {
          const long ix = ox * g.sw + kx * g.dw - g.left;
          if (ix >= 0 && ix < g.inW) {
            float* d = xrow + ix * C;
            for (long c = 0; c < C; c++) d[c] += src[c];
          }
          src += C;
        }
      }
    }
  });
}

}  // namespace

void conv2d_forward(const ConvGeo& g, const float* x, const float* w, float* y) {
  const long M = g.batch * g.outH * g.outW;
  const long K = g.fh * g.fw * g.inC;
  const long N = g.outC;
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    std::memset(y, 0, sizeof(float) * M * N);
    return;
  }
  if (is_pointwise(g)) {
    sgemm_mt(M, N, K, x, K, 1, w, N, 1, y, N);
    return;
  }
  const long R = chunk_rows(M, K);
  float* col = g_col.get(static_cast<size_t>(R * K));
  for (long r0 = 0; r0 < M; r0 += R) {
    const long r1 = r0 + R < M ? r0 + R : M;
    im2col(g, x, r0, r1, col);
    sgemm_mt(r1 - r0, N, K, col, K, 1, w, N, 1, y + r0 * N, N);
  }
}

void conv2d_backprop_input(const ConvGeo& g, const float* dy, const float* w, float* dx) {
  const long M = g.batch * g.outH * g.outW;
  const long K = g.fh * g.fw * g.inC;
  const long N = g.outC;
  const long nx = g.batch * g.inH * g.inW * g.inC;
  if (nx <= 0) return;
  if (is_pointwise(g) && M > 0) {
    // dx[M, K] = dy[M, N] · Wᵀ  (W is [K, N]).
    sgemm_mt(M, K, N, dy, N, 1, w, 1, N, dx, K);
    return;
  }
  std::memset(dx, 0, sizeof(float) * nx);
  if (M <= 0 || K <= 0 || N <= 0) return;
  const long R = chunk_rows(M, K);
  float* dcol = g_col.get(static_cast<size_t>(R * K));
  for (long r0 = 0; r0 < M; r0 += R) {
    const long r1 = r0 + R < M ? r0 + R : M;
    sgemm_mt(r1 - r0, K, N, dy + r0 * N, N, 1, w, 1, N, dcol, K);
    col2im(g, dcol, r0, r1, dx);
  }
}

void conv2d_backprop_filter(const ConvGeo& g, const float* x, const float* dy, float* dw) {
  const long M = g.batch * g.outH * g.outW;
  const long K = g.fh * g.fw * g.inC;
  const long N = g.outC;
  if (K <= 0 || N <= 0) return;
  if (M <= 0) {
    std::memset(dw, 0, sizeof(float) * K * N);
    return;
  }
  if (is_pointwise(g)) {
    // dW[K, N] = xᵀ · dy, x is [M, K].
    sgemm_mt(K, N, M, x, 1, K, dy, N, 1, dw, N);
    return;
  }
  const long R = chunk_rows(M, K);
  float* col = g_col.get(static_cast<size_t>(R * K));
  float* part = R < M ? g_part.get(static_cast<size_t>(K * N)) : nullptr;
  for (long r0 = 0; r0 < M; r0 += R) {
    const long r1 = r0 + R < M ? r0 + R : M;
    im2col(g, x, r0, r1, col);
    // Chunk sums are added in chunk order (a fixed split: the chunk size depends on the shape).
    float* dst = r0 == 0 ? dw : part;
    sgemm_mt(K, N, r1 - r0, col, 1, K, dy + r0 * N, N, 1, dst, N);
    if (r0 > 0)
      for (long i = 0; i < K * N; i++) dw[i] += part[i];
  }
}

// ---------------------------------------------------------------- depthwise (float64, reference order)

namespace {

/* Calls fn(xPix, yPix, ky, kx) for every in-bounds tap of output pixels of images [b0, b1). */
template <typename F>
void for_each_tap(const ConvGeo& g, long b0, long b1, F fn) {
  for (long b = b0; b < b1; b++)
    for (long oy = 0; oy < g.outH; oy++)
      for (long ox = 0; ox < g.outW; ox++) {
        const long yPix = (b * g.outH + oy) * g.outW + ox;
        for (long ky = 0; ky < g.fh; ky++) {
          const long iy = oy * g.sh + ky * g.dh - g.top;
          if (iy < 0 || iy >= g.inH) continue;
          for (long kx = 0; kx < g.fw; kx++) {
            const long ix = ox * g.sw + kx * g.dw - g.left;
            if (ix < 0 || ix >= g.inW) continue;
            fn((b * g.inH + iy) * g.inW + ix, yPix, ky, kx);
          }
        }
      }
}

}  // namespace

void depthwise_forward(const ConvGeo& g, long mult, const float* x, const float* w, float* y) {
  const long C = g.inC, OC = C * mult;
  const long per = g.outH * g.outW * OC;
  if (g.batch * per <= 0) return;
  parallel_rows(g.batch, per * g.fh * g.fw, [&](long b0, long b1) {
    std::vector<double> acc(static_cast<size_t>(per));
    for (long b = b0; b < b1; b++) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const long base = b * g.outH * g.outW;
      for_each_tap(g, b, b + 1, [&](long xPix, long yPix, long ky, long kx) {
        const float* xv = x + xPix * C;
        double* a = acc.data() + (yPix - base) * OC;
        const float* wv = w + (ky * g.fw + kx) * OC;
        for (long i = 0; i < C; i++) {
          const double xi = xv[i];
          for (long m = 0; m < mult; m++) a[i * mult + m] += xi * static_cast<double>(wv[i * mult + m]);
        }
      });
      float* yb = y + b * per;
      for (long p = 0; p < per; p++) yb[p] = static_cast<float>(acc[p]);
    }
  });
}

void depthwise_backprop_input(const ConvGeo& g, long mult, const float* dy, const float* w, float* dx) {
  const long C = g.inC, OC = C * mult;
  const long per = g.inH * g.inW * C;
  if (g.batch * per <= 0) return;
  parallel_rows(g.batch, g.outH * g.outW * OC * g.fh * g.fw, [&](long b0, long b1) {
    std::vector<double> acc(static_cast<size_t>(per));
    for (long b = b0; b < b1; b++) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const long base = b * g.inH * g.inW;
      for_each_tap(g, b, b + 1, [&](long xPix, long yPix, long ky, long kx) {
        const float* d = dy + yPix * OC;
        const float* wv = w + (ky * g.fw + kx) * OC;
        double* a = acc.data() + (xPix - base) * C;
        for (long i = 0; i < C; i++) {
          double s = 0;
          for (long m = 0; m < mult; m++) s += static_cast<double>(d[i * mult + m]) * wv[i * mult + m];
          a[i] += s;
        }
      });
      float* xb = dx + b * per;
      for (long p = 0; p < per; p++) xb[p] = static_cast<float>(acc[p]);
    }
  });
}

void depthwise_backprop_filter(const ConvGeo& g, long mult, const float* x, const float* dy, float* dw) {
  const long C = g.inC, OC = C * mult;
  const long n = g.fh * g.fw * OC;
  if (n <= 0) return;
  // One float64 accumulator in the reference's (batch-major) order: single-threaded.
  std::vector<double> acc(static_cast<size_t>(n), 0.0);
  for_each_tap(g, 0, g.batch, [&](long xPix, long yPix, long ky, long kx) {
    const float* xv = x + xPix * C;
    const float* d = dy + yPix * OC;
    double* a = acc.data() + (ky * g.fw + kx) * OC;
    for (long i = 0; i < C; i++) {
      const double xi = xv[i];
      for (long m = 0; m < mult; m++) a[i * mult + m] += xi * static_cast<double>(d[i * mult + m]);
    }
  });
  for (long p = 0; p < n; p++) dw[p] = static_cast<float>(acc[p]);
}

}  // namespace idem
