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

namespace {

struct Bcast {
  const float* x;
  float* out;
  int rank;
  long xstride[16], ostride[16], xs[16], os[16];
  int plainFrom;  // axes ≥ plainFrom are not broadcast: one contiguous block

  void fill(int d, long xoff, long ooff) const {
    if (d >= plainFrom) {
      std::memcpy(out + ooff, x + xoff, static_cast<size_t>(d < rank ? ostride[d] * os[d] : 1) * sizeof(float));
      return;
    }
    if (xs[d] == 1 && os[d] > 1) {
      // One slice, then copies of it.
      fill(d + 1, xoff, ooff);
      for (long i = 1; i < os[d]; i++) std::memcpy(out + ooff + i * ostride[d], out + ooff, static_cast<size_t>(ostride[d]) * sizeof(float));
      return;
    }
    for (long i = 0; i < os[d]; i++) fill(d + 1, xoff + i * xstride[d], ooff + i * ostride[d]);
  }
};

}  // namespace

void broadcast_f32(const float* x, const long* xs, const long* os, int rank, float* out) {
  Bcast b{};
  b.x = x;
  b.out = out;
  b.rank = rank;
  long xst = 1, ost = 1;
  for (int d = rank - 1; d >= 0; d--) {
    b.xs[d] = xs[d];
    b.os[d] = os[d];
    b.xstride[d] = xst;
    b.ostride[d] = ost;
    xst *= xs[d];
    ost *= os[d];
  }
  b.plainFrom = rank;
  while (b.plainFrom > 0 && xs[b.plainFrom - 1] == os[b.plainFrom - 1]) b.plainFrom--;
  if (ost > 0) b.fill(0, 0, 0);
}

}  // namespace idem
