/**
 * `tf.applications`: Keras's ImageNet architectures built layer by layer with Keras's names
 * (`resnet50`, `vgg16`, `mobileNetV2`), and their input preprocessing.
 *
 *   const base = tf.applications.resnet50({ includeTop: false, pooling: 'avg', inputShape: [64, 64, 3] });
 *   const x = tf.applications.resnet50.preprocessInput(images);   // Keras resnet50.preprocess_input
 *   tf.applications.preprocessInput(images, { mode: 'tf' });       // any of 'caffe' | 'tf' | 'torch'
 */
import { resnet50 as buildResNet50 } from './resnet50.ts';
import { vgg16 as buildVGG16 } from './vgg16.ts';
import { mobileNetV2 as buildMobileNetV2 } from './mobilenet_v2.ts';
import { mobileNetV2PreprocessInput, resnet50PreprocessInput, vgg16PreprocessInput } from './preprocess.ts';

export type { ApplicationArgs, ImageShape, Built } from './common.ts';
export type { MobileNetV2Args } from './mobilenet_v2.ts';
export { makeDivisible, correctPad } from './mobilenet_v2.ts';
export { preprocessInput, CAFFE_BGR_MEAN, TORCH_RGB_MEAN, TORCH_RGB_STD, type PreprocessMode } from './preprocess.ts';

/** `tf.applications.resnet50(args)`; `.preprocessInput(x)` is Keras's 'caffe' preprocessing. */
export const resnet50 = Object.assign(buildResNet50, { preprocessInput: resnet50PreprocessInput });
/** `tf.applications.vgg16(args)`; `.preprocessInput(x)` is Keras's 'caffe' preprocessing. */
export const vgg16 = Object.assign(buildVGG16, { preprocessInput: vgg16PreprocessInput });
/** `tf.applications.mobileNetV2({alpha, ...})`; `.preprocessInput(x)` is Keras's 'tf' preprocessing (x / 127.5 − 1). */
export const mobileNetV2 = Object.assign(buildMobileNetV2, { preprocessInput: mobileNetV2PreprocessInput });
