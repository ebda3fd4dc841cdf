/**
 * `recurrentSequence(args)`: one call of a Keras recurrent layer (SimpleRNN, LSTM, GRU) over a
 * whole sequence — the layers of src/layers/recurrent.ts call it. Per step t (x_t [batch, in]):
 *
 *   SimpleRNN  h = act(x·W + b + h₋·U)                    W [in, u], U [u, u], b [u]
 *   LSTM       z = x·W + h₋·U + b, [i f c̃ o] = split(z, 4)  W [in, 4u], U [u, 4u], b [4u]
 *              c = σ(f)·c₋ + σ(i)·act(c̃),  h = σ(o)·act(c)   (σ = recurrentActivation)
 *   GRU        resetAfter (default): b [2, 3u] = [input bias; recurrent bias]
 *              [xz xr xh] = split(x·W + b₀, 3), [rz rr rh] = split(h₋·U + b₁, 3)
 *              z = σ(xz + rz), r = σ(xr + rr), ĥ = act(xh + r·rh)
 *              resetAfter = false: b [3u], [rz rr] = h₋·U[:, :2u], ĥ = act(xh + (r·h₋)·U[:, 2u:])
 *              h = z·h₋ + (1 − z)·ĥ                      gate order z, r, h
 *
 * The definition is the composition below (`recurrentComposition`): the time loop unrolled with
 * public ops (unstack, matMul, add, activations, split, where, stack), so gradients flow through
 * the ops. Masking (bool [batch, time]): at a masked step the states keep their previous values
 * and the output repeats the previous output (zeros with `zeroOutputForMask`, and before the
 * first step), as Keras's backend `rnn`. `goBackwards` reads the sequence (and mask) reversed and
 * returns the outputs in that processing order. Dropout masks (drawn by the layer) multiply the
 * step input (one mask, or one per gate with Keras's implementation 1 when recurrent dropout is
 * on) and the previous state (recurrent dropout).
 *
 * The fused path: with a backend that has the `_RNNSequence` kernel (native, webgpu), activations among
 * linear / tanh / sigmoid / relu, float32 operands and no per-gate dropout masks (LSTM / GRU
 * recurrent dropout runs the composition), one kernel call runs the whole loop — the input
 * projection of every step as one GEMM, then per step the recurrent GEMM and the gate
 * arithmetic — and one `_RNNSequenceGrad` call its backward pass. Both compute exactly the
 * composition's float32 operations in its order (native/src/rnn.h), so the results, forward and
 * gradients, are bit-identical to it. The gradient uses the fused backward kernel when nothing
 * records the backward pass (`ENGINE.mayUse`: `_RNNSequenceGrad` is backward-only); otherwise
 * (second order, taped traces) it recomputes the composition from the saved inputs and
 * differentiates that. `recurrentSequence` is a fused op (src/ops/op.ts): graph mode records it
 * as one node, and `tf.compare`'s op traces see the composition's ops.
 */
import { ENGINE } from '../core/engine.ts';
import { mayBeDifferentiated, Tape } from '../autodiff/tape.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { backprop } from '../autodiff/backprop.ts';
import { add } from './add.ts';
import { zeros } from './creation.ts';
import { matMul } from './mat_mul.ts';
import { mul } from './mul.ts';
import { fusedOp } from './op.ts';
import { relu } from './relu.ts';
import { reshape } from './reshape.ts';
import { sigmoid } from './sigmoid.ts';
import { slice } from './slice.ts';
import { split } from './split.ts';
import { stack } from './stack.ts';
import { sub } from './sub.ts';
import { tanh } from './tanh.ts';
import { unstack } from './unstack.ts';
import { where } from './where.ts';

export type RecurrentCell = 'simple' | 'lstm' | 'gru';

/** An activation: its Keras name and the function (ops) that computes it. */
export interface ActivationSpec {
  name: string;
  fn: (x: Tensor) => Tensor;
}

export interface RecurrentSequenceArgs {
  cell: RecurrentCell;
  /** [batch, time, in]. */
  x: Tensor;
  kernel: Tensor;
  recurrentKernel: Tensor;
  bias: Tensor | null;
  /** [h] (LSTM [h, c]), each [batch, units]; null: zeros. */
  initialStates: Tensor[] | null;
  /** bool [batch, time] or null. */
  mask: Tensor | null;
  activation: ActivationSpec;
  /** LSTM and GRU gates. */
  recurrentActivation?: ActivationSpec;
  /** GRU: reset gate after the recurrent product (Keras 3 default). */
  resetAfter?: boolean;
  goBackwards: boolean;
  returnSequences: boolean;
  zeroOutputForMask: boolean;
  /**
   * Dropout masks of this call: on the step input ([batch, in]) and on the previous state
   * ([batch, units]); one each, or one per gate (LSTM 4, GRU 3) for Keras's implementation 1
   * (used when the recurrent dropout is on). Empty: no dropout.
   */
  inputMasks: Tensor[];
  recurrentMasks: Tensor[];
  /** Always run the composition (no fused kernel). */
  composition?: boolean;
}

/** The activations the fused kernel computes, by name, as the ops the composition uses. */
export const FUSABLE_ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  tanh: (x) => tanh(x),
  sigmoid: (x) => sigmoid(x),
  relu: (x) => relu(x),
};

function stateCount(cell: RecurrentCell): number {
  return cell === 'lstm' ? 2 : 1;
}

// ------------------------------------------------------------------ the composition

interface StepResult {
  output: Tensor;
  states: Tensor[];
}

/** Per-call pieces of the weights (slices of the kernels), made once before the loop. */
interface Prepared {
  kParts: Tensor[];
  rParts: Tensor[];
  bParts: Tensor[];
  inBias: Tensor | null;
  recBias: Tensor | null;
  bInParts: Tensor[] | null;
  bRecParts: Tensor[] | null;
  rZR: Tensor | null;
  rH: Tensor | null;
}

function prepare(a: RecurrentSequenceArgs): Prepared {
  const p: Prepared = { kParts: [], rParts: [], bParts: [], inBias: null, recBias: null, bInParts: null, bRecParts: null, rZR: null, rH: null };
  const perGate = a.recurrentMasks.length > 1;
  if (a.cell === 'lstm') {
    if (perGate) {
      p.kParts = split(a.kernel, 4, 1);
      p.rParts = split(a.recurrentKernel, 4, 1);
      p.bParts = a.bias ? split(a.bias, 4, 0) : [];
    }
  } else if (a.cell === 'gru') {
    const u = a.recurrentKernel.shape[0]!;
    if (a.bias) {
      if (a.resetAfter) [p.inBias, p.recBias] = unstack(a.bias, 0) as [Tensor, Tensor];
      else [p.inBias, p.recBias] = [a.bias, null];
    }
    if (perGate) {
      p.kParts = split(a.kernel, 3, 1);
      p.rParts = split(a.recurrentKernel, 3, 1);
      p.bInParts = p.inBias ? split(p.inBias, 3, 0) : null;
      p.bRecParts = p.recBias ? split(p.recBias, 3, 0) : null;
    } else if (!a.resetAfter) {
      p.rZR = slice(a.recurrentKernel, [0, 0], [u, 2 * u]);
      p.rH = slice(a.recurrentKernel, [0, 2 * u], [u, u]);
    }
  }
  return p;
}

const dropIn = (a: RecurrentSequenceArgs, x: Tensor, k: number): Tensor => (a.inputMasks.length ? mul(x, a.inputMasks[k]!) : x);
const dropRec = (a: RecurrentSequenceArgs, h: Tensor, k: number): Tensor => (a.recurrentMasks.length ? mul(h, a.recurrentMasks[k]!) : h);

function simpleStep(a: RecurrentSequenceArgs, x: Tensor, states: Tensor[]): StepResult {
  let h = matMul(dropIn(a, x, 0), a.kernel);
  if (a.bias) h = add(h, a.bias);
  const out = a.activation.fn(add(h, matMul(dropRec(a, states[0]!, 0), a.recurrentKernel)));
  return { output: out, states: [out] };
}

function lstmStep(a: RecurrentSequenceArgs, p: Prepared, x: Tensor, states: Tensor[]): StepResult {
  const [hPrev, cPrev] = states as [Tensor, Tensor];
  const act = a.activation.fn;
  const ract = a.recurrentActivation!.fn;
  let i: Tensor, f: Tensor, c: Tensor, o: Tensor;
  if (a.recurrentMasks.length > 1) {
    // Keras implementation 1: one dropout mask and one kernel block per gate.
    const xs = [0, 1, 2, 3].map((k) => {
      const v = matMul(dropIn(a, x, k), p.kParts[k]!);
      return p.bParts.length ? add(v, p.bParts[k]!) : v;
    });
    const hs = [0, 1, 2, 3].map((k) => dropRec(a, hPrev, k));
    i = ract(add(xs[0]!, matMul(hs[0]!, p.rParts[0]!)));
    f = ract(add(xs[1]!, matMul(hs[1]!, p.rParts[1]!)));
    c = add(mul(f, cPrev), mul(i, act(add(xs[2]!, matMul(hs[2]!, p.rParts[2]!)))));
    o = ract(add(xs[3]!, matMul(hs[3]!, p.rParts[3]!)));
  } else {
    let z = add(matMul(dropIn(a, x, 0), a.kernel), matMul(hPrev, a.recurrentKernel));
    if (a.bias) z = add(z, a.bias);
    const [z0, z1, z2, z3] = split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    i = ract(z0);
    f = ract(z1);
    c = add(mul(f, cPrev), mul(i, act(z2)));
    o = ract(z3);
  }
  const h = mul(o, act(c));
  return { output: h, states: [h, c] };
}

function gruStep(a: RecurrentSequenceArgs, p: Prepared, x: Tensor, states: Tensor[]): StepResult {
  const hPrev = states[0]!;
  const act = a.activation.fn;
  const ract = a.recurrentActivation!.fn;
  let z: Tensor, hh: Tensor;
  if (a.recurrentMasks.length > 1) {
    // Keras implementation 1: one dropout mask and one kernel block per gate.
    const bIn = p.bInParts;
    const bRec = p.bRecParts;
    const xs = [0, 1, 2].map((k) => {
      const v = matMul(dropIn(a, x, k), p.kParts[k]!);
      return bIn ? add(v, bIn[k]!) : v;
    });
    const hs = [0, 1, 2].map((k) => dropRec(a, hPrev, k));
    let rz = matMul(hs[0]!, p.rParts[0]!);
    let rr = matMul(hs[1]!, p.rParts[1]!);
    if (bRec) {
      rz = add(rz, bRec[0]!);
      rr = add(rr, bRec[1]!);
    }
    z = ract(add(xs[0]!, rz));
    const r = ract(add(xs[1]!, rr));
    let rh: Tensor;
    if (a.resetAfter) {
      rh = matMul(hs[2]!, p.rParts[2]!);
      if (bRec) rh = add(rh, bRec[2]!);
      rh = mul(r, rh);
    } else rh = matMul(mul(r, hs[2]!), p.rParts[2]!);
    hh = act(add(xs[2]!, rh));
  } else {
    let mx = matMul(dropIn(a, x, 0), a.kernel);
    if (p.inBias) mx = add(mx, p.inBias);
    const [xz, xr, xh] = split(mx, 3, 1) as [Tensor, Tensor, Tensor];
    if (a.resetAfter) {
      let inner = matMul(hPrev, a.recurrentKernel);
      if (p.recBias) inner = add(inner, p.recBias);
      const [rz, rr, rh] = split(inner, 3, 1) as [Tensor, Tensor, Tensor];
      z = ract(add(xz, rz));
      const r = ract(add(xr, rr));
      hh = act(add(xh, mul(r, rh)));
    } else {
      const [rz, rr] = split(matMul(hPrev, p.rZR!), 2, 1) as [Tensor, Tensor];
      z = ract(add(xz, rz));
      const r = ract(add(xr, rr));
      hh = act(add(xh, matMul(mul(r, hPrev), p.rH!)));
    }
  }
  const h = add(mul(z, hPrev), mul(sub(1, z), hh));
  return { output: h, states: [h] };
}

/** The definition: the time loop unrolled with public ops. Returns [output, ...final states]. */
export function recurrentComposition(a: RecurrentSequenceArgs): Tensor[] {
  const [batch, time] = a.x.shape as [number, number];
  const units = a.recurrentKernel.shape[0]!;
  let states: Tensor[];
  if (a.initialStates) states = a.initialStates.slice();
  else {
    const z = zeros([batch, units], a.x.dtype);
    states = new Array<Tensor>(stateCount(a.cell)).fill(z);
  }
  let maskSteps: Tensor[] | null = a.mask ? unstack(reshape(a.mask, [batch, time, 1]), 1) : null;
  let steps = unstack(a.x, 1);
  if (a.goBackwards) {
    steps = steps.reverse();
    if (maskSteps) maskSteps = maskSteps.reverse();
  }
  const p = prepare(a);
  const outputs: Tensor[] = [];
  let prevOutput: Tensor | null = null;
  const zeroOut = maskSteps ? zeros([batch, units], a.x.dtype) : null;
  for (let t = 0; t < time; t++) {
    const x = steps[t]!;
    const r = a.cell === 'simple' ? simpleStep(a, x, states) : a.cell === 'lstm' ? lstmStep(a, p, x, states) : gruStep(a, p, x, states);
    let out = r.output;
    if (maskSteps) {
      const m = maskSteps[t]!;
      out = where(m, out, a.zeroOutputForMask || prevOutput === null ? zeroOut! : prevOutput);
      states = r.states.map((s, i) => where(m, s, states[i]!));
    } else states = r.states;
    prevOutput = out;
    outputs.push(out);
  }
  const output = a.returnSequences ? stack(outputs, 1) : outputs[time - 1]!;
  return [output, ...states];
}

// ------------------------------------------------------------------ the fused kernel

/** Whether `_RNNSequence` computes this call (see the module comment). */
function fusable(a: RecurrentSequenceArgs): boolean {
  if (a.composition === true || !ENGINE.hasKernel('_RNNSequenceGrad')) return false;
  if (!(a.activation.name in FUSABLE_ACTIVATIONS)) return false;
  if (a.cell !== 'simple' && !(a.recurrentActivation!.name in FUSABLE_ACTIVATIONS)) return false;
  if (a.inputMasks.length > 1 || a.recurrentMasks.length > 1 || (a.cell !== 'simple' && a.recurrentMasks.length > 0)) return false;
  const floats = [a.x, a.kernel, a.recurrentKernel, ...(a.bias ? [a.bias] : []), ...(a.initialStates ?? []), ...a.inputMasks, ...a.recurrentMasks];
  if (floats.some((t) => t.dtype !== 'float32')) return false;
  // Each operand a different tensor: a tensor passed twice (the same initial state for h and c)
  // would receive its gradient contributions in another grouping than the tape's.
  const ids = new Set(floats.map((t) => t.id));
  if (ids.size !== floats.length) return false;
  if (a.mask && a.mask.dtype !== 'bool') return false;
  return a.x.shape[0]! > 0 && a.x.shape[1]! > 0 && a.x.shape[2]! > 0;
}

function kernelInputs(a: RecurrentSequenceArgs): Record<string, Tensor> {
  const ins: Record<string, Tensor> = { x: a.x, kernel: a.kernel, recurrentKernel: a.recurrentKernel };
  if (a.bias) ins['bias'] = a.bias;
  if (a.initialStates) {
    ins['h0'] = a.initialStates[0]!;
    if (a.cell === 'lstm') ins['c0'] = a.initialStates[1]!;
  }
  if (a.mask) ins['mask'] = a.mask;
  if (a.inputMasks.length) ins['inMask'] = a.inputMasks[0]!;
  if (a.recurrentMasks.length) ins['recMask'] = a.recurrentMasks[0]!;
  return ins;
}

/**
 * One Keras recurrent layer call over a sequence: [output, ...final states] (LSTM: h, c). The
 * output is [batch, time, units] with `returnSequences`, else [batch, units]; it is the same
 * tensor as the final h exactly when the composition makes them the same (no mask, last step).
 */
export const recurrentSequence = fusedOp(
  'recurrentSequence',
  (a: RecurrentSequenceArgs): Tensor[] => {
    checkCell(a);
    return recurrentComposition(a);
  },
  {
    kernel: '_RNNSequence',
    fits: (a) => {
      checkCell(a);
      return fusable(a);
    },
    run: (a) => recurrentKernel(a),
  },
);

function checkCell(a: RecurrentSequenceArgs): void {
  if (a.cell !== 'simple' && !a.recurrentActivation) fail('recurrentSequence', `a ${a.cell} cell needs \`recurrentActivation\``);
}

/** The `_RNNSequence` call (see the module comment). */
function recurrentKernel(a: RecurrentSequenceArgs): Tensor[] {
  const attrs = {
    cell: a.cell,
    activation: a.activation.name,
    recurrentActivation: a.cell === 'simple' ? 'linear' : a.recurrentActivation!.name,
    goBackwards: a.goBackwards,
    returnSequences: a.returnSequences,
    zeroOutputForMask: a.zeroOutputForMask,
    resetAfter: a.cell === 'gru' && a.resetAfter === true,
    // The backward pass needs the forward's intermediates only if a tape may differentiate this
    // call (now, or a replay of the trace being made).
    save: mayBeDifferentiated(),
  };
  const outs = ENGINE.runKernelMulti('_RNNSequence', kernelInputs(a), attrs);
  const [y, hT] = outs as [Tensor, Tensor];
  const cT = a.cell === 'lstm' ? outs[2]! : null;
  // The composition's output is its final h (the same tensor) without a mask and sequences.
  const h = !a.mask && !a.returnSequences ? y : hT;
  return cT ? [y, h, cT] : [y, h];
}

/** Whether backprop gave output k a gradient (a missing one reads as lazy zeros). */
function given(dys: Tensor[], k: number): boolean {
  const d = Object.getOwnPropertyDescriptor(dys, k);
  return d !== undefined && d.get === undefined && d.value !== undefined;
}

const GRAD_INPUTS = ['x', 'kernel', 'recurrentKernel', 'bias', 'h0', 'c0'] as const;

ENGINE.registerGradient('_RNNSequence', (_dy, { inputs, outputs, attrs, needed }, dys) => {
  const cell = attrs['cell'] as RecurrentCell;
  const nOut = cell === 'lstm' ? 3 : 2;
  const saved = attrs['save'] === true ? outputs[nOut] : undefined;
  const wanted = GRAD_INPUTS.filter((n) => inputs[n] !== undefined && (needed === undefined || needed.includes(n)));
  if (saved !== undefined && needed !== undefined && ENGINE.mayUse('_RNNSequenceGrad')) {
    let got: Tensor[] | null = null;
    let grads = 0;
    for (const n of wanted) grads |= 1 << GRAD_INPUTS.indexOf(n);
    const run = (): Tensor[] => {
      if (got) return got;
      const ins: Record<string, Tensor> = {};
      for (const n of ['x', 'kernel', 'recurrentKernel', 'bias', 'h0', 'c0', 'mask', 'inMask', 'recMask']) if (inputs[n]) ins[n] = inputs[n]!;
      ins['saved'] = saved;
      if (given(dys, 0)) ins['dy'] = dys[0]!;
      if (given(dys, 1)) ins['dhT'] = dys[1]!;
      if (cell === 'lstm' && given(dys, 2)) ins['dcT'] = dys[2]!;
      got = ENGINE.runKernelMulti('_RNNSequenceGrad', ins, { ...attrs, grads });
      return got;
    };
    const thunks: Record<string, () => Tensor> = {};
    wanted.forEach((n, i) => (thunks[n] = () => run()[i]!));
    return thunks;
  }
  // Otherwise the composition, recomputed from the inputs and differentiated on a tape of its
  // own (recorded by any outer tape: second order works).
  let grads: Map<number, Tensor> | null = null;
  const recompute = (): Map<number, Tensor> => {
    if (grads) return grads;
    const act = (name: string) => ({ name, fn: FUSABLE_ACTIVATIONS[name]! });
    const a: RecurrentSequenceArgs = {
      cell,
      x: inputs['x']!,
      kernel: inputs['kernel']!,
      recurrentKernel: inputs['recurrentKernel']!,
      bias: inputs['bias'] ?? null,
      initialStates: inputs['h0'] ? (cell === 'lstm' ? [inputs['h0'], inputs['c0']!] : [inputs['h0']]) : null,
      mask: inputs['mask'] ?? null,
      activation: act(attrs['activation'] as string),
      recurrentActivation: act(attrs['recurrentActivation'] as string),
      resetAfter: attrs['resetAfter'] === true,
      goBackwards: attrs['goBackwards'] === true,
      returnSequences: attrs['returnSequences'] === true,
      zeroOutputForMask: attrs['zeroOutputForMask'] === true,
      inputMasks: inputs['inMask'] ? [inputs['inMask']] : [],
      recurrentMasks: inputs['recMask'] ? [inputs['recMask']] : [],
    };
    const sources = wanted.map((n) => inputs[n]!);
    const tape = new Tape(false);
    for (const t of sources) tape.watched.add(t.id);
    const res = tape.run(() => recurrentComposition(a));
    // Seeds in the order the outer tape delivered them: the final states' (used after the
    // layer) before the output's; the output and h are one tensor when the composition makes
    // them one.
    const targets: Tensor[] = [];
    const seeds: Tensor[] = [];
    const same = res[0] === res[1];
    for (let k = 1; k < nOut; k++) {
      if (k === 1 && same) continue;
      if (given(dys, k)) {
        targets.push(res[k]!);
        seeds.push(dys[k]!);
      }
    }
    if (given(dys, 0)) {
      targets.unshift(res[0]!);
      seeds.unshift(dys[0]!);
    }
    grads = backprop(tape.nodes, targets, seeds, sources.map((t) => t.id));
    return grads;
  };
  const thunks: Record<string, () => Tensor> = {};
  for (const n of wanted) {
    thunks[n] = () => {
      const g = recompute().get(inputs[n]!.id);
      if (g) return g;
      return zerosFor(inputs[n]!);
    };
  }
  return thunks;
});

function zerosFor(t: Tensor): Tensor {
  return zeros(t.shape.slice(), 'float32');
}
