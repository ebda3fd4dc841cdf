/**
 * A user's eager training loop of 10,000 steps with no dispose/tidy keeps memory bounded:
 * unreferenced tensors (and their storage) are reclaimed by the garbage collector. A leak of even
 * 600 bytes per step would show as > 4 MB over the last 7,000 steps (measured: flat or shrinking
 * over 40,000 steps).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '../src/index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function used(): number {
  // Two collections: the first may leave garbage that finalization or weak cells released.
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('memory model', () => {
  it('10,000 eager training steps without dispose stay bounded', () => {
    tf.setSeed(1);
    const x = tf.randomNormal([64, 16]);
    const trueW = tf.randomNormal([1, 16]);
    const y = tf.sum(tf.mul(x, trueW), 1);
    const w = tf.variable(tf.zeros([1, 16]), true, 'w');
    const lr = 0.05;
    let mark = 0;
    let loss = Infinity;
    for (let step = 0; step < 10000; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const pred = tf.sum(tf.mul(x, w), 1);
        const d = tf.sub(pred, y);
        return tf.div(tf.sum(tf.mul(d, d)), 64);
      });
      w.assignSub(tf.mul(grads['w']!, lr));
      if (step === 2999) mark = used(); // after warm-up (JIT code, pools, first-GC timing)
      if (step === 9999) loss = value.dataSync()[0]!;
    }
    const end = used();
    assert.ok(loss < 1e-6, `the loop trains (loss ${loss})`);
    const growth = end - mark;
    assert.ok(growth < 4 * 1024 * 1024, `memory grew by ${(growth / 1e6).toFixed(1)} MB between step 3,000 and 10,000`);
  });
});
