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
import type { imageFolder as ImageFolderFn } from './data/image_folder.ts';
import { sharedCallbacks } from './callbacks.ts';
import { ready as coreReady } from './core/api.ts';
import { registerFitLint } from './models/training.ts';
import { IdemError } from './core/errors.ts';
import { nodeOnly } from './platform/index.ts';
import type * as Summary from './summary/index.ts';
import type * as Compare from './compare/index.ts';

export * from './api.ts';

// The sameness tools' code (tf.compare, tf.lint) is a chunk of its own: `await tf.ready()` loads
// it, and from then on they are synchronous as in Node.
let compareCode: typeof Compare | null = null;
let compareLoading: Promise<typeof Compare> | null = null;
function loadCompare(): Promise<typeof Compare> {
  compareLoading ??= import('./compare/index.ts').then((m) => (compareCode = m), (e: unknown) => {
    compareLoading = null;
    throw e;
  });
  return compareLoading;
}
function compareLoaded(op: string): typeof Compare {
  if (!compareCode) throw new IdemError(`${op}: in the browser its code is loaded by \`await tf.ready()\` (a chunk of its own, kept out of the bundle's core): call that first`);
  return compareCode;
}

/** Resolves once the current backend is initialized (in the browser, also once tf.compare's code has loaded). */
export async function ready(): Promise<void> {
  await Promise.all([coreReady(), loadCompare()]);
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
  nodeOnly('tf.data.imageFolder', 'reading an image folder from disk', 'in the browser decode images with tf.browser.fromPixels (or fromPixelsAsync) and feed them with tf.data.generator or tf.data.array')) as typeof ImageFolderFn;

/** `tf.data`: dataset sources (TF.js names), CSV and IDX (`imageFolder` is Node-only). */
export const data = { ...commonData, imageFolder };

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

const SUMMARY_NAMES = ['SummaryFileWriter', 'createFileWriter', 'scalar', 'histogram', 'text', 'flush', 'histogramProto', 'TensorBoard', 'tensorBoard', 'modelGraphDef', 'readEventFile', 'crc32c', 'maskCrc', 'unmaskCrc', 'frameRecord', 'readRecords'] as const;

/** `tf.summary`: Node-only (TensorBoard event files); every member throws, saying so. */
export const summary = Object.freeze(Object.fromEntries(SUMMARY_NAMES.map((name) => [name, function () {
  return nodeOnly(`tf.summary.${name}`, 'writing and reading TensorBoard event files', TENSORBOARD_INSTEAD);
}]))) as unknown as typeof Summary;
