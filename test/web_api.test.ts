/**
 * The browser-facing APIs that also run in Node, tested here without a browser: URL loading
 * (loadLayersModel / loadWeights over HTTP from a local server, the 404 error, tf.io.http save),
 * tf.data.csv (TF.js's column configs; file, file:// and http sources; errors), MNIST from a URL,
 * tf.browser pixels from {data, width, height}, fit's progress lines and the live chart's SVG,
 * the browser stores' errors outside a browser, the platform layer's helpers, and
 * tf.setNumThreads on the wasm backend (bit-identical results for 1 and 2 threads).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tf from '../src/index.ts';
import { startServer, type TestServer } from './browser_harness.ts';
import { nodeOnly, requireNode, writeOut, setConsoleWriter, sayOnce } from '../src/platform/index.ts';
import { ProgressBar } from '../src/models/callbacks.ts';
import { cropAndResizeBox } from '../src/web/webcam.ts';

describe('browser-facing APIs in Node', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-web-'));
  let server: TestServer;
  const posts: { path: string; body: Buffer }[] = [];

  before(async () => {
    server = await startServer({ mounts: { '/f/': dir }, onPost: (p, body) => void posts.push({ path: p, body }) });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loadLayersModel and loadWeights from http URLs (model.json, .keras, .h5, weights); 404 names the URL and status', async () => {
    tf.setSeed(2);
    const layers = () => [tf.layers.dense({ units: 4, activation: 'relu', inputShape: [3], name: 'hidden' }), tf.layers.dense({ units: 2, name: 'out' })];
    const m = tf.sequential({ layers: layers() });
    await m.save(`file://${path.join(dir, 'web')}`);
    await m.save(path.join(dir, 'm.keras'));
    await m.save(path.join(dir, 'm.h5'));
    await m.saveWeights(path.join(dir, 'w.weights.h5'));
    await m.saveWeights(path.join(dir, 'w.safetensors'));
    fs.copyFileSync(path.join(dir, 'web', 'model.json'), path.join(dir, 'web', 'topology'));
    const x = tf.tensor([[1, -2, 0.5]]);
    const want = Array.from((m.predict(x) as tf.Tensor).dataSync());
    for (const u of ['/f/web/model.json', '/f/web/topology', '/f/m.keras', '/f/m.h5']) {
      const loaded = await tf.loadLayersModel(server.url(u));
      assert.deepEqual(Array.from((loaded.predict(x) as tf.Tensor).dataSync()), want, u);
    }
    for (const u of ['/f/w.weights.h5', '/f/w.safetensors']) {
      tf.setSeed(9);
      const fresh = tf.sequential({ layers: layers() });
      await fresh.loadWeights(server.url(u));
      assert.deepEqual(Array.from((fresh.predict(x) as tf.Tensor).dataSync()), want, u);
    }
    const progress: number[] = [];
    await tf.loadLayersModel(tf.io.http(server.url('/f/web/model.json'), { onProgress: (f) => progress.push(f) }));
    assert.deepEqual(progress, [0, 1]);
    await assert.rejects(tf.loadLayersModel(server.url('/f/nothing/model.json')), { message: `loadLayersModel: fetching ${server.url('/f/nothing/model.json')} failed: HTTP 404 Not Found` });
    await assert.rejects(tf.loadLayersModel('http://127.0.0.1:9/m.keras'), /^IdemError: loadLayersModel: fetching http:\/\/127\.0\.0\.1:9\/m\.keras failed: fetch failed/);
    // A shard path that leaves the model's folder is refused before any fetch.
    const bad = JSON.parse(fs.readFileSync(path.join(dir, 'web', 'model.json'), 'utf8'));
    bad.weightsManifest[0].paths = ['../m.keras'];
    fs.writeFileSync(path.join(dir, 'web', 'bad.json'), JSON.stringify(bad));
    await assert.rejects(tf.loadLayersModel(server.url('/f/web/bad.json')), /shard path "\.\.\/m\.keras" must be a relative path inside the model's folder/);
  });

  it('tf.io.http saves with a multipart POST; browser stores say they need a browser', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    const r = await m.save(server.url('/upload'));
    assert.equal((r as { modelArtifactsInfo: { weightDataBytes: number } }).modelArtifactsInfo.weightDataBytes, 12);
    assert.equal(posts.at(-1)!.path, '/upload');
    assert.ok(posts.at(-1)!.body.includes('filename="model.weights.bin"'));
    await assert.rejects(m.save('indexeddb://x'), /'indexeddb:\/\/' needs a web browser .*in Node\.js save to a file path/);
    await assert.rejects(tf.loadLayersModel('localstorage://x'), /'localstorage:\/\/' needs a web browser/);
    await assert.rejects(tf.io.listModels(), /io\.listModels: listing saved models needs a web browser/);
    await assert.rejects(m.saveWeights('indexeddb://x'), /weights alone go to a file or to 'downloads:\/\/name\.weights\.h5'/);
  });

  it('tf.data.csv: TF.js column configs, labels, defaults, quotes, delimiters; file, file:// and http sources; errors', async () => {
    const f = path.join(dir, 'd.csv');
    fs.writeFileSync(f, '\ufeffa,b,c,label\r\n1,2.5,x,true\r\n3,,"y, ""z""",0\r\n\r\n-1.5,7,w,TRUE\r\n');
    const rows = await tf.data.csv(f, { columnConfigs: { b: { default: 9 }, label: { isLabel: true, dtype: 'bool' }, a: { dtype: 'int32' } } }).toArray();
    assert.deepEqual(rows, [
      { xs: { a: 1, b: 2.5, c: 'x' }, ys: { label: 1 } },
      { xs: { a: 3, b: 9, c: 'y, "z"' }, ys: { label: 0 } },
      { xs: { a: -2, b: 7, c: 'w' }, ys: { label: 1 } },
    ]);
    const ds = tf.data.csv(`file://${f}`, { configuredColumnsOnly: true, columnConfigs: { c: {} } });
    assert.deepEqual(await ds.columnNames(), ['a', 'b', 'c', 'label']);
    assert.deepEqual(await ds.toArray(), [{ c: 'x' }, { c: 'y, "z"' }, { c: 'w' }]);
    fs.writeFileSync(path.join(dir, 'w.txt'), '1 2\t3\n4   5 6\n');
    assert.deepEqual(await tf.data.csv(server.url('/f/w.txt'), { hasHeader: false, columnNames: ['p', 'q', 'r'], delimWhitespace: true }).toArray(), [{ p: 1, q: 2, r: 3 }, { p: 4, q: 5, r: 6 }]);
    // Batches of rows become tensors (an array of numbers in an element is one tensor, as in TF.js: [batch, 2]).
    const batch = await tf.data.csv(f, { columnConfigs: { label: { isLabel: true, dtype: 'bool' } }, configuredColumnsOnly: false }).map((e) => {
      const { xs, ys } = e as { xs: Record<string, number>; ys: Record<string, number> };
      return { xs: [xs['a']!, xs['b'] ?? 0], ys: [ys['label']!] };
    }).batch(3).toArray();
    const tx = batch[0]!.xs as unknown as tf.Tensor;
    assert.deepEqual([tx.shape, Array.from(tx.dataSync())], [[3, 2], [1, 2.5, 3, 0, -1.5, 7]]);
    await assert.rejects(tf.data.csv(f, { columnConfigs: { nope: {} } }).toArray(), /data\.csv: .*d\.csv: the key 'nope' in columnConfigs is not a column name \(columns: a, b, c, label\)/);
    await assert.rejects(tf.data.csv(f, { columnConfigs: { label: { isLabel: true } }, columnNames: ['a', 'b'] }).toArray(), /`columnNames` has 2 names but the header has 4 columns/);
    fs.writeFileSync(path.join(dir, 'short.csv'), 'a,b\n1,2\n3\n');
    await assert.rejects(tf.data.csv(path.join(dir, 'short.csv')).toArray(), /short\.csv line 3: expected 2 fields \(a, b\), found 1: "3"/);
    await assert.rejects(tf.data.csv(f, { columnConfigs: { b: { required: true } } }).toArray(), /d\.csv line 3: required column 'b' is empty/);
    assert.throws(() => tf.data.csv(f, { delimeter: ';' } as never), /unknown option 'delimeter' in csvConfig/);
    assert.throws(() => tf.data.csv(f, { columnConfigs: { a: { dtype: 'float64' } } } as never), /columnConfigs\['a'\]\.dtype must be one of float32, int32, bool, string/);
    await assert.rejects(tf.data.csv(server.url('/f/missing.csv')).toArray(), { message: `data.csv: fetching ${server.url('/f/missing.csv')} failed: HTTP 404 Not Found` });
    fs.writeFileSync(path.join(dir, 'noheader.csv'), '1,2\n');
    await assert.rejects(tf.data.csv(path.join(dir, 'noheader.csv'), { hasHeader: false }).toArray(), /no column names: give `columnNames`/);
  });

  it('MNIST from a URL (raw and gzipped files): the same values as from the package folder', async () => {
    const src = tf.datasets.mnist.dataDir();
    const sub = path.join(dir, 'mnist');
    fs.mkdirSync(sub);
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-labels-idx1-ubyte']) fs.copyFileSync(path.join(src, f), path.join(sub, f));
    fs.writeFileSync(path.join(sub, 't10k-images.gz'), zlib.gzipSync(fs.readFileSync(path.join(src, 't10k-images-idx3-ubyte'))));
    const fromUrl = await tf.datasets.mnist.loadData({ url: server.url('/f/mnist'), files: { testImages: 't10k-images.gz' }, dtype: 'uint8' });
    const local = tf.datasets.mnist.loadData({ dtype: 'uint8' });
    assert.deepEqual(fromUrl.train.images.shape, [60000, 28, 28]);
    assert.ok(tf.equal(fromUrl.test.images, local.test.images).all().dataSync()[0] === 1, 'gzipped test images equal');
    assert.ok(tf.equal(fromUrl.train.labels, local.train.labels).all().dataSync()[0] === 1);
    const sets = await tf.datasets.mnist.readDataSets({ url: server.url('/f/mnist/'), files: { testImages: 't10k-images.gz' }, oneHot: true });
    assert.deepEqual(sets.validation.images.shape, [5000, 784]);
    await assert.rejects(tf.datasets.mnist.loadData({ url: server.url('/f/none/') }), /mnist\.loadData: fetching http:\/\/127\.0\.0\.1:\d+\/f\/none\/train-images-idx3-ubyte failed: HTTP 404 Not Found/);
    assert.throws(() => tf.datasets.mnist.loadData({ url: 'x', dir: 'y' }), /give `dir` .* or `url` .*, not both/);
    assert.throws(() => tf.datasets.mnist.loadData({ url: 'x', file: {} } as never), /mnist\.loadData: unknown option 'file'/);
  });

  it('tf.browser pixels from {data, width, height} (no DOM needed); toPixels bytes; errors', async () => {
    const data = new Uint8Array([1, 2, 3, 255, 4, 5, 6, 128]);
    const t = tf.browser.fromPixels({ data, width: 2, height: 1 });
    assert.deepEqual(t.shape, [1, 2, 3]);
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(Array.from(t.dataSync()), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(tf.browser.fromPixels({ data, width: 2, height: 1 }, 4).dataSync()), Array.from(data));
    assert.deepEqual(Array.from(await tf.browser.toPixels(t)), [1, 2, 3, 255, 4, 5, 6, 255]);
    assert.throws(() => tf.browser.fromPixels({ data, width: 3, height: 1 }), /fromPixels: `pixels\.data` must hold width × height × 4 = 12 RGBA bytes, it holds 8/);
    assert.throws(() => tf.browser.fromPixels('img' as never), /fromPixels: `pixels` must be an HTMLImageElement, .* received string/);
    await assert.rejects(tf.browser.toPixels(tf.tensor1d([1, 2])), /toPixels: `img` must be rank 2 .* received rank 1 \[2\]/);
    await assert.rejects(tf.browser.toPixels(tf.zeros([2, 2, 2])), /toPixels: `img` must have 1, 3 or 4 channels, received 2/);
    await assert.rejects(tf.browser.toPixels(tf.tensor2d([[0, 2]])), /values for a float32 tensor must be in \[0, 1\], found 2 at \[0,1\] \(divide by 255/);
  });

  it('progress: one line per epoch outside a terminal (progressLines, and the console writer); the live chart as SVG', async () => {
    const x = tf.tensor([[0], [1], [2], [3]]);
    const y = tf.tensor([[0], [2], [4], [6]]);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    m.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError', metrics: ['mae'] });
    const lines: string[] = [];
    const svgs: string[] = [];
    const h = await m.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0, callbacks: [tf.callbacks.progressLines((l) => lines.push(l)), tf.callbacks.liveChart((s) => svgs.push(s), { minInterval: 0 })] });
    assert.equal(lines.length, 3);
    assert.match(lines[2]!, /^Epoch 3\/3 - 2\/2 - \d+s \d+ms\/step - loss: \d+\.\d{4} - mae: \d+\.\d{4}$/);
    const last = svgs.at(-1)!;
    assert.equal((last.match(/<svg class="curve"/g) ?? []).length, 2, 'loss and mae');
    const train = /data-tag="loss".*?<g class="series" data-run="train" data-steps="([^"]*)" data-values="([^"]*)"/.exec(last)!;
    assert.equal(train[1], '1,2,3');
    assert.deepEqual(train[2]!.split(',').map(Number), h.history['loss']);
    assert.ok(last.includes('data-run="batch"'), 'batch values drawn');
    assert.ok(svgs.length >= 3 + 6, 'redrawn after every batch (minInterval 0) and epoch');
    assert.throws(() => tf.callbacks.liveChart('div' as never), /liveChart: `target` must be a DOM element or a function/);
    assert.throws(() => tf.callbacks.liveChart(() => {}, { metric: ['loss'] } as never), /unknown option 'metric'/);
    // A ProgressBar writing to the console (as in a page): one line per epoch.
    const out: string[] = [];
    setConsoleWriter((l) => out.push(l));
    try {
      const bar = new ProgressBar(1, writeOut, false, true);
      bar.setParams({ epochs: 2, steps: 5, verbose: 1 });
      await bar.onTrainBegin();
      for (const e of [0, 1]) {
        await bar.onEpochBegin(e);
        for (let b = 0; b < 5; b++) await bar.onBatchEnd(b, { loss: 1 });
        await bar.onEpochEnd(e, { loss: 0.5, val_loss: 0.25 });
      }
    } finally {
      setConsoleWriter(null);
    }
    assert.equal(out.length, 2);
    assert.match(out[1]!, /^Epoch 2\/2 - 5\/5 - 0s \d+ms\/step - loss: 0\.5000 - val_loss: 0\.2500$/);
  });

  it('tf.data.webcam is browser-only in Node (a rejection saying so); its crop-and-resize is TensorFlow\'s bilinear one', async () => {
    await assert.rejects(tf.data.webcam(), /^IdemError: tf\.data\.webcam: a webcam is browser-only \(this is not a web page: no document\); in Node read images from disk with tf\.data\.imageFolder, or feed frames you already have with tf\.data\.generator$/);
    await assert.rejects(tf.data.webcam(null, { resizeWidth: 8, resizeHeight: 8 }), /browser-only/);
    // The full box at the same size is the image; 2×2 → 3×3 interpolates halfway; a box past
    // the image reads 0 there (TensorFlow's extrapolation value).
    const img = [0, 10, 20, 30]; // 2×2, one channel
    assert.deepEqual(Array.from(cropAndResizeBox(img, 2, 2, 1, [0, 0, 1, 1], 2, 2)), img);
    assert.deepEqual(Array.from(cropAndResizeBox(img, 2, 2, 1, [0, 0, 1, 1], 3, 3)), [0, 5, 10, 10, 15, 20, 20, 25, 30]);
    assert.deepEqual(Array.from(cropAndResizeBox(img, 2, 2, 1, [0, 0, 2, 2], 3, 3)), [0, 10, 0, 20, 30, 0, 0, 0, 0]);
    // One output pixel: the box's centre; channels interpolate independently.
    assert.deepEqual(Array.from(cropAndResizeBox([0, 100, 10, 200, 20, 300, 30, 400], 2, 2, 2, [0, 0, 1, 1], 1, 1)), [15, 250]);
  });

  it('the platform layer: Node-only errors, Node built-ins, sayOnce', () => {
    assert.throws(() => nodeOnly('op', 'a thing', 'use another'), /^IdemError: op: a thing is Node-only \(.*\); use another$/);
    assert.ok(requireNode('op', 'x', 'y').fs.existsSync(dir));
    const logged: unknown[] = [];
    const info = console.info;
    console.info = (...a: unknown[]) => void logged.push(a.join(' '));
    try {
      sayOnce('test-key', 'hello');
      sayOnce('test-key', 'hello again');
    } finally {
      console.info = info;
    }
    assert.deepEqual(logged, ['hello']);
  });

  it('tf.setNumThreads drives the wasm workers: 1 and 2 threads give the same bits', async () => {
    const prev = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const a = tf.randomNormal([256, 300], 0, 1, 'float32', 1);
      const b = tf.randomNormal([300, 200], 0, 1, 'float32', 2);
      assert.equal(tf.setNumThreads(1), 1);
      assert.equal(tf.getNumThreads(), 1);
      const one = tf.matMul(a, b).dataSync();
      assert.equal(tf.setNumThreads(2), 2);
      const be = tf.ENGINE.backend as unknown as { threads: { ready: boolean } | null; threadedProducts: number };
      // Workers boot in the background (slowly on a loaded machine): wait for them, with a hang guard.
      for (const t0 = Date.now(); !be.threads!.ready && Date.now() - t0 < 120_000;) await new Promise((r) => setTimeout(r, 10));
      assert.ok(be.threads!.ready, 'the 2 wasm worker threads started within 120 s');
      const before = be.threadedProducts;
      const two = tf.matMul(a, b).dataSync();
      assert.equal(be.threadedProducts, before + 1, 'the product ran on the threads');
      assert.deepEqual(Buffer.from(two.buffer, two.byteOffset, two.byteLength), Buffer.from(one.buffer, one.byteOffset, one.byteLength));
    } finally {
      tf.setNumThreads(0);
      await tf.setBackend(prev);
    }
  });
});
