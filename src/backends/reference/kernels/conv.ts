/**
 * Convolution and pooling kernels, NHWC, plain loops. Attributes: `strides` [sh, sw],
 * `dilations` [dh, dw], `pad` [top, bottom, left, right] (see ops/conv_util.ts). A filter tap
 * (ky, kx) of output pixel (oy, ox) reads input pixel (oy*sh + ky*dh - top, ox*sw + kx*dw - left);
 * taps outside the input read zero (conv), are skipped (max pool) or not counted (avg pool).
 *
 * - Conv2D: y[b,oy,ox,o] = Σ x[b,iy,ix,i] w[ky,kx,i,o]   (w: HWIO)
 * - Conv2DBackpropInput: dx = Σ dy·w scattered back (the transpose of Conv2D in x)
 * - Conv2DBackpropFilter: dw[ky,kx,i,o] = Σ x[b,iy,ix,i] dy[b,oy,ox,o]
 * - DepthwiseConv2dNative: y[b,oy,ox,i*M+m] = Σ x[b,iy,ix,i] w[ky,kx,i,m]   (w: [fh,fw,C,M])
 * - MaxPool / MaxPoolGrad (gradient to the first maximum of each window) / MaxPoolGradGrad
 * - AvgPool (mean over in-bounds taps) / AvgPoolGrad
 * Sums accumulate in float64; the output array rounds once.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../../core/backend.ts';
import { sizeFromShape } from '../../../core/shape.ts';
import { ref } from './util.ts';

interface Geo {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
}

function outSize(inSize: number, before: number, after: number, f: number, s: number, d: number): number {
  return Math.floor((inSize + before + after - ((f - 1) * d + 1)) / s) + 1;
}

/** Geometry from the input shape, filter size and attrs; output size from the padding unless given. */
function geo(args: KernelArgs, xShape: readonly number[], fh: number, fw: number, outHW?: readonly number[]): Geo {
  const [sh, sw] = args.attrs['strides'] as number[];
  const [dh, dw] = (args.attrs['dilations'] as number[] | undefined) ?? [1, 1];
  const [top, bottom, left, right] = args.attrs['pad'] as number[];
  const [batch, inH, inW, inC] = xShape as number[];
  return {
    batch: batch!,
    inH: inH!,
    inW: inW!,
    inC: inC!,
    outH: outHW ? outHW[0]! : outSize(inH!, top!, bottom!, fh, sh!, dh!),
    outW: outHW ? outHW[1]! : outSize(inW!, left!, right!, fw, sw!, dw!),
    fh,
    fw,
    sh: sh!,
    sw: sw!,
    dh: dh!,
    dw: dw!,
    top: top!,
    left: left!,
  };
}

/**
 * The taps k in [0, f) of output position o whose input position o·s + k·d − before lies in
 * [0, inSize): [lo, hi), empty when lo ≥ hi. A window far larger than the input visits only
 * these (its work is bounded by the input), in the same order as a loop over every tap.
 */
function tapRange(o: number, s: number, d: number, before: number, f: number, inSize: number): [number, number] {
  const start = o * s - before; // input position of tap 0
  const lo = start >= 0 ? 0 : Math.ceil(-start / d);
  const hi = Math.min(f, Math.floor((inSize - 1 - start) / d) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Calls `fn(xPix, yPix, ky, kx)` for every in-bounds tap, in row-major tap order, where `xPix` =
 * b*inH*inW + iy*inW + ix and `yPix` = b*outH*outW + oy*outW + ox are pixel indices (multiply by
 * channels for offsets).
 */
function forEachTap(g: Geo, fn: (xPix: number, yPix: number, ky: number, kx: number) => void): void {
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      const [ky0, ky1] = tapRange(oy, g.sh, g.dh, g.top, g.fh, g.inH);
      for (let ox = 0; ox < g.outW; ox++) {
        const yPix = (b * g.outH + oy) * g.outW + ox;
        const [kx0, kx1] = tapRange(ox, g.sw, g.dw, g.left, g.fw, g.inW);
        for (let ky = ky0; ky < ky1; ky++) {
          const iy = oy * g.sh + ky * g.dh - g.top;
          for (let kx = kx0; kx < kx1; kx++) {
            const ix = ox * g.sw + kx * g.dw - g.left;
            fn((b * g.inH + iy) * g.inW + ix, yPix, ky, kx);
          }
        }
      }
    }
  }
}

/** Copies a float64 accumulator into a backend array of `shape`. */
function finish(args: KernelArgs, acc: Float64Array, shape: number[]): TensorInfo {
  const be = ref(args);
  const out = be.alloc('float32', acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = acc[i]!;
  return be.make(out, shape, 'float32');
}

// ---------------------------------------------------------------- Conv2D

const conv2D: KernelFunc = (args) => {
  const be = ref(args);
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const [fh, fw, inC, outC] = filter.shape as number[];
  const g = geo(args, x.shape, fh!, fw!);
  const xv = be.values(x);
  const wv = be.values(filter);
  const acc = new Float64Array(g.batch * g.outH * g.outW * outC!);
  forEachTap(g, (xPix, yPix, ky, kx) => {
    const xo = xPix * inC!;
    const yo = yPix * outC!;
    const wo = (ky * fw! + kx) * inC! * outC!;
    for (let i = 0; i < inC!; i++) {
      const xi = xv[xo + i]!;
      const wi = wo + i * outC!;
      for (let o = 0; o < outC!; o++) acc[yo + o]! += xi * wv[wi + o]!;
    }
  });
  return finish(args, acc, [g.batch, g.outH, g.outW, outC!]);
};

const conv2DBackpropInput: KernelFunc = (args) => {
  const be = ref(args);
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = args.attrs['inputShape'] as number[];
  const [fh, fw, inC, outC] = filter.shape as number[];
  const g = geo(args, inputShape, fh!, fw!, [dy.shape[1]!, dy.shape[2]!]);
  const dyv = be.values(dy);
  const wv = be.values(filter);
  const acc = new Float64Array(sizeFromShape(inputShape));
  forEachTap(g, (xPix, yPix, ky, kx) => {
    const xo = xPix * inC!;
    const yo = yPix * outC!;
    const wo = (ky * fw! + kx) * inC! * outC!;
    for (let i = 0; i < inC!; i++) {
      const wi = wo + i * outC!;
      let s = 0;
      for (let o = 0; o < outC!; o++) s += dyv[yo + o]! * wv[wi + o]!;
      acc[xo + i]! += s;
    }
  });
  return finish(args, acc, inputShape.slice());
};

const conv2DBackpropFilter: KernelFunc = (args) => {
  const be = ref(args);
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const filterShape = args.attrs['filterShape'] as number[];
  const [fh, fw, inC, outC] = filterShape as number[];
  const g = geo(args, x.shape, fh!, fw!, [dy.shape[1]!, dy.shape[2]!]);
  const xv = be.values(x);
  const dyv = be.values(dy);
  const acc = new Float64Array(sizeFromShape(filterShape));
  forEachTap(g, (xPix, yPix, ky, kx) => {
    const xo = xPix * inC!;
    const yo = yPix * outC!;
    const wo = (ky * fw! + kx) * inC! * outC!;
    for (let i = 0; i < inC!; i++) {
      const xi = xv[xo + i]!;
      const wi = wo + i * outC!;
      for (let o = 0; o < outC!; o++) acc[wi + o]! += xi * dyv[yo + o]!;
    }
  });
  return finish(args, acc, filterShape.slice());
};

// ---------------------------------------------------------------- depthwise

const depthwise: KernelFunc = (args) => {
  const be = ref(args);
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const [fh, fw, inC, mult] = filter.shape as number[];
  const g = geo(args, x.shape, fh!, fw!);
  const outC = inC! * mult!;
  const xv = be.values(x);
  const wv = be.values(filter);
  const acc = new Float64Array(g.batch * g.outH * g.outW * outC);
  forEachTap(g, (xPix, yPix, ky, kx) => {
    const xo = xPix * inC!;
    const yo = yPix * outC;
    const wo = (ky * fw! + kx) * outC;
    for (let i = 0; i < inC!; i++) {
      const xi = xv[xo + i]!;
      for (let m = 0; m < mult!; m++) acc[yo + i * mult! + m]! += xi * wv[wo + i * mult! + m]!;
    }
  });
  return finish(args, acc, [g.batch, g.outH, g.outW, outC]);
};

const depthwiseBackpropInput: KernelFunc = (args) => {
  const be = ref(args);
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = args.attrs['inputShape'] as number[];
  const [fh, fw, inC, mult] = filter.shape as number[];
  const outC = inC! * mult!;
  const g = geo(args, inputShape, fh!, fw!, [dy.shape[1]!, dy.shape[2]!]);
  const dyv = be.values(dy);
  const wv = be.values(filter);
  const acc = new Float64Array(sizeFromShape(inputShape));
  forEachTap(g, (xPix, yPix, ky, kx) => {
    const xo = xPix * inC!;
    const yo = yPix * outC;
    const wo = (ky * fw! + kx) * outC;
    for (let i = 0; i < inC!; i++) {
      let s = 0;
      for (let m = 0; m < mult!; m++) s += dyv[yo + i * mult! + m]! * wv[wo + i * mult! + m]!;
      acc[xo + i]! += s;
    }
  });
  return finish(args, acc, inputShape.slice());
};

const depthwiseBackpropFilter: KernelFunc = (args) => {
  const be = ref(args);
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const filterShape = args.attrs['filterShape'] as number[];
  const [fh, fw, inC, mult] = filterShape as number[];
  const outC = inC! * mult!;
  const g = geo(args, x.shape, fh!, fw!, [dy.shape[1]!, dy.shape[2]!]);
  const xv = be.values(x);
  const dyv = be.values(dy);
  const acc = new Float64Array(sizeFromShape(filterShape));
  forEachTap(g, (xPix, yPix, ky, kx) => {
    const xo = xPix * inC!;
    const yo = yPix * outC;
    const wo = (ky * fw! + kx) * outC;
    for (let i = 0; i < inC!; i++) {
      const xi = xv[xo + i]!;
      for (let m = 0; m < mult!; m++) acc[wo + i * mult! + m]! += xi * dyv[yo + i * mult! + m]!;
    }
  });
  return finish(args, acc, filterShape.slice());
};

// ---------------------------------------------------------------- pooling

function poolGeo(args: KernelArgs, xShape: readonly number[], outHW?: readonly number[]): Geo {
  const [fh, fw] = args.attrs['filterSize'] as number[];
  return geo(args, xShape, fh!, fw!, outHW);
}

/**
 * For every output element (b, oy, ox, c) the flat input index of the first maximum of its
 * window (row-major tap order; NaN wins as TensorFlow propagates it), or -1 for an empty window.
 */
function maxArgs(g: Geo, xv: ArrayLike<number>): Int32Array {
  const C = g.inC;
  const arg = new Int32Array(g.batch * g.outH * g.outW * C).fill(-1);
  const best = new Float64Array(arg.length).fill(-Infinity);
  forEachTap(g, (xPix, yPix) => {
    for (let c = 0; c < C; c++) {
      const p = yPix * C + c;
      const v = xv[xPix * C + c]!;
      const cur = best[p]!;
      if (arg[p] === -1 || v > cur || (v !== v && cur === cur)) {
        best[p] = v;
        arg[p] = xPix * C + c;
      }
    }
  });
  return arg;
}

const maxPool: KernelFunc = (args) => {
  const be = ref(args);
  const x = args.inputs['x']!;
  const g = poolGeo(args, x.shape);
  const xv = be.values(x);
  const arg = maxArgs(g, xv);
  const out = be.alloc(x.dtype, arg.length);
  for (let p = 0; p < arg.length; p++) out[p] = arg[p]! < 0 ? -Infinity : xv[arg[p]!]!;
  return be.make(out, [g.batch, g.outH, g.outW, g.inC], x.dtype);
};

/** dx: each dy element added at its window's first maximum. Inputs: dy, x. */
const maxPoolGrad: KernelFunc = (args) => {
  const be = ref(args);
  const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
  const g = poolGeo(args, x.shape, [dy.shape[1]!, dy.shape[2]!]);
  const arg = maxArgs(g, be.values(x));
  const dyv = be.values(dy);
  const acc = new Float64Array(sizeFromShape(x.shape));
  for (let p = 0; p < arg.length; p++) if (arg[p]! >= 0) acc[arg[p]!]! += dyv[p]!;
  return finish(args, acc, x.shape.slice());
};

/** The gradient of MaxPoolGrad in dy: `ddx` read at each window's first maximum. Inputs: x, ddx. */
const maxPoolGradGrad: KernelFunc = (args) => {
  const be = ref(args);
  const { x, ddx } = args.inputs as { x: TensorInfo; ddx: TensorInfo };
  const g = poolGeo(args, x.shape);
  const arg = maxArgs(g, be.values(x));
  const dv = be.values(ddx);
  const out = be.alloc('float32', arg.length);
  for (let p = 0; p < arg.length; p++) out[p] = arg[p]! >= 0 ? dv[arg[p]!]! : 0;
  return be.make(out, [g.batch, g.outH, g.outW, g.inC], 'float32');
};

/** Per output pixel, the number of in-bounds taps of its window. */
function tapCounts(g: Geo): Int32Array {
  const n = new Int32Array(g.batch * g.outH * g.outW);
  forEachTap(g, (_x, yPix) => {
    n[yPix]!++;
  });
  return n;
}

const avgPool: KernelFunc = (args) => {
  const x = args.inputs['x']!;
  const g = poolGeo(args, x.shape);
  const xv = ref(args).values(x);
  const C = g.inC;
  const acc = new Float64Array(g.batch * g.outH * g.outW * C);
  forEachTap(g, (xPix, yPix) => {
    for (let c = 0; c < C; c++) acc[yPix * C + c]! += xv[xPix * C + c]!;
  });
  const n = tapCounts(g);
  for (let p = 0; p < acc.length; p++) acc[p]! /= n[Math.floor(p / C)]!;
  return finish(args, acc, [g.batch, g.outH, g.outW, C]);
};

/** dx: each dy element spread evenly over the in-bounds taps of its window. Input: dy; attr inputShape. */
const avgPoolGrad: KernelFunc = (args) => {
  const dy = args.inputs['dy']!;
  const inputShape = args.attrs['inputShape'] as number[];
  const g = poolGeo(args, inputShape, [dy.shape[1]!, dy.shape[2]!]);
  const dyv = ref(args).values(dy);
  const n = tapCounts(g);
  const C = g.inC;
  const acc = new Float64Array(sizeFromShape(inputShape));
  forEachTap(g, (xPix, yPix) => {
    for (let c = 0; c < C; c++) acc[xPix * C + c]! += dyv[yPix * C + c]! / n[yPix]!;
  });
  return finish(args, acc, inputShape.slice());
};

export const convKernels: Record<string, KernelFunc> = {
  Conv2D: conv2D,
  Conv2DBackpropInput: conv2DBackpropInput,
  Conv2DBackpropFilter: conv2DBackpropFilter,
  DepthwiseConv2dNative: depthwise,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  MaxPool: maxPool,
  MaxPoolGrad: maxPoolGrad,
  MaxPoolGradGrad: maxPoolGradGrad,
  AvgPool: avgPool,
  AvgPoolGrad: avgPoolGrad,
};
