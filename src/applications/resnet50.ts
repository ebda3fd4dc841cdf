/**
 * `tf.applications.resnet50(args)`: Keras's `keras.applications.ResNet50` (He et al. 2015,
 * "Deep Residual Learning"), layer for layer with Keras's names, so `summary()` reads as
 * Keras's and a Keras weights file loads by name.
 *
 * Stem: `conv1_pad` ZeroPadding2D 3 → `conv1_conv` Conv2D 64 7×7 stride 2 (valid, bias) →
 * `conv1_bn` (epsilon 1.001e-5) → `conv1_relu` → `pool1_pad` ZeroPadding2D 1 → `pool1_pool`
 * MaxPooling2D 3×3 stride 2.
 * Four stacks `conv2`..`conv5` of 3, 4, 6, 3 bottleneck blocks with 64, 128, 256, 512 filters
 * (stride 1 for conv2, 2 for the others, on the first block's 1×1 convs). Block `convS_blockB`:
 *   shortcut (first block only): `_0_conv` 1×1 4f (the block's stride) → `_0_bn`;
 *   `_1_conv` 1×1 f (stride) → `_1_bn` → `_1_relu` → `_2_conv` 3×3 f same → `_2_bn` → `_2_relu`
 *   → `_3_conv` 1×1 4f → `_3_bn` → `_add` (shortcut + x) → `_out` relu.
 * Every conv has a bias; every BatchNormalization uses epsilon 1.001e-5 and Keras's momentum 0.99.
 * Top: `avg_pool` GlobalAveragePooling2D → `predictions` Dense(classes, softmax); without the
 * top, `pooling: 'avg'` adds `avg_pool` and `'max'` adds `max_pool`.
 * With the top at 224×224×3: 25,636,712 parameters (53,120 of them the BN moving statistics).
 */
import { Activation } from '../layers/core.ts';
import { BatchNormalization } from '../layers/normalization.ts';
import { Conv2D } from '../layers/convolutional.ts';
import { Add } from '../layers/merge.ts';
import { GlobalAveragePooling2D, MaxPooling2D } from '../layers/pooling.ts';
import { ZeroPadding2D } from '../layers/reshaping.ts';
import type { KerasTensor } from '../layers/layer.ts';
import { LayersModel } from '../models/model.ts';
import { finishWithWeights, imageInput, modelInputs, obtainInputShape, poolingTop, predictions, resolveArgs, type ApplicationArgs, type Built } from './common.ts';

const BN_EPSILON = 1.001e-5;

type KT = KerasTensor;

function bn(x: KT, name: string): KT {
  return new BatchNormalization({ axis: -1, epsilon: BN_EPSILON, name }).apply(x) as KT;
}

function conv(x: KT, filters: number, kernelSize: number, name: string, strides = 1, padding: 'valid' | 'same' = 'valid'): KT {
  return new Conv2D({ filters, kernelSize, strides, padding, name }).apply(x) as KT;
}

function relu(x: KT, name: string): KT {
  return new Activation({ activation: 'relu', name }).apply(x) as KT;
}

/** Keras `residual_block_v1`: the bottleneck block (with a projection shortcut when `convShortcut`). */
function block(x: KT, filters: number, stride: number, convShortcut: boolean, name: string): KT {
  const shortcut = convShortcut ? bn(conv(x, 4 * filters, 1, `${name}_0_conv`, stride), `${name}_0_bn`) : x;
  let y = relu(bn(conv(x, filters, 1, `${name}_1_conv`, stride), `${name}_1_bn`), `${name}_1_relu`);
  y = relu(bn(conv(y, filters, 3, `${name}_2_conv`, 1, 'same'), `${name}_2_bn`), `${name}_2_relu`);
  y = bn(conv(y, 4 * filters, 1, `${name}_3_conv`), `${name}_3_bn`);
  const sum = new Add({ name: `${name}_add` }).apply([shortcut, y]) as KT;
  return relu(sum, `${name}_out`);
}

/** Keras `stack_residual_blocks_v1`: the first block projects (with `stride1`), the rest are identity blocks. */
function stack(x: KT, filters: number, blocks: number, stride1: number, name: string): KT {
  let y = block(x, filters, stride1, true, `${name}_block1`);
  for (let i = 2; i <= blocks; i++) y = block(y, filters, 1, false, `${name}_block${i}`);
  return y;
}

/** Stage layout of ResNet50: [filters, blocks, first stride]. */
export const RESNET50_STACKS: readonly (readonly [number, number, number])[] = [
  [64, 3, 1],
  [128, 4, 2],
  [256, 6, 2],
  [512, 3, 2],
];

/** Builds ResNet50 (see the file comment); `weights`: null (seeded random) or a local Keras file. */
export function resnet50<A extends ApplicationArgs = {}>(args?: A): Built<A>;
export function resnet50(args: ApplicationArgs = {}): LayersModel | Promise<LayersModel> {
  const r = resolveArgs('resnet50', args);
  const shape = obtainInputShape('resnet50', r, 224, 32);
  const img = imageInput(r, shape);
  let x = new ZeroPadding2D({ padding: [[3, 3], [3, 3]], name: 'conv1_pad' }).apply(img) as KT;
  x = conv(x, 64, 7, 'conv1_conv', 2);
  x = relu(bn(x, 'conv1_bn'), 'conv1_relu');
  x = new ZeroPadding2D({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }).apply(x) as KT;
  x = new MaxPooling2D({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as KT;
  RESNET50_STACKS.forEach(([filters, blocks, stride], i) => {
    x = stack(x, filters, blocks, stride, `conv${i + 2}`);
  });
  if (r.includeTop) {
    x = new GlobalAveragePooling2D({ name: 'avg_pool' }).apply(x) as KT;
    x = predictions(x, r);
  } else {
    x = poolingTop(x, r.pooling, { avg: 'avg_pool', max: 'max_pool' });
  }
  const m = new LayersModel({ inputs: modelInputs(img), outputs: x, name: r.name ?? 'resnet50' });
  return finishWithWeights('resnet50', m, r.weights);
}
