import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { expectTensor, expectThrows } from './util.ts';

describe('variable scopes', () => {
  it('TensorFlow names, reuse shares, errors name the variable', () => {
    tf.resetVariableStore();
    const k = tf.variableScope('mlp', () => tf.variableScope('dense1', () => tf.getVariable('kernel', { shape: [3, 2] })));
    assert.equal(k.name, 'mlp/dense1/kernel:0');
    assert.ok(k.trainable);
    const again = tf.variableScope('mlp', { reuse: true }, () => tf.variableScope('dense1', () => tf.getVariable('kernel', { shape: [3, 2] })));
    assert.equal(again, k, 'reuse: true returns the same variable (and nested scopes inherit reuse)');
    expectThrows(
      () => tf.variableScope('mlp', () => tf.variableScope('dense1', () => tf.getVariable('kernel', { shape: [3, 2] }))),
      /getVariable: variable mlp\/dense1\/kernel:0 already exists; to share it, open the scope with \{reuse: true\}/,
    );
    expectThrows(
      () => tf.variableScope('mlp', { reuse: true }, () => tf.getVariable('bias', { shape: [2] })),
      /getVariable: variable mlp\/bias:0 does not exist, so it cannot be reused/,
    );
    expectThrows(
      () => tf.variableScope('mlp', { reuse: true }, () => tf.variableScope('dense1', () => tf.getVariable('kernel', { shape: [4, 2] }))),
      /exists with shape \[3,2\], requested \[4,2\]/,
    );
    const auto1 = tf.variableScope('s', { reuse: 'auto' }, () => tf.getVariable('b', { shape: [2], initializer: 'zeros' }));
    const auto2 = tf.variableScope('s', { reuse: 'auto' }, () => tf.getVariable('b', { shape: [2] }));
    assert.equal(auto1, auto2);
    expectTensor(auto1, [0, 0]);
    expectThrows(() => tf.variableScope('x', { reuse: 'yes' as never }, () => 0), /`reuse` must be true, false or 'auto'/);
    expectThrows(() => tf.getVariable('q'), /`shape` is required unless the initializer is a Tensor/);
  });
  it('initializers: default glorotUniform, tensor, number, object', () => {
    tf.resetVariableStore();
    const w = tf.getVariable('w_default', { shape: [100, 200] });
    const limit = Math.sqrt(6 / 300);
    assert.ok(Array.from(w.dataSync()).every((v) => Math.abs(v) <= limit));
    expectTensor(tf.getVariable('t', { initializer: tf.tensor([1, 2]) }), [1, 2]);
    expectTensor(tf.getVariable('c', { shape: [2], initializer: 0.5 }), [0.5, 0.5]);
    const h = tf.getVariable('h', { shape: [2, 2], initializer: tf.initializers.ones() });
    expectTensor(h, [1, 1, 1, 1]);
    const frozen = tf.getVariable('frozen', { shape: [1], initializer: 'zeros', trainable: false });
    assert.ok(!tf.trainableVariables().includes(frozen));
    assert.ok(tf.globalVariables().includes(frozen));
  });
  it('globalVariables lists optimizer slots in creation order (seed 002)', () => {
    tf.resetVariableStore();
    const v = tf.variableScope('net', () => tf.getVariable('kernel', { shape: [2], initializer: 'ones' }));
    const opt = tf.train.adam(0.1);
    opt.minimize(() => tf.sum(tf.square(v)), false, [v]);
    const names = tf.globalVariables().map((x) => x.name);
    const i = names.indexOf('net/kernel:0');
    assert.deepEqual(names.slice(i, i + 3), ['net/kernel:0', 'net/kernel/Adam:0', 'net/kernel/Adam_1:0']);
    assert.ok(!tf.trainableVariables().map((x) => x.name).includes('net/kernel/Adam:0'));
  });
});
