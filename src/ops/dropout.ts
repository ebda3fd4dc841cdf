import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { sizeFromShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { nextStream, randomWords, type SeedLike } from '../random/seed.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { mul } from './mul.ts';
import { fused, op } from './op.ts';
import { fill } from './creation.ts';
import { fromFloats, floatStorage } from './random_util.ts';

/**
 * Dropout with TensorFlow 2 / Keras semantics: `rate` is the fraction of units DROPPED (not a
 * keep probability). A unit is kept where u ≥ rate (u uniform in [0, 1)); kept units are
 * scaled by 1/(1 − rate) so the expected value is unchanged ("inverted dropout"):
 *   y = (x · 1/(1 − rate)) · mask
 * `noiseShape` (broadcastable to x's shape) shares one mask value along its size-1 axes.
 * A seed makes the mask sequence deterministic, not constant (new mask on every call).
 */
export const dropout = op('dropout', (x: TensorLike, rate: number, noiseShape?: number[] | null, seed?: SeedLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'dropout');
  assertFloat($x, 'x', 'dropout');
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    fail('dropout', `\`rate\` is the fraction of units to drop and must be in [0, 1), received rate=${rate}`);
  }
  const shape = noiseShape ?? $x.shape;
  if (noiseShape) {
    const ok = noiseShape.length === $x.rank && noiseShape.every((d, i) => d === $x.shape[i] || d === 1);
    if (!ok) fail('dropout', `\`noiseShape\` must have x's rank with each dimension equal to x's or 1: x is ${fmtShape($x.shape)}, noiseShape is ${fmtShape(noiseShape)}`);
  }
  if (rate === 0) return mul($x, 1);
  return dropoutMasked($x, rate, shape, seed);
});

/** mask_i = 1 where the Philox uniform u_i ≥ rate, else 0: one random draw (a replayable effect). */
function dropoutMask(rate: number, shape: readonly number[], seed: SeedLike): Tensor {
  return ENGINE.effect(
    [],
    () => {
      const n = sizeFromShape(shape);
      const words = randomWords(nextStream(seed, 'dropout'), n);
      const m = floatStorage(n);
      for (let i = 0; i < n; i++) m[i] = (words[i]! >>> 9) * 1.1920928955078125e-7 >= rate ? 1 : 0;
      return fromFloats(m, shape.slice());
    },
    () => fill(shape.slice(), 1, 'float32'),
  );
}

/**
 * y = (x · 1/(1 − rate)) · mask. Fast path: the fused `Dropout` kernel (native, wasm) — the same
 * Philox draws, mask and two float32 products in one pass; its gradient below is the
 * composition's, op for op. Bit-identical. Both of its outputs come from the effect (a
 * tf.function replay draws again; the gradient reads the mask).
 */
const dropoutMasked = fused(
  (x: Tensor, rate: number, shape: readonly number[], seed: SeedLike): Tensor => {
    const mask = dropoutMask(rate, shape, seed);
    return mul(mul(x, 1 / (1 - rate)), mask);
  },
  {
    kernel: 'Dropout',
    fits: (x, _rate, shape) => x.dtype === 'float32' && shape.every((d, i) => d === x.shape[i]),
    run: (x, rate, _shape, seed) =>
      ENGINE.effect(
        [x],
        ([xx]) => {
          const st = nextStream(seed, 'dropout');
          return ENGINE.runKernelMulti('Dropout', { x: xx! }, { rate, key0: st.key[0], key1: st.key[1], stream: st.stream });
        },
        ([xx]) => [xx!, fill(xx!.shape, 1, 'float32')],
      )[0]!,
  },
);

// The fused kernel's gradient: the composition mul(mul(x, s), mask) differentiated op by op
// (Mul's gradient is dy·other operand): dx = (dy · mask) · s, s = 1/(1 − rate); fast path: one
// `_DropoutGrad` kernel (the same two float32 products).
const dropoutGrad = fused(
  (dy: Tensor, mask: Tensor, rate: number): Tensor => mul(mul(dy, mask), 1 / (1 - rate)),
  {
    kernel: '_DropoutGrad',
    fits: (dy) => dy.dtype === 'float32',
    run: (dy, mask, rate) => ENGINE.runKernel('_DropoutGrad', { dy, mask }, { scale: Math.fround(1 / (1 - rate)) }),
  },
);

ENGINE.registerGradient('Dropout', (dy, { outputs, attrs }) => ({ x: () => dropoutGrad(dy, outputs[1]!, attrs['rate'] as number) }));

// Its gradient (second order) is the composition's: out = t · s with t = dy · mask, so
// dt = g · s, d(dy) = dt · mask, d(mask) = dt · dy.
ENGINE.registerGradient('_DropoutGrad', (g, { inputs, attrs }) => ({
  dy: () => mul(mul(g, attrs['scale'] as number), inputs['mask']!),
  mask: () => mul(mul(g, attrs['scale'] as number), inputs['dy']!),
}));

/** `tf.nn.dropout(x, {rate, noiseShape, seed})`: the TensorFlow 2 keyword form of `dropout`. */
export function nnDropout(x: TensorLike, args: { rate: number; noiseShape?: number[]; seed?: SeedLike }): Tensor {
  if (typeof args !== 'object' || args === null) fail('nn.dropout', '`args` must be an object {rate, noiseShape?, seed?}');
  if ('keepProb' in args || 'keep_prob' in args) {
    fail('nn.dropout', 'takes `rate` (the fraction dropped), not a keep probability: pass {rate: 1 - keepProb}');
  }
  for (const k of Object.keys(args)) if (!['rate', 'noiseShape', 'seed'].includes(k)) fail('nn.dropout', `unknown option \`${k}\` (expected rate, noiseShape, seed)`);
  return dropout(x, args.rate, args.noiseShape, args.seed);
}
