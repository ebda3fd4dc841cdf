/**
 * Native sequence kernels (native/src/vmath.cc, rnn.cc through seq_napi.cc):
 *
 * - `_LayerNorm` (inputs x [.., C], gamma, beta [C] (and xSub, xMean: x again, for the
 *   gradient's bookkeeping); attr epsilon): outputs [y, mean [R], inv0 [R]] — src/ops/layer_norm.ts's
 *   composition in one pass per row (native/src/attention.h). `_LayerNormGrad` (inputs dy, x,
 *   gamma, mean, inv0; attrs gamma, beta: whether those gradients are wanted): outputs [dx through
 *   x·inv, dx through x − mean, dx through mean(x) (, dgamma) (, dbeta)]. Bit-identical.
 * - `_Attention` (inputs q [B, T, H, K], k [B, S, H, K], v [B, S, H, V] [, mask bool
 *   [B|1, 1, T|1, S|1]]): outputs [o [B, T, H, V], probs [B, H, T, S]] — src/ops/attention.ts's
 *   composition per batch and head, without transposed copies. `_AttentionGrad` (inputs q, k, v,
 *   probs [, mask, dO, dProbs]; attr grads: 1 q, 2 k, 4 v): the wanted gradients in that order.
 *   Bit-identical.
 * - `BroadcastTo` (float32): block copies. `GatherV2`, `UnsortedSegmentSum` (float32 values, int32 indices): row copies and a float64
 *   scatter-add in increasing position order — the reference kernels' order and precision, so
 *   bit-identical (an index out of range runs the reference kernel, which reports it).
 * - `Tanh`, `Sigmoid` (float32): evaluated in float64 with the addon's own vectorized
 *   exp / expm1 and rounded once to float32 — the reference kernels' formulas (Math.tanh;
 *   1/(1 + e^−x), e^x/(1 + e^x) for x < 0); the addon's float64 functions are within a few
 *   float64 ulps of V8's, so a result can (very rarely) differ from the reference by 1 float32
 *   ulp. The AVX2 and portable paths give the same bits.
 *
 * - `_RNNSequence` (inputs x [B, T, I], kernel, recurrentKernel [, bias, h0, c0, mask (bool
 *   [B, T]), inMask [B, I], recMask [B, U]]; attrs cell 'simple' | 'lstm' | 'gru', activation,
 *   recurrentActivation ('linear' | 'tanh' | 'sigmoid' | 'relu'), goBackwards,
 *   returnSequences, zeroOutputForMask, resetAfter, save): a whole recurrent layer call,
 *   outputs [y, hT (, cT for LSTM) (, saved when `save`)] — the time loop of
 *   src/ops/recurrent.ts in one call, bit-identical to it (native/src/rnn.h).
 * - `_RNNSequenceGrad` (inputs x, kernel, recurrentKernel [, bias, h0, c0, mask, inMask,
 *   recMask], saved [, dy, dhT, dcT]; attrs as `_RNNSequence` plus `grads`, a bit mask of
 *   1 x, 2 kernel, 4 recurrentKernel, 8 bias, 16 h0, 32 c0): the wanted gradients in that
 *   order, the tape's gradients of the composition bit for bit. Absent dy / dhT / dcT mean
 *   that output received no gradient (not zeros).
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { IdemError } from '../../core/errors.ts';
import { rnnSavedLayout, RNN_GATES } from '../../core/kernels.ts';
import type { ReferenceBackend } from '../reference/backend.ts';

/** The addon's sequence entry points (native/src/seq_napi.cc). */
export interface SeqAddon {
  tanh(x: Float32Array, out: Float32Array): void;
  sigmoid(x: Float32Array, out: Float32Array): void;
  /** Turns the AVX2 path of tanh / sigmoid on or off (tests); returns whether it is on. */
  vmathVector(on?: boolean): boolean;
  /** −1, or the position of the first index out of range (nothing written). */
  gather(x: Float32Array, idx: Int32Array, out: Float32Array, B: number, M: number, A: number, N: number, I: number): number;
  segmentSum(x: Float32Array, ids: Int32Array, out: Float32Array, N: number, numSegments: number): number;
  attention(geo: Int32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Uint8Array | null, o: Float32Array, probs: Float32Array): void;
  attentionGrad(geo: Int32Array, dO: Float32Array | null, dProbs: Float32Array | null, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array,
    mask: Uint8Array | null, dq: Float32Array | null, dk: Float32Array | null, dv: Float32Array | null): void;
  broadcastTo(x: Float32Array, xShape: Int32Array, outShape: Int32Array, out: Float32Array): void;
  layerNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number, R: number, C: number, y: Float32Array, mean: Float32Array, inv0: Float32Array): void;
  layerNormGrad(dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, inv0: Float32Array, R: number, C: number,
    dxMul: Float32Array, dxSub: Float32Array, dxMean: Float32Array, dgamma: Float32Array | null, dbeta: Float32Array | null): void;
  rnnForward(cfg: Int32Array, x: Float32Array, W: Float32Array, R: Float32Array, bias: Float32Array | null, h0: Float32Array | null, c0: Float32Array | null,
    mask: Uint8Array | null, inMask: Float32Array | null, recMask: Float32Array | null, y: Float32Array, hT: Float32Array, cT: Float32Array | null, saved: Float32Array | null): void;
  rnnBackward(cfg: Int32Array, x: Float32Array, W: Float32Array, R: Float32Array, bias: Float32Array | null, h0: Float32Array | null, c0: Float32Array | null,
    mask: Uint8Array | null, inMask: Float32Array | null, recMask: Float32Array | null, saved: Float32Array,
    dy: Float32Array | null, dhT: Float32Array | null, dcT: Float32Array | null,
    dx: Float32Array | null, dW: Float32Array | null, dR: Float32Array | null, db: Float32Array | null, dh0: Float32Array | null, dc0: Float32Array | null): void;
}

export function hasSeqKernels(addon: object): addon is SeqAddon {
  const a = addon as Partial<SeqAddon>;
  return typeof a.tanh === 'function' && typeof a.sigmoid === 'function' && typeof a.rnnForward === 'function' && typeof a.rnnBackward === 'function' &&
    typeof a.gather === 'function' && typeof a.segmentSum === 'function' && typeof a.layerNorm === 'function' && typeof a.attention === 'function' &&
    typeof a.broadcastTo === 'function';
}

export const NATIVE_SEQ_KERNELS = [
  'Tanh', 'Sigmoid', 'BroadcastTo', 'GatherV2', 'UnsortedSegmentSum',
  '_RNNSequence', '_RNNSequenceGrad', '_LayerNorm', '_LayerNormGrad', '_Attention', '_AttentionGrad',
] as const;

type NativeLike = ReferenceBackend & { allocF32(n: number, zero?: boolean): Float32Array };

const CELLS: Record<string, number> = { simple: 0, lstm: 1, gru: 2 };
const ACTS: Record<string, number> = { linear: 0, tanh: 1, sigmoid: 2, relu: 3 };

function f32(be: ReferenceBackend, t: TensorInfo | undefined, what: string): Float32Array | null {
  if (t === undefined) return null;
  const v = be.values(t);
  if (!(v instanceof Float32Array)) throw new IdemError(`native ${what}: expected float32 storage, got ${t.dtype}`);
  return v;
}

interface Geometry {
  cfg: Int32Array;
  cell: string;
  B: number;
  T: number;
  I: number;
  U: number;
  G: number;
}

function geometry(args: KernelArgs, what: string): Geometry {
  const { x, recurrentKernel } = args.inputs as { x: TensorInfo; recurrentKernel: TensorInfo };
  const cell = args.attrs['cell'] as string;
  const act = ACTS[args.attrs['activation'] as string];
  const ract = ACTS[(args.attrs['recurrentActivation'] as string | undefined) ?? 'linear'];
  if (!(cell in CELLS) || act === undefined || ract === undefined) {
    throw new IdemError(`native ${what}: unsupported cell or activation (${cell}, ${String(args.attrs['activation'])}, ${String(args.attrs['recurrentActivation'])})`);
  }
  if (x.shape.length !== 3 || recurrentKernel.shape.length !== 2) {
    throw new IdemError(`native ${what}: expected x [B, T, I] and a recurrent kernel [U, G·U], got [${x.shape}] and [${recurrentKernel.shape}]`);
  }
  const [B, T, I] = x.shape as [number, number, number];
  const U = recurrentKernel.shape[0]!;
  const flags = (args.attrs['goBackwards'] ? 1 : 0) | (args.attrs['returnSequences'] ? 2 : 0) | (args.attrs['zeroOutputForMask'] ? 4 : 0) | (args.attrs['resetAfter'] ? 8 : 0);
  return { cfg: Int32Array.from([CELLS[cell]!, B, T, I, U, act, ract, flags]), cell, B, T, I, U, G: RNN_GATES[cell]! };
}

export function nativeSeqKernels(addon: SeqAddon): Record<string, KernelFunc> {
  const attnGeo = (args: KernelArgs): Int32Array => {
    const { q, k, v, mask } = args.inputs as Record<string, TensorInfo | undefined>;
    const [B, T, H, K] = q!.shape as number[];
    const S = k!.shape[1]!;
    const V = v!.shape[3]!;
    let mB = 0, mT = 0, mS = 0;
    if (mask) {
      const [mb, , mt, ms] = mask.shape as number[];
      mS = ms === 1 ? 0 : 1;
      mT = mt === 1 ? 0 : ms!;
      mB = mb === 1 ? 0 : mt! * ms!;
    }
    return Int32Array.from([B!, T!, S, H!, K!, V, mB, mT, mS]);
  };
  const u8 = (be: NativeLike, t: TensorInfo | undefined): Uint8Array | null => (t ? (be.values(t) as Uint8Array) : null);
  return {
    _Attention: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const geo = attnGeo(args);
      const [B, T, S, H, , V] = geo as unknown as number[];
      const { q, k, v, mask } = args.inputs as Record<string, TensorInfo | undefined>;
      const o = be.allocF32(B! * T! * H! * V!);
      const probs = be.allocF32(B! * H! * T! * S!);
      addon.attention(geo, f32(be, q, '_Attention')!, f32(be, k, '_Attention')!, f32(be, v, '_Attention')!, u8(be, mask), o, probs);
      return [be.make(o, [B!, T!, H!, V!], 'float32'), be.make(probs, [B!, H!, T!, S!], 'float32')];
    },
    _AttentionGrad: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const geo = attnGeo(args);
      const { q, k, v, mask, probs, dO, dProbs } = args.inputs as Record<string, TensorInfo | undefined>;
      const want = args.attrs['grads'] as number;
      const dq = want & 1 ? be.allocF32(q!.shape.reduce((p, d) => p * d, 1)) : null;
      const dk = want & 2 ? be.allocF32(k!.shape.reduce((p, d) => p * d, 1)) : null;
      const dv = want & 4 ? be.allocF32(v!.shape.reduce((p, d) => p * d, 1)) : null;
      addon.attentionGrad(geo, f32(be, dO, '_AttentionGrad'), f32(be, dProbs, '_AttentionGrad'), f32(be, q, '_AttentionGrad')!, f32(be, k, '_AttentionGrad')!,
        f32(be, v, '_AttentionGrad')!, f32(be, probs, '_AttentionGrad')!, u8(be, mask), dq, dk, dv);
      const out: TensorInfo[] = [];
      if (dq) out.push(be.make(dq, q!.shape, 'float32'));
      if (dk) out.push(be.make(dk, k!.shape, 'float32'));
      if (dv) out.push(be.make(dv, v!.shape, 'float32'));
      return out;
    },
    _LayerNorm: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
      const C = x.shape[x.shape.length - 1]!;
      const R = x.shape.reduce((p, d) => p * d, 1) / C;
      const y = be.allocF32(R * C);
      const mean = be.allocF32(R);
      const inv0 = be.allocF32(R);
      addon.layerNorm(f32(be, x, '_LayerNorm')!, f32(be, gamma, '_LayerNorm')!, f32(be, beta, '_LayerNorm')!, Math.fround(args.attrs['epsilon'] as number), R, C, y, mean, inv0);
      return [be.make(y, x.shape, 'float32'), be.make(mean, [R], 'float32'), be.make(inv0, [R], 'float32')];
    },
    _LayerNormGrad: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const { dy, x, gamma, mean, inv0 } = args.inputs as Record<string, TensorInfo>;
      const C = x!.shape[x!.shape.length - 1]!;
      const R = mean!.shape[0]!;
      const n = R * C;
      const dxMul = be.allocF32(n);
      const dxSub = be.allocF32(n);
      const dxMean = be.allocF32(n);
      const dgamma = args.attrs['gamma'] ? be.allocF32(C) : null;
      const dbeta = args.attrs['beta'] ? be.allocF32(C) : null;
      addon.layerNormGrad(f32(be, dy, '_LayerNormGrad')!, f32(be, x, '_LayerNormGrad')!, f32(be, gamma, '_LayerNormGrad')!, f32(be, mean, '_LayerNormGrad')!,
        f32(be, inv0, '_LayerNormGrad')!, R, C, dxMul, dxSub, dxMean, dgamma, dbeta);
      const out = [be.make(dxMul, x!.shape, 'float32'), be.make(dxSub, x!.shape, 'float32'), be.make(dxMean, x!.shape, 'float32')];
      if (dgamma) out.push(be.make(dgamma, [C], 'float32'));
      if (dbeta) out.push(be.make(dbeta, [C], 'float32'));
      return out;
    },
    _RNNSequence: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const g = geometry(args, '_RNNSequence');
      const ins = args.inputs;
      const BU = g.B * g.U;
      const y = be.allocF32(args.attrs['returnSequences'] ? BU * g.T : BU);
      const hT = be.allocF32(BU);
      const cT = g.cell === 'lstm' ? be.allocF32(BU) : null;
      const saved = args.attrs['save'] ? be.allocF32(rnnSavedLayout(g.cell, g.B, g.T, g.U).size) : null;
      const mask = ins['mask'] ? (be.values(ins['mask']) as Uint8Array) : null;
      addon.rnnForward(g.cfg, f32(be, ins['x'], '_RNNSequence')!, f32(be, ins['kernel'], '_RNNSequence')!, f32(be, ins['recurrentKernel'], '_RNNSequence')!,
        f32(be, ins['bias'], '_RNNSequence'), f32(be, ins['h0'], '_RNNSequence'), f32(be, ins['c0'], '_RNNSequence'), mask,
        f32(be, ins['inMask'], '_RNNSequence'), f32(be, ins['recMask'], '_RNNSequence'), y, hT, cT, saved);
      const out: TensorInfo[] = [be.make(y, args.attrs['returnSequences'] ? [g.B, g.T, g.U] : [g.B, g.U], 'float32'), be.make(hT, [g.B, g.U], 'float32')];
      if (cT) out.push(be.make(cT, [g.B, g.U], 'float32'));
      if (saved) out.push(be.make(saved, [saved.length], 'float32'));
      return out;
    },
    _RNNSequenceGrad: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const g = geometry(args, '_RNNSequenceGrad');
      const ins = args.inputs;
      const want = args.attrs['grads'] as number;
      const GU = g.G * g.U;
      const biasShape = ins['bias']?.shape ?? [GU];
      const outs: [number, number[], Float32Array | null][] = [
        [1, [g.B, g.T, g.I], null], [2, [g.I, GU], null], [4, [g.U, GU], null], [8, biasShape.slice(), null], [16, [g.B, g.U], null], [32, [g.B, g.U], null],
      ];
      for (const o of outs) if (want & o[0]) o[2] = be.allocF32(o[1].reduce((p, d) => p * d, 1));
      const mask = ins['mask'] ? (be.values(ins['mask']) as Uint8Array) : null;
      const n = (i: number) => outs[i]![2];
      addon.rnnBackward(g.cfg, f32(be, ins['x'], '_RNNSequenceGrad')!, f32(be, ins['kernel'], '_RNNSequenceGrad')!, f32(be, ins['recurrentKernel'], '_RNNSequenceGrad')!,
        f32(be, ins['bias'], '_RNNSequenceGrad'), f32(be, ins['h0'], '_RNNSequenceGrad'), f32(be, ins['c0'], '_RNNSequenceGrad'), mask,
        f32(be, ins['inMask'], '_RNNSequenceGrad'), f32(be, ins['recMask'], '_RNNSequenceGrad'), f32(be, ins['saved'], '_RNNSequenceGrad')!,
        f32(be, ins['dy'], '_RNNSequenceGrad'), f32(be, ins['dhT'], '_RNNSequenceGrad'), f32(be, ins['dcT'], '_RNNSequenceGrad'),
        n(0), n(1), n(2), n(3), n(4), n(5));
      return outs.filter((o) => o[2] !== null).map((o) => be.make(o[2]!, o[1], 'float32'));
    },
  };
}

/** The native Tanh / Sigmoid / GatherV2 / UnsortedSegmentSum kernels (float32; other dtypes: the reference's). */
export function nativeActivationKernels(addon: SeqAddon, reference: Record<string, KernelFunc>): Record<string, KernelFunc> {
  const unary = (name: 'tanh' | 'sigmoid', fallback: KernelFunc): KernelFunc => (args: KernelArgs) => {
    const be = args.backend as NativeLike;
    const x = args.inputs['x']!;
    if (x.dtype !== 'float32') return fallback(args);
    const v = be.values(x);
    if (!(v instanceof Float32Array)) return fallback(args);
    const out = be.allocF32(v.length);
    if (out.length > 0) addon[name](v, out);
    return be.make(out, x.shape, 'float32');
  };
  const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  const refGather = reference['GatherV2']!;
  const refBroadcast = reference['BroadcastTo']!;
  const refSegmentSum = reference['UnsortedSegmentSum']!;
  return {
    Tanh: unary('tanh', reference['Tanh']!),
    Sigmoid: unary('sigmoid', reference['Sigmoid']!),
    BroadcastTo: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const x = args.inputs['x']!;
      const xv = be.values(x);
      const shape = args.attrs['shape'] as number[];
      if (!(xv instanceof Float32Array) || shape.length > 16) return refBroadcast(args);
      const xs = [...new Array<number>(shape.length - x.shape.length).fill(1), ...x.shape];
      if (xs.some((d, i) => d !== shape[i] && d !== 1)) return refBroadcast(args);
      const out = be.allocF32(prod(shape));
      if (out.length > 0) addon.broadcastTo(xv, Int32Array.from(xs), Int32Array.from(shape), out);
      return be.make(out, shape.slice(), 'float32');
    },
    GatherV2: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
      const xv = be.values(x);
      const iv = be.values(indices);
      if (!(xv instanceof Float32Array) || !(iv instanceof Int32Array)) return refGather(args);
      const axis = args.attrs['axis'] as number;
      const b = args.attrs['batchDims'] as number;
      const B = prod(x.shape.slice(0, b));
      const M = prod(x.shape.slice(b, axis));
      const A = x.shape[axis]!;
      const N = prod(x.shape.slice(axis + 1));
      const I = prod(indices.shape.slice(b));
      const outShape = [...x.shape.slice(0, axis), ...indices.shape.slice(b), ...x.shape.slice(axis + 1)];
      const out = be.allocF32(B * M * I * N);
      if (out.length > 0 && addon.gather(xv, iv, out, B, M, A, N, I) !== -1) return refGather(args);
      if (out.length === 0 && iv.some((j) => j < 0 || j >= A)) return refGather(args);
      return be.make(out, outShape, 'float32');
    },
    UnsortedSegmentSum: (args: KernelArgs) => {
      const be = args.backend as NativeLike;
      const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
      const xv = be.values(x);
      const iv = be.values(segmentIds);
      if (!(xv instanceof Float32Array) || !(iv instanceof Int32Array)) return refSegmentSum(args);
      const numSegments = args.attrs['numSegments'] as number;
      const inner = x.shape.slice(segmentIds.shape.length);
      const N = prod(inner);
      const out = be.allocF32(numSegments * N);
      if (addon.segmentSum(xv, iv, out, N, numSegments) !== -1) return refSegmentSum(args);
      return be.make(out, [numSegments, ...inner], 'float32');
    },
  };
}
