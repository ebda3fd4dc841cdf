/*
 * The GEMM and implicit-GEMM convolution code of every ISA path, written once over a vector
 * type V (simd.h) and a micro-tile of MR rows × NV vectors. Included by each isa_*.cc inside that
 * unit's own namespace, after <cstdlib> and simd.h, with no other header of its own (see the ODR
 * note in isa.h): `Gemm<V, MR, NV, MC>` then gives that unit's table entries.
 *
 * Loop order (Goto/BLIS): for each KC-deep k block in increasing order, op(B)'s rows of the block
 * are packed into NR-column panels and op(A)'s into MR-row panels; the micro-kernel computes an
 * MR×NR tile of the block's product in registers, from 0, one V::fma per term in increasing l,
 * and stores it into C (first block) or adds it to C (later blocks). So, for every path,
 *   C[i, j] = (...((S_0 + S_1) + S_2)...),  S_p = Σ_{l in block p, in order} a_il·b_lj  (FMA chain)
 * whatever MR, NR, the m/n blocking, the thread split or where A and B come from.
 */

#if defined(__GNUC__) && !defined(__clang__)
#define IDEM_UNROLL _Pragma("GCC unroll 32")
#elif defined(__clang__)
#define IDEM_UNROLL _Pragma("unroll")
#else
#define IDEM_UNROLL
#endif

/* A 64-byte aligned scratch buffer per thread that only grows. */
struct TplScratch {
  float* p;
  size_t cap;
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      size_t bytes = ((n * sizeof(float)) + 63) & ~size_t(63);
      p = static_cast<float*>(std::aligned_alloc(64, bytes > 0 ? bytes : 64));
      cap = p ? n : 0;
    }
    return p;
  }
};

template <class V, int MR, int NV, int MC_>
struct Gemm {
  static constexpr int L = V::lanes;
  static constexpr int NR = NV * L;
  static constexpr long MC = MC_;  // a multiple of MR
  static constexpr long NC = 4096;

  /* acc = Σ_l a[l·MR + i]·b[l·NR + j] over l < kc; c = acc (or c + acc) on the mr×nr corner. */
  static void micro(long kc, const float* __restrict a, const float* __restrict b, float* c, long ldc, int mr, int nr,
                    bool accumulate) {
    // C's lines requested now arrive during the k loop (when C outgrows L2 they would otherwise
    // come one miss after another at the end of every tile).
    for (int i = 0; i < mr; i++) {
      __builtin_prefetch(c + i * ldc, 1);
      __builtin_prefetch(c + i * ldc + nr - 1, 1);
    }
    V acc[MR][NV];
    IDEM_UNROLL for (int i = 0; i < MR; i++) {
      IDEM_UNROLL for (int j = 0; j < NV; j++) acc[i][j] = V::zero();
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 4
#endif
    for (long l = 0; l < kc; l++) {
      __builtin_prefetch(b + 8 * NR);
      V bv[NV];
      IDEM_UNROLL for (int j = 0; j < NV; j++) bv[j] = V::load(b + j * L);
      IDEM_UNROLL for (int i = 0; i < MR; i++) {
        const V av = V::bcast(a + i);
        IDEM_UNROLL for (int j = 0; j < NV; j++) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
      }
      a += MR;
      b += NR;
    }
    if (mr == MR && nr == NR) {
      IDEM_UNROLL for (int i = 0; i < MR; i++) {
        IDEM_UNROLL for (int j = 0; j < NV; j++) {
          float* p = c + i * ldc + j * L;
          V::store(p, accumulate ? V::add(V::load(p), acc[i][j]) : acc[i][j]);
        }
      }
      return;
    }
    alignas(64) float tmp[MR * NR];
    IDEM_UNROLL for (int i = 0; i < MR; i++) {
      IDEM_UNROLL for (int j = 0; j < NV; j++) V::store(tmp + i * NR + j * L, acc[i][j]);
    }
    for (int i = 0; i < mr; i++) {
      float* ci = c + i * ldc;
      const float* ti = tmp + i * NR;
      if (accumulate) {
        for (int j = 0; j < nr; j++) ci[j] = ci[j] + ti[j];
      } else {
        for (int j = 0; j < nr; j++) ci[j] = ti[j];
      }
    }
  }

  // ------------------------------------------------------------------ packing of A

  /* Rows [i0, i0 + mc) × columns [k0, k0 + kc) of a strided A into MR-row panels (zero padded). */
  static void pack_a_strided(const float* A, long rs, long cs, long i0, long mc, long k0, long kc, float* Ap) {
    const float* base = A + i0 * rs + k0 * cs;
    for (long p = 0; p < mc; p += MR) {
      const long mr = mc - p < MR ? mc - p : MR;
      const float* Ablk = base + p * rs;
      if (cs == 1) {
        for (long i = 0; i < mr; i++) {
          const float* src = Ablk + i * rs;
          float* dst = Ap + i;
          for (long l = 0; l < kc; l++) dst[l * MR] = src[l];
        }
        for (long i = mr; i < MR; i++)
          for (long l = 0; l < kc; l++) Ap[l * MR + i] = 0.0f;
      } else {
        for (long l = 0; l < kc; l++) {
          const float* src = Ablk + l * cs;
          float* dst = Ap + l * MR;
          long i = 0;
          for (; i < mr; i++) dst[i] = src[i * rs];
          for (; i < MR; i++) dst[i] = 0.0f;
        }
      }
      Ap += MR * kc;
    }
  }

  /*
   * kConv: row i = pixel (b, ry, rx); columns (ky, kx, c) from k0, each tap's channels a
   * contiguous run of src — and, when the source column step of a tap is +1 (sx_k == 1: no
   * dilation, forward), the in-bounds taps of one ky row are one run together (7×7 on 3 channels:
   * runs of up to 21 floats instead of 3). No division per row or run: the block's first row and
   * column are located once, then stepped (a 3×3 filter on one channel has 9 columns per row, and
   * a dozen 64-bit divisions per row cost more than its copy).
   */
  static void pack_a_conv(const ASource& s, long i0, long mc, long k0, long kc, float* Ap) {
    const long C = s.C;
    const long rowLen = s.fw * C;  // columns per ky
    const long end = k0 + kc;
    const long ky0 = k0 / rowLen, off0 = k0 % rowLen;
    const long kx0 = off0 / C, c0 = off0 % C;
    const long pix = s.rowsH * s.rowsW;
    long b = i0 / pix;
    const long rem0 = i0 % pix;
    long ry = rem0 / s.rowsW, rx = rem0 % s.rowsW;
    const long image = s.srcH * s.srcW * C;
    // Short runs (a ky row of the filter under 64 floats: few channels, e.g. a first layer's 3×3
    // on 1 channel or 7×7 on 3): a row whose every tap lies inside src is a gather through a table
    // of the block's column offsets from the pixel's first tap, without the per-run bookkeeping.
    long offs[KC];
    const bool gather = rowLen < 64 && kc <= KC;
    long yLo = 0, yHi = 0, xLo = 0, xHi = 0;  // tap displacements (rows, columns) over the filter
    if (gather) {
      long ky = ky0, kx = kx0, c = c0;
      for (long t = 0; t < kc; t++) {
        offs[t] = (ky * s.sy_k * s.srcW + kx * s.sx_k) * C + c;
        if (++c == C) {
          c = 0;
          if (++kx == s.fw) {
            kx = 0;
            ky++;
          }
        }
      }
      const long ySpan = (s.fh - 1) * s.sy_k, xSpan = (s.fw - 1) * s.sx_k;
      yLo = ySpan < 0 ? ySpan : 0;
      yHi = ySpan > 0 ? ySpan : 0;
      xLo = xSpan < 0 ? xSpan : 0;
      xHi = xSpan > 0 ? xSpan : 0;
    }
    for (long p = 0; p < mc; p += MR) {
      const long mr = mc - p < MR ? mc - p : MR;
      for (long i = 0; i < MR; i++) {
        float* dst = Ap + i;
        if (i >= mr) {
          for (long l = 0; l < kc; l++) dst[l * MR] = 0.0f;
          continue;
        }
        const float* img = s.p + b * image;
        if (gather) {
          const long y0 = ry * s.sy_r + s.sy_0, x0 = rx * s.sx_r + s.sx_0;
          if (y0 + yLo >= 0 && y0 + yHi < s.srcH && x0 + xLo >= 0 && x0 + xHi < s.srcW) {
            const float* base = img + (y0 * s.srcW + x0) * C;
            for (long t = 0; t < kc; t++) dst[t * MR] = base[offs[t]];
            if (++rx == s.rowsW) {
              rx = 0;
              if (++ry == s.rowsH) {
                ry = 0;
                b++;
              }
            }
            continue;
          }
        }
        long l = k0, ky = ky0, kx = kx0, c = c0;
        while (l < end) {
          const long sy = ry * s.sy_r + ky * s.sy_k + s.sy_0;
          const long left = rowLen - (kx * C + c);                    // this ky's columns from l
          const long rowEnd = (end - l < left ? end - l : left) + l;  // this ky's columns in [l, rowEnd)
          if (sy < 0 || sy >= s.srcH) {
            for (long t = l; t < rowEnd; t++) dst[(t - k0) * MR] = 0.0f;
          } else {
            const float* srow = img + sy * s.srcW * C;
            while (l < rowEnd) {
              const long sx = rx * s.sx_r + kx * s.sx_k + s.sx_0;
              // One tap's channels, or (sx_k == 1) every following tap still inside src.
              long run = C - c, taps = 1;
              if (s.sx_k == 1 && sx >= 0) {
                const long inside = s.srcW - sx;  // taps kx, kx+1, ... read sx, sx+1, ...
                const long n = inside < s.fw - kx ? inside : s.fw - kx;
                if (n > 1) {
                  run += (n - 1) * C;
                  taps = n;
                }
              }
              if (run > rowEnd - l) run = rowEnd - l;  // the last run of the row or of the block
              float* d = dst + (l - k0) * MR;
              if (sx >= 0 && sx < s.srcW) {
                const float* src = srow + sx * C + c;
                for (long t = 0; t < run; t++) d[t * MR] = src[t];
              } else {
                for (long t = 0; t < run; t++) d[t * MR] = 0.0f;
              }
              l += run;
              kx += taps;
              c = 0;
            }
          }
          l = rowEnd;
          ky++;
          kx = 0;
          c = 0;
        }
        if (++rx == s.rowsW) {
          rx = 0;
          if (++ry == s.rowsH) {
            ry = 0;
            b++;
          }
        }
      }
      Ap += MR * kc;
    }
  }

  /* kConvT: rows (ky, kx, c) from i0, columns pixels [k0, k0 + kc). */
  static void pack_a_convt(const ASource& s, long i0, long mc, long k0, long kc, float* Ap) {
    const long C = s.C;
    const long pix = s.rowsH * s.rowsW;
    for (long p = 0; p < mc; p += MR) {
      const long mr = mc - p < MR ? mc - p : MR;
      const long r0 = i0 + p;
      // The panel's rows as (tap, c): one tap when c0 + mr ≤ C (then a contiguous run of src);
      // otherwise each row's source offsets, computed once per panel.
      const long tap0 = r0 / C, c0 = r0 % C;
      const bool oneTap = c0 + mr <= C;
      long oy[MR], ox[MR], cc[MR], rel[MR];
      // A pixel whose every row of the panel reads inside src (most of them) takes the rows at
      // fixed offsets rel from its origin: no per-element bounds check.
      long yLo = 0, yHi = -1, xLo = 0, xHi = -1;
      for (long i = 0; i < mr; i++) {
        const long tap = (r0 + i) / C;
        oy[i] = (tap / s.fw) * s.sy_k + s.sy_0;
        ox[i] = (tap % s.fw) * s.sx_k + s.sx_0;
        cc[i] = (r0 + i) % C;
        rel[i] = (oy[i] * s.srcW + ox[i]) * C + cc[i];
        if (i == 0 || oy[i] < yLo) yLo = oy[i];
        if (i == 0 || oy[i] > yHi) yHi = oy[i];
        if (i == 0 || ox[i] < xLo) xLo = ox[i];
        if (i == 0 || ox[i] > xHi) xHi = ox[i];
      }
      long b = k0 / pix, rem = k0 % pix;
      long ry = rem / s.rowsW, rx = rem % s.rowsW;
      float* dst = Ap;
      for (long l = 0; l < kc; l++, dst += MR) {
        const float* img = s.p + b * s.srcH * s.srcW * C;
        const long by = ry * s.sy_r, bx = rx * s.sx_r;
        long i = 0;
        if (by + yLo >= 0 && by + yHi < s.srcH && bx + xLo >= 0 && bx + xHi < s.srcW) {
          const float* base = img + (by * s.srcW + bx) * C;
          if (mr == MR && oneTap) {
            const float* src = base + rel[0];
            for (; i < MR; i++) dst[i] = src[i];
          } else {
            for (; i < mr; i++) dst[i] = base[rel[i]];
          }
        } else if (oneTap) {
          const long sy = by + oy[0], sx = bx + ox[0];
          if (sy >= 0 && sy < s.srcH && sx >= 0 && sx < s.srcW) {
            const float* src = img + (sy * s.srcW + sx) * C + c0;
            for (; i < mr; i++) dst[i] = src[i];
          }
        } else {
          for (; i < mr; i++) {
            const long sy = by + oy[i], sx = bx + ox[i];
            dst[i] = sy >= 0 && sy < s.srcH && sx >= 0 && sx < s.srcW ? img[(sy * s.srcW + sx) * C + cc[i]] : 0.0f;
          }
        }
        for (; i < MR; i++) dst[i] = 0.0f;
        (void)tap0;
        if (++rx == s.rowsW) {
          rx = 0;
          if (++ry == s.rowsH) {
            ry = 0;
            b++;
          }
        }
      }
      Ap += MR * kc;
    }
  }

  static void pack_a(const ASource& s, long i0, long mc, long k0, long kc, float* Ap) {
    switch (s.kind) {
      case ASource::kConv: pack_a_conv(s, i0, mc, k0, kc, Ap); break;
      case ASource::kConvT: pack_a_convt(s, i0, mc, k0, kc, Ap); break;
      default: pack_a_strided(s.p, s.rs, s.cs, i0, mc, k0, kc, Ap); break;
    }
  }

  // ------------------------------------------------------------------ packing of B

  /*
   * Rows [k0, k0 + kc) × columns [j0, j0 + nc) of B into NR-column panels (zero padded), where
   * B(l, j) = B[(l / T)·tapStride + (l % T)·rs + j·cs]: a plain strided matrix with T = K, or one
   * strided block per filter tap (the input gradient's W'[(tap, o), c] = W[tap, c, o] read in place).
   */
  static void pack_b(const float* B, long rs, long cs, long T, long tapStride, long k0, long kc, long j0, long nc, float* Bp) {
    for (long p = 0; p < nc; p += NR) {
      const long nr = nc - p < NR ? nc - p : NR;
      const float* Bcol = B + (j0 + p) * cs;
      if (cs == 1) {
        long tap = k0 / T, r = k0 % T;
        for (long l = 0; l < kc; l++) {
          const float* src = Bcol + tap * tapStride + r * rs;
          float* dst = Bp + l * NR;
          if (nr == NR) {
            __builtin_memcpy(dst, src, NR * sizeof(float));
          } else {
            long j = 0;
            for (; j < nr; j++) dst[j] = src[j];
            for (; j < NR; j++) dst[j] = 0.0f;
          }
          if (++r == T) {
            r = 0;
            tap++;
          }
        }
      } else {
        // Contiguous (or strided) along l within a tap: read each column along l, write with stride NR.
        for (long l = 0; l < kc;) {
          const long tap = (k0 + l) / T, r = (k0 + l) % T;
          const long run = T - r < kc - l ? T - r : kc - l;
          const float* base = Bcol + tap * tapStride + r * rs;
          for (long j = 0; j < nr; j++) {
            const float* src = base + j * cs;
            float* dst = Bp + l * NR + j;
            for (long t = 0; t < run; t++) dst[t * NR] = src[t * rs];
          }
          for (long j = nr; j < NR; j++)
            for (long t = 0; t < run; t++) Bp[(l + t) * NR + j] = 0.0f;
          l += run;
        }
      }
      Bp += NR * kc;
    }
  }

  static void pack_b_full(long K, long N, const float* B, long rs, long cs, long T, long tapStride, long p0, long p1,
                          float* Bp) {
    const long Npad = (N + NR - 1) / NR * NR;
    for (long k0 = 0; k0 < K; k0 += KC) {
      const long kc = K - k0 < KC ? K - k0 : KC;
      const long j0 = p0 * NR;
      const long j1 = p1 * NR < N ? p1 * NR : N;
      if (j1 > j0) pack_b(B, rs, cs, T, tapStride, k0, kc, j0, j1 - j0, Bp + k0 * Npad + p0 * NR * kc);
    }
  }

  // ------------------------------------------------------------------ epilogue

  static void epilogue(const Epilogue& ep, float* C, long ldc, long i0, long i1, long j0, long j1) {
    const long n = j1 - j0;
    for (long i = i0; i < i1; i++) {
      float* __restrict y = C + i * ldc + j0;
      if (ep.bias) {
        const float* __restrict v = ep.bias + j0;
        for (long j = 0; j < n; j++) y[j] = y[j] + v[j];
      }
      if (ep.mean) {
        const float* __restrict m = ep.mean + j0;
        const float* __restrict s = ep.inv + j0;
        for (long j = 0; j < n; j++) {
          const float d = y[j] - m[j];
          y[j] = d * s[j];
        }
      }
      if (ep.beta) {
        const float* __restrict v = ep.beta + j0;
        for (long j = 0; j < n; j++) y[j] = y[j] + v[j];
      }
      if (ep.residual) {
        const float* __restrict r = ep.residual + i * ep.ldr + j0;
        for (long j = 0; j < n; j++) y[j] = y[j] + r[j];
      }
      if (ep.relu) {
        for (long j = 0; j < n; j++) {
          const float v = y[j];
          y[j] = !(v <= 0.0f) ? v : 0.0f;
        }
      }
    }
  }

  static bool any(const Epilogue* ep) {
    return ep && (ep->bias || ep->mean || ep->beta || ep->residual || ep->relu);
  }

  // ------------------------------------------------------------------ drivers

  static TplScratch& scratch_a() {
    static thread_local TplScratch s{nullptr, 0};
    return s;
  }
  static TplScratch& scratch_b() {
    static thread_local TplScratch s{nullptr, 0};
    return s;
  }

  /* Rows [i0, i1) × columns [j0, j1) of A·B (+ ep), A from `a`, B strided; Goto loop order. */
  static void gemm_src(const ASource& a, long i0, long i1, const float* B, long rsB, long csB, long j0, long j1, long K,
                       float* C, long ldc, const Epilogue* ep) {
    const long m = i1 - i0, n = j1 - j0;
    if (m <= 0 || n <= 0) return;
    if (K <= 0) {
      for (long i = i0; i < i1; i++)
        for (long j = j0; j < j1; j++) C[i * ldc + j] = 0.0f;
      if (any(ep)) epilogue(*ep, C, ldc, i0, i1, j0, j1);
      return;
    }
    const long ncMax = n < NC ? n : NC;
    const long kcMax = K < KC ? K : KC;
    const long mcMax = m < MC ? m : MC;
    float* Bp = scratch_b().get(static_cast<size_t>(((ncMax + NR - 1) / NR) * NR * kcMax));
    float* Ap = scratch_a().get(static_cast<size_t>(((mcMax + MR - 1) / MR) * MR * kcMax));
    if (!Bp || !Ap) return;  // allocation failure: the caller's output stays as it was
    for (long jc = j0; jc < j1; jc += NC) {
      const long nc = j1 - jc < NC ? j1 - jc : NC;
      for (long pc = 0; pc < K; pc += KC) {
        const long kc = K - pc < KC ? K - pc : KC;
        pack_b(B, rsB, csB, K, 0, pc, kc, jc, nc, Bp);
        const bool acc = pc > 0;
        for (long ic = i0; ic < i1; ic += MC) {
          const long mc = i1 - ic < MC ? i1 - ic : MC;
          pack_a(a, ic, mc, pc, kc, Ap);
          for (long jr = 0; jr < nc; jr += NR) {
            const int nr = static_cast<int>(nc - jr < NR ? nc - jr : NR);
            const float* bp = Bp + (jr / NR) * NR * kc;
            for (long ir = 0; ir < mc; ir += MR) {
              const int mr = static_cast<int>(mc - ir < MR ? mc - ir : MR);
              micro(kc, Ap + (ir / MR) * MR * kc, bp, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr, acc);
            }
          }
        }
      }
      if (any(ep)) epilogue(*ep, C, ldc, i0, i1, jc, jc + nc);
    }
  }

  static void sgemm(long m, long n, long k, const float* A, long rsA, long csA, const float* B, long rsB, long csB,
                    float* C, long ldc) {
    ASource a{};
    a.kind = ASource::kStrided;
    a.p = A;
    a.rs = rsA;
    a.cs = csA;
    gemm_src(a, 0, m, B, rsB, csB, 0, n, k, C, ldc, nullptr);
  }

  /* Rows [i0, i1) × columns [j0, j1) with B prepacked by pack_b_full; each MC block finished (all k, epilogue) in turn. */
  static void gemm_packed(const ASource& a, long i0, long i1, const float* Bp, long N, long j0, long j1, long K, float* C,
                          long ldc, const Epilogue* ep) {
    const long m = i1 - i0;
    if (m <= 0 || j1 <= j0) return;
    if (K <= 0) {
      for (long i = i0; i < i1; i++)
        for (long j = j0; j < j1; j++) C[i * ldc + j] = 0.0f;
      if (any(ep)) epilogue(*ep, C, ldc, i0, i1, j0, j1);
      return;
    }
    const long Npad = (N + NR - 1) / NR * NR;
    const long kcMax = K < KC ? K : KC;
    const long mcMax = m < MC ? m : MC;
    float* Ap = scratch_a().get(static_cast<size_t>(((mcMax + MR - 1) / MR) * MR * kcMax));
    if (!Ap) return;
    for (long ic = i0; ic < i1; ic += MC) {
      const long mc = i1 - ic < MC ? i1 - ic : MC;
      for (long pc = 0; pc < K; pc += KC) {
        const long kc = K - pc < KC ? K - pc : KC;
        pack_a(a, ic, mc, pc, kc, Ap);
        const float* Bblk = Bp + pc * Npad;
        const bool acc = pc > 0;
        for (long jr = j0; jr < j1; jr += NR) {
          const int nr = static_cast<int>(j1 - jr < NR ? j1 - jr : NR);
          const float* bp = Bblk + (jr / NR) * NR * kc;
          for (long ir = 0; ir < mc; ir += MR) {
            const int mr = static_cast<int>(mc - ir < MR ? mc - ir : MR);
            micro(kc, Ap + (ir / MR) * MR * kc, bp, C + (ic + ir) * ldc + jr, ldc, mr, nr, acc);
          }
        }
      }
      if (any(ep)) epilogue(*ep, C, ldc, ic, ic + mc, j0, j1);
    }
  }

  static IsaKernels table(const char* name) {
    IsaKernels t{};
    t.name = name;
    t.mr = MR;
    t.nr = NR;
    t.mc = static_cast<int>(MC);
    t.sgemm = sgemm;
    t.gemm_src = gemm_src;
    t.pack_b_full = pack_b_full;
    t.gemm_packed = gemm_packed;
    t.epilogue = epilogue;
    return t;
  }
};
