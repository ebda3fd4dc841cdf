/**
 * `tf.applications.mobileNetV2(args)`: Keras's `keras.applications.MobileNetV2` (Sandler et al.
 * 2018, "Inverted Residuals and Linear Bottlenecks"), with Keras's layer names.
 *
 * `alpha` (width multiplier, default 1.0) scales every layer's filters, rounded by
 * `makeDivisible(v, 8)` (Keras `_make_divisible`: nearest multiple of 8, at least 8, never more
 * than 10% below v).
 * Stem: `Conv1` Conv2D makeDivisible(32α) 3×3 stride 2 'same' without bias → `bn_Conv1` →
 * `Conv1_relu` ReLU(maxValue 6).
 * 17 inverted residual blocks (expansion t, filters c, stride s):
 *   0: t1 c16 s1 · 1-2: t6 c24 s2,1 · 3-5: t6 c32 s2,1,1 · 6-9: t6 c64 s2,1,1,1 ·
 *   10-12: t6 c96 s1 · 13-15: t6 c160 s2,1,1 · 16: t6 c320 s1
 * Block N (prefix `block_N_`; block 0 is `expanded_conv_` and has no expansion):
 *   `expand` 1×1 conv to t·inChannels → `expand_BN` → `expand_relu`;
 *   stride 2: `pad` ZeroPadding2D Keras `correct_pad` (((0 or 1), 1), ((0 or 1), 1)) then a 'valid'
 *   depthwise conv, else a 'same' one: `depthwise` DepthwiseConv2D 3×3 → `depthwise_BN` →
 *   `depthwise_relu`; `project` 1×1 conv to makeDivisible(int(c·α)) → `project_BN` (linear);
 *   `add` (input + x) when stride 1 and the channel count is unchanged.
 * Head: `Conv_1` 1×1 conv, 1280 filters (makeDivisible(1280α) when α > 1) → `Conv_1_bn` →
 * `out_relu`. Top: GlobalAveragePooling2D (automatic name) → `predictions` Dense softmax.
 * Convs have no bias; BatchNormalization uses epsilon 1e-3 and momentum 0.999.
 * α = 1.0 at 224×224×3 with the top: 3,538,984 parameters (34,112 non-trainable).
 */
import { fail } from '../core/errors.ts';
import { ReLU } from '../layers/activations.ts';
import { Conv2D, DepthwiseConv2D } from '../layers/convolutional.ts';
import type { KerasTensor } from '../layers/layer.ts';
import { Add } from '../layers/merge.ts';
import { BatchNormalization } from '../layers/normalization.ts';
import { GlobalAveragePooling2D } from '../layers/pooling.ts';
import { ZeroPadding2D } from '../layers/reshaping.ts';
import { LayersModel } from '../models/model.ts';
import { finishWithWeights, imageInput, modelInputs, obtainInputShape, poolingTop, predictions, resolveArgs, type ApplicationArgs, type Built } from './common.ts';

type KT = KerasTensor;

export interface MobileNetV2Args extends ApplicationArgs {
  /** Width multiplier (default 1.0): < 1 thins every layer, > 1 widens it. */
  alpha?: number;
}

/**
 * Keras `_make_divisible(v, divisor, min_value=divisor)`: `max(minValue, floor(v + divisor/2)
 * rounded down to a multiple of divisor)`, plus one `divisor` if that fell more than 10% below v.
 */
export function makeDivisible(v: number, divisor = 8, minValue: number = divisor): number {
  let n = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/**
 * Keras `imagenet_utils.correct_pad(inputs, kernel_size)` for a stride-2 'valid' convolution:
 * ((k/2 − adjustH, k/2), (k/2 − adjustW, k/2)) with adjust = 1 − size % 2 (1 when the height is
 * unknown), so the output is ceil(size / 2) as 'same' padding gives, padded the TensorFlow way.
 */
export function correctPad(shape: readonly (number | null)[], kernelSize: number): [[number, number], [number, number]] {
  const h = shape[1] ?? null;
  const w = shape[2] ?? null;
  // Keras decides "unknown" from the height alone.
  const adjust = h === null ? [1, 1] : [1 - (h % 2), 1 - ((w ?? 0) % 2)];
  const c = Math.floor(kernelSize / 2);
  return [[c - adjust[0]!, c], [c - adjust[1]!, c]];
}

function bn(x: KT, name: string): KT {
  return new BatchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name }).apply(x) as KT;
}

function relu6(x: KT, name: string): KT {
  return new ReLU({ maxValue: 6, name }).apply(x) as KT;
}

function conv1x1(x: KT, filters: number, name: string): KT {
  return new Conv2D({ filters, kernelSize: 1, padding: 'same', useBias: false, activation: null, name }).apply(x) as KT;
}

/** Keras `_inverted_res_block`. */
function invertedResBlock(inputs: KT, expansion: number, stride: number, alpha: number, filters: number, blockId: number): KT {
  const inChannels = inputs.shape[3]!;
  const pointwiseFilters = makeDivisible(Math.trunc(filters * alpha), 8);
  let x = inputs;
  let prefix = `block_${blockId}_`;
  if (blockId) {
    x = relu6(bn(conv1x1(x, expansion * inChannels, `${prefix}expand`), `${prefix}expand_BN`), `${prefix}expand_relu`);
  } else {
    prefix = 'expanded_conv_';
  }
  if (stride === 2) x = new ZeroPadding2D({ padding: correctPad(x.shape, 3), name: `${prefix}pad` }).apply(x) as KT;
  x = new DepthwiseConv2D({ kernelSize: 3, strides: stride, activation: null, useBias: false, padding: stride === 1 ? 'same' : 'valid', name: `${prefix}depthwise` }).apply(x) as KT;
  x = relu6(bn(x, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
  x = bn(conv1x1(x, pointwiseFilters, `${prefix}project`), `${prefix}project_BN`);
  if (inChannels === pointwiseFilters && stride === 1) return new Add({ name: `${prefix}add` }).apply([inputs, x]) as KT;
  return x;
}

/** The 17 blocks: [expansion, filters, stride]. */
export const MOBILENET_V2_BLOCKS: readonly (readonly [number, number, number])[] = [
  [1, 16, 1],
  [6, 24, 2], [6, 24, 1],
  [6, 32, 2], [6, 32, 1], [6, 32, 1],
  [6, 64, 2], [6, 64, 1], [6, 64, 1], [6, 64, 1],
  [6, 96, 1], [6, 96, 1], [6, 96, 1],
  [6, 160, 2], [6, 160, 1], [6, 160, 1],
  [6, 320, 1],
];

/** Builds MobileNetV2 (see the file comment); `weights`: null (seeded random) or a local Keras file. */
export function mobileNetV2<A extends MobileNetV2Args = {}>(args?: A): Built<A>;
export function mobileNetV2(args: MobileNetV2Args = {}): LayersModel | Promise<LayersModel> {
  const { alpha: alphaArg, ...rest } = args;
  const r = resolveArgs('mobileNetV2', rest);
  const alpha = alphaArg ?? 1.0;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0) fail('mobileNetV2', `Received an invalid value for \`alpha\`, expected a positive number. Received: alpha=${String(alpha)}`);
  // Keras picks the default size from a square input of a size it has weights for, else 224.
  let defaultSize = 224;
  const given = r.inputShape ?? (r.inputTensor ? (r.inputTensor.shape.slice(1) as (number | null)[]) : null);
  if (given && given[0] === given[1] && [96, 128, 160, 192, 224].includes(given[0] ?? -1)) defaultSize = given[0]!;
  const shape = obtainInputShape('mobileNetV2', r, defaultSize, 32);
  const img = imageInput(r, shape);
  let x = new Conv2D({ filters: makeDivisible(32 * alpha, 8), kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1' }).apply(img) as KT;
  x = relu6(bn(x, 'bn_Conv1'), 'Conv1_relu');
  MOBILENET_V2_BLOCKS.forEach(([t, c, s], i) => {
    x = invertedResBlock(x, t, s, alpha, c, i);
  });
  const lastFilters = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = new Conv2D({ filters: lastFilters, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x) as KT;
  x = relu6(bn(x, 'Conv_1_bn'), 'out_relu');
  if (r.includeTop) {
    x = new GlobalAveragePooling2D().apply(x) as KT;
    x = predictions(x, r);
  } else {
    x = poolingTop(x, r.pooling);
  }
  const rows = shape[0];
  const m = new LayersModel({ inputs: modelInputs(img), outputs: x, name: r.name ?? `mobilenetv2_${alpha.toFixed(2)}_${rows ?? 'None'}` });
  return finishWithWeights('mobileNetV2', m, r.weights);
}
