/**
 * Training and prediction given bad work: two concurrent `fit()` calls on one model (refused as
 * TF.js refuses them, not interleaved), `fit`/`evaluate` on 0 samples (refused, not a loss of 0),
 * `predict`/`evaluate` with `batchSize: 0` (refused, not an endless loop).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/index.ts';
import { smallModel } from './hostile_util.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('a second fit() while one runs is refused with TF.js\'s message; the first finishes untouched and fit works again after', async () => {
  const m = smallModel();
  const x = tf.ones([8, 4]);
  const y = tf.zeros([8, 2]);
  const first = m.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
  await assert.rejects(m.fit(x, y, { epochs: 1, verbose: 0 }), /Cannot start training because another fit\(\) call is ongoing\./);
  await assert.rejects(m.fitDataset(tf.data.array([{ xs: x, ys: y }]), { verbose: 0 }), /Cannot start training because another fit\(\) call is ongoing\./);
  const h = await first;
  assert.equal(h.history['loss']!.length, 3);
  const again = await m.fit(x, y, { epochs: 1, verbose: 0 });
  assert.equal(again.history['loss']!.length, 1);
  // A fit that throws releases the model too.
  await assert.rejects(m.fit(x, y, { epochs: 1, verbose: 0, callbacks: { onEpochEnd: () => { throw new Error('boom'); } } }), /boom/);
  assert.equal((await m.fit(x, y, { epochs: 1, verbose: 0 })).history['loss']!.length, 1);
});

test('fit on 0 samples is refused (not a loss of 0); so are fitDataset on an empty dataset and evaluate on 0 samples', async () => {
  const m = smallModel();
  await assert.rejects(m.fit(tf.zeros([0, 4]), tf.zeros([0, 2]), { verbose: 0 }), /fit: x has no samples \(shape \[0,4\]\): there is nothing to train on/);
  await assert.rejects(m.fit(tf.zeros([1, 4]), tf.zeros([1, 2]), { verbose: 0, validationSplit: 0.5 }), /fit: x has no samples left for training after validationSplit 0\.5/);
  await assert.rejects(m.fitDataset(tf.data.array([] as { xs: tf.Tensor; ys: tf.Tensor }[]), { verbose: 0 }), /fitDataset: epoch 1 had no batches/);
  assert.throws(() => m.evaluate(tf.zeros([0, 4]), tf.zeros([0, 2])), /evaluate: x has no samples \(shape \[0,4\]\)/);
});

test('predict and evaluate with batchSize 0 (or not an integer) are refused instead of looping forever; predict on 0 samples gives an empty result', () => {
  // In a child process: a regression would loop forever (and grow memory) instead of failing.
  const code = `import * as tf from './src/index.ts';
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tf.ones([3, 4]);
    const out = [];
    for (const bs of [0, -1, 1.5, NaN]) {
      try { m.predict(x, { batchSize: bs }); out.push('predict returned'); } catch (e) { out.push(e.message); }
      try { m.evaluate(x, tf.zeros([3, 2]), { batchSize: bs }); out.push('evaluate returned'); } catch (e) { out.push(e.message); }
    }
    out.push(JSON.stringify(m.predict(tf.zeros([0, 4])).shape));
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.ok(!(r.error as NodeJS.ErrnoException | undefined)?.code, `did not finish within 120 s, a hang guard: ${(r.error as Error | undefined)?.message}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
  for (let i = 0; i < 8; i += 2) {
    assert.match(out[i]!, /predict: `batchSize` must be a positive integer/);
    assert.match(out[i + 1]!, /evaluate: `batchSize` must be a positive integer/);
  }
  assert.equal(out[8], '[0,2]');
});
