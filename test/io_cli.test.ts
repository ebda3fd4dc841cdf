/** `idem convert`: a .keras model to TF.js, Keras 2 .h5 and safetensors, and back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../src/index.ts';
import { main } from '../src/cli.ts';
import { scramble, weightBits } from './io_models.ts';

test('idem convert between formats keeps every weight bit; bad input exits non-zero with a message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-convert-'));
  tf.resetLayerNames();
  const m = tf.sequential({ layers: [tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [5, 3] }), tf.layers.lstm({ units: 3 }), tf.layers.dense({ units: 2 })] });
  scramble(m);
  const src = path.join(dir, 'm.keras');
  await m.save(src);
  const writes: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => (writes.push(String(s)), true);
  let codes: number[];
  try {
    codes = [
      await main(['convert', src, path.join(dir, 'web')]),
      await main(['convert', path.join(dir, 'web'), path.join(dir, 'm2.h5')]),
      await main(['convert', path.join(dir, 'm2.h5'), path.join(dir, 'm3.keras')]),
      await main(['convert', path.join(dir, 'm3.keras'), path.join(dir, 'w.safetensors')]),
    ];
  } finally {
    (process.stdout as unknown as { write: typeof orig }).write = orig;
  }
  assert.deepEqual(codes, [0, 0, 0, 0], 'every conversion succeeds');
  assert.match(writes.join(''), /m\.keras → .*web: model 'sequential', 3 layers, 7 weights/, 'reports what it converted');
  const back = await tf.loadLayersModel(path.join(dir, 'm3.keras'));
  assert.deepEqual(weightBits(back), weightBits(m), '.keras → TF.js → .h5 → .keras keeps every bit');
  tf.resetLayerNames();
  const probe = tf.sequential({ layers: [tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [5, 3] }), tf.layers.lstm({ units: 3 }), tf.layers.dense({ units: 2 })] });
  await probe.loadWeights(path.join(dir, 'w.safetensors'));
  assert.deepEqual(weightBits(probe), weightBits(m), 'safetensors weights');
  const errs: string[] = [];
  const origErr = process.stderr.write.bind(process.stderr);
  (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => (errs.push(String(s)), true);
  let bad: number;
  try {
    fs.writeFileSync(path.join(dir, 'junk.keras'), 'not a zip');
    bad = await main(['convert', path.join(dir, 'junk.keras'), path.join(dir, 'x.h5')]);
  } finally {
    (process.stderr as unknown as { write: typeof origErr }).write = origErr;
  }
  assert.equal(bad, 1, 'exit code 1');
  assert.match(errs.join(''), /idem convert: loadLayersModel: .*junk\.keras is not a zip archive/, 'the error names the file');
});
