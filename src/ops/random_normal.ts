import { ENGINE } from '../core/engine.ts';
import type { DataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import { sizeFromShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { nextStream, normalsFromWords, randomWords, type SeedLike } from '../random/seed.ts';
import { op } from './op.ts';
import { checkRandomArgs, draw, floatStorage, fromFloats } from './random_util.ts';

/**
 * Normal values mean + stdDev·z, z by Box–Muller from Philox words. Seed rules: random/seed.ts.
 * int32 (as TF.js): the same values rounded to the nearest integer.
 */
export const randomNormal = op('randomNormal', (shape: number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: SeedLike): Tensor => {
  dtype ??= 'float32';
  checkRandomArgs(shape, dtype, 'randomNormal', ['float32', 'int32']);
  if (!(stdDev >= 0)) fail('randomNormal', `\`stdDev\` must be non-negative, received ${stdDev}`);
  const n = sizeFromShape(shape);
  return draw([], () => {
    const z = normalsFromWords(randomWords(nextStream(seed, 'randomNormal'), n + (n % 2)), n);
    if (dtype === 'int32') {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.round(mean + stdDev * z[i]!);
      return ENGINE.makeTensor(out, shape, 'int32');
    }
    const out = floatStorage(n);
    for (let i = 0; i < n; i++) out[i] = mean + stdDev * z[i]!;
    return fromFloats(out, shape);
  }, seed, 'randomNormal', () => shape, dtype);
});

/** `tf.randomStandardNormal(shape, dtype?, seed?)`: mean 0, standard deviation 1. */
export const randomStandardNormal = op('randomStandardNormal', (shape: number[], dtype: DataType = 'float32', seed?: SeedLike): Tensor =>
  randomNormal(shape, 0, 1, dtype, seed),
);

/**
 * Truncated normal: normal values more than two standard deviations from the mean are
 * redrawn (TensorFlow's rule). Candidates are consumed in order from one stream, so the
 * result is deterministic.
 */
export const truncatedNormal = op('truncatedNormal', (shape: number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: SeedLike): Tensor => {
  dtype ??= 'float32';
  checkRandomArgs(shape, dtype, 'truncatedNormal', ['float32', 'int32']);
  if (!(stdDev >= 0)) fail('truncatedNormal', `\`stdDev\` must be non-negative, received ${stdDev}`);
  const n = sizeFromShape(shape);
  return draw([], () => {
    const t = truncatedDraw(n, shape, mean, stdDev, seed);
    if (dtype !== 'int32') return t;
    // int32 (as TF.js): the values rounded to the nearest integer.
    const v = t.dataSync();
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.round(v[i]!);
    return ENGINE.makeTensor(out, shape, 'int32');
  }, seed, 'truncatedNormal', () => shape, dtype);
});

function truncatedDraw(n: number, shape: number[], mean: number, stdDev: number, seed: SeedLike): Tensor {
  const st = nextStream(seed, 'truncatedNormal');
  const out = floatStorage(n);
  // About 95.4% of candidates are accepted; draw in rounds from consecutive sub-streams.
  let filled = 0;
  let round = 0;
  while (filled < n) {
    const want = Math.max(8, Math.ceil((n - filled) * 1.1) + 8);
    const z = normalsFromWords(randomWords({ key: st.key, stream: st.stream + round * 2 ** 40 }, want + (want % 2)), want);
    for (let i = 0; i < want && filled < n; i++) {
      const v = z[i]!;
      if (v >= -2 && v <= 2) out[filled++] = mean + stdDev * v;
    }
    round++;
  }
  return fromFloats(out, shape);
}
