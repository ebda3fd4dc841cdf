/**
 * idem in a real browser (Debian's Chromium through test/browser_harness.ts), using the bundle
 * `npm run build` makes (built here into a temporary folder):
 * - training: the seeded program of test/fixtures/browser/program.mjs (Keras fit, 30 steps, and
 *   a hand loop) gives losses and weights bit-identical to the same program in Node on the wasm
 *   backend — on a page's main thread (one thread; it says so once) and in a dedicated Worker
 *   with 2 threads on a cross-origin isolated page (the products ran on the threads);
 * - IndexedDB: save, reload the page, load, predict: identical; localStorage, listModels,
 *   copyModel, moveModel, removeModel; downloads:// (model.json + weights, and .keras);
 * - loadLayersModel(url) of a TF.js model.json and of a .keras file (HDF5 chunk loaded on demand)
 *   saved by Node: predictions bit-identical to Node's wasm backend; tf.io.browserFiles;
 * - fromPixels of a canvas with known pixels, toPixels round trips, their errors;
 * - a failed fetch (404) gives the documented error naming the URL and status;
 * - MNIST (and a .gz bomb, stopped at its IDX header's size) and tf.data.csv from the test
 *   server; fit's console progress (one line per epoch) and the live chart;
 * - tf.data.webcam on Chromium's fake camera; CSVLogger's Node-only error when it is made;
 * - no console errors (but the 404's own line), no request to any host but the test server.
 * Skipped, with the reason, when Chromium is absent.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- functions run in the page */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tf from '../src/index.ts';
// @ts-expect-error -- a plain .mjs build script without types
import { buildBrowserBundle } from '../browser/build.mjs';
// @ts-expect-error -- plain JavaScript, run unchanged in Node and in the browser
import { trainProgram } from './fixtures/browser/program.mjs';
import { chromiumSkip, harnessPage, launchChromium, openPage, startServer, waitForTf, type PageRun, type TestBrowser, type TestServer } from './browser_harness.ts';

const skip = chromiumSkip;
if (skip) console.log(`# ${skip}`);

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'browser');

interface ProgramResult {
  backend: string;
  losses: number[];
  weights: string[];
  handLosses: number[];
  handWeights: string[];
}

const WORKER = `import * as tf from '/bundle/idem.browser.js';
import { trainProgram } from '/fixtures/program.mjs';
self.onmessage = async (e) => {
  try {
    const used = tf.setNumThreads(e.data.threads);
    const t0 = performance.now();
    while (tf.ENGINE.backend.threads && !tf.ENGINE.backend.threads.ready && performance.now() - t0 < 120000) await new Promise((r) => setTimeout(r, 20));
    const r = await trainProgram(tf);
    const be = tf.ENGINE.backend;
    self.postMessage({ ok: true, used, threads: tf.getNumThreads(), ready: !!(be.threads && be.threads.ready), threaded: be.threadedProducts, isolated: self.crossOriginIsolated, ...r });
  } catch (err) {
    self.postMessage({ ok: false, error: String((err && err.stack) || err) });
  }
};
`;

/** A Worker that sets the thread count and runs one product large enough for the threads. */
const THREADS_WORKER = `const said = [];
for (const k of ['log', 'info', 'warn']) {
  const orig = console[k];
  console[k] = (...a) => { said.push(a.join(' ')); orig.apply(console, a); };
}
const tf = await import('/bundle/idem.browser.js');
self.onmessage = (e) => {
  const used = tf.setNumThreads(e.data.threads);
  tf.setNumThreads(e.data.threads);
  const a = tf.ones([256, 256]);
  const p = tf.matMul(a, a).dataSync()[255];
  self.postMessage({ used, threads: tf.getNumThreads(), isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency, p, said });
};
self.postMessage('ready');
`;

/** The first \`\`\`html block of the README's "Using idem in a page", as a newcomer copies it. */
function readmeSnippet(): string {
  const readme = fs.readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Using idem in a page'));
  const m = /```html\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'the README has the page snippet');
  return `<!doctype html><meta charset="utf-8">\n${m[1]}`;
}

/** An IDX file: magic 0x0000080d (d dimensions), sizes, bytes. */
function idx(dims: number[], data: Uint8Array): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x800 + dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

describe('idem in headless Chromium', { skip }, () => {
  let server: TestServer;
  let plain: TestServer;
  let browser: TestBrowser;
  let run: PageRun;
  let node: ProgramResult;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-browser-test-'));
  const bundleDir = path.join(tmp, 'bundle');
  const modelsDir = path.join(tmp, 'models');
  const dataDir = path.join(tmp, 'data');
  const x = [[0.5, -1, 2, 0.25], [-0.75, 1.5, 0, 3]];
  let nodePredict: number[] = [];
  const posts: { path: string; body: Buffer }[] = [];

  before(async () => {
    await buildBrowserBundle(bundleDir);
    // The reference: the same program in Node on the wasm backend.
    await tf.setBackend('wasm');
    node = (await trainProgram(tf)) as ProgramResult;
    // A model saved by Node for loadLayersModel(url): TF.js folder and .keras.
    tf.setSeed(3);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 5, activation: 'relu', inputShape: [4] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    await m.save(`file://${path.join(modelsDir, 'tfjs')}`);
    await m.save(path.join(modelsDir, 'm.keras'));
    nodePredict = Array.from((m.predict(tf.tensor(x)) as tf.Tensor).dataSync());
    await tf.setBackend('native').catch(() => tf.setBackend('reference'));
    // A small MNIST (the first 200 training and 100 test images), raw and gzipped.
    fs.mkdirSync(path.join(dataDir, 'mnist'), { recursive: true });
    const raw = tf.datasets.mnist.loadData({ dtype: 'uint8' });
    const bytes = (t: tf.Tensor, n: number) => Uint8Array.from(t.dataSync().subarray(0, n));
    fs.writeFileSync(path.join(dataDir, 'mnist', 'train-images-idx3-ubyte'), idx([200, 28, 28], bytes(raw.train.images, 200 * 784)));
    fs.writeFileSync(path.join(dataDir, 'mnist', 'train-labels-idx1-ubyte'), idx([200], bytes(raw.train.labels, 200)));
    fs.writeFileSync(path.join(dataDir, 'mnist', 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(idx([100, 28, 28], bytes(raw.test.images, 100 * 784))));
    fs.writeFileSync(path.join(dataDir, 'mnist', 't10k-labels-idx1-ubyte'), idx([100], bytes(raw.test.labels, 100)));
    // The same subset as a plain folder of the four files, for the README's snippet.
    fs.mkdirSync(path.join(dataDir, 'mnist-plain'), { recursive: true });
    for (const f of fs.readdirSync(path.join(dataDir, 'mnist'))) {
      const b = fs.readFileSync(path.join(dataDir, 'mnist', f));
      fs.writeFileSync(path.join(dataDir, 'mnist-plain', f.replace(/\.gz$/, '')), f.endsWith('.gz') ? zlib.gunzipSync(b) : b);
    }
    // A decompression bomb: a test-images .gz whose header says 100 images but whose data inflates to 64 MiB.
    fs.mkdirSync(path.join(dataDir, 'mnist-bomb'), { recursive: true });
    for (const f of fs.readdirSync(path.join(dataDir, 'mnist'))) fs.copyFileSync(path.join(dataDir, 'mnist', f), path.join(dataDir, 'mnist-bomb', f));
    fs.writeFileSync(path.join(dataDir, 'mnist-bomb', 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(idx([100, 28, 28], new Uint8Array(64 * 2 ** 20)), { level: 9 }));
    fs.writeFileSync(path.join(dataDir, 'iris.csv'), 'sepal_length,sepal_width,species\n5.1,3.5,0\n4.9,,1\n"6,2",2.9,2\n');
    const mounts = { '/bundle/': bundleDir, '/fixtures/': FIXTURES, '/models/': modelsDir, '/data/': dataDir, '/readme/node_modules/idem/dist/': bundleDir, '/readme/mnist/': path.join(dataDir, 'mnist-plain') };
    const pages = { '/t/page.html': harnessPage('/bundle/idem.browser.js'), '/t/worker.mjs': WORKER, '/t/threads.mjs': THREADS_WORKER, '/readme/index.html': readmeSnippet() };
    server = await startServer({ mounts, pages, isolated: true, onPost: (p, body) => void posts.push({ path: p, body }) });
    plain = await startServer({ mounts, pages });
    // A fake camera (a test pattern) that pages may open without asking, for tf.data.webcam.
    browser = await launchChromium({ args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
    run = await openPage(browser, server.url('/t/page.html'));
    await waitForTf(run.page);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await plain?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('trains on the main thread bit-identical to Node on wasm (one thread, said once)', { timeout: 180_000 }, async () => {
    const page = await openPage(browser, plain.url('/t/page.html'));
    await waitForTf(page.page);
    const r = (await page.page.evaluate(async () => {
      const { trainProgram } = await import('/fixtures/program.mjs' as string);
      const tf = (globalThis as any).tf;
      const out = await trainProgram(tf);
      return { ...out, threads: tf.getNumThreads(), isolated: (globalThis as any).crossOriginIsolated };
    })) as ProgramResult & { threads: number; isolated: boolean };
    assert.equal(r.backend, 'wasm');
    assert.equal(r.isolated, false);
    assert.equal(r.threads, 1);
    assert.deepEqual(r.losses, node.losses, 'Keras fit losses');
    assert.deepEqual(r.weights, node.weights, 'Keras weights (hashes of their bytes)');
    assert.deepEqual(r.handLosses, node.handLosses, 'hand-loop losses');
    assert.deepEqual(r.handWeights, node.handWeights, 'hand-loop weights');
    assert.equal(r.losses.length, 30);
    const said = page.console.filter((l) => l.includes('idem wasm backend: running on 1 thread'));
    assert.equal(said.length, 1, `the one-thread note once: ${JSON.stringify(page.console)}`);
    assert.match(said[0]!, /not cross-origin isolated/);
    assert.deepEqual(page.errors, []);
    await page.page.close();
  });

  it('trains in a Worker on 2 threads (cross-origin isolated page) bit-identical to Node', { timeout: 300_000 }, async () => {
    const r = (await run.page.evaluate(() => new Promise<unknown>((resolve) => {
      const w = new Worker('/t/worker.mjs', { type: 'module' });
      w.onmessage = (e) => {
        resolve(e.data);
        w.terminate();
      };
      w.onerror = (e) => resolve({ ok: false, error: String(e.message) });
      w.postMessage({ threads: 2 });
    }))) as ProgramResult & { ok: boolean; error?: string; used: number; threads: number; ready: boolean; threaded: number; isolated: boolean };
    assert.ok(r.ok, r.error);
    assert.equal(r.isolated, true);
    assert.equal(r.used, 2);
    assert.equal(r.threads, 2);
    assert.ok(r.ready, 'the worker threads started');
    assert.ok(r.threaded > 0, `products ran on the threads (${r.threaded})`);
    assert.deepEqual(r.losses, node.losses);
    assert.deepEqual(r.weights, node.weights);
    assert.deepEqual(r.handLosses, node.handLosses);
    assert.deepEqual(r.handWeights, node.handWeights);
  });

  it('a Worker off the isolated path runs on one thread and says so once; setNumThreads(0) is hardwareConcurrency (at most 8)', { timeout: 60_000 }, async () => {
    const inWorker = async (page: PageRun, threads: number) => (await page.page.evaluate((threads) => new Promise<unknown>((resolve) => {
      const w = new Worker('/t/threads.mjs', { type: 'module' });
      w.onmessage = (e) => {
        if (e.data === 'ready') return w.postMessage({ threads });
        resolve(e.data);
        w.terminate();
      };
      w.onerror = (e) => resolve({ error: String(e.message) });
    }), threads)) as { used: number; threads: number; isolated: boolean; cores: number; p: number; said: string[]; error?: string };
    const off = await openPage(browser, plain.url('/t/page.html'));
    const a = await inWorker(off, 2);
    assert.equal(a.error, undefined);
    assert.equal(a.isolated, false);
    assert.equal(a.used, 1, 'setNumThreads(2) gives 1 off the isolated path');
    assert.equal(a.threads, 1);
    assert.equal(a.p, 256);
    const said = a.said.filter((l) => l.includes('running on 1 thread'));
    assert.equal(said.length, 1, `said once: ${JSON.stringify(a.said)}`);
    assert.match(said[0]!, /^idem wasm backend: running on 1 thread: the page is not cross-origin isolated \(serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\)/);
    await off.page.close();
    const b = await inWorker(run, 0);
    assert.equal(b.isolated, true);
    assert.equal(b.used, Math.min(b.cores, 8), 'the default: navigator.hardwareConcurrency, at most 8');
    assert.equal(b.p, 256);
    assert.deepEqual(b.said.filter((l) => l.includes('running on 1 thread')), []);
  });

  it("the README's page snippet runs as written (no bundler): trains, draws its curves, saves to IndexedDB", { timeout: 300_000 }, async () => {
    const page = await openPage(browser, plain.url('/readme/index.html'));
    let saved: string[] = [];
    // Polls until the page has saved (a hang guard of minutes: a loaded machine trains slowly).
    for (let t0 = Date.now(); Date.now() - t0 < 240_000 && !saved.includes('indexeddb://my-model'); await new Promise((r) => setTimeout(r, 250))) {
      saved = (await page.page.evaluate(async () => Object.keys(await (await import('/readme/node_modules/idem/dist/idem.browser.js' as string)).io.listModels()))) as string[];
    }
    assert.deepEqual(saved, ['indexeddb://my-model']);
    const epochs = page.console.filter((l) => /^log: Epoch [12]\/2 - 2\/2 - /.test(l));
    assert.equal(epochs.length, 2, JSON.stringify(page.console));
    const loss = epochs.map((l) => Number(/ - loss: (\d+\.\d+)/.exec(l)![1]));
    assert.ok(loss[1]! < loss[0]!, `the loss goes down: ${loss}`);
    assert.deepEqual(page.console.filter((l) => l.startsWith('warning:')), [], 'no lint warning');
    assert.equal(await page.page.locator('#curves svg.curve').count(), 2, 'loss and accuracy curves');
    assert.deepEqual(page.errors, []);
    await page.page.close();
  });

  it('IndexedDB: save, reload the page, load, predict (identical); listModels, copy, move, remove; localStorage', { timeout: 120_000 }, async () => {
    const before = (await run.page.evaluate(async (x) => {
      const tf = (globalThis as any).tf;
      tf.setSeed(5);
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 2 })] });
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      await m.fit(tf.tensor(x), tf.tensor([[1, 0], [0, 1]]), { epochs: 2, verbose: 0 });
      const info = await m.save('indexeddb://demo-model');
      const p = Array.from(m.predict(tf.tensor(x)).dataSync());
      return { p, info: { type: info.modelArtifactsInfo.modelTopologyType, bytes: info.modelArtifactsInfo.weightDataBytes } };
    }, x)) as { p: number[]; info: { type: string; bytes: number } };
    assert.deepEqual(before.info, { type: 'JSON', bytes: (4 * 6 + 6 + 6 * 2 + 2) * 4 });
    await run.page.reload({ waitUntil: 'load' });
    await waitForTf(run.page);
    const after = (await run.page.evaluate(async (x) => {
      const tf = (globalThis as any).tf;
      const m = await tf.loadLayersModel('indexeddb://demo-model');
      const p = Array.from(m.predict(tf.tensor(x)).dataSync());
      const list1 = Object.keys(await tf.io.listModels()).sort();
      await tf.io.copyModel('indexeddb://demo-model', 'localstorage://copy');
      const m2 = await tf.loadLayersModel('localstorage://copy');
      const p2 = Array.from(m2.predict(tf.tensor(x)).dataSync());
      await tf.io.moveModel('localstorage://copy', 'indexeddb://moved');
      const list2 = Object.keys(await tf.io.listModels()).sort();
      const removed = await tf.io.removeModel('indexeddb://moved');
      const list3 = Object.keys(await tf.io.listModels()).sort();
      let missing = '';
      try {
        await tf.loadLayersModel('indexeddb://nope');
      } catch (e) {
        missing = String((e as Error).message);
      }
      // ModelCheckpoint into a browser store (saves the whole model each epoch).
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      await m.fit(tf.tensor(x), tf.tensor([[1, 0], [0, 1]]), { epochs: 1, verbose: 0, callbacks: [tf.callbacks.modelCheckpoint('indexeddb://ckpt')] });
      const ck = await tf.loadLayersModel('indexeddb://ckpt');
      const pc = Array.from(ck.predict(tf.tensor(x)).dataSync());
      const pm = Array.from(m.predict(tf.tensor(x)).dataSync());
      return { p, p2, list1, list2, list3, removedBytes: removed.weightDataBytes, missing, checkpointOk: pc.every((v, i) => v === pm[i]) };
    }, x)) as Record<string, unknown>;
    assert.deepEqual(after['p'], before.p, 'predictions after reload: bit-identical');
    assert.deepEqual(after['p2'], before.p, 'through localStorage: bit-identical');
    assert.deepEqual(after['list1'], ['indexeddb://demo-model']);
    assert.deepEqual(after['list2'], ['indexeddb://demo-model', 'indexeddb://moved']);
    assert.deepEqual(after['list3'], ['indexeddb://demo-model']);
    assert.equal(after['removedBytes'], before.info.bytes);
    assert.match(after['missing'] as string, /^loadLayersModel: no model at 'indexeddb:\/\/nope'/);
    assert.equal(after['checkpointOk'], true, 'tf.callbacks.modelCheckpoint(\'indexeddb://ckpt\') saved the trained model');
  });

  it('loadLayersModel(url): a TF.js model.json and a .keras file saved by Node predict bit-identically', { timeout: 120_000 }, async () => {
    const r = (await run.page.evaluate(async (x) => {
      const tf = (globalThis as any).tf;
      const a = await tf.loadLayersModel('/models/tfjs/model.json');
      const b = await tf.loadLayersModel(new URL('/models/m.keras', location.href).href);
      // browserFiles: the same model.json and shard as picked files.
      const j = await (await fetch('/models/tfjs/model.json')).text();
      const shard = JSON.parse(j).weightsManifest[0].paths[0];
      const bin = await (await fetch(`/models/tfjs/${shard}`)).arrayBuffer();
      const c = await tf.loadLayersModel(tf.io.browserFiles([new File([j], 'model.json'), new File([bin], shard)]));
      // (no named arrow functions in page code: the test runner's transform would wrap them in a helper the page lacks)
      return [a, b, c].map((m: any) => Array.from(m.predict(tf.tensor(x)).dataSync()));
    }, x)) as number[][];
    assert.deepEqual(r[0], nodePredict, 'model.json');
    assert.deepEqual(r[1], nodePredict, '.keras');
    assert.deepEqual(r[2], nodePredict, 'browserFiles');
    const h5 = server.requests.filter((q) => q.path.includes('hdf5'));
    assert.equal(h5.length, 1, 'the HDF5 chunk was fetched once, for the .keras file');
  });

  it('a failed fetch names the URL and the HTTP status', { timeout: 60_000 }, async () => {
    const msgs = (await run.page.evaluate(async () => {
      const tf = (globalThis as any).tf;
      const out: string[] = [];
      for (const f of [
        () => tf.loadLayersModel('/models/missing/model.json'),
        () => tf.data.csv('/models/missing/rows.csv').toArray(),
        () => tf.datasets.mnist.loadData({ url: '/models/missing/' }),
      ]) {
        try {
          await f();
          out.push('no error');
        } catch (e) {
          out.push(String((e as Error).message));
        }
      }
      return out;
    })) as string[];
    assert.deepEqual(msgs, [
      `loadLayersModel: fetching ${server.url('/models/missing/model.json')} failed: HTTP 404 Not Found`,
      `data.csv: fetching ${server.url('/models/missing/rows.csv')} failed: HTTP 404 Not Found`,
      `mnist.loadData: fetching ${server.url('/models/missing/train-images-idx3-ubyte')} failed: HTTP 404 Not Found`,
    ]);
  });

  it('saves to downloads:// (model.json + weights, and .keras) and to an http(s) URL (POST)', { timeout: 60_000 }, async () => {
    await run.page.evaluate(async () => {
      const tf = (globalThis as any).tf;
      tf.setSeed(1);
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
      await m.save('downloads://my-model');
      await m.save('downloads://my-model.keras');
      await m.save(`${location.origin}/upload`);
    });
    await run.settleDownloads();
    for (const f of ['my-model.json', 'my-model.weights.bin', 'my-model.keras']) assert.ok(browser.downloads.has(f), `downloaded ${f} (${[...browser.downloads.keys()]})`);
    const json = JSON.parse(browser.downloads.get('my-model.json')!.toString('utf8'));
    assert.deepEqual(json.weightsManifest[0].paths, ['./my-model.weights.bin']);
    assert.equal(browser.downloads.get('my-model.weights.bin')!.length, (3 * 2 + 2) * 4);
    assert.equal(browser.downloads.get('my-model.keras')!.subarray(0, 2).toString('latin1'), 'PK');
    const m = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: new Uint8Array(browser.downloads.get('my-model.weights.bin')!).buffer }));
    assert.deepEqual(m.outputs[0]!.shape, [null, 2]);
    assert.equal(posts.length, 1);
    assert.equal(posts[0]!.path, '/upload');
    assert.ok(posts[0]!.body.includes('name="model.json"') && posts[0]!.body.includes('name="model.weights.bin"'), 'multipart form with both files');
  });

  it('fromPixels reads a canvas with known pixels; toPixels round trips; bad input says what is wrong', { timeout: 60_000 }, async () => {
    const r = (await run.page.evaluate(async () => {
      const tf = (globalThis as any).tf;
      const c = document.createElement('canvas');
      c.width = 3;
      c.height = 2;
      const px = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255]);
      c.getContext('2d')!.putImageData(new ImageData(px, 3, 2), 0, 0);
      const t3 = tf.browser.fromPixels(c);
      const t4 = tf.browser.fromPixels(c, 4);
      const t1 = tf.browser.fromPixels(new ImageData(px, 3, 2), 1);
      const out = document.createElement('canvas');
      const back = await tf.browser.toPixels(t3, out);
      const drawn = Array.from(out.getContext('2d')!.getImageData(0, 0, 3, 2).data);
      const gray = Array.from(await tf.browser.toPixels(tf.tensor2d([[0, 0.5], [1, 0.25]])));
      const img = new Image();
      img.src = out.toDataURL();
      const fromImg = await tf.browser.fromPixelsAsync(img);
      const drawnOn = document.createElement('canvas');
      tf.browser.draw(t3, drawnOn);
      const drawn2 = Array.from(drawnOn.getContext('2d')!.getImageData(0, 0, 3, 2).data);
      const bitmap = await createImageBitmap(new ImageData(px, 3, 2));
      const fromBitmap = Array.from(tf.browser.fromPixels(bitmap).dataSync());
      bitmap.close();
      const png = await new Promise<Blob>((resolve) => out.toBlob((b) => resolve(b!), 'image/png'));
      const fromBlob = Array.from((await tf.browser.fromPixelsAsync(png, 4)).dataSync());
      const errs: string[] = [];
      for (const f of [
        () => tf.browser.fromPixels(null),
        () => tf.browser.fromPixels(c, 2),
        () => tf.browser.toPixels(tf.tensor2d([[0, 1.5]])),
        () => tf.browser.toPixels(tf.zeros([1, 2, 2, 3])),
        () => tf.browser.toPixels(tf.tensor3d([[[0, 300, 0]]], undefined, 'int32')),
        () => {
          const d = document.createElement('canvas');
          d.transferControlToOffscreen();
          return tf.browser.toPixels(tf.zeros([1, 1, 3]), d);
        },
        () => tf.browser.fromPixels(bitmap),
        () => tf.browser.fromPixels(new Image()),
        () => tf.browser.draw(t3),
        () => tf.browser.fromPixelsAsync(new Blob(['not an image'], { type: 'text/plain' })),
      ]) {
        try {
          await f();
          errs.push('no error');
        } catch (e) {
          errs.push(String((e as Error).message));
        }
      }
      return { shape3: t3.shape, dtype: t3.dtype, v3: Array.from(t3.dataSync()), v4: Array.from(t4.dataSync()), v1: Array.from(t1.dataSync()), back: Array.from(back), drawn, drawn2, gray, fromImg: Array.from(fromImg.dataSync()), fromBitmap, fromBlob, errs };
    })) as Record<string, any>;
    assert.deepEqual(r['shape3'], [2, 3, 3]);
    assert.equal(r['dtype'], 'int32');
    assert.deepEqual(r['v3'], [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    assert.deepEqual(r['v4'], [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255]);
    assert.deepEqual(r['v1'], [255, 0, 0, 10, 40, 70]);
    assert.deepEqual(r['back'], r['v4'], 'toPixels gives RGBA with alpha 255');
    assert.deepEqual(r['drawn'], r['v4'], 'and draws it on the canvas');
    assert.deepEqual(r['gray'], [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 64, 64, 64, 255], 'float32 [0,1] scaled by 255, gray replicated');
    assert.deepEqual(r['fromImg'], r['v3'], 'fromPixelsAsync of an <img> (PNG data URL)');
    assert.deepEqual(r['drawn2'], r['v4'], 'draw paints the canvas');
    assert.deepEqual(r['fromBitmap'], r['v3'], 'fromPixels of an ImageBitmap');
    assert.deepEqual(r['fromBlob'], r['v4'], 'fromPixelsAsync of a PNG Blob');
    const errs = r['errs'] as string[];
    assert.match(errs[0]!, /^fromPixels: `pixels` must be .*received null/);
    assert.match(errs[1]!, /^fromPixels: `numChannels` must be 1, 3 or 4, received 2/);
    assert.match(errs[2]!, /^toPixels: `img` values for a float32 tensor must be in \[0, 1\], found 1\.5 at \[0,1\]/);
    assert.match(errs[3]!, /^toPixels: `img` must be rank 2 .* received rank 4 \[1,2,2,3\]/);
    assert.match(errs[4]!, /^toPixels: `img` values for an int32 tensor must be in \[0, 255\], found 300 at \[0,0,1\]/);
    assert.match(errs[5]!, /^toPixels: `canvas` cannot be drawn on/);
    assert.match(errs[6]!, /^fromPixels: `pixels` is an ImageBitmap that was closed or transferred/);
    assert.match(errs[7]!, /^fromPixels: `pixels` is an <img> that has not loaded/);
    assert.match(errs[8]!, /^draw: `canvas` is required/);
    assert.match(errs[9]!, /^fromPixelsAsync: `pixels` \(a text\/plain Blob of 12 bytes\) is not an image the browser can decode/);
    assert.equal(errs.length, 10);
  });

  it('MNIST and tf.data.csv from the server; console progress one line per epoch; the live chart draws', { timeout: 120_000 }, async () => {
    const r = (await run.page.evaluate(async () => {
      const tf = (globalThis as any).tf;
      const { train, test } = await tf.datasets.mnist.loadData({ url: '/data/mnist/', files: { testImages: 't10k-images-idx3-ubyte.gz' } });
      const rows = await tf.data.csv('/data/iris.csv', { columnConfigs: { species: { isLabel: true, dtype: 'int32' } } }).toArray();
      const div = document.createElement('div');
      document.body.appendChild(div);
      const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28] }), tf.layers.dense({ units: 10 })] });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const before = (globalThis as any).__lines?.length ?? 0;
      const h = await m.fit(train.images, train.labels, { epochs: 2, batchSize: 50, validationData: [test.images, test.labels], callbacks: [tf.callbacks.liveChart(div)] });
      const charts = Array.from(div.querySelectorAll('svg.curve')).map((s: any) => s.getAttribute('data-tag'));
      const trainLoss = div.querySelector('svg.curve[data-tag="loss"] g.series[data-run="train"]')!.getAttribute('data-values')!.split(',').map(Number);
      const valLoss = div.querySelector('svg.curve[data-tag="loss"] g.series[data-run="validation"]')!.getAttribute('data-values')!.split(',').map(Number);
      const bomb = await tf.datasets.mnist.loadData({ url: '/data/mnist-bomb/', files: { testImages: 't10k-images-idx3-ubyte.gz' } }).then(() => 'loaded', (e: Error) => e.message);
      return { bomb, shapes: [train.images.shape, train.labels.shape, test.images.shape], pixel: train.images.dataSync()[28 * 14 + 14], label0: train.labels.dataSync()[0], rows, charts, trainLoss, valLoss, history: h.history, before };
    })) as Record<string, any>;
    assert.deepEqual(r['shapes'], [[200, 28, 28], [200], [100, 28, 28]]);
    assert.equal(r['bomb'], 'mnist: /data/mnist-bomb/t10k-images-idx3-ubyte.gz inflates to more than the 78416 bytes its IDX header announces (refused without inflating the rest)', 'a .gz bomb stops at its IDX header\'s size, as in Node');
    const raw = tf.datasets.mnist.loadData();
    assert.equal(r['pixel'], raw.train.images.dataSync()[28 * 14 + 14]);
    assert.equal(r['label0'], raw.train.labels.dataSync()[0]);
    assert.deepEqual(r['rows'], [{ xs: { sepal_length: 5.1, sepal_width: 3.5 }, ys: { species: 0 } }, { xs: { sepal_length: 4.9, sepal_width: undefined }, ys: { species: 1 } }, { xs: { sepal_length: '6,2', sepal_width: 2.9 }, ys: { species: 2 } }]);
    // The accuracy's log name ('acc' as TF.js, or 'accuracy' as Keras 3) is whatever fit logged.
    const metric = Object.keys(r['history']).find((k) => k !== 'loss' && !k.startsWith('val_'))!;
    assert.deepEqual(r['charts'], ['loss', metric]);
    assert.deepEqual(r['trainLoss'], r['history'].loss);
    assert.deepEqual(r['valLoss'], r['history'].val_loss);
    const epochLines = run.console.filter((l) => /^log: Epoch \d\/2 - 4\/4 - /.test(l));
    assert.equal(epochLines.length, 2, `one console line per epoch: ${JSON.stringify(run.console)}`);
    assert.match(epochLines[1]!, new RegExp(`^log: Epoch 2/2 - 4/4 - \\d+s \\d+ms/step - loss: \\d\\.\\d{4} - ${metric}: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4} - val_${metric}: \\d\\.\\d{4}$`));
  });

  it('tf.data.webcam (a fake camera): hidden element, a given one, centre crop; capture, next, stop, start, for await; errors', { timeout: 120_000 }, async () => {
    const r = (await run.page.evaluate(`(async () => {
      const tf = window.tf;
      const stats = (t) => { const v = t.dataSync(); let lo = Infinity, hi = -Infinity; for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); } return { shape: t.shape, dtype: t.dtype, lo, hi, distinct: new Set(v).size }; };
      const msg = (p) => p.then(() => 'no error', (e) => String(e.message));
      const out = {};
      const cam = await tf.data.webcam(undefined, { resizeWidth: 64, resizeHeight: 48 });
      out.hidden = stats(await cam.capture());
      const n1 = await cam.next();
      out.next = { done: n1.done, shape: n1.value.shape };
      cam.stop();
      const n2 = await cam.next();
      out.afterStop = { done: n2.done, value: n2.value === undefined };
      out.captureStopped = await msg(cam.capture());
      await cam.start();
      out.restarted = (await cam.capture()).shape;
      let n = 0;
      for await (const f of cam) {
        n++;
        f.dispose();
        if (n === 3) cam.stop();
      }
      out.iterated = n;
      out.summary = cam.summary();
      const v = document.createElement('video');
      document.body.appendChild(v);
      const cam2 = await tf.data.webcam(v);
      out.element = { ...stats(await cam2.capture()), camera: [v.videoHeight, v.videoWidth], showing: v.srcObject !== null, tracks: v.srcObject.getTracks().length };
      cam2.stop();
      out.released = v.srcObject === null;
      const v2 = document.createElement('video');
      v2.width = 320;
      v2.height = 240;
      const cam3 = await tf.data.webcam(v2, { resizeWidth: 100, resizeHeight: 50, centerCrop: true, facingMode: 'user' });
      out.cropped = stats(await cam3.capture());
      cam3.stop();
      out.errors = [
        await msg(tf.data.webcam(undefined, {})),
        await msg(tf.data.webcam(undefined, { resizeWidth: 10 })),
        await msg(tf.data.webcam(undefined, { resizeWidth: 0, resizeHeight: 5 })),
        await msg(tf.data.webcam(undefined, { resizeWidth: 4, resizeHeight: 4, facingMode: 'side' })),
        await msg(tf.data.webcam(undefined, { resizeWidth: 4, resizeHeight: 4, resize: true })),
        await msg(tf.data.webcam(document.createElement('canvas'))),
      ];
      return out;
    })()`)) as Record<string, any>;
    assert.deepEqual(r['hidden'].shape, [48, 64, 3]);
    assert.equal(r['hidden'].dtype, 'int32', 'a hidden element of the resize size: frames as fromPixels gives them');
    assert.ok(r['hidden'].lo >= 0 && r['hidden'].hi <= 255 && r['hidden'].distinct > 2, JSON.stringify(r['hidden']));
    assert.deepEqual(r['next'], { done: false, shape: [48, 64, 3] });
    assert.deepEqual(r['afterStop'], { done: true, value: true });
    assert.equal(r['captureStopped'], 'tf.data.webcam: capture(): the webcam is stopped (call start() first)');
    assert.deepEqual(r['restarted'], [48, 64, 3]);
    assert.equal(r['iterated'], 3, 'for await ends once stop() was called');
    assert.equal(r['summary'], 'Endless data stream from webcam');
    const el = r['element'];
    assert.deepEqual(el.shape, [...el.camera, 3], 'an element without width/height: the camera\'s size');
    assert.equal(el.dtype, 'int32');
    assert.ok(el.showing && el.tracks === 1 && el.distinct > 2, JSON.stringify(el));
    assert.equal(r['released'], true, 'stop() releases the stream');
    assert.deepEqual(r['cropped'].shape, [50, 100, 3]);
    assert.equal(r['cropped'].dtype, 'float32', 'cropped and resized: float32, as TF.js');
    assert.ok(r['cropped'].lo >= 0 && r['cropped'].hi <= 255 && r['cropped'].distinct > 2, JSON.stringify(r['cropped']));
    assert.deepEqual(r['errors'], [
      'tf.data.webcam: give a <video> element, or resizeWidth and resizeHeight for a hidden one',
      'tf.data.webcam: give both `resizeWidth` and `resizeHeight` or neither, received 10 × undefined',
      'tf.data.webcam: `resizeWidth` must be a positive integer, received 0',
      "tf.data.webcam: `facingMode` must be 'user' or 'environment', received \"side\"",
      "tf.data.webcam: unknown option 'resize' in `webcamConfig` (expected facingMode, deviceId, resizeWidth, resizeHeight, centerCrop)",
      'tf.data.webcam: `webcamVideoElement` must be an HTMLVideoElement, received HTMLCanvasElement',
    ]);
  });

  it('CSVLogger in a page: an error when it is made (not when fit starts) that says it is Node-only and what to use instead', { timeout: 60_000 }, async () => {
    const r = (await run.page.evaluate(`(async () => {
      const tf = window.tf;
      const out = [];
      for (const make of [() => new tf.CSVLogger('training.log'), () => tf.callbacks.csvLogger('training.log', { separator: ';' })]) {
        try {
          make();
          out.push('no error');
        } catch (e) {
          out.push(String(e.message));
        }
      }
      // What the message points to works: history and a callback collecting the logs per epoch.
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const rows = [];
      const h = await m.fit(tf.ones([4, 2]), tf.zeros([4, 1]), { epochs: 2, verbose: 0, callbacks: { onEpochEnd: (epoch, logs) => { rows.push([epoch, logs.loss]); } } });
      return { out, rows, history: h.history.loss };
    })()`)) as { out: string[]; rows: [number, number][]; history: number[] };
    const msg = "CSVLogger: writing the CSV file 'training.log' is Node-only (this is a browser); in a page read each epoch's logs from what model.fit returns (history.history), collect them as they come with a callback ({onEpochEnd: (epoch, logs) => ...}), print Keras-style lines with tf.callbacks.progressLines(fn), or draw them with tf.callbacks.liveChart(element)";
    assert.deepEqual(r.out, [msg, msg]);
    assert.deepEqual(r.rows.map((x) => x[1]), r.history);
    assert.deepEqual(r.rows.map((x) => x[0]), [0, 1]);
  });

  it('tf.compare, tf.io\'s safetensors helpers, tf.applications\' builders: their code loads with `await tf.ready()` (an error says so before); native says it is Node-only; webgpu loads on demand', { timeout: 60_000 }, async () => {
    const page = await openPage(browser, server.url('/t/page.html'));
    await waitForTf(page.page);
    // Page code as a string: a named helper would be wrapped by the test runner's transform in a function the page lacks.
    const r = (await page.page.evaluate(`(async () => {
      const tf = window.tf;
      function build(rate) {
        tf.setSeed(0);
        return tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }), tf.layers.dropout({ rate, seed: 2 }), tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })] });
      }
      let before = '';
      try {
        tf.compare(build(0.3), build(0.7), tf.ones([16, 4]));
      } catch (e) {
        before = String(e.message);
      }
      // Other chunks tf.ready() loads: tf.io's safetensors helpers and tf.applications' builders.
      const lazyBefore = [];
      // (and the TF.js ops of src/ops/tfjs_more.ts: tf.image, x.cumsum(), ...; the async ones load it themselves).
      for (const f of [() => tf.io.encodeSafetensors([{ name: 'w', tensor: tf.ones([2]) }]), () => tf.applications.makeDivisible(37, 8),
        () => tf.image.flipLeftRight(tf.ones([1, 2, 2, 1])), () => tf.ones([3]).cumsum()]) {
        try {
          f();
          lazyBefore.push('no error');
        } catch (e) {
          lazyBefore.push(String(e.message));
        }
      }
      const coords = Array.from((await tf.whereAsync(tf.tensor([true, false, true], [3], 'bool'))).dataSync());
      const preprocessed = Array.from(tf.applications.mobileNetV2.preprocessInput(tf.tensor([0, 127.5, 255], [1, 1, 3])).dataSync());
      // fit with verbose on lints the model first (loading the code itself): a keep probability passed as a rate.
      const trap = build(0.7);
      trap.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      await trap.fit(tf.ones([8, 4]), tf.zeros([8, 2]), { epochs: 1, batchSize: 8, verbose: 1 });
      await tf.ready();
      const st = tf.io.decodeSafetensors(tf.io.encodeSafetensors([{ name: 'w', tensor: tf.tensor([1.5, -2]) }]), 'bytes');
      const lazyAfter = { safetensors: [st.entries[0].name, Array.from(st.entries[0].shape)], divisible: tf.applications.makeDivisible(37, 8),
        flipped: Array.from(tf.image.flipLeftRight(tf.tensor([1, 2, 3, 4], [1, 1, 4, 1])).dataSync()), cumsum: Array.from(tf.tensor([1, 2, 3]).cumsum().dataSync()), coords };
      const rep = tf.compare(build(0.3), build(0.7), tf.ones([16, 4]));
      const failures = [];
      for (const name of ['native', 'webgpu']) {
        try {
          await tf.setBackend(name);
          failures.push('no error');
        } catch (e) {
          failures.push(String(e.message));
        }
      }
      return { before, lazyBefore, preprocessed, lazyAfter, section: rep.firstDivergence && rep.firstDivergence.section, text: tf.formatCompareReport(rep).split('\\n')[0], failures, backend: tf.getBackend() };
    })()`)) as { before: string; lazyBefore: string[]; preprocessed: number[]; lazyAfter: unknown; section: string; text: string; failures: string[]; backend: string };
    assert.match(r.before, /^tf\.compare: in the browser its code is loaded by `await tf\.ready\(\)`/);
    assert.match(r.lazyBefore[0]!, /^tf\.io\.encodeSafetensors: in the browser its code is loaded by `await tf\.ready\(\)`/);
    assert.match(r.lazyBefore[1]!, /^tf\.applications\.makeDivisible: in the browser its code is loaded by `await tf\.ready\(\)`/);
    assert.deepEqual(r.preprocessed, [-1, 0, 1], 'the preprocessing is in the core');
    assert.match(r.lazyBefore[2]!, /^tf\.image\.flipLeftRight: in the browser its code is loaded by `await tf\.ready\(\)`/);
    assert.match(r.lazyBefore[3]!, /^tensor\.cumsum\(\): in the browser its code is loaded by `await tf\.ready\(\)`/);
    assert.deepEqual(r.lazyAfter, { safetensors: ['w', [2]], divisible: 40, flipped: [4, 3, 2, 1], cumsum: [1, 3, 6], coords: [0, 2] });
    assert.equal(r.section, 'architecture');
    assert.match(r.text, /^tf\.compare  A: Keras model 'sequential_\d+' \(58 trainable parameters\)/);
    // The Node-only backend says so; WebGPU's code loads on demand and says why it cannot start here (--disable-gpu).
    assert.match(r.failures[0]!, /^setBackend: the 'native' backend \(a Node-API addon\) is Node-only \(this is a browser\); in the browser use the 'wasm' backend/);
    assert.match(r.failures[1]!, /^setBackend\('webgpu'\): /);
    assert.equal(r.backend, 'wasm');
    assert.ok(page.console.some((l) => /^warning: idem lint \(sequential_\d+\) warning \[dropout-keep-prob\]/.test(l)), `fit's lint warned: ${JSON.stringify(page.console)}`);
    assert.deepEqual(page.errors, []);
    await page.page.close();
  });

  it('no console errors (but the 404 lines), no request to another host', () => {
    const errors = run.errors.filter((e) => !(e.includes('404') && e.includes('/models/missing/')));
    assert.deepEqual(errors, []);
    assert.deepEqual(browser.foreignRequests, []);
  });
});
