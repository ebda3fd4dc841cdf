/**
 * Data layer: Dataset pipeline (every transformation, ordering, seeds, end of data, errors),
 * IDX reader (corrupt copies), MNIST loaders, toCategorical, image folders (generated PNG/JPEG
 * files in a temp dir), and a 60,000-image epoch with bounded memory.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';
import * as tf from '../src/index.ts';
import { data, datasets, utils, Dataset, readIdx, resizeBilinear, affineTransform } from '../src/data/index.ts';
import { mnistDataDir } from '../src/data/mnist.ts';
import { expectTensor, expectThrows } from './util.ts';

async function expectRejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, pattern);
    return true;
  });
}

const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const nums = async (ds: Dataset<tf.Tensor>): Promise<number[]> => (await ds.toArray()).flatMap(vals);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const rows = (n: number): tf.Tensor => tf.tensor(range(n), [n, 1], 'int32');

describe('Dataset sources', () => {
  it('array: elements in order, size, end of data is done (and stays done)', async () => {
    const ds = data.array([1, 2, 3]);
    assert.equal(ds.size, 3);
    assert.deepEqual(await ds.toArray(), [1, 2, 3]);
    const it = await ds.iterator();
    assert.deepEqual(await it.next(), { value: 1, done: false });
    await it.next();
    await it.next();
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    assert.equal((await it.next()).done, true);
    assert.deepEqual(await ds.toArray(), [1, 2, 3], 'a second pass starts over');
  });

  it('fromTensorSlices: rows of a tensor, values read once, rows are views', async () => {
    const x = tf.tensor([[1, 2], [3, 4], [5, 6]]);
    const ds = data.fromTensorSlices(x);
    assert.equal(ds.size, 3);
    const out = await ds.toArray();
    assert.equal(out.length, 3);
    expectTensor(out[1]!, [3, 4], [2]);
    assert.equal(out[2]!.dtype, 'float32');
  });

  it('fromTensorSlices: nested objects/arrays sliced together', async () => {
    const ds = data.fromTensorSlices({ xs: tf.tensor([[1, 2], [3, 4]]), ys: [tf.tensor([7, 8], [2], 'int32'), tf.tensor([true, false])] });
    const out = await ds.toArray();
    expectTensor(out[1]!.xs, [3, 4], [2]);
    expectTensor(out[1]!.ys[0], [8], []);
    assert.equal(out[1]!.ys[0].dtype, 'int32');
    expectTensor(out[0]!.ys[1], [1], []);
  });

  it('fromTensorSlices: errors on different first dimensions, scalars and non-tensors', () => {
    expectThrows(() => data.fromTensorSlices({ xs: tf.zeros([3, 2]), ys: tf.zeros([4]) }),
      /fromTensorSlices: all tensors must have the same first dimension: xs has shape \[3,2\] \(3 rows\), ys has shape \[4\] \(4 rows\)/);
    expectThrows(() => data.fromTensorSlices(tf.scalar(1)), /fromTensorSlices: the tensor is a scalar/);
    expectThrows(() => data.fromTensorSlices({ a: 'x' } as never), /expected a Tensor or nested arrays\/objects of Tensors, received string at a/);
  });

  it('generator: sync and async generator functions, fresh each pass', async () => {
    let calls = 0;
    const sync = data.generator(function* () {
      calls++;
      yield 1;
      yield 2;
    });
    assert.equal(sync.size, null);
    assert.deepEqual(await sync.toArray(), [1, 2]);
    assert.deepEqual(await sync.toArray(), [1, 2]);
    assert.equal(calls, 2);
    const asyncDs = data.generator(async function* () {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 1));
        yield { i };
      }
    });
    assert.deepEqual(await asyncDs.toArray(), [{ i: 0 }, { i: 1 }, { i: 2 }]);
    await expectRejects(data.generator(() => 5 as never).toArray(), /generator: the function must return an iterator/);
  });

  it('zip: arrays, objects and varargs; ends with the shortest input', async () => {
    const a = data.array([1, 2, 3]);
    const b = data.array(['x', 'y']);
    const z = data.zip([a, b]);
    assert.equal(z.size, 2);
    assert.deepEqual(await z.toArray(), [[1, 'x'], [2, 'y']]);
    assert.deepEqual(await data.zip(a, b).toArray(), [[1, 'x'], [2, 'y']]);
    const o = data.zip<{ n: number; s: string }>({ n: a, s: b });
    assert.deepEqual(await o.toArray(), [{ n: 1, s: 'x' }, { n: 2, s: 'y' }]);
    assert.equal(data.zip([a, data.generator(function* () { yield 1; })]).size, null);
    expectThrows(() => data.zip([a, 3 as never]), /zip: every input must be a Dataset: input 1 is a number/);
  });
});

describe('Dataset transformations', () => {
  it('map (sync and async) and filter', async () => {
    const ds = data.array([1, 2, 3, 4, 5]);
    assert.deepEqual(await ds.map((x) => x * 10).toArray(), [10, 20, 30, 40, 50]);
    assert.deepEqual(await ds.map(async (x) => x + 1).toArray(), [2, 3, 4, 5, 6]);
    const f = ds.filter((x) => x % 2 === 1);
    assert.equal(f.size, null);
    assert.deepEqual(await f.toArray(), [1, 3, 5]);
    assert.deepEqual(await ds.filter(async (x) => x > 3).toArray(), [4, 5]);
    assert.equal(ds.map((x) => x).size, 5);
    expectThrows(() => ds.map(3 as never), /map: `transform` must be a function/);
  });

  it('batch: stacks tensors, numbers and nested structures leaf by leaf; remainder kept or dropped', async () => {
    const ds = data.array([0, 1, 2, 3, 4].map((i) => ({ x: tf.tensor([i, -i]), y: i, z: [tf.tensor([i], [1], 'int32')] })));
    const b = ds.batch(2);
    assert.equal(b.size, 3);
    const out = await b.toArray();
    assert.equal(out.length, 3);
    expectTensor(out[0]!.x, [[0, -0], [1, -1]], [2, 2]);
    expectTensor(out[1]!.y, [2, 3], [2]);
    assert.equal(out[1]!.y.dtype, 'float32');
    expectTensor(out[2]!.z[0], [[4]], [1, 1]);
    assert.equal(out[2]!.z[0].dtype, 'int32');
    const dropped = ds.batch(2, { dropRemainder: true });
    assert.equal(dropped.size, 2);
    assert.equal((await dropped.toArray()).length, 2);
    assert.equal(data.array([1, 2]).batch(2, { dropRemainder: true }).size, 1);
    expectThrows(() => ds.batch(0), /batch: `batchSize` must be a positive integer, received 0/);
    await expectRejects(data.array([tf.zeros([2]), tf.zeros([3])]).batch(2).toArray(),
      /batch: elements must have the same shape and dtype to be batched: element 0 is a float32 tensor of shape \[2\], element 1 is a float32 tensor of shape \[3\]/);
    await expectRejects(data.array([{ a: 1 }, { b: 2 }]).batch(2).toArray(), /batch: elements must have the same structure to be batched: element 0 has keys \{a\}, element 1 is \{b\}/);
  });

  it('batch over tensor slices (fast path) equals batching the same rows one by one', async () => {
    const x = tf.tensor(range(24), [12, 2]);
    const y = tf.tensor(range(12), [12], 'int32');
    const fast = data.fromTensorSlices({ x, y }).batch(5);
    const slow = data.array(await data.fromTensorSlices({ x, y }).toArray()).batch(5);
    const a = await fast.toArray();
    const b = await slow.toArray();
    assert.equal(a.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(a[i]!.x.shape, b[i]!.x.shape);
      assert.deepEqual(vals(a[i]!.x), vals(b[i]!.x));
      assert.deepEqual(vals(a[i]!.y), vals(b[i]!.y));
      assert.equal(a[i]!.y.dtype, 'int32');
    }
    expectTensor(a[2]!.x, [20, 21, 22, 23], [2, 2]);
    assert.equal((await data.fromTensorSlices(x).batch(5, { dropRemainder: true }).toArray()).length, 2);
  });

  it('unbatch: inverse of batch, nested; errors on scalars and ragged components', async () => {
    const ds = data.array([{ a: tf.tensor([[1, 2], [3, 4]]), b: tf.tensor([5, 6], [2], 'int32') }, { a: tf.tensor([[7, 8]]), b: tf.tensor([9], [1], 'int32') }]);
    const u = await ds.unbatch().toArray();
    assert.equal(u.length, 3);
    expectTensor(u[1]!.a, [3, 4], [2]);
    expectTensor(u[2]!.b, [9], []);
    const round = await data.fromTensorSlices(rows(7)).batch(3).unbatch().toArray();
    assert.deepEqual(round.flatMap(vals), range(7));
    await expectRejects(data.array([tf.scalar(1)]).unbatch().toArray(), /unbatch: cannot unbatch a scalar tensor/);
    await expectRejects(data.array([[tf.zeros([2]), tf.zeros([3])]]).unbatch().toArray(), /unbatch: all components must have the same first dimension: found 2 and 3/);
  });

  it('shuffle: a permutation; same seed → same order; new order per epoch; fixed when not reshuffling', async () => {
    const src = range(100);
    const s1 = data.array(src).shuffle(20, 7);
    const e1 = await s1.toArray();
    const e2 = await s1.toArray();
    assert.deepEqual([...e1].sort((a, b) => a - b), src, 'every element exactly once');
    assert.notDeepEqual(e1, src);
    assert.notDeepEqual(e1, e2, 'reshuffled each iteration');
    const again = data.array(src).shuffle(20, 7);
    assert.deepEqual(await again.toArray(), e1, 'same seed, same first order');
    assert.deepEqual(await again.toArray(), e2, 'same seed, same second order');
    assert.notDeepEqual(await data.array(src).shuffle(20, 8).toArray(), e1, 'another seed, another order');
    const fixed = data.array(src).shuffle(20, 7, false);
    const f1 = await fixed.toArray();
    assert.deepEqual(await fixed.toArray(), f1);
    assert.deepEqual(f1, e1);
    // A buffer of 1 changes nothing; with a buffer of 5, element v can come out no earlier than position v - 4.
    assert.deepEqual(await data.array(src).shuffle(1, 3).toArray(), src);
    const local = await data.array(src).shuffle(5, 3).toArray();
    local.forEach((v, i) => assert.ok(v <= i + 4, `element ${v} at ${i} came from beyond the buffer`));
    // String seeds work (TF.js signature).
    assert.deepEqual(await data.array(src).shuffle(10, 'abc').toArray(), await data.array(src).shuffle(10, 'abc').toArray());
    expectThrows(() => data.array(src).shuffle(0), /shuffle: `bufferSize` must be a positive integer, received 0/);
  });

  it('shuffle: unseeded follows the global seed; slices path gives the same order as the element path', async () => {
    tf.setSeed(5);
    const a = await data.array(range(50)).shuffle(50).toArray();
    tf.setSeed(5);
    const b = await data.array(range(50)).shuffle(50).toArray();
    assert.deepEqual(a, b);
    const viaSlices = await nums(data.fromTensorSlices(rows(50)).shuffle(16, 11).repeat(2).take(70));
    const viaArray = (await data.array(range(50)).shuffle(16, 11).repeat(2).take(70).toArray());
    assert.deepEqual(viaSlices, viaArray);
    const batched = await data.fromTensorSlices(rows(50)).shuffle(16, 11).batch(8).toArray();
    assert.deepEqual(batched.flatMap(vals), viaArray.slice(0, 50));
  });

  it('repeat, take, skip: counts, sizes, infinite datasets', async () => {
    const ds = data.array([1, 2, 3]);
    assert.deepEqual(await ds.repeat(2).toArray(), [1, 2, 3, 1, 2, 3]);
    assert.equal(ds.repeat(2).size, 6);
    assert.equal(ds.repeat().size, Infinity);
    assert.deepEqual(await ds.repeat().take(7).toArray(), [1, 2, 3, 1, 2, 3, 1]);
    assert.equal(ds.repeat().take(7).size, 7);
    assert.deepEqual(await ds.repeat(0).toArray(), []);
    assert.deepEqual(await data.array([]).repeat().toArray(), [], 'an empty dataset repeated forever ends');
    await expectRejects(ds.repeat().toArray(), /toArray: cannot collect an infinite dataset/);
    assert.deepEqual(await ds.take(2).toArray(), [1, 2]);
    assert.deepEqual(await ds.take(10).toArray(), [1, 2, 3]);
    assert.deepEqual(await ds.take(-1).toArray(), [1, 2, 3]);
    assert.deepEqual(await ds.skip(1).toArray(), [2, 3]);
    assert.deepEqual(await ds.skip(5).toArray(), []);
    assert.deepEqual(await ds.skip(-1).toArray(), []);
    assert.equal(ds.skip(1).size, 2);
    assert.equal(ds.take(2).size, 2);
    // The same on the tensor-slices path.
    assert.deepEqual(await nums(data.fromTensorSlices(rows(3)).repeat(2).skip(2).take(3)), [2, 0, 1]);
    assert.equal(data.fromTensorSlices(rows(3)).repeat(2).skip(2).take(3).size, 3);
  });

  it('prefetch: same elements; requests run ahead of the consumer', async () => {
    const produced: number[] = [];
    const ds = data.generator(async function* () {
      for (let i = 0; i < 6; i++) {
        produced.push(i);
        yield i;
      }
    }).prefetch(3);
    const it = await ds.iterator();
    assert.deepEqual(await it.next(), { value: 0, done: false });
    await new Promise((r) => setTimeout(r, 5));
    assert.ok(produced.length >= 3, `producer ran ahead: ${produced.length} produced after 1 consumed`);
    const rest = await it.toArray();
    assert.deepEqual(rest, [1, 2, 3, 4, 5]);
    assert.equal((await it.next()).done, true);
    assert.deepEqual(await nums(data.fromTensorSlices(rows(4)).prefetch(2)), [0, 1, 2, 3]);
    assert.deepEqual(await nums(data.fromTensorSlices(rows(5)).batch(2).prefetch(1)), [0, 1, 2, 3, 4]);
  });

  it('concatenate and cache', async () => {
    const c = data.array([1, 2]).concatenate(data.array([3]));
    assert.equal(c.size, 3);
    assert.deepEqual(await c.toArray(), [1, 2, 3]);
    let calls = 0;
    const cached = data.generator(function* () {
      calls++;
      yield* [1, 2, 3];
    }).cache();
    // An interrupted pass caches nothing.
    const it = await cached.iterator();
    await it.next();
    assert.deepEqual(await cached.toArray(), [1, 2, 3]);
    assert.deepEqual(await cached.toArray(), [1, 2, 3]);
    assert.equal(calls, 2, 'upstream ran for the interrupted pass and the first full pass only');
    // cache after shuffle replays the first order.
    const sc = data.array(range(20)).shuffle(20, 1).cache();
    assert.deepEqual(await sc.toArray(), await sc.toArray());
  });

  it('consumers: for await, forEachAsync, iterator()', async () => {
    const seen: number[] = [];
    for await (const x of data.array([4, 5, 6])) seen.push(x);
    await data.array([7]).forEachAsync(async (x) => {
      seen.push(x);
    });
    assert.deepEqual(seen, [4, 5, 6, 7]);
    const it = await data.array([1]).iterator();
    const collected: number[] = [];
    for await (const x of it) collected.push(x);
    assert.deepEqual(collected, [1]);
  });

  it('a training-style pipeline: slices → shuffle → batch → repeat → take', async () => {
    const ds = data.fromTensorSlices({ xs: tf.tensor(range(20), [10, 2]), ys: rows(10) }).shuffle(10, 3).batch(4).repeat().take(6);
    const out = await ds.toArray();
    assert.deepEqual(out.map((b) => b.xs.shape[0]), [4, 4, 2, 4, 4, 2]);
    const epoch1 = out.slice(0, 3).flatMap((b) => vals(b.ys));
    const epoch2 = out.slice(3).flatMap((b) => vals(b.ys));
    assert.deepEqual([...epoch1].sort((a, b) => a - b), range(10));
    assert.deepEqual([...epoch2].sort((a, b) => a - b), range(10));
    assert.notDeepEqual(epoch1, epoch2);
    out.forEach((b) => assert.deepEqual(vals(b.xs).filter((_, i) => i % 2 === 0), vals(b.ys).map((y) => 2 * y), 'xs rows stay paired with ys'));
  });
});

// ------------------------------------------------------------------------------------ IDX

function idx(type: number, dims: number[], payload: number): Uint8Array {
  const b = new Uint8Array(4 + 4 * dims.length + payload);
  const v = new DataView(b.buffer);
  b[2] = type;
  b[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < payload; i++) b[4 + 4 * dims.length + i] = i % 256;
  return b;
}

describe('readIdx', () => {
  it('parses shape and data (a view)', () => {
    const r = readIdx(idx(8, [2, 3, 2], 12), 'x', 3);
    assert.deepEqual(r.shape, [2, 3, 2]);
    assert.deepEqual(Array.from(r.data), range(12));
  });
  it('validates magic, type, rank, sizes and length', () => {
    expectThrows(() => readIdx(idx(8, [60000, 28, 28], 1000), 'train-images-idx3-ubyte', 3),
      /^readIdx: train-images-idx3-ubyte is truncated: header says 60000×28×28 = 47040000 bytes of data, file has 1000 \(after its 16-byte header\)$/);
    expectThrows(() => readIdx(idx(8, [5], 6), 'l', 1), /readIdx: l is corrupt: header says 5 bytes of data, file has 6 \(1 bytes too many/);
    expectThrows(() => readIdx(idx(0x0d, [5], 20), 'f'), /readIdx: f: data type byte is 0x0d \(float32\); only 0x08 \(unsigned byte\) is supported/);
    expectThrows(() => readIdx(idx(8, [5], 5), 'train-labels', 3), /readIdx: train-labels: magic number is 0x00000801 \(1 dimensions\), expected 0x00000803 \(3 dimensions, an images file\)/);
    const bad = idx(8, [5], 5);
    bad[0] = 0x1f;
    expectThrows(() => readIdx(bad, 'g'), /readIdx: g is not an IDX file: magic number 0x1f000801/);
    expectThrows(() => readIdx(new Uint8Array(2), 'h'), /readIdx: h is truncated: 2 bytes, too short/);
    expectThrows(() => readIdx(idx(8, [5, 5, 5], 0).subarray(0, 10), 'i'), /readIdx: i is truncated: its header needs 16 bytes for 3 dimensions, file has 10/);
    expectThrows(() => readIdx(idx(8, [0, 28], 0), 'j'), /readIdx: j: header has a zero dimension \(0×28\)/);
  });
  it('corrupted copies of the MNIST files are rejected by loadData', () => {
    const src = mnistDataDir();
    const dir = mkdtempSync(join(tmpdir(), 'idem-idx-'));
    try {
      for (const f of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) copyFileSync(join(src, f), join(dir, f));
      // Truncated training images: the first 1016 bytes (header + 1000).
      writeFileSync(join(dir, 'train-images-idx3-ubyte'), readFileSync(join(src, 'train-images-idx3-ubyte')).subarray(0, 1016));
      expectThrows(() => datasets.mnist.loadData({ dir }), /readIdx: train-images-idx3-ubyte is truncated: header says 60000×28×28 = 47040000 bytes of data, file has 1000/);
      // Corrupt magic number.
      const lab = Buffer.from(readFileSync(join(src, 'train-labels-idx1-ubyte')));
      const img = readFileSync(join(src, 'train-images-idx3-ubyte'));
      writeFileSync(join(dir, 'train-images-idx3-ubyte'), img);
      lab[3] = 3;
      writeFileSync(join(dir, 'train-labels-idx1-ubyte'), lab);
      expectThrows(() => datasets.mnist.loadData({ dir }), /readIdx: train-labels-idx1-ubyte: magic number is 0x00000803/);
      // A label out of range.
      lab[3] = 1;
      lab[8] = 12;
      writeFileSync(join(dir, 'train-labels-idx1-ubyte'), lab);
      expectThrows(() => datasets.mnist.loadData({ dir }), /mnist: train-labels-idx1-ubyte: label 0 is 12, expected a digit 0..9/);
      // A missing file.
      expectThrows(() => datasets.mnist.loadData({ dir: join(dir, 'nope') }), /mnist: train-images-idx3-ubyte not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------------------------ MNIST

describe('MNIST', () => {
  it('loadData: shapes, dtypes, value ranges, known labels', () => {
    const { train, test } = datasets.mnist.loadData();
    assert.deepEqual(train.images.shape, [60000, 28, 28]);
    assert.deepEqual(train.labels.shape, [60000]);
    assert.deepEqual(test.images.shape, [10000, 28, 28]);
    assert.deepEqual(test.labels.shape, [10000]);
    assert.equal(train.images.dtype, 'float32');
    assert.equal(train.labels.dtype, 'int32');
    const y = train.labels.dataSync();
    assert.deepEqual(Array.from(y.subarray(0, 5)), [5, 0, 4, 1, 9], 'the famous first training labels');
    assert.equal(test.labels.dataSync()[0], 7, 'first test label');
    const counts = new Array(10).fill(0);
    for (const v of y) counts[v]++;
    assert.equal(counts.reduce((a, b) => a + b), 60000);
    assert.ok(counts.every((c) => c > 5000), 'every digit well represented');
    const px = train.images.dataSync();
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < 784 * 100; i++) {
      min = Math.min(min, px[i]!);
      max = Math.max(max, px[i]!);
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    const u8 = datasets.mnist.loadData({ dtype: 'uint8' }).train.images;
    assert.equal(u8.dtype, 'int32');
    const raw = u8.dataSync();
    for (let i = 150; i < 160; i++) assert.equal(px[i], Math.fround(raw[i]! / 255));
    const [[xTr, yTr], [xTe]] = datasets.mnist.loadDataTuple({ dtype: 'uint8' });
    assert.deepEqual(xTr.shape, [60000, 28, 28]);
    assert.equal(yTr.dataSync()[0], 5);
    assert.deepEqual(xTe.shape, [10000, 28, 28]);
    expectThrows(() => datasets.mnist.loadData({ dtype: 'int8' as never }), /mnist.loadData: `dtype` must be 'float32' or 'uint8', received int8/);
  });

  it('readDataSets: TF1 split (validation = first 5000), one-hot labels, [N,784] images', () => {
    const d = datasets.mnist.readDataSets({ oneHot: true, seed: 0 });
    assert.equal(d.train.numExamples, 55000);
    assert.equal(d.validation.numExamples, 5000);
    assert.equal(d.test.numExamples, 10000);
    assert.deepEqual(d.train.images.shape, [55000, 784]);
    assert.deepEqual(d.validation.labels.shape, [5000, 10]);
    assert.equal(d.validation.labels.dtype, 'float32');
    assert.deepEqual(Array.from(d.validation.labels.dataSync().subarray(0, 10)), [0, 0, 0, 0, 0, 1, 0, 0, 0, 0], 'validation starts with training image 0 (a 5)');
    const all = datasets.mnist.loadData({ dtype: 'uint8' }).train;
    const y = all.labels.dataSync();
    const trainLab = datasets.mnist.readDataSets().train.labels;
    assert.equal(trainLab.dtype, 'int32');
    assert.equal(trainLab.dataSync()[0], y[5000], 'train starts at training image 5000');
    const px = all.images.dataSync();
    const img = d.train.images.dataSync();
    for (let j = 200; j < 220; j++) assert.equal(img[j], Math.fround(px[5000 * 784 + j]! * Math.fround(1 / 255)), 'TF1 scaling x * float32(1/255)');
    assert.deepEqual(datasets.mnist.readDataSets({ reshape: false }).test.images.shape, [10000, 28, 28, 1]);
  });

  it('nextBatch: shuffled epochs, epoch-crossing batches, deterministic with a seed', () => {
    const a = datasets.mnist.readDataSets({ seed: 3 }).validation;
    const b = datasets.mnist.readDataSets({ seed: 3 }).validation;
    const [x1, y1] = a.nextBatch(3000);
    assert.deepEqual(x1.shape, [3000, 784]);
    assert.deepEqual(y1.shape, [3000]);
    assert.equal(a.epochsCompleted, 0);
    const [x2, y2] = a.nextBatch(3000); // 2000 from epoch 1, then 1000 from the reshuffled epoch 2
    assert.deepEqual(x2.shape, [3000, 784]);
    assert.equal(a.epochsCompleted, 1);
    // Epoch 1 = y1 + first 2000 of y2: the 5000 validation labels in some order.
    const ref = Array.from(a.labels.dataSync());
    const epoch1 = [...vals(y1), ...vals(y2).slice(0, 2000)];
    const hist = (xs: number[]) => xs.reduce((h, v) => ((h[v] = (h[v] ?? 0) + 1), h), [] as number[]);
    assert.deepEqual(hist(epoch1), hist(ref));
    assert.notDeepEqual(epoch1.slice(0, 50), ref.slice(0, 50), 'shuffled');
    // Same seed → same batches.
    const [bx1] = b.nextBatch(3000);
    const [bx2, by2] = b.nextBatch(3000);
    assert.deepEqual(vals(bx1).slice(0, 5000), vals(x1).slice(0, 5000));
    assert.deepEqual(vals(by2), vals(y2));
    assert.deepEqual(vals(bx2).slice(-3000), vals(x2).slice(-3000));
    // No shuffle: file order; the crossing batch wraps to the start.
    const c = datasets.mnist.readDataSets().validation;
    c.nextBatch(4000, false);
    const [, yc] = c.nextBatch(2000, false);
    assert.deepEqual(vals(yc), [...ref.slice(4000), ...ref.slice(0, 1000)]);
    expectThrows(() => c.nextBatch(0), /nextBatch: `batchSize` must be an integer in \[1, 5000\], received 0/);
  });

  it('a 60,000-image epoch: fromTensorSlices → shuffle(10000) → batch(100) with bounded memory', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Live memory: collected twice first (one full GC can leave dead arrays' backing stores for
    // the next, and how much garbage awaits collection depends on GC timing and machine load).
    const mem = () => {
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const { train } = datasets.mnist.loadData();
    const ds = data.fromTensorSlices({ xs: train.images, ys: train.labels }).shuffle(10000, 42).batch(100);
    assert.equal(ds.size, 600);
    const epoch = async (): Promise<{ ms: number; peak: number; batches: number; seen: number }> => {
      const base = mem();
      let peak = 0, batches = 0, seen = 0;
      const t0 = performance.now();
      for await (const b of ds) {
        batches++;
        seen += b.ys.shape[0]!;
        assert.deepEqual(b.xs.shape, [100, 28, 28]);
        tf.dispose([b.xs, b.ys]);
        if (batches % 25 === 0) peak = Math.max(peak, mem() - base);
      }
      return { ms: performance.now() - t0, peak, batches, seen };
    };
    const e1 = await epoch(); // includes the one-time read of the values
    const e2 = await epoch();
    const MB = 1024 * 1024;
    console.log(`    MNIST epoch (60,000 images, shuffle 10000, batch 100): first ${e1.ms.toFixed(0)} ms (incl. one-time read), steady ${e2.ms.toFixed(0)} ms; peak growth ${(e1.peak / MB).toFixed(0)} / ${(e2.peak / MB).toFixed(0)} MB`);
    assert.equal(e2.batches, 600);
    assert.equal(e2.seen, 60000);
    // The full set is 188 MB of float32: a steady epoch must not copy it (nor hold its batches).
    assert.ok(e2.peak < 120 * MB, `steady epoch grew the heap by ${(e2.peak / MB).toFixed(0)} MB`);
  });
});

// ------------------------------------------------------------------------------------ toCategorical

describe('utils.toCategorical', () => {
  it('one-hot float32, inferred or given numClasses, [N,1] squeezed', () => {
    const a = utils.toCategorical([0, 2, 1]);
    assert.equal(a.dtype, 'float32');
    expectTensor(a, [[1, 0, 0], [0, 0, 1], [0, 1, 0]], [3, 3]);
    expectTensor(utils.toCategorical(tf.tensor([1, 0], [2], 'int32'), 4), [[0, 1, 0, 0], [1, 0, 0, 0]], [2, 4]);
    assert.deepEqual(utils.toCategorical(tf.tensor([[1], [0]], [2, 1], 'int32')).shape, [2, 2]);
    assert.deepEqual(utils.toCategorical(tf.tensor([[1, 0], [0, 1]], [2, 2], 'int32')).shape, [2, 2, 2]);
  });
  it('errors on negative, too large and non-integer labels', () => {
    expectThrows(() => utils.toCategorical([0, -1]), /toCategorical: labels must be non-negative, labels\[1\] is -1/);
    expectThrows(() => utils.toCategorical([0, 3], 3), /toCategorical: labels must be < numClasses = 3, labels\[1\] is 3/);
    expectThrows(() => utils.toCategorical([0.5]), /toCategorical: labels must be integers, labels\[0\] is 0.5/);
    expectThrows(() => utils.toCategorical([1], 0), /toCategorical: `numClasses` must be a positive integer, received 0/);
  });
});

// ------------------------------------------------------------------------------------ image folders

function png(w: number, h: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const p = new pngjs.PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = pixel(x, y);
      const o = 4 * (y * w + x);
      p.data[o] = r;
      p.data[o + 1] = g;
      p.data[o + 2] = b;
      p.data[o + 3] = 255;
    }
  }
  return pngjs.PNG.sync.write(p);
}

function jpg(w: number, h: number, rgb: [number, number, number]): Buffer {
  const d = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([...rgb, 255], 4 * i);
  return jpeg.encode({ width: w, height: h, data: d }, 95).data;
}

describe('data.imageFolder', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'idem-img-'));
    // dogs/ (2 PNG + 1 JPEG) and cats/ (3 PNG), all 4×4, each a solid colour encoding its id.
    mkdirSync(join(root, 'same', 'dogs'), { recursive: true });
    mkdirSync(join(root, 'same', 'cats'), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(root, 'same', 'cats', `c${i}.png`), png(4, 4, () => [10 * i, 100, 200]));
    for (let i = 0; i < 2; i++) writeFileSync(join(root, 'same', 'dogs', `d${i}.PNG`), png(4, 4, () => [10 * (i + 3), 50, 0]));
    writeFileSync(join(root, 'same', 'dogs', 'd2.jpg'), jpg(4, 4, [50, 50, 0]));
    writeFileSync(join(root, 'same', 'dogs', 'notes.txt'), 'ignored');
    // A gradient image for resize/flip checks.
    mkdirSync(join(root, 'grad', 'only'), { recursive: true });
    writeFileSync(join(root, 'grad', 'only', 'g.png'), png(4, 2, (x) => [x * 60, x * 60, x * 60]));
    // Mixed sizes.
    mkdirSync(join(root, 'mixed', 'a'), { recursive: true });
    mkdirSync(join(root, 'mixed', 'b'), { recursive: true });
    writeFileSync(join(root, 'mixed', 'a', '1.png'), png(4, 4, () => [0, 0, 0]));
    writeFileSync(join(root, 'mixed', 'b', '2.png'), png(6, 5, () => [0, 0, 0]));
    mkdirSync(join(root, 'empty', 'a'), { recursive: true });
    mkdirSync(join(root, 'noclasses'), { recursive: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('classes from sorted folder names; batches {xs, ys} with exact pixel values', async () => {
    const ds = data.imageFolder(join(root, 'same'), { batchSize: 4, shuffle: false });
    assert.deepEqual(ds.classIndices, { cats: 0, dogs: 1 });
    assert.equal(ds.samples, 6);
    assert.equal(ds.size, 2);
    assert.deepEqual(ds.imageShape, [4, 4, 3]);
    const batches = await ds.toArray();
    assert.deepEqual(batches.map((b) => b.xs.shape), [[4, 4, 4, 3], [2, 4, 4, 3]]);
    expectTensor(batches[0]!.ys, [[1, 0], [1, 0], [1, 0], [0, 1]], [4, 2]);
    const x = vals(batches[0]!.xs);
    assert.deepEqual(x.slice(0, 3), [0, 100, 200]);
    assert.deepEqual(x.slice(48 * 1, 48 * 1 + 3), [10, 100, 200]);
    assert.deepEqual(x.slice(48 * 3, 48 * 3 + 3), [30, 50, 0]);
    // The JPEG (lossy): close to its colour.
    const j = vals(batches[1]!.xs).slice(48, 51);
    j.forEach((v, k) => assert.ok(Math.abs(v - [50, 50, 0][k]!) <= 3, `jpeg channel ${k}: ${v}`));
  });

  it('classMode, colorMode, rescale and targetSize', async () => {
    const dir = join(root, 'same');
    const [b] = await data.imageFolder(dir, { shuffle: false, classMode: 'int', colorMode: 'grayscale', rescale: 1 / 255, targetSize: [2, 3] }).toArray();
    assert.deepEqual(b!.xs.shape, [6, 2, 3, 1]);
    assert.equal(b!.ys.dtype, 'int32');
    assert.deepEqual(vals(b!.ys), [0, 0, 0, 1, 1, 1]);
    const gray = (19595 * 0 + 38470 * 100 + 7471 * 200 + 0x8000) >> 16;
    assert.ok(Math.abs(vals(b!.xs)[0]! - gray / 255) < 1e-6);
    const sparse = await data.imageFolder(dir, { shuffle: false, classMode: 'sparse' }).toArray();
    assert.equal(sparse[0]!.ys.dtype, 'float32');
    const bin = await data.imageFolder(dir, { shuffle: false, classMode: 'binary', batchSize: 6 }).toArray();
    assert.deepEqual(vals(bin[0]!.ys), [0, 0, 0, 1, 1, 1]);
  });

  it('bilinear resize (half-pixel centres) and horizontal flip', async () => {
    // Row [0, 60, 120, 180] resized to width 2: samples at x = 0.5 and 2.5 → 30 and 150.
    const [b] = await data.imageFolder(join(root, 'grad'), { targetSize: [1, 2], colorMode: 'grayscale' }).toArray();
    assert.deepEqual(vals(b!.xs), [30, 150]);
    assert.deepEqual(Array.from(resizeBilinear(Float32Array.from([0, 10]), 1, 2, 1, 1, 4)), [0, 2.5, 7.5, 10]);
    assert.deepEqual(Array.from(affineTransform(Float32Array.from([1, 2, 3]), 1, 3, 1, 0, 0, 0, true)), [3, 2, 1]);
    assert.deepEqual(Array.from(affineTransform(Float32Array.from([1, 2, 3]), 1, 3, 1, 0, 0, 1, false)), [2, 3, 3], 'shift with nearest fill');
    // Flip only: every augmented image is the original or its mirror.
    const seen = new Set<string>();
    const ds = data.imageFolder(join(root, 'grad'), { colorMode: 'grayscale', augment: { horizontalFlip: true }, seed: 1 });
    for (let e = 0; e < 12; e++) seen.add(vals((await ds.toArray())[0]!.xs).slice(0, 4).join(','));
    assert.deepEqual([...seen].sort(), ['0,60,120,180', '180,120,60,0']);
  });

  it('shuffle and augmentation are deterministic with a seed and change per epoch', async () => {
    const opts = { batchSize: 6, seed: 9, augment: { rotationRange: 20, widthShiftRange: 0.2, heightShiftRange: 0.2, horizontalFlip: true } };
    const a = data.imageFolder(join(root, 'same'), opts);
    const b = data.imageFolder(join(root, 'same'), opts);
    const a1 = (await a.toArray())[0]!;
    const a2 = (await a.toArray())[0]!;
    const b1 = (await b.toArray())[0]!;
    assert.deepEqual(vals(a1.xs), vals(b1.xs));
    assert.deepEqual(vals(a1.ys), vals(b1.ys));
    assert.notDeepEqual(vals(a1.ys).join() + vals(a1.xs).join(), vals(a2.ys).join() + vals(a2.xs).join());
    const order = async (seed: number) => vals((await data.imageFolder(join(root, 'same'), { batchSize: 6, seed }).toArray())[0]!.xs).filter((_, i) => i % 48 === 0);
    assert.deepEqual(await order(4), await order(4));
    // Red channel of each image's first pixel identifies it (0..40 PNG, ~50 the JPEG): a permutation, not file order.
    const o = (await order(4)).map((v) => Math.round(v / 10) * 10);
    assert.deepEqual([...o].sort((x, y) => x - y), [0, 10, 20, 30, 40, 50]);
    assert.notDeepEqual(o, [0, 10, 20, 30, 40, 50]);
  });

  it('errors: missing folder, no classes, no images, mixed sizes without targetSize, bad options', () => {
    expectThrows(() => data.imageFolder(join(root, 'nope')), /imageFolder: directory not found: .*nope/);
    expectThrows(() => data.imageFolder(join(root, 'noclasses')), /imageFolder: .*noclasses has no class subfolders/);
    expectThrows(() => data.imageFolder(join(root, 'empty')), /imageFolder: no \.png\/\.jpg\/\.jpeg images found under .*empty \(class folders: a\)/);
    expectThrows(() => data.imageFolder(join(root, 'mixed')), /imageFolder: images have different sizes and no targetSize was given: a\/1\.png is 4×4 \(w×h\), b\/2\.png is 6×5; pass targetSize/);
    assert.deepEqual(data.imageFolder(join(root, 'mixed'), { targetSize: [3, 3] }).imageShape, [3, 3, 3]);
    expectThrows(() => data.imageFolder(join(root, 'same'), { classMode: 'binary' as const, batchSize: 0 }), /imageFolder: `batchSize` must be a positive integer, received 0/);
    expectThrows(() => data.imageFolder(join(root, 'mixed', '..', 'same'), { targetSize: [0, 2] }), /imageFolder: `targetSize` must be \[height, width\] of positive integers/);
  });
});
