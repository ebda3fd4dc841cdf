/**
 * Exact resume across processes: fit 2 epochs = fit 1 epoch, save `.keras` (weights, Adam's
 * iteration/moments/learning rate, the Dropout layer's SeedGenerator state), load in a NEW
 * process, fit 1 more epoch — bit-identical weights. With `shuffle: true` the per-epoch shuffle
 * draws from the global random sequence: `loadLayersModel(f, {restoreRandomState: true})` puts
 * back the state saved in the file, and the resume is exact too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/index.ts';
import { resumeData, resumeModel } from './fixtures/io/resume_data.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-resume-'));
const child = fileURLToPath(new URL('./fixtures/io/resume_child.ts', import.meta.url));

function bits(m: tf.LayersModel): string[] {
  return m.weights.map((w) => `${w.name}:${Buffer.from(Float32Array.from(w.read().dataSync()).buffer).toString('hex')}`);
}

test('fit 2 epochs = fit 1, save .keras, load in a new process, fit 1 more: bit-identical weights', async () => {
  const { x, y } = resumeData();
  const straight = resumeModel();
  await straight.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });

  tf.resetLayerNames();
  const { x: x2, y: y2 } = resumeData();
  const half = resumeModel();
  await half.fit(x2, y2, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
  const ckpt = path.join(dir, 'epoch1.keras');
  await half.save(ckpt);

  const out = path.join(dir, 'resumed.safetensors');
  execFileSync(process.execPath, ['--import', 'tsx', child, ckpt, out], { stdio: 'pipe' });
  tf.resetLayerNames();
  const resumed = resumeModel();
  await resumed.loadWeights(out);
  assert.deepEqual(bits(resumed), bits(straight), 'every weight (and batch-norm statistic) is bit-identical to the uninterrupted run');

  // The test can fail: resuming with a fresh optimizer (no saved state) gives other weights.
  const out2 = path.join(dir, 'fresh.safetensors');
  execFileSync(process.execPath, ['--import', 'tsx', child, ckpt, out2, '--fresh-optimizer'], { stdio: 'pipe' });
  tf.resetLayerNames();
  const fresh = resumeModel();
  await fresh.loadWeights(out2);
  assert.notDeepEqual(bits(fresh), bits(straight), 'without the optimizer state the weights differ');
});

test('with shuffle: restoreRandomState resumes exactly; without it the batch order differs', async () => {
  tf.resetLayerNames();
  const { x, y } = resumeData();
  const straight = resumeModel();
  await straight.fit(x, y, { epochs: 2, batchSize: 4, shuffle: true, verbose: 0 });

  tf.resetLayerNames();
  const { x: x2, y: y2 } = resumeData();
  const half = resumeModel();
  await half.fit(x2, y2, { epochs: 1, batchSize: 4, shuffle: true, verbose: 0 });
  const ckpt = path.join(dir, 'shuffled1.keras');
  await half.save(ckpt);

  const out = path.join(dir, 'shuffled-resumed.safetensors');
  execFileSync(process.execPath, ['--import', 'tsx', child, ckpt, out, '--shuffle'], { stdio: 'pipe' });
  tf.resetLayerNames();
  const resumed = resumeModel();
  await resumed.loadWeights(out);
  assert.deepEqual(bits(resumed), bits(straight), 'shuffled resume is bit-identical to the uninterrupted run');

  // bad state in the file is refused before anything changes
  assert.throws(() => tf.setRandomState({ globalSeed: 1, unseededGenerators: -1, sequences: {} }), /setRandomState: `unseededGenerators`/);
  const before = tf.getRandomState();
  tf.setRandomState(before);
  assert.deepEqual(tf.getRandomState(), before, 'get/set round trip');
});
