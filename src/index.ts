/**
 * idem: TensorFlow and Keras for TypeScript.  `import * as tf from 'idem'`.
 */
import { ENGINE } from './core/engine.ts';
import { ReferenceBackend } from './backends/reference/index.ts';

ENGINE.registerBackend('reference', () => new ReferenceBackend(), 1);
ENGINE.registerBackend('reference64', () => new ReferenceBackend({ precision: 'float64' }), 0);

export type { DataType, TypedArray } from './core/dtypes.ts';
export type { KernelBackend, KernelFunc, TensorInfo, DataId } from './core/backend.ts';
export { Tensor, type Scalar, type Tensor1D, type Tensor2D, type Tensor3D, type Tensor4D, type Tensor5D, type NestedArray } from './core/tensor.ts';
export { Variable } from './core/variable.ts';
export { IdemError } from './core/errors.ts';
export { ENGINE, type GradFunc, type MemoryInfo } from './core/engine.ts';
export { setBackend, getBackend, ready, memory, tidy, dispose, keep, enableDebugMode, disableDebugMode, variable } from './core/api.ts';
export { ReferenceBackend } from './backends/reference/index.ts';
export { GradientTape, type GradientTapeOptions } from './autodiff/tape.ts';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, customGrad } from './autodiff/gradients.ts';
export * from './ops/index.ts';

export function registerBackend(name: string, factory: () => import('./core/backend.ts').KernelBackend | Promise<import('./core/backend.ts').KernelBackend>, priority = 1): boolean {
  return ENGINE.registerBackend(name, factory, priority);
}
