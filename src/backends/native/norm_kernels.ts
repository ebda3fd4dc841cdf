/**
 * Fused batch normalization kernels (training mode, channels last), native (native/src/norm.cc)
 * and a float64 JavaScript oracle with the same contract:
 *
 *   FusedBatchNorm      inputs { x, scale?, offset? }, attrs { epsilon } → [y, mean, variance]
 *     x viewed as [M, C] (C = last axis); per channel mean = Σx/M, variance = Σ(x − mean)²/M
 *     (population), y = (x − mean) / √(variance + ε) · scale + offset (scale 1, offset 0 when
 *     absent). mean and variance have shape [C].
 *   FusedBatchNormGrad  inputs { dy, x, scale?, mean, variance, dmean?, dvariance? },
 *     attrs { epsilon } → [dx, dscale, doffset], the exact gradient of FusedBatchNorm through
 *     mean and variance (dmean, dvariance: gradients arriving at those outputs):
 *     inv = 1/√(variance + ε), doffset = Σ dy, dscale = inv·Σ dy·(x − mean),
 *     dx = inv·scale·(dy − doffset/M − (x − mean)·inv·dscale/M) + dmean/M + dvariance·2(x − mean)/M.
 *   `fusedBatchNormGradient` is its gradient function for ENGINE.registerGradient.
 *
 * These replace the op-by-op batch-norm composition (moments + batchNorm and their autodiff,
 * about 20 passes over the activations per layer and step) by two passes forward and two
 * backward. The native backend has them (the reference backend does not: a caller tests
 * `ENGINE.hasKernel('FusedBatchNorm')` and otherwise runs the composition); the gradient of
 * `FusedBatchNorm` is registered when this module loads. The BatchNormalization layer does not
 * call them yet; `bench/w3.ts --fused-bn` measures W3 with a layer whose training call does.
 *
 * Native numerics: channel sums in float64 over fixed row chunks (thread-count invariant),
 * per-element work in float32: within a few float32 ulps of the oracle (relative to the scale
 * of each term).
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { ENGINE, type GradFunc } from '../../core/engine.ts';
import type { Tensor } from '../../core/tensor.ts';
import { sizeFromShape } from '../../core/shape.ts';
import type { ReferenceBackend } from '../reference/backend.ts';

/** The addon's batch-norm entry points (native/src/nn_napi.cc). */
export interface NormAddon {
  batchNormForward(M: number, C: number, eps: number, x: Float32Array, scale: Float32Array, offset: Float32Array,
    y: Float32Array, mean: Float32Array, variance: Float32Array): void;
  /** scale, dmean, dvariance may be empty (absent). */
  batchNormBackward(M: number, C: number, eps: number, dy: Float32Array, x: Float32Array, scale: Float32Array,
    mean: Float32Array, variance: Float32Array, dmean: Float32Array, dvariance: Float32Array,
    dx: Float32Array, dscale: Float32Array, doffset: Float32Array): void;
}

export function hasNormKernels(addon: object): addon is NormAddon {
  const a = addon as Partial<NormAddon>;
  return typeof a.batchNormForward === 'function' && typeof a.batchNormBackward === 'function';
}

/** [M, C] of x (C the last axis; a scalar x is one channel of one row). */
function rowsAndChannels(shape: readonly number[]): [number, number] {
  const C = shape.length ? shape[shape.length - 1]! : 1;
  return [C === 0 ? 0 : sizeFromShape(shape) / C, C];
}

function epsilonOf(args: KernelArgs): number {
  const e = args.attrs['epsilon'];
  return typeof e === 'number' ? e : 0.001;
}

// ---------------------------------------------------------------- float64 oracle

export const referenceBatchNormKernels: Record<string, KernelFunc> = {
  FusedBatchNorm: (args) => {
    const be = args.backend as ReferenceBackend;
    const x = args.inputs['x']!;
    const scale = args.inputs['scale'];
    const offset = args.inputs['offset'];
    const eps = epsilonOf(args);
    const [M, C] = rowsAndChannels(x.shape);
    const xv = be.values(x);
    const sv = scale ? be.values(scale) : null;
    const ov = offset ? be.values(offset) : null;
    const mean = new Float64Array(C);
    const variance = new Float64Array(C);
    for (let r = 0; r < M; r++) for (let c = 0; c < C; c++) mean[c]! += xv[r * C + c]!;
    for (let c = 0; c < C; c++) mean[c]! /= M;
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < C; c++) {
        const d = xv[r * C + c]! - mean[c]!;
        variance[c]! += d * d;
      }
    }
    for (let c = 0; c < C; c++) variance[c]! /= M;
    const y = be.alloc('float32', M * C);
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < C; c++) {
        const inv = 1 / Math.sqrt(variance[c]! + eps);
        y[r * C + c] = (xv[r * C + c]! - mean[c]!) * inv * (sv ? sv[c]! : 1) + (ov ? ov[c]! : 0);
      }
    }
    const m = be.alloc('float32', C);
    const v = be.alloc('float32', C);
    m.set(mean);
    v.set(variance);
    return [be.make(y, x.shape, 'float32'), be.make(m, [C], 'float32'), be.make(v, [C], 'float32')];
  },

  FusedBatchNormGrad: (args) => {
    const be = args.backend as ReferenceBackend;
    const { dy, x, mean, variance } = args.inputs as Record<string, TensorInfo>;
    const scale = args.inputs['scale'];
    const dmv = args.inputs['dmean'] ? be.values(args.inputs['dmean']) : null;
    const dvv = args.inputs['dvariance'] ? be.values(args.inputs['dvariance']) : null;
    const eps = epsilonOf(args);
    const [M, C] = rowsAndChannels(x!.shape);
    const dv = be.values(dy!);
    const xv = be.values(x!);
    const mv = be.values(mean!);
    const vv = be.values(variance!);
    const sv = scale ? be.values(scale) : null;
    const sumDy = new Float64Array(C);
    const sumDyXc = new Float64Array(C);
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < C; c++) {
        const d = dv[r * C + c]!;
        sumDy[c]! += d;
        sumDyXc[c]! += d * (xv[r * C + c]! - mv[c]!);
      }
    }
    const dx = be.alloc('float32', M * C);
    const dscale = be.alloc('float32', C);
    const doffset = be.alloc('float32', C);
    for (let c = 0; c < C; c++) {
      const inv = 1 / Math.sqrt(vv[c]! + eps);
      doffset[c] = sumDy[c]!;
      dscale[c] = sumDyXc[c]! * inv;
    }
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < C; c++) {
        const inv = 1 / Math.sqrt(vv[c]! + eps);
        const g = sv ? sv[c]! : 1;
        const xc = xv[r * C + c]! - mv[c]!;
        dx[r * C + c] = inv * g * (dv[r * C + c]! - sumDy[c]! / M - xc * inv * inv * sumDyXc[c]! / M) +
          (dmv ? dmv[c]! / M : 0) + (dvv ? (2 * dvv[c]! * xc) / M : 0);
      }
    }
    return [be.make(dx, x!.shape, 'float32'), be.make(dscale, [C], 'float32'), be.make(doffset, [C], 'float32')];
  },
};

// ---------------------------------------------------------------- native

function f32(be: ReferenceBackend, t: TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== 'float32') return null;
  const v = be.values(t);
  return v instanceof Float32Array ? v : null;
}

const EMPTY = new Float32Array(0);

/** Output storage: the native backend's pooled `allocF32` (all of it is written), else a new array. */
function out(be: ReferenceBackend, n: number): Float32Array {
  const pooled = (be as { allocF32?: (n: number) => Float32Array }).allocF32;
  return pooled ? pooled.call(be, n) : new Float32Array(n);
}

/** Native FusedBatchNorm / FusedBatchNormGrad; other dtypes or shapes run `fallback[name]`. */
export function nativeNormKernels(addon: NormAddon, fallback: Record<string, KernelFunc>): Record<string, KernelFunc> {
  const channelVector = (t: TensorInfo | undefined, C: number): boolean => t === undefined || (t.shape.length === 1 && t.shape[0] === C);
  return {
    FusedBatchNorm: (args) => {
      const be = args.backend as ReferenceBackend;
      const { x, scale, offset } = args.inputs as Record<string, TensorInfo | undefined>;
      const [M, C] = rowsAndChannels(x!.shape);
      const xv = f32(be, x);
      const sv = scale ? f32(be, scale) : EMPTY;
      const ov = offset ? f32(be, offset) : EMPTY;
      if (!xv || !sv || !ov || x!.shape.length === 0 || !channelVector(scale, C) || !channelVector(offset, C)) return fallback['FusedBatchNorm']!(args);
      const y = out(be, M * C);
      const mean = out(be, C);
      const variance = out(be, C);
      addon.batchNormForward(M, C, epsilonOf(args), xv, sv, ov, y, mean, variance);
      return [be.make(y, x!.shape, 'float32'), be.make(mean, [C], 'float32'), be.make(variance, [C], 'float32')];
    },
    FusedBatchNormGrad: (args) => {
      const be = args.backend as ReferenceBackend;
      const { dy, x, scale, mean, variance, dmean, dvariance } = args.inputs as Record<string, TensorInfo | undefined>;
      const [M, C] = rowsAndChannels(x!.shape);
      const dv = f32(be, dy);
      const xv = f32(be, x);
      const sv = scale ? f32(be, scale) : EMPTY;
      const mv = f32(be, mean);
      const vv = f32(be, variance);
      const dmv = dmean ? f32(be, dmean) : EMPTY;
      const dvv = dvariance ? f32(be, dvariance) : EMPTY;
      if (!dv || !xv || !sv || !mv || !vv || !dmv || !dvv || x!.shape.length === 0 || dv.length !== xv.length ||
          !channelVector(scale, C) || !channelVector(mean, C) || !channelVector(variance, C) ||
          !channelVector(dmean, C) || !channelVector(dvariance, C)) return fallback['FusedBatchNormGrad']!(args);
      const dx = out(be, M * C);
      const dscale = out(be, C);
      const doffset = out(be, C);
      addon.batchNormBackward(M, C, epsilonOf(args), dv, xv, sv, mv, vv, dmv, dvv, dx, dscale, doffset);
      return [be.make(dx, x!.shape, 'float32'), be.make(dscale, [C], 'float32'), be.make(doffset, [C], 'float32')];
    },
  };
}

/**
 * The gradient of `FusedBatchNorm` (for `ENGINE.registerGradient('FusedBatchNorm', …)`): one
 * `FusedBatchNormGrad` call, shared by the x, scale and offset thunks; the gradients arriving at
 * the mean and variance outputs (`dys[1]`, `dys[2]`) are passed on as dmean / dvariance.
 */
export const fusedBatchNormGradient: GradFunc = (dy, { inputs, outputs, attrs }, dys) => {
  let res: Tensor[] | null = null;
  const run = (): Tensor[] => {
    if (res) return res;
    const ins: Record<string, Tensor> = { dy, x: inputs['x']!, mean: outputs[1]!, variance: outputs[2]! };
    if (inputs['scale']) ins['scale'] = inputs['scale'];
    if (dys[1]) ins['dmean'] = dys[1];
    if (dys[2]) ins['dvariance'] = dys[2];
    res = ENGINE.runKernelMulti('FusedBatchNormGrad', ins, { epsilon: attrs['epsilon'] });
    return res;
  };
  const out: Record<string, () => Tensor> = { x: () => run()[0]! };
  if (inputs['scale']) out['scale'] = () => run()[1]!;
  if (inputs['offset']) out['offset'] = () => run()[2]!;
  return out;
};

ENGINE.registerGradient('FusedBatchNorm', fusedBatchNormGradient);
