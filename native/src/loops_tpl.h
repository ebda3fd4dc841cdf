/*
 * The loop kernels of every ISA path — elementwise ops, reductions, batch norm, pooling, the
 * fused optimizer / dropout / bias-relu passes — written once as plain loops over restrict
 * pointers that the compiler vectorises for the unit's target (AVX-512, AVX2 or the portable
 * baseline). Included by each isa_*.cc inside its own anonymous namespace (the ODR note in
 * isa.h: no std:: templates, no shared inline functions; __builtin_sqrt instead of std::sqrt).
 *
 * Bits: each output is computed by the same scalar float32/float64 operations in the same order
 * on every path (the units are built with -ffp-contract=off and without -ffast-math, so the
 * compiler may only vectorise across independent outputs, never reassociate a sum), hence every
 * path gives the same bits here; the common code (elementwise.cc, norm.cc, pool2d.cc,
 * kernel_fused.cc) splits the work over threads and documents each kernel's contract.
 */

// ---------------------------------------------------------------------------------- elementwise

template <typename Out, typename F>
static void apply_mode(int mode, const float* __restrict a, const float* __restrict b, Out* __restrict out, size_t n,
                       size_t inner, F f) {
  switch (mode) {
    case 0:
      for (size_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
      break;
    case 1: {
      const float y = b[0];
      for (size_t i = 0; i < n; i++) out[i] = f(a[i], y);
      break;
    }
    case 2: {
      const float x = a[0];
      for (size_t i = 0; i < n; i++) out[i] = f(x, b[i]);
      break;
    }
    case 3:
      for (size_t r = 0; r < n; r += inner) {
        const float* __restrict ar = a + r;
        Out* __restrict o = out + r;
        for (size_t j = 0; j < inner; j++) o[j] = f(ar[j], b[j]);
      }
      break;
    case 4:
      for (size_t r = 0; r < n; r += inner) {
        const float* __restrict br = b + r;
        Out* __restrict o = out + r;
        for (size_t j = 0; j < inner; j++) o[j] = f(a[j], br[j]);
      }
      break;
    case 5:  // b a column: one value per row of `inner` elements
      for (size_t r = 0; r < n; r += inner) {
        const float* __restrict ar = a + r;
        const float y = b[r / inner];
        Out* __restrict o = out + r;
        for (size_t j = 0; j < inner; j++) o[j] = f(ar[j], y);
      }
      break;
    case 6:  // a a column
      for (size_t r = 0; r < n; r += inner) {
        const float x = a[r / inner];
        const float* __restrict br = b + r;
        Out* __restrict o = out + r;
        for (size_t j = 0; j < inner; j++) o[j] = f(x, br[j]);
      }
      break;
  }
}

static void loop_binary(int op, int mode, const float* a, const float* b, float* out, size_t n, size_t inner) {
  switch (op) {
    case 0: apply_mode(mode, a, b, out, n, inner, [](float x, float y) { return x + y; }); break;
    case 1: apply_mode(mode, a, b, out, n, inner, [](float x, float y) { return x - y; }); break;
    case 2: apply_mode(mode, a, b, out, n, inner, [](float x, float y) { return x * y; }); break;
    case 3: apply_mode(mode, a, b, out, n, inner, [](float x, float y) { return x / y; }); break;
  }
}

static void loop_compare(int op, int mode, const float* a, const float* b, uint8_t* out, size_t n, size_t inner) {
  switch (op) {
    case 0: apply_mode(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x > y; }); break;
    case 1: apply_mode(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x >= y; }); break;
    case 2: apply_mode(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x < y; }); break;
    case 3: apply_mode(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x <= y; }); break;
  }
}

static void loop_relu(const float* __restrict x, float* __restrict out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    // v > 0 ? v : (NaN ? v : +0) as one select (!(v <= 0) holds for positives and NaN): the
    // nested form compiled to a branch per element, mispredicted on relu's random signs.
    out[i] = !(v <= 0.0f) ? v : 0.0f;
  }
}

static void loop_relu_grad(const float* __restrict dy, const float* __restrict y, float* __restrict out, size_t n) {
  // Both values loaded unconditionally: a vector compare-and-mask instead of a branch per element.
  for (size_t i = 0; i < n; i++) {
    const float d = dy[i];
    out[i] = y[i] > 0.0f ? d : 0.0f;
  }
}

static void loop_select(const uint8_t* __restrict cond, const float* __restrict t, bool t_scalar, const float* __restrict e,
                        bool e_scalar, float* __restrict out, size_t n) {
  if (!t_scalar && !e_scalar) {
    for (size_t i = 0; i < n; i++) {
      const float tv = t[i], ev = e[i];  // unconditional loads: a vector select, not a branch
      out[i] = cond[i] ? tv : ev;
    }
  } else if (!t_scalar) {
    const float ev = e[0];
    for (size_t i = 0; i < n; i++) {
      const float tv = t[i];
      out[i] = cond[i] ? tv : ev;
    }
  } else if (!e_scalar) {
    const float tv = t[0];
    for (size_t i = 0; i < n; i++) {
      const float ev = e[i];
      out[i] = cond[i] ? tv : ev;
    }
  } else {
    const float tv = t[0], ev = e[0];
    for (size_t i = 0; i < n; i++) out[i] = cond[i] ? tv : ev;
  }
}

/*
 * x as [outer, mid, inner]: out[o, j] = Σ_{m < mid} x[o, m, j] for o in [o0, o1), j in [j0, j1),
 * accumulated in float64 in increasing m, then (mean) divided by mid in float64, rounded once.
 */
static void loop_sum(const float* __restrict x, float* __restrict out, long mid, long inner, long o0, long o1, long j0,
                     long j1, bool mean) {
  const double md = static_cast<double>(mid);
  if (inner == 1) {
    for (long o = o0; o < o1; o++) {
      const float* __restrict xo = x + o * mid;
      double acc = 0.0;
      for (long m = 0; m < mid; m++) acc += static_cast<double>(xo[m]);
      out[o] = static_cast<float>(mean ? acc / md : acc);
    }
    return;
  }
  constexpr long kChunk = 512;
  double acc[kChunk];
  for (long o = o0; o < o1; o++) {
    for (long c0 = j0; c0 < j1; c0 += kChunk) {
      const long w = j1 - c0 < kChunk ? j1 - c0 : kChunk;
      for (long j = 0; j < w; j++) acc[j] = 0.0;
      const float* __restrict xo = x + o * mid * inner + c0;
      for (long m = 0; m < mid; m++) {
        const float* __restrict xm = xo + m * inner;
        for (long j = 0; j < w; j++) acc[j] += static_cast<double>(xm[j]);
      }
      float* __restrict oo = out + o * inner + c0;
      if (mean) {
        for (long j = 0; j < w; j++) oo[j] = static_cast<float>(acc[j] / md);
      } else {
        for (long j = 0; j < w; j++) oo[j] = static_cast<float>(acc[j]);
      }
    }
  }
}

// ----------------------------------------------------------------------------------- batch norm
// The formulas, operation by operation, are in norm.h. Channel sums run over all M rows in order
// (float64), each row's channels of the block read contiguously (blocks of up to 512 channels:
// one sweep over the rows per pass for any ResNet layer; the accumulators stay in L1).

constexpr long kBnBlock = 512;

static void loop_bn_fwd_stats(const float* __restrict x, const float* __restrict scale, long M, long C, long c0, long c1,
                              float eps, float* __restrict mean_out, float* __restrict var_out, float* __restrict s_out) {
  const double Md = static_cast<double>(M);
  double acc[kBnBlock];
  for (long b0 = c0; b0 < c1; b0 += kBnBlock) {
    const long w = c1 - b0 < kBnBlock ? c1 - b0 : kBnBlock;
    for (long c = 0; c < w; c++) acc[c] = 0.0;
    for (long r = 0; r < M; r++) {
      const float* __restrict xr = x + r * C + b0;
      for (long c = 0; c < w; c++) acc[c] += static_cast<double>(xr[c]);
    }
    float m[kBnBlock];
    for (long c = 0; c < w; c++) m[c] = mean_out[b0 + c] = static_cast<float>(acc[c] / Md);
    for (long c = 0; c < w; c++) acc[c] = 0.0;
    for (long r = 0; r < M; r++) {
      const float* __restrict xr = x + r * C + b0;
      for (long c = 0; c < w; c++) {
        const float d = xr[c] - m[c];
        acc[c] += static_cast<double>(d * d);
      }
    }
    for (long c = 0; c < w; c++) {
      const float var = static_cast<float>(acc[c] / Md);
      var_out[b0 + c] = var;
      const float a = var + eps;
      const float rr = static_cast<float>(1.0 / __builtin_sqrt(static_cast<double>(a)));
      s_out[b0 + c] = scale ? rr * scale[b0 + c] : rr;
    }
  }
}

static void loop_bn_fwd_apply(const float* __restrict x, const float* __restrict mean, const float* __restrict s,
                              const float* __restrict offset, float* __restrict y, long C, long r0, long r1) {
  for (long r = r0; r < r1; r++) {
    const float* __restrict xr = x + r * C;
    float* __restrict yr = y + r * C;
    if (offset) {
      for (long c = 0; c < C; c++) yr[c] = (xr[c] - mean[c]) * s[c] + offset[c];
    } else {
      for (long c = 0; c < C; c++) yr[c] = (xr[c] - mean[c]) * s[c];
    }
  }
}

static void loop_bn_bwd_stats(const float* __restrict dy, const float* __restrict x, const float* __restrict scale,
                              bool has_offset, const float* __restrict mean, const float* __restrict var,
                              const float* __restrict dmean, const float* __restrict dvar, long M, long C, long c0, long c1,
                              float eps, float* __restrict s_out, float* __restrict dsq_out, float* __restrict dx3_out,
                              float* __restrict dscale, float* __restrict doffset) {
  const float Mf = static_cast<float>(M);
  for (long b0 = c0; b0 < c1; b0 += kBnBlock) {
    const long w = c1 - b0 < kBnBlock ? c1 - b0 : kBnBlock;
    float rr[kBnBlock], s[kBnBlock], m[kBnBlock], dmA[kBnBlock], dsq[kBnBlock];
    double sdy[kBnBlock], sdyd[kBnBlock], sdt[kBnBlock];
    for (long c = 0; c < w; c++) {
      const long k = b0 + c;
      const float a = var[k] + eps;
      rr[c] = static_cast<float>(1.0 / __builtin_sqrt(static_cast<double>(a)));
      s[c] = s_out[k] = scale ? rr[c] * scale[k] : rr[c];
      m[c] = mean[k];
      sdy[c] = sdyd[c] = sdt[c] = 0.0;
    }
    // Pass 1: Σ dy, Σ fl(dy·d), Σ fl(dy·s).
    for (long r = 0; r < M; r++) {
      const float* __restrict xr = x + r * C + b0;
      const float* __restrict dr = dy + r * C + b0;
      for (long c = 0; c < w; c++) {
        const float g = dr[c];
        const float d = xr[c] - m[c];
        sdy[c] += static_cast<double>(g);
        sdyd[c] += static_cast<double>(g * d);
        sdt[c] += static_cast<double>(g * s[c]);
      }
    }
    for (long c = 0; c < w; c++) {
      const long k = b0 + c;
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
      const float q = rr[c];
      const float cube = q * (q * q);
      float dv = drr * (-0.5f * cube);
      if (dvar) dv = dv + dvar[k];
      dsq[c] = dsq_out[k] = dv / Mf;
    }
    // Pass 2: Σ dd, dd = fl(g + g), g = fl(dsq·d).
    for (long c = 0; c < w; c++) sdy[c] = 0.0;
    for (long r = 0; r < M; r++) {
      const float* __restrict xr = x + r * C + b0;
      for (long c = 0; c < w; c++) {
        const float g = dsq[c] * (xr[c] - m[c]);
        sdy[c] += static_cast<double>(g + g);
      }
    }
    for (long c = 0; c < w; c++) {
      const float dmB = static_cast<float>(-sdy[c]);
      const float dm = dmA[c] + dmB;
      dx3_out[b0 + c] = dm / Mf;
    }
  }
}

static void loop_bn_bwd_apply(const float* __restrict dy, const float* __restrict x, const float* __restrict mean,
                              const float* __restrict s, const float* __restrict dsq, const float* __restrict dx3,
                              float* __restrict dx, long C, long r0, long r1) {
  for (long r = r0; r < r1; r++) {
    const float* __restrict xr = x + r * C;
    const float* __restrict dr = dy + r * C;
    float* __restrict o = dx + r * C;
    for (long c = 0; c < C; c++) {
      const float dt = dr[c] * s[c];
      const float g = dsq[c] * (xr[c] - mean[c]);
      const float dd = g + g;
      o[c] = (dt + dd) + dx3[c];
    }
  }
}

// -------------------------------------------------------------------------------------- pooling
// (pool2d.cc documents the contracts; all bit-identical to the reference kernels.)

/* Max pooling of output rows r0..r1 (r = b·outH + oy). */
static void loop_max_pool(const ConvGeo& g, const float* __restrict x, float* __restrict y, long r0, long r1) {
  const long C = g.inC;
  const long per = g.outH * g.outW * C;
  const float neg_inf = -__builtin_inff();
  for (long r = r0; r < r1; r++) {
    const long b = r / g.outH, oy = r % g.outH;
    for (long ox = 0; ox < g.outW; ox++) {
      float* __restrict dst = y + b * per + (oy * g.outW + ox) * C;
      bool any = false;
      for (long ky = 0; ky < g.fh; ky++) {
        const long iy = oy * g.sh + ky * g.dh - g.top;
        if (iy < 0 || iy >= g.inH) continue;
        for (long kx = 0; kx < g.fw; kx++) {
          const long ix = ox * g.sw + kx * g.dw - g.left;
          if (ix < 0 || ix >= g.inW) continue;
          const float* __restrict src = x + ((b * g.inH + iy) * g.inW + ix) * C;
          if (!any) {
            for (long c = 0; c < C; c++) dst[c] = src[c];
            any = true;
          } else {
            for (long c = 0; c < C; c++) {
              const float v = src[c], cur = dst[c];
              dst[c] = ((v > cur) | ((v != v) & (cur == cur))) ? v : cur;
            }
          }
        }
      }
      if (!any)
        for (long c = 0; c < C; c++) dst[c] = neg_inf;
    }
  }
}

/* Average pooling of output rows r0..r1; acc: C doubles of scratch. */
static void loop_avg_pool(const ConvGeo& g, const float* __restrict x, float* __restrict y, long r0, long r1,
                          double* __restrict acc) {
  const long C = g.inC;
  const long per = g.outH * g.outW * C;
  for (long r = r0; r < r1; r++) {
    const long b = r / g.outH, oy = r % g.outH;
    for (long ox = 0; ox < g.outW; ox++) {
      for (long c = 0; c < C; c++) acc[c] = 0.0;
      long count = 0;
      for (long ky = 0; ky < g.fh; ky++) {
        const long iy = oy * g.sh + ky * g.dh - g.top;
        if (iy < 0 || iy >= g.inH) continue;
        for (long kx = 0; kx < g.fw; kx++) {
          const long ix = ox * g.sw + kx * g.dw - g.left;
          if (ix < 0 || ix >= g.inW) continue;
          const float* __restrict src = x + ((b * g.inH + iy) * g.inW + ix) * C;
          for (long c = 0; c < C; c++) acc[c] += src[c];
          count++;
        }
      }
      float* __restrict dst = y + b * per + (oy * g.outW + ox) * C;
      // An empty window divides 0 by 0 (NaN), as the reference does.
      const double n = static_cast<double>(count);
      for (long c = 0; c < C; c++) dst[c] = static_cast<float>(acc[c] / n);
    }
  }
}

// ------------------------------------------------------------------------------------ depthwise
// Direct loops accumulating in float64 in the reference's tap order (conv.h): each output's terms
// in increasing (b, oy, ox, ky, kx), rounded once — bit-identical to the reference kernels.

/* Calls fn(xPix, yPix, ky, kx) for every in-bounds tap of output pixels of images [b0, b1). */
template <typename F>
static void dw_for_each_tap(const ConvGeo& g, long b0, long b1, F fn) {
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

/* y of image b; acc: outH·outW·C·mult doubles of scratch. */
static void loop_dw_forward(const ConvGeo& g, long mult, const float* __restrict x, const float* __restrict w,
                            float* __restrict y, long b, double* __restrict acc) {
  const long C = g.inC, OC = C * mult;
  const long per = g.outH * g.outW * OC;
  for (long p = 0; p < per; p++) acc[p] = 0.0;
  const long base = b * g.outH * g.outW;
  dw_for_each_tap(g, b, b + 1, [&](long xPix, long yPix, long ky, long kx) {
    const float* __restrict xv = x + xPix * C;
    double* __restrict a = acc + (yPix - base) * OC;
    const float* __restrict wv = w + (ky * g.fw + kx) * OC;
    if (mult == 1) {
      for (long i = 0; i < C; i++) a[i] += static_cast<double>(xv[i]) * static_cast<double>(wv[i]);
    } else {
      for (long i = 0; i < C; i++) {
        const double xi = xv[i];
        for (long m = 0; m < mult; m++) a[i * mult + m] += xi * static_cast<double>(wv[i * mult + m]);
      }
    }
  });
  float* __restrict yb = y + b * per;
  for (long p = 0; p < per; p++) yb[p] = static_cast<float>(acc[p]);
}

/* dx of image b; acc: inH·inW·C doubles of scratch. */
static void loop_dw_backprop_input(const ConvGeo& g, long mult, const float* __restrict dy, const float* __restrict w,
                                   float* __restrict dx, long b, double* __restrict acc) {
  const long C = g.inC, OC = C * mult;
  const long per = g.inH * g.inW * C;
  for (long p = 0; p < per; p++) acc[p] = 0.0;
  const long base = b * g.inH * g.inW;
  dw_for_each_tap(g, b, b + 1, [&](long xPix, long yPix, long ky, long kx) {
    const float* __restrict d = dy + yPix * OC;
    const float* __restrict wv = w + (ky * g.fw + kx) * OC;
    double* __restrict a = acc + (xPix - base) * C;
    if (mult == 1) {
      for (long i = 0; i < C; i++) {
        double s = 0;
        s += static_cast<double>(d[i]) * wv[i];
        a[i] += s;
      }
    } else {
      for (long i = 0; i < C; i++) {
        double s = 0;
        for (long m = 0; m < mult; m++) s += static_cast<double>(d[i * mult + m]) * wv[i * mult + m];
        a[i] += s;
      }
    }
  });
  float* __restrict xb = dx + b * per;
  for (long p = 0; p < per; p++) xb[p] = static_cast<float>(acc[p]);
}

/* dw's channels [c0, c1) summed over every image and tap in order into acc (fh·fw·C·mult doubles, zeroed by the caller). */
static void loop_dw_backprop_filter(const ConvGeo& g, long mult, const float* __restrict x, const float* __restrict dy,
                                    double* __restrict acc, long c0, long c1) {
  const long C = g.inC, OC = C * mult;
  dw_for_each_tap(g, 0, g.batch, [&](long xPix, long yPix, long ky, long kx) {
    const float* __restrict xv = x + xPix * C;
    const float* __restrict d = dy + yPix * OC;
    double* __restrict a = acc + (ky * g.fw + kx) * OC;
    if (mult == 1) {
      for (long i = c0; i < c1; i++) a[i] += static_cast<double>(xv[i]) * static_cast<double>(d[i]);
    } else {
      for (long i = c0; i < c1; i++) {
        const double xi = xv[i];
        for (long m = 0; m < mult; m++) a[i * mult + m] += xi * static_cast<double>(d[i * mult + m]);
      }
    }
  });
}

// -------------------------------------------------------------------------------- fused kernels
// (fused.h documents each update; every step one float32 operation as in the op-by-op code.)

static void loop_adam(size_t n, const float* __restrict g, const float* __restrict x, const float* __restrict m0,
                      const float* __restrict v0, float* __restrict ox, float* __restrict om, float* __restrict ov, float c1,
                      float c2, float a, float e) {
  for (size_t i = 0; i < n; i++) {
    float t = g[i] - m0[i];
    t = t * c1;
    const float m = m0[i] + t;
    float u = g[i] * g[i];
    u = u - v0[i];
    u = u * c2;
    const float vv = v0[i] + u;
    const float num = m * a;
    float den = __builtin_sqrtf(vv);
    den = den + e;
    om[i] = m;
    ov[i] = vv;
    ox[i] = x[i] - num / den;
  }
}

static void loop_sgd(int kind, size_t n, const float* __restrict g, const float* __restrict x, const float* __restrict m0,
                     float* __restrict ox, float* __restrict om, float lr, float mu) {
  if (kind == 0) {
    for (size_t i = 0; i < n; i++) {
      const float gl = g[i] * lr;
      ox[i] = x[i] - gl;
    }
  } else if (kind == 1) {
    for (size_t i = 0; i < n; i++) {
      const float gl = g[i] * lr;
      const float mm = m0[i] * mu;
      const float m = mm - gl;
      om[i] = m;
      ox[i] = x[i] + m;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      const float gl = g[i] * lr;
      const float mm = m0[i] * mu;
      const float m = mm - gl;
      om[i] = m;
      const float m2 = m * mu;
      const float step = m2 - gl;
      ox[i] = x[i] + step;
    }
  }
}

static void loop_rmsprop(size_t n, const float* __restrict g, const float* __restrict x, const float* __restrict vel0,
                         const float* __restrict mg0, const float* __restrict mo0, float* __restrict ox,
                         float* __restrict ovel, float* __restrict omg, float* __restrict omo, float r, float c, float lr,
                         float e, float mom) {
  for (size_t i = 0; i < n; i++) {
    const float vr = vel0[i] * r;
    float gg = g[i] * g[i];
    gg = gg * c;
    const float vel = vr + gg;
    ovel[i] = vel;
    float den;
    if (mg0) {
      const float mr = mg0[i] * r;
      const float gc = g[i] * c;
      const float mg = mr + gc;
      omg[i] = mg;
      const float mg2 = mg * mg;
      den = vel - mg2;
      den = den + e;
    } else {
      den = vel + e;
    }
    const float gl = g[i] * lr;
    const float inc = gl / __builtin_sqrtf(den);
    if (mo0) {
      const float mm = mo0[i] * mom;
      const float mo = mm + inc;
      omo[i] = mo;
      ox[i] = x[i] - mo;
    } else {
      ox[i] = x[i] - inc;
    }
  }
}

/* mask_i = (w_i >> 9) >= threshold ? 1 : 0; y_i = fl(fl(x_i · scale) · mask_i) when x. */
static void loop_dropout(const uint32_t* __restrict w, const float* __restrict x, float* __restrict y,
                         float* __restrict mask, size_t n, uint32_t threshold, float scale) {
  for (size_t i = 0; i < n; i++) mask[i] = (w[i] >> 9) >= threshold ? 1.0f : 0.0f;
  if (x) {
    for (size_t i = 0; i < n; i++) {
      const float t = x[i] * scale;
      y[i] = t * mask[i];
    }
  }
}

/* Rows r0..r1 of the m×n out: out = out + bias[j] (bias may be null), then relu when act == 1. */
static void loop_bias_act(float* __restrict out, const float* __restrict bias, long n, long r0, long r1, int act) {
  for (long i = r0; i < r1; i++) {
    float* __restrict o = out + i * n;
    if (bias) {
      for (long j = 0; j < n; j++) o[j] = o[j] + bias[j];
    }
    if (act == 1) {
      for (long j = 0; j < n; j++) {
        const float v = o[j];
        o[j] = !(v <= 0.0f) ? v : 0.0f;
      }
    }
  }
}

static void fill_loops(IsaKernels& t) {
  t.binary = loop_binary;
  t.compare = loop_compare;
  t.relu = loop_relu;
  t.relu_grad = loop_relu_grad;
  t.select = loop_select;
  t.sum = loop_sum;
  t.bn_fwd_stats = loop_bn_fwd_stats;
  t.bn_fwd_apply = loop_bn_fwd_apply;
  t.bn_bwd_stats = loop_bn_bwd_stats;
  t.bn_bwd_apply = loop_bn_bwd_apply;
  t.max_pool = loop_max_pool;
  t.dw_forward = loop_dw_forward;
  t.dw_backprop_input = loop_dw_backprop_input;
  t.dw_backprop_filter = loop_dw_backprop_filter;
  t.avg_pool = loop_avg_pool;
  t.adam = loop_adam;
  t.sgd = loop_sgd;
  t.rmsprop = loop_rmsprop;
  t.dropout = loop_dropout;
  t.bias_act = loop_bias_act;
}
