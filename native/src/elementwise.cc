/* Float32 elementwise kernels (see elementwise.h): plain loops the compiler vectorises. */
#include "elementwise.h"

#include <vector>

namespace idem {

template <typename Out, typename F>
static void apply(int mode, const float* a, const float* b, Out* out, size_t n, size_t inner, F f) {
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
        const float* ar = a + r;
        Out* o = out + r;
        for (size_t j = 0; j < inner; j++) o[j] = f(ar[j], b[j]);
      }
      break;
    case 4:
      for (size_t r = 0; r < n; r += inner) {
        const float* br = b + r;
        Out* o = out + r;
        for (size_t j = 0; j < inner; j++) o[j] = f(a[j], br[j]);
      }
      break;
  }
}

void binary_f32(int op, int mode, const float* a, const float* b, float* out, size_t n, size_t inner) {
  switch (op) {
    case kAdd: apply(mode, a, b, out, n, inner, [](float x, float y) { return x + y; }); break;
    case kSub: apply(mode, a, b, out, n, inner, [](float x, float y) { return x - y; }); break;
    case kMul: apply(mode, a, b, out, n, inner, [](float x, float y) { return x * y; }); break;
    case kDiv: apply(mode, a, b, out, n, inner, [](float x, float y) { return x / y; }); break;
  }
}

void compare_f32(int op, int mode, const float* a, const float* b, uint8_t* out, size_t n, size_t inner) {
  switch (op) {
    case kGreater: apply(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x > y; }); break;
    case kGreaterEqual: apply(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x >= y; }); break;
    case kLess: apply(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x < y; }); break;
    case kLessEqual: apply(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x <= y; }); break;
  }
}

void relu_f32(const float* x, float* out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    out[i] = v > 0.0f ? v : (v != v ? v : 0.0f);
  }
}

void relu_grad_f32(const float* __restrict dy, const float* __restrict y, float* __restrict out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void select_f32(const uint8_t* cond, const float* t, bool t_scalar, const float* e, bool e_scalar, float* out, size_t n) {
  if (!t_scalar && !e_scalar) {
    for (size_t i = 0; i < n; i++) out[i] = cond[i] ? t[i] : e[i];
  } else if (!t_scalar) {
    const float ev = e[0];
    for (size_t i = 0; i < n; i++) out[i] = cond[i] ? t[i] : ev;
  } else if (!e_scalar) {
    const float tv = t[0];
    for (size_t i = 0; i < n; i++) out[i] = cond[i] ? tv : e[i];
  } else {
    const float tv = t[0], ev = e[0];
    for (size_t i = 0; i < n; i++) out[i] = cond[i] ? tv : ev;
  }
}

void sum_f32(const float* x, float* out, size_t outer, size_t mid, size_t inner) {
  if (inner == 1) {
    for (size_t o = 0; o < outer; o++) {
      const float* xo = x + o * mid;
      double acc = 0.0;
      for (size_t m = 0; m < mid; m++) acc += static_cast<double>(xo[m]);
      out[o] = static_cast<float>(acc);
    }
    return;
  }
  std::vector<double> acc(inner);
  for (size_t o = 0; o < outer; o++) {
    for (size_t j = 0; j < inner; j++) acc[j] = 0.0;
    const float* xo = x + o * mid * inner;
    for (size_t m = 0; m < mid; m++) {
      const float* xm = xo + m * inner;
      for (size_t j = 0; j < inner; j++) acc[j] += static_cast<double>(xm[j]);
    }
    float* oo = out + o * inner;
    for (size_t j = 0; j < inner; j++) oo[j] = static_cast<float>(acc[j]);
  }
}

}  // namespace idem
