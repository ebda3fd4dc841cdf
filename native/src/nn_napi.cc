/*
 * Node-API entry points of the convolution, pooling and softmax kernels (conv.h, softmax.h),
 * added to the addon's exports by register_nn_kernels (called from addon.cc's Init).
 *
 *   conv2d(op, geo, a, b, out)   geo: Int32Array [batch, inH, inW, inC, outH, outW, outC,
 *                                 fh, fw, sh, sw, dh, dw, top, left]; all Float32Arrays NHWC
 *     op 0 Conv2D               a = x, b = w [fh,fw,inC,outC], out = y
 *     op 1 Conv2DBackpropInput  a = dy, b = w, out = dx
 *     op 2 Conv2DBackpropFilter a = x, b = dy, out = dw
 *     op 3/4/5 the same three for depthwise (w [fh,fw,inC,mult], outC = inC·mult)
 *   conv2dFused(geo, x, w, y, bias, mean, inv, beta, residual, relu)  Conv2D + epilogue (below)
 *   pool2d(op, geo, a, b, out)   outC == inC
 *     op 0 MaxPool (a = x), 1 MaxPoolGrad (a = dy, b = x, out = dx), 2 AvgPool (a = x),
 *     3 AvgPoolGrad (a = dy, out = dx; b ignored)
 *   softmax(op, outer, n, inner, x, labels, out)  op 0 softmax, 1 log-softmax (labels ignored),
 *     2 softmax cross-entropy with logits (labels same size as x, out [outer, inner])
 *   batchNormForward(M, C, eps, x, scale, offset, y, mean, variance)   x, y [M, C]; scale,
 *     offset [C] or empty (absent: 1 / 0); mean, variance [C] written; eps rounded to float32
 *     (see norm.h: bit-identical to the moments + batchNorm composition and its autodiff)
 *   batchNormBackward(M, C, eps, dy, x, scale, mean, variance, dmean, dvariance, dx, dscale, doffset)
 *     scale, dmean, dvariance [C] or empty (absent)
 * Sizes are checked against the geometry; a mismatch throws a RangeError.
 */
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "conv.h"
#include "isa.h"
#include "norm.h"
#include "softmax.h"
#include "napi_util.h"

namespace {

using namespace idem_napi;




bool range_error(napi_env env, const char* msg) {
  napi_throw_range_error(env, nullptr, msg);
  return false;
}

/* Reads geo (15 non-negative int32) into g. */
bool read_geo(napi_env env, napi_value v, idem::ConvGeo* g, const char* kernel) {
  void* p = nullptr;
  size_t n = 0;
  if (!typed(env, v, napi_int32_array, &p, &n, "geo")) return false;
  if (n != 15) return kernel_range_error(env, kernel, "geo must have 15 entries");
  const int32_t* a = static_cast<const int32_t*>(p);
  for (int i = 0; i < 15; i++)
    if (a[i] < 0) return kernel_range_error(env, kernel, "geo entries must be non-negative");
  *g = idem::ConvGeo{a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]};
  if (g->sh == 0 || g->sw == 0 || g->dh == 0 || g->dw == 0)
    return kernel_range_error(env, kernel, "strides and dilations must be positive");
  return true;
}

/* The element counts of x, y and w of a convolution geometry, overflow-checked. */
bool conv_sizes(napi_env env, const idem::ConvGeo& g, bool depthwise, const char* kernel, size_t* nx, size_t* ny, size_t* nw,
                size_t* taps) {
  size_t unused;
  return product(env, kernel, "batch*inH*inW*inC", {g.batch, g.inH, g.inW, g.inC}, nx) &&
         product(env, kernel, "batch*outH*outW*outC", {g.batch, g.outH, g.outW, g.outC}, ny) &&
         product(env, kernel, "fh*fw*inC", {g.fh, g.fw, g.inC}, taps) &&
         product(env, kernel, "batch*outH*outW*fh*fw", {g.batch, g.outH, g.outW, g.fh, g.fw}, &unused) &&
         (depthwise ? product(env, kernel, "fh*fw*outC", {g.fh, g.fw, g.outC}, nw)
                    : product(env, kernel, "fh*fw*inC*outC", {g.fh, g.fw, g.inC, g.outC}, nw)) &&
         // the kernels' index arithmetic: oy*sh + ky*dh - top and its column twin
         product(env, kernel, "outH*sh", {g.outH, g.sh}, &unused) && product(env, kernel, "fh*dh", {g.fh, g.dh}, &unused) &&
         product(env, kernel, "outW*sw", {g.outW, g.sw}, &unused) && product(env, kernel, "fw*dw", {g.fw, g.dw}, &unused);
}

/*
 * Pooling skips the window taps that fall outside the input. Taps outside it for every output
 * position are dropped from the geometry (filter size and leading padding shrink together, so
 * each output's set of valid taps, their order and the average's divisor are unchanged): a window
 * far larger than the padded input then costs what its valid taps cost, not its nominal size.
 */
void clip_window(long in, long out, long s, long d, long* f, long* pad) {
  if (*f <= 1 || out == 0) return;
  // Tap k reads position o*s + k*d - pad, increasing in o: it is inside [0, in) for some o only if
  // (out-1)*s + k*d - pad >= 0 and k*d - pad < in.
  const long lo_num = *pad - (out - 1) * s;
  long kmin = lo_num <= 0 ? 0 : (lo_num + d - 1) / d;
  long kmax = in + *pad <= 0 ? -1 : (in + *pad - 1) / d;
  if (kmax > *f - 1) kmax = *f - 1;
  if (kmin > *f - 1) kmin = *f - 1;
  if (kmax < kmin) kmax = kmin;  // no tap is ever inside: keep one (it is skipped everywhere too)
  *pad -= kmin * d;
  *f = kmax - kmin + 1;
}

napi_value Conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  long op;
  idem::ConvGeo g;
  float *a, *b, *out;
  size_t la, lb, lo;
  if (argc != 5 || !nonneg_int(env, args[0], &op, "op") || !read_geo(env, args[1], &g, "conv2d") ||
      !f32(env, args[2], &a, &la, "a") || !f32(env, args[3], &b, &lb, "b") || !f32(env, args[4], &out, &lo, "out"))
    return nullptr;
  if (op > 5) {
    range_error(env, "idem native: unknown conv2d op");
    return nullptr;
  }
  const bool depthwise = op >= 3;
  long mult = 0;
  if (depthwise) {
    if (g.inC == 0 || g.outC % g.inC != 0) {
      range_error(env, "idem native: depthwise outC must be a multiple of inC");
      return nullptr;
    }
    mult = g.outC / g.inC;
  }
  size_t nx, ny, nw, taps;
  if (!conv_sizes(env, g, depthwise, "conv2d", &nx, &ny, &nw, &taps)) return nullptr;
  const int kind = static_cast<int>(op % 3);
  const size_t ea = kind == 1 ? ny : nx, eb = kind == 2 ? ny : nw, eo = kind == 0 ? ny : kind == 1 ? nx : nw;
  if (la != ea || lb != eb || lo != eo) {
    range_error(env, "idem native: conv2d array sizes do not match the geometry");
    return nullptr;
  }
  // Nothing to write, or a sum over nothing (an empty input, filter or gradient): zeros, without
  // running loops whose trip counts (rows x taps) have no data behind them.
  if (lo == 0) return nullptr;
  if (la == 0 || lb == 0 || taps == 0) {
    std::memset(out, 0, lo * sizeof(float));
    return nullptr;
  }
  try {
    switch (op) {
      case 0: idem::conv2d_forward(g, a, b, out); break;
      case 1: idem::conv2d_backprop_input(g, a, b, out); break;
      case 2: idem::conv2d_backprop_filter(g, a, b, out); break;
      case 3: idem::depthwise_forward(g, mult, a, b, out); break;
      case 4: idem::depthwise_backprop_input(g, mult, a, b, out); break;
      case 5: idem::depthwise_backprop_filter(g, mult, a, b, out); break;
    }
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "idem native: conv2d could not allocate its scratch memory");
  }
  return nullptr;
}

/*
 * conv2dFused(geo, x, w, y, bias, mean, inv, beta, residual, relu): Conv2D with an epilogue
 * (isa.h's Epilogue): y = relu?(((conv + bias) − mean)·inv + beta + residual), each step one
 * float32 operation in that order; bias, mean, inv, beta [outC] or empty (absent; mean and inv
 * together), residual [batch, outH, outW, outC] or empty.
 */
napi_value Conv2dFused(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  idem::ConvGeo g;
  float *x, *w, *y, *bias, *mean, *inv, *beta, *res;
  size_t lx, lw, ly, lb, lm, li, lbe, lr;
  bool relu = false;
  if (argc != 10 || !read_geo(env, args[0], &g, "conv2dFused") || !f32(env, args[1], &x, &lx, "x") || !f32(env, args[2], &w, &lw, "w") ||
      !f32(env, args[3], &y, &ly, "y") || !f32(env, args[4], &bias, &lb, "bias") || !f32(env, args[5], &mean, &lm, "mean") ||
      !f32(env, args[6], &inv, &li, "inv") || !f32(env, args[7], &beta, &lbe, "beta") ||
      !f32(env, args[8], &res, &lr, "residual"))
    return nullptr;
  if (napi_get_value_bool(env, args[9], &relu) != napi_ok) {
    napi_throw_type_error(env, nullptr, "idem native: conv2dFused relu must be a boolean");
    return nullptr;
  }
  size_t nx, ny, nw, taps;
  if (!conv_sizes(env, g, false, "conv2dFused", &nx, &ny, &nw, &taps)) return nullptr;
  const size_t c = static_cast<size_t>(g.outC);
  const auto vec = [&](size_t l) { return l == 0 || l == c; };
  if (lx != nx || lw != nw || ly != ny || !vec(lb) || !vec(lm) || !vec(li) || !vec(lbe) || (lm == 0) != (li == 0) ||
      (lr != 0 && lr != ny)) {
    range_error(env, "idem native: conv2dFused array sizes do not match the geometry");
    return nullptr;
  }
  if (ly == 0) return nullptr;  // nothing to write
  if (g.inC == 0) {
    // No input channels: every window sums nothing, whatever its size. A 1x1 window gives the same
    // (empty) sums without looping over fh x fw taps that have no data behind them.
    g.fh = g.fw = 1;
    g.dh = g.dw = 1;
    g.top = g.left = 0;
  }
  idem::Epilogue ep{};
  ep.bias = lb ? bias : nullptr;
  ep.mean = lm ? mean : nullptr;
  ep.inv = li ? inv : nullptr;
  ep.beta = lbe ? beta : nullptr;
  ep.residual = lr ? res : nullptr;
  ep.ldr = g.outC;
  ep.relu = relu;
  try {
    idem::conv2d_forward(g, x, w, y, &ep);
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "idem native: conv2dFused could not allocate its scratch memory");
  }
  return nullptr;
}

napi_value Pool2d(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  long op;
  idem::ConvGeo g;
  float *a, *b, *out;
  size_t la, lb, lo;
  if (argc != 5 || !nonneg_int(env, args[0], &op, "op") || !read_geo(env, args[1], &g, "pool2d") ||
      !f32(env, args[2], &a, &la, "a") || !f32(env, args[3], &b, &lb, "b") || !f32(env, args[4], &out, &lo, "out"))
    return nullptr;
  if (op > 3) {
    range_error(env, "idem native: unknown pool2d op");
    return nullptr;
  }
  size_t nx, ny, unused;
  if (!product(env, "pool2d", "batch*inH*inW*inC", {g.batch, g.inH, g.inW, g.inC}, &nx) ||
      !product(env, "pool2d", "batch*outH*outW*inC", {g.batch, g.outH, g.outW, g.inC}, &ny) ||
      !product(env, "pool2d", "outH*sh", {g.outH, g.sh}, &unused) || !product(env, "pool2d", "fh*dh", {g.fh, g.dh}, &unused) ||
      !product(env, "pool2d", "outW*sw", {g.outW, g.sw}, &unused) || !product(env, "pool2d", "fw*dw", {g.fw, g.dw}, &unused))
    return nullptr;
  bool ok = g.outC == g.inC;
  switch (op) {
    case 0: case 2: ok = ok && la == nx && lo == ny; break;
    case 1: ok = ok && la == ny && lb == nx && lo == nx; break;
    case 3: ok = ok && la == ny && lo == nx; break;
  }
  if (!ok) {
    range_error(env, "idem native: pool2d array sizes do not match the geometry");
    return nullptr;
  }
  if (lo == 0) return nullptr;
  clip_window(g.inH, g.outH, g.sh, g.dh, &g.fh, &g.top);
  clip_window(g.inW, g.outW, g.sw, g.dw, &g.fw, &g.left);
  switch (op) {
    case 0: idem::max_pool(g, a, out); break;
    case 1: idem::max_pool_grad(g, a, b, out); break;
    case 2: idem::avg_pool(g, a, out); break;
    case 3: idem::avg_pool_grad(g, a, out); break;
  }
  return nullptr;
}

napi_value Softmax(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  long op, outer, n, inner;
  float *x, *labels, *out;
  size_t lx, ll, lo;
  if (argc != 7 || !nonneg_int(env, args[0], &op, "op") || !size_arg(env, args[1], &outer, "softmax", "outer") ||
      !size_arg(env, args[2], &n, "softmax", "n") || !size_arg(env, args[3], &inner, "softmax", "inner") || !f32(env, args[4], &x, &lx, "x") ||
      !f32(env, args[5], &labels, &ll, "labels") || !f32(env, args[6], &out, &lo, "out"))
    return nullptr;
  size_t total, rows;
  if (!product(env, "softmax", "outer*n*inner", {outer, n, inner}, &total) || !product(env, "softmax", "outer*inner", {outer, inner}, &rows))
    return nullptr;
  const bool ok = op <= 2 && lx == total && (op == 2 ? ll == total && lo == rows : lo == total);
  if (!ok) {
    range_error(env, "idem native: softmax array sizes do not match");
    return nullptr;
  }
  if (lo == 0) return nullptr;  // nothing to write
  if (op == 2)
    idem::softmax_xent_f32(labels, x, out, outer, n, inner);
  else
    idem::softmax_f32(static_cast<int>(op), x, out, outer, n, inner);
  return nullptr;
}

bool get_eps(napi_env env, napi_value v, double* eps) {
  if (napi_get_value_double(env, v, eps) != napi_ok || !(*eps >= 0)) {
    napi_throw_type_error(env, nullptr, "idem native: epsilon must be a non-negative number");
    return false;
  }
  return true;
}

napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  long M, C;
  double eps;
  float *x, *scale, *offset, *y, *mean, *var;
  size_t lx, ls, lf, ly, lm, lv;
  if (argc != 9 || !size_arg(env, args[0], &M, "batchNormForward", "M") || !size_arg(env, args[1], &C, "batchNormForward", "C") || !get_eps(env, args[2], &eps) ||
      !f32(env, args[3], &x, &lx, "x") || !f32(env, args[4], &scale, &ls, "scale") ||
      !f32(env, args[5], &offset, &lf, "offset") || !f32(env, args[6], &y, &ly, "y") ||
      !f32(env, args[7], &mean, &lm, "mean") || !f32(env, args[8], &var, &lv, "variance"))
    return nullptr;
  size_t n;
  if (!product(env, "batchNormForward", "M*C", {M, C}, &n)) return nullptr;
  const size_t c = static_cast<size_t>(C);
  if (lx != n || ly != n || lm != c || lv != c || (ls != c && ls != 0) || (lf != c && lf != 0)) {
    range_error(env, "idem native: batchNormForward array sizes do not match");
    return nullptr;
  }
  idem::batch_norm_forward(x, ls ? scale : nullptr, lf ? offset : nullptr, M, C, static_cast<float>(eps), y, mean, var);
  return nullptr;
}

napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value args[13];
  IDEM_NAPI_CHECK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  long M, C;
  double eps;
  float *dy, *x, *scale, *mean, *var, *dmean, *dvar, *dx, *dscale, *doffset;
  size_t ld, lx, ls, lm, lv, ldm, ldv, ldx, lds, ldo;
  if (argc != 13 || !size_arg(env, args[0], &M, "batchNormBackward", "M") || !size_arg(env, args[1], &C, "batchNormBackward", "C") ||
      !get_eps(env, args[2], &eps) || !f32(env, args[3], &dy, &ld, "dy") || !f32(env, args[4], &x, &lx, "x") ||
      !f32(env, args[5], &scale, &ls, "scale") || !f32(env, args[6], &mean, &lm, "mean") ||
      !f32(env, args[7], &var, &lv, "variance") || !f32(env, args[8], &dmean, &ldm, "dmean") ||
      !f32(env, args[9], &dvar, &ldv, "dvariance") || !f32(env, args[10], &dx, &ldx, "dx") ||
      !f32(env, args[11], &dscale, &lds, "dscale") || !f32(env, args[12], &doffset, &ldo, "doffset"))
    return nullptr;
  size_t n;
  if (!product(env, "batchNormBackward", "M*C", {M, C}, &n)) return nullptr;
  const size_t c = static_cast<size_t>(C);
  if (ld != n || lx != n || ldx != n || lm != c || lv != c || lds != c || ldo != c || (ls != c && ls != 0) ||
      (ldm != c && ldm != 0) || (ldv != c && ldv != 0)) {
    range_error(env, "idem native: batchNormBackward array sizes do not match");
    return nullptr;
  }
  idem::batch_norm_backward(dy, x, ls ? scale : nullptr, true, mean, var, ldm ? dmean : nullptr, ldv ? dvar : nullptr, M,
                            C, static_cast<float>(eps), dx, dscale, doffset);
  return nullptr;
}

}  // namespace

namespace idem {

/* Adds conv2d, pool2d, softmax, batchNormForward and batchNormBackward to the addon's exports. */
bool register_nn_kernels(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dFused", nullptr, Conv2dFused, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pool2d", nullptr, Pool2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormForward", nullptr, BatchNormForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormBackward", nullptr, BatchNormBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}

}  // namespace idem
