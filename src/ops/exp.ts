import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';

/** e^x. */
export const exp = op('exp', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'exp');
  assertFloat($x, 'x', 'exp');
  return ENGINE.runKernel('Exp', { x: $x });
});

// d e^x = e^x: reuse the saved output.
ENGINE.registerGradient('Exp', (dy, { outputs }) => ({ x: () => mul(dy, outputs[0]!) }));
