import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertFloat, convertToTensor, type TensorLike } from './convert.ts';
import { div } from './div.ts';
import { op } from './op.ts';

/** Natural logarithm (log of a negative number is NaN, of 0 is -Infinity). */
export const log = op('log', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'log');
  assertFloat($x, 'x', 'log');
  return ENGINE.runKernel('Log', { x: $x });
});

ENGINE.registerGradient('Log', (dy, { inputs }) => ({ x: () => div(dy, inputs['x']!) }));
