/**
 * Optimizers: 3 steps of every optimizer against (a) float64 computations written here from
 * the published Keras 3 update rules, independently of src/optimizers, and (b) PyTorch 1.13
 * (test/fixtures/optimizers.json, from make_optimizer_fixtures.py) where its rule coincides.
 * Also slot names, iterations, getWeights/setWeights, schedules, minimize, configs, errors.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '../src/index.ts';
import {
  train,
  Optimizer,
  SGD,
  Adam,
  AdamW,
  Adamax,
  Adagrad,
  Adadelta,
  RMSprop,
  exponentialDecay,
  inverseTimeDecay,
  piecewiseConstantDecay,
  polynomialDecay,
  cosineDecay,
  cosineDecayRestarts,
  deserializeSchedule,
  deserializeOptimizer,
  getOptimizer,
  LearningRateSchedule,
} from '../src/optimizers/index.ts';
import { close, expectThrows } from './util.ts';

const FIX = JSON.parse(readFileSync(new URL('./fixtures/optimizers.json', import.meta.url), 'utf8'));
const P0: number[] = FIX.p0;
const GRADS: number[][] = FIX.grads;

let counter = 0;
const fresh = (values = P0, name?: string): tf.Variable => tf.variable(tf.tensor(values, [values.length], 'float32'), true, name ?? `opt_test_${counter++}`);

type Opts = Record<string, unknown> & { kind: string };
function make(o: Opts): Optimizer {
  const { kind, ...rest } = o;
  switch (kind) {
    case 'sgd':
      return new SGD(rest);
    case 'adam':
      return new Adam(rest);
    case 'adamw':
      return new AdamW(rest);
    case 'adamax':
      return new Adamax(rest);
    case 'adagrad':
      return new Adagrad(rest);
    case 'adadelta':
      return new Adadelta(rest);
    case 'rmsprop':
      return new RMSprop(rest);
  }
  throw new Error(kind);
}

/** Applies GRADS (3 steps) and returns the variable after each. */
function runFixed(opt: Optimizer, v = fresh()): number[][] {
  return GRADS.map((g) => {
    opt.applyGradients([[tf.tensor(g, [g.length], 'float32'), v]]);
    return Array.from(v.dataSync());
  });
}

// ---------------------------------------------------------------- float64 reference rules
// Each takes the initial parameters and the gradient sequence and returns the parameters after
// each step, element by element in plain JS numbers (float64).
type Rule = (p0: number[], grads: number[][]) => number[][];
function elementwise(init: (n: number) => Record<string, number[]>, step: (i: number, p: number, g: number, s: Record<string, number[]>, t: number) => number): Rule {
  return (p0, grads) => {
    const p = [...p0];
    const s = init(p.length);
    return grads.map((g, k) => {
      for (let i = 0; i < p.length; i++) p[i] = step(i, p[i]!, g[i]!, s, k + 1);
      return [...p];
    });
  };
}
const zeros = (n: number) => new Array<number>(n).fill(0);

const ref = {
  sgd: (lr: number, wd = 0): Rule => elementwise(() => ({}), (_i, p, g) => p - p * wd * lr - lr * g),
  momentum: (lr: number, mu: number, nesterov: boolean): Rule =>
    elementwise(
      (n) => ({ m: zeros(n) }),
      (i, p, g, s) => {
        const m = mu * s.m![i]! - lr * g;
        s.m![i] = m;
        return nesterov ? p + mu * m - lr * g : p + m;
      },
    ),
  adam: (lr: number, b1: number, b2: number, eps: number, amsgrad = false, wd = 0): Rule =>
    elementwise(
      (n) => ({ m: zeros(n), v: zeros(n), vh: zeros(n) }),
      (i, p0, g, s, t) => {
        const p = p0 - p0 * wd * lr; // decoupled weight decay first
        const m = b1 * s.m![i]! + (1 - b1) * g;
        const v = b2 * s.v![i]! + (1 - b2) * g * g;
        s.m![i] = m;
        s.v![i] = v;
        let vUse = v;
        if (amsgrad) vUse = s.vh![i] = Math.max(s.vh![i]!, v);
        const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
        return p - (alpha * m) / (Math.sqrt(vUse) + eps);
      },
    ),
  adamax: (lr: number, b1: number, b2: number, eps: number): Rule =>
    elementwise(
      (n) => ({ m: zeros(n), u: zeros(n) }),
      (i, p, g, s, t) => {
        const m = (s.m![i] = b1 * s.m![i]! + (1 - b1) * g);
        const u = (s.u![i] = Math.max(b2 * s.u![i]!, Math.abs(g)));
        return p - (lr * m) / ((1 - b1 ** t) * (u + eps));
      },
    ),
  adagrad: (lr: number, init: number, eps: number): Rule =>
    elementwise(
      (n) => ({ a: new Array<number>(n).fill(init) }),
      (i, p, g, s) => {
        const a = (s.a![i] = s.a![i]! + g * g);
        return p - (lr * g) / Math.sqrt(a + eps);
      },
    ),
  adadelta: (lr: number, rho: number, eps: number): Rule =>
    elementwise(
      (n) => ({ eg: zeros(n), ex: zeros(n) }),
      (i, p, g, s) => {
        const eg = (s.eg![i] = rho * s.eg![i]! + (1 - rho) * g * g);
        const delta = (-Math.sqrt(s.ex![i]! + eps) * g) / Math.sqrt(eg + eps);
        s.ex![i] = rho * s.ex![i]! + (1 - rho) * delta * delta;
        return p + lr * delta;
      },
    ),
  rmsprop: (lr: number, rho: number, eps: number, mu = 0, centered = false): Rule =>
    elementwise(
      (n) => ({ v: zeros(n), mg: zeros(n), mom: zeros(n) }),
      (i, p, g, s) => {
        const v = (s.v![i] = rho * s.v![i]! + (1 - rho) * g * g);
        let d = v + eps;
        if (centered) {
          const mg = (s.mg![i] = rho * s.mg![i]! + (1 - rho) * g);
          d = v - mg * mg + eps;
        }
        const inc = (lr * g) / Math.sqrt(d);
        if (mu > 0) {
          const mom = (s.mom![i] = mu * s.mom![i]! + inc);
          return p - mom;
        }
        return p - inc;
      },
    ),
};

function expectSteps(actual: number[][], expected: number[][], tol: number, msg: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, k) => close(a, expected[k]!, tol, `${msg} step ${k + 1}`));
}

describe('optimizers', () => {
  before(() => tf.ENGINE.setBackendSync('reference64'));
  after(() => tf.ENGINE.setBackendSync('reference'));

  describe('3 steps against the Keras 3 rules computed here in float64', () => {
    const cases: [string, () => Optimizer, Rule][] = [
      ['sgd', () => new SGD({ learningRate: 0.1 }), ref.sgd(0.1)],
      ['sgd + weight decay', () => new SGD({ learningRate: 0.1, weightDecay: 0.2 }), ref.sgd(0.1, 0.2)],
      ['momentum', () => train.momentum(0.1, 0.8), ref.momentum(0.1, 0.8, false)],
      ['nesterov', () => train.momentum(0.1, 0.8, true), ref.momentum(0.1, 0.8, true)],
      ['adam', () => train.adam(0.1, 0.8, 0.9, 0.1), ref.adam(0.1, 0.8, 0.9, 0.1)],
      ['adam amsgrad', () => train.adam(0.1, 0.8, 0.9, 0.1, true), ref.adam(0.1, 0.8, 0.9, 0.1, true)],
      ['adamw', () => train.adamw(0.1, 0.05, 0.8, 0.9, 0.1), ref.adam(0.1, 0.8, 0.9, 0.1, false, 0.05)],
      ['adamw amsgrad', () => new AdamW({ learningRate: 0.1, weightDecay: 0.05, beta1: 0.8, beta2: 0.9, epsilon: 0.1, amsgrad: true }), ref.adam(0.1, 0.8, 0.9, 0.1, true, 0.05)],
      ['adamax', () => train.adamax(0.1, 0.8, 0.9, 0.1), ref.adamax(0.1, 0.8, 0.9, 0.1)],
      ['adagrad', () => train.adagrad(0.1, 0.2, 0.1), ref.adagrad(0.1, 0.2, 0.1)],
      ['adadelta', () => train.adadelta(0.5, 0.8, 0.1), ref.adadelta(0.5, 0.8, 0.1)],
      ['rmsprop', () => train.rmsprop(0.01, 0.8, 0, 0.1), ref.rmsprop(0.01, 0.8, 0.1)],
      ['rmsprop momentum', () => train.rmsprop(0.01, 0.8, 0.7, 0.1), ref.rmsprop(0.01, 0.8, 0.1, 0.7)],
      ['rmsprop centered', () => train.rmsprop(0.01, 0.8, 0, 0.1, true), ref.rmsprop(0.01, 0.8, 0.1, 0, true)],
      ['rmsprop centered momentum', () => train.rmsprop(0.01, 0.8, 0.7, 0.1, true), ref.rmsprop(0.01, 0.8, 0.1, 0.7, true)],
    ];
    for (const [name, mk, rule] of cases) {
      it(name, () => expectSteps(runFixed(mk()), rule(P0, GRADS), 1e-12, name));
    }
    it('on the float32 backend the same rules hold to float32 precision', () => {
      tf.ENGINE.setBackendSync('reference');
      try {
        expectSteps(runFixed(train.adam(0.1, 0.8, 0.9, 0.1, true)), ref.adam(0.1, 0.8, 0.9, 0.1, true)(P0, GRADS), 2e-6, 'adam f32');
        expectSteps(runFixed(train.rmsprop(0.01, 0.8, 0.7, 0.1, true)), ref.rmsprop(0.01, 0.8, 0.1, 0.7, true)(P0, GRADS), 2e-6, 'rmsprop f32');
      } finally {
        tf.ENGINE.setBackendSync('reference64');
      }
    });
    it('ε sits outside √v of the uncorrected v (Keras), not on the bias-corrected root (TF.js)', () => {
      // One Adam step with g = 1, β₂ = 0.9, ε = 0.1, lr = 1, β₁ = 0: v = 0.1, α = √0.1.
      // Keras: √0.1·1/(√0.1 + 0.1) = 0.759746926647958; TF.js would give 1/(1 + 0.1) = 0.909….
      const v = fresh([0]);
      new Adam({ learningRate: 1, beta1: 0, beta2: 0.9, epsilon: 0.1 }).applyGradients([[tf.tensor([1], [1], 'float32'), v]]);
      close(v.dataSync(), [-Math.sqrt(0.1) / (Math.sqrt(0.1) + 0.1)], 1e-14);
      close(v.dataSync(), [-0.759746926647958], 1e-14);
    });
  });

  describe('3 steps against PyTorch 1.13 (fixture)', () => {
    for (const [name, c] of Object.entries(FIX.fixed as Record<string, { opt: Opts; steps: number[][] }>)) {
      it(name, () => expectSteps(runFixed(make(c.opt)), c.steps, 1e-12, name));
    }
    const L = FIX.loss;
    const lossOf = (v: tf.Variable) => () => {
      const c = tf.tensor(L.c, [5], 'float32');
      const t = tf.tensor(L.t, [5], 'float32');
      const d = tf.sub(v, t);
      return tf.add(tf.sum(tf.mul(c, tf.mul(d, d))), tf.mul(tf.sum(tf.mul(v, tf.mul(v, v))), L.cubic));
    };
    for (const [name, c] of Object.entries(FIX.minimize as Record<string, { opt: Opts; steps: number[][]; costs: number[] }>)) {
      it(`minimize: ${name}`, () => {
        const v = fresh();
        const opt = make(c.opt);
        c.steps.forEach((expected, k) => {
          const cost = opt.minimize(lossOf(v), true, [v])!;
          close(cost.dataSync(), [c.costs[k]!], 1e-12, `${name} cost ${k}`);
          close(v.dataSync(), expected, 1e-12, `${name} step ${k}`);
        });
      });
    }
  });

  describe('gradient clipping and loss scaling (Keras base optimizer)', () => {
    const g1 = [3, 4]; // ‖g1‖ = 5
    const g2 = [0, 12]; // ‖g2‖ = 12, global norm 13
    const twoSteps = (opt: Optimizer) => {
      const a = fresh([0, 0]);
      const b = fresh([0, 0]);
      opt.applyGradients([
        [tf.tensor(g1, [2], 'float32'), a],
        [tf.tensor(g2, [2], 'float32'), b],
      ]);
      return [...a.dataSync(), ...b.dataSync()];
    };
    it('clipnorm: each gradient scaled to norm ≤ c', () => close(twoSteps(new SGD({ learningRate: 1, clipnorm: 6 })), [-3, -4, 0, -6], 1e-14));
    it('globalClipnorm: all scaled by c/max(‖all‖, c)', () => close(twoSteps(new SGD({ learningRate: 1, globalClipnorm: 6.5 })), [-1.5, -2, 0, -6], 1e-14));
    it('clipvalue', () => close(twoSteps(new SGD({ learningRate: 1, clipvalue: 3.5 })), [-3, -3.5, 0, -3.5], 1e-14));
    it('lossScaleFactor divides the gradients', () => close(twoSteps(new SGD({ learningRate: 1, lossScaleFactor: 4 })), [-0.75, -1, 0, -3], 1e-14));
    it('only one clipping option', () => expectThrows(() => new SGD({ clipnorm: 1, clipvalue: 1 }), /Only one of `clipnorm`, `clipvalue` and `globalClipnorm`/));
  });

  describe('slots', () => {
    it('TF names, created lazily, non-trainable; getSlot by TF or Keras name', () => {
      const v = fresh([1, 2], 'dense_1/kernel:0');
      const opt = train.adam(0.1, 0.9, 0.999, 1e-7, true);
      assert.deepEqual(opt.getSlotNames(), ['m', 'v', 'vhat']);
      assert.equal(opt.getSlot(v, 'm'), null);
      opt.applyGradients([[tf.tensor([1, -1], [2], 'float32'), v]]);
      const m = opt.getSlot(v, 'm')!;
      assert.equal(m.name, 'dense_1/kernel/Adam:0');
      assert.equal(opt.getSlot(v, 'velocity')!.name, 'dense_1/kernel/Adam_1:0');
      assert.equal(opt.getSlot(v, 'vhat')!.name, 'dense_1/kernel/Adam_2:0');
      assert.equal(m.trainable, false);
      close(m.dataSync(), [0.1, -0.1], 1e-15);
      close(opt.getSlot(v, 'v')!.dataSync(), [0.001, 0.001], 1e-15);
      expectThrows(() => opt.getSlot(v, 'nope'), /getSlot: Adam has no slot 'nope'/);
    });
    it('names per optimizer', () => {
      const names = (opt: Optimizer) => {
        const v = fresh([1, 2], 'w');
        opt.applyGradients([[tf.tensor([1, 1], [2], 'float32'), v]]);
        return opt.getWeights().slice(1).map((w) => w.name);
      };
      assert.deepEqual(names(train.sgd(0.1)), []);
      assert.deepEqual(names(train.momentum(0.1, 0.9)), ['w/Momentum']);
      assert.deepEqual(names(train.adam()), ['w/Adam', 'w/Adam_1']);
      assert.deepEqual(names(train.adamw()), ['w/AdamW', 'w/AdamW_1']);
      assert.deepEqual(names(train.adamax()), ['w/Adamax', 'w/Adamax_1']);
      assert.deepEqual(names(train.adagrad()), ['w/Adagrad']);
      assert.deepEqual(names(train.adadelta()), ['w/Adadelta', 'w/Adadelta_1']);
      assert.deepEqual(names(train.rmsprop()), ['w/RMSProp']);
      assert.deepEqual(names(train.rmsprop(0.001, 0.9, 0.5)), ['w/RMSProp', 'w/RMSProp_2']);
      assert.deepEqual(names(train.rmsprop(0.001, 0.9, 0.5, 1e-7, true)), ['w/RMSProp', 'w/RMSProp_1', 'w/RMSProp_2']);
      assert.deepEqual(new RMSprop({ momentum: 0.5, centered: true }).getSlotNames(), ['rms', 'mg', 'momentum']);
      assert.deepEqual(new Adadelta().getSlotNames(), ['accum', 'accum_update']);
    });
    it('Adagrad accumulator starts at initialAccumulatorValue', () => {
      const v = fresh([1]);
      const opt = train.adagrad(0.1, 0.3);
      opt.applyGradients([[tf.tensor([2], [1], 'float32'), v]]);
      close(opt.getSlot(v, 'accumulator')!.dataSync(), [4.3], 1e-14);
    });
    it('slots of several variables are created kind by kind (getWeights order)', () => {
      const a = fresh([1], 'a');
      const b = fresh([1, 2], 'b');
      const opt = train.adam();
      opt.applyGradients({ a: tf.tensor([1], [1], 'float32'), b: tf.tensor([1, 1], [2], 'float32') });
      assert.deepEqual(
        opt.getWeights().map((w) => w.name),
        ['iter', 'a/Adam', 'b/Adam', 'a/Adam_1', 'b/Adam_1'],
      );
    });
  });

  describe('iterations, getWeights / setWeights', () => {
    it('iterations counts applyGradients calls and drives bias correction', () => {
      const opt = train.adam(0.1);
      assert.equal(opt.iterations, 0);
      runFixed(opt);
      assert.equal(opt.iterations, 3);
      const [iter] = opt.getWeights();
      assert.equal(iter!.name, 'iter');
      assert.equal(iter!.tensor.dtype, 'int32');
      assert.deepEqual(Array.from(iter!.tensor.dataSync()), [3]);
    });
    for (const mk of [() => train.adam(0.1, 0.8, 0.9, 0.1, true), () => train.rmsprop(0.01, 0.8, 0.7, 0.1, true), () => train.adadelta(0.5, 0.8, 0.1), () => train.momentum(0.1, 0.8, true)]) {
      it(`resuming from getWeights gives identical results (${mk().className})`, () => {
        const name = `resume_${counter++}`;
        const v1 = fresh(P0, name);
        const o1 = mk();
        o1.applyGradients([[tf.tensor(GRADS[0]!, [5], 'float32'), v1]]);
        o1.applyGradients([[tf.tensor(GRADS[1]!, [5], 'float32'), v1]]);
        const saved = o1.getWeights();
        const savedVar = Array.from(v1.dataSync());
        o1.applyGradients([[tf.tensor(GRADS[2]!, [5], 'float32'), v1]]);
        // Snapshots: later steps do not change what getWeights returned.
        assert.notDeepEqual(Array.from(saved[1]!.tensor.dataSync()), Array.from(o1.getWeights()[1]!.tensor.dataSync()));
        // A fresh optimizer on a fresh variable of the same name, restored from the snapshot.
        v1.dispose();
        const v2 = fresh(savedVar, name);
        const o2 = mk();
        o2.setWeights(saved);
        assert.equal(o2.iterations, 2);
        assert.deepEqual(
          o2.getWeights().map((w) => w.name),
          saved.map((w) => w.name),
        );
        o2.applyGradients([[tf.tensor(GRADS[2]!, [5], 'float32'), v2]]);
        const expected = runFixed(mk(), fresh())[2]!;
        assert.deepEqual(Array.from(v2.dataSync()), expected);
      });
    }
    it('setWeights on a built optimizer assigns existing slots', () => {
      const v = fresh([1, 2], 'sw_built');
      const opt = train.momentum(0.1, 0.5);
      opt.applyGradients([[tf.tensor([1, 1], [2], 'float32'), v]]);
      opt.setWeights([
        { name: 'iter', tensor: tf.scalar(7, 'int32') },
        { name: 'sw_built/Momentum', tensor: tf.tensor([10, 20], [2], 'float32') },
      ]);
      assert.equal(opt.iterations, 7);
      close(opt.getSlot(v, 'momentum')!.dataSync(), [10, 20], 0);
    });
    it('setWeights errors', () => {
      fresh([1, 2], 'sw_err');
      const opt = train.adam();
      expectThrows(() => opt.setWeights([{ name: 'iter', tensor: tf.scalar(1, 'int32') }, { name: 'sw_err/Momentum', tensor: tf.tensor([1, 2], [2], 'float32') }]), /setWeights: unknown weight 'sw_err\/Momentum' for Adam/);
      expectThrows(() => opt.setWeights([{ name: 'iter', tensor: tf.scalar(1, 'int32') }, { name: 'sw_err/Adam_2', tensor: tf.tensor([1, 2], [2], 'float32') }]), /unknown weight 'sw_err\/Adam_2'/);
      expectThrows(() => opt.setWeights([{ name: 'iter', tensor: tf.scalar(1, 'int32') }, { name: 'nobody/Adam', tensor: tf.tensor([1, 2], [2], 'float32') }]), /no live variable is named 'nobody'/);
      expectThrows(() => opt.setWeights([{ name: 'iter', tensor: tf.scalar(1, 'int32') }, { name: 'sw_err/Adam', tensor: tf.tensor([1, 2, 3], [3], 'float32') }]), /must be float32 \[2\] like 'sw_err', received float32 \[3\]/);
      expectThrows(() => opt.setWeights([{ name: 'iter', tensor: tf.scalar(-1, 'int32') }]), /iteration count must be an integer >= 0, received -1/);
      assert.equal(opt.iterations, 0);
    });
  });

  describe('learning-rate schedules', () => {
    it('exponentialDecay (continuous and staircase)', () => {
      const s = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
      close([0, 5, 10, 25].map((k) => s(k)), [0.1, 0.1 * Math.SQRT1_2, 0.05, 0.1 * 0.5 ** 2.5], 1e-15);
      const st = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
      close([0, 9, 10, 25].map((k) => st(k)), [0.1, 0.1, 0.05, 0.025], 1e-15);
      assert.deepEqual(st.getConfig(), { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: true, name: 'ExponentialDecay' });
    });
    it('inverseTimeDecay', () => {
      const s = inverseTimeDecay({ initialLearningRate: 1, decaySteps: 2, decayRate: 0.5 });
      close([0, 1, 4].map((k) => s(k)), [1, 1 / 1.25, 1 / 2], 1e-15);
    });
    it('piecewiseConstantDecay: values[i] for b(i−1) < step ≤ b(i)', () => {
      const s = piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
      assert.deepEqual([0, 10, 11, 20, 21, 1000].map((k) => s(k)), [1, 1, 0.5, 0.5, 0.1, 0.1]);
      expectThrows(() => piecewiseConstantDecay({ boundaries: [1, 2], values: [1, 2] }), /length of boundaries should be 1 less than the length of values/);
    });
    it('polynomialDecay (with and without cycle)', () => {
      const s = polynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01, power: 2 });
      close([0, 5, 10, 20].map((k) => s(k)), [0.1, 0.09 * 0.25 + 0.01, 0.01, 0.01], 1e-15);
      const c = polynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, cycle: true });
      // step 15: decaySteps becomes 20, p = 0.75; default end 1e-4, power 1.
      close([0, 10, 15].map((k) => c(k)), [0.1, 1e-4, (0.1 - 1e-4) * 0.25 + 1e-4], 1e-15);
    });
    it('cosineDecay, with alpha and with warmup', () => {
      const s = cosineDecay({ initialLearningRate: 1, decaySteps: 10, alpha: 0.1 });
      close([0, 5, 10, 15].map((k) => s(k)), [1, 0.9 * 0.5 + 0.1, 0.1, 0.1], 1e-15);
      const w = cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 2, warmupSteps: 4 });
      close([0, 1, 4, 9, 14, 100].map((k) => w(k)), [0, 0.5, 2, 1, 0, 0], 1e-15);
    });
    it('cosineDecayRestarts (SGDR)', () => {
      const s = cosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, tMul: 2, mMul: 0.5, alpha: 0 });
      // Periods [0,10), [10,30), [30,70); peaks 1, 0.5, 0.25.
      close([0, 5, 10, 20, 30, 50].map((k) => s(k)), [1, 0.5, 0.5, 0.25, 0.25, 0.125], 1e-12);
      const r = cosineDecayRestarts({ initialLearningRate: 2, firstDecaySteps: 4, tMul: 1, alpha: 0.5 });
      close([0, 2, 4, 6].map((k) => r(k)), [2, 2 * (0.5 * 0.5 + 0.5), 2, 1.5], 1e-12);
    });
    it('serialize / deserialize round trip', () => {
      for (const s of [
        exponentialDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.9, staircase: true }),
        piecewiseConstantDecay({ boundaries: [2], values: [0.1, 0.01] }),
        polynomialDecay({ initialLearningRate: 0.1, decaySteps: 3, cycle: true }),
        cosineDecay({ initialLearningRate: 0.1, decaySteps: 3, warmupTarget: 0.2, warmupSteps: 2 }),
        cosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 3 }),
      ]) {
        const d = deserializeSchedule(JSON.parse(JSON.stringify(s.serialize())));
        assert.ok(d instanceof LearningRateSchedule);
        assert.deepEqual(d.getConfig(), s.getConfig());
        assert.deepEqual([0, 1, 2, 5, 9].map((k) => d(k)), [0, 1, 2, 5, 9].map((k) => s(k)));
      }
      expectThrows(() => deserializeSchedule({ class_name: 'ExponentialDecay', config: { initial_learning_rate: 1, decay_steps: 1, decay_rate: 1, bogus: 1 } }), /unknown config key 'bogus'/);
      expectThrows(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }), /Argument `decaySteps` must be > 0. Received: decaySteps=0/);
    });
    it('an optimizer evaluates its schedule at `iterations` before incrementing', () => {
      const s = piecewiseConstantDecay({ boundaries: [0, 1], values: [0.5, 0.2, 0.1] });
      const v = fresh([0]);
      const opt = train.sgd(s);
      const seen: number[] = [];
      for (let k = 0; k < 3; k++) {
        seen.push(opt.currentLearningRate());
        opt.applyGradients([[tf.tensor([1], [1], 'float32'), v]]);
      }
      assert.deepEqual(seen, [0.5, 0.2, 0.1]);
      close(v.dataSync(), [-0.8], 1e-15);
    });
    it('every optimizer accepts a schedule (Adam with exponentialDecay matches the rule step by step)', () => {
      const s = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
      const v = fresh();
      const opt = new Adam({ learningRate: s, beta1: 0.8, beta2: 0.9, epsilon: 0.1 });
      // Equivalent: one step at a time with a fixed lr, carrying state (lr only scales α).
      const p = [...P0];
      const m = zeros(5);
      const vv = zeros(5);
      GRADS.forEach((g, k) => {
        opt.applyGradients([[tf.tensor(g, [5], 'float32'), v]]);
        const lr = 0.1 * 0.5 ** k;
        const t = k + 1;
        for (let i = 0; i < 5; i++) {
          m[i] = 0.8 * m[i]! + 0.2 * g[i]!;
          vv[i] = 0.9 * vv[i]! + 0.1 * g[i]! ** 2;
          p[i] = p[i]! - ((lr * Math.sqrt(1 - 0.9 ** t)) / (1 - 0.8 ** t)) * (m[i]! / (Math.sqrt(vv[i]!) + 0.1));
        }
        close(v.dataSync(), p, 1e-12, `step ${t}`);
      });
      for (const o of [new SGD({ learningRate: s }), new Adamax({ learningRate: s }), new Adagrad({ learningRate: s }), new Adadelta({ learningRate: s }), new RMSprop({ learningRate: s }), new AdamW({ learningRate: s })]) {
        const w = fresh([1]);
        o.applyGradients([[tf.tensor([1], [1], 'float32'), w]]);
        assert.ok(w.dataSync()[0]! < 1, o.className);
        assert.equal((o.getConfig().learning_rate as { class_name: string }).class_name, 'ExponentialDecay');
      }
    });
    it('a schedule-based learning rate cannot be replaced by a number', () => {
      const opt = train.sgd(exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }));
      expectThrows(() => (opt.learningRate = 0.1), /learning rate is not settable to a number/);
      const plain = train.sgd(0.1);
      plain.learningRate = 0.5;
      assert.equal(plain.currentLearningRate(), 0.5);
    });
  });

  describe('minimize', () => {
    it('varList restricts the update; non-trainable variables are untouched', () => {
      const a = fresh([1, 2]);
      const b = fresh([3]);
      const frozen = tf.variable(tf.tensor([5], [1], 'float32'), false, `frozen_${counter++}`);
      const f = () => tf.add(tf.add(tf.sum(tf.square(a)), tf.sum(tf.square(b))), tf.sum(tf.square(frozen)));
      const opt = train.sgd(0.1);
      assert.equal(opt.minimize(f, false, [a, frozen]), null);
      close(a.dataSync(), [0.8, 1.6], 1e-15);
      close(b.dataSync(), [3], 0);
      close(frozen.dataSync(), [5], 0);
      const cost = opt.minimize(f, true)!;
      close(cost.dataSync(), [0.64 + 2.56 + 9 + 25], 1e-12);
      close(a.dataSync(), [0.64, 1.28], 1e-15);
      close(b.dataSync(), [2.4], 1e-15);
      close(frozen.dataSync(), [5], 0);
      assert.equal(opt.iterations, 2);
    });
    it('slot variables are not trained by a later minimize without varList', () => {
      const a = fresh([1]);
      const opt = train.momentum(0.1, 0.9);
      opt.minimize(() => tf.sum(tf.square(a)), false, [a]);
      const slot = opt.getSlot(a, 'momentum')!;
      const before = Array.from(slot.dataSync());
      const other = train.sgd(0.1);
      other.minimize(() => tf.add(tf.sum(tf.square(a)), tf.sum(slot)));
      assert.deepEqual(Array.from(slot.dataSync()), before);
    });
    it('errors: nothing trainable, or a loss that depends on no variable', () => {
      const frozen = tf.variable(tf.tensor([1], [1], 'float32'), false, `frozen_${counter++}`);
      const a = fresh([1]);
      const opt = train.sgd(0.1);
      expectThrows(() => opt.minimize(() => tf.sum(frozen), false, [frozen]), /minimize: none of the variables in `varList` is trainable/);
      expectThrows(() => opt.minimize(() => tf.sum(frozen), false, [a]), /minimize: no gradients: the loss does not depend on any of the 1 trainable variable\(s\) \('opt_test_\d+'\)/);
      assert.equal(opt.iterations, 0);
    });
    it('several 2-D variables in one Adam step match the rule per element', () => {
      const w = tf.variable(tf.tensor([[1, -2], [3, 0.5]], [2, 2], 'float32'), true, `w2d_${counter++}`);
      const b = fresh([0.25, -0.75]);
      const opt = train.adam(0.1, 0.8, 0.9, 0.1);
      const gw = [[0.5, -1], [2, 0.1]];
      const gb = [-0.3, 0.6];
      const rule = ref.adam(0.1, 0.8, 0.9, 0.1);
      const ew = rule([1, -2, 3, 0.5], [gw.flat(), gw.flat().map((x) => -x)]);
      const eb = rule([0.25, -0.75], [gb, gb.map((x) => 2 * x)]);
      opt.applyGradients([{ name: w.name, tensor: tf.tensor(gw, [2, 2], 'float32') }, { name: b.name, tensor: tf.tensor(gb, [2], 'float32') }]);
      opt.applyGradients({ [w.name]: tf.neg(tf.tensor(gw, [2, 2], 'float32')), [b.name]: tf.mul(tf.tensor(gb, [2], 'float32'), 2) });
      close(w.dataSync(), ew[1]!, 1e-12);
      close(b.dataSync(), eb[1]!, 1e-12);
      assert.deepEqual(opt.getSlot(w, 'm')!.shape, [2, 2]);
    });
    it('computeGradients returns {value, grads} keyed by variable name', () => {
      const a = fresh([1, 2]);
      const { value, grads } = train.sgd().computeGradients(() => tf.sum(tf.square(a)), [a]);
      close(value.dataSync(), [5], 1e-15);
      close(grads[a.name]!.dataSync(), [2, 4], 1e-15);
    });
    it('applyGradients accepts {name: grad}, [{name, tensor}] and Keras apply(grads, vars)', () => {
      const a = fresh([1], `by_name_${counter++}`);
      const opt = train.sgd(1);
      opt.applyGradients({ [a.name]: tf.tensor([0.5], [1], 'float32') });
      opt.applyGradients([{ name: a.name, tensor: tf.tensor([0.25], [1], 'float32') }]);
      opt.apply([tf.tensor([0.125], [1], 'float32')], [a]);
      close(a.dataSync(), [0.125], 0);
      assert.equal(opt.iterations, 3);
    });
    it('applyGradients inside tidy leaks nothing; minimize leaks no more than variableGrads itself', () => {
      const a = fresh([1, 2]);
      const opt = train.adam(0.1);
      const f = () => tf.sum(tf.square(a));
      opt.minimize(f, false, [a]); // builds slots
      let n0 = tf.memory().numTensors;
      tf.tidy(() => opt.applyGradients([[tf.tensor([1, 2], [2], 'float32'), a]]));
      assert.equal(tf.memory().numTensors, n0);
      // Tensors recorded on a gradient tape are left to the garbage collector by tidy (engine
      // design), so compare with a bare variableGrads of the same function.
      n0 = tf.memory().numTensors;
      tf.tidy(() => {
        tf.variableGrads(f, [a]);
      });
      const bare = tf.memory().numTensors - n0;
      n0 = tf.memory().numTensors;
      tf.tidy(() => {
        opt.minimize(f, false, [a]);
      });
      assert.ok(tf.memory().numTensors - n0 <= bare, `${tf.memory().numTensors - n0} > ${bare}`);
    });
  });

  describe('configs', () => {
    it('Keras snake_case keys and fromConfig round trip for every optimizer', () => {
      const all: Optimizer[] = [
        new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
        new Adam({ learningRate: 0.2, beta1: 0.5, beta2: 0.6, epsilon: 0.1, amsgrad: true }),
        new AdamW({ weightDecay: 0.1 }),
        new Adamax({ beta1: 0.5 }),
        new Adagrad({ initialAccumulatorValue: 0.3 }),
        new Adadelta({ rho: 0.5 }),
        new RMSprop({ rho: 0.5, momentum: 0.2, centered: true, clipnorm: 1 }),
      ];
      for (const o of all) {
        const cfg = JSON.parse(JSON.stringify(o.getConfig()));
        const back = deserializeOptimizer({ class_name: o.className, config: cfg });
        assert.equal(back.className, o.className);
        assert.deepEqual(back.getConfig(), o.getConfig());
      }
      assert.deepEqual(new Adam({ beta1: 0.5, amsgrad: true }).getConfig(), {
        name: 'adam',
        learning_rate: 0.001,
        weight_decay: null,
        clipnorm: null,
        global_clipnorm: null,
        clipvalue: null,
        use_ema: false,
        ema_momentum: 0.99,
        ema_overwrite_frequency: null,
        loss_scale_factor: null,
        gradient_accumulation_steps: null,
        beta_1: 0.5,
        beta_2: 0.999,
        epsilon: 1e-7,
        amsgrad: true,
      });
      const r = new RMSprop().getConfig();
      assert.deepEqual([r.rho, r.momentum, r.epsilon, r.centered], [0.9, 0, 1e-7, false]);
      assert.equal(new Adagrad().getConfig().initial_accumulator_value, 0.1);
      assert.equal(new AdamW().getConfig().weight_decay, 0.004);
      const sched = new Adam({ learningRate: cosineDecay({ initialLearningRate: 0.1, decaySteps: 5 }) });
      const back = Adam.fromConfig(JSON.parse(JSON.stringify(sched.getConfig())));
      assert.ok(back.learningRate instanceof LearningRateSchedule);
    });
    it('Keras default hyperparameters', () => {
      assert.equal(new SGD().currentLearningRate(), 0.01);
      for (const o of [new Adam(), new Adamax(), new Adagrad(), new Adadelta(), new RMSprop(), new AdamW()]) assert.equal(o.currentLearningRate(), 0.001, o.className);
      assert.equal(new Adadelta().rho, 0.95);
      assert.equal(new Adam().epsilon, 1e-7);
      assert.equal(train.adam().beta2, 0.999);
      assert.equal(getOptimizer('rmsprop').className, 'RMSprop');
    });
    it('errors: unknown config key, unknown option, negative learning rate, bad hyperparameters', () => {
      expectThrows(() => Adam.fromConfig({ learning_rate: 0.1, beta1: 0.9 }), /Adam.fromConfig: unknown config key 'beta1'/);
      expectThrows(() => SGD.fromConfig({ use_ema: true }), /`use_ema` .* is not supported/);
      expectThrows(() => new Adam({ beta_1: 0.9 } as never), /Adam: unknown option\(s\) 'beta_1'/);
      expectThrows(() => train.sgd(-0.1), /SGD: `learningRate` must be a number >= 0 or a LearningRateSchedule, received -0.1/);
      expectThrows(() => train.adam(0.001, 1), /Adam: `beta1` must be a number in \[0, 1\), received 1/);
      expectThrows(() => train.momentum(0.1, 1.5), /SGD: `momentum` must be a number in \[0, 1\], received 1.5/);
      expectThrows(() => new AdamW({ weightDecay: null as never }), /AdamW: Argument `weightDecay` must be a number/);
      expectThrows(() => train.rmsprop(0.1, 0.9, 0, -1), /RMSprop: `epsilon` must be a number in \[0, ∞\), received -1/);
      expectThrows(() => deserializeOptimizer({ class_name: 'Nadam', config: {} }), /unknown optimizer class 'Nadam'/);
    });
    it('errors: applyGradients with an unknown variable name, bad shapes or dtypes', () => {
      const opt = train.sgd(0.1);
      expectThrows(() => opt.applyGradients({ no_such_variable_xyz: tf.tensor([1], [1], 'float32') }), /applyGradients: no live variable is named 'no_such_variable_xyz'/);
      const a = fresh([1, 2]);
      expectThrows(() => opt.applyGradients([[tf.tensor([1], [1], 'float32'), a]]), /the gradient of 'opt_test_\d+' must have the variable's shape \[2\], received \[1\]/);
      expectThrows(() => opt.applyGradients([[tf.tensor([1, 2], [2], 'int32'), a]]), /must be float32, received int32/);
      expectThrows(() => opt.applyGradients([[tf.tensor([1, 2], [2], 'float32'), a], [tf.tensor([1, 2], [2], 'float32'), a]]), /has more than one gradient/);
      assert.equal(opt.iterations, 0);
    });
  });
});

describe('applyGradients with name-keyed gradients', () => {
  it('variableGrads → applyGradients updates exactly the variables used, even with a same-named twin', () => {
    const a = tf.variable(tf.tensor([1, 2]), true, 'twin_w');
    const b = tf.variable(tf.tensor([1, 2]), true, 'twin_w');
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(a)));
    tf.train.sgd(0.5).applyGradients(grads);
    assert.deepEqual(Array.from(a.dataSync()), [0, 0]);
    assert.deepEqual(Array.from(b.dataSync()), [1, 2]);
    // a hand-built map naming an ambiguous variable is refused, not guessed
    assert.throws(() => tf.train.sgd(0.5).applyGradients({ twin_w: tf.tensor([1, 1]) }), /applyGradients: 2 live variables are named 'twin_w'/);
    // two same-named variables in one variableGrads would lose a gradient: refused
    assert.throws(() => tf.variableGrads(() => tf.add(tf.sum(a), tf.sum(b))), /variableGrads: two different variables named 'twin_w'/);
    a.dispose();
    b.dispose();
  });
});
