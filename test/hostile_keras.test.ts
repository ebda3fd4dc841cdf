/**
 * Hostile `.keras` archives and Keras configs: a small file must not make idem inflate, allocate
 * or build what it merely claims, and an ambiguous archive is refused, not resolved silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../src/index.ts';
import { rawZip, scratchDir, smallModel, withLimits, zipEntries } from './hostile_util.ts';

const dir = scratchDir('hostile-keras');

async function savedEntries(): Promise<Map<string, Uint8Array>> {
  const f = path.join(dir, 'base.keras');
  await smallModel().save(f);
  return zipEntries(fs.readFileSync(f));
}

function write(name: string, bytes: Uint8Array): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
}

test('.keras zip bomb: an entry claiming more than maxInflatedBytes is refused before inflating; entries idem does not read are never inflated', async () => {
  const e = await savedEntries();
  // model.weights.h5 deflated, its directory claiming 3 GiB: refused from the directory alone.
  const bomb = write('bomb.keras', rawZip([
    { name: 'metadata.json', data: e.get('metadata.json')! },
    { name: 'config.json', data: e.get('config.json')! },
    { name: 'model.weights.h5', data: e.get('model.weights.h5')!, method: 8, claimedSize: 3 * 2 ** 30 },
  ]));
  await assert.rejects(tf.loadLayersModel(bomb), /bomb\.keras: zip entry 'model\.weights\.h5' inflates to 3\.0 GiB, above the 1\.0 GiB cap \(tf\.setLimits\(\{maxInflatedBytes\}\) raises it\)/);
  // A real 64 MiB of zeros deflated (64 KiB in the file) under a 16 MiB cap: refused, not inflated.
  const zeros = write('zeros.keras', rawZip([
    { name: 'metadata.json', data: e.get('metadata.json')! },
    { name: 'config.json', data: e.get('config.json')! },
    { name: 'model.weights.h5', data: new Uint8Array(64 * 2 ** 20), method: 8 },
  ]));
  assert.ok(fs.statSync(zeros).size < 200_000);
  await withLimits({ maxInflatedBytes: 16 * 2 ** 20 }, () => assert.rejects(tf.loadLayersModel(zeros), /zip entry 'model\.weights\.h5' inflates to 64\.0 MiB, above the 16\.0 MiB cap/));
  // Other entries (a 4 GiB claim with garbage data) are listed but never inflated: the model loads.
  const extra = write('extra.keras', rawZip([
    { name: 'metadata.json', data: e.get('metadata.json')! },
    { name: 'config.json', data: e.get('config.json')! },
    { name: 'model.weights.h5', data: e.get('model.weights.h5')! },
    { name: 'assets/huge.bin', data: new Uint8Array(0), method: 8, claimedSize: 0xfffffff0, rawOverride: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
  ]));
  const m = await tf.loadLayersModel(extra);
  assert.equal(m.layers.length, 2);
});

test('.keras: an entry whose data inflates past the size its directory records is refused without inflating the rest', async () => {
  const e = await savedEntries();
  const lying = write('lying.keras', rawZip([
    { name: 'metadata.json', data: e.get('metadata.json')! },
    { name: 'config.json', data: e.get('config.json')! },
    { name: 'model.weights.h5', data: new Uint8Array(32 * 2 ** 20), method: 8, claimedSize: 1000 },
  ]));
  await assert.rejects(tf.loadLayersModel(lying), /lying\.keras: zip entry 'model\.weights\.h5' inflates to more than 1001 bytes where the directory records 1000/);
});

test('.keras with two config.json entries (or any name twice) is refused, not read as the later one', async () => {
  const e = await savedEntries();
  const other = new TextEncoder().encode(new TextDecoder().decode(e.get('config.json')!).replace('"units":3', '"units":5'));
  const dup = write('dup.keras', rawZip([
    { name: 'metadata.json', data: e.get('metadata.json')! },
    { name: 'config.json', data: e.get('config.json')! },
    { name: 'model.weights.h5', data: e.get('model.weights.h5')! },
    { name: 'config.json', data: other },
  ]));
  await assert.rejects(tf.loadLayersModel(dup), /dup\.keras: zip entry 'config\.json' appears twice/);
  await assert.rejects(smallModel().loadWeights(dup), /dup\.keras: zip entry 'config\.json' appears twice/);
});
