/**
 * Short runs of the seed examples (examples/seeds/seed000-tf.ts, examples/seeds/seed004-tf.ts) through their
 * exported `main(options)`: TF names of scoped variables and Adam slots, variable sharing by
 * `reuse`, the loss going down, accuracy well above chance (10%) after 30 steps, run-to-run
 * determinism, and seed 004's activation explosion under std-1 initial weights.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { main as seed000 } from '../examples/seeds/seed000-tf.ts';
import { main as seed004 } from '../examples/seeds/seed004-tf.ts';

const quiet = () => {};
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

describe('examples/seeds/seed000-tf.ts (short run)', () => {
  const r = seed000({ steps: 30, testLimit: 1000, log: quiet });

  it('names the scoped variables and Adam slots as TensorFlow does; reuse shares them', () => {
    const layers = ['VisibleLayer', 'HiddenLayer1', 'HiddenLayer2', 'HiddenLayer3', 'OutputLayer'];
    const model = layers.flatMap((l) => [`${l}/weights:0`, `${l}/bias:0`]);
    const slots = (k: string) => layers.flatMap((l) => [`${l}/weights/${k}:0`, `${l}/bias/${k}:0`]);
    // The evaluation network (variableScope with reuse: true) created nothing new.
    assert.deepEqual(r.trainableNames, model);
    assert.deepEqual([...r.variableNames].sort(), [...model, ...slots('Adam'), ...slots('Adam_1')].sort());
    assert.deepEqual(r.variableNames.slice(0, 10), model);
  });

  it('uses dropout rate = 1 − keep_prob and one epoch of TF1 read_data_sets', () => {
    assert.equal(r.dropoutRate, 1 - 0.7);
    assert.equal(r.stepsPerEpoch, 30);
    assert.equal(r.losses.length, 30);
  });

  it('trains: the loss goes down and test accuracy is far above chance', () => {
    assert.ok(r.losses.every(Number.isFinite));
    const first = mean(r.losses.slice(0, 5));
    const last = mean(r.losses.slice(-5));
    assert.ok(last < 0.8 * first, `loss: first 5 steps ${first}, last 5 steps ${last}`);
    assert.ok(r.testAccuracy > 0.3, `test accuracy ${r.testAccuracy}`);
    assert.ok(Number.isFinite(r.testLoss));
  });

  it('repeats bit for bit (setSeed(0), seeded nextBatch order)', () => {
    const again = seed000({ steps: 3, testLimit: 100, log: quiet });
    assert.deepEqual(again.losses, r.losses.slice(0, 3));
  });
});

describe('examples/seeds/seed004-tf.ts (short runs)', () => {
  it('std-1 weights blow up activations by ~8x per layer; the net barely learns', () => {
    const r = seed004({ init: 'normal', hidden: 5, steps: 10, testLimit: 1000, log: quiet });
    const s = r.initPreactivationStd;
    assert.equal(s.length, 6);
    assert.ok(s[0]! > 7 && s[0]! < 11, `layer 0 std ${s[0]}`);
    for (let i = 1; i < s.length; i++) assert.ok(s[i]! / s[i - 1]! > 5, `std ratio at layer ${i}: ${s[i]! / s[i - 1]!}`);
    assert.ok(r.testLoss[0]! > 1000, `test loss ${r.testLoss[0]}`);
    const model = [0, 1, 2, 3, 4].flatMap((i) => [`W_layer_${i}`, `b_layer_${i}`]).concat(['W_out', 'b_out']);
    assert.deepEqual(r.variableNames.slice(0, 12), model);
    assert.equal(r.variableNames.length, 36); // + Adam's m and v per variable
  });

  it('glorot-uniform weights keep activations of order 1 and learn quickly', () => {
    const r = seed004({ init: 'glorot', hidden: 2, steps: 30, testLimit: 1000, log: quiet });
    assert.ok(r.initPreactivationStd.every((v) => v > 0.05 && v < 1), `stds ${r.initPreactivationStd}`);
    assert.ok(mean(r.losses.slice(-5)) < 0.6 * mean(r.losses.slice(0, 5)));
    assert.ok(r.testAccuracy[0]! > 0.6, `test accuracy ${r.testAccuracy[0]}`);
  });
});
