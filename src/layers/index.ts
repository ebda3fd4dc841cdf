/** `tf.layers.*` factories (TF.js shape) and the layer classes. */
import { Activation, Dense, Dropout, Flatten, InputLayer, Reshape, input, type DenseArgs, type DropoutArgs, type InputLayerArgs } from './core.ts';
import { BatchNormalization, type BatchNormalizationArgs } from './normalization.ts';
import { ReLU, type ReLUArgs } from './activations.ts';
import type { LayerArgs } from './layer.ts';
import { convLayers } from './convolutional.ts';
import { poolingLayers } from './pooling.ts';
import { reshapingLayers } from './reshaping.ts';
import { recurrentLayers } from './recurrent.ts';
import { mergeLayers } from './merge.ts';
import { attentionLayers } from './attention.ts';
import { embeddingLayers } from './embedding.ts';
import { noiseLayers } from './noise.ts';
import { miscLayers } from './misc.ts';
import { activationLayers } from './activation_layers.ts';
import { cellLayers, RNN, RNNCell } from './rnn_cells.ts';
import { Layer } from './layer.ts';

export { Layer, KerasTensor, resetLayerNames, toSnakeCase, type LayerArgs, type CallKwargs, type Shape, type LayerNode } from './layer.ts';
export { Activation, Dense, Dropout, Flatten, InputLayer, Reshape, input, type DenseArgs, type DropoutArgs, type InputLayerArgs } from './core.ts';
export { BatchNormalization, type BatchNormalizationArgs } from './normalization.ts';
export { l1l2, getRegularizer, type Regularizer } from './regularizers.ts';
export { activationName, getActivation, ReLU, type ReLUArgs } from './activations.ts';
export { Conv1D, Conv2D, Conv3D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from './convolutional.ts';
export * from './pooling.ts';
export * from './reshaping.ts';
export * from './recurrent.ts';
export { Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot } from './merge.ts';
export { MultiHeadAttention, LayerNormalization } from './attention.ts';
export { Embedding, Masking } from './embedding.ts';
export { SpatialDropout1D, SpatialDropout2D, GaussianNoise, GaussianDropout, AlphaDropout } from './noise.ts';
export { Permute, RepeatVector } from './misc.ts';
export { ELU, LeakyReLU, Softmax, ThresholdedReLU, PReLU, type ELUArgs, type LeakyReLUArgs, type SoftmaxArgs, type ThresholdedReLUArgs, type PReLUArgs } from './activation_layers.ts';
export { registerLayer, deserializeLayer, registeredLayerNames, fromConfig } from './registry.ts';
export { serialization, registerClass } from './serialization.ts';
export { SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells, RNN, RNNCell, type RNNArgs, type StackedRNNCellsArgs } from './rnn_cells.ts';

export const layers = {
  inputLayer: (args: InputLayerArgs) => new InputLayer(args),
  dense: (args: DenseArgs) => new Dense(args),
  activation: (args: LayerArgs & { activation: string }) => new Activation(args),
  dropout: (args: DropoutArgs) => new Dropout(args),
  flatten: (args: LayerArgs = {}) => new Flatten(args),
  reshape: (args: LayerArgs & { targetShape: number[] }) => new Reshape(args),
  batchNormalization: (args: BatchNormalizationArgs = {}) => new BatchNormalization(args),
  reLU: (args: ReLUArgs = {}) => new ReLU(args),
  ...convLayers,
  ...poolingLayers,
  ...reshapingLayers,
  ...recurrentLayers,
  ...mergeLayers,
  ...attentionLayers,
  ...embeddingLayers,
  ...noiseLayers,
  ...miscLayers,
  ...activationLayers,
  ...cellLayers,
  /** The generic recurrent layer and the base class of a program's own cells (TF.js exports both). */
  RNN,
  RNNCell,
  // TF.js spellings of the same layers.
  cropping2D: reshapingLayers.cropping2d,
  maxPool1d: poolingLayers.maxPooling1d,
  maxPool2d: poolingLayers.maxPooling2d,
  avgPool1d: poolingLayers.averagePooling1d,
  avgPool2d: poolingLayers.averagePooling2d,
  avgPooling1d: poolingLayers.averagePooling1d,
  avgPooling2d: poolingLayers.averagePooling2d,
  avgPool3d: poolingLayers.averagePooling3d,
  avgPooling3d: poolingLayers.averagePooling3d,
  globalMaxPool1d: poolingLayers.globalMaxPooling1d,
  globalMaxPool2d: poolingLayers.globalMaxPooling2d,
  /** `tf.layers.input(config)` = `tf.input(config)`. */
  input,
  /** The base class of custom layers (`class MyLayer extends tf.layers.Layer`). */
  Layer,
};
