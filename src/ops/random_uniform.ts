import { ENGINE } from '../core/engine.ts';
import type { DataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import { sizeFromShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { nextStream, randomWords, type SeedLike } from '../random/seed.ts';
import { op } from './op.ts';
import { checkRandomArgs, draw, floatStorage, fromFloats } from './random_util.ts';

/**
 * Uniform values in [minval, maxval). float32: minval + u·(maxval − minval) with u from the top
 * 23 bits of a Philox word (TensorFlow's conversion). int32: minval + word mod (maxval − minval).
 * bool (as TF.js): the float value truncated toward zero, true when not 0 — so [0, 2) gives fair
 * coin flips and the default [0, 1) gives all false, exactly as TF.js.
 * Seed rules: see random/seed.ts.
 */
export const randomUniform = op('randomUniform', (shape: number[], minval = 0, maxval = 1, dtype: DataType = 'float32', seed?: SeedLike): Tensor => {
  dtype ??= 'float32';
  checkRandomArgs(shape, dtype, 'randomUniform', ['float32', 'int32', 'bool']);
  if (!(maxval > minval)) fail('randomUniform', `\`maxval\` must be greater than \`minval\`, received minval=${minval}, maxval=${maxval}`);
  if (dtype === 'int32' && (!Number.isInteger(minval) || !Number.isInteger(maxval))) {
    fail('randomUniform', `int32 bounds must be integers, received minval=${minval}, maxval=${maxval}`);
  }
  const n = sizeFromShape(shape);
  return draw([], () => {
    const words = randomWords(nextStream(seed, 'randomUniform'), n);
    if (dtype === 'int32') {
      const range = maxval - minval;
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = minval + (words[i]! % range);
      return ENGINE.makeTensor(out, shape, 'int32');
    }
    if (dtype === 'bool') {
      const out = new Uint8Array(n);
      const span = maxval - minval;
      for (let i = 0; i < n; i++) out[i] = Math.trunc(minval + (words[i]! >>> 9) * 1.1920928955078125e-7 * span) !== 0 ? 1 : 0;
      return ENGINE.makeTensor(out, shape, 'bool');
    }
    const out = floatStorage(n);
    const span = maxval - minval;
    for (let i = 0; i < n; i++) out[i] = minval + (words[i]! >>> 9) * 1.1920928955078125e-7 * span;
    return fromFloats(out, shape);
  }, seed, 'randomUniform', () => shape, dtype);
});
