import { ENGINE } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';

/** A new tensor with the same values (TF.js `clone`). */
export const clone = op('clone', (x: TensorLike): Tensor => ENGINE.runKernel('Identity', { x: convertToTensor(x, 'x', 'clone') }));

ENGINE.registerGradient('Identity', (dy) => ({ x: () => dy }));
