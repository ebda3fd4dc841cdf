/*
 * Float32 elementwise kernels (see elementwise.h): the loops are the current ISA path's
 * (loops_tpl.h, vectorised for AVX-512, AVX2 or the baseline), run on the thread pool in fixed
 * chunks from 2^17 elements up (each element computed alone: any split gives the same bits).
 */
#include "elementwise.h"

#include <vector>

#include "isa.h"
#include "pool.h"

namespace idem {

constexpr size_t kParallelFrom = size_t(1) << 17;  // elements
constexpr long kChunk = 32768;                        // elements per chunk

/* Runs body(begin, end) over [0, n) elements: serially below kParallelFrom, else in fixed chunks. */
template <typename B>
static void split(size_t n, B body) {
  if (n < kParallelFrom || num_threads() < 2) {
    body(0, static_cast<long>(n));
  } else {
    parallel_for(static_cast<long>(n), kChunk, body);
  }
}

/* Runs f(mode, a', b', out', n', inner) on chunks (a', b', out' offset for the chunk), as apply_mt did. */
template <typename Out, typename R>
static void apply_mt(int mode, const float* a, const float* b, Out* out, size_t n, size_t inner, R range) {
  if (n < kParallelFrom || num_threads() < 2) {
    range(mode, a, b, out, n, inner);
  } else if (mode >= 3) {
    // Whole rows per chunk (the row operand restarts at each row; a column advances by one per row).
    const long rows = static_cast<long>(n / inner);
    const long grain = static_cast<long>(inner) >= kChunk ? 1 : kChunk / static_cast<long>(inner);
    parallel_for(rows, grain, [&](long r0, long r1) {
      const size_t off = static_cast<size_t>(r0) * inner;
      const float* pa = mode == 3 || mode == 5 ? a + off : mode == 6 ? a + r0 : a;
      const float* pb = mode == 4 || mode == 6 ? b + off : mode == 5 ? b + r0 : b;
      range(mode, pa, pb, out + off, static_cast<size_t>(r1 - r0) * inner, inner);
    });
  } else {
    parallel_for(static_cast<long>(n), kChunk, [&](long i0, long i1) {
      range(mode, mode == 2 ? a : a + i0, mode == 1 ? b : b + i0, out + i0, static_cast<size_t>(i1 - i0), inner);
    });
  }
}

void binary_f32(int op, int mode, const float* a, const float* b, float* out, size_t n, size_t inner) {
  const IsaKernels& K = isa();
  apply_mt(mode, a, b, out, n, inner, [&](int md, const float* pa, const float* pb, float* po, size_t nn, size_t in) {
    K.binary(op, md, pa, pb, po, nn, in);
  });
}

void compare_f32(int op, int mode, const float* a, const float* b, uint8_t* out, size_t n, size_t inner) {
  const IsaKernels& K = isa();
  apply_mt(mode, a, b, out, n, inner, [&](int md, const float* pa, const float* pb, uint8_t* po, size_t nn, size_t in) {
    K.compare(op, md, pa, pb, po, nn, in);
  });
}

void relu_f32(const float* x, float* out, size_t n) {
  const IsaKernels& K = isa();
  split(n, [&](long b, long e) { K.relu(x + b, out + b, static_cast<size_t>(e - b)); });
}

void relu_grad_f32(const float* dy, const float* y, float* out, size_t n) {
  const IsaKernels& K = isa();
  split(n, [&](long b, long e) { K.relu_grad(dy + b, y + b, out + b, static_cast<size_t>(e - b)); });
}

void select_f32(const uint8_t* cond, const float* t, bool t_scalar, const float* e, bool e_scalar, float* out, size_t n) {
  const IsaKernels& K = isa();
  split(n, [&](long b, long end) {
    K.select(cond + b, t_scalar ? t : t + b, t_scalar, e_scalar ? e : e + b, e_scalar, out + b, static_cast<size_t>(end - b));
  });
}

void sum_f32(const float* x, float* out, size_t outer, size_t mid, size_t inner, bool mean) {
  const IsaKernels& K = isa();
  const long O = static_cast<long>(outer), Mi = static_cast<long>(mid), I = static_cast<long>(inner);
  if (O <= 0 || I <= 0) return;
  // Each output is one sequential float64 sum: threads take whole outputs (blocks of rows of the
  // output, or column blocks of one row), so any split gives the same bits.
  const double work = static_cast<double>(outer) * mid * inner;
  if (work < static_cast<double>(kParallelFrom) || num_threads() < 2) {
    K.sum(x, out, Mi, I, 0, O, 0, I, mean);
  } else if (O >= 16) {
    parallel_for(O, (O + 15) / 16, [&](long o0, long o1) { K.sum(x, out, Mi, I, o0, o1, 0, I, mean); });
  } else {
    // Few outputs rows (a bias gradient: one row of C sums over M): each thread one contiguous
    // range of columns (multiples of 16 floats, a cache line), so its pass over the rows reads
    // long runs.
    const long blocks = (I + 15) / 16;
    const int t = num_threads();
    const long grain = (blocks + t - 1) / t;
    for (long o = 0; o < O; o++) {
      parallel_for(blocks, grain, [&](long b0, long b1) {
        const long j0 = b0 * 16, j1 = b1 * 16 < I ? b1 * 16 : I;
        K.sum(x, out, Mi, I, o, o + 1, j0, j1, mean);
      });
    }
  }
}

}  // namespace idem
