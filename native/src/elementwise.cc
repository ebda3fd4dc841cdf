/*
 * Float32 elementwise kernels (see elementwise.h): plain loops the compiler vectorises, run on
 * the thread pool in fixed chunks from 2^17 elements up (each element computed alone: any
 * split gives the same bits).
 */
#include "elementwise.h"

#include <vector>

#include "pool.h"

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
    case 5:  // b a column: one value per row of `inner` elements ([rows, 1] against [rows, inner])
      for (size_t r = 0; r < n; r += inner) {
        const float* ar = a + r;
        const float y = b[r / inner];
        Out* o = out + r;
        for (size_t j = 0; j < inner; j++) o[j] = f(ar[j], y);
      }
      break;
    case 6:  // a a column
      for (size_t r = 0; r < n; r += inner) {
        const float x = a[r / inner];
        const float* br = b + r;
        Out* o = out + r;
        for (size_t j = 0; j < inner; j++) o[j] = f(x, br[j]);
      }
      break;
  }
}

constexpr size_t kParallelFrom = size_t(1) << 17;  // elements
constexpr long kChunk = 32768;                        // elements per chunk

/* Runs body(begin, end) over [0, n) elements: serially below kParallelFrom, else in fixed chunks. */
template <typename B>
static void split(size_t n, B body) {
  if (n < kParallelFrom || num_threads() < 2) {
    body(0, static_cast<long>(n));
  } else {
    parallel_for(static_cast<long>(n), kChunk, body);
  }
}

template <typename Out, typename F>
static void apply_mt(int mode, const float* a, const float* b, Out* out, size_t n, size_t inner, F f) {
  if (n < kParallelFrom || num_threads() < 2) {
    apply(mode, a, b, out, n, inner, f);
  } else if (mode >= 3) {
    // Whole rows per chunk (the row operand restarts at each row; a column advances by one per row).
    const long rows = static_cast<long>(n / inner);
    const long grain = static_cast<long>(inner) >= kChunk ? 1 : kChunk / static_cast<long>(inner);
    parallel_for(rows, grain, [&](long r0, long r1) {
      const size_t off = static_cast<size_t>(r0) * inner;
      const float* pa = mode == 3 || mode == 5 ? a + off : mode == 6 ? a + r0 : a;
      const float* pb = mode == 4 || mode == 6 ? b + off : mode == 5 ? b + r0 : b;
      apply(mode, pa, pb, out + off, static_cast<size_t>(r1 - r0) * inner, inner, f);
    });
  } else {
    parallel_for(static_cast<long>(n), kChunk, [&](long i0, long i1) {
      apply(mode, mode == 2 ? a : a + i0, mode == 1 ? b : b + i0, out + i0, static_cast<size_t>(i1 - i0), inner, f);
    });
  }
}

void binary_f32(int op, int mode, const float* a, const float* b, float* out, size_t n, size_t inner) {
  switch (op) {
    case kAdd: apply_mt(mode, a, b, out, n, inner, [](float x, float y) { return x + y; }); break;
    case kSub: apply_mt(mode, a, b, out, n, inner, [](float x, float y) { return x - y; }); break;
    case kMul: apply_mt(mode, a, b, out, n, inner, [](float x, float y) { return x * y; }); break;
    case kDiv: apply_mt(mode, a, b, out, n, inner, [](float x, float y) { return x / y; }); break;
  }
}

void compare_f32(int op, int mode, const float* a, const float* b, uint8_t* out, size_t n, size_t inner) {
  switch (op) {
    case kGreater: apply_mt(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x > y; }); break;
    case kGreaterEqual: apply_mt(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x >= y; }); break;
    case kLess: apply_mt(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x < y; }); break;
    case kLessEqual: apply_mt(mode, a, b, out, n, inner, [](float x, float y) -> uint8_t { return x <= y; }); break;
  }
}

static void relu_range(const float* __restrict x, float* __restrict out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    // v > 0 ? v : (NaN ? v : +0) as one select (!(v <= 0) holds for positives and NaN): the
    // nested form compiled to a branch per element, mispredicted on relu's random signs.
    out[i] = !(v <= 0.0f) ? v : 0.0f;
  }
}

void relu_f32(const float* x, float* out, size_t n) {
  split(n, [&](long b, long e) { relu_range(x + b, out + b, static_cast<size_t>(e - b)); });
}

static void relu_grad_range(const float* __restrict dy, const float* __restrict y, float* __restrict out, size_t n) {
  // Both values loaded unconditionally: the compiler then selects with a vector compare-and-mask
  // instead of a branch per element (relu's signs are random: the branch mispredicted half the
  // time, ~100 µs for W1's 100×256 gradients against ~5 µs).
  for (size_t i = 0; i < n; i++) {
    const float d = dy[i];
    out[i] = y[i] > 0.0f ? d : 0.0f;
  }
}

void relu_grad_f32(const float* dy, const float* y, float* out, size_t n) {
  split(n, [&](long b, long e) { relu_grad_range(dy + b, y + b, out + b, static_cast<size_t>(e - b)); });
}

static void select_range(const uint8_t* cond, const float* t, bool t_scalar, const float* e, bool e_scalar, float* out, size_t n);

void select_f32(const uint8_t* cond, const float* t, bool t_scalar, const float* e, bool e_scalar, float* out, size_t n) {
  split(n, [&](long b, long end) {
    select_range(cond + b, t_scalar ? t : t + b, t_scalar, e_scalar ? e : e + b, e_scalar, out + b, static_cast<size_t>(end - b));
  });
}

static void select_range(const uint8_t* cond, const float* t, bool t_scalar, const float* e, bool e_scalar, float* out, size_t n) {
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
