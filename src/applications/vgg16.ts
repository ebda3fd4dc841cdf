/**
 * `tf.applications.vgg16(args)`: Keras's `keras.applications.VGG16` (Simonyan & Zisserman 2014),
 * with Keras's layer names.
 *
 * Five blocks of 3×3 'same' Conv2D + relu (with bias) and a 2×2 stride-2 MaxPooling2D:
 *   block1: 64, 64 · block2: 128, 128 · block3: 256 ×3 · block4: 512 ×3 · block5: 512 ×3
 * named `block{b}_conv{i}` and `block{b}_pool`. Top: `flatten` → `fc1` Dense 4096 relu → `fc2`
 * Dense 4096 relu → `predictions` Dense(classes, softmax). Without the top, `pooling` adds an
 * automatically named GlobalAveragePooling2D / GlobalMaxPooling2D, as in Keras.
 * With the top at 224×224×3: 138,357,544 parameters (all trainable; 14,714,688 without the top).
 */
import { Conv2D } from '../layers/convolutional.ts';
import { Dense, Flatten } from '../layers/core.ts';
import type { KerasTensor } from '../layers/layer.ts';
import { MaxPooling2D } from '../layers/pooling.ts';
import { LayersModel } from '../models/model.ts';
import { finishWithWeights, imageInput, modelInputs, obtainInputShape, poolingTop, predictions, resolveArgs, type ApplicationArgs, type Built } from './common.ts';

type KT = KerasTensor;

/** Convolutions per block: [filters, count]. */
export const VGG16_BLOCKS: readonly (readonly [number, number])[] = [
  [64, 2],
  [128, 2],
  [256, 3],
  [512, 3],
  [512, 3],
];

/** Builds VGG16 (see the file comment); `weights`: null (seeded random) or a local Keras file. */
export function vgg16<A extends ApplicationArgs = {}>(args?: A): Built<A>;
export function vgg16(args: ApplicationArgs = {}): LayersModel | Promise<LayersModel> {
  const r = resolveArgs('vgg16', args);
  const shape = obtainInputShape('vgg16', r, 224, 32);
  const img = imageInput(r, shape);
  let x: KT = img;
  VGG16_BLOCKS.forEach(([filters, count], b) => {
    for (let i = 1; i <= count; i++) {
      x = new Conv2D({ filters, kernelSize: 3, activation: 'relu', padding: 'same', name: `block${b + 1}_conv${i}` }).apply(x) as KT;
    }
    x = new MaxPooling2D({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x) as KT;
  });
  if (r.includeTop) {
    x = new Flatten({ name: 'flatten' }).apply(x) as KT;
    x = new Dense({ units: 4096, activation: 'relu', name: 'fc1' }).apply(x) as KT;
    x = new Dense({ units: 4096, activation: 'relu', name: 'fc2' }).apply(x) as KT;
    x = predictions(x, r);
  } else {
    x = poolingTop(x, r.pooling);
  }
  const m = new LayersModel({ inputs: modelInputs(img), outputs: x, name: r.name ?? 'vgg16' });
  return finishWithWeights('vgg16', m, r.weights);
}
