/*
 * Convolution kernels: im2col + GEMM for Conv2D and its two gradients, direct float64 loops for
 * depthwise convolution. See conv.h for the contracts and the numerics.
 */
#include "conv.h"

#include <atomic>
#include <cstdlib>
#include <functional>
#include <cstring>
#include <new>
#include <vector>

#include "gemm.h"
#include "nn_parallel.h"
#include "pool.h"

namespace idem {

namespace {

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
    }
    return p;  // null when the allocation failed
  }
  ~Scratch() { std::free(p); }
};

thread_local Scratch g_col;   // im2col / dcol rows of one block (per thread)
thread_local Scratch g_tmp;   // a block's filter-gradient product (per thread)
thread_local Scratch g_part;  // filter-gradient partial sums per chunk (calling thread)

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
  for (long r = r0; r < r1; r++) {
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
}

/*
 * dx += the scatter of dcol rows [r0, r1) (all in one image's rows or several whole images):
 * each dx element receives its terms in increasing row, then tap order.
 */
void col2im(const ConvGeo& g, const float* dcol, long r0, long r1, float* dx) {
  const long K = g.fh * g.fw * g.inC;
  const long C = g.inC;
  const long pix = g.outH * g.outW;
  for (long r = r0; r < r1; r++) {
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
}

/* Rows per GEMM block: an im2col block of about 256 KiB (L2), at least 16 rows. */
long block_rows(long M, long K) {
  long r = 65536 / (K > 0 ? K : 1);
  if (r < 16) r = 16;
  return r > M ? M : r;
}

/* Runs fn over [0, n) tasks on the pool when the work (flops) is worth it; any split. */
void run_tasks(long n, double flops, const std::function<void(long, long)>& fn) {
  if (n <= 1 || flops < 2e6 || num_threads() <= 1)
    fn(0, n);
  else
    parallel_for(n, 1, fn);
}

}  // namespace

/*
 * Threads take blocks of im2col rows (forward, filter gradient) or whole images (input
 * gradient); each block runs im2col and a single-threaded GEMM on its rows, so the packing is not
 * repeated per thread and the block stays in cache. Each output element is computed by one
 * block with the GEMM's fixed k order: results never depend on the thread count.
 */
void conv2d_forward(const ConvGeo& g, const float* x, const float* w, float* y) {
  const long M = g.batch * g.outH * g.outW;
  const long K = g.fh * g.fw * g.inC;
  const long N = g.outC;
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    std::memset(y, 0, sizeof(float) * M * N);
    return;
  }
  const bool pointwise = is_pointwise(g);
  const long R = block_rows(M, K);
  const long blocks = (M + R - 1) / R;
  std::atomic<bool> failed{false};
  run_tasks(blocks, 2.0 * M * N * K, [&](long t0, long t1) {
    for (long t = t0; t < t1; t++) {
      const long r0 = t * R, r1 = r0 + R < M ? r0 + R : M;
      const float* a = x + r0 * K;
      if (!pointwise) {
        float* col = g_col.get(static_cast<size_t>(R * K));
        if (!col) {
          failed = true;
          return;
        }
        im2col(g, x, r0, r1, col);
        a = col;
      }
      sgemm(r1 - r0, N, K, a, K, 1, w, N, 1, y + r0 * N, N);
    }
  });
  if (failed) throw std::bad_alloc();
}

void conv2d_backprop_input(const ConvGeo& g, const float* dy, const float* w, float* dx) {
  const long M = g.batch * g.outH * g.outW;
  const long K = g.fh * g.fw * g.inC;
  const long N = g.outC;
  const long nx = g.batch * g.inH * g.inW * g.inC;
  if (nx <= 0) return;
  if (M <= 0 || K <= 0 || N <= 0) {
    std::memset(dx, 0, sizeof(float) * nx);
    return;
  }
  const long pix = g.outH * g.outW;
  const long per = g.inH * g.inW * g.inC;
  if (is_pointwise(g)) {
    // dx[M, K] = dy[M, N] · Wᵀ  (W is [K, N]), in row blocks.
    const long R = block_rows(M, K);
    run_tasks((M + R - 1) / R, 2.0 * M * N * K, [&](long t0, long t1) {
      for (long t = t0; t < t1; t++) {
        const long r0 = t * R, r1 = r0 + R < M ? r0 + R : M;
        sgemm(r1 - r0, K, N, dy + r0 * N, N, 1, w, 1, N, dx + r0 * K, K);
      }
    });
    return;
  }
  // Whole images per task (col2im stays inside an image); rows in blocks within the image.
  const long R = block_rows(pix, K);
  std::atomic<bool> failed{false};
  run_tasks(g.batch, 2.0 * M * N * K, [&](long b0, long b1) {
    float* dcol = g_col.get(static_cast<size_t>(R * K));
    if (!dcol) {
      failed = true;
      return;
    }
    for (long b = b0; b < b1; b++) {
      std::memset(dx + b * per, 0, sizeof(float) * per);
      for (long r0 = b * pix; r0 < (b + 1) * pix; r0 += R) {
        const long r1 = r0 + R < (b + 1) * pix ? r0 + R : (b + 1) * pix;
        sgemm(r1 - r0, K, N, dy + r0 * N, N, 1, w, 1, N, dcol, K);
        col2im(g, dcol, r0, r1, dx);
      }
    }
  });
  if (failed) throw std::bad_alloc();
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
  const bool pointwise = is_pointwise(g);
  // Fixed chunks of rows (at most 64, a function of the shape only), each a partial dW summed
  // over its rows block by block; the partials are then added in chunk order.
  const long R = block_rows(M, K);
  long chunkRows = (M + 63) / 64;
  chunkRows = (chunkRows + R - 1) / R * R;  // whole blocks
  const long chunks = (M + chunkRows - 1) / chunkRows;
  const long KN = K * N;
  float* part = chunks > 1 ? g_part.get(static_cast<size_t>((chunks - 1) * KN)) : nullptr;
  if (chunks > 1 && !part) throw std::bad_alloc();
  std::atomic<bool> failed{false};
  run_tasks(chunks, 2.0 * M * N * K, [&](long c0, long c1) {
    float* col = pointwise ? nullptr : g_col.get(static_cast<size_t>(R * K));
    float* tmp = chunkRows > R ? g_tmp.get(static_cast<size_t>(KN)) : nullptr;
    if ((!pointwise && !col) || (chunkRows > R && !tmp)) {
      failed = true;
      return;
    }
    for (long c = c0; c < c1; c++) {
      float* dst = c == 0 ? dw : part + (c - 1) * KN;
      const long end = (c + 1) * chunkRows < M ? (c + 1) * chunkRows : M;
      for (long r0 = c * chunkRows; r0 < end; r0 += R) {
        const long r1 = r0 + R < end ? r0 + R : end;
        const float* a = x + r0 * K;
        if (!pointwise) {
          im2col(g, x, r0, r1, col);
          a = col;
        }
        const bool first = r0 == c * chunkRows;
        sgemm(K, N, r1 - r0, a, 1, K, dy + r0 * N, N, 1, first ? dst : tmp, N);
        if (!first)
          for (long i = 0; i < KN; i++) dst[i] += tmp[i];
      }
    }
  });
  if (failed) throw std::bad_alloc();
  for (long c = 1; c < chunks; c++) {
    const float* p = part + (c - 1) * KN;
    for (long i = 0; i < KN; i++) dw[i] += p[i];
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
