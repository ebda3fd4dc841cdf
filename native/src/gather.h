/*
 * Gather and its gradient's scatter-add for the native backend (the GatherV2 and
 * UnsortedSegmentSum kernels of src/backends/reference/kernels/shape.ts, bit-identical):
 *
 *   gather_f32     out[((b·M + m)·I + i)·N + n] = x[((b·M + m)·A + idx[b·I + i])·N + n]
 *   segment_sum_f32 out[s·N + n] = Σ over q with ids[q] = s, in increasing q, of x[q·N + n],
 *                  accumulated in float64 from +0 and rounded once (segments nothing hits: +0)
 *
 *   broadcast_f32  out (shape os) = x (shape xs, the same rank, each axis equal or 1) broadcast
 *
 * gather_f32 and segment_sum_f32 return −1, or the flat position of the first index out of range (nothing written then;
 * the caller reports it).
 */
#pragma once
#include <cstdint>

namespace idem {

long gather_f32(const float* x, const int32_t* idx, float* out, long B, long M, long A, long N, long I);
long segment_sum_f32(const float* x, const int32_t* ids, long nIds, long N, long numSegments, float* out);
void broadcast_f32(const float* x, const long* xs, const long* os, int rank, float* out);

}  // namespace idem
