/**
 * Fused batch normalization kernels (training mode, statistics over all axes but the last),
 * native (native/src/norm.cc) and in JavaScript with the same float32 operations
 * (`referenceBatchNormKernels`, Math.fround), both bit-identical to what the BatchNormalization
 * layer's op-by-op composition computes — moments(x) then batchNorm(x, mean, variance, offset,
 * scale, ε) — and to its autodiff (the formulas, operation by operation, are in norm.h):
 *
 *   FusedBatchNorm      inputs { x, scale?, offset? }, attrs { epsilon } → [y, mean, variance]
 *     (mean, population variance: shape [C], C = the last axis)
 *   FusedBatchNormGrad  inputs { dy, x, scale?, mean, variance, dmean?, dvariance? },
 *     attrs { epsilon } → [dx, dscale, doffset]; dmean/dvariance are gradients arriving at the
 *     mean/variance outputs (exact, but then the addition order may differ from an autodiff of
 *     the composition). The op and its gradient: src/ops/batch_norm_training.ts.
 *
 * Bit-identity with the composition holds when x is used by nothing else (the composition adds
 * x's three partial gradients in tape order; a caller using x elsewhere adds dx to the rest).
 * These replace ~20 passes over the activations per layer and step by 3 forward and 3 backward.
 * The native backend has them (the reference backend does not: the op declares them as its fused
 * forms, and the engine runs the composition where they are missing).
 * `bench/w3.ts --fused-bn` measures W3 with a BatchNormalization whose training call uses them.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
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

/** Output storage: the native backend's pooled `allocF32` (all of it is written), else a new array. */
function out(be: ReferenceBackend, n: number): Float32Array {
  const pooled = (be as { allocF32?: (n: number) => Float32Array }).allocF32;
  return pooled ? pooled.call(be, n) : new Float32Array(n);
}

// ---------------------------------------------------------------- JavaScript (float32 operations)

const f = Math.fround;

export const referenceBatchNormKernels: Record<string, KernelFunc> = {
  FusedBatchNorm: (args) => {
    const be = args.backend as ReferenceBackend;
    const x = args.inputs['x']!;
    const scale = args.inputs['scale'];
    const offset = args.inputs['offset'];
    const eps = f(epsilonOf(args));
    const [M, C] = rowsAndChannels(x.shape);
    const xv = be.values(x);
    const sv = scale ? be.values(scale) : null;
    const ov = offset ? be.values(offset) : null;
    const mean = out(be, C);
    const variance = out(be, C);
    const s = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      let acc = 0;
      for (let r = 0; r < M; r++) acc += xv[r * C + c]!;
      const m = f(acc / M);
      acc = 0;
      for (let r = 0; r < M; r++) {
        const d = f(xv[r * C + c]! - m);
        acc += f(d * d);
      }
      const v = f(acc / M);
      mean[c] = m;
      variance[c] = v;
      const rr = f(1 / Math.sqrt(f(v + eps)));
      s[c] = sv ? f(rr * sv[c]!) : rr;
    }
    const y = out(be, M * C);
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < C; c++) {
        const z = f(f(xv[r * C + c]! - mean[c]!) * s[c]!);
        y[r * C + c] = ov ? f(z + ov[c]!) : z;
      }
    }
    return [be.make(y, x.shape, 'float32'), be.make(mean, [C], 'float32'), be.make(variance, [C], 'float32')];
  },

  FusedBatchNormGrad: (args) => {
    const be = args.backend as ReferenceBackend;
    const { dy, x, mean, variance } = args.inputs as Record<string, TensorInfo>;
    const scale = args.inputs['scale'];
    const dmv = args.inputs['dmean'] ? be.values(args.inputs['dmean']) : null;
    const dvv = args.inputs['dvariance'] ? be.values(args.inputs['dvariance']) : null;
    const eps = f(epsilonOf(args));
    const [M, C] = rowsAndChannels(x!.shape);
    const Mf = f(M);
    const dv = be.values(dy!);
    const xv = be.values(x!);
    const mv = be.values(mean!);
    const vv = be.values(variance!);
    const sv = scale ? be.values(scale) : null;
    const dx = out(be, M * C);
    const dscale = out(be, C);
    const doffset = out(be, C);
    const s = new Float32Array(C);
    const dsq = new Float32Array(C);
    const dx3 = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      const rr = f(1 / Math.sqrt(f(vv[c]! + eps)));
      s[c] = sv ? f(rr * sv[c]!) : rr;
      let sdy = 0;
      let sdyd = 0;
      let sdt = 0;
      for (let r = 0; r < M; r++) {
        const g = dv[r * C + c]!;
        sdy += g;
        sdyd += f(g * f(xv[r * C + c]! - mv[c]!));
        sdt += f(g * s[c]!);
      }
      doffset[c] = sdy;
      const ds = f(sdyd);
      let dmA = f(-sdt);
      if (dmv) dmA = f(dmA + dmv[c]!);
      const dr = sv ? f(ds * sv[c]!) : ds;
      dscale[c] = sv ? f(ds * rr) : 0;
      let dvar = f(dr * f(-0.5 * f(rr * f(rr * rr))));
      if (dvv) dvar = f(dvar + dvv[c]!);
      dsq[c] = f(dvar / Mf);
      let sdd = 0;
      for (let r = 0; r < M; r++) {
        const g = f(dsq[c]! * f(xv[r * C + c]! - mv[c]!));
        sdd += f(g + g);
      }
      dx3[c] = f(f(dmA + f(-sdd)) / Mf);
    }
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < C; c++) {
        const dt = f(dv[r * C + c]! * s[c]!);
        const g = f(dsq[c]! * f(xv[r * C + c]! - mv[c]!));
        dx[r * C + c] = f(f(dt + f(g + g)) + dx3[c]!);
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
