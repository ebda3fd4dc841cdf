/* Gather and scatter-add (see gather.h). */
#include "gather.h"

#include <cstdlib>
#include <cstring>

#include "pool.h"

namespace idem {

long gather_f32(const float* x, const int32_t* idx, float* out, long B, long M, long A, long N, long I) {
  for (long k = 0; k < B * I; k++)
    if (idx[k] < 0 || idx[k] >= A) return k;
  const long rows = B * M * I;
  auto body = [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const long i = r % I, bm = r / I, b = bm / M;
      std::memcpy(out + r * N, x + (bm * A + idx[b * I + i]) * N, static_cast<size_t>(N) * sizeof(float));
    }
  };
  if (rows * N < (1L << 18) || num_threads() <= 1) body(0, rows);
  else parallel_for(rows, (rows + 15) / 16, body);
  return -1;
}

long segment_sum_f32(const float* x, const int32_t* ids, long nIds, long N, long numSegments, float* out) {
  for (long q = 0; q < nIds; q++)
    if (ids[q] < 0 || ids[q] >= numSegments) return q;
  // Float64 accumulators only for the segments that are hit (a slot per segment, in first-hit order).
  int32_t* slot = static_cast<int32_t*>(std::malloc(static_cast<size_t>(numSegments > 0 ? numSegments : 1) * sizeof(int32_t)));
  if (!slot) return -2;
  for (long s = 0; s < numSegments; s++) slot[s] = -1;
  long used = 0;
  for (long q = 0; q < nIds; q++)
    if (slot[ids[q]] < 0) slot[ids[q]] = static_cast<int32_t>(used++);
  double* acc = static_cast<double*>(std::calloc(static_cast<size_t>(used * N > 0 ? used * N : 1), sizeof(double)));
  if (!acc) {
    std::free(slot);
    return -2;
  }
  for (long q = 0; q < nIds; q++) {
    double* a = acc + static_cast<long>(slot[ids[q]]) * N;
    const float* r = x + q * N;
    for (long n = 0; n < N; n++) a[n] += static_cast<double>(r[n]);
  }
  for (long s = 0; s < numSegments; s++) {
    float* o = out + s * N;
    if (slot[s] < 0) {
      std::memset(o, 0, static_cast<size_t>(N) * sizeof(float));
    } else {
      const double* a = acc + static_cast<long>(slot[s]) * N;
      for (long n = 0; n < N; n++) o[n] = static_cast<float>(a[n]);
    }
  }
  std::free(acc);
  std::free(slot);
  return -1;
}

}  // namespace idem
