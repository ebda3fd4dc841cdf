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
 *
 * Attention core over q [B, T, H, K], k [B, S, H, K], v [B, S, H, V] (the projections of
 * MultiHeadAttention, q already scaled), per batch b and head h:
 *   scores = q_bh · k_bhᵀ (the BatchMatMul GEMM on the heads' strided rows), masked entries set
 *   to −1e9 (mask: bool, index b·mB + t·mT + s·mS), probs = softmax(scores) (the Softmax
 *   kernel's routine), o_bh = probs · v_bh written into o [B, T, H, V].
 * attention_forward writes o and probs [B, H, T, S]. attention_backward, given dO (and dProbs,
 * the gradient of probs from outside, or null), writes dq, dk, dv (null: not wanted) — the
 * BatchMatMul, Softmax, Select and Transpose gradients of that composition.
 */
#pragma once
#include <cstdint>

namespace idem {

struct AttnGeo {
  long B, T, S, H, K, V;
  const uint8_t* mask;  // null: none
  long mB, mT, mS;      // element strides of the mask (0 on a broadcast axis)
};

void attention_forward(const AttnGeo& g, const float* q, const float* k, const float* v, float* o, float* probs);
void attention_backward(const AttnGeo& g, const float* dO, const float* dProbs, const float* q, const float* k, const float* v,
                        const float* probs, float* dq, float* dk, float* dv);

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps, long R, long C, float* y, float* mean,
                        float* inv0);
void layer_norm_backward(const float* dy, const float* x, const float* gamma, const float* mean, const float* inv0, long R, long C,
                         float* dx_mul, float* dx_sub, float* dx_mean, float* dgamma, float* dbeta);

}  // namespace idem
