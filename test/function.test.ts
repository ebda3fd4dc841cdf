import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { tfFunction } from '../src/graph/function.ts';
import { train } from '../src/optimizers/index.ts';
import { expectTensor, expectThrows } from './util.ts';

describe('tf.function', () => {
  it('traces once per signature and replays with new inputs', () => {
    const f = tfFunction((x: tf.Tensor, k: number) => tf.mul(tf.add(x, 1), k));
    expectTensor(f(tf.tensor([1, 2]), 2), [4, 6]);
    expectTensor(f(tf.tensor([5, 6]), 2), [12, 14]);
    assert.equal(f.traceCount, 1);
    expectTensor(f(tf.tensor([1, 2, 3]), 2), [4, 6, 8]);
    expectTensor(f(tf.tensor([1, 2]), 3), [6, 9]);
    assert.equal(f.traceCount, 3);
  });
  it('signatures: tensors inside arrays and plain objects, strings, booleans, null vs undefined; functions rejected', () => {
    const f = tfFunction((o: { x: tf.Tensor; k: number; s: string; b: boolean; z: null | undefined }, xs: tf.Tensor[]) =>
      tf.add(tf.mul(o.x, o.k * (o.b ? 1 : -1) * (o.s === 'two' ? 2 : 1) * (o.z === null ? 1 : 10)), xs.reduce((p, q) => tf.add(p, q))));
    const one = tf.tensor([1, 2]);
    expectTensor(f({ x: tf.tensor([1, 2]), k: 3, s: 'one', b: true, z: null }, [one, one]), [5, 10]);
    expectTensor(f({ x: tf.tensor([2, 3]), k: 3, s: 'one', b: true, z: null }, [one, tf.tensor([0, 1])]), [7, 12]);
    assert.equal(f.traceCount, 2, 'one tensor passed twice, then two different ones: two signatures');
    expectTensor(f({ x: tf.tensor([3, 3]), k: 1, s: 'one', b: true, z: null }, [one, tf.tensor([5, 5])]), [9, 10]);
    assert.equal(f.traceCount, 3, 'a new k');
    expectTensor(f({ x: tf.tensor([3, 3]), k: 1, s: 'one', b: true, z: null }, [tf.tensor([1, 1]), tf.tensor([2, 2])]), [6, 6]);
    assert.equal(f.traceCount, 3, 'same signature: replayed with the new tensors');
    expectTensor(f({ x: tf.tensor([1, 2]), k: 3, s: 'two', b: true, z: null }, [one, one]), [8, 16]);
    expectTensor(f({ x: tf.tensor([1, 2]), k: 3, s: 'one', b: false, z: null }, [one, one]), [-1, -2]);
    expectTensor(f({ x: tf.tensor([1, 2]), k: 3, s: 'one', b: true, z: undefined }, [one, one]), [32, 64]);
    expectTensor(f({ x: tf.tensor([1, 2]), k: 3, s: 'one', b: true, z: null }, [one, one, one]), [6, 12]);
    assert.equal(f.traceCount, 7);
    expectThrows(() => f({ x: one, k: 1, s: '', b: true, z: null, g: () => 1 } as never, [one]), /tf.function: arguments must be tensors or plain values, received a function/);
  });
  it('reads variables at replay time and repeats assignments', () => {
    const v = tf.variable(tf.tensor([1]), true, 'counter');
    const step = tfFunction(() => {
      v.assignAdd(tf.tensor([1]));
      return tf.mul(v, 10);
    });
    expectTensor(step(), [20]);
    expectTensor(step(), [30]);
    expectTensor(step(), [40]);
    expectTensor(v, [4]);
    assert.equal(step.traceCount, 1);
  });
  it('random draws are new on each replay, in the eager sequence', () => {
    const g = tfFunction((x: tf.Tensor) => tf.dropout(x, 0.5, null, 9));
    tf.setSeed(4);
    const a = [g(tf.ones([16])), g(tf.ones([16])), g(tf.ones([16]))].map((t) => Array.from(t.dataSync()));
    tf.setSeed(4);
    const b = [0, 1, 2].map(() => Array.from(tf.dropout(tf.ones([16]), 0.5, null, 9).dataSync()));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a[0], a[1]);
  });
  it('a traced training step (gradients + Adam) is bit-identical to eager', () => {
    const run = (traced: boolean): number[] => {
      tf.setSeed(21);
      const x = tf.randomNormal([12, 4]);
      const y = tf.randomNormal([12, 1]);
      const w = tf.variable(tf.randomNormal([4, 1]), true, traced ? 'wt' : 'we');
      const opt = train.adam(0.05);
      const body = (xb: tf.Tensor, yb: tf.Tensor) => {
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tf.dropout(tf.matMul(xb, w), 0.2, null, 1), yb))));
        opt.applyGradients(grads);
        return value;
      };
      const step = traced ? tfFunction(body) : body;
      const losses: number[] = [];
      for (let i = 0; i < 12; i++) losses.push(step(x, y).dataSync()[0]!);
      if (traced) assert.equal((step as ReturnType<typeof tfFunction>).traceCount, 1);
      assert.equal(opt.iterations, 12);
      return losses;
    };
    const eager = run(false);
    assert.deepEqual(run(true), eager);
    assert.ok(eager[11]! < eager[0]!);
  });
  it('reading a traced value throws', () => {
    const f = tfFunction((x: tf.Tensor) => tf.add(x, tf.sum(x).dataSync()[0]!));
    expectThrows(() => f(tf.tensor([1])), /tf.function: cannot read the value of a tensor computed inside a traced function/);
  });
});
