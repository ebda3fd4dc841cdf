/** Same program, same seed → bit-identical results, run to run (and stopGradient blocks gradients). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { expectTensor } from './util.ts';

function train(seed: number): number[] {
  tf.setSeed(seed);
  const x = tf.randomNormal([32, 8]);
  const y = tf.oneHot(tf.randomUniform([32], 0, 3, 'int32'), 3).cast('float32');
  const w1 = tf.variable(tf.truncatedNormal([8, 16], 0, 0.3), true, 'w1');
  const w2 = tf.variable(tf.truncatedNormal([16, 3], 0, 0.3), true, 'w2');
  const losses: number[] = [];
  for (let step = 0; step < 20; step++) {
    const { value, grads } = tf.variableGrads(() => {
      const h = tf.dropout(tf.relu(tf.matMul(x, w1)), 0.3, null, 5);
      return tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: y, logits: tf.matMul(h, w2) }));
    });
    w1.assignSub(tf.mul(grads['w1']!, 0.1));
    w2.assignSub(tf.mul(grads['w2']!, 0.1));
    losses.push(value.dataSync()[0]!);
  }
  return losses;
}

describe('determinism', () => {
  it('a seeded training loop repeats bit for bit', () => {
    const a = train(3);
    const b = train(3);
    assert.deepEqual(a, b);
    assert.ok(a[19]! < a[0]!, 'it trains');
    assert.notDeepEqual(train(4), a);
  });
  it('stopGradient blocks the gradient', () => {
    const g = tf.grad((x) => tf.add(tf.mul(x, x), tf.stopGradient(tf.mul(x, x))))(tf.tensor([3]));
    expectTensor(g, [6]);
  });
});
