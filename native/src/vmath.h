/*
 * Vectorized tanh and sigmoid of float32 values, evaluated in float64 and rounded once to
 * float32, as the reference backend does with V8's Math.tanh / Math.exp:
 *
 *   tanh(x)    |x| < 2^-28: x;  else with t = expm1(2|x|) (|x| clamped to 22):
 *              |x| < 1: t / (t + 2),  else 1 − 2 / (t + 2);  sign of x
 *   sigmoid(x) E = exp(−|x|) (|x| clamped to 200):  x ≥ 0: 1 / (1 + E),  else E / (1 + E)
 *   NaN in, NaN out.
 *
 * exp / expm1 are our own (Cody–Waite reduction by ln 2, a degree-13 Taylor polynomial on
 * |r| ≤ ln2/2): within a few float64 ulps of the correctly rounded value, so the float32
 * results equal the reference's except, very rarely, by 1 ulp (when the float64 value lies
 * within a few float64 ulps of a float32 rounding boundary).
 *
 * The AVX2 path and the portable path run the same float64 operations (+ − × ÷ only, no FMA,
 * no contraction: this file is built with -ffp-contract=off) in the same order, so they give
 * the same bits; every result depends on its input only (never on n, alignment or threads).
 */
#pragma once

namespace idem {

void tanh_f32(const float* x, float* y, long n);
/* exp of float64 values (y may alias x), within a few float64 ulps (the softmax kernels' exp). */
void exp_f64(const double* x, double* y, long n);
double exp1(double x);
void sigmoid_f32(const float* x, float* y, long n);

/* One value (the same bits as the array functions). */
float tanh1(float x);
float sigmoid1(float x);

/* Uses the AVX2 path when the CPU has it (default); false forces the portable one (tests). */
void vmath_set_vector(bool on);
bool vmath_vector();

}  // namespace idem
