/**
 * Eager, graph (placeholders + Session) and traced (tf.function) execution of the same program
 * give bit-identical results: a small MLP with dropout and batch norm, 50 Adam steps.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';

interface Params {
  w1: tf.Variable;
  gamma: tf.Variable;
  beta: tf.Variable;
  movingMean: tf.Variable;
  movingVar: tf.Variable;
  w2: tf.Variable;
}

function makeParams(tag: string): Params {
  tf.setSeed(100);
  return {
    w1: tf.variable(tf.initializers.glorotUniform({ seed: 1 }).apply([6, 16]), true, `${tag}/w1`),
    gamma: tf.variable(tf.ones([16]), true, `${tag}/gamma`),
    beta: tf.variable(tf.zeros([16]), true, `${tag}/beta`),
    movingMean: tf.variable(tf.zeros([16]), false, `${tag}/moving_mean`),
    movingVar: tf.variable(tf.ones([16]), false, `${tag}/moving_variance`),
    w2: tf.variable(tf.initializers.glorotUniform({ seed: 2 }).apply([16, 3]), true, `${tag}/w2`),
  };
}

/** One training-mode forward pass: BN uses batch statistics and updates its moving averages. */
function loss(p: Params, x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const h = tf.matMul(x, p.w1);
  const { mean, variance } = tf.moments(h, [0]);
  p.movingMean.assign(tf.add(tf.mul(p.movingMean, 0.99), tf.mul(mean, 0.01)));
  p.movingVar.assign(tf.add(tf.mul(p.movingVar, 0.99), tf.mul(variance, 0.01)));
  const bn = tf.batchNorm(h, mean, variance, p.beta, p.gamma, 1e-3);
  const d = tf.dropout(tf.relu(bn), 0.3, null, 7);
  return tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: y, logits: tf.matMul(d, p.w2) }));
}

function data(step: number): { x: tf.Tensor; y: tf.Tensor } {
  tf.setSeed(1000 + step);
  const x = tf.randomNormal([8, 6]);
  const y = tf.oneHot(tf.randomUniform([8], 0, 3, 'int32'), 3).cast('float32');
  return { x, y };
}

const STEPS = 50;
const batches = Array.from({ length: STEPS }, (_, i) => data(i));

function snapshot(p: Params): number[][] {
  return [p.w1, p.movingMean, p.movingVar, p.w2].map((v) => Array.from(v.dataSync()));
}

describe('eager = graph = traced', () => {
  it('50 steps of an MLP with dropout and batch norm', () => {
    tf.enableEagerExecution();
    // eager hand loop
    const pe = makeParams('eager');
    const oe = tf.train.adam(0.01);
    tf.setSeed(5);
    const eager = batches.map(({ x, y }) => {
      const { value, grads } = tf.variableGrads(() => loss(pe, x, y));
      oe.applyGradients(grads);
      return value.dataSync()[0]!;
    });

    // traced
    const pt = makeParams('traced');
    const ot = tf.train.adam(0.01);
    const step = tf.function((x: tf.Tensor, y: tf.Tensor) => {
      const { value, grads } = tf.variableGrads(() => loss(pt, x, y));
      ot.applyGradients(grads);
      return value;
    });
    tf.setSeed(5);
    const traced = batches.map(({ x, y }) => step(x, y).dataSync()[0]!);
    assert.equal(step.traceCount, 1);

    // graph
    const pg = makeParams('graph');
    const og = tf.train.adam(0.01);
    tf.resetDefaultGraph();
    const x = tf.placeholder('float32', [null, 6], 'x');
    const y = tf.placeholder('float32', [null, 3], 'y');
    const l = loss(pg, x, y);
    const trainOp = og.minimize(l, false, [pg.w1, pg.gamma, pg.beta, pg.w2]);
    const sess = new tf.Session();
    tf.setSeed(5);
    const graphLosses = batches.map((b) => sess.run([l, trainOp], { x: b.x, y: b.y })[0].dataSync()[0]);
    tf.enableEagerExecution();

    assert.ok(eager[STEPS - 1]! < eager[0]!, 'it trains');
    assert.deepEqual(traced, eager);
    assert.deepEqual(graphLosses, eager);
    assert.deepEqual(snapshot(pt), snapshot(pe));
    assert.deepEqual(snapshot(pg), snapshot(pe));
    assert.notDeepEqual(snapshot(pe)[1], new Array(16).fill(0), 'moving mean was updated');
  });
});
