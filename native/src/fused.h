/*
 * Fused kernels (kernel_fused.cc): several ops in one pass over memory, computing exactly the
 * float32 operations of the op-by-op composition, in the same order, each rounded to float32
 * (compiled with -ffp-contract=off: no FMA contraction), so their results are bit-identical to
 * the unfused ops on the reference backend.
 */
#pragma once
#include <cstddef>
#include <cstdint>

namespace idem {

/*
 * Philox-4x32-10 (as src/random/philox.ts): word i of stream (key, stream) comes from the block
 * with counter [i/4 (low 32 bits), i/4 (high 32 bits), stream lo, stream hi].
 * Dropout: keep_i = (word_i >> 9)·2⁻²³ >= rate (compared in float64), mask_i = keep_i ? 1 : 0,
 * y_i = float32(float32(x_i · scale) · mask_i)   (the op's mul(mul(x, scale), mask)).
 * x may be null (mask only). Threaded over fixed chunks (each element on its own: any split
 * gives the same bits).
 */
void dropout_f32(const float* x, float* y, float* mask, size_t n, uint32_t k0, uint32_t k1, uint32_t s_lo, uint32_t s_hi,
                 double rate, float scale);

/* The n Philox words of a stream (tests compare them with the JavaScript generator). */
void philox_words(uint32_t* out, size_t n, uint32_t k0, uint32_t k1, uint32_t s_lo, uint32_t s_hi);

/* One variable's arrays for a fused optimizer update (inputs, then new values written to out*). */
struct OptVar {
  size_t n;
  const float* g;
  const float* x;     // the variable
  const float* s0;    // first slot (Adam m, SGD momentum, RMSprop velocity) or null
  const float* s1;    // second slot (Adam v, RMSprop mg) or null
  const float* s2;    // third slot (RMSprop momentum) or null
  float* ox;
  float* os0;
  float* os1;
  float* os2;
};

/*
 * Adam (src/optimizers/adam.ts, amsgrad off), c1 = f32(1 − β₁), c2 = f32(1 − β₂), a = f32(α), e = f32(ε):
 *   m' = m + (g − m)·c1;  v' = v + (g·g − v)·c2;  x' = x − (m'·a)/(√v' + e)
 */
void adam_f32(OptVar* vars, size_t count, float c1, float c2, float a, float e);

/*
 * SGD (src/optimizers/sgd.ts), lr = f32(lr), mu = f32(μ):
 *   kind 0 plain:     x' = x − g·lr
 *   kind 1 momentum:  m' = m·mu − g·lr;  x' = x + m'
 *   kind 2 nesterov:  m' = m·mu − g·lr;  x' = x + (m'·mu − g·lr)
 */
void sgd_f32(OptVar* vars, size_t count, int kind, float lr, float mu);

/*
 * RMSprop (src/optimizers/rmsprop.ts), r = f32(ρ), c = f32(1 − ρ), lr, e = f32(ε), mom = f32(momentum):
 *   vel' = vel·r + (g·g)·c
 *   centered: mg' = mg·r + g·c;  den = (vel' − mg'·mg') + e   else den = vel' + e
 *   inc = (g·lr)/√den
 *   momentum > 0: mo' = mo·mom + inc;  x' = x − mo'   else x' = x − inc
 * Slots: s0 = vel, s1 = mg (centered) or null, s2 = momentum slot or null.
 */
void rmsprop_f32(OptVar* vars, size_t count, float r, float c, float lr, float e, bool centered, bool momentum, float mom);

/*
 * Dense layer forward: out = act(op(A)·op(B) + bias) for row-major m×n out; the GEMM is
 * sgemm_mt with BatchMatMul's strides (same results), then per element v = out + bias[j]
 * (float32) and, for act 1, relu(v) = v > 0 ? v : (v is NaN ? v : 0). bias may be null.
 */
void fused_matmul_f32(const float* a, const float* b, const float* bias, float* out, long m, long n, long k, bool ta,
                      bool tb, int act);

}  // namespace idem
