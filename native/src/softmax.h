/*
 * Softmax-family kernels, float32 in and out, computed in float64 exactly as the reference
 * kernels (src/backends/reference/kernels/nn.ts) do, slice by slice: along an axis of length n
 * viewed as x[outer, n, inner],
 *   m = max x (NaN propagates), s = Σ exp(x - m) (increasing j), ls = log s
 *   softmax:     y = exp(x - m) / s           log-softmax: y = x - m - ls
 * (the reference writes softmax as exp(x - m - ls): the same float64 value to an ulp)
 *   softmax cross-entropy with logits: loss[o, i] = Σ_{z != 0} z · (m + ls - x)
 * The only difference from the reference is the exp (the addon's vectorized float64 exp,
 * vmath.h, within 1 ulp of the correctly rounded value — as V8's is) and the C library's log
 * against V8's; after rounding to float32 the results are identical except, very rarely, by
 * 1 float32 ulp. Slices are independent: threads take whole slices (thread-count invariant).
 */
#pragma once

namespace idem {

/* mode 0: softmax, 1: log-softmax. */
void softmax_f32(int mode, const float* x, float* y, long outer, long n, long inner);
/* labels and logits [outer, n, inner]; loss [outer, inner]. */
void softmax_xent_f32(const float* labels, const float* logits, float* loss, long outer, long n, long inner);

}  // namespace idem
