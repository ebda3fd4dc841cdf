/**
 * `layerNorm(x, gamma, beta, epsilon)`: Keras 3's LayerNormalization over the last axis of x
 * (gamma, beta of shape [x.shape[-1]]), the formula and order of keras.layers.LayerNormalization:
 *
 *   mean, variance = moments(x, -1, keepDims)        (population variance)
 *   inv = rsqrt(variance + epsilon) · gamma ;  res = −mean · inv + beta
 *   y   = x · inv + res
 *
 * The definition is `layerNormComposition` (those ops). With a backend that has the
 * `_LayerNorm` kernel (native), float32 operands of rank ≥ 2 (a rank-1 x's γ and β gradients
 * are not sums: the composition runs), one kernel computes the same float32
 * operations in one pass per row (and `_LayerNormGrad` the composition's gradients: the same
 * products, the same float64 row and column sums) — bit-identical forward and gradients. x's
 * gradient has three contributions in the composition (through x·inv, x − mean and mean(x));
 * the fused node takes x under three input names so that backprop adds them to x's gradient
 * one by one, in the composition's order, interleaved with x's other uses exactly as the
 * composition's would be. `_LayerNormGrad` is backward-only: under an outer tape (second order)
 * or a taped trace, the gradient recomputes the composition and differentiates it. `layerNorm`
 * is a fused op (src/ops/op.ts): graph mode records it as one node, `tf.compare` sees the
 * composition's ops.
 */
import { ENGINE } from '../core/engine.ts';
import { Tape } from '../autodiff/tape.ts';
import type { Tensor } from '../core/tensor.ts';
import { backprop } from '../autodiff/backprop.ts';
import { add } from './add.ts';
import { zeros } from './creation.ts';
import { clone } from './identity.ts';
import { mean } from './mean.ts';
import { mul } from './mul.ts';
import { fusedOp } from './op.ts';
import { neg } from './neg.ts';
import { rsqrt } from './rsqrt.ts';
import { sub } from './sub.ts';

/**
 * The composition, with x's three uses as separate arguments (all x for the op itself; the
 * gradient passes three copies to get its three contributions apart).
 */
export function layerNormComposition(x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number, xSub: Tensor = x, xMean: Tensor = x): Tensor {
  const axes = [x.rank - 1];
  // moments(x, axes, true), written out: mean, d = x − mean, variance = mean(d·d).
  const m = mean(xMean, axes, true);
  const d = sub(xSub, m);
  const variance = mean(mul(d, d), axes, true);
  let inv = rsqrt(add(variance, epsilon));
  if (gamma) inv = mul(inv, gamma);
  let res = mul(neg(m), inv);
  if (beta) res = add(res, beta);
  return add(mul(x, inv), res);
}

function fusable(x: Tensor, gamma: Tensor | null, beta: Tensor | null): boolean {
  if (!ENGINE.hasKernel('_LayerNormGrad')) return false;
  if (!gamma || !beta || x.rank < 2 || x.dtype !== 'float32' || gamma.dtype !== 'float32' || beta.dtype !== 'float32') return false;
  const c = x.shape[x.rank - 1]!;
  if (gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== c || beta.shape[0] !== c || x.size === 0) return false;
  return new Set([x.id, gamma.id, beta.id]).size === 3;
}

/** Keras LayerNormalization over the last axis (see the module comment); gamma / beta may be null. */
export const layerNorm = fusedOp(
  'layerNorm',
  (x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number): Tensor => layerNormComposition(x, gamma, beta, epsilon),
  {
    kernel: '_LayerNorm',
    fits: (x, gamma, beta) => fusable(x, gamma, beta),
    // x three times: the contributions of x·inv, x − mean and mean(x) to its gradient, in that order.
    run: (x, gamma, beta, epsilon) => ENGINE.runKernelMulti('_LayerNorm', { x, gamma: gamma!, beta: beta!, xSub: x, xMean: x }, { epsilon })[0]!,
  },
);

ENGINE.registerGradient('_LayerNorm', (dy, { inputs, outputs, attrs, needed }) => {
  const want = (n: string) => needed === undefined || needed.includes(n);
  const names = ['x', 'gamma', 'beta', 'xSub', 'xMean'].filter(want);
  if (needed !== undefined && dy.dtype === 'float32' && ENGINE.mayUse('_LayerNormGrad')) {
    let got: Tensor[] | null = null;
    const run = (): Tensor[] => {
      got ??= ENGINE.runKernelMulti('_LayerNormGrad', { dy, x: inputs['x']!, gamma: inputs['gamma']!, mean: outputs[1]!, inv0: outputs[2]! },
        { gamma: want('gamma'), beta: want('beta') });
      return got;
    };
    const at: Record<string, number> = { x: 0, xSub: 1, xMean: 2, gamma: 3, beta: want('gamma') ? 4 : 3 };
    const thunks: Record<string, () => Tensor> = {};
    for (const n of names) thunks[n] = () => run()[at[n]!]!;
    return thunks;
  }
  // The composition, recomputed with x's three uses as three copies, differentiated on a tape
  // of its own (recorded by any outer tape).
  let grads: Map<number, Tensor> | null = null;
  let copies: Tensor[] = [];
  const recompute = (): Map<number, Tensor> => {
    if (grads) return grads;
    const x = inputs['x']!;
    const tape = new Tape(false);
    const y = tape.run(() => {
      copies = [clone(x), clone(x), clone(x)];
      for (const t of [...copies, inputs['gamma']!, inputs['beta']!]) tape.watched.add(t.id);
      return layerNormComposition(copies[0]!, inputs['gamma']!, inputs['beta']!, attrs['epsilon'] as number, copies[1]!, copies[2]!);
    });
    grads = backprop(tape.nodes, [y], [dy], [...copies, inputs['gamma']!, inputs['beta']!].map((t) => t.id));
    return grads;
  };
  const pick = (t: () => Tensor) => () => {
    const g = recompute().get(t().id);
    return g ?? zeros(t().shape.slice(), 'float32');
  };
  const thunks: Record<string, () => Tensor> = {};
  const source: Record<string, () => Tensor> = {
    x: () => copies[0]!,
    xSub: () => copies[1]!,
    xMean: () => copies[2]!,
    gamma: () => inputs['gamma']!,
    beta: () => inputs['beta']!,
  };
  for (const n of names) thunks[n] = pick(() => (recompute(), source[n]!()));
  return thunks;
});
