import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { philoxBlock, mulhi32 } from '../src/random/philox.ts';
import { expectThrows } from './util.ts';

const hex = (a: Uint32Array) => Array.from(a, (x) => x.toString(16).padStart(8, '0')).join(' ');

describe('Philox-4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    const o = new Uint32Array(4);
    philoxBlock(0, 0, 0, 0, 0, 0, o);
    assert.equal(hex(o), '6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const F = 0xffffffff;
    philoxBlock(F, F, F, F, F, F, o);
    assert.equal(hex(o), '408f276d 41c83b0e a20bc7c6 6d5451fd');
    philoxBlock(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, o);
    assert.equal(hex(o), 'd16cfe09 94fdcceb 5001e420 24126ea1');
  });
  it('mulhi32 equals the BigInt product', () => {
    const cases = [[0xd2511f53, 0xffffffff], [0xcd9e8d57, 0x12345678], [1, 1], [0xffffffff, 0xffffffff], [0x80000000, 0x80000001]];
    for (const [a, b] of cases) assert.equal(mulhi32(a!, b!), Number((BigInt(a!) * BigInt(b!)) >> 32n));
  });
});

describe('seeds', () => {
  it('same global seed → same draws; each call new numbers', () => {
    tf.setSeed(42);
    const a1 = tf.randomUniform([5]).dataSync();
    const a2 = tf.randomUniform([5]).dataSync();
    tf.setSeed(42);
    assert.deepEqual(tf.randomUniform([5]).dataSync(), a1);
    assert.deepEqual(tf.randomUniform([5]).dataSync(), a2);
    assert.notDeepEqual(a1, a2);
  });
  it('op seed: deterministic, not constant; seed 0 is a seed', () => {
    tf.setSeed(1);
    const s1 = tf.randomNormal([4], 0, 1, 'float32', 0).dataSync();
    const s2 = tf.randomNormal([4], 0, 1, 'float32', 0).dataSync();
    assert.notDeepEqual(s1, s2);
    tf.setSeed(1);
    tf.randomUniform([3]); // an unseeded draw in between does not disturb the seeded sequence
    assert.deepEqual(tf.randomNormal([4], 0, 1, 'float32', 0).dataSync(), s1);
    assert.deepEqual(tf.randomNormal([4], 0, 1, 'float32', 0).dataSync(), s2);
    const other = tf.randomNormal([4], 0, 1, 'float32', 1).dataSync();
    assert.notDeepEqual(other, s1);
  });
  it('SeedGenerator owns its sequence', () => {
    const g1 = new tf.SeedGenerator(7);
    const g2 = new tf.SeedGenerator(7);
    const a = tf.randomUniform([3], 0, 1, 'float32', g1).dataSync();
    tf.randomUniform([3]);
    const b = tf.randomUniform([3], 0, 1, 'float32', g2).dataSync();
    assert.deepEqual(a, b);
    assert.notDeepEqual(tf.randomUniform([3], 0, 1, 'float32', g1).dataSync(), a);
    assert.equal(g1.state, 2);
  });
  it('draws do not depend on the backend', () => {
    tf.setSeed(3);
    const a = Array.from(tf.randomUniform([7]).dataSync());
    tf.ENGINE.setBackendSync('reference64');
    tf.setSeed(3);
    const b = Array.from(tf.randomUniform([7]).dataSync(), (x) => Math.fround(x));
    tf.ENGINE.setBackendSync('reference');
    assert.deepEqual(a, b);
  });
});

describe('random ops', () => {
  it('uniform range and moments', () => {
    tf.setSeed(5);
    const v = tf.randomUniform([20000], -2, 3).dataSync();
    let m = 0;
    for (const x of v) {
      assert.ok(x >= -2 && x < 3);
      m += x;
    }
    assert.ok(Math.abs(m / v.length - 0.5) < 0.05);
    const ints = tf.randomUniform([1000], 3, 7, 'int32').dataSync();
    assert.ok(ints.every((x) => x >= 3 && x < 7));
    assert.equal(new Set(ints).size, 4);
  });
  it('normal and truncated normal moments', () => {
    tf.setSeed(6);
    const v = tf.randomNormal([20000], 1, 2).dataSync();
    let m = 0, s = 0;
    for (const x of v) m += x;
    m /= v.length;
    for (const x of v) s += (x - m) ** 2;
    assert.ok(Math.abs(m - 1) < 0.05, `mean ${m}`);
    assert.ok(Math.abs(Math.sqrt(s / v.length) - 2) < 0.05);
    const t = tf.truncatedNormal([20000], 0, 1).dataSync();
    assert.ok(t.every((x) => Math.abs(x) <= 2));
    let ts = 0;
    for (const x of t) ts += x * x;
    // variance of a standard normal truncated to [-2, 2] is 0.7737
    assert.ok(Math.abs(ts / t.length - 0.7737) < 0.02, `var ${ts / t.length}`);
  });
  it('multinomial, bernoulli, permutation, shuffle', () => {
    tf.setSeed(8);
    const s = tf.multinomial(tf.tensor([[0, 0, 100]]), 50).dataSync();
    assert.ok(s.every((x) => x === 2));
    const p = tf.multinomial(tf.tensor([0.25, 0.75]), 4000, undefined, true).dataSync();
    const ones = Array.from(p).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(ones / 4000 - 0.75) < 0.03);
    const b = tf.bernoulli([10000], 0.3).dataSync();
    assert.ok(Math.abs(Array.from(b).reduce((x, y) => x + y, 0) / 10000 - 0.3) < 0.02);
    const perm = Array.from(tf.randomPermutation(10).dataSync()).sort((x, y) => x - y);
    assert.deepEqual(perm, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const sh = tf.randomShuffle(tf.tensor([[1, 1], [2, 2], [3, 3]])).arraySync() as number[][];
    assert.deepEqual(sh.map((r) => r[0]).sort(), [1, 2, 3]);
    assert.ok(sh.every((r) => r[0] === r[1]));
  });
  it('argument errors', () => {
    expectThrows(() => tf.randomUniform([2], 1, 0), /randomUniform: `maxval` must be greater than `minval`/);
    expectThrows(() => tf.randomNormal([2], 0, 1, 'float32', NaN), /randomNormal: `seed` must be a finite number/);
    expectThrows(() => tf.randomUniform([-1]), /randomUniform: `shape` must contain non-negative integers/);
  });
});

describe('dropout', () => {
  it('rate is the fraction dropped, kept units scaled by 1/(1-rate)', () => {
    tf.setSeed(9);
    const y = tf.dropout(tf.ones([10000]), 0.3).dataSync();
    let kept = 0;
    for (const v of y) {
      if (v !== 0) {
        kept++;
        assert.ok(Math.abs(v - 1 / 0.7) < 1e-6);
      }
    }
    assert.ok(Math.abs(kept / 10000 - 0.7) < 0.02, `kept ${kept / 10000}`);
  });
  it('seeded dropout: new mask each call, same sequence each run', () => {
    tf.setSeed(0);
    const m1 = tf.dropout(tf.ones([64]), 0.5, null, 11).dataSync();
    const m2 = tf.dropout(tf.ones([64]), 0.5, null, 11).dataSync();
    assert.notDeepEqual(m1, m2);
    tf.setSeed(0);
    assert.deepEqual(tf.dropout(tf.ones([64]), 0.5, null, 11).dataSync(), m1);
  });
  it('noiseShape shares the mask along size-1 axes; gradient is the mask', () => {
    const y = tf.dropout(tf.ones([4, 6]), 0.5, [4, 1]).arraySync() as number[][];
    for (const row of y) assert.ok(row.every((v) => v === row[0]));
    tf.setSeed(2);
    const x = tf.ones([50]);
    const g = tf.grad((t) => tf.sum(tf.dropout(t, 0.4, null, 3)))(x).dataSync();
    tf.setSeed(2);
    const fwd = tf.dropout(x, 0.4, null, 3).dataSync();
    assert.deepEqual(g, fwd);
  });
  it('tf.nn.dropout rejects keep probabilities and bad rates', () => {
    expectThrows(() => tf.nnDropout(tf.ones([2]), { keepProb: 0.7 } as never), /takes `rate` \(the fraction dropped\), not a keep probability/);
    expectThrows(() => tf.dropout(tf.ones([2]), 1), /dropout: `rate` is the fraction of units to drop and must be in \[0, 1\), received rate=1/);
    expectThrows(() => tf.dropout(tf.ones([2, 2]), 0.5, [3, 1]), /dropout: `noiseShape` must have x's rank/);
  });
});
