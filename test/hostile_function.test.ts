/**
 * `tf.function` called with a new JavaScript number each time: it warns about retracing (as
 * TensorFlow does) and keeps at most `maxFunctionTraces` traces, dropping the oldest with the
 * constants its tracing made — so such a loop neither grows without bound nor stays silent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';

test('a tf.function called with 300 distinct numbers warns about retracing, keeps at most 64 traces, and frees the dropped ones', () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.join(' '));
  try {
    const x = tf.ones([3]);
    const f = tf.function(function scaled(t: tf.Tensor, k: number) {
      return tf.mul(t, tf.scalar(k));
    });
    const start = tf.memory().numTensors;
    for (let k = 0; k < 300; k++) {
      const y = f(x, k);
      assert.deepEqual(Array.from(y.dataSync()), [k, k, k]);
      y.dispose();
    }
    assert.equal(f.traceCount, 300);
    assert.equal(f.cachedTraces, 64, 'the cache is bounded');
    assert.ok(tf.memory().numTensors - start <= 64 + 2, `tensors held: ${tf.memory().numTensors - start}`);
    // A kept trace replays (no new trace); a dropped one traces again and gives the right values.
    assert.deepEqual(Array.from(f(x, 299).dataSync()), [299, 299, 299]);
    assert.equal(f.traceCount, 300);
    assert.deepEqual(Array.from(f(x, 0).dataSync()), [0, 0, 0]);
    assert.equal(f.traceCount, 301);
    assert.equal(warnings.length, 2, 'warned twice at most');
    assert.match(warnings[0]!, /tf\.function: 5 of the last 5 calls to 'scaled' traced it anew .* each new plain argument value \(a JavaScript number or string\), makes a new trace\. Pass values that change between calls as tensors \(tf\.scalar\(x\)\)/);
  } finally {
    console.warn = warn;
  }
});

test('a tf.function called with the same signature does not warn', () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.join(' '));
  try {
    const f = tf.function((t: tf.Tensor) => tf.add(t, 1));
    for (let i = 0; i < 50; i++) f(tf.ones([2]));
    assert.equal(f.traceCount, 1);
    assert.deepEqual(warnings, []);
  } finally {
    console.warn = warn;
  }
});
