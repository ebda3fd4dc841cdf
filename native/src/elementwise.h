/*
 * Float32 elementwise kernels. Each result is the correctly rounded float32 of the exact
 * operation (IEEE single arithmetic, no contraction), which equals the reference backend's
 * "compute in float64, store to Float32Array" for + − × ÷, so these kernels are bit-identical
 * to the reference ones.
 *
 * Broadcast modes for out[p] = f(a[ia(p)], b[ib(p)]), p < n:
 *   0 same size: ia = ib = p;   1 b scalar: ib = 0;   2 a scalar: ia = 0;
 *   3 b a row of length inner:  ib = p mod inner;   4 a a row: ia = p mod inner;
 *   5 b a column (one value per row of inner): ib = p div inner;   6 a a column: ia = p div inner.
 */
#pragma once
#include <cstddef>
#include <cstdint>

namespace idem {

enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
enum CompareOp { kGreater = 0, kGreaterEqual = 1, kLess = 2, kLessEqual = 3 };

void binary_f32(int op, int mode, const float* a, const float* b, float* out, size_t n, size_t inner);
void compare_f32(int op, int mode, const float* a, const float* b, uint8_t* out, size_t n, size_t inner);
/* relu(x) = x > 0 ? x : (x is NaN ? x : 0) */
void relu_f32(const float* x, float* out, size_t n);
/* out = y > 0 ? dy : +0 (relu's gradient from its output: where(y > 0, dy, 0)). */
void relu_grad_f32(const float* dy, const float* y, float* out, size_t n);
/* out = cond ? t : e; cond has n elements, t and e n or 1 (a scalar). */
void select_f32(const uint8_t* cond, const float* t, bool t_scalar, const float* e, bool e_scalar, float* out, size_t n);
/*
 * x viewed as [outer, mid, inner]: out[o, j] = Σ_{m < mid} x[o, m, j], accumulated in float64 in
 * increasing m, rounded to float32 once (the reference backend's order and precision: identical);
 * mean: the float64 sum divided by mid before that rounding (the reference Mean kernel).
 */
void sum_f32(const float* x, float* out, size_t outer, size_t mid, size_t inner, bool mean = false);

}  // namespace idem
