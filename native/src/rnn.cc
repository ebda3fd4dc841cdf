/*
 * Fused recurrent sequence kernels (see rnn.h). The composition they reproduce is the time loop
 * of src/ops/recurrent.ts; the comments name its ops. Every float32 operation below is one op
 * of that composition (or of its gradient), with the same operands in the same order:
 * IEEE float32 + − × (this file is built with -ffp-contract=off), the BatchMatMul GEMM
 * (gemm.h: each element's sum runs over k in the same order whatever m, the strides or the
 * threads), the addon's tanh / sigmoid (vmath.h, as the Tanh / Sigmoid kernels) and the Sum
 * kernel's float64 column sums.
 *
 * Gradient accumulation follows the tape: backprop visits nodes in reverse creation order and
 * adds each new contribution to a tensor's gradient as fl(previous + new). Two contributions
 * commute; where a state gets three or more (GRU's previous h: the mask's where or the stacked
 * output, then z·h₋, then (r·h₋ without resetAfter) then the recurrent product), they are
 * added here in the tape's order. A contribution that does not exist (an output nothing used)
 * is skipped, never added as zeros (−0 + +0 would give +0).
 */
#include "rnn.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "isa.h"
#include "nn_parallel.h"
#include "pool.h"
#include "vmath.h"

namespace idem {

namespace {

inline float relu1(float v) { return v > 0.0f ? v : (v != v ? v : 0.0f); }

/* out = act(in) as the activation op's kernel computes it (linear: the same values). */
void act_fwd(int act, const float* in, float* out, long n) {
  switch (act) {
    case kTanh: tanh_f32(in, out, n); break;
    case kSigmoid: sigmoid_f32(in, out, n); break;
    case kRelu:
      for (long j = 0; j < n; j++) out[j] = relu1(in[j]);
      break;
    default:
      if (out != in) std::memcpy(out, in, n * sizeof(float));
  }
}

/*
 * out = the activation's gradient op applied to dy, from the activation's output y:
 *   tanh    mul(dy, sub(1, mul(y, y)))      sigmoid  mul(dy, mul(y, sub(1, y)))
 *   relu    where(x > 0, dy, 0) (x > 0 exactly where y > 0)      linear  dy
 * out may alias dy.
 */
void act_bwd(int act, const float* dy, const float* y, float* out, long n) {
  switch (act) {
    case kTanh:
      for (long j = 0; j < n; j++) {
        const float yy = y[j] * y[j];
        const float s = 1.0f - yy;
        out[j] = dy[j] * s;
      }
      break;
    case kSigmoid:
      for (long j = 0; j < n; j++) {
        const float s = 1.0f - y[j];
        const float t = y[j] * s;
        out[j] = dy[j] * t;
      }
      break;
    case kRelu:
      for (long j = 0; j < n; j++) {
        const float d = dy[j];
        out[j] = y[j] > 0.0f ? d : 0.0f;
      }
      break;
    default:
      if (out != dy) std::memcpy(out, dy, n * sizeof(float));
  }
}

/* acc = present ? fl(acc + v) : v (a gradient contribution added in tape order). */
inline void contribute(float* acc, bool present, const float* v, long n) {
  if (present)
    for (long j = 0; j < n; j++) acc[j] = acc[j] + v[j];
  else if (acc != v)
    std::memcpy(acc, v, n * sizeof(float));
}

/*
 * A K×N operand B[l·rs + j·cs] packed once (the ISA path's pack_b_full) for the per-step
 * products: each step's product then runs gemm_packed on it — the same GEMM, the same bits as
 * BatchMatMul's (sgemm packs the same panels on every call).
 */
struct Packed {
  float* p = nullptr;
  long K = 0, N = 0;
  Packed() = default;
  Packed(const Packed&) = delete;
  Packed& operator=(const Packed&) = delete;
  ~Packed() { std::free(p); }
  bool pack(const IsaKernels& I, long k, long n, const float* B, long rs, long cs) {
    K = k;
    N = n;
    const long panels = (n + I.nr - 1) / I.nr;
    const size_t bytes = ((static_cast<size_t>(panels * I.nr * k) * sizeof(float)) + 63) & ~size_t(63);
    p = static_cast<float*>(std::aligned_alloc(64, bytes > 0 ? bytes : 64));
    if (!p) return false;
    I.pack_b_full(k, n, B, rs, cs, k, 0, 0, panels, p);
    return true;
  }
  /* Rows [i0, i1) of C = A·B, A(i, l) = A[i·rsA + l], single-threaded. */
  void rows(const IsaKernels& I, const float* A, long rsA, long i0, long i1, float* C, long ldc) const {
    ASource a{};
    a.kind = ASource::kStrided;
    a.p = A;
    a.rs = rsA;
    a.cs = 1;
    I.gemm_packed(a, i0, i1, p, N, 0, N, K, C, ldc, nullptr);
  }
};

/* Splits [0, B) rows over the pool (rows are independent: the split never changes a bit). */
void over_rows(long B, double flopsPerRow, const std::function<void(long, long)>& fn) {
  const int threads = num_threads();
  if (threads <= 1 || B < 2 || static_cast<double>(B) * flopsPerRow < 2e5) {
    fn(0, B);
    return;
  }
  long chunks = std::min<long>(threads, (B + 3) / 4);
  if (chunks < 2) {
    fn(0, B);
    return;
  }
  parallel_for(B, (B + chunks - 1) / chunks, fn);
}

/* A 64-byte aligned float buffer, grown on demand. */
struct Buf {
  float* p = nullptr;
  size_t cap = 0;
  Buf() = default;
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() { std::free(p); }
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      const size_t bytes = ((n * sizeof(float)) + 63) & ~size_t(63);
      p = static_cast<float*>(std::aligned_alloc(64, bytes > 0 ? bytes : 64));
      cap = p ? n : 0;
    }
    return p;
  }
};

ASource strided(const float* p, long rs, long cs) {
  ASource a{};
  a.kind = ASource::kStrided;
  a.p = p;
  a.rs = rs;
  a.cs = cs;
  return a;
}

/*
 * A weight gradient summed over steps as the tape sums it: out[m, n] = the first step's product
 * A_sᵀ·B_s, each later step's added (fl(sum + product), by the GEMM's residual epilogue) — A_s
 * (i, l) = A[s][i + l·csA], B_s(l, j) = B[s][l·rsB + j], l < K (the batch).
 */
struct WeightJob {
  float* out;
  long m, n, csA, rsB;
  std::vector<const float*> A, B;
};

/* Runs every job, all its steps per block of output columns (blocks over the pool: any split, the same bits). */
bool weight_sums(const IsaKernels& I, const std::vector<WeightJob>& jobs, long K) {
  struct Task {
    const WeightJob* job;
    long j0, j1;
  };
  std::vector<Task> tasks;
  const int threads = num_threads();
  for (const WeightJob& j : jobs) {
    if (!j.out) continue;
    if (j.A.empty()) {
      std::fill(j.out, j.out + j.m * j.n, 0.0f);
      continue;
    }
    const long panels = (j.n + I.nr - 1) / I.nr;
    const long per = std::max<long>(1, (panels + 2 * threads - 1) / (2 * threads));
    for (long p = 0; p < panels; p += per) tasks.push_back({&j, p * I.nr, std::min(j.n, (p + per) * I.nr)});
  }
  bool ok = true;
  auto body = [&](long t0, long t1) {
    Buf bp, c0, c1;
    for (long ti = t0; ti < t1; ti++) {
      const Task& t = tasks[ti];
      const WeightJob& j = *t.job;
      const long w = t.j1 - t.j0;
      const long panels = (w + I.nr - 1) / I.nr;
      float* Bp = bp.get(static_cast<size_t>(panels * I.nr * K));
      float* cur = c0.get(static_cast<size_t>(j.m * w));
      float* nxt = c1.get(static_cast<size_t>(j.m * w));
      if (!Bp || !cur || !nxt) {
        ok = false;
        return;
      }
      for (size_t k = 0; k < j.A.size(); k++) {
        I.pack_b_full(K, w, j.B[k] + t.j0, j.rsB, 1, K, 0, 0, panels, Bp);
        Epilogue ep{};
        ep.residual = cur;
        ep.ldr = w;
        I.gemm_packed(strided(j.A[k], 1, j.csA), 0, j.m, Bp, w, 0, w, K, k == 0 ? cur : nxt, w, k == 0 ? nullptr : &ep);
        if (k > 0) std::swap(cur, nxt);
      }
      for (long i = 0; i < j.m; i++) std::memcpy(j.out + i * j.n + t.j0, cur + i * w, static_cast<size_t>(w) * sizeof(float));
    }
  };
  const long n = static_cast<long>(tasks.size());
  if (n <= 1 || threads <= 1) body(0, n);
  else parallel_for(n, 1, body);
  return ok;
}

struct Layout {
  long B, T, U, G, BU;
  float *H, *C, *GATES, *TH, *Z, *RG, *RH, *HH, *O;
};

Layout layout(const RnnArgs& a, float* sv) {
  Layout L{};
  L.B = a.B;
  L.T = a.T;
  L.U = a.U;
  L.G = rnn_gates(a.cell);
  L.BU = a.B * a.U;
  const long st = (a.T + 1) * L.BU, per = a.T * L.BU;
  L.H = sv;
  if (a.cell == kLstm) {
    L.C = L.H + st;
    L.GATES = L.C + st;
    L.TH = L.GATES + 4 * per;
  } else if (a.cell == kGru) {
    L.Z = L.H + st;
    L.RG = L.Z + per;
    L.RH = L.RG + per;
    L.HH = L.RH + per;
  } else {
    L.O = L.H + st;
  }
  return L;
}

/* x' = x · inMask (the per-step mul(x_t, mask)) for every step, or x itself. */
const float* masked_input(const RnnArgs& a, std::vector<float>& buf) {
  if (!a.inMask) return a.x;
  const long B = a.B, T = a.T, I = a.I;
  buf.resize(static_cast<size_t>(B * T * I));
  for (long b = 0; b < B; b++)
    for (long t = 0; t < T; t++) {
      const float* xr = a.x + (b * T + t) * I;
      const float* mr = a.inMask + b * I;
      float* o = buf.data() + (b * T + t) * I;
      for (long i = 0; i < I; i++) o[i] = xr[i] * mr[i];
    }
  return buf.data();
}

}  // namespace

int rnn_gates(int cell) { return cell == kLstm ? 4 : cell == kGru ? 3 : 1; }

long rnn_saved_size(const RnnArgs& a) {
  const long BU = a.B * a.U, st = (a.T + 1) * BU, per = a.T * BU;
  if (a.cell == kLstm) return 2 * st + 5 * per;
  if (a.cell == kGru) return st + 4 * per;
  return st + per;
}

// ================================================================== forward

bool rnn_forward(const RnnArgs& a, float* y, float* hT, float* cT, float* saved) {
  const long B = a.B, T = a.T, I = a.I, U = a.U, G = rnn_gates(a.cell), GU = G * U, BU = B * U;
  std::vector<float> own;
  float* sv = saved;
  if (!sv) {
    own.resize(static_cast<size_t>(rnn_saved_size(a)));
    sv = own.data();
  }
  const Layout L = layout(a, sv);
  if (a.h0) std::memcpy(L.H, a.h0, BU * sizeof(float));
  else std::fill(L.H, L.H + BU, 0.0f);
  if (a.cell == kLstm) {
    if (a.c0) std::memcpy(L.C, a.c0, BU * sizeof(float));
    else std::fill(L.C, L.C + BU, 0.0f);
  }

  // The input projection of every step: matMul(x'_t, W) as one GEMM (rows b·T + t).
  std::vector<float> xbuf;
  const float* xin = masked_input(a, xbuf);
  std::vector<float> XP(static_cast<size_t>(B * T * GU));
  sgemm_mt(B * T, GU, I, xin, I, 1, a.W, GU, 1, XP.data(), GU);
  // SimpleRNN add(h, b); GRU add(mx, inputBias) (the bias' first row with resetAfter).
  if (a.bias && a.cell != kLstm) {
    for (long r = 0; r < B * T; r++) {
      float* p = XP.data() + r * GU;
      for (long j = 0; j < GU; j++) p[j] = p[j] + a.bias[j];
    }
  }
  const float* recBias = a.cell == kGru && a.resetAfter && a.bias ? a.bias + GU : nullptr;

  // The recurrent kernel (GRU without resetAfter: its two column blocks), packed once.
  const IsaKernels& ISA = isa();
  Packed Rp, Rh;
  if (a.cell == kGru && !a.resetAfter) {
    if (!Rp.pack(ISA, U, 2 * U, a.R, GU, 1) || !Rh.pack(ISA, U, U, a.R + 2 * U, GU, 1)) return false;
  } else if (!Rp.pack(ISA, U, GU, a.R, GU, 1)) {
    return false;
  }

  std::vector<float> RS(static_cast<size_t>(B * GU)), RS2(static_cast<size_t>(BU)), AUX(static_cast<size_t>(B * 2 * U));
  std::vector<float> outPrev, outCur;
  const bool rollingOut = a.mask && !a.returnSequences;
  if (rollingOut) {
    outPrev.assign(static_cast<size_t>(BU), 0.0f);
    outCur.assign(static_cast<size_t>(BU), 0.0f);
  }

  for (long s = 0; s < T; s++) {
    const long t = a.goBackwards ? T - 1 - s : s;
    const float* hPrev = L.H + s * BU;
    float* hNew = L.H + (s + 1) * BU;
    over_rows(B, 2.0 * U * GU, [&](long b0, long b1) {
      const long nb = b1 - b0;
      float* rs = RS.data() + b0 * GU;
      // The step's output h̃ of each row is left in ht (a scratch row) before masking.
      if (a.cell == kSimpleRnn) {
        // matMul(dropRec(h₋), R): h₋ · recMask first when recurrent dropout is on.
        const float* hp = hPrev + b0 * U;
        if (a.recMask) {
          float* hm = RS2.data() + b0 * U;
          for (long b = 0; b < nb; b++)
            for (long j = 0; j < U; j++) hm[b * U + j] = hp[b * U + j] * a.recMask[(b0 + b) * U + j];
          hp = hm;
        }
        Rp.rows(ISA, hp, U, 0, nb, rs, U);
      } else {
        // GRU without resetAfter: matMul(h₋, R[:, :2U]) first (rs's first 2U columns).
        Rp.rows(ISA, hPrev + b0 * U, U, 0, nb, rs, GU);
      }
      for (long b = b0; b < b1; b++) {
        const float* xp = XP.data() + (b * T + t) * GU;
        float* z = RS.data() + b * GU;
        const float* hp = hPrev + b * U;
        float* ht = AUX.data() + b * 2 * U;  // h̃ (U), then scratch (U)
        if (a.cell == kSimpleRnn) {
          float* o = L.O + s * BU + b * U;
          for (long j = 0; j < U; j++) z[j] = xp[j] + z[j];  // add(h, matMul(h₋, R))
          act_fwd(a.act, z, o, U);
          std::memcpy(ht, o, U * sizeof(float));
        } else if (a.cell == kLstm) {
          for (long j = 0; j < GU; j++) z[j] = xp[j] + z[j];  // add(matMul(x, W), matMul(h₋, R))
          if (a.bias)
            for (long j = 0; j < GU; j++) z[j] = z[j] + a.bias[j];  // add(z, b)
          float* gt = L.GATES + (s * B + b) * GU;
          act_fwd(a.ract, z, gt, U);                  // i
          act_fwd(a.ract, z + U, gt + U, U);          // f
          act_fwd(a.act, z + 2 * U, gt + 2 * U, U);   // c̃ candidate g
          act_fwd(a.ract, z + 3 * U, gt + 3 * U, U);  // o
          const float *gi = gt, *gf = gt + U, *gg = gt + 2 * U, *go = gt + 3 * U;
          const float* cp = L.C + s * BU + b * U;
          float* ctil = z;  // z's first U no longer needed
          for (long j = 0; j < U; j++) {
            const float fc = gf[j] * cp[j];  // mul(f, c₋)
            const float ig = gi[j] * gg[j];  // mul(i, g)
            ctil[j] = fc + ig;               // add
          }
          float* th = L.TH + s * BU + b * U;
          act_fwd(a.act, ctil, th, U);
          for (long j = 0; j < U; j++) ht[j] = go[j] * th[j];  // mul(o, act(c))
          float* cn = L.C + (s + 1) * BU + b * U;
          if (a.mask) {
            const bool m = a.mask[b * T + t] != 0;
            for (long j = 0; j < U; j++) cn[j] = m ? ctil[j] : cp[j];
          } else {
            std::memcpy(cn, ctil, U * sizeof(float));
          }
        } else if (a.resetAfter) {
          if (recBias)
            for (long j = 0; j < GU; j++) z[j] = z[j] + recBias[j];  // add(inner, recurrentBias)
          float* zz = L.Z + s * BU + b * U;
          float* rr = L.RG + s * BU + b * U;
          float* rh = L.RH + s * BU + b * U;
          float* hh = L.HH + s * BU + b * U;
          float* tmp = ht + U;
          for (long j = 0; j < U; j++) tmp[j] = xp[j] + z[j];  // add(xz, rz)
          act_fwd(a.ract, tmp, zz, U);
          for (long j = 0; j < U; j++) tmp[j] = xp[U + j] + z[U + j];  // add(xr, rr)
          act_fwd(a.ract, tmp, rr, U);
          for (long j = 0; j < U; j++) {
            rh[j] = z[2 * U + j];
            const float rrh = rr[j] * rh[j];  // mul(r, rh)
            tmp[j] = xp[2 * U + j] + rrh;     // add(xh, ·)
          }
          act_fwd(a.act, tmp, hh, U);
          for (long j = 0; j < U; j++) {
            const float zh = zz[j] * hp[j];    // mul(z, h₋)
            const float omz = 1.0f - zz[j];    // sub(1, z)
            const float ohh = omz * hh[j];     // mul(·, hh)
            ht[j] = zh + ohh;                  // add
          }
        } else {
          float* zz = L.Z + s * BU + b * U;
          float* rr = L.RG + s * BU + b * U;
          float* tmp = ht + U;
          for (long j = 0; j < U; j++) tmp[j] = xp[j] + z[j];  // add(xz, rz)
          act_fwd(a.ract, tmp, zz, U);
          for (long j = 0; j < U; j++) tmp[j] = xp[U + j] + z[U + j];  // add(xr, rr)
          act_fwd(a.ract, tmp, rr, U);
          float* rh2 = L.RH + s * BU + b * U;
          for (long j = 0; j < U; j++) rh2[j] = rr[j] * hp[j];  // mul(r, h₋)
        }
      }
      if (a.cell == kGru && !a.resetAfter) {
        // matMul(r·h₋, R[:, 2U:]) for the chunk's rows, then the rest of the step.
        float* mm = RS2.data() + b0 * U;
        Rh.rows(ISA, L.RH + s * BU + b0 * U, U, 0, nb, mm, U);
        for (long b = b0; b < b1; b++) {
          const float* xp = XP.data() + (b * T + t) * GU;
          const float* hp = hPrev + b * U;
          const float* zz = L.Z + s * BU + b * U;
          float* hh = L.HH + s * BU + b * U;
          float* ht = AUX.data() + b * 2 * U;
          float* tmp = ht + U;
          for (long j = 0; j < U; j++) tmp[j] = xp[2 * U + j] + mm[(b - b0) * U + j];  // add(xh, ·)
          act_fwd(a.act, tmp, hh, U);
          for (long j = 0; j < U; j++) {
            const float zh = zz[j] * hp[j];
            const float omz = 1.0f - zz[j];
            const float ohh = omz * hh[j];
            ht[j] = zh + ohh;
          }
        }
      }
      // Masking (where(m, h̃, ·)), the new state and the output.
      for (long b = b0; b < b1; b++) {
        const float* ht = AUX.data() + b * 2 * U;
        const float* hp = hPrev + b * U;
        float* hn = hNew + b * U;
        float* outDst = a.returnSequences ? y + (b * T + s) * U : (rollingOut ? outCur.data() + b * U : nullptr);
        if (a.mask) {
          const bool m = a.mask[b * T + t] != 0;
          const float* prev = nullptr;  // null: the zeros tensor
          if (!a.zeroOutputForMask && s > 0) prev = a.returnSequences ? y + (b * T + s - 1) * U : outPrev.data() + b * U;
          for (long j = 0; j < U; j++) {
            outDst[j] = m ? ht[j] : (prev ? prev[j] : 0.0f);
            hn[j] = m ? ht[j] : hp[j];
          }
        } else {
          std::memcpy(hn, ht, U * sizeof(float));
          if (outDst) std::memcpy(outDst, ht, U * sizeof(float));
        }
      }
    });
    if (rollingOut) std::swap(outPrev, outCur);
  }
  std::memcpy(hT, L.H + T * BU, BU * sizeof(float));
  if (a.cell == kLstm && cT) std::memcpy(cT, L.C + T * BU, BU * sizeof(float));
  if (!a.returnSequences) std::memcpy(y, rollingOut ? outPrev.data() : L.H + T * BU, BU * sizeof(float));
  return true;
}

// ================================================================== backward

bool rnn_backward(const RnnArgs& a, const float* saved, const RnnGrads& g) {
  const long B = a.B, T = a.T, I = a.I, U = a.U, G = rnn_gates(a.cell), GU = G * U, BU = B * U;
  const Layout L = layout(a, const_cast<float*>(saved));
  const bool masked = a.mask != nullptr;
  const bool lstm = a.cell == kLstm, gru = a.cell == kGru;

  // dz of every step at its time position ([B, T, G·U], rows b·T + t); inactive steps stay 0.
  std::vector<float> DZ(static_cast<size_t>(B * T * GU), 0.0f);
  // GRU with resetAfter: the recurrent half's dz ([dAz, dAr, dRh]) of every step, laid out as DZ.
  std::vector<float> DI(gru && a.resetAfter ? static_cast<size_t>(B * T * GU) : 0);
  std::vector<float> XB;
  const float* xin = (g.dW != nullptr) ? masked_input(a, XB) : nullptr;
  std::vector<long> activeSteps;  // the steps whose nodes the tape visits, in its order (s descending)

  // Gradients of the current step's outputs (state h, state c, masked output) and the next ones.
  std::vector<float> gH(BU), gC(lstm ? BU : 0), gO(masked ? BU : 0);
  std::vector<float> nH(BU), nC(lstm ? BU : 0), nO(masked ? BU : 0);
  std::vector<float> HT(BU), CT(lstm ? BU : 0), MM(BU), AUX(static_cast<size_t>(B * 4 * U));
  bool pGH = false, pGC = false, pGO = false;

  // dy's slice for step s (row stride dyStride).
  auto dySlice = [&](long s) -> const float* { return g.dy ? (a.returnSequences ? g.dy + s * U : g.dy) : nullptr; };
  const long dyStride = a.returnSequences ? T * U : U;
  auto copyRows = [&](float* dst, const float* src, long stride) {
    for (long b = 0; b < B; b++) std::memcpy(dst + b * U, src + b * stride, U * sizeof(float));
  };
  auto addRows = [&](float* dst, const float* src, long stride) {
    for (long b = 0; b < B; b++)
      for (long j = 0; j < U; j++) dst[b * U + j] = dst[b * U + j] + src[b * stride + j];
  };

  // The last step's output gradients: external dhT / dcT, then the output's (dy or its stacked slice).
  if (masked) {
    if (g.dy) {
      copyRows(gO.data(), dySlice(T - 1), dyStride);
      pGO = true;
    }
    if (g.dhT) {
      std::memcpy(gH.data(), g.dhT, BU * sizeof(float));
      pGH = true;
    }
  } else {
    if (g.dhT) {
      std::memcpy(gH.data(), g.dhT, BU * sizeof(float));
      pGH = true;
    }
    if (g.dy) {
      if (pGH) addRows(gH.data(), dySlice(T - 1), dyStride);
      else copyRows(gH.data(), dySlice(T - 1), dyStride);
      pGH = true;
    }
  }
  if (lstm && g.dcT) {
    std::memcpy(gC.data(), g.dcT, BU * sizeof(float));
    pGC = true;
  }


  // The recurrent products' input gradients use Rᵀ (GRU without resetAfter: rZRᵀ, rHᵀ), packed once.
  const IsaKernels& ISA = isa();
  Packed Rt, Rht;
  if (gru && !a.resetAfter) {
    if (!Rt.pack(ISA, 2 * U, U, a.R, 1, GU) || !Rht.pack(ISA, U, U, a.R + 2 * U, 1, GU)) return false;
  } else if (!Rt.pack(ISA, GU, U, a.R, 1, GU)) {
    return false;
  }

  for (long s = T - 1; s >= 0; s--) {
    const long t = a.goBackwards ? T - 1 - s : s;
    const float* hPrev = L.H + s * BU;
    // Which gradients exist at this step (the same for every row).
    const bool pHt = pGH || (masked && pGO);
    const bool pCt = lstm && pGC;
    const bool active = pHt || pCt;
    // Next (step s − 1) output gradients: first contributions that exist before this step's cell.
    bool nPH = false, nPC = false, nPO = false;
    if (masked) {
      nPH = pGH;  // where(m, h̃, h₋)'s gradient to h₋
      nPC = pCt;  // where(m, c̃, c₋)'s gradient to c₋
      if (s > 0) {
        // out_{s−1}: the stacked output's slice, then where(m, h̃, out₋)'s gradient to out₋.
        const bool stacked = a.returnSequences && g.dy;
        const bool viaWhere = pGO && !a.zeroOutputForMask;
        if (stacked) copyRows(nO.data(), dySlice(s - 1), dyStride);
        nPO = stacked || viaWhere;
        if (viaWhere) {
          for (long b = 0; b < B; b++) {
            const bool m = a.mask[b * T + t] != 0;
            float* d = nO.data() + b * U;
            const float* gv = gO.data() + b * U;
            for (long j = 0; j < U; j++) {
              const float v = m ? 0.0f : gv[j];
              d[j] = stacked ? d[j] + v : v;
            }
          }
        }
      }
    } else if (s > 0 && a.returnSequences && g.dy) {
      copyRows(nH.data(), dySlice(s - 1), dyStride);  // the stacked output's slice comes first
      nPH = true;
    }

    if (active) {
      over_rows(B, 4.0 * U * GU, [&](long b0, long b1) {
        const long nb = b1 - b0;
        for (long b = b0; b < b1; b++) {
          float* ht = HT.data() + b * U;
          float* ct = lstm ? CT.data() + b * U : nullptr;
          float* nh = nH.data() + b * U;
          float* nc = lstm ? nC.data() + b * U : nullptr;
          const float* gh = gH.data() + b * U;
          // G[h̃] and G[c̃] (and the mask's contributions to h₋, c₋).
          if (masked) {
            const bool m = a.mask[b * T + t] != 0;
            if (lstm && pGC) {
              const float* gc = gC.data() + b * U;
              for (long j = 0; j < U; j++) {
                ct[j] = m ? gc[j] : 0.0f;
                nc[j] = m ? 0.0f : gc[j];
              }
            }
            if (pGH)
              for (long j = 0; j < U; j++) {
                ht[j] = m ? gh[j] : 0.0f;
                nh[j] = m ? 0.0f : gh[j];
              }
            if (pGO) {
              const float* go = gO.data() + b * U;
              for (long j = 0; j < U; j++) {
                const float v = m ? go[j] : 0.0f;
                ht[j] = pGH ? ht[j] + v : v;
              }
            }
          } else {
            if (pGH) std::memcpy(ht, gh, U * sizeof(float));
            if (lstm && pGC) std::memcpy(ct, gC.data() + b * U, U * sizeof(float));
          }
          float* dz = DZ.data() + (b * T + t) * GU;
          const float* hp = hPrev + b * U;
          float* w1 = AUX.data() + b * 4 * U;  // scratch rows
          float* w2 = w1 + U;
          float* w3 = w2 + U;
          if (a.cell == kSimpleRnn) {
            act_bwd(a.act, ht, L.O + s * BU + b * U, dz, U);
          } else if (lstm) {
            const float* gt = L.GATES + (s * B + b) * GU;
            const float *gi = gt, *gf = gt + U, *gg = gt + 2 * U, *go = gt + 3 * U;
            const float* th = L.TH + s * BU + b * U;
            const float* cp = L.C + s * BU + b * U;
            bool pc = pCt;
            if (pHt) {
              // mul(o, th): d o = G·th, d th = G·o; act(c̃): G[c̃] += act'(d th).
              for (long j = 0; j < U; j++) {
                w1[j] = ht[j] * th[j];
                w2[j] = ht[j] * go[j];
              }
              act_bwd(a.act, w2, th, w2, U);
              contribute(ct, pc, w2, U);
              pc = true;
              act_bwd(a.ract, w1, go, dz + 3 * U, U);
            }
            // add(f·c₋, i·g); mul(i, g); mul(f, c₋).
            for (long j = 0; j < U; j++) {
              w1[j] = ct[j] * gg[j];  // d i
              w2[j] = ct[j] * gi[j];  // d g
              w3[j] = ct[j] * cp[j];  // d f
            }
            act_bwd(a.act, w2, gg, dz + 2 * U, U);
            for (long j = 0; j < U; j++) w2[j] = ct[j] * gf[j];  // to c₋
            contribute(nc, nPC, w2, U);
            act_bwd(a.ract, w3, gf, dz + U, U);
            act_bwd(a.ract, w1, gi, dz, U);
          } else {
            const float* zz = L.Z + s * BU + b * U;
            const float* rr = L.RG + s * BU + b * U;
            const float* rh = L.RH + s * BU + b * U;
            const float* hh = L.HH + s * BU + b * U;
            // add(z·h₋, (1 − z)·hh); mul(1 − z, hh); sub(1, z); mul(z, h₋).
            for (long j = 0; j < U; j++) {
              const float omz = 1.0f - zz[j];
              const float dOmz = ht[j] * hh[j];
              w2[j] = ht[j] * omz;                  // d hh
              const float gz = -dOmz;               // sub's gradient to z: neg(·)
              w1[j] = gz + ht[j] * hp[j];           // + mul(z, h₋)'s gradient to z
              w3[j] = ht[j] * zz[j];                // mul(z, h₋)'s gradient to h₋
            }
            contribute(nh, nPH, w3, U);
            act_bwd(a.act, w2, hh, dz + 2 * U, U);  // d ah (= d xh)
            if (a.resetAfter) {
              float* di = DI.data() + (b * T + t) * GU;
              for (long j = 0; j < U; j++) {
                w3[j] = dz[2 * U + j] * rh[j];   // d r
                di[2 * U + j] = dz[2 * U + j] * rr[j];  // d rh
              }
              act_bwd(a.ract, w3, rr, dz + U, U);
              act_bwd(a.ract, w1, zz, dz, U);
              std::memcpy(di, dz, 2 * U * sizeof(float));
            } else {
              // dz[0:2U] waits for matMul(r·h₋, R[:, 2U:])'s gradient (below); keep d z in w1.
            }
          }
        }
        if (gru && !a.resetAfter) {
          // matMul(r·h₋, rH): d(r·h₋) = d ah · rHᵀ; then mul(r, h₋) and the gates.
          float* drh2 = MM.data() + b0 * U;
          Rht.rows(ISA, DZ.data() + (b0 * T + t) * GU + 2 * U, T * GU, 0, nb, drh2, U);
          for (long b = b0; b < b1; b++) {
            const float* zz = L.Z + s * BU + b * U;
            const float* rr = L.RG + s * BU + b * U;
            const float* hp = hPrev + b * U;
            float* dz = DZ.data() + (b * T + t) * GU;
            float* w1 = AUX.data() + b * 4 * U;
            float* w3 = w1 + 2 * U;
            float* nh = nH.data() + b * U;
            const float* d = drh2 + (b - b0) * U;
            for (long j = 0; j < U; j++) w3[j] = d[j] * hp[j];  // d r
            float* m2 = w1 + 3 * U;
            for (long j = 0; j < U; j++) m2[j] = d[j] * rr[j];  // to h₋
            contribute(nh, true, m2, U);
            act_bwd(a.ract, w3, rr, dz + U, U);
            act_bwd(a.ract, w1, zz, dz, U);
          }
        }
        // The recurrent product's gradient to h₋: dz·Rᵀ (SimpleRNN: then · recMask).
        float* mm = MM.data() + b0 * U;
        const bool hFirst = gru ? true : nPH;  // GRU: z·h₋'s contribution is already in nH
        if (a.cell == kSimpleRnn) {
          Rt.rows(ISA, DZ.data() + (b0 * T + t) * GU, T * GU, 0, nb, mm, U);
          if (a.recMask)
            for (long b = b0; b < b1; b++)
              for (long j = 0; j < U; j++) mm[(b - b0) * U + j] = mm[(b - b0) * U + j] * a.recMask[b * U + j];
        } else if (lstm || a.resetAfter) {
          const float* src = (lstm ? DZ.data() : DI.data()) + (b0 * T + t) * GU;
          Rt.rows(ISA, src, T * GU, 0, nb, mm, U);
        } else {
          Rt.rows(ISA, DZ.data() + (b0 * T + t) * GU, T * GU, 0, nb, mm, U);
        }
        for (long b = b0; b < b1; b++) contribute(nH.data() + b * U, hFirst, mm + (b - b0) * U, U);
      });
      nPH = true;
      if (lstm) nPC = true;

      activeSteps.push_back(s);
    }

    std::swap(gH, nH);
    pGH = nPH;
    if (lstm) {
      std::swap(gC, nC);
      pGC = nPC;
    }
    if (masked) {
      std::swap(gO, nO);
      pGO = nPO;
    }
  }

  // The initial states' gradients.
  if (g.dh0) {
    if (pGH) std::memcpy(g.dh0, gH.data(), BU * sizeof(float));
    else std::fill(g.dh0, g.dh0 + BU, 0.0f);
  }
  if (lstm && g.dc0) {
    if (pGC) std::memcpy(g.dc0, gC.data(), BU * sizeof(float));
    else std::fill(g.dc0, g.dc0 + BU, 0.0f);
  }
  // The weight gradients: per weight, Σ over the visited steps (the tape's order) of the step's
  // product matMul(Aᵀ, dz) — the first product is the sum, each later one added (fl(sum + p)).
  // They do not feed back into the recurrence, so they run after it, all steps per output block.
  std::vector<float> dRzr, dRh;
  std::vector<float> HMs;  // SimpleRNN with recurrent dropout: h₋ · recMask of every step
  std::vector<WeightJob> jobs;
  const bool wantR = g.dR != nullptr;
  auto job = [&](float* out, long m, long n, long csA, long rsB, auto aOf, auto bOf) {
    WeightJob j{out, m, n, csA, rsB, {}, {}};
    for (long s : activeSteps) {
      const long t = a.goBackwards ? T - 1 - s : s;
      j.A.push_back(aOf(s, t));
      j.B.push_back(bOf(s, t));
    }
    jobs.push_back(std::move(j));
  };
  const float* dzOf0 = DZ.data();
  auto dzAt = [&](long, long t) { return dzOf0 + t * GU; };
  if (xin) job(g.dW, I, GU, T * I, T * GU, [&](long, long t) { return xin + t * I; }, dzAt);
  if (wantR) {
    auto hAt = [&](long s, long) { return static_cast<const float*>(L.H + s * BU); };
    if (lstm) {
      job(g.dR, U, GU, U, T * GU, hAt, dzAt);
    } else if (a.cell == kSimpleRnn) {
      if (a.recMask) {
        HMs.resize(static_cast<size_t>(T * BU));
        for (long s = 0; s < T; s++)
          for (long j = 0; j < BU; j++) HMs[s * BU + j] = L.H[s * BU + j] * a.recMask[j];
        job(g.dR, U, GU, U, T * GU, [&](long s, long) { return static_cast<const float*>(HMs.data() + s * BU); }, dzAt);
      } else {
        job(g.dR, U, GU, U, T * GU, hAt, dzAt);
      }
    } else if (a.resetAfter) {
      job(g.dR, U, GU, U, T * GU, hAt, [&](long, long t) { return static_cast<const float*>(DI.data() + t * GU); });
    } else {
      // The two slices R[:, :2U] (rZR: product with h₋) and R[:, 2U:] (rH: with r·h₋): separate tensors, separate sums.
      dRzr.resize(static_cast<size_t>(U * 2 * U));
      dRh.resize(static_cast<size_t>(U * U));
      job(dRzr.data(), U, 2 * U, U, T * GU, hAt, dzAt);
      job(dRh.data(), U, U, U, T * GU, [&](long s, long) { return static_cast<const float*>(L.RH + s * BU); },
          [&](long, long t) { return dzOf0 + t * GU + 2 * U; });
    }
  }
  if (!weight_sums(ISA, jobs, B)) return false;
  // GRU without resetAfter: R's gradient = pad(d rH) + pad(d rZR) (the two Slice gradients, rH's first).
  if (gru && !a.resetAfter && g.dR) {
    for (long i = 0; i < U; i++) {
      float* row = g.dR + i * GU;
      for (long j = 0; j < 2 * U; j++) row[j] = 0.0f + dRzr[i * 2 * U + j];
      for (long j = 0; j < U; j++) row[2 * U + j] = dRh[i * U + j] + 0.0f;
    }
  }
  // The biases: each visited step's Sum kernel (float64 column sums over the rows), then fl(acc + s).
  auto biasSum = [&](float* out, const float* base) {
    parallel_rows(GU, 4 * B * static_cast<long>(activeSteps.size()) + 1, [&](long c0, long c1) {
      std::vector<double> col(static_cast<size_t>(c1 - c0));
      bool first = true;
      for (long s : activeSteps) {
        const long t = a.goBackwards ? T - 1 - s : s;
        std::fill(col.begin(), col.end(), 0.0);
        for (long b = 0; b < B; b++) {
          const float* r = base + (b * T + t) * GU;
          for (long c = c0; c < c1; c++) col[c - c0] += static_cast<double>(r[c]);
        }
        for (long c = c0; c < c1; c++) {
          const float v = static_cast<float>(col[c - c0]);
          out[c] = first ? v : out[c] + v;
        }
        first = false;
      }
      if (first) std::fill(out + c0, out + c1, 0.0f);
    });
  };
  if (g.db) {
    biasSum(g.db, DZ.data());
    if (gru && a.resetAfter) biasSum(g.db + GU, DI.data());
  }

  // The input's gradient: every step's dz·Wᵀ as one GEMM, then mul(·, inMask)'s gradient.
  if (g.dx) {
    sgemm_mt(B * T, I, GU, DZ.data(), GU, 1, a.W, 1, GU, g.dx, I);
    if (a.inMask)
      for (long b = 0; b < B; b++)
        for (long tt = 0; tt < T; tt++) {
          float* r = g.dx + (b * T + tt) * I;
          const float* m = a.inMask + b * I;
          for (long i = 0; i < I; i++) r[i] = r[i] * m[i];
        }
  }
  return true;
}

}  // namespace idem
