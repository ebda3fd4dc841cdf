/**
 * Random cases for the fused recurrent kernels' tests (test/native_rnn.test.ts,
 * test/webgpu_rnn.test.ts): a case's options, its inputs drawn as host arrays in a fixed order
 * (so every backend gets the same values), those made into tensors on the current backend, the
 * `recurrentSequence` arguments, and the loss Σ output·seed over the outputs the case uses.
 */
import * as tf from '../src/index.ts';
import { FUSABLE_ACTIVATIONS, type RecurrentCell, type RecurrentSequenceArgs } from '../src/ops/recurrent.ts';

export interface Case {
  cell: RecurrentCell;
  B: number;
  T: number;
  I: number;
  U: number;
  act: string;
  ract: string;
  bias: boolean;
  mask: boolean;
  goBackwards: boolean;
  returnSequences: boolean;
  zeroOutputForMask: boolean;
  initial: boolean;
  inDrop: boolean;
  recDrop: boolean;
  resetAfter: boolean;
  /** Which outputs the loss uses: bit 1 output, 2 h, 4 c. */
  uses: number;
}

export const ACTS = Object.keys(FUSABLE_ACTIVATIONS);

/** Values in about [-scale, scale] with zeros and signed zeros mixed in. */
export function values(n: number, r: () => number, scale = 1): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 23);
    v[i] = k === 0 ? 0 : k === 1 ? -0 : scale * (2 * r() - 1);
  }
  return v;
}

type Host = [Float32Array, number[]];

/** A case's inputs as host arrays (made into tensors on each backend by `toTensors`). */
export interface RawCase {
  names: string[];
  arrays: Host[];
  mask: [boolean[], number[]] | null;
  inMask: Host | null;
  recMask: Host | null;
  seeds: Host[];
}

export function makeRaw(c: Case, r: () => number): RawCase {
  const G = c.cell === 'lstm' ? 4 : c.cell === 'gru' ? 3 : 1;
  const names = ['x', 'kernel', 'recurrentKernel'];
  const arrays: Host[] = [
    [values(c.B * c.T * c.I, r), [c.B, c.T, c.I]],
    [values(c.I * G * c.U, r, 0.6), [c.I, G * c.U]],
    [values(c.U * G * c.U, r, 0.6), [c.U, G * c.U]],
  ];
  if (c.bias) {
    const shape = c.cell === 'gru' && c.resetAfter ? [2, G * c.U] : [G * c.U];
    names.push('bias');
    arrays.push([values(shape[0]! * (shape[1] ?? 1), r, 0.5), shape]);
  }
  if (c.initial) {
    names.push('h0');
    arrays.push([values(c.B * c.U, r), [c.B, c.U]]);
    if (c.cell === 'lstm') {
      names.push('c0');
      arrays.push([values(c.B * c.U, r), [c.B, c.U]]);
    }
  }
  let mask: RawCase['mask'] = null;
  if (c.mask) {
    const m: boolean[] = [];
    for (let b = 0; b < c.B; b++) {
      const all = r() < 0.15 ? (r() < 0.5 ? 0 : 1) : -1; // some rows fully masked / unmasked
      for (let t = 0; t < c.T; t++) m.push(all === -1 ? r() < 0.6 : all === 1);
    }
    mask = [m, [c.B, c.T]];
  }
  const drop = (n: number, shape: number[], rate: number): Host => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = r() < rate ? 0 : Math.fround(1 / (1 - rate));
    return [v, shape];
  };
  const inMask = c.inDrop ? drop(c.B * c.I, [c.B, c.I], 0.3) : null;
  const recMask = c.recDrop ? drop(c.B * c.U, [c.B, c.U], 0.4) : null;
  const outShape = c.returnSequences ? [c.B, c.T, c.U] : [c.B, c.U];
  const seeds: Host[] = [[values(outShape.reduce((a, b) => a * b, 1), r), outShape], [values(c.B * c.U, r), [c.B, c.U]], [values(c.B * c.U, r), [c.B, c.U]]];
  return { names, arrays, mask, inMask, recMask, seeds };
}

/** A case's inputs as tensors on the current backend. */
export interface CaseTensors {
  names: string[];
  tensors: tf.Tensor[];
  mask: tf.Tensor | null;
  inMask: tf.Tensor | null;
  recMask: tf.Tensor | null;
  seeds: tf.Tensor[];
}

export function toTensors(raw: RawCase): CaseTensors {
  const t = (h: Host | null) => (h ? tf.tensor(h[0], h[1]) : null);
  return {
    names: raw.names,
    tensors: raw.arrays.map((h) => t(h)!),
    mask: raw.mask ? tf.tensor(raw.mask[0], raw.mask[1], 'bool') : null,
    inMask: t(raw.inMask),
    recMask: t(raw.recMask),
    seeds: raw.seeds.map((h) => t(h)!),
  };
}

/** The `recurrentSequence` / `recurrentComposition` arguments, with `xs` in place of the case's tensors. */
export function sequenceArgs(c: Case, inp: CaseTensors, xs: tf.Tensor[]): RecurrentSequenceArgs {
  const get = (n: string) => {
    const i = inp.names.indexOf(n);
    return i >= 0 ? xs[i]! : null;
  };
  const h0 = get('h0');
  return {
    cell: c.cell,
    x: get('x')!,
    kernel: get('kernel')!,
    recurrentKernel: get('recurrentKernel')!,
    bias: get('bias'),
    initialStates: h0 ? (c.cell === 'lstm' ? [h0, get('c0')!] : [h0]) : null,
    mask: inp.mask,
    activation: { name: c.act, fn: FUSABLE_ACTIVATIONS[c.act]! },
    recurrentActivation: { name: c.ract, fn: FUSABLE_ACTIVATIONS[c.ract]! },
    resetAfter: c.resetAfter,
    goBackwards: c.goBackwards,
    returnSequences: c.returnSequences,
    zeroOutputForMask: c.zeroOutputForMask,
    inputMasks: inp.inMask ? [inp.inMask] : [],
    recurrentMasks: inp.recMask ? [inp.recMask] : [],
  };
}

/** Σ output·seed over the outputs the case uses (the same ops on both sides). */
export function seededLoss(c: Case, res: tf.Tensor[], seeds: tf.Tensor[]): tf.Tensor {
  let l: tf.Tensor | null = null;
  for (let k = 0; k < res.length; k++) {
    if (!(c.uses & (1 << k))) continue;
    const term = tf.sum(tf.mul(res[k]!, seeds[k]!));
    l = l ? tf.add(l, term) : term;
  }
  return l!;
}
