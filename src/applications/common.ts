/**
 * What every `tf.applications` builder shares (Keras `applications/imagenet_utils.py` facts):
 * argument checking, the input shape rule (`obtain_input_shape`), the classifier / pooling top,
 * and loading weights from a local Keras file.
 *
 * Differences from Keras, on purpose:
 * - `weights` defaults to `null` (random, from idem's seeded generator: `tf.setSeed(s)` before
 *   building gives the same weights on every run). `'imagenet'` is refused: idem never downloads;
 *   pass the path of a local Keras `.h5` / `.keras` file of the same architecture instead.
 * - channels_last only (idem's conv layers are NHWC).
 */
import { fail } from '../core/errors.ts';
import { Dense, InputLayer, input } from '../layers/core.ts';
import { KerasTensor } from '../layers/layer.ts';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from '../layers/pooling.ts';
import { activationName } from '../layers/activations.ts';
import type { LayersModel } from '../models/model.ts';
import { isNode, requireNode } from '../platform/index.ts';

export type ImageShape = [number | null, number | null, number];

/** Options shared by `resnet50`, `vgg16` and `mobileNetV2` (Keras's arguments, camelCased). */
export interface ApplicationArgs {
  /** Include the classifier on top (Keras `include_top`, default true). */
  includeTop?: boolean;
  /**
   * `null` (default): random initialization from the seeded generator. A string: the path of a
   * local Keras `.h5` / `.weights.h5` / `.keras` file holding this architecture's weights; the
   * builder then returns a Promise of the model. Never downloaded; `'imagenet'` throws.
   */
  weights?: string | null;
  /** Use this symbolic tensor (from `tf.input`) as the image input instead of making one. */
  inputTensor?: KerasTensor;
  /** [height, width, channels]. With the top it must be fully known (default [224, 224, 3]). */
  inputShape?: ImageShape;
  /** Without the top: `null` (4-D feature map), `'avg'` or `'max'` (global pooling to 2-D). */
  pooling?: 'avg' | 'max' | null;
  /** Classes of the top's Dense layer (default 1000). */
  classes?: number;
  /** Activation of the top's Dense layer (default 'softmax'; null for logits). */
  classifierActivation?: string | null;
  /** Model name (Keras's by default: 'resnet50', 'vgg16', 'mobilenetv2_1.00_224'). */
  name?: string;
}

const KEYS = ['includeTop', 'weights', 'inputTensor', 'inputShape', 'pooling', 'classes', 'classifierActivation', 'name'];

/** The checked options, with Keras's defaults filled in. */
export interface Resolved {
  includeTop: boolean;
  weights: string | null;
  inputTensor: KerasTensor | null;
  inputShape: ImageShape | null;
  pooling: 'avg' | 'max' | null;
  classes: number;
  classifierActivation: string | null;
  name: string | null;
}

export function resolveArgs(app: string, args: unknown, extraKeys: readonly string[] = []): Resolved {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) fail(app, `expected an options object, received ${args === null ? 'null' : typeof args}`);
  const a = args as Record<string, unknown>;
  for (const k of Object.keys(a)) {
    if (!KEYS.includes(k) && !extraKeys.includes(k)) fail(app, `unknown option \`${k}\` (expected one of ${[...KEYS, ...extraKeys].join(', ')})`);
  }
  const includeTop = a['includeTop'] ?? true;
  if (typeof includeTop !== 'boolean') fail(app, `Received an invalid value for \`includeTop\`, expected a boolean. Received: includeTop=${String(includeTop)}`);
  const weights = a['weights'] ?? null;
  if (weights === 'imagenet') {
    fail(app, "`weights: 'imagenet'` would download pretrained weights, which idem never does; pass the path of a local Keras .h5 or .keras file " +
      'of this architecture (e.g. saved by Keras with model.save_weights), or null for random weights');
  }
  if (weights !== null && (typeof weights !== 'string' || weights === '')) {
    fail(app, `Received an invalid value for \`weights\`, expected null or the path of a local .h5/.keras file. Received: weights=${String(weights)}`);
  }
  const inputTensor = a['inputTensor'] ?? null;
  if (inputTensor !== null && !(inputTensor instanceof KerasTensor)) fail(app, `\`inputTensor\` must be a symbolic tensor from tf.input, received ${typeof inputTensor}`);
  let inputShape = a['inputShape'] ?? null;
  if (inputShape !== null) {
    const ok = Array.isArray(inputShape) && inputShape.length === 3 && inputShape.every((d) => d === null || (typeof d === 'number' && Number.isInteger(d) && d > 0));
    if (!ok) {
      fail(app, 'Received an invalid value for `inputShape`, expected [height, width, channels] ' +
        `(positive integers; height and width may be null without the top). Received: inputShape=${JSON.stringify(inputShape)}`);
    }
    inputShape = (inputShape as ImageShape).slice();
  }
  const pooling = a['pooling'] ?? null;
  if (pooling !== null && pooling !== 'avg' && pooling !== 'max') fail(app, `Received an invalid value for \`pooling\`, expected null, 'avg' or 'max'. Received: pooling=${JSON.stringify(pooling)}`);
  const classes = a['classes'] ?? 1000;
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes <= 0) {
    fail(app, `Received an invalid value for \`classes\`, expected a positive integer. Received: classes=${String(classes)}`);
  }
  const act = a['classifierActivation'] === undefined ? 'softmax' : (a['classifierActivation'] as string | null);
  if (act !== null) activationName(act, app);
  if (weights !== null && includeTop && act !== null && activationName(act, app) !== 'softmax') {
    fail(app, `Only null and 'softmax' activations are allowed for \`classifierActivation\` when loading pretrained weights with the top. Received: classifierActivation=${JSON.stringify(act)}`);
  }
  const name = a['name'] ?? null;
  if (name !== null && (typeof name !== 'string' || name === '')) fail(app, `\`name\` must be a non-empty string, received ${String(name)}`);
  return { includeTop, weights, inputTensor, inputShape: inputShape as ImageShape | null, pooling, classes, classifierActivation: act, name: name as string | null };
}

/**
 * Keras `obtain_input_shape` (channels_last): the default is [defaultSize, defaultSize, 3] with
 * the top and [null, null, 3] without; a given shape needs 3 dimensions, height and width at least
 * `minSize`; with the top it must be fully known.
 */
export function obtainInputShape(app: string, r: Resolved, defaultSize: number, minSize: number): ImageShape {
  let shape: ImageShape;
  if (r.inputTensor) {
    const s = r.inputTensor.shape;
    if (s.length !== 4) fail(app, `\`inputTensor\` must be [batch, height, width, channels], received shape [${s.map((d) => (d === null ? 'null' : d))}]`);
    shape = [s[1]!, s[2]!, s[3]!] as ImageShape;
    if (r.inputShape && r.inputShape.some((d, i) => d !== shape[i])) fail(app, `\`inputShape\` [${r.inputShape}] differs from the shape of \`inputTensor\` [${shape}]`);
  } else if (r.inputShape) {
    shape = r.inputShape;
  } else {
    shape = r.includeTop ? [defaultSize, defaultSize, 3] : [null, null, 3];
  }
  if (shape[2] === null) fail(app, 'the channel dimension of `inputShape` must be known');
  if ((shape[0] !== null && shape[0] < minSize) || (shape[1] !== null && shape[1] < minSize)) {
    fail(app, `Input size must be at least ${minSize}x${minSize}; Received: inputShape=[${shape.map((d) => (d === null ? 'null' : d))}]`);
  }
  if (r.includeTop && (shape[0] === null || shape[1] === null)) {
    fail(app, `If \`includeTop\` is true, you should specify a static \`inputShape\`. Received: inputShape=[${shape.map((d) => (d === null ? 'null' : d))}]`);
  }
  return shape;
}

/** The image input: the given `inputTensor`, or a new `tf.input` of `shape`. */
export function imageInput(r: Resolved, shape: ImageShape): KerasTensor {
  return r.inputTensor ?? input({ shape: shape.slice() });
}

/**
 * Without the top: Keras's optional global pooling. ResNet names it `avg_pool` / `max_pool`;
 * VGG16 and MobileNetV2 leave the automatic names (`global_average_pooling2d`, ...).
 */
export function poolingTop(x: KerasTensor, pooling: 'avg' | 'max' | null, names: { avg?: string; max?: string } = {}): KerasTensor {
  if (pooling === 'avg') return new GlobalAveragePooling2D(names.avg ? { name: names.avg } : {}).apply(x) as KerasTensor;
  if (pooling === 'max') return new GlobalMaxPooling2D(names.max ? { name: names.max } : {}).apply(x) as KerasTensor;
  return x;
}

/** The classifier: `Dense(classes, activation=classifierActivation, name='predictions')`. */
export function predictions(x: KerasTensor, r: Resolved): KerasTensor {
  return new Dense({ units: r.classes, activation: r.classifierActivation, name: 'predictions' }).apply(x) as KerasTensor;
}

// ------------------------------------------------------------------ weights files

/**
 * The built model; with a `weights` path, a Promise of it once `model.loadWeights(path)` (src/io:
 * Keras 3 `.weights.h5` / `.keras`, Keras 2 `.h5` matched by layer name, idem files) has loaded
 * the file — reading HDF5 is asynchronous. A file that does not match the architecture rejects
 * and changes nothing.
 */
export function finishWithWeights(app: string, model: LayersModel, path: string | null): LayersModel | Promise<LayersModel> {
  if (path === null) return model;
  // In the browser `weights` is a URL (fetched by loadWeights); in Node a path or an http(s) URL.
  const n = isNode() && !/^https?:\/\//i.test(path) ? requireNode(app, 'reading a weights file', '') : null;
  if (n && !n.fs.existsSync(path)) {
    fail(app, `The \`weights\` argument should be either null (random initialization) or the path to a local weights file to be loaded. Received: weights=${JSON.stringify(path)} (no such file)`);
  }
  return model.loadWeights(path).then(() => model);
}

/**
 * A builder's result type: a model; a Promise of one when `weights` is a string; either when the
 * type of `weights` does not say which.
 */
export type Built<A> = 'weights' extends keyof A
  ? (A[keyof A & 'weights'] extends string ? Promise<LayersModel>
    : A[keyof A & 'weights'] extends null | undefined ? LayersModel
    : LayersModel | Promise<LayersModel>)
  : LayersModel;

/** Keras `get_source_inputs`: the `tf.input` tensors a symbolic tensor was computed from. */
export function sourceInputs(t: KerasTensor): KerasTensor[] {
  const out: KerasTensor[] = [];
  const seen = new Set<KerasTensor>();
  const visit = (x: KerasTensor) => {
    if (seen.has(x)) return;
    seen.add(x);
    if (x.sourceLayer instanceof InputLayer) {
      out.push(x);
      return;
    }
    const node = x.sourceLayer.inboundNodes[x.nodeIndex];
    if (node) for (const i of node.inputs) visit(i);
  };
  visit(t);
  return out;
}

/** The model's inputs: the image input itself, or the sources of a given `inputTensor`. */
export function modelInputs(img: KerasTensor): KerasTensor | KerasTensor[] {
  const src = sourceInputs(img);
  return src.length === 1 ? src[0]! : src;
}
