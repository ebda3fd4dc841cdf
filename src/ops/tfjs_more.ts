/**
 * TF.js ops that are compositions of idem's ops or read values on the host (no kernels of their
 * own): `einsum`, `tf.image`, and the chained methods among them. One module, so that the browser
 * bundle loads it as a chunk of its own (src/browser.ts: after `await tf.ready()`; the async ops
 * load it themselves); Node exports it with the rest (src/index.ts).
 */
import { cropAndResize, flipLeftRight, nonMaxSuppression, nonMaxSuppressionAsync, resizeBilinear, resizeNearestNeighbor, rgbToGrayscale } from './image.ts';
import './chain_more.ts';

export { einsum } from './einsum.ts';

/** `tf.image`: resizing, flipping, cropping, grayscale, non-max suppression. */
export const image = {
  resizeBilinear,
  resizeNearestNeighbor,
  flipLeftRight,
  cropAndResize,
  rgbToGrayscale,
  nonMaxSuppression,
  nonMaxSuppressionAsync,
};
