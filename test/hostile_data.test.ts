/**
 * Hostile data files: an MNIST `.gz` whose data inflates far past what its IDX header announces
 * (or whose header announces more than the cap), a PNG decompression bomb (a 14000×14000 header
 * over a small file; an interlaced image whose data inflates past its size), and image folders
 * with a symlink loop or a named pipe where an image should be. Cases that used to hang run in a
 * child process with a time limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '../src/index.ts';
import { crc32 } from '../src/io/zip.ts';
import { scratchDir, withLimits } from './hostile_util.ts';

setFlagsFromString('--expose-gc');
const dir = scratchDir('hostile-data');
const root = fileURLToPath(new URL('..', import.meta.url));

function idxHeader(dims: number[]): Uint8Array {
  const b = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(b.buffer);
  b[2] = 0x08;
  b[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return b;
}

/** An MNIST folder whose train-images file is `trainImages` (gzipped); the other three files are small and valid. */
function mnistDir(name: string, trainImages: Uint8Array): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  const cat = (...p: Uint8Array[]) => Buffer.concat(p);
  fs.writeFileSync(path.join(d, 'train-images-idx3-ubyte.gz'), trainImages);
  fs.writeFileSync(path.join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(cat(idxHeader([2]), new Uint8Array(2))));
  fs.writeFileSync(path.join(d, 't10k-images-idx3-ubyte.gz'), gzipSync(cat(idxHeader([2, 28, 28]), new Uint8Array(2 * 784))));
  fs.writeFileSync(path.join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(cat(idxHeader([2]), new Uint8Array(2))));
  return d;
}

test('an MNIST .gz inflating far past its IDX header is stopped at the header\'s size; a header past the cap is refused', () => {
  // Header: 2 images of 28×28 (1,584 bytes with the header); data: 256 MiB of zeros (256 KiB compressed).
  const bomb = gzipSync(Buffer.concat([idxHeader([2, 28, 28]), new Uint8Array(256 * 2 ** 20)]), { level: 9 });
  const d = mnistDir('bomb', bomb);
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc(); // a baseline of live memory: what the call allocates counts, collected or not
  const before = process.memoryUsage().arrayBuffers;
  assert.throws(() => tf.datasets.mnist.loadData({ dir: d }), /train-images-idx3-ubyte\.gz inflates to more than the 1584 bytes its IDX header announces/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 2 ** 20, 'nothing near 256 MiB was allocated');
  const huge = gzipSync(Buffer.concat([idxHeader([65535, 65535, 255]), new Uint8Array(16)]));
  const d2 = mnistDir('huge', huge);
  assert.throws(() => tf.datasets.mnist.loadData({ dir: d2 }), /train-images-idx3-ubyte\.gz: its IDX header announces 1020 GiB, above the 1\.0 GiB cap \(tf\.setLimits\(\{maxInflatedBytes\}\) raises it\)/);
  // A right file still loads.
  const ok = mnistDir('ok', gzipSync(Buffer.concat([idxHeader([2, 28, 28]), new Uint8Array(2 * 784).fill(255)])));
  const { train } = tf.datasets.mnist.loadData({ dir: ok });
  assert.deepEqual(train.images.shape, [2, 28, 28]);
  assert.equal(train.images.dataSync()[0], 1);
});

test('in a page (DecompressionStream, the code `mnist.loadData({url})` runs there): the same bounds and errors as in Node', async () => {
  // Node has DecompressionStream too: this calls the function the browser entry uses for a
  // gzipped IDX file fetched from a URL (test/browser.test.ts runs it in Chromium as well).
  const { gunzipIdx, gunzipIdxStream } = await import('../src/data/mnist.ts');
  const gc = runInNewContext('gc') as () => void;
  const bomb = gzipSync(Buffer.concat([idxHeader([2, 28, 28]), new Uint8Array(256 * 2 ** 20)]), { level: 9 });
  const bombMsg = /bomb\.gz inflates to more than the 1584 bytes its IDX header announces \(refused without inflating the rest\)/;
  gc();
  gc();
  const before = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)), 1);
  try {
    await assert.rejects(gunzipIdxStream(bomb, 'https://host/bomb.gz'), bombMsg);
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
  assert.ok(peak < 64 * 2 ** 20, `nothing near 256 MiB was inflated (arrayBuffers grew by ${peak} bytes)`);
  assert.throws(() => gunzipIdx(bomb, 'https://host/bomb.gz'), bombMsg, 'Node says the same');
  const huge = gzipSync(Buffer.concat([idxHeader([65535, 65535, 255]), new Uint8Array(16)]));
  const hugeMsg = /huge\.gz: its IDX header announces 1020 GiB, above the 1\.0 GiB cap \(tf\.setLimits\(\{maxInflatedBytes\}\) raises it\)/;
  await assert.rejects(gunzipIdxStream(huge, 'huge.gz'), hugeMsg);
  assert.throws(() => gunzipIdx(huge, 'huge.gz'), hugeMsg);
  // The cap is the one tf.setLimits sets: a header of 1584 bytes under a 1000-byte cap.
  await withLimits({ maxInflatedBytes: 1000 }, async () => {
    await assert.rejects(gunzipIdxStream(gzipSync(idxHeader([2, 28, 28])), 'small.gz'), /small\.gz: its IDX header announces 1\.5 KiB, above the 1000 bytes cap/);
  });
  // A right file inflates to its bytes (in many output chunks: 70,000 images of 28×28 would be
  // slow here, 3,000 make 2.2 MiB); a header split across the first chunks is read.
  const good = Buffer.concat([idxHeader([3000, 28, 28]), Buffer.from(Array.from({ length: 3000 * 784 }, (_, i) => (i * 7) & 255))]);
  assert.deepEqual(Buffer.from(await gunzipIdxStream(gzipSync(good), 'good.gz')), good);
  const rank3 = Buffer.concat([idxHeader([1, 1, 3]), Buffer.from([1, 2, 3])]);
  assert.deepEqual(Buffer.from(await gunzipIdxStream(gzipSync(rank3), 'r.gz')), rank3);
  // Shorter than its header says: returned as is, for readIdx to report (as Node's path does).
  const short = Buffer.concat([idxHeader([2, 28, 28]), new Uint8Array(10)]);
  assert.equal((await gunzipIdxStream(gzipSync(short), 's.gz')).length, short.length);
  assert.equal(gunzipIdx(gzipSync(short), 's.gz').length, short.length);
  // Not gzip, cut short, too short for a header.
  const gz = gzipSync(good);
  await assert.rejects(gunzipIdxStream(gz.subarray(0, 5000), 'cut.gz'), /mnist: cut\.gz is not a readable gzip file: /);
  await assert.rejects(gunzipIdxStream(new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'junk.gz'), /mnist: junk\.gz is not a readable gzip file: /);
  await assert.rejects(gunzipIdxStream(gzipSync(Buffer.from([0, 0])), 'tiny.gz'), /mnist: tiny\.gz inflates to 2 bytes, too short for an IDX header/);
  await assert.rejects(gunzipIdxStream(gzipSync(Buffer.from([0, 0, 8, 3, 0, 0])), 'h.gz'), /mnist: h\.gz inflates to 6 bytes, too short for its 3-dimension IDX header/);
});

/** A grey 8-bit PNG of w×h zero pixels (optionally flagged interlaced, with `rows` of data). */
function png(w: number, h: number, opts: { interlace?: boolean; data?: Uint8Array } = {}): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const b = new Uint8Array(12 + data.length);
    const v = new DataView(b.buffer);
    v.setUint32(0, data.length, false);
    b.set(new TextEncoder().encode(type), 4);
    b.set(data, 8);
    v.setUint32(8 + data.length, crc32(b.subarray(4, 8 + data.length)), false);
    return b;
  };
  const ihdr = new Uint8Array(13);
  const iv = new DataView(ihdr.buffer);
  iv.setUint32(0, w, false);
  iv.setUint32(4, h, false);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  ihdr[12] = opts.interlace ? 1 : 0;
  const raw = opts.data ?? new Uint8Array((w + 1) * h);
  return Buffer.concat([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

test('a PNG decompression bomb (14000×14000 from a small file) is refused from its header, above PIL\'s 178,956,970 pixels', async () => {
  const d = path.join(dir, 'bomb-png');
  fs.mkdirSync(path.join(d, 'a'), { recursive: true });
  fs.writeFileSync(path.join(d, 'a', 'big.png'), png(14000, 14000));
  assert.ok(fs.statSync(path.join(d, 'a', 'big.png')).size < 1_000_000);
  assert.throws(() => tf.data.imageFolder(d), /big\.png is 14000×14000 = 196,000,000 pixels, above the 178,956,970-pixel limit \(PIL's, against decompression bombs; tf\.setLimits\(\{maxImagePixels\}\) raises it\)/);
  // With a target size the header is checked when the image is read.
  const ds = tf.data.imageFolder(d, { targetSize: [8, 8] });
  await assert.rejects(ds.toArray(), /big\.png is 14000×14000 = 196,000,000 pixels, above the 178,956,970-pixel limit/);
  // The cap is a setting.
  await withLimits({ maxImagePixels: 100 }, () => {
    fs.writeFileSync(path.join(d, 'a', 'big.png'), png(20, 20));
    assert.throws(() => tf.data.imageFolder(d), /big\.png is 20×20 = 400 pixels, above the 100-pixel limit/);
  });
});

test('an interlaced PNG whose data inflates past its header\'s size is refused before pngjs inflates it unbounded', async () => {
  const d = path.join(dir, 'interlaced');
  fs.mkdirSync(path.join(d, 'a'), { recursive: true });
  fs.writeFileSync(path.join(d, 'a', 'x.png'), png(10, 10, { interlace: true, data: new Uint8Array(64 * 2 ** 20) }));
  const ds = tf.data.imageFolder(d, { targetSize: [4, 4] });
  await assert.rejects(ds.toArray(), /x\.png: its interlaced image data inflates past the 204 bytes a 10×10 image holds/);
});

/** Runs `body` (using `tf`) in a fresh Node process (120 s at most: a hang guard, the child's start alone can take seconds on a loaded machine); returns what it printed last. */
function inChild(body: string): string {
  const code = `import * as tf from './src/index.ts';\ntry { ${body} } catch (e) { console.log('error: ' + e.message); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.ok(!(r.error as NodeJS.ErrnoException | undefined)?.code, `did not finish within 120 s (a hang): ${(r.error as Error | undefined)?.message}`);
  assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

test('an image folder with a symlink loop lists each image once and finishes (symlinked directories are not entered)', () => {
  const d = path.join(dir, 'loop');
  fs.mkdirSync(path.join(d, 'cats', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(d, 'cats', 'a.png'), png(4, 4));
  fs.writeFileSync(path.join(d, 'cats', 'sub', 'b.png'), png(4, 4));
  fs.symlinkSync('..', path.join(d, 'cats', 'sub', 'up'));
  fs.symlinkSync(path.join(d, 'cats'), path.join(d, 'cats', 'again'));
  const out = inChild(`const ds = tf.data.imageFolder(${JSON.stringify(d)}); console.log(JSON.stringify(ds.filepaths.map((p) => p.slice(${d.length + 1}))));`);
  assert.deepEqual(JSON.parse(out), ['cats/a.png', 'cats/sub/b.png']);
});

test('an image that is a named pipe is refused, not waited on', () => {
  const d = path.join(dir, 'fifo');
  fs.mkdirSync(path.join(d, 'a'), { recursive: true });
  fs.writeFileSync(path.join(d, 'a', 'ok.png'), png(4, 4));
  const mk = spawnSync('mkfifo', [path.join(d, 'a', 'pipe.png')]);
  if (mk.status !== 0) return void console.log('# mkfifo unavailable: skipped');
  assert.match(inChild(`tf.data.imageFolder(${JSON.stringify(d)}); console.log('listed');`), /pipe\.png is a named pipe, not a regular file/);
  assert.match(inChild(`await tf.data.imageFolder(${JSON.stringify(d)}, { targetSize: [2, 2] }).toArray(); console.log('read');`), /pipe\.png is a named pipe, not a regular file/);
});
