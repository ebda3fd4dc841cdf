/**
 * The public API shared by both entries: `src/index.ts` (Node: adds the native backend, image
 * folders, TensorBoard and summaries) and `src/browser.ts` (web pages and workers: the same
 * names, Node-only ones throwing an error that says what to use instead). Nothing reachable from
 * here imports a Node built-in (test/browser_build.test.ts checks it): Node's file system and
 * friends come through src/platform.
 *
 * Add new public exports HERE (not to src/index.ts), so the browser entry has them too;
 * test/browser_build.test.ts checks that both entries export the same names.
 */
import { ENGINE } from './core/engine.ts';
import { ReferenceBackend } from './backends/reference/index.ts';
import { registerWasmBackend } from './backends/wasm/index.ts';
import { registerLazyWebGPU, registerWebGPU } from './backends/webgpu_lazy.ts';
import type { WebGPUBackend, WebGPUOptions } from './backends/webgpu/index.ts';
export { setNumThreads, getNumThreads } from './backends/threads.ts';

ENGINE.registerBackend('reference', () => new ReferenceBackend(), 1);
ENGINE.registerBackend('reference64', () => new ReferenceBackend({ precision: 'float64' }), 0);
// WebAssembly SIMD (priority 1.5: the default where the native addon is missing, e.g. browsers).
registerWasmBackend(ENGINE);
// WebGPU: `await tf.setBackend('webgpu')` creates it on first use (navigator.gpu, or Node's optional
// `webgpu` package); `await tf.registerWebGPUBackend({gpu})` registers it ranked by its adapter. Its
// code is imported on first use (src/backends/webgpu_lazy.ts): a chunk of its own in the bundle.
registerLazyWebGPU(ENGINE);

export type { DataType, TypedArray } from './core/dtypes.ts';
export type { KernelBackend, KernelFunc, TensorInfo, DataId } from './core/backend.ts';
export { Tensor, type Scalar, type Tensor1D, type Tensor2D, type Tensor3D, type Tensor4D, type Tensor5D, type NestedArray } from './core/tensor.ts';
export { Variable } from './core/variable.ts';
export { IdemError } from './core/errors.ts';
export { setLimits, getLimits, type Limits } from './core/limits.ts';
export { ENGINE, type GradFunc, type MemoryInfo } from './core/engine.ts';
export { setBackend, getBackend, ready, memory, tidy, dispose, keep, enableDebugMode, disableDebugMode, variable } from './core/api.ts';
export { ReferenceBackend } from './backends/reference/index.ts';
// Types only: the backend's code loads with it (its kernel table: src/backends/webgpu/index.ts's WEBGPU_KERNELS).
export type { WebGPUBackend, WebGPUMemory, WebGPUOptions, GPULike } from './backends/webgpu/index.ts';
/**
 * Registers the WebGPU backend on `options.gpu` (Node: `create([])` of the `webgpu` package), else
 * `navigator.gpu`, else the `webgpu` package; ranked below native/wasm on a software adapter and
 * above them on hardware. Resolves to the backend, or null when no adapter was found.
 */
export function registerWebGPUBackend(options: WebGPUOptions = {}): Promise<WebGPUBackend | null> {
  return registerWebGPU(ENGINE, options);
}
/** TF.js `removeBackend`: unregisters a backend (the next op picks the best remaining one if it was current). */
export function removeBackend(name: string): boolean {
  return ENGINE.removeBackend(name);
}
export { GradientTape, type GradientTapeOptions } from './autodiff/tape.ts';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, customGrad } from './autodiff/gradients.ts';
export * from './ops/index.ts';
/**
 * `tf.fused.matMul({a, b, bias, activation, ...})` and `tf.fused.conv2d({x, filter, strides, pad,
 * bias, activation, ...})`: bit-identical to matMul / conv2d + add + activation, one kernel on native.
 */
export * as fused from './ops/fused.ts';
import './ops/chain.ts';
import './ops/chain_tfjs.ts';
/** `tf.util`: TF.js's helpers (`assert`, `shuffle` — seeded —, `sizeFromShape`, `flatten`, ...). */
export * as util from './ops/util.ts';
export { nextFrame, print } from './ops/util.ts';
export { buffer, TensorBuffer } from './ops/buffer.ts';

import {
  nnDropout,
  softmax as _softmax,
  logSoftmax as _logSoftmax,
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
  sigmoidCrossEntropyWithLogits,
  moments as _moments,
  batchNorm as _batchNorm,
  relu as _relu,
  relu6 as _relu6,
  elu as _elu,
  selu as _selu,
  sigmoid as _sigmoid,
  softplus as _softplus,
  gelu as _gelu,
  leakyRelu as _leakyRelu,
  conv2d as _conv2d,
  conv1d as _conv1d,
  depthwiseConv2d as _depthwiseConv2d,
  conv2dTranspose as _conv2dTranspose,
  maxPool as _maxPool,
  avgPool as _avgPool,
} from './ops/index.ts';

/**
 * `tf.nn`: TensorFlow's neural-network namespace. `tf.nn.dropout(x, {rate, noiseShape, seed})`
 * takes `rate`, the fraction dropped (TensorFlow 2), never a keep probability.
 */
export const nn = {
  dropout: nnDropout,
  softmax: _softmax,
  logSoftmax: _logSoftmax,
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
  sigmoidCrossEntropyWithLogits,
  moments: _moments,
  batchNormalization: _batchNorm,
  relu: _relu,
  relu6: _relu6,
  elu: _elu,
  selu: _selu,
  sigmoid: _sigmoid,
  softplus: _softplus,
  gelu: _gelu,
  leakyRelu: _leakyRelu,
  conv1d: _conv1d,
  conv2d: _conv2d,
  depthwiseConv2d: _depthwiseConv2d,
  conv2dTranspose: _conv2dTranspose,
  maxPool: _maxPool,
  avgPool: _avgPool,
};

export * as initializers from './initializers/index.ts';
export { Initializer, getInitializer } from './initializers/index.ts';
export {
  train,
  Optimizer,
  SGD,
  Adam,
  AdamW,
  Adamax,
  Adagrad,
  Adadelta,
  RMSprop,
  schedules,
  getOptimizer,
  deserializeOptimizer,
  SGDOptimizer,
  MomentumOptimizer,
  AdamOptimizer,
  AdamaxOptimizer,
  AdagradOptimizer,
  AdadeltaOptimizer,
  RMSPropOptimizer,
} from './optimizers/index.ts';
export { losses, Reduction } from './losses/index.ts';
export {
  placeholder,
  placeholderWithDefault,
  Session,
  SymbolicTensor,
  Graph,
  getDefaultGraph,
  resetDefaultGraph,
  disableEagerExecution,
  enableEagerExecution,
  executingEagerly,
  globalVariablesInitializer,
  type FeedDict,
  type GraphJSON,
} from './graph/graph.ts';
export { tfFunction as function, tfFunction, type TracedFunction } from './graph/function.ts';
export { variableScope, getVariable, globalVariables, trainableVariables, resetVariableStore, currentScopeName, type Reuse, type GetVariableOptions } from './variables/scope.ts';

export { utils, Dataset, readIdx, toCategorical, CSVDataset, type CSVConfig, type ColumnConfig } from './data/common.ts';
export type { ImageFolderOptions } from './data/image_folder.ts';

export {
  layers, serialization, input, Layer, KerasTensor, Dense, Dropout, Activation, Flatten, Reshape, InputLayer, BatchNormalization,
  resetLayerNames, l1l2, registerLayer, deserializeLayer, type CallKwargs, type Shape, type LayerArgs,
} from './layers/index.ts';
export { constraints, getConstraint } from './layers/constraints.ts';
export { regularizers } from './layers/regularizers.ts';
export {
  LayersModel, Sequential, model, sequential, Callback, CustomCallback, History, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler,
  CSVLogger, TerminateOnNaN, ModelCheckpoint, saveModelWeights, loadModelWeights, type FitArgs, type CompileArgs,
} from './models/index.ts';
/** Saving and loading (Keras .keras/.h5, TF.js model.json, safetensors); importing it enables model.save/saveWeights/loadWeights. */
export {
  loadLayersModel, saveModel, saveWeights, loadWeights,
  type IOHandler, type ModelArtifacts, type SaveResult, type LoadWeightsOptions, type LoadModelOptions, type HttpOptions, type ModelArtifactsInfo,
} from './io/front.ts';
export type { TensorBoardArgs } from './summary/index.ts';
// `tf.io` and `tf.applications` are defined by each entry (the browser loads parts of them with `await tf.ready()`).
export { moreLossObjects, confusionMatrix } from './metrics/index.ts';
export { metrics } from './metrics/tfjs_metrics.ts';
export { kerasLosses, categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy } from './losses/keras.ts';
export { Metric, categoricalAccuracy, sparseCategoricalAccuracy, binaryAccuracy } from './metrics/keras_metrics.ts';

export function registerBackend(name: string, factory: () => import('./core/backend.ts').KernelBackend | Promise<import('./core/backend.ts').KernelBackend>, priority = 1): boolean {
  return ENGINE.registerBackend(name, factory, priority);
}
// `compare`, `lint` and their formatters are exported by each entry (the browser loads their code
// on `await tf.ready()`, or when `fit` first runs its lint).
export type { LintOptions } from './compare/lint.ts';
export type { CompareOptions, CompareReport, CompareRow, CompareSection, Divergence, LintFinding, HandModel, CompareModel, CompareData } from './compare/index.ts';
/** `tf.browser`: fromPixels, fromPixelsAsync, toPixels, draw (TF.js's conventions). */
export { browser, type PixelData, type PixelSource } from './web/pixels.ts';
export type { WebcamIterator, WebcamConfig } from './web/webcam.ts';
