/*
 * Node-API entry points of the sequence kernels (rnn.h, vmath.h), registered by
 * register_seq_kernels (called from addon.cc's Init):
 *
 *   tanh(x, out), sigmoid(x, out)          Float32Arrays of one length (vmath.h)
 *   vmathVector(on?) → boolean             the AVX2 path on/off (tests); returns whether it is on
 *   rnnForward(cfg, x, W, R, bias, h0, c0, mask, inMask, recMask, y, hT, cT, saved)
 *   rnnBackward(cfg, x, W, R, bias, h0, c0, mask, inMask, recMask, saved, dy, dhT, dcT,
 *               dx, dW, dR, db, dh0, dc0)
 *     cfg: Int32Array [cell, B, T, I, U, act, ract, flags] (rnn.h; flags 1 goBackwards,
 *     2 returnSequences, 4 zeroOutputForMask, 8 resetAfter); mask a Uint8Array [B, T]; every
 *     other array a Float32Array or null where rnn.h allows it (saved null: inference).
 *   gather(x, idx: Int32Array, out, B, M, A, N, I) → −1, or the position of the first index
 *     out of range (gather.h)
 *   segmentSum(x, ids: Int32Array, out, N, numSegments) → −1, or the first id out of range
 *   broadcastTo(x, xShape: Int32Array, outShape: Int32Array, out)  (rank ≤ 16, each axis equal or 1)
 *   layerNorm(x, gamma, beta, eps, R, C, y, mean, inv0)
 *   layerNormGrad(dy, x, gamma, mean, inv0, R, C, dxMul, dxSub, dxMean, dgamma | null, dbeta | null)
 *     x, y, dy, dx* [R, C]; gamma, beta, dgamma, dbeta [C]; mean, inv0 [R] (attention.h)
 *   attention(geo, q, k, v, mask | null, o, probs)
 *   attentionGrad(geo, dO | null, dProbs | null, q, k, v, probs, mask | null, dq | null, dk | null, dv | null)
 *     geo: Int32Array [B, T, S, H, K, V, mB, mT, mS] (attention.h); q [B, T, H, K], k [B, S, H, K],
 *     v [B, S, H, V], o [B, T, H, V], probs [B, H, T, S]; mask a Uint8Array covering the strides
 * Sizes are checked against cfg (with overflow checks); a mismatch throws a RangeError.
 */
#include <node_api.h>

#include <cstdint>

#include "attention.h"
#include "gather.h"
#include "napi_util.h"
#include "rnn.h"
#include "vmath.h"

namespace {

using namespace idem_napi;

bool range_error(napi_env env, const char* msg) {
  napi_throw_range_error(env, nullptr, msg);
  return false;
}

/* a·b (·c) without overflow, or false. */
bool mul(long a, long b, long* out) { return !__builtin_mul_overflow(a, b, out); }

napi_value Unary(napi_env env, napi_callback_info info, void (*fn)(const float*, float*, long)) {
  size_t argc = 2;
  napi_value args[2];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  float *x, *out;
  size_t lx, lo;
  if (argc != 2 || !f32(env, args[0], &x, &lx, "x") || !f32(env, args[1], &out, &lo, "out")) return nullptr;
  if (lx != lo) {
    range_error(env, "idem native: elementwise sizes differ");
    return nullptr;
  }
  fn(x, out, static_cast<long>(lo));
  return nullptr;
}

napi_value Tanh(napi_env env, napi_callback_info info) { return Unary(env, info, idem::tanh_f32); }
napi_value Sigmoid(napi_env env, napi_callback_info info) { return Unary(env, info, idem::sigmoid_f32); }

napi_value VmathVector(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr));
  if (argc >= 1) {
    bool on = true;
    IDEM_NAPI_CHECK(napi_get_value_bool(env, arg, &on));
    idem::vmath_set_vector(on);
  }
  napi_value r;
  IDEM_NAPI_CHECK(napi_get_boolean(env, idem::vmath_vector(), &r));
  return r;
}

/* A Float32Array of exactly n elements, or null when allowed (n is then ignored). */
bool f32n(napi_env env, napi_value v, long n, bool nullable, const float** out, const char* what) {
  float* p = nullptr;
  size_t len = 0;
  if (nullable ? !f32_or_null(env, v, &p, &len, what) : !f32(env, v, &p, &len, what)) return false;
  if (p == nullptr && len == 0 && nullable) {
    *out = nullptr;
    return true;
  }
  if (static_cast<long>(len) != n) {
    const std::string msg = std::string("idem native: ") + what + " has " + std::to_string(len) + " elements, expected " + std::to_string(n);
    return range_error(env, msg.c_str());
  }
  *out = p;
  return true;
}

bool f32n_mut(napi_env env, napi_value v, long n, bool nullable, float** out, const char* what) {
  const float* p = nullptr;
  if (!f32n(env, v, n, nullable, &p, what)) return false;
  *out = const_cast<float*>(p);
  return true;
}

/* Reads cfg and the shared inputs (arguments 0–9) into a; sizes of the state arrays in *bu. */
bool read_rnn(napi_env env, napi_value* args, idem::RnnArgs* a, long* bu) {
  int32_t* cfg = nullptr;
  size_t lc = 0;
  void* p = nullptr;
  if (!typed(env, args[0], napi_int32_array, &p, &lc, "cfg")) return false;
  cfg = static_cast<int32_t*>(p);
  if (lc != 8) return range_error(env, "idem native: rnn cfg must have 8 entries");
  a->cell = cfg[0];
  a->B = cfg[1];
  a->T = cfg[2];
  a->I = cfg[3];
  a->U = cfg[4];
  a->act = cfg[5];
  a->ract = cfg[6];
  const int flags = cfg[7];
  if (a->cell < 0 || a->cell > 2 || a->B < 1 || a->T < 1 || a->I < 1 || a->U < 1 || a->act < 0 || a->act > 3 || a->ract < 0 ||
      a->ract > 3 || flags < 0 || flags > 15)
    return range_error(env, "idem native: rnn cfg out of range");
  a->goBackwards = (flags & 1) != 0;
  a->returnSequences = (flags & 2) != 0;
  a->zeroOutputForMask = (flags & 4) != 0;
  a->resetAfter = (flags & 8) != 0;
  const long G = idem::rnn_gates(a->cell);
  long GU, BT, nx, nw, nr, BU, saved;
  if (!mul(G, a->U, &GU) || !mul(a->B, a->T, &BT) || !mul(BT, a->I, &nx) || !mul(a->I, GU, &nw) || !mul(a->U, GU, &nr) ||
      !mul(a->B, a->U, bu) || !mul(BT, GU, &saved) || !mul(BT, 9 * static_cast<long>(a->U), &saved))
    return range_error(env, "idem native: rnn sizes overflow");
  BU = *bu;
  const long nb = a->cell == idem::kGru && a->resetAfter ? 2 * GU : GU;
  if (!f32n(env, args[1], nx, false, &a->x, "x") || !f32n(env, args[2], nw, false, &a->W, "kernel") ||
      !f32n(env, args[3], nr, false, &a->R, "recurrentKernel") || !f32n(env, args[4], nb, true, &a->bias, "bias") ||
      !f32n(env, args[5], BU, true, &a->h0, "h0") || !f32n(env, args[6], BU, true, &a->c0, "c0"))
    return false;
  // mask: Uint8Array [B, T] or null
  napi_valuetype t;
  if (napi_typeof(env, args[7], &t) != napi_ok) return range_error(env, "idem native: rnn mask unreadable");
  if (t == napi_null) {
    a->mask = nullptr;
  } else {
    uint8_t* m = nullptr;
    size_t lm = 0;
    if (!u8(env, args[7], &m, &lm, "mask")) return false;
    if (static_cast<long>(lm) != BT) return range_error(env, "idem native: rnn mask must have B·T elements");
    a->mask = m;
  }
  long BI;
  if (!mul(a->B, a->I, &BI)) return range_error(env, "idem native: rnn sizes overflow");
  if (!f32n(env, args[8], BI, true, &a->inMask, "inMask") || !f32n(env, args[9], BU, true, &a->recMask, "recMask")) return false;
  if (a->cell != idem::kLstm && a->c0) return range_error(env, "idem native: c0 is for LSTM only");
  if (a->cell != idem::kSimpleRnn && a->recMask) return range_error(env, "idem native: recMask is for SimpleRNN only");
  return true;
}

napi_value RnnForward(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value args[14];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  if (argc != 14) {
    napi_throw_error(env, nullptr, "idem native: rnnForward expects 14 arguments");
    return nullptr;
  }
  idem::RnnArgs a;
  long BU;
  if (!read_rnn(env, args, &a, &BU)) return nullptr;
  const long ny = a.returnSequences ? BU * a.T : BU;
  float *y, *hT, *cT, *saved;
  if (!f32n_mut(env, args[10], ny, false, &y, "y") || !f32n_mut(env, args[11], BU, false, &hT, "hT") ||
      !f32n_mut(env, args[12], BU, a.cell != idem::kLstm, &cT, "cT") ||
      !f32n_mut(env, args[13], idem::rnn_saved_size(a), true, &saved, "saved"))
    return nullptr;
  if (!idem::rnn_forward(a, y, hT, cT, saved)) napi_throw_range_error(env, nullptr, "idem native: rnnForward could not allocate its scratch memory");
  return nullptr;
}

napi_value RnnBackward(napi_env env, napi_callback_info info) {
  size_t argc = 20;
  napi_value args[20];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  if (argc != 20) {
    napi_throw_error(env, nullptr, "idem native: rnnBackward expects 20 arguments");
    return nullptr;
  }
  idem::RnnArgs a;
  long BU;
  if (!read_rnn(env, args, &a, &BU)) return nullptr;
  const long G = idem::rnn_gates(a.cell), GU = G * a.U;
  const long ny = a.returnSequences ? BU * a.T : BU;
  const long nb = a.cell == idem::kGru && a.resetAfter ? 2 * GU : GU;
  const float* saved;
  idem::RnnGrads g;
  if (!f32n(env, args[10], idem::rnn_saved_size(a), false, &saved, "saved") || !f32n(env, args[11], ny, true, &g.dy, "dy") ||
      !f32n(env, args[12], BU, true, &g.dhT, "dhT") || !f32n(env, args[13], BU, true, &g.dcT, "dcT") ||
      !f32n_mut(env, args[14], a.B * a.T * a.I, true, &g.dx, "dx") || !f32n_mut(env, args[15], a.I * GU, true, &g.dW, "dW") ||
      !f32n_mut(env, args[16], a.U * GU, true, &g.dR, "dR") || !f32n_mut(env, args[17], nb, true, &g.db, "db") ||
      !f32n_mut(env, args[18], BU, true, &g.dh0, "dh0") || !f32n_mut(env, args[19], BU, true, &g.dc0, "dc0"))
    return nullptr;
  if (a.cell != idem::kLstm && (g.dcT || g.dc0)) {
    range_error(env, "idem native: dcT / dc0 are for LSTM only");
    return nullptr;
  }
  if (!idem::rnn_backward(a, saved, g)) napi_throw_range_error(env, nullptr, "idem native: rnnBackward could not allocate its scratch memory");
  return nullptr;
}

bool i32(napi_env env, napi_value v, const int32_t** out, size_t* len, const char* what) {
  void* p = nullptr;
  if (!typed(env, v, napi_int32_array, &p, len, what)) return false;
  *out = static_cast<const int32_t*>(p);
  return true;
}

napi_value ReturnLong(napi_env env, long v) {
  napi_value r;
  IDEM_NAPI_CHECK(napi_create_int64(env, v, &r));
  return r;
}

napi_value Gather(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  float *x, *out;
  const int32_t* idx;
  size_t lx, li, lo;
  long B, M, A, N, I;
  if (argc != 8 || !f32(env, args[0], &x, &lx, "x") || !i32(env, args[1], &idx, &li, "indices") || !f32(env, args[2], &out, &lo, "out") ||
      !nonneg_int(env, args[3], &B, "B") || !nonneg_int(env, args[4], &M, "M") || !nonneg_int(env, args[5], &A, "A") ||
      !nonneg_int(env, args[6], &N, "N") || !nonneg_int(env, args[7], &I, "I"))
    return nullptr;
  long nx, ni, no;
  if (!mul(B, M, &nx) || !mul(nx, A, &nx) || !mul(nx, N, &nx) || !mul(B, I, &ni) || !mul(B, M, &no) || !mul(no, I, &no) || !mul(no, N, &no) ||
      static_cast<long>(lx) != nx || static_cast<long>(li) != ni || static_cast<long>(lo) != no) {
    range_error(env, "idem native: gather sizes do not match the arrays");
    return nullptr;
  }
  return ReturnLong(env, idem::gather_f32(x, idx, out, B, M, A, N, I));
}

napi_value SegmentSum(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  float *x, *out;
  const int32_t* ids;
  size_t lx, li, lo;
  long N, S;
  if (argc != 5 || !f32(env, args[0], &x, &lx, "x") || !i32(env, args[1], &ids, &li, "segmentIds") || !f32(env, args[2], &out, &lo, "out") ||
      !nonneg_int(env, args[3], &N, "N") || !nonneg_int(env, args[4], &S, "numSegments"))
    return nullptr;
  long nx, no;
  if (!mul(static_cast<long>(li), N, &nx) || !mul(S, N, &no) || static_cast<long>(lx) != nx || static_cast<long>(lo) != no) {
    range_error(env, "idem native: segmentSum sizes do not match the arrays");
    return nullptr;
  }
  const long r = idem::segment_sum_f32(x, ids, static_cast<long>(li), N, S, out);
  if (r == -2) {
    range_error(env, "idem native: segmentSum could not allocate its accumulators");
    return nullptr;
  }
  return ReturnLong(env, r);
}

napi_value BroadcastTo(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  float *x, *out;
  size_t lx, lo, lxs, los;
  void *pxs = nullptr, *pos = nullptr;
  if (argc != 4 || !f32(env, args[0], &x, &lx, "x") || !typed(env, args[1], napi_int32_array, &pxs, &lxs, "xShape") ||
      !typed(env, args[2], napi_int32_array, &pos, &los, "outShape") || !f32(env, args[3], &out, &lo, "out"))
    return nullptr;
  const int32_t* xs32 = static_cast<const int32_t*>(pxs);
  const int32_t* os32 = static_cast<const int32_t*>(pos);
  if (lxs != los || lxs > 16) {
    range_error(env, "idem native: broadcastTo shapes must have one rank ≤ 16");
    return nullptr;
  }
  long xs[16], os[16], nx = 1, no = 1;
  for (size_t d = 0; d < lxs; d++) {
    xs[d] = xs32[d];
    os[d] = os32[d];
    if (xs[d] < 0 || os[d] < 0 || (xs[d] != os[d] && xs[d] != 1) || !mul(nx, xs[d], &nx) || !mul(no, os[d], &no)) {
      range_error(env, "idem native: broadcastTo shapes do not broadcast");
      return nullptr;
    }
  }
  if (static_cast<long>(lx) != nx || static_cast<long>(lo) != no) {
    range_error(env, "idem native: broadcastTo sizes do not match the arrays");
    return nullptr;
  }
  idem::broadcast_f32(x, xs, os, static_cast<int>(lxs), out);
  return nullptr;
}

napi_value LayerNorm(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  long R, C;
  double eps;
  if (argc != 9 || !nonneg_int(env, args[4], &R, "R") || !nonneg_int(env, args[5], &C, "C") || !num(env, args[3], &eps, "eps")) return nullptr;
  long RC;
  if (!mul(R, C, &RC)) {
    range_error(env, "idem native: layerNorm sizes overflow");
    return nullptr;
  }
  const float *x, *gamma, *beta;
  float *y, *mean, *inv0;
  if (!f32n(env, args[0], RC, false, &x, "x") || !f32n(env, args[1], C, false, &gamma, "gamma") || !f32n(env, args[2], C, false, &beta, "beta") ||
      !f32n_mut(env, args[6], RC, false, &y, "y") || !f32n_mut(env, args[7], R, false, &mean, "mean") || !f32n_mut(env, args[8], R, false, &inv0, "inv0"))
    return nullptr;
  idem::layer_norm_forward(x, gamma, beta, static_cast<float>(eps), R, C, y, mean, inv0);
  return nullptr;
}

napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value args[12];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  long R, C;
  if (argc != 12 || !nonneg_int(env, args[5], &R, "R") || !nonneg_int(env, args[6], &C, "C")) return nullptr;
  long RC;
  if (!mul(R, C, &RC)) {
    range_error(env, "idem native: layerNormGrad sizes overflow");
    return nullptr;
  }
  const float *dy, *x, *gamma, *mean, *inv0;
  float *dxMul, *dxSub, *dxMean, *dgamma, *dbeta;
  if (!f32n(env, args[0], RC, false, &dy, "dy") || !f32n(env, args[1], RC, false, &x, "x") || !f32n(env, args[2], C, false, &gamma, "gamma") ||
      !f32n(env, args[3], R, false, &mean, "mean") || !f32n(env, args[4], R, false, &inv0, "inv0") ||
      !f32n_mut(env, args[7], RC, false, &dxMul, "dxMul") || !f32n_mut(env, args[8], RC, false, &dxSub, "dxSub") ||
      !f32n_mut(env, args[9], RC, false, &dxMean, "dxMean") || !f32n_mut(env, args[10], C, true, &dgamma, "dgamma") ||
      !f32n_mut(env, args[11], C, true, &dbeta, "dbeta"))
    return nullptr;
  idem::layer_norm_backward(dy, x, gamma, mean, inv0, R, C, dxMul, dxSub, dxMean, dgamma, dbeta);
  return nullptr;
}

bool read_attn(napi_env env, napi_value v, napi_value maskv, idem::AttnGeo* g) {
  void* p = nullptr;
  size_t lc = 0;
  if (!typed(env, v, napi_int32_array, &p, &lc, "geo")) return false;
  if (lc != 9) return range_error(env, "idem native: attention geo must have 9 entries");
  const int32_t* c = static_cast<const int32_t*>(p);
  for (size_t i = 0; i < 9; i++)
    if (c[i] < 0 || (i < 6 && c[i] < 1)) return range_error(env, "idem native: attention geo out of range");
  g->B = c[0], g->T = c[1], g->S = c[2], g->H = c[3], g->K = c[4], g->V = c[5], g->mB = c[6], g->mT = c[7], g->mS = c[8];
  long t;
  if (!mul(g->B, g->T, &t) || !mul(t, g->S, &t) || !mul(t, g->H, &t) || !mul(t, g->K + g->V, &t)) return range_error(env, "idem native: attention sizes overflow");
  napi_valuetype ty;
  if (napi_typeof(env, maskv, &ty) != napi_ok) return range_error(env, "idem native: attention mask unreadable");
  g->mask = nullptr;
  if (ty != napi_null) {
    uint8_t* m = nullptr;
    size_t lm = 0;
    if (!u8(env, maskv, &m, &lm, "mask")) return false;
    // The largest index the strides reach must lie in the mask.
    const long last = (g->B - 1) * g->mB + (g->T - 1) * g->mT + (g->S - 1) * g->mS;
    if (last < 0 || last >= static_cast<long>(lm)) return range_error(env, "idem native: attention mask too small for its strides");
    g->mask = m;
  }
  return true;
}

napi_value Attention(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  idem::AttnGeo g;
  if (argc != 7 || !read_attn(env, args[0], args[4], &g)) {
    if (argc != 7) range_error(env, "idem native: attention expects 7 arguments");
    return nullptr;
  }
  const float *q, *k, *v;
  float *o, *probs;
  if (!f32n(env, args[1], g.B * g.T * g.H * g.K, false, &q, "q") || !f32n(env, args[2], g.B * g.S * g.H * g.K, false, &k, "k") ||
      !f32n(env, args[3], g.B * g.S * g.H * g.V, false, &v, "v") || !f32n_mut(env, args[5], g.B * g.T * g.H * g.V, false, &o, "o") ||
      !f32n_mut(env, args[6], g.B * g.H * g.T * g.S, false, &probs, "probs"))
    return nullptr;
  idem::attention_forward(g, q, k, v, o, probs);
  return nullptr;
}

napi_value AttentionGrad(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value args[11];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  idem::AttnGeo g;
  if (argc != 11 || !read_attn(env, args[0], args[7], &g)) {
    if (argc != 11) range_error(env, "idem native: attentionGrad expects 11 arguments");
    return nullptr;
  }
  const long nq = g.B * g.T * g.H * g.K, nk = g.B * g.S * g.H * g.K, nv = g.B * g.S * g.H * g.V, np = g.B * g.H * g.T * g.S;
  const float *dO, *dP, *q, *k, *v, *probs;
  float *dq, *dk, *dv;
  if (!f32n(env, args[1], g.B * g.T * g.H * g.V, true, &dO, "dO") || !f32n(env, args[2], np, true, &dP, "dProbs") ||
      !f32n(env, args[3], nq, false, &q, "q") || !f32n(env, args[4], nk, false, &k, "k") || !f32n(env, args[5], nv, false, &v, "v") ||
      !f32n(env, args[6], np, false, &probs, "probs") || !f32n_mut(env, args[8], nq, true, &dq, "dq") ||
      !f32n_mut(env, args[9], nk, true, &dk, "dk") || !f32n_mut(env, args[10], nv, true, &dv, "dv"))
    return nullptr;
  if (!dO && !dP) {
    range_error(env, "idem native: attentionGrad needs dO or dProbs");
    return nullptr;
  }
  idem::attention_backward(g, dO, dP, q, k, v, probs, dq, dk, dv);
  return nullptr;
}

}  // namespace

namespace idem {

bool register_seq_kernels(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"tanh", nullptr, Tanh, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sigmoid", nullptr, Sigmoid, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"vmathVector", nullptr, VmathVector, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rnnForward", nullptr, RnnForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rnnBackward", nullptr, RnnBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gather", nullptr, Gather, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"segmentSum", nullptr, SegmentSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"broadcastTo", nullptr, BroadcastTo, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormGrad", nullptr, LayerNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attention", nullptr, Attention, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attentionGrad", nullptr, AttentionGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}

}  // namespace idem
