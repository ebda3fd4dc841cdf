/** √x (NaN for x < 0). */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { div } from './div.ts';
import { mul } from './mul.ts';

export const sqrt = op('sqrt', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'sqrt');
  assertFloat($x, 'x', 'sqrt');
  return ENGINE.runKernel('Sqrt', { x: $x });
});

// d √x = 1 / (2√x): reuse the output.
ENGINE.registerGradient('Sqrt', (dy, { outputs }) => ({ x: () => div(dy, mul(outputs[0]!, 2)) }));
