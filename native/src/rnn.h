/*
 * Fused recurrent sequence kernels: a whole SimpleRNN / LSTM / GRU layer call (all timesteps)
 * forward in one call, and its gradients in one call, computing exactly the float32 operations
 * of the op-by-op composition in src/ops/recurrent.ts — the same GEMMs (the BatchMatMul GEMM,
 * whose per-element summation order depends only on k), the same elementwise roundings, and in
 * the backward pass the same gradient contributions added in the order the tape's backprop adds
 * them — so results are bit-identical to the composition's, for any thread count.
 *
 * Layouts: x [B, T, I] (batch-major, as the layer's input), kernel W [I, G·U], recurrent kernel
 * R [U, G·U] (G gates: SimpleRNN 1, LSTM 4 (i f c o), GRU 3 (z r h)), bias [G·U] (GRU with
 * resetAfter: [2, 3U], input then recurrent bias), states [B, U], mask [B, T] (1 = step taken),
 * input dropout mask [B, I], recurrent dropout mask [B, U] (SimpleRNN only). Step s of the loop
 * reads time t = s (or T−1−s with goBackwards); outputs are in step order.
 *
 * The input projection x·W of every step is one GEMM ([B·T, I]·[I, G·U]: the same per-element
 * sums as the composition's per-step products); the recurrent products and the gate arithmetic
 * run per step, rows split over the thread pool; the backward pass runs per step in reverse,
 * then the input gradient of every step as one GEMM.
 */
#pragma once
#include <cstdint>

namespace idem {

enum RnnCell { kSimpleRnn = 0, kLstm = 1, kGru = 2 };
enum RnnAct { kLinear = 0, kTanh = 1, kSigmoid = 2, kRelu = 3 };

struct RnnArgs {
  int cell = kLstm;
  long B = 0, T = 0, I = 0, U = 0;
  int act = kTanh, ract = kSigmoid;
  bool goBackwards = false, returnSequences = false, zeroOutputForMask = false, resetAfter = true;
  const float* x = nullptr;
  const float* W = nullptr;
  const float* R = nullptr;
  const float* bias = nullptr;     // nullable
  const float* h0 = nullptr;       // nullable: zeros
  const float* c0 = nullptr;       // LSTM, nullable: zeros
  const uint8_t* mask = nullptr;   // nullable
  const float* inMask = nullptr;   // nullable
  const float* recMask = nullptr;  // nullable, SimpleRNN only
};

/* Gates per cell. */
int rnn_gates(int cell);
/* Floats of the forward pass's saved intermediates (the backward pass reads them). */
long rnn_saved_size(const RnnArgs& a);

/*
 * y: [B, T, U] with returnSequences, else [B, U]; hT, cT (LSTM; else unused) [B, U]; saved:
 * rnn_saved_size floats, or null when no gradient will be taken.
 */
/* false: out of memory (nothing useful written). */
bool rnn_forward(const RnnArgs& a, float* y, float* hT, float* cT, float* saved);

struct RnnGrads {
  /* Incoming gradients; null when absent (nothing downstream used that output). */
  const float* dy = nullptr;
  const float* dhT = nullptr;
  const float* dcT = nullptr;
  /* Outputs, null when not wanted. dh0 / dc0 only when the initial states were given. */
  float* dx = nullptr;
  float* dW = nullptr;
  float* dR = nullptr;
  float* db = nullptr;
  float* dh0 = nullptr;
  float* dc0 = nullptr;
};

bool rnn_backward(const RnnArgs& a, const float* saved, const RnnGrads& g);

}  // namespace idem
