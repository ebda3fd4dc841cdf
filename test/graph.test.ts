import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import * as graph from '../src/graph/graph.ts';
import { expectTensor, expectThrows } from './util.ts';

/** Plain SGD for these tests (the optimizers module has its own suite). */
function sgd(lr: number): graph.GradientApplier {
  return {
    applyGradients(grads) {
      for (const [g, v] of grads) v.assign(tf.sub(v, tf.mul(g, lr)));
    },
  };
}

describe('graph mode', () => {
  it('placeholders, shape inference with unknown dims, session.run', () => {
    graph.resetDefaultGraph();
    const x = graph.placeholder('float32', [null, 3], 'x');
    const w = tf.tensor([[1], [2], [3]]);
    const y = tf.matMul(x, w);
    assert.ok(y instanceof graph.SymbolicTensor);
    assert.deepEqual(y.shape, [-1, 1]);
    const m = tf.mean(y);
    assert.deepEqual(m.shape, []);
    const s = new graph.Session();
    const [yv, mv] = s.run([y, m], { x: [[1, 1, 1], [0, 0, 1]] });
    expectTensor(yv, [6, 3], [2, 1]);
    expectTensor(mv, [4.5], []);
    const r = s.run({ out: m }, new Map([[x, tf.tensor([[1, 0, 0]])]]));
    expectTensor(r.out, [1]);
    expectThrows(() => s.run(m), /Session.run: the fetches need placeholder 'x' \(shape \[\?,3\], float32\), which was not fed/);
    expectThrows(() => s.run(m, { x: [[1, 2]] }), /placeholder 'x' has shape \[\?,3\], fed \[1,2\]/);
    expectThrows(() => s.run(m, { nope: [[1, 2, 3]] }), /feedDict names 'nope', which is not a placeholder/);
    expectThrows(() => y.dataSync(), /is symbolic \(graph mode\) and has no value/);
    expectThrows(() => tf.matMul(x, tf.ones([4, 1])), /matMul: inner dimensions must match/);
  });

  it('placeholderWithDefault and graph JSON', () => {
    graph.resetDefaultGraph();
    const k = graph.placeholderWithDefault(2, [], 'k');
    const z = tf.mul(k, 5);
    const s = new graph.Session();
    expectTensor(s.run(z), [10]);
    expectTensor(s.run(z, { k: 3 }), [15]);
    const j = graph.getDefaultGraph().toJSON();
    assert.deepEqual(j.nodes.map((n) => n.op), ['mul']);
    assert.deepEqual(j.nodes[0]!.inputs, ['k']);
  });

  it('random ops draw new values each run, in the eager sequence', () => {
    graph.resetDefaultGraph();
    const x = graph.placeholder('float32', [4], 'x');
    const d = tf.dropout(x, 0.5, null, 3);
    const s = new graph.Session();
    tf.setSeed(1);
    const a = s.run(d, { x: [1, 1, 1, 1] }).dataSync();
    const b = s.run(d, { x: [1, 1, 1, 1] }).dataSync();
    tf.setSeed(1);
    assert.deepEqual(tf.dropout(tf.ones([4]), 0.5, null, 3).dataSync(), a);
    assert.deepEqual(tf.dropout(tf.ones([4]), 0.5, null, 3).dataSync(), b);
  });

  it('a stateful update runs whenever its computation runs (no UPDATE_OPS)', () => {
    graph.resetDefaultGraph();
    const x = graph.placeholder('float32', [null, 2], 'x');
    const moving = tf.variable(tf.zeros([2]), false, 'moving_mean');
    const { mean } = tf.moments(x, [0]);
    moving.assign(tf.add(tf.mul(moving, 0.9), tf.mul(mean, 0.1)));
    const out = tf.sub(x, mean);
    const s = new graph.Session();
    s.run(out, { x: [[1, 2], [3, 4]] });
    expectTensor(moving, [0.2, 0.3]);
    s.run(out, { x: [[1, 2], [3, 4]] });
    expectTensor(moving, [0.38, 0.57]);
    const other = tf.mul(graph.placeholder('float32', [1], 'unrelated'), 2);
    s.run(other, { unrelated: [1] });
    expectTensor(moving, [0.38, 0.57]);
  });

  it('graph training is bit-identical to the eager hand loop', () => {
    const data = () => {
      tf.setSeed(11);
      return { xs: tf.randomNormal([16, 5]), ys: tf.randomNormal([16, 1]) };
    };
    const init = () => {
      tf.setSeed(12);
      return [tf.variable(tf.randomNormal([5, 8], 0, 0.5), true, 'w1'), tf.variable(tf.randomNormal([8, 1], 0, 0.5), true, 'w2')] as const;
    };
    const model = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, y: tf.Tensor) =>
      tf.mean(tf.square(tf.sub(tf.matMul(tf.dropout(tf.relu(tf.matMul(x, w1)), 0.25, null, 5), w2), y)));

    graph.enableEagerExecution();
    const { xs, ys } = data();
    let [w1, w2] = init();
    tf.setSeed(13);
    const eager: number[] = [];
    const opt = sgd(0.05);
    for (let i = 0; i < 15; i++) {
      const { value, grads } = tf.variableGrads(() => model(xs, w1, w2, ys));
      opt.applyGradients([[grads['w1']!, w1], [grads['w2']!, w2]]);
      eager.push(value.dataSync()[0]!);
    }
    const eagerW = w1.dataSync();
    w1.dispose();
    w2.dispose();

    graph.resetDefaultGraph();
    graph.disableEagerExecution();
    [w1, w2] = init();
    const x = graph.placeholder('float32', [null, 5], 'x');
    const y = graph.placeholder('float32', [null, 1], 'y');
    const loss = model(x, w1, w2, y);
    const train = graph.minimizeNode(sgd(0.05), loss as graph.SymbolicTensor);
    const s = new graph.Session();
    tf.setSeed(13);
    const graphLosses: number[] = [];
    for (let i = 0; i < 15; i++) graphLosses.push(s.run([loss, train], { x: xs, y: ys })[0].dataSync()[0]);
    assert.deepEqual(graphLosses, eager);
    assert.deepEqual(w1.dataSync(), eagerW);
    assert.ok(eager[14]! < eager[0]!);
    w1.dispose();
    w2.dispose();
  });
});
