// Convolution, pooling and batch normalization ops.
export { conv2d } from './conv2d.ts';
export { conv1d } from './conv1d.ts';
export { depthwiseConv2d } from './depthwise_conv2d.ts';
export { conv2dTranspose } from './conv2d_transpose.ts';
export { maxPool } from './max_pool.ts';
export { avgPool } from './avg_pool.ts';
export { batchNorm, batchNorm2d, batchNorm3d, batchNorm4d } from './batch_norm.ts';
export { batchNormTraining, type BatchNormTrainingArgs, type BatchNormTrainingResult } from './batch_norm_training.ts';
export type { PadSpec, ExplicitPadding, RoundingMode } from './conv_util.ts';
