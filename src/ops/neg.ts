import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

/** -x. */
export const neg = op('neg', (x: TensorLike): Tensor => {
  const $x = convertToTensor(x, 'x', 'neg');
  assertNumeric($x, 'x', 'neg');
  return ENGINE.runKernel('Neg', { x: $x });
});

ENGINE.registerGradient('Neg', (dy) => ({ x: () => neg(dy) }));
