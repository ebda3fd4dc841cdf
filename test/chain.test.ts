import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { expectTensor } from './util.ts';

describe('chained ops and namespaces', () => {
  it('x.add(y).relu() equals tf.relu(tf.add(x, y))', () => {
    const x = tf.tensor([[-3, 1], [2, -1]]);
    expectTensor(x.add(1).relu(), [0, 2, 3, 0]);
    expectTensor(x.matMul(tf.eye(2)).sum(1), [-2, 1]);
    expectTensor(x.reshape([4]).flatten(), [-3, 1, 2, -1], [4]);
    assert.equal(x.square().mean().dataSync()[0], 15 / 4);
    expectTensor(x.transpose(), [-3, 2, 1, -1]);
  });
  it('tf.nn holds the TensorFlow-named ops', () => {
    tf.setSeed(1);
    const y = tf.nn.dropout(tf.ones([1000]), { rate: 0.5 });
    const kept = Array.from(y.dataSync()).filter((v) => v !== 0).length;
    assert.ok(kept > 400 && kept < 600);
    expectTensor(tf.nn.softmax(tf.tensor([0, 0])), [0.5, 0.5]);
  });
});
