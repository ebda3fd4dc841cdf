/**
 * Convolution kernels of the wasm backend (NHWC, filter HWIO) as im2col + the wasm GEMM:
 * the patches P [B·OH·OW, FH·FW·C] (zeros outside the input) are written straight into the
 * module's memory, then
 *   Conv2D:               Y  = P · W            (W as [FH·FW·C, F])
 *   Conv2DBackpropFilter: dW = Pᵀ · dY
 *   Conv2DBackpropInput:  dP = dY · Wᵀ, scattered back onto dx (float64 sums, rounded once).
 * Geometry attrs as the reference kernels (strides, dilations, pad [top, bottom, left, right];
 * inputShape / filterShape for the gradients). Sums run in float32 in the GEMM's fixed order:
 * results equal the reference (float64 sums) within float32 rounding, ~1e-6·√K relative, and are
 * identical run to run and for any thread count.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import type { ReferenceBackend } from '../reference/backend.ts';

/**
 * C (m×n) = op(A)·op(B) in the module: `fillA(view, offset)` / `fillB` write A's `aLen` and B's
 * `bLen` float32 values into `view` from element `offset`; returns C (a new array).
 */
export type GemmCall = (m: number, n: number, k: number, ta: boolean, tb: boolean, aLen: number, bLen: number,
  fillA: (view: Float32Array, offset: number) => void, fillB: (view: Float32Array, offset: number) => void) => Float32Array;

interface Geo {
  batch: number; inH: number; inW: number; inC: number; outH: number; outW: number;
  fh: number; fw: number; sh: number; sw: number; dh: number; dw: number; top: number; left: number;
}

function geo(args: KernelArgs, xShape: readonly number[], fh: number, fw: number, outHW?: readonly number[]): Geo {
  const [sh, sw] = args.attrs['strides'] as number[];
  const [dh, dw] = (args.attrs['dilations'] as number[] | undefined) ?? [1, 1];
  const [top, bottom, left, right] = args.attrs['pad'] as number[];
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const out = (n: number, a: number, b: number, f: number, s: number, d: number) => Math.floor((n + a + b - ((f - 1) * d + 1)) / s) + 1;
  return {
    batch, inH, inW, inC, fh, fw, sh: sh!, sw: sw!, dh: dh!, dw: dw!, top: top!, left: left!,
    outH: outHW ? outHW[0]! : out(inH, top!, bottom!, fh, sh!, dh!),
    outW: outHW ? outHW[1]! : out(inW, left!, right!, fw, sw!, dw!),
  };
}

/** Writes the patch matrix of x into view[off …] (row per output pixel, column per tap·channel). */
function im2col(g: Geo, x: Float32Array, view: Float32Array, off: number): void {
  const K = g.fh * g.fw * g.inC;
  const C = g.inC;
  let row = off;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        let col = row;
        for (let ky = 0; ky < g.fh; ky++) {
          const iy = oy * g.sh + ky * g.dh - g.top;
          for (let kx = 0; kx < g.fw; kx++) {
            const ix = ox * g.sw + kx * g.dw - g.left;
            if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) view.fill(0, col, col + C);
            else {
              const src = ((b * g.inH + iy) * g.inW + ix) * C;
              view.set(x.subarray(src, src + C), col);
            }
            col += C;
          }
        }
        row += K;
      }
    }
  }
}

function f32(be: ReferenceBackend, t: TensorInfo): Float32Array | null {
  const v = t.dtype === 'float32' ? be.values(t) : null;
  return v instanceof Float32Array ? v : null;
}

export function convKernels(gemm: GemmCall, reference: Record<string, KernelFunc>): Record<string, KernelFunc> {
  return {
    Conv2D: (args) => {
      const be = args.backend as ReferenceBackend;
      const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
      const xv = f32(be, x);
      const wv = f32(be, filter);
      if (!xv || !wv) return reference['Conv2D']!(args);
      const [fh, fw, inC, outC] = filter.shape as [number, number, number, number];
      const g = geo(args, x.shape, fh, fw);
      const M = g.batch * g.outH * g.outW;
      const K = fh * fw * inC;
      const shape = [g.batch, g.outH, g.outW, outC];
      if (M * outC === 0 || K === 0) return be.make(new Float32Array(M * outC), shape, 'float32');
      const y = gemm(M, outC, K, false, false, M * K, K * outC, (v, o) => im2col(g, xv, v, o), (v, o) => v.set(wv, o));
      return be.make(y, shape, 'float32');
    },
    Conv2DBackpropFilter: (args) => {
      const be = args.backend as ReferenceBackend;
      const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
      const xv = f32(be, x);
      const dyv = f32(be, dy);
      if (!xv || !dyv) return reference['Conv2DBackpropFilter']!(args);
      const filterShape = (args.attrs['filterShape'] as number[]).slice();
      const [fh, fw, inC, outC] = filterShape as [number, number, number, number];
      const g = geo(args, x.shape, fh, fw, [dy.shape[1]!, dy.shape[2]!]);
      const M = g.batch * g.outH * g.outW;
      const K = fh * fw * inC;
      if (K * outC === 0 || M === 0) return be.make(new Float32Array(K * outC), filterShape, 'float32');
      const dw = gemm(K, outC, M, true, false, M * K, M * outC, (v, o) => im2col(g, xv, v, o), (v, o) => v.set(dyv, o));
      return be.make(dw, filterShape, 'float32');
    },
    Conv2DBackpropInput: (args) => {
      const be = args.backend as ReferenceBackend;
      const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
      const dyv = f32(be, dy);
      const wv = f32(be, filter);
      if (!dyv || !wv) return reference['Conv2DBackpropInput']!(args);
      const inputShape = (args.attrs['inputShape'] as number[]).slice();
      const [fh, fw, inC, outC] = filter.shape as [number, number, number, number];
      const g = geo(args, inputShape, fh, fw, [dy.shape[1]!, dy.shape[2]!]);
      const M = g.batch * g.outH * g.outW;
      const K = fh * fw * inC;
      const size = inputShape.reduce((a, b) => a * b, 1);
      if (size === 0 || M === 0 || K === 0 || outC === 0) return be.make(new Float32Array(size), inputShape, 'float32');
      const dp = gemm(M, K, outC, false, true, M * outC, K * outC, (v, o) => v.set(dyv, o), (v, o) => v.set(wv, o));
      // col2im: every patch entry back onto its input pixel, summed in float64.
      const acc = new Float64Array(size);
      const C = inC;
      let row = 0;
      for (let b = 0; b < g.batch; b++) {
        for (let oy = 0; oy < g.outH; oy++) {
          for (let ox = 0; ox < g.outW; ox++) {
            let col = row;
            for (let ky = 0; ky < fh; ky++) {
              const iy = oy * g.sh + ky * g.dh - g.top;
              for (let kx = 0; kx < fw; kx++) {
                const ix = ox * g.sw + kx * g.dw - g.left;
                if (iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW) {
                  const dst = ((b * g.inH + iy) * g.inW + ix) * C;
                  for (let c = 0; c < C; c++) acc[dst + c]! += dp[col + c]!;
                }
                col += C;
              }
            }
            row += K;
          }
        }
      }
      return be.make(Float32Array.from(acc), inputShape, 'float32');
    },
  };
}
