/*
 * Convolution kernels: Conv2D and its two gradients as implicit GEMMs on the current ISA path
 * (isa.h, gemm_tpl.h: the im2col matrix is never written out — the packing routine reads each
 * A panel straight from the image), direct float64 loops for depthwise convolution. See conv.h
 * for the contracts and the numerics.
 */
#include "conv.h"

#include <atomic>
#include <cstdlib>
#include <functional>
#include <cstring>
#include <new>
#include <vector>

#include "gemm.h"
#include "isa.h"
#include "nn_parallel.h"
#include "pool.h"

namespace idem {

namespace {

/*
 * A 64-byte aligned scratch buffer that persists across calls and only grows (one per calling
 * thread and use), so a training step does not map and fault in fresh pages for every call.
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

thread_local Scratch g_packed;  // the prepacked B of the current call (calling thread)
thread_local Scratch g_col;     // dcol rows of one block (per thread; strided input gradient)
thread_local Scratch g_part;    // the filter gradient's per-group partial sums (calling thread)

/* True when the im2col matrix is x itself (1×1 filter, stride 1, no padding, full output). */
bool is_pointwise(const ConvGeo& g) {
  return g.fh == 1 && g.fw == 1 && g.sh == 1 && g.sw == 1 && g.top == 0 && g.left == 0 && g.outH == g.inH &&
         g.outW == g.inW;
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

/* Rows per dcol block: about 256 KiB (L2), at least 16 rows. */
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

/*
 * B = the K×N matrix B(l, j) = B[(l / T)·tapStride + (l % T)·rs + j·cs] packed once for every k
 * block (IsaKernels::pack_b_full), panels packed in parallel for large matrices. Returns null on
 * allocation failure.
 */
const float* prepack(const IsaKernels& I, long K, long N, const float* B, long rs, long cs, long T = 0, long tapStride = 0) {
  if (T <= 0) T = K > 0 ? K : 1;
  const long panels = (N + I.nr - 1) / I.nr;
  float* Bp = g_packed.get(static_cast<size_t>(panels * I.nr * K));
  if (!Bp) return nullptr;
  if (K * N < (1L << 16) || num_threads() <= 1 || panels < 2) {
    I.pack_b_full(K, N, B, rs, cs, T, tapStride, 0, panels, Bp);
  } else {
    const long grain = (panels + 7) / 8;
    parallel_for(panels, grain, [&](long p0, long p1) { I.pack_b_full(K, N, B, rs, cs, T, tapStride, p0, p1, Bp); });
  }
  return Bp;
}

/*
 * C[M, N] = A·B (+ ep) with B prepacked, over the pool: tasks are blocks of the path's MC rows
 * (and, when those are few, column blocks of whole NR panels), each computed whole by one
 * gemm_packed call, so any split gives the same bits.
 */
void packed_product(const IsaKernels& I, const ASource& a, long M, long N, long K, const float* Bp, float* C,
                    const Epilogue* ep) {
  const long mc = I.mc;
  const long mBlocks = (M + mc - 1) / mc;
  const long panels = (N + I.nr - 1) / I.nr;
  const int t = num_threads();
  // Few row blocks (a small image or batch): also split the columns, aiming at 8 tasks per
  // thread and a task count that is a multiple of the thread count (equal tasks, so the threads
  // finish together; the chunks are claimed dynamically).
  long nBlocks = 1;
  if (t > 1 && mBlocks < 8L * t) {
    nBlocks = (8L * t + mBlocks - 1) / mBlocks;
    while (nBlocks < panels && (mBlocks * nBlocks) % t != 0) nBlocks++;
    if (nBlocks > panels) nBlocks = panels;
  }
  const long perN = (panels + nBlocks - 1) / nBlocks;
  nBlocks = (panels + perN - 1) / perN;
  run_tasks(mBlocks * nBlocks, 2.0 * M * N * K, [&](long t0, long t1) {
    for (long task = t0; task < t1; task++) {
      const long mb = task / nBlocks, nb = task % nBlocks;
      const long i0 = mb * mc, i1 = i0 + mc < M ? i0 + mc : M;
      const long j0 = nb * perN * I.nr, j1 = (nb + 1) * perN * I.nr < N ? (nb + 1) * perN * I.nr : N;
      I.gemm_packed(a, i0, i1, Bp, N, j0, j1, K, C, N, ep);
    }
  });
}

/* The implicit im2col of x (rows: output pixels; columns (ky, kx, c)). */
ASource conv_rows(const ConvGeo& g, const float* x) {
  ASource a{};
  a.kind = ASource::kConv;
  a.p = x;
  a.rowsH = g.outH;
  a.rowsW = g.outW;
  a.srcH = g.inH;
  a.srcW = g.inW;
  a.C = g.inC;
  a.fh = g.fh;
  a.fw = g.fw;
  a.sy_r = g.sh;
  a.sy_k = g.dh;
  a.sy_0 = -g.top;
  a.sx_r = g.sw;
  a.sx_k = g.dw;
  a.sx_0 = -g.left;
  return a;
}

ASource strided(const float* p, long rs, long cs) {
  ASource a{};
  a.kind = ASource::kStrided;
  a.p = p;
  a.rs = rs;
  a.cs = cs;
  return a;
}

}  // namespace

/*
 * Y[M, N] = im2col(x)[M, K] · W[K, N] (+ ep): W packed once for the call, then blocks of output
 * pixels on the pool, each packing its A panels straight from x.
 */
void conv2d_forward(const ConvGeo& g, const float* x, const float* w, float* y, const Epilogue* ep) {
  const long M = g.batch * g.outH * g.outW;
  const long K = g.fh * g.fw * g.inC;
  const long N = g.outC;
  if (M <= 0 || N <= 0) return;
  const IsaKernels& I = isa();
  if (K == 0) {
    std::memset(y, 0, sizeof(float) * M * N);
    if (ep) I.epilogue(*ep, y, N, 0, M, 0, N);
    return;
  }
  const float* Bp = prepack(I, K, N, w, N, 1);
  if (!Bp) throw std::bad_alloc();
  const ASource a = is_pointwise(g) ? strided(x, K, 1) : conv_rows(g, x);
  packed_product(I, a, M, N, K, Bp, y, ep);
}

/*
 * dx = the gradient of x:
 * - 1×1, stride 1, no padding: dx[M, inC] = dy[M, outC] · Wᵀ, one GEMM.
 * - stride 1 (any filter, padding, dilation) with outC < 2·inC: an implicit GEMM over input pixels,
 *   dx[(b, iy, ix), c] = Σ_{ky, kx, o} dy[b, iy + top − ky·dh, ix + left − kx·dw, o] · W[ky, kx, c, o]
 *   (taps outside dy read 0), the filter read as W'[(ky, kx, o), c] = W[ky, kx, c, o] by the packing.
 * - strided, or outC ≥ 2·inC: dcol = dy · Wᵀ (rows: output pixels) in blocks, scattered into dx (col2im); tasks
 *   are whole images, so each dx element receives its terms in one fixed order.
 */
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
  const IsaKernels& I = isa();
  if (is_pointwise(g)) {
    // op(B)(o, c) = W[c·N + o]: Wᵀ through strides.
    const float* Bp = prepack(I, N, K, w, 1, N);
    if (!Bp) throw std::bad_alloc();
    packed_product(I, strided(dy, N, 1), M, K, N, Bp, dx, nullptr);
    return;
  }
  // Stride 1 with at least twice as many output as input channels (W3's 32 → 64, a 1-channel
  // image's first layer) goes through dcol + col2im below: the implicit GEMM packs a K = taps·outC
  // element row of dy for every input pixel, to multiply it by only inC columns — packing as much
  // as it multiplies — and also runs over the zero border of a 'valid' convolution; dcol's GEMM
  // reads dy in place and the scatter is one add per dcol element. Measured on 1 thread (CPU time,
  // Zen 2): [64, 13, 13, 32] 3×3 → 64, 7.2–8.1 → 4.1–4.4 ms; at inC = outC (ResNet's 3×3) the two
  // are even, and those keep the implicit GEMM (and their bits).
  if (g.sh == 1 && g.sw == 1 && g.outC < 2 * g.inC) {
    const long taps = g.fh * g.fw, C = g.inC;
    // W'[(tap, o), c] = W[tap, c, o]: per tap a strided block (rows o: step 1, columns c: step N).
    const float* Bp = prepack(I, taps * N, C, w, 1, N, N, C * N);
    if (!Bp) throw std::bad_alloc();
    ASource a{};
    a.kind = ASource::kConv;
    a.p = dy;
    a.rowsH = g.inH;
    a.rowsW = g.inW;
    a.srcH = g.outH;
    a.srcW = g.outW;
    a.C = N;
    a.fh = g.fh;
    a.fw = g.fw;
    a.sy_r = 1;
    a.sy_k = -g.dh;
    a.sy_0 = g.top;
    a.sx_r = 1;
    a.sx_k = -g.dw;
    a.sx_0 = g.left;
    packed_product(I, a, g.batch * g.inH * g.inW, C, taps * N, Bp, dx, nullptr);
    return;
  }
  const long pix = g.outH * g.outW;
  const long per = g.inH * g.inW * g.inC;
  const float* Bp = prepack(I, N, K, w, 1, N);
  if (!Bp) throw std::bad_alloc();
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
        I.gemm_packed(strided(dy + r0 * N, N, 1), 0, r1 - r0, Bp, K, 0, K, N, dcol, K, nullptr);
        col2im(g, dcol, r0, r1, dx);
      }
    }
  });
  if (failed) throw std::bad_alloc();
}

/*
 * dW[K, N] = colᵀ[K, M] · dy[M, N]: an implicit GEMM whose A panels are read from x (rows
 * (ky, kx, c), columns output pixels), summed over the pixels in k blocks of 256 in order.
 * - Small filters (K·N ≤ 2^18) over a batch: the batch in at most 8 fixed groups of whole images
 *   (a function of the batch size only), each group's partial dW by one task, then the partials
 *   added in group order. Every operand is packed once (splitting dW's rows instead made each
 *   task pack all of dy: 6 copies of 25 MB for ResNet's 56×56×64 → 256, 1 float per 10 MACs).
 * - Otherwise threads take slices of dW's rows (or columns when the rows are fewer), each task
 *   packing its rows of A and all of B: up to 4 tasks per thread while the repacking stays under
 *   one float per 64 multiply-adds.
 * Either way each element is computed in one order fixed by the shapes: the thread count never
 * changes a bit.
 */
void conv2d_backprop_filter(const ConvGeo& g, const float* x, const float* dy, float* dw) {
  const long M = g.batch * g.outH * g.outW;
  const long K = g.fh * g.fw * g.inC;
  const long N = g.outC;
  if (K <= 0 || N <= 0) return;
  if (M <= 0) {
    std::memset(dw, 0, sizeof(float) * K * N);
    return;
  }
  const IsaKernels& I = isa();
  const bool pointwise = is_pointwise(g);
  // The A source of images [b0, b1).
  const auto source = [&](long b0) {
    ASource a{};
    const float* xb = x + b0 * g.inH * g.inW * g.inC;
    if (pointwise) {
      a = strided(xb, 1, K);  // A(k, p) = x[p·K + k]
    } else {
      a = conv_rows(g, xb);
      a.kind = ASource::kConvT;
    }
    return a;
  };
  const long pix = g.outH * g.outW;
  const long groups = g.batch < 8 ? g.batch : 8;
  if (groups >= 2 && K * N <= (1L << 18)) {
    const long KN = K * N;
    float* part = g_part.get(static_cast<size_t>((groups - 1) * KN));
    if (!part) throw std::bad_alloc();
    run_tasks(groups, 2.0 * M * N * K, [&](long c0, long c1) {
      for (long c = c0; c < c1; c++) {
        const long b0 = c * g.batch / groups, b1 = (c + 1) * g.batch / groups;
        float* dst = c == 0 ? dw : part + (c - 1) * KN;
        I.gemm_src(source(b0), 0, K, dy + b0 * pix * N, N, 1, 0, N, (b1 - b0) * pix, dst, N, nullptr);
      }
    });
    const auto add = [&](long e0, long e1) {
      for (long c = 1; c < groups; c++) {
        const float* p = part + (c - 1) * KN;
        for (long e = e0; e < e1; e++) dw[e] = dw[e] + p[e];
      }
    };
    if (KN < 65536 || num_threads() <= 1) add(0, KN);
    else parallel_for(KN, 16384, add);
    return;
  }
  const ASource a = source(0);
  const long rowPanels = (K + I.mr - 1) / I.mr;
  const long colPanels = (N + I.nr - 1) / I.nr;
  const int t = num_threads();
  const bool byRows = rowPanels >= 2L * t || rowPanels >= colPanels;
  const long units = byRows ? rowPanels : colPanels;
  // Each task packs all of the other operand: τ tasks cost τ/K (rows) or τ/N (columns) packed
  // floats per multiply-add. Up to 4 tasks per thread (balance) while that stays under 1/64.
  const long dim = byRows ? K : N;
  long tasks = dim / 64 > t ? dim / 64 : t;
  if (tasks > 4L * t) tasks = 4L * t;
  if (tasks > units) tasks = units;
  const long per = (units + tasks - 1) / tasks;
  tasks = (units + per - 1) / per;
  run_tasks(tasks, 2.0 * M * N * K, [&](long t0, long t1) {
    for (long task = t0; task < t1; task++) {
      if (byRows) {
        const long i0 = task * per * I.mr, i1 = (task + 1) * per * I.mr < K ? (task + 1) * per * I.mr : K;
        I.gemm_src(a, i0, i1, dy, N, 1, 0, N, M, dw, N, nullptr);
      } else {
        const long j0 = task * per * I.nr, j1 = (task + 1) * per * I.nr < N ? (task + 1) * per * I.nr : N;
        I.gemm_src(a, 0, K, dy, N, 1, j0, j1, M, dw, N, nullptr);
      }
    }
  });
}

// ---------------------------------------------------------------- depthwise (float64, reference order)
// The loops are the ISA path's (loops_tpl.h); threads take whole images (forward, input
// gradient) or channel ranges (filter gradient: every image and tap in order for its channels).

void depthwise_forward(const ConvGeo& g, long mult, const float* x, const float* w, float* y) {
  const long OC = g.inC * mult;
  const long per = g.outH * g.outW * OC;
  if (g.batch * per <= 0) return;
  const IsaKernels& K = isa();
  parallel_rows(g.batch, per * g.fh * g.fw, [&](long b0, long b1) {
    std::vector<double> acc(static_cast<size_t>(per));
    for (long b = b0; b < b1; b++) K.dw_forward(g, mult, x, w, y, b, acc.data());
  });
}

void depthwise_backprop_input(const ConvGeo& g, long mult, const float* dy, const float* w, float* dx) {
  const long OC = g.inC * mult;
  const long per = g.inH * g.inW * g.inC;
  if (g.batch * per <= 0) return;
  const IsaKernels& K = isa();
  parallel_rows(g.batch, g.outH * g.outW * OC * g.fh * g.fw, [&](long b0, long b1) {
    std::vector<double> acc(static_cast<size_t>(per));
    for (long b = b0; b < b1; b++) K.dw_backprop_input(g, mult, dy, w, dx, b, acc.data());
  });
}

void depthwise_backprop_filter(const ConvGeo& g, long mult, const float* x, const float* dy, float* dw) {
  const long C = g.inC, OC = C * mult;
  const long n = g.fh * g.fw * OC;
  if (n <= 0) return;
  const IsaKernels& K = isa();
  std::vector<double> acc(static_cast<size_t>(n), 0.0);
  // One contiguous range of channels (multiples of 16: a cache line of floats) per thread, each
  // walking every image and tap once; each element gets its terms in the reference's
  // (batch-major) order whatever the split.
  const long blocks = (C + 15) / 16;
  const int t = num_threads();
  const double work = static_cast<double>(g.batch) * g.outH * g.outW * g.fh * g.fw * OC;
  if (t <= 1 || blocks < 2 || work < 65536.0) {
    K.dw_backprop_filter(g, mult, x, dy, acc.data(), 0, C);
  } else {
    parallel_for(blocks, (blocks + t - 1) / t, [&](long b0, long b1) {
      K.dw_backprop_filter(g, mult, x, dy, acc.data(), b0 * 16, b1 * 16 < C ? b1 * 16 : C);
    });
  }
  for (long p = 0; p < n; p++) dw[p] = static_cast<float>(acc[p]);
}

}  // namespace idem
