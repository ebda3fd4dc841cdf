/**
 * all(x, axis?, keepDims?) = logical AND over `axis`; any(x, axis?, keepDims?) = logical OR.
 * `x` must be bool (idem never casts silently); an empty reduction gives true (all) / false (any).
 * Not differentiable (bool output).
 */
import { ENGINE } from '../core/engine.ts';
import { parseAxes } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { assertDtype, convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

function logical(name: 'all' | 'any', kernel: 'All' | 'Any') {
  return op(name, (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => {
    const $x = convertToTensor(x, 'x', name, 'bool');
    assertDtype($x, ['bool'], 'x', name);
    const axes = parseAxes(axis, $x.rank, name);
    return ENGINE.runKernel(kernel, { x: $x }, { axes, keepDims });
  });
}

export const all = logical('all', 'All');
export const any = logical('any', 'Any');
