/**
 * Native fused kernels (native/src/kernel_fused.cc through fused_napi.cc). Each computes the
 * float32 operations of an op-by-op composition in one pass, in the same order and with the
 * same roundings, so the results are bit-identical to the unfused ops (on any backend whose
 * elementwise kernels round each operation to float32, the reference included):
 *
 * - `Dropout` (inputs x; attrs rate, key0, key1, stream): outputs [y, mask], mask_i = 1 where
 *   the Philox uniform u_i ≥ rate else 0 (the draws of src/random/philox.ts for that stream),
 *   y = (x · f32(1/(1 − rate))) · mask — what src/ops/dropout.ts computes with two `mul`s.
 * - `AdamUpdate`, `SGDUpdate`, `RMSpropUpdate` (inputs g0, x0, <slot>0…, g1, x1, …; named
 *   attributes: src/core/kernels.ts): the new values of every variable and slot of an Adam /
 *   SGD / RMSprop step (formulas in native/src/fused.h and src/optimizers/*.ts), all variables
 *   in one call, threaded in fixed chunks. Outputs per variable: [x', slot', …]. Not
 *   differentiable (optimizers run with tapes paused).
 *
 * - `_FusedMatMul` (inputs a, b [, bias]; attrs transposeA, transposeB, activation 'linear' |
 *   'relu'; rank-2 float32, bias [n]): act(op(a)·op(b) + bias) — the BatchMatMul GEMM, then the
 *   bias add and relu on each float32 result: what matMul + add + relu compute (src/ops/fused_mat_mul.ts).
 *
 * - `_ReluGrad` (inputs dy, y, same shape, float32): y > 0 ? dy : +0 — relu's gradient
 *   where(greater(y, 0), dy, 0) from its output, in one pass (used by fused.matMul's gradient).
 *
 * Backward kernels: several gradient ops of one node in one kernel call, each computed by the
 * very addon routine its separate kernel uses (same bits); intermediates live in pooled scratch
 * arrays and never become tensors. They save the framework's per-op work (tensor objects, tape
 * and scope bookkeeping), not arithmetic. Used when no outer tape records the backward pass
 * (second order differentiates the composition):
 *
 * - `_FusedMatMulGrad` (inputs dy, a, b [, y]; attrs transposeA, transposeB, activation, grads
 *   bit mask 1 a, 2 b, 4 bias): outputs [da?, db?, dbias?] in that order — `_FusedMatMul`'s
 *   gradient of src/ops/fused_mat_mul.ts: dz = relu ? (y > 0 ? dy : 0) : dy, the two GEMMs of
 *   BatchMatMul's gradient on dz, dbias = Σ_rows dz (the Sum kernel's float64 accumulation).
 * - `_SoftmaxCrossEntropyGrad` (inputs dy [..], logits, labels [.., n], n > 1, last axis): the
 *   logits gradient dy[.., None] · (softmax(logits) − labels) — the Softmax, Sub and
 *   column-broadcast Mul kernels.
 *
 * The ops use these kernels only when the backend has them (`ENGINE.hasKernel`); otherwise
 * they run the composition.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { IdemError } from '../../core/errors.ts';
import { optimizerKernelArgs, type AdamUpdateAttrs, type OptimizerKernelAttrs, type OptimizerKernelName, type RMSpropUpdateAttrs, type SGDUpdateAttrs } from '../../core/kernels.ts';
import type { ReferenceBackend } from '../reference/backend.ts';

/** The addon's fused entry points (native/src/fused_napi.cc). */
export interface FusedAddon {
  /** Philox dropout: mask (and y = (x·scale)·mask when x, y are given). */
  dropout(x: Float32Array | null, y: Float32Array | null, mask: Float32Array, k0: number, k1: number, sLo: number, sHi: number, rate: number, scale: number): void;
  /** The Philox-4x32-10 words of stream (key, stream), as src/random/philox.ts `philoxWords`. */
  philoxWords(out: Uint32Array, k0: number, k1: number, sLo: number, sHi: number): void;
  /** The fused optimizer kernels: ins per variable [g, x, every slot or null], outs [x', every slot' or null]. */
  adamUpdate(ins: (Float32Array | null)[], outs: (Float32Array | null)[], attrs: AdamUpdateAttrs): void;
  sgdUpdate(ins: (Float32Array | null)[], outs: (Float32Array | null)[], attrs: SGDUpdateAttrs): void;
  rmspropUpdate(ins: (Float32Array | null)[], outs: (Float32Array | null)[], attrs: RMSpropUpdateAttrs): void;
  /** out [m, n] = act(op(a)·op(b) + bias), act 0 linear, 1 relu. */
  /** out = y > 0 ? dy : +0. */
  reluGrad(dy: Float32Array, y: Float32Array, out: Float32Array): void;
  /** out = f(a, b) elementwise (op 2: ×; mode 0 same length, 1 b scalar): NativeAddon.binary. */
  binary(op: number, mode: number, inner: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  fusedMatMul(a: Float32Array, b: Float32Array, bias: Float32Array | null, out: Float32Array, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean, act: number): void;
}

/** The addon's storage helper (native/src/fused_napi.cc). */
export interface StorageAddon {
  /** Bytes from the buffer's start to its first 64-byte aligned address. */
  alignOffset(buffer: ArrayBuffer): number;
}

export function hasStorage(addon: object): addon is StorageAddon {
  return typeof (addon as Partial<StorageAddon>).alignOffset === 'function';
}

/** The addon entry points the backward kernels also need (native/src/addon.cc, nn_napi.cc). */
export interface BackwardAddon {
  /** x as [outer, mid, inner]: out[o, j] = Σ_m x[o, m, j] (the Sum kernel). */
  sum(x: Float32Array, out: Float32Array, outer: number, mid: number, inner: number): void;
  /** op 0 softmax along n of x [outer, n, inner] (the Softmax kernel). */
  softmax(op: number, outer: number, n: number, inner: number, x: Float32Array, labels: Float32Array, out: Float32Array): void;
}

export const NATIVE_FUSED_KERNELS = ['Dropout', '_DropoutGrad', 'AdamUpdate', 'SGDUpdate', 'RMSpropUpdate', '_FusedMatMul', '_ReluGrad'] as const;
export const NATIVE_BACKWARD_KERNELS = ['_FusedMatMulGrad', '_SoftmaxCrossEntropyGrad'] as const;

export function hasBackwardKernels(addon: object): addon is FusedAddon & BackwardAddon {
  const a = addon as Partial<BackwardAddon>;
  return hasFusedKernels(addon) && typeof a.sum === 'function' && typeof a.softmax === 'function';
}

export function hasFusedKernels(addon: object): addon is FusedAddon {
  const a = addon as Partial<FusedAddon>;
  return typeof a.dropout === 'function' && typeof a.philoxWords === 'function' && typeof a.adamUpdate === 'function' && typeof a.sgdUpdate === 'function' &&
    typeof a.rmspropUpdate === 'function' && typeof a.fusedMatMul === 'function' && typeof a.reluGrad === 'function' && typeof a.binary === 'function';
}

/** The native backend as its fused kernels see it (outputs from its storage pool). */
type NativeLike = ReferenceBackend & { allocF32(n: number, zero?: boolean): Float32Array; recycleF32(a: Float32Array): void };

function f32(be: ReferenceBackend, t: TensorInfo, what: string): Float32Array {
  const v = be.values(t);
  if (!(v instanceof Float32Array)) throw new IdemError(`native ${what}: expected float32 storage, got ${t.dtype}`);
  return v;
}

export function nativeFusedKernels(addon: FusedAddon): Record<string, KernelFunc> {
  return {
    Dropout: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const x = args.inputs['x']!;
      const xv = f32(be, x, 'Dropout');
      const rate = args.attrs['rate'] as number;
      const stream = args.attrs['stream'] as number;
      const y = be.allocF32(xv.length);
      const mask = be.allocF32(xv.length);
      if (xv.length > 0) {
        addon.dropout(xv, y, mask, args.attrs['key0'] as number, args.attrs['key1'] as number, stream >>> 0,
          Math.floor(stream / 4294967296) >>> 0, rate, Math.fround(1 / (1 - rate)));
      }
      return [be.make(y, x.shape, 'float32'), be.make(mask, x.shape, 'float32')];
    },
    // The Dropout gradient (dy · mask) · scale as the composition computes it (two float32
    // products, the same bits) in one kernel call: one output tensor instead of two.
    _DropoutGrad: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const dy = args.inputs['dy']!;
      const dv = f32(be, dy, '_DropoutGrad');
      const mv = f32(be, args.inputs['mask']!, '_DropoutGrad');
      if (dv.length !== mv.length) throw new IdemError('native _DropoutGrad: dy and mask must have one shape');
      const out = be.allocF32(dv.length);
      if (out.length > 0) {
        addon.binary(2, 0, dv.length, dv, mv, out);
        addon.binary(2, 1, 1, out, new Float32Array([args.attrs['scale'] as number]), out);
      }
      return be.make(out, dy.shape, 'float32');
    },
    _FusedMatMul: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const a = args.inputs['a']!;
      const b = args.inputs['b']!;
      const bias = args.inputs['bias'];
      if (a.shape.length !== 2 || b.shape.length !== 2) throw new IdemError('native _FusedMatMul: operands must have rank 2');
      const ta = args.attrs['transposeA'] === true;
      const tb = args.attrs['transposeB'] === true;
      const act = args.attrs['activation'] === 'relu' ? 1 : 0;
      const m = a.shape[ta ? 1 : 0]!;
      const k = a.shape[ta ? 0 : 1]!;
      const n = b.shape[tb ? 0 : 1]!;
      const out = be.allocF32(m * n);
      addon.fusedMatMul(f32(be, a, '_FusedMatMul'), f32(be, b, '_FusedMatMul'), bias ? f32(be, bias, '_FusedMatMul') : null, out, m, n, k, ta, tb, act);
      return be.make(out, [m, n], 'float32');
    },
    _ReluGrad: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const dy = args.inputs['dy']!;
      const y = args.inputs['y']!;
      const dv = f32(be, dy, '_ReluGrad');
      const yv = f32(be, y, '_ReluGrad');
      if (dv.length !== yv.length) throw new IdemError('native _ReluGrad: dy and y must have one shape');
      const out = be.allocF32(dv.length);
      if (out.length > 0) addon.reluGrad(dv, yv, out);
      return be.make(out, dy.shape, 'float32');
    },
    AdamUpdate: optimizerKernel('AdamUpdate', (ins, outs, attrs) => addon.adamUpdate(ins, outs, attrs)),
    SGDUpdate: optimizerKernel('SGDUpdate', (ins, outs, attrs) => addon.sgdUpdate(ins, outs, attrs)),
    RMSpropUpdate: optimizerKernel('RMSpropUpdate', (ins, outs, attrs) => addon.rmspropUpdate(ins, outs, attrs)),
  };
}

/**
 * A fused optimizer kernel on the addon: per variable, ins [g, x, each slot of the kernel or
 * null] and outs [x', each slot' or null] (new storage from the pool), outputs [x', slots'…].
 */
function optimizerKernel<K extends OptimizerKernelName>(
  kernel: K,
  run: (ins: (Float32Array | null)[], outs: (Float32Array | null)[], attrs: OptimizerKernelAttrs[K]) => void,
): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as NativeLike;
    const { attrs, vars } = optimizerKernelArgs(kernel, args.inputs, args.attrs);
    const ins: (Float32Array | null)[] = [];
    const outs: (Float32Array | null)[] = [];
    const result: TensorInfo[] = [];
    for (const v of vars) {
      const x = f32(be, v.x, kernel);
      ins.push(f32(be, v.g, kernel), x);
      for (const t of [v.x, ...v.slots]) {
        if (t !== v.x) ins.push(t === null ? null : f32(be, t, kernel));
        if (t === null) {
          outs.push(null);
          continue;
        }
        const o = be.allocF32(x.length);
        outs.push(o);
        result.push(be.make(o, v.x.shape, 'float32'));
      }
    }
    run(ins, outs, attrs);
    return result;
  };
}

/** A rank-2 float32 operand: values, rows, columns. */
type Mat = [Float32Array, number, number];

export function nativeBackwardKernels(addon: FusedAddon & BackwardAddon): Record<string, KernelFunc> {
  /** op(x)·op(y) by the _FusedMatMul GEMM (linear, no bias): values and shape [m, n]. */
  const mm = (be: NativeLike, x: Mat, y: Mat, tx: boolean, ty: boolean): [Float32Array, number[]] => {
    const m = tx ? x[2] : x[1];
    const k = tx ? x[1] : x[2];
    const n = ty ? y[1] : y[2];
    const out = be.allocF32(m * n);
    addon.fusedMatMul(x[0], y[0], null, out, m, n, k, tx, ty, 0);
    return [out, [m, n]];
  };
  const mat = (be: NativeLike, t: TensorInfo, what: string): Mat => {
    if (t.shape.length !== 2) throw new IdemError(`native _FusedMatMulGrad: ${what} must have rank 2, got [${t.shape}]`);
    return [f32(be, t, '_FusedMatMulGrad'), t.shape[0]!, t.shape[1]!];
  };
  return {
    _FusedMatMulGrad: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const ta = args.attrs['transposeA'] === true;
      const tb = args.attrs['transposeB'] === true;
      const relu = args.attrs['activation'] === 'relu';
      const want = args.attrs['grads'] as number;
      const a = mat(be, args.inputs['a']!, 'a');
      const b = mat(be, args.inputs['b']!, 'b');
      const dyInfo = args.inputs['dy']!;
      const dy = mat(be, dyInfo, 'dy');
      const m = ta ? a[2] : a[1];
      const n = tb ? b[1] : b[2];
      if (dy[1] !== m || dy[2] !== n) throw new IdemError(`native _FusedMatMulGrad: dy must have shape [${m},${n}], got [${dyInfo.shape}]`);
      let z = dy;
      if (relu) {
        const y = f32(be, args.inputs['y']!, '_FusedMatMulGrad');
        if (y.length !== dy[0].length) throw new IdemError('native _FusedMatMulGrad: y and dy must have one shape');
        const zv = be.allocF32(y.length);
        if (zv.length > 0) addon.reluGrad(dy[0], y, zv);
        z = [zv, m, n];
      }
      const out: TensorInfo[] = [];
      const put = ([v, shape]: [Float32Array, number[]]): void => void out.push(be.make(v, shape, 'float32'));
      if (want & 1) put(!ta ? mm(be, z, b, false, !tb) : mm(be, b, z, tb, true));
      if (want & 2) put(!tb ? (!ta ? mm(be, a, z, true, false) : mm(be, a, z, false, false)) : mm(be, z, a, true, ta));
      if (want & 4) {
        const s = be.allocF32(n);
        if (n > 0) addon.sum(z[0], s, 1, m, n);
        put([s, [n]]);
      }
      if (z !== dy) be.recycleF32(z[0]);
      return out;
    },
    _SoftmaxCrossEntropyGrad: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const logits = args.inputs['logits']!;
      const labels = args.inputs['labels']!;
      const dy = args.inputs['dy']!;
      const rank = logits.shape.length;
      const n = logits.shape[rank - 1] ?? 0;
      const lv = f32(be, logits, '_SoftmaxCrossEntropyGrad');
      const zv = f32(be, labels, '_SoftmaxCrossEntropyGrad');
      const dv = f32(be, dy, '_SoftmaxCrossEntropyGrad');
      if (rank < 2 || n < 2 || zv.length !== lv.length || dv.length * n !== lv.length) {
        throw new IdemError(`native _SoftmaxCrossEntropyGrad: expected logits and labels [.., n > 1] and dy [..], got logits [${logits.shape}], labels [${labels.shape}], dy [${dy.shape}]`);
      }
      const out = be.allocF32(lv.length);
      if (out.length > 0) {
        const s = be.allocF32(lv.length);
        addon.softmax(0, dv.length, n, 1, lv, lv, s);
        addon.binary(1, 0, lv.length, s, zv, s);
        addon.binary(2, 6, n, dv, s, out);
        be.recycleF32(s);
      }
      return be.make(out, logits.shape, 'float32');
    },
  };
}
