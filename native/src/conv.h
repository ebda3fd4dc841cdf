/*
 * idem native convolution and pooling kernels, NHWC, float32 (the reference backend's
 * contracts, src/backends/reference/kernels/conv.ts).
 *
 * Geometry: a filter tap (ky, kx) of output pixel (oy, ox) reads input pixel
 * (oy*sh + ky*dh - top, ox*sw + kx*dw - left); taps outside the input read zero (conv), are
 * skipped (max pool) or not counted (avg pool).
 *
 * Convolution = im2col + GEMM (idem::sgemm_mt): the im2col matrix has one row per output pixel
 * and one column per (ky, kx, i), the filter (HWIO) is the [fh*fw*inC, outC] matrix, so
 *   Conv2D:               Y[M, outC]  = col[M, K] · W[K, outC]
 *   Conv2DBackpropInput:  dcol[M, K]  = dY[M, outC] · Wᵀ, then col2im (scatter-add into dx)
 *   Conv2DBackpropFilter: dW[K, outC] = colᵀ · dY
 * with M = batch·outH·outW, K = fh·fw·inC. Rows are processed in chunks whose size depends on
 * the shape only. Numerics: float32 accumulation (FMA), within ~1e-6·√K relative of the
 * reference (float64); identical run to run and for any thread count.
 */
#pragma once
#include <cstddef>

namespace idem {

struct ConvGeo {
  long batch, inH, inW, inC;  // input (for pooling inC is the channel count of x and y)
  long outH, outW, outC;      // output (pooling: outC == inC)
  long fh, fw, sh, sw, dh, dw, top, left;
};

void conv2d_forward(const ConvGeo& g, const float* x, const float* w, float* y);
void conv2d_backprop_input(const ConvGeo& g, const float* dy, const float* w, float* dx);
void conv2d_backprop_filter(const ConvGeo& g, const float* x, const float* dy, float* dw);

/*
 * Depthwise (filter [fh, fw, C, mult], outC = C·mult): direct loops accumulating in float64 in
 * the reference's tap order, rounded once: bit-identical to the reference kernels.
 */
void depthwise_forward(const ConvGeo& g, long mult, const float* x, const float* w, float* y);
void depthwise_backprop_input(const ConvGeo& g, long mult, const float* dy, const float* w, float* dx);
void depthwise_backprop_filter(const ConvGeo& g, long mult, const float* x, const float* dy, float* dw);

/*
 * Pooling (pool2d.cc). Bit-identical to the reference: max is exact (first maximum of the window
 * in row-major tap order, NaN wins, -inf for an empty window); MaxPoolGrad adds each dy at its
 * window's first maximum (float64 accumulation when windows overlap); AvgPool sums the in-bounds
 * taps in float64 and divides by their count; AvgPoolGrad spreads dy/count in float64.
 */
void max_pool(const ConvGeo& g, const float* x, float* y);
void max_pool_grad(const ConvGeo& g, const float* dy, const float* x, float* dx);
void avg_pool(const ConvGeo& g, const float* x, float* y);
void avg_pool_grad(const ConvGeo& g, const float* dy, float* dx);

}  // namespace idem
