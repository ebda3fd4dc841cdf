/**
 * floorDiv(a, b) = floor(a / b), with broadcasting (float32 or int32; int32 division by zero
 * throws as in TF). Piecewise constant: zero gradient (TF registers none; zero is its value
 * almost everywhere).
 */
import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { binaryArgs } from './binary_util.ts';
import type { TensorLike } from './convert.ts';
import { zerosLike } from './creation.ts';
import { op } from './op.ts';

export const floorDiv = op('floorDiv', (a: TensorLike, b: TensorLike): Tensor => {
  const [$a, $b] = binaryArgs(a, b, 'floorDiv');
  return ENGINE.runKernel('FloorDiv', { a: $a, b: $b });
});

ENGINE.registerGradient('FloorDiv', (_dy, { inputs }) => ({
  a: () => zerosLike(inputs['a']!),
  b: () => zerosLike(inputs['b']!),
}));
