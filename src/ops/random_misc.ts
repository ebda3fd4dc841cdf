/** Bernoulli draws, multinomial sampling, shuffles and permutations. */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { sizeFromShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { nextStream, randomWords, type SeedLike } from '../random/seed.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { checkRandomArgs, draw, floatStorage } from './random_util.ts';

const U = 1.1920928955078125e-7;

/** 1 with probability `p`, else 0 (`u < p`), as float32. */
export const bernoulli = op('bernoulli', (shape: number[], p: number, seed?: SeedLike): Tensor => {
  checkRandomArgs(shape, 'float32', 'bernoulli');
  if (!(p >= 0 && p <= 1)) fail('bernoulli', `\`p\` must be in [0, 1], received ${p}`);
  const n = sizeFromShape(shape);
  return draw([], () => {
    const w = randomWords(nextStream(seed, 'bernoulli'), n);
    const out = floatStorage(n);
    for (let i = 0; i < n; i++) out[i] = (w[i]! >>> 9) * U < p ? 1 : 0;
    return ENGINE.makeTensor(out, shape, 'float32');
  }, seed, 'bernoulli', () => shape);
});

/**
 * `tf.multinomial(logits, numSamples, seed?, normalized=false)`: for each row of `logits`
 * ([batch, classes] or [classes]), `numSamples` class indices (int32) drawn by inverse CDF.
 * `normalized: true` means the rows are probabilities.
 */
export const multinomial = op('multinomial', (logits: TensorLike, numSamples: number, seed?: SeedLike, normalized = false): Tensor => {
  const $l = convertToTensor(logits, 'logits', 'multinomial');
  if ($l.rank !== 1 && $l.rank !== 2) fail('multinomial', `\`logits\` must be rank 1 or 2, received shape [${$l.shape}]`);
  if (!Number.isInteger(numSamples) || numSamples < 1) fail('multinomial', `\`numSamples\` must be a positive integer, received ${numSamples}`);
  const outShape = $l.rank === 1 ? [numSamples] : [$l.shape[0]!, numSamples];
  return draw([$l], ([l]) => multinomialDraw(l!, numSamples, seed, normalized), seed, 'multinomial', () => outShape, 'int32');
});

function multinomialDraw($l: Tensor, numSamples: number, seed: SeedLike, normalized: boolean): Tensor {
  const rows = $l.rank === 1 ? 1 : $l.shape[0]!;
  const k = $l.shape[$l.rank - 1]!;
  const v = $l.dataSync();
  const w = randomWords(nextStream(seed, 'multinomial'), rows * numSamples);
  const out = new Int32Array(rows * numSamples);
  const probs = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    if (normalized) for (let j = 0; j < k; j++) total += probs[j] = v[r * k + j]!;
    else {
      let m = -Infinity;
      for (let j = 0; j < k; j++) m = Math.max(m, v[r * k + j]!);
      for (let j = 0; j < k; j++) total += probs[j] = Math.exp(v[r * k + j]! - m);
    }
    for (let s = 0; s < numSamples; s++) {
      const u = (w[r * numSamples + s]! >>> 9) * U * total;
      let acc = 0;
      let j = 0;
      for (; j < k - 1; j++) {
        acc += probs[j]!;
        if (u < acc) break;
      }
      out[r * numSamples + s] = j;
    }
  }
  return ENGINE.makeTensor(out, $l.rank === 1 ? [numSamples] : [rows, numSamples], 'int32');
}

/** Fisher–Yates permutation of 0..n-1 from Philox words (the same on every backend). */
export function permutationIndices(n: number, seed: SeedLike, opName: string): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const w = randomWords(nextStream(seed, opName), Math.max(n, 1));
  for (let i = n - 1; i > 0; i--) {
    const j = w[i]! % (i + 1);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}

/** A random permutation of 0..n-1 (int32). */
export const randomPermutation = op('randomPermutation', (n: number, seed?: SeedLike): Tensor => {
  if (!Number.isInteger(n) || n < 0) fail('randomPermutation', `\`n\` must be a non-negative integer, received ${n}`);
  return draw([], () => ENGINE.makeTensor(permutationIndices(n, seed, 'randomPermutation'), [n], 'int32'), seed, 'randomPermutation', () => [n], 'int32');
});

/** Shuffles `x` along its first axis (tf.random.shuffle). Not differentiable. */
export const randomShuffle = op('randomShuffle', (x: TensorLike, seed?: SeedLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'randomShuffle');
  if ($x.rank === 0) fail('randomShuffle', '`x` must have rank ≥ 1, received a scalar');
  return draw([$x], ([t]) => {
    const n = t!.shape[0]!;
    const row = n === 0 ? 0 : t!.size / n;
    const perm = permutationIndices(n, seed, 'randomShuffle');
    const v = t!.dataSync();
    const out = new (v.constructor as { new (n: number): typeof v })(v.length);
    for (let i = 0; i < n; i++) out.set(v.subarray(perm[i]! * row, perm[i]! * row + row), i * row);
    return ENGINE.makeTensor(out, t!.shape, t!.dtype);
  }, seed, 'randomShuffle', ([t]) => t!.shape, $x.dtype);
});

