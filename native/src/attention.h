/*
 * Fused LayerNormalization and attention kernels (the compositions of src/ops/layer_norm.ts and
 * src/ops/attention.ts, bit for bit: every float32 operation below is one op of the composition
 * or of its gradient, in its order; sums are the Sum / Mean kernels' float64 accumulations in
 * increasing index order, rounded once).
 *
 * LayerNorm over the last axis of x [R, C] with gamma, beta [C] (Keras 3's formula):
 *   m = mean(x), d = x − m, v = mean(d·d), inv0 = rsqrt(v + ε), inv = inv0·γ,
 *   y = x·inv + (−m·inv + β)
 * layer_norm_forward writes y [R, C], m [R] and inv0 [R] (saved for the gradient).
 * layer_norm_backward writes the three gradient contributions to x in the tape's order —
 * dx_mul (of x·inv), dx_sub (of x − m), dx_mean (of mean(x)) — and dγ, dβ [C] (null: not
 * wanted).
 */
#pragma once

namespace idem {

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps, long R, long C, float* y, float* mean,
                        float* inv0);
void layer_norm_backward(const float* dy, const float* x, const float* gamma, const float* mean, const float* inv0, long R, long C,
                         float* dx_mul, float* dx_sub, float* dx_mean, float* dgamma, float* dbeta);

}  // namespace idem
