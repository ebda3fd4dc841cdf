/**
 * argMax(x, axis = 0) / argMin(x, axis = 0): int32 index of the largest (smallest) element
 * along one axis, the first one on ties (TF.js default axis 0). Not differentiable: the
 * registered gradient is zero, as TF.js.
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { parseAxis } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { zerosLike } from './creation.ts';
import { op } from './op.ts';

function argExtremum(name: 'argMax' | 'argMin', kernel: 'ArgMax' | 'ArgMin') {
  return op(name, (x: TensorLike, axis = 0): Tensor => {
    const $x = convertToTensor(x, 'x', name);
    assertNumeric($x, 'x', name);
    if ($x.rank === 0) fail(name, '`x` must have rank >= 1, received a scalar');
    const ax = parseAxis(axis, $x.rank, name);
    if ($x.shape[ax] === 0) fail(name, `cannot take ${name} over axis ${ax} of size 0 (x shape [${$x.shape}])`);
    return ENGINE.runKernel(kernel, { x: $x }, { axis: ax });
  });
}

export const argMax = argExtremum('argMax', 'ArgMax');
export const argMin = argExtremum('argMin', 'ArgMin');

ENGINE.registerGradient('ArgMax', (_dy, { inputs }) => ({ x: () => zerosLike(inputs['x']!) }));
ENGINE.registerGradient('ArgMin', (_dy, { inputs }) => ({ x: () => zerosLike(inputs['x']!) }));
