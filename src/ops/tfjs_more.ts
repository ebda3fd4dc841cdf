/**
 * TF.js ops added for TF.js programs (issue 20): `asin acos atan atan2 cumsum cumprod topk` (on
 * kernels of every backend) and compositions of idem's ops or host reads: `einsum`, `tf.image`, `tf.linalg`, gatherND / scatterND / tensorScatterUpdate,
 * mirrorPad, spaceToBatchND / batchToSpaceND / depthToSpace, diag, localResponseNormalization,
 * the async data-dependent ops, and the chained methods among them. One module, so that the
 * browser bundle loads it as a chunk of its own (src/browser.ts: after `await tf.ready()`; the
 * async ops load it themselves); Node exports it with the rest (src/index.ts).
 */
import { cropAndResize, flipLeftRight, nonMaxSuppression, nonMaxSuppressionAsync, resizeBilinear, resizeNearestNeighbor, rgbToGrayscale } from './image.ts';
import { bandPart, gramSchmidt, qr } from './linalg.ts';
import './chain_more.ts';

export { asin, acos, atan, atan2 } from './inverse_trig.ts';
export { cumsum, cumprod } from './cumulative.ts';
export { topk } from './topk.ts';
export { einsum } from './einsum.ts';
export { gatherND, scatterND, tensorScatterUpdate } from './scatter_nd.ts';
export { mirrorPad, spaceToBatchND, batchToSpaceND, depthToSpace, diag, localResponseNormalization } from './rearrange.ts';
export { whereAsync, booleanMaskAsync, setdiff1dAsync, inTopKAsync } from './async_ops.ts';

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

/** `tf.linalg`: bandPart, gramSchmidt, qr. */
export const linalg = { bandPart, gramSchmidt, qr };
