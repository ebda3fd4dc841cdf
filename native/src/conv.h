/*
 * idem native convolution and pooling kernels, NHWC, float32 (the reference backend's
 * contracts, src/backends/reference/kernels/conv.ts).
 *
 * Geometry: a filter tap (ky, kx) of output pixel (oy, ox) reads input pixel
 * (oy*sh + ky*dh - top, ox*sw + kx*dw - left); taps outside the input read zero (conv), are
 * skipped (max pool) or not counted (avg pool).
 *
 * Convolution = implicit GEMM on the current ISA path (isa.h): the im2col matrix (one row per
 * output pixel, one column per (ky, kx, i)) is never written out — the GEMM's packing routine
 * reads each panel straight from the image — and the filter (HWIO) is the [fh*fw*inC, outC]
 * matrix, packed once per call:
 *   Conv2D:               Y[M, outC]  = col[M, K] · W[K, outC]   (+ an optional epilogue: bias,
 *                         inference batch norm, residual add, relu; isa.h's Epilogue)
 *   Conv2DBackpropInput:  stride 1 and outC < 2·inC: an implicit GEMM over input pixels with the
 *                         taps mirrored (dx = col'(dY) · W'); strided or outC ≥ 2·inC:
 *                         dcol = dY · Wᵀ then col2im
 *   Conv2DBackpropFilter: dW[K, outC] = colᵀ · dY (colᵀ read from x)
 * with M = batch·outH·outW, K = fh·fw·inC. Numerics: float32 accumulation in the GEMM's order
 * (k blocks of 256, FMA; generic: multiply then add), within ~1e-6·√K relative of the reference
 * (float64); identical run to run, for any thread count and on every FMA ISA path.
 */
#pragma once
#include <cstddef>

namespace idem {

struct ConvGeo {
  long batch, inH, inW, inC;  // input (for pooling inC is the channel count of x and y)
  long outH, outW, outC;      // output (pooling: outC == inC)
  long fh, fw, sh, sw, dh, dw, top, left;
};

struct Epilogue;
void conv2d_forward(const ConvGeo& g, const float* x, const float* w, float* y, const Epilogue* ep = nullptr);
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
