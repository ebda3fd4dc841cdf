/**
 * Hostile TF.js model directories (a shard that is a named pipe, a link to /dev/zero or to a file
 * outside the directory, one shard named 300 times, shard sizes that disagree with the manifest),
 * and what saves leave behind (temporary files of killed saves, shards no model.json names, a
 * full disk). Loads that used to hang run in child processes with a time limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/index.ts';
import { fsImpl, resetFsImpl } from '../src/models/weights_io.ts';
import { scratchDir, smallModel } from './hostile_util.ts';

const dir = scratchDir('hostile-tfjs');
const root = fileURLToPath(new URL('..', import.meta.url));

/** Loads `model.json` in a fresh Node process (120 s at most: a hang guard, the child's start alone can take seconds on a loaded machine); returns its error message or 'loaded'. */
function loadInChild(modelJson: string): string {
  const code = `import * as tf from './src/index.ts';
    try { await tf.loadLayersModel(${JSON.stringify(`file://${modelJson}`)}); console.log('loaded'); } catch (e) { console.log(e.message); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.ok(!(r.error as NodeJS.ErrnoException | undefined)?.code, `the load did not finish within 120 s, a hang guard (${(r.error as Error | undefined)?.message})`);
  assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** A saved TF.js directory of the small model; returns [dir, its one shard's name]. */
async function saved(name: string): Promise<[string, string]> {
  const d = path.join(dir, name);
  await smallModel().save(`file://${d}`);
  const json = JSON.parse(fs.readFileSync(path.join(d, 'model.json'), 'utf8'));
  return [d, json.weightsManifest[0].paths[0]];
}

function editManifest(d: string, edit: (json: any) => void): void {
  const f = path.join(d, 'model.json');
  const json = JSON.parse(fs.readFileSync(f, 'utf8'));
  edit(json);
  fs.writeFileSync(f, JSON.stringify(json));
}

test('a weight shard that is a named pipe is refused at once (not waited on)', async () => {
  const [d, shard] = await saved('fifo');
  fs.rmSync(path.join(d, shard));
  const mk = spawnSync('mkfifo', [path.join(d, shard)]);
  if (mk.status !== 0) return void console.log('# mkfifo unavailable: skipped');
  assert.match(loadInChild(path.join(d, 'model.json')), new RegExp(`weight shard '${shard}' is a named pipe, not a regular file`));
  // model.json itself as a pipe
  const d2 = path.join(dir, 'fifo-json');
  fs.mkdirSync(d2);
  spawnSync('mkfifo', [path.join(d2, 'model.json')]);
  assert.match(loadInChild(path.join(d2, 'model.json')), /model\.json is a named pipe, not a regular file/);
});

test('a weight shard linked to /dev/zero, or to a file outside the model directory, is refused (the outside file is not loaded)', async () => {
  const [d, shard] = await saved('devzero');
  fs.rmSync(path.join(d, shard));
  fs.symlinkSync('/dev/zero', path.join(d, shard));
  assert.match(loadInChild(path.join(d, 'model.json')), new RegExp(`weight shard '${shard}' resolves to /dev/zero, outside the model's directory`));
  // A link to another model's shard, outside: same size, would load silently before.
  const [d2, shard2] = await saved('outside');
  const [other, otherShard] = await saved('other');
  fs.rmSync(path.join(d2, shard2));
  fs.symlinkSync(path.join(other, otherShard), path.join(d2, shard2));
  await assert.rejects(tf.loadLayersModel(`file://${d2}/model.json`), new RegExp(`weight shard '${shard2}' resolves to .*other.*, outside the model's directory`));
  // A link that stays inside the directory is followed.
  fs.rmSync(path.join(d2, shard2));
  fs.copyFileSync(path.join(other, otherShard), path.join(d2, 'real.bin'));
  fs.symlinkSync('real.bin', path.join(d2, shard2));
  const m = await tf.loadLayersModel(`file://${d2}/model.json`);
  assert.equal(m.layers.length, 2);
});

test('one shard named 300 times, or shards whose sizes disagree with the manifest, are refused before any shard is read', async () => {
  const [d, shard] = await saved('dup');
  editManifest(d, (j) => { j.weightsManifest[0].paths = new Array(300).fill(shard); });
  await assert.rejects(tf.loadLayersModel(`file://${d}/model.json`), new RegExp(`weight shard '${shard}' is named twice in the manifest`));
  const [d2] = await saved('sizes');
  editManifest(d2, (j) => { j.weightsManifest[0].weights[0].shape = [4000, 3000]; });
  await assert.rejects(tf.loadLayersModel(`file://${d2}/model.json`), /the weight shards '.*' hold 92 bytes, the manifest's 4 weights need 48000044/);
});

test('a TF.js topology claiming units: 5e7 is checked against the manifest before the kernel is allocated', async () => {
  const [d] = await saved('units');
  editManifest(d, (j) => { j.modelTopology.config.layers[0].config.units = 5e7; });
  await assert.rejects(tf.loadLayersModel(`file://${d}/model.json`), /modelTopology gives layer 'a' a weight 'kernel' of shape \[4,50000000\] \(200,000,000 values\), but .*the weights manifest holds no weight of that shape/);
});

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

test('temporary files of killed saves (dead processes) are removed by the next save; a live process\'s are kept', async () => {
  const d = path.join(dir, 'litter');
  fs.mkdirSync(d);
  const f = path.join(d, 'm.keras');
  const dead = deadPid();
  const stale = [`.m.keras.tmp-${dead}-0`, `.m.keras.tmp-${dead}-17`];
  for (const s of stale) fs.writeFileSync(path.join(d, s), new Uint8Array(1000));
  const live = `.m.keras.tmp-${process.ppid}-3`; // the test runner: alive
  const other = `.other.keras.tmp-${dead}-1`; // another file's: not this save's to clean
  fs.writeFileSync(path.join(d, live), 'x');
  fs.writeFileSync(path.join(d, other), 'x');
  await smallModel().save(f);
  assert.deepEqual(fs.readdirSync(d).sort(), [other, live, 'm.keras'].sort());
});

test('a TF.js directory save removes the shards its model.json does not name (a killed save\'s) and their temporary files; other files stay', async () => {
  const d = path.join(dir, 'orphans');
  await smallModel().save(`file://${d}`);
  const dead = deadPid();
  const orphans = ['group1-shard1of1-deadbeef.bin', 'group1-shard1of2.bin', `.group1-shard2of2-0badf00d.bin.tmp-${dead}-4`, `.model.json.tmp-${dead}-5`];
  for (const o of orphans) fs.writeFileSync(path.join(d, o), new Uint8Array(64));
  fs.writeFileSync(path.join(d, 'notes.txt'), 'mine');
  const m = smallModel();
  m.layers[0]!.setWeights(m.layers[0]!.getWeights().map((w) => tf.add(w, 1)));
  await m.save(`file://${d}`);
  const json = JSON.parse(fs.readFileSync(path.join(d, 'model.json'), 'utf8'));
  assert.deepEqual(fs.readdirSync(d).sort(), ['model.json', 'notes.txt', ...json.weightsManifest[0].paths].sort());
});

test('a full disk names the file and the operation, and keeps the previous file', async () => {
  const f = path.join(dir, 'full.weights.h5');
  const m = smallModel();
  await m.saveWeights(f);
  const before = fs.readFileSync(f);
  fsImpl.writeSync = () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  try {
    await assert.rejects(m.saveWeights(f), new RegExp(`saveWeights: cannot write ${f.replace(/[.]/g, '\\.')}: no space left on the device while writing the temporary file .*\\.full\\.weights\\.h5\\.tmp-\\d+-\\d+ \\(0 of \\d+ bytes written\\); .* was not changed \\(ENOSPC: no space left on device, write\\)`));
    await assert.rejects(m.save(path.join(dir, 'full.keras')), /save: cannot write .*full\.keras: no space left on the device/);
  } finally {
    resetFsImpl();
  }
  assert.deepEqual(fs.readFileSync(f), before);
});
