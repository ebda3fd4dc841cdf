/*
 * Batch normalization over the leading axes, channels last: x viewed as [M, C] (NHWC images or
 * [batch, features]), statistics per channel over the M rows (training mode).
 *
 *   Forward:  mean = Σx / M,  var = Σx² / M − mean² (population variance, ≥ 0),
 *             inv = 1/√(var + ε),  y = (x − mean)·(inv·scale) + offset
 *   Backward: doffset = Σ dy,  dscale = inv · Σ dy·(x − mean),
 *             dx = inv·scale · (dy − doffset/M − (x − mean)·inv·dscale/M)
 *                  + dmean/M + dvar·2(x − mean)/M
 * (the exact gradient of the forward through mean and var; dmean/dvar are the gradients arriving
 * at the mean and variance outputs, null when none). scale/offset may be null (1 / 0).
 *
 * Numerics: channel sums in float64 over fixed row chunks (their size depends on M only),
 * partials added in chunk order: identical for any thread count. Per-element work is float32
 * with float32 per-channel coefficients: within a few float32 ulps of the float64 formulas.
 */
#pragma once

namespace idem {

void batch_norm_forward(const float* x, const float* scale, const float* offset, long M, long C, double eps,
                        float* y, float* mean_out, float* var_out);
void batch_norm_backward(const float* dy, const float* x, const float* scale, const float* mean, const float* var,
                         const float* dmean, const float* dvar, long M, long C, double eps, float* dx, float* dscale,
                         float* doffset);

}  // namespace idem
