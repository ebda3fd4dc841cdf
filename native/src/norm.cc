/*
 * Batch normalization forward / backward, bit-identical to the op-by-op composition (norm.h):
 * the passes are the current ISA path's loops (loops_tpl.h), split here over channel blocks
 * (the sums) and rows (the elementwise passes).
 */
#include "norm.h"

#include <cmath>
#include <functional>
#include <vector>

#include "isa.h"
#include "nn_parallel.h"

namespace idem {

namespace {

/*
 * fn(c0, c1) over one contiguous range of channels per thread (multiples of 16: whole cache
 * lines of a row), so each call sweeps the rows once per pass reading long contiguous runs; each
 * range runs over all M rows itself (sequential sums per channel), so any split — this one
 * depends on the thread count — gives the same bits.
 */
void over_channels(long M, long C, const std::function<void(long, long)>& fn) {
  constexpr long kBlock = 16;
  const long blocks = (C + kBlock - 1) / kBlock;
  const int t = num_threads();
  if (t <= 1 || blocks < 2 || static_cast<double>(M) * C < 65536.0) {
    fn(0, C);
    return;
  }
  const long grain = (blocks + t - 1) / t;
  parallel_for(blocks, grain, [&](long b0, long b1) {
    const long c0 = b0 * kBlock, c1 = b1 * kBlock < C ? b1 * kBlock : C;
    fn(c0, c1);
  });
}

/* Rows split for elementwise passes: any split (each element computed alone). */
void over_rows(long M, long C, const std::function<void(long, long)>& fn) { parallel_rows(M, C * 4, fn); }

}  // namespace

void batch_norm_forward(const float* x, const float* scale, const float* offset, long M, long C, float eps,
                        float* y, float* mean_out, float* var_out) {
  if (C <= 0) return;
  const IsaKernels& K = isa();
  std::vector<float> s(static_cast<size_t>(C));
  over_channels(M, C, [&](long c0, long c1) { K.bn_fwd_stats(x, scale, M, C, c0, c1, eps, mean_out, var_out, s.data()); });
  if (M <= 0) return;
  const float* sp = s.data();
  over_rows(M, C, [&](long r0, long r1) { K.bn_fwd_apply(x, mean_out, sp, offset, y, C, r0, r1); });
}

void batch_norm_backward(const float* dy, const float* x, const float* scale, bool has_offset, const float* mean,
                         const float* var, const float* dmean, const float* dvar, long M, long C, float eps,
                         float* dx, float* dscale, float* doffset) {
  if (C <= 0) return;
  const IsaKernels& K = isa();
  std::vector<float> s(static_cast<size_t>(C)), dsq(static_cast<size_t>(C)), dx3(static_cast<size_t>(C));
  over_channels(M, C, [&](long c0, long c1) {
    K.bn_bwd_stats(dy, x, scale, has_offset, mean, var, dmean, dvar, M, C, c0, c1, eps, s.data(), dsq.data(), dx3.data(),
                   dscale, doffset);
  });
  if (M <= 0) return;
  const float* sp = s.data();
  const float* qp = dsq.data();
  const float* ep = dx3.data();
  over_rows(M, C, [&](long r0, long r1) { K.bn_bwd_apply(dy, x, mean, sp, qp, ep, dx, C, r0, r1); });
}

}  // namespace idem
