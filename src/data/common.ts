/**
 * The data layer's part that runs anywhere (browsers included): `tf.data` sources (TF.js names:
 * `array`, `fromTensorSlices`, `generator`, `zip`, `csv`), IDX files and `tf.utils`. `tf.datasets.mnist` is
 * each entry's own (src/data/index.ts in Node; a chunk loaded on first use in the browser). The image-folder
 * reader (Node only: it lists directories and decodes with pngjs / jpeg-js) is added by
 * `src/data/index.ts`.
 */
import { array, fromTensorSlices, generator, zip } from './dataset.ts';
import { csv } from './csv.ts';
import { toCategorical } from './to_categorical.ts';
import { readIdx } from './idx.ts';

export { Dataset, LazyIterator, array, fromTensorSlices, generator, zip, batchElements, unbatchElement, type Batched, type Unbatched } from './dataset.ts';
export { csv, CSVDataset, type CSVConfig, type ColumnConfig } from './csv.ts';
export { readIdx, type IdxData } from './idx.ts';
export { toCategorical } from './to_categorical.ts';

/** `tf.data` without the Node-only image-folder reader. */
export const commonData = { array, fromTensorSlices, generator, zip, csv, readIdx };

/** `tf.utils`: Keras utilities. */
export const utils = { toCategorical };
