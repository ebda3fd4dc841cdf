/*
 * Batch normalization in training mode over all axes but the last (x viewed as [M, C]),
 * computing exactly the float32 operations of the op-by-op composition the BatchNormalization
 * layer runs — moments(x) then batchNorm(x, mean, variance, offset, scale, ε) — and of its
 * autodiff, in the same order, so the results are bit-identical to it (compiled with
 * -ffp-contract=off). fl() is a float32 rounding, Σ a float64 sum over rows in increasing order
 * rounded once (the Mean/Sum kernels), ε and M as float32 scalars:
 *
 *   Forward:  m = fl(Σx / M), d = fl(x − m), var = fl(Σ fl(d·d) / M),
 *             r = fl(1/√fl(var + ε)), s = scale ? fl(r·scale) : r,
 *             y = offset ? fl(fl(d·s) + offset) : fl(d·s)
 *   Backward (dy the gradient of y):
 *             dt = fl(dy·s);  doffset = Σ dy;  ds = Σ fl(dy·d);  dmeanA = −Σ dt
 *             dr = scale ? fl(ds·scale) : ds;  dscale = fl(ds·r)
 *             dvar = fl(dr · fl(−0.5 · fl(r · fl(r·r))))   (+ dvariance, the gradient arriving
 *             at the variance output, when given);  dsq = fl(dvar / M)
 *             dd = fl(g + g), g = fl(dsq·d);  dmeanB = −Σ dd;  dm = fl(dmeanA + dmeanB) (+ dmean)
 *             dx = fl(fl(dt + dd) + fl(dm / M))
 * With dmean/dvariance given the result is the exact gradient but its addition order may differ
 * from an autodiff of the composition. Channel sums run sequentially per channel; threads take
 * whole channel blocks, so results never depend on the thread count.
 */
#pragma once

namespace idem {

void batch_norm_forward(const float* x, const float* scale, const float* offset, long M, long C, float eps,
                        float* y, float* mean_out, float* var_out);
void batch_norm_backward(const float* dy, const float* x, const float* scale, bool has_offset, const float* mean,
                         const float* var, const float* dmean, const float* dvar, long M, long C, float eps,
                         float* dx, float* dscale, float* doffset);

}  // namespace idem
