/**
 * Nothing lost, nothing trusted: atomic saves under an injected failure, and damaged, truncated,
 * mismatched and fuzzed files for every loader — each load either succeeds or throws an IdemError
 * saying what and where, and a failed load leaves the model unchanged.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../src/index.ts';
import { fsImpl, resetFsImpl } from '../src/models/weights_io.ts';
import { scramble, weightBits } from './io_models.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-safety-'));
afterEach(() => resetFsImpl());

function small(units = 3): tf.LayersModel {
  tf.resetLayerNames();
  const m = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [4], name: 'a' }), tf.layers.batchNormalization({ name: 'bn' }), tf.layers.dense({ units: 2, name: 'b' })] });
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'mse' });
  return m;
}

async function trained(seed: number): Promise<tf.LayersModel> {
  const m = small();
  scramble(m, seed);
  await m.fit(tf.randomNormal([6, 4]), tf.randomNormal([6, 2]), { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
  return m;
}

/** Makes the next write stop half-way: write half of the buffer, then throw (a crash mid-write). */
function failMidWrite(): void {
  const realWrite = fsImpl.writeSync;
  fsImpl.writeSync = (fd: number, buf: Uint8Array) => {
    realWrite(fd, buf.subarray(0, Math.max(1, buf.length >> 1)));
    throw new Error('injected failure mid-write');
  };
}

const TARGETS: { file: string; save: (m: tf.LayersModel, f: string) => Promise<unknown>; load: (m: tf.LayersModel, f: string) => Promise<unknown> }[] = [
  { file: 'm.keras', save: (m, f) => m.save(f), load: (m, f) => m.loadWeights(f) },
  { file: 'm.weights.h5', save: (m, f) => m.saveWeights(f), load: (m, f) => m.loadWeights(f) },
  { file: 'm.h5', save: (m, f) => m.saveWeights(f), load: (m, f) => m.loadWeights(f) },
  { file: 'full.h5', save: (m, f) => m.save(f), load: (m, f) => m.loadWeights(f) },
  { file: 'm.safetensors', save: (m, f) => m.saveWeights(f), load: (m, f) => m.loadWeights(f) },
];

test('a failure mid-write leaves the previous file intact and no temporary file behind (every writer)', async () => {
  const v1 = await trained(1);
  const v2 = await trained(2);
  for (const t of TARGETS) {
    const f = path.join(dir, `atomic-${t.file}`);
    await t.save(v1, f);
    const before = fs.readFileSync(f);
    failMidWrite();
    await assert.rejects(t.save(v2, f), /injected failure mid-write/, `${t.file}: the save fails`);
    resetFsImpl();
    assert.deepEqual(fs.readFileSync(f), before, `${t.file}: the previous file is byte-identical`);
    const probe = small();
    await t.load(probe, f);
    assert.deepEqual(weightBits(probe), weightBits(v1), `${t.file}: and still loads the previous weights`);
  }
  // TF.js directory: model.json is replaced last; a failure while writing it keeps the old model.
  const d = path.join(dir, 'atomic-tfjs');
  await v1.save(`file://${d}`);
  const json = fs.readFileSync(path.join(d, 'model.json'));
  let writes = 0;
  const realWrite = fsImpl.writeSync;
  fsImpl.writeSync = (fd: number, buf: Uint8Array) => {
    if (++writes >= 2) throw new Error('injected failure mid-write'); // the shard goes through, model.json fails
    return realWrite(fd, buf);
  };
  await assert.rejects(v2.save(`file://${d}`), /injected failure/, 'TF.js save fails');
  resetFsImpl();
  assert.deepEqual(fs.readFileSync(path.join(d, 'model.json')), json, 'model.json unchanged');
  const back = await tf.loadLayersModel(`file://${d}/model.json`);
  assert.deepEqual(weightBits(back), weightBits(v1), 'the old TF.js model still loads');
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('.tmp-')), [], 'no temporary files left');
});

test('truncated files: every loader throws an error naming the file, and the model is unchanged', async () => {
  const src = await trained(3);
  for (const t of TARGETS) {
    const f = path.join(dir, `trunc-${t.file}`);
    await t.save(src, f);
    const bytes = fs.readFileSync(f);
    for (const cut of [0, 7, 40, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const g = path.join(dir, `cut${cut}-${t.file}`);
      fs.writeFileSync(g, bytes.subarray(0, cut));
      const m = await trained(4);
      const before = weightBits(m);
      const it = m.optimizer!.iterations;
      await assert.rejects(t.load(m, g), (e: Error) => e instanceof tf.IdemError && e.message.includes(g), `${t.file} cut at ${cut}: IdemError naming the file`);
      assert.deepEqual(weightBits(m), before, `${t.file} cut at ${cut}: weights unchanged`);
      assert.equal(m.optimizer!.iterations, it, `${t.file} cut at ${cut}: optimizer unchanged`);
    }
  }
  const k = path.join(dir, 'trunc-m.keras');
  fs.writeFileSync(path.join(dir, 'half.keras'), fs.readFileSync(k).subarray(0, 300));
  await assert.rejects(tf.loadLayersModel(path.join(dir, 'half.keras')), /half\.keras.*(zip|central directory)/, 'loadLayersModel of a truncated .keras');
});

test('mismatched files: shapes, missing layers and optimizer state are reported with their place; nothing changes', async () => {
  const src = await trained(5);
  const f = path.join(dir, 'mm.keras');
  await src.save(f);
  tf.resetLayerNames();
  const other = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [4], name: 'a' }), tf.layers.batchNormalization({ name: 'bn' }), tf.layers.dense({ units: 2, name: 'b' })] });
  other.compile({ optimizer: 'adam', loss: 'mse' });
  const before = weightBits(other);
  await assert.rejects(other.loadWeights(f), (e: Error) => /layers\/dense\/vars\/0 \(layer 'a', weight 'kernel'\): shape \[4,3\] in the file, the model's weight is \[4,5\]/.test(e.message) && /layers\/batch_normalization/.test(e.message), 'every mismatch is listed with its HDF5 path');
  assert.deepEqual(weightBits(other), before, 'unchanged');
  const sf = path.join(dir, 'mm.safetensors');
  await src.saveWeights(sf);
  await assert.rejects(other.loadWeights(sf), /'a\/kernel' has shape \[4,3\] in the file, the model's is \[4,5\]/, 'safetensors mismatch');
  assert.deepEqual(weightBits(other), before, 'unchanged');
  // Optimizer state of another optimizer kind: the count of variables does not fit.
  const sgd = small();
  sgd.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: 'mse' });
  await sgd.fit(tf.randomNormal([3, 4]), tf.randomNormal([3, 2]), { epochs: 1, batchSize: 3, verbose: 0 });
  const sb = weightBits(sgd);
  await assert.rejects(sgd.loadWeights(f), /optimizer\/vars: \d+ optimizer variables in the file; this SGD/, 'optimizer mismatch');
  assert.deepEqual(weightBits(sgd), sb, 'unchanged after an optimizer mismatch (weights are checked with the optimizer before anything is assigned)');
});

test('damaged structure: bad JSON, wrong dtypes, overlapping safetensors, TF.js shard size and paths outside the model directory', async () => {
  const src = await trained(6);
  // safetensors: overlapping offsets and a float64 tensor where the model has float32.
  const enc = (header: object, data: Uint8Array) => {
    const h = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  };
  const m = small();
  const before = weightBits(m);
  const ov = path.join(dir, 'overlap.safetensors');
  fs.writeFileSync(ov, enc({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)));
  await assert.rejects(m.loadWeights(ov), /overlap\.safetensors: the tensors' data does not tile the data section \(a overlap/, 'overlap detected');
  const st = path.join(dir, 'f64.safetensors');
  const names = m.weights.map((w) => w.name.replace(/:0$/, ''));
  let off = 0;
  const header: Record<string, unknown> = {};
  for (const w of m.weights) {
    const n = w.size * (w.name.startsWith('a/kernel') ? 8 : 4);
    header[w.name.replace(/:0$/, '')] = { dtype: w.name.startsWith('a/kernel') ? 'F64' : 'F32', shape: w.shape, data_offsets: [off, off + n] };
    off += n;
  }
  fs.writeFileSync(st, enc(header, new Uint8Array(off)));
  assert.equal(names.length, 8, 'eight weights');
  await assert.rejects(m.loadWeights(st), /'a\/kernel': dtype float64 in the file, the model's weight is float32/, 'dtype mismatch named');
  assert.deepEqual(weightBits(m), before, 'unchanged');
  // .keras with broken config.json (valid zip, CRC updated by rewriting the archive).
  const { zipSync, unzipSync } = await import('fflate');
  const kf = path.join(dir, 'src.keras');
  await src.save(kf);
  const entries = unzipSync(fs.readFileSync(kf));
  entries['config.json'] = new TextEncoder().encode('{"class_name": "Sequential", "config": {"layers": [');
  fs.writeFileSync(path.join(dir, 'badjson.keras'), zipSync(entries));
  await assert.rejects(tf.loadLayersModel(path.join(dir, 'badjson.keras')), /badjson\.keras: config\.json is not valid JSON/, 'bad JSON named');
  // A flipped byte inside a stored zip entry is caught by its CRC-32.
  const raw = fs.readFileSync(kf);
  const at = raw.indexOf(Buffer.from('"class_name"'));
  raw[at + 2] ^= 0x20;
  fs.writeFileSync(path.join(dir, 'crc.keras'), raw);
  await assert.rejects(tf.loadLayersModel(path.join(dir, 'crc.keras')), /crc\.keras: zip entry 'config\.json' is damaged \(CRC-32/, 'CRC mismatch named');
  // TF.js: a short shard and a shard path leaving the directory.
  const d = path.join(dir, 'tfjs-bad');
  await src.save(`file://${d}`);
  const json = JSON.parse(fs.readFileSync(path.join(d, 'model.json'), 'utf8'));
  const shard = path.join(d, json.weightsManifest[0].paths[0]);
  fs.writeFileSync(shard, fs.readFileSync(shard).subarray(0, 10));
  await assert.rejects(tf.loadLayersModel(`file://${d}/model.json`), /the weight shards '.*' hold 10 bytes, the manifest's 8 weights need \d+/, 'short shard');
  json.weightsManifest[0].paths = ['../../etc/passwd'];
  fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify(json));
  await assert.rejects(tf.loadLayersModel(`file://${d}/model.json`), /must be a relative path inside the model's directory/, 'path traversal refused');
});

test('fuzz: 4 flipped bytes per trial in every format never crash the loader and never half-load', async () => {
  const src = await trained(7);
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const outcomes: Record<string, { threw: number; loaded: number }> = {};
  for (const t of TARGETS) {
    const f = path.join(dir, `fuzz-${t.file}`);
    await t.save(src, f);
    const bytes = fs.readFileSync(f);
    const o = (outcomes[t.file] = { threw: 0, loaded: 0 });
    for (let trial = 0; trial < 25; trial++) {
      const b = Buffer.from(bytes);
      for (let k = 0; k < 4; k++) b[next() % b.length] ^= 1 << (next() % 8);
      const g = path.join(dir, `fz-${t.file}`);
      fs.writeFileSync(g, b);
      const m = small();
      scramble(m, 8);
      const before = weightBits(m);
      try {
        await t.load(m, g);
        o.loaded++;
        // Loaded: every weight came from the file (flips in raw numbers are not detectable: HDF5 and safetensors have no data checksum).
        assert.notDeepEqual(weightBits(m), before, `${t.file} trial ${trial}: a successful load replaced the weights`);
      } catch (e) {
        o.threw++;
        assert.ok(e instanceof tf.IdemError, `${t.file} trial ${trial}: only IdemErrors, got ${(e as Error).name}: ${(e as Error).message}`);
        assert.deepEqual(weightBits(m), before, `${t.file} trial ${trial}: a failed load changed nothing`);
      }
    }
  }
  // The zip CRC makes every flip inside a .keras archive an error.
  assert.equal(outcomes['m.keras']!.loaded, 0, `.keras: every damaged archive refused (${JSON.stringify(outcomes)})`);
});
