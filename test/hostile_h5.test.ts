/**
 * Hostile HDF5 files (test/fixtures/hostile/, made by make_h5.py with Debian's h5py) and configs
 * that claim more than their weights file holds: a graph of hard links is walked once, a read that
 * HDF5 reports as failed is an error naming the dataset (never uninitialized memory as weights),
 * a dataset's claimed size is checked before it is read, only the datasets the model refers to
 * are read, and a config is checked against the weights file before a weight is allocated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as path from 'node:path';
import * as h5 from 'h5wasm';
import * as tf from '../src/index.ts';
import { editedKeras as editedKerasIn, scratchDir, smallModel } from './hostile_util.ts';

const FIX = new URL('./fixtures/hostile/', import.meta.url);
const fixture = (name: string) => new URL(name, FIX).pathname;
const expected = JSON.parse(fs.readFileSync(fixture('weights.json'), 'utf8')) as { weights: number[][]; a_kernel_float16: number[] };
const dir = scratchDir('hostile-h5');

const bits = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Bytes the process and h5wasm's WebAssembly heap hold now. `settled`: after two collections (a
 * baseline of live memory, so earlier garbage collected during the call cannot hide growth; the
 * measure after a call is not collected, so what the call allocated counts even if it was freed).
 */
function footprint(settled = false): number {
  if (settled) {
    gc();
    gc();
  }
  const heap = (h5 as unknown as { Module: { HEAPU8: Uint8Array } }).Module.HEAPU8.length;
  return process.memoryUsage().arrayBuffers + heap;
}

async function rejectsWithin(p: Promise<unknown>, re: RegExp, ms: number): Promise<void> {
  const t0 = Date.now();
  await assert.rejects(p, re);
  assert.ok(Date.now() - t0 < ms, `took ${Date.now() - t0} ms`);
}

test('an HDF5 file whose groups are hard-linked as a DAG (2^30 paths) or into a loop is refused at once', async () => {
  const m = smallModel();
  await rejectsWithin(m.loadWeights(fixture('dag.h5')), /dag\.h5: group '\/g0(\/a)*\/b' is the same HDF5 object as '\/g0(\/a)+' \(hard or soft links make the file a graph/, 120_000);
  await rejectsWithin(m.loadWeights(fixture('self_loop.h5')), /self_loop\.h5: group '\/layers\/again' is the same HDF5 object as '\/layers'/, 120_000);
});

test('HDF5 read failures are errors naming the dataset, never uninitialized heap bytes as weights: LZF (a filter h5wasm lacks), a damaged gzip chunk, a failed fletcher32 checksum', async () => {
  const cases: [string, RegExp][] = [
    ['lzf.weights.h5', /lzf\.weights\.h5: dataset 'layers\/dense\/vars\/0' is stored through HDF5 filter 'lzf' \(id 32000\), which idem's HDF5 library \(h5wasm\) does not have/],
    ['gzip_flipped.weights.h5', /gzip_flipped\.weights\.h5: dataset 'layers\/dense\/vars\/0' cannot be read through its filters \(deflate: damaged compressed data or a failed checksum\) \(HDF5: H5Z_pipeline\(\): filter returned failure during read\)/],
    ['fletcher32_flipped.weights.h5', /fletcher32_flipped\.weights\.h5: dataset 'layers\/dense\/vars\/0' cannot be read through its filters \(fletcher32: damaged compressed data or a failed checksum\)/],
  ];
  for (const [name, re] of cases) {
    const m = smallModel();
    const before = bits(m);
    await assert.rejects(m.loadWeights(fixture(name)), re, name);
    assert.deepEqual(bits(m), before, `${name}: the model is unchanged`);
  }
});

test('a float16 kernel loads, widened exactly to float32 (not reported as damaged)', async () => {
  const m = smallModel();
  await m.loadWeights(fixture('float16.weights.h5'));
  const w = bits(m);
  assert.deepEqual(w[0], expected.a_kernel_float16);
  assert.deepEqual(w.slice(1), expected.weights.slice(1).map((v) => Array.from(Float32Array.from(v))));
});

test('a big-endian kernel loads with its values (bytes swapped), not byte-reversed garbage', async () => {
  const m = smallModel();
  await m.loadWeights(fixture('big_endian.weights.h5'));
  assert.deepEqual(bits(m), expected.weights.map((v) => Array.from(Float32Array.from(v))));
});

test('a dataset claiming [23000, 23000] with nothing stored is not read; an unreferenced 1 GiB gzip dataset is never read', async () => {
  const m = smallModel();
  const before = footprint(true);
  await rejectsWithin(m.loadWeights(fixture('unstored.weights.h5')), /layers\/dense\/vars\/0 \(layer 'a', weight 'kernel'\): shape \[23000,23000\] in the file, the model's weight is \[4,3\]/, 120_000);
  await m.loadWeights(fixture('unreferenced_gzip.weights.h5'));
  assert.deepEqual(bits(m), expected.weights.map((v) => Array.from(Float32Array.from(v))));
  assert.ok(footprint() - before < 256 * 2 ** 20, `grew by ${footprint() - before} bytes`);
});

const editedKeras = (name: string, edit: (config: Record<string, any>) => void, weights?: Uint8Array) => editedKerasIn(dir, name, edit, weights);

test('.keras configs claiming units: 5e7 or batch_shape [null, 1e8] are checked against the weights file before any kernel is allocated', async () => {
  const layers = (c: Record<string, any>) => c['config']['layers'] as Record<string, any>[];
  const units = await editedKeras('units.keras', (c) => { layers(c)[1]!['config']['units'] = 5e7; });
  const before = footprint(true);
  await rejectsWithin(tf.loadLayersModel(units), /units\.keras: config\.json gives layer 'a' a weight 'kernel' of shape \[4,50000000\] \(200,000,000 values\), but \S*units\.keras: model\.weights\.h5 holds no weight of that shape \(its weights' shapes: \[4,3\] \[3\] \[3,2\] \[2\] \[\]\): the config does not match its weights \(nothing was allocated\)/, 120_000);
  const batch = await editedKeras('batch.keras', (c) => {
    layers(c)[0]!['config']['batch_shape'] = [null, 1e8];
    delete c['config']['build_input_shape'];
    delete c['build_config'];
  });
  await rejectsWithin(tf.loadLayersModel(batch), /batch\.keras: config\.json gives layer 'a' a weight 'kernel' of shape \[100000000,3\]/, 120_000);
  // The weights file claims a [23000, 23000] kernel (2 GiB, nothing stored) and the config agrees.
  const claimed = await editedKeras('claimed.keras', (c) => {
    layers(c)[0]!['config']['batch_shape'] = [null, 23000];
    layers(c)[1]!['config']['units'] = 23000;
    delete c['config']['build_input_shape'];
    delete c['build_config'];
  }, fs.readFileSync(fixture('unstored.weights.h5')));
  await rejectsWithin(tf.loadLayersModel(claimed), /claimed\.keras: config\.json gives layer 'a' a weight 'kernel' of shape \[23000,23000\] \(529,000,000 values\); \S*claimed\.keras: model\.weights\.h5 has a weight of that shape, but it claims 529,000,000 values \(2\.0 GiB\) stored uncompressed, more than the whole file/, 120_000);
  assert.ok(footprint() - before < 256 * 2 ** 20, `grew by ${footprint() - before} bytes`);
});

test('a weight too large for a tensor names the layer, the weight and the size (units: 1e12)', () => {
  tf.resetLayerNames();
  assert.throws(() => tf.layers.dense({ units: 1e12, name: 'huge' }).apply(tf.ones([1, 4])), /huge: weight 'kernel' of shape \[4,1000000000000\] has 4,000,000,000,000 elements, more than a tensor holds \(maxTensorElements 4,294,967,296; tf\.setLimits raises it\)/);
});
