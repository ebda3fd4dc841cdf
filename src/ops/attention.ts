/**
 * `dotProductAttention(q, k, v, mask, dropout?)`: the core of Keras's MultiHeadAttention —
 * for q [B, T, H, K] (already scaled by 1/√K), k [B, S, H, K], v [B, S, H, V]:
 *
 *   scores = einsum('aecd,abcd->acbe', k, q)    → [B, H, T, S]
 *   scores = where(mask, scores, −1e9)           (mask bool [B|1, 1, T|1, S|1], optional)
 *   probs  = softmax(scores, −1)
 *   o      = einsum('acbe,aecd->abcd', dropout(probs), v)   → [B, T, H, V]
 *
 * Returns [o, probs]. The definition is `attentionComposition` (transposes, matMul, where,
 * softmax). With a backend that has the `_Attention` kernel (native), float32 operands and no
 * dropout, one kernel computes, per batch and head, the same products (the BatchMatMul GEMM on
 * the heads' strided rows: no transposed copies), the mask, the Softmax kernel's softmax and the
 * output product; `_AttentionGrad` the composition's gradients (BatchMatMul's products, softmax's
 * (dy − Σ dy·y)·y, the where's zeros). Bit-identical forward and gradients. `_AttentionGrad` is
 * backward-only: under an outer tape (second order) or a taped trace the gradient recomputes the
 * composition and differentiates it. `dotProductAttention` is a fused op (src/ops/op.ts): graph
 * mode records it as one node, `tf.compare` sees the composition's ops.
 */
import { ENGINE } from '../core/engine.ts';
import { Tape } from '../autodiff/tape.ts';
import type { Tensor } from '../core/tensor.ts';
import { backprop } from '../autodiff/backprop.ts';
import { zeros } from './creation.ts';
import { matMul } from './mat_mul.ts';
import { fusedOp } from './op.ts';
import { softmax } from './softmax.ts';
import { transpose } from './transpose.ts';
import { where } from './where.ts';

/** Large negative score for masked keys (Keras's `_large_negative_number` for float32). */
export const MASKED_SCORE = -1e9;

/** The definition (see the module comment). */
export function attentionComposition(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, dropout: ((p: Tensor) => Tensor) | null = null): [Tensor, Tensor] {
  let scores = matMul(transpose(q, [0, 2, 1, 3]), transpose(k, [0, 2, 1, 3]), false, true); // [B,H,T,S]
  if (mask) scores = where(mask, scores, MASKED_SCORE);
  const probs = softmax(scores, -1);
  const dropped = dropout ? dropout(probs) : probs;
  const o = transpose(matMul(dropped, transpose(v, [0, 2, 1, 3])), [0, 2, 1, 3]); // [B,T,H,V]
  return [o, probs];
}

function fusable(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, dropout: unknown): boolean {
  if (dropout || !ENGINE.hasKernel('_AttentionGrad')) return false;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4 || [q, k, v].some((t) => t.dtype !== 'float32' || t.size === 0)) return false;
  const [B, T, H, K] = q.shape as [number, number, number, number];
  const [Bk, S, Hk, Kk] = k.shape as [number, number, number, number];
  const [Bv, Sv, Hv] = v.shape as [number, number, number, number];
  if (Bk !== B || Bv !== B || Hk !== H || Hv !== H || Kk !== K || Sv !== S) return false;
  if (mask) {
    const [mb, mh, mt, ms] = mask.shape as [number, number, number, number];
    if (mask.dtype !== 'bool' || mask.rank !== 4 || mh !== 1 || (mb !== 1 && mb !== B) || (mt !== 1 && mt !== T) || (ms !== 1 && ms !== S)) return false;
  }
  return new Set([q.id, k.id, v.id]).size === 3;
}

/** [o, probs] (see the module comment); `dropout` (training) is applied to probs before the product. */
export const dotProductAttention = fusedOp('dotProductAttention', attentionComposition, {
  kernel: '_Attention',
  fits: (q, k, v, mask, dropout) => fusable(q, k, v, mask, dropout),
  run: (q, k, v, mask) => {
    const [o, probs] = ENGINE.runKernelMulti('_Attention', mask ? { q, k, v, mask } : { q, k, v }, {});
    return [o!, probs!];
  },
});

/** Whether backprop gave output k a gradient (a missing one reads as lazy zeros). */
function given(dys: Tensor[], k: number): boolean {
  const d = Object.getOwnPropertyDescriptor(dys, k);
  return d !== undefined && d.get === undefined && d.value !== undefined;
}

ENGINE.registerGradient('_Attention', (_dy, { inputs, outputs, needed }, dys) => {
  const names = ['q', 'k', 'v'].filter((n) => needed === undefined || needed.includes(n));
  if (needed !== undefined && ENGINE.mayUse('_AttentionGrad')) {
    let got: Tensor[] | null = null;
    const run = (): Tensor[] => {
      if (got) return got;
      const ins: Record<string, Tensor> = { q: inputs['q']!, k: inputs['k']!, v: inputs['v']!, probs: outputs[1]! };
      if (inputs['mask']) ins['mask'] = inputs['mask'];
      // o's gradient and probs' from outside, each when it exists (at least one does).
      if (given(dys, 0)) ins['dO'] = dys[0]!;
      if (given(dys, 1)) ins['dProbs'] = dys[1]!;
      let grads = 0;
      for (const n of names) grads |= n === 'q' ? 1 : n === 'k' ? 2 : 4;
      got = ENGINE.runKernelMulti('_AttentionGrad', ins, { grads });
      return got;
    };
    const thunks: Record<string, () => Tensor> = {};
    names.forEach((n, i) => (thunks[n] = () => run()[i]!));
    return thunks;
  }
  let grads: Map<number, Tensor> | null = null;
  const recompute = (): Map<number, Tensor> => {
    if (grads) return grads;
    const sources = names.map((n) => inputs[n]!);
    const tape = new Tape(false);
    for (const t of sources) tape.watched.add(t.id);
    const res = tape.run(() => attentionComposition(inputs['q']!, inputs['k']!, inputs['v']!, inputs['mask'] ?? null));
    const targets: Tensor[] = [];
    const seeds: Tensor[] = [];
    if (given(dys, 0)) {
      targets.push(res[0]);
      seeds.push(dys[0]!);
    }
    if (given(dys, 1)) {
      targets.push(res[1]);
      seeds.push(dys[1]!);
    }
    grads = backprop(tape.nodes, targets, seeds, sources.map((t) => t.id));
    return grads;
  };
  const thunks: Record<string, () => Tensor> = {};
  for (const n of names) thunks[n] = () => recompute().get(inputs[n]!.id) ?? zeros(inputs[n]!.shape.slice(), 'float32');
  return thunks;
});
