/** log(1 + x), accurate for small x. */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { add } from './add.ts';
import { div } from './div.ts';

export const log1p = op('log1p', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'log1p');
  assertFloat($x, 'x', 'log1p');
  return ENGINE.runKernel('Log1p', { x: $x });
});

// d log(1+x) = 1 / (1 + x)
ENGINE.registerGradient('Log1p', (dy, { inputs }) => ({ x: () => div(dy, add(inputs['x']!, 1)) }));
