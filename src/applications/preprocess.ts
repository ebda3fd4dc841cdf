/**
 * ImageNet input preprocessing (Keras `imagenet_utils.preprocess_input`), on RGB images with
 * values in [0, 255], shaped [height, width, 3] or [batch, height, width, 3] (channels_last):
 *
 * - `'caffe'` (ResNet50, VGG16): RGB → BGR (reverse the channel axis), then subtract the ImageNet
 *   channel means in BGR order: y = x_bgr − [103.939, 116.779, 123.68]. No scaling.
 * - `'tf'` (MobileNetV2): y = x / 127.5 − 1, into [−1, 1] (division then subtraction, as Keras).
 * - `'torch'`: y = (x / 255 − [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225] per RGB channel.
 *
 * int32 images are cast to float32 first (Keras casts non-float input to floatx); any other
 * dtype or a last axis other than 3 throws. The input is never modified (a new tensor comes back).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { tidy } from '../core/api.ts';
import { cast } from '../ops/cast.ts';
import { tensor } from '../ops/creation.ts';
import { div } from '../ops/div.ts';
import { reverse } from '../ops/reverse.ts';
import { sub } from '../ops/sub.ts';

export type PreprocessMode = 'caffe' | 'tf' | 'torch';

/** The ImageNet channel means in BGR order that 'caffe' mode subtracts. */
export const CAFFE_BGR_MEAN: readonly [number, number, number] = [103.939, 116.779, 123.68];
/** 'torch' mode's RGB mean and standard deviation (of pixels scaled to [0, 1]). */
export const TORCH_RGB_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const TORCH_RGB_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** `tf.applications.preprocessInput(x, {mode})`: one of Keras's three ImageNet preprocessings. */
export function preprocessInput(x: Tensor, args: { mode: PreprocessMode }): Tensor {
  const who = 'preprocessInput';
  if (args === null || typeof args !== 'object') fail(who, `expected options {mode: 'caffe' | 'tf' | 'torch'}, received ${String(args)}`);
  const mode = args.mode;
  if (mode !== 'caffe' && mode !== 'tf' && mode !== 'torch') fail(who, `Received an invalid value for \`mode\`, expected 'caffe', 'tf' or 'torch'. Received: mode=${JSON.stringify(mode)}`);
  if (!x || typeof (x as Tensor).rank !== 'number') fail(who, `\`x\` must be a Tensor, received ${typeof x}`);
  if (x.rank !== 3 && x.rank !== 4) fail(who, `\`x\` must be an image [height, width, 3] or a batch [batch, height, width, 3], received shape ${fmtShape(x.shape)}`);
  if (x.shape[x.rank - 1] !== 3) fail(who, `\`x\` must have 3 channels (RGB) on its last axis, received shape ${fmtShape(x.shape)}`);
  if (x.dtype !== 'float32' && x.dtype !== 'int32') fail(who, `\`x\` must be float32 or int32, received ${x.dtype}`);
  return tidy(() => {
    const f = x.dtype === 'float32' ? x : cast(x, 'float32');
    if (mode === 'tf') return sub(div(f, 127.5), 1);
    if (mode === 'torch') return div(sub(div(f, 255), tensor([...TORCH_RGB_MEAN])), tensor([...TORCH_RGB_STD]));
    return sub(reverse(f, -1), tensor([...CAFFE_BGR_MEAN]));
  });
}

/** Keras `resnet50.preprocess_input`: 'caffe' mode. */
export function resnet50PreprocessInput(x: Tensor): Tensor {
  return preprocessInput(x, { mode: 'caffe' });
}

/** Keras `vgg16.preprocess_input`: 'caffe' mode. */
export function vgg16PreprocessInput(x: Tensor): Tensor {
  return preprocessInput(x, { mode: 'caffe' });
}

/** Keras `mobilenet_v2.preprocess_input`: 'tf' mode. */
export function mobileNetV2PreprocessInput(x: Tensor): Tensor {
  return preprocessInput(x, { mode: 'tf' });
}
