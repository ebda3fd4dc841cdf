/**
 * TF.js programs that run unchanged on idem (issue 20): the programs in
 * test/fixtures/compat/programs.mjs and program.cjs are plain JavaScript in TF.js's idioms —
 * tf.util, chained conversions, tf.buffer, the core-API training loop with optimizer.minimize,
 * a custom layer registered with tf.serialization.registerClass, fitDataset with a Dataset as
 * validationData and logs.acc / logs.val_acc, RNN cells and 3-D convolution, CommonJS require.
 * Each runs here against idem AND against @tensorflow/tfjs (to show it is valid TF.js); results
 * that do not depend on random weight initialization must agree.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import * as tf from '../src/index.ts';
// @ts-expect-error -- plain JavaScript programs, written as TF.js users write them
import * as programs from './fixtures/compat/programs.mjs';
import { close, ensureDist } from './util.ts';

type Program = (lib: unknown) => Promise<Record<string, unknown>> | Record<string, unknown>;
const P = programs as Record<string, Program>;

async function both(name: string): Promise<{ ours: Record<string, unknown>; theirs: Record<string, unknown> }> {
  const ours = await P[name]!(tf);
  const theirs = await P[name]!(tfjs);
  return { ours, theirs };
}

describe('TF.js programs run unchanged', () => {
  it('the core-API polynomial regression: same losses and coefficients as TF.js', async () => {
    const { ours, theirs } = await both('polynomialRegression');
    close(ours['losses'] as number[], theirs['losses'] as number[], 1e-5);
    close(ours['coeffs'] as number[], theirs['coeffs'] as number[], 1e-5);
    const l = ours['losses'] as number[];
    assert.ok(l[l.length - 1]! < l[0]! / 10);
  });

  it('tf.util, buffers, conversions, typed arrays: the same values as TF.js', async () => {
    const { ours, theirs } = await both('utilities');
    assert.deepEqual(ours, theirs);
  });

  it('a custom layer, fitDataset with a validation Dataset, logs.acc / val_acc, yieldEvery, evaluate', async () => {
    const { ours, theirs } = await both('classifier');
    for (const r of [ours, theirs]) {
      const seen = r['seen'] as { acc: number; valAcc: number }[];
      assert.equal(seen.length, 25);
      for (const s of seen) assert.ok(Number.isFinite(s.acc) && Number.isFinite(s.valAcc), JSON.stringify(s));
      assert.ok((r['lastValAcc'] as number) >= 0.9, `val_acc ${r['lastValAcc']}`);
      assert.equal((r['evaluated'] as number[]).length, 2);
    }
    for (const k of ['historyKeys', 'fitKeys', 'className', 'predictShape']) assert.deepEqual(ours[k], theirs[k], k);
  });

  it('embedding inputLength, rnn({cell}) with stacked cells, conv3d / pooling 3-D: same shapes, both learn', async () => {
    const { ours, theirs } = await both('sequencesAndVolumes');
    for (const k of ['seqShapes', 'volShape', 'pooled']) assert.deepEqual(ours[k], theirs[k], k);
    for (const r of [ours, theirs]) {
      const l = r['losses'] as number[];
      assert.ok(l[l.length - 1]! < l[0]! / 3, `losses ${l[0]} → ${l[l.length - 1]}`);
    }
    // Keras 3's GRU (reset_after, two bias rows: 2·3·6 more parameters than TF.js's Keras 2 form).
    assert.equal(ours['params'], (theirs['params'] as number) + 18);
  });

  it("CommonJS: the same program.cjs runs with require('idem') and require('@tensorflow/tfjs')", () => {
    ensureDist();
    const root = resolve(import.meta.dirname, '..');
    const run = (lib: string) => {
      const out = execFileSync(process.execPath, [join(root, 'test', 'fixtures', 'compat', 'program.cjs'), lib], { cwd: root, encoding: 'utf8' });
      return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
    };
    const ours = run('idem');
    const theirs = run('@tensorflow/tfjs');
    assert.equal(ours['epochs'], 200);
    assert.equal(ours['size'], 6);
    close([ours['first']!], [theirs['first']!], 1e-6);
    close([ours['y']!], [theirs['y']!], 1e-3);
    assert.ok(Math.abs(ours['y']! - 19) < 0.01, `y(10) = ${ours['y']}`);
  });
});
