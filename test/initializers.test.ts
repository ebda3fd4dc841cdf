import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import * as init from '../src/initializers/index.ts';
import { SeedGenerator } from '../src/random/seed.ts';
import { close, expectTensor, expectThrows } from './util.ts';

function stats(t: tf.Tensor): { mean: number; variance: number; min: number; max: number } {
  const v = t.dataSync();
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    s += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = s / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) * (x - mean);
  return { mean, variance: ss / v.length, min, max };
}

/** m×k row-major times its own transpose-product: (AᵀA) when `cols`, (AAᵀ) otherwise. */
function gram(a: ArrayLike<number>, r: number, c: number, cols: boolean): number[] {
  const n = cols ? c : r;
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      if (cols) for (let k = 0; k < r; k++) s += a[k * c + i]! * a[k * c + j]!;
      else for (let k = 0; k < c; k++) s += a[i * c + k]! * a[j * c + k]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

function eyeFlat(n: number, g = 1): number[] {
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) out[i * n + i] = g;
  return out;
}

describe('initializers: fans', () => {
  it('computes fans for scalar, vector, dense and conv shapes', () => {
    assert.deepEqual(init.computeFans([]), [1, 1]);
    assert.deepEqual(init.computeFans([7]), [7, 7]);
    assert.deepEqual(init.computeFans([784, 256]), [784, 256]);
    // conv2d kernel [kh, kw, in, out]: receptive 3·3 = 9
    assert.deepEqual(init.computeFans([3, 3, 16, 32]), [144, 288]);
    // conv1d kernel [k, in, out]
    assert.deepEqual(init.computeFans([5, 4, 8]), [20, 40]);
  });
  it('varianceScaling divides scale by max(1, fan) for each mode', () => {
    assert.equal(init.varianceScaling({ scale: 2, mode: 'fan_in' }).scaledVariance([10, 30]), 0.2);
    assert.equal(init.varianceScaling({ scale: 2, mode: 'fan_out' }).scaledVariance([10, 30]), 2 / 30);
    assert.equal(init.varianceScaling({ scale: 2, mode: 'fan_avg' }).scaledVariance([10, 30]), 0.1);
    assert.equal(init.varianceScaling({ scale: 2, mode: 'fan_in' }).scaledVariance([0, 3]), 2); // max(1, 0)
    assert.equal(init.varianceScaling({ scale: 1, mode: 'fanAvg' }).scaledVariance([3, 3, 16, 32]), 1 / 216);
  });
});

describe('initializers: constant family', () => {
  it('zeros, ones, constant, identity values', () => {
    expectTensor(init.zeros().apply([2, 2]), [0, 0, 0, 0], [2, 2]);
    expectTensor(init.ones().apply([3]), [1, 1, 1], [3]);
    const oi = init.ones().apply([2], 'int32');
    assert.equal(oi.dtype, 'int32');
    expectTensor(init.constant({ value: 2.5 }).apply([2, 1]), [2.5, 2.5], [2, 1]);
    expectTensor(init.constant().apply([2]), [0, 0], [2]);
    expectTensor(init.constant({ value: [1, 2, 3] }).apply([2, 3]), [1, 2, 3, 1, 2, 3], [2, 3]);
    expectTensor(init.identity().apply([2, 2]), [1, 0, 0, 1], [2, 2]);
    expectTensor(init.identity({ gain: 3 }).apply([2, 3]), [3, 0, 0, 0, 3, 0], [2, 3]);
    expectTensor(init.identity({ gain: 0.5 }).call([3, 2]), [0.5, 0, 0, 0.5, 0, 0], [3, 2]);
    expectTensor(init.zeros().apply([]), [0], []);
  });
});

describe('initializers: random distributions', () => {
  it('glorotUniform: all values within sqrt(6/(fan_in+fan_out)), variance ≈ limit²/3', () => {
    const limit = Math.sqrt(6 / (400 + 600));
    const s = stats(init.glorotUniform({ seed: 1 }).apply([400, 600]));
    assert.ok(s.min >= -limit && s.max < limit, `range [${s.min}, ${s.max}] vs limit ${limit}`);
    assert.ok(s.max > 0.99 * limit && s.min < -0.99 * limit, 'uses the whole range');
    close([s.variance], [(limit * limit) / 3], 0.02 * (limit * limit) / 3);
    close([s.mean], [0], 0.001);
  });
  it('heUniform / lecunUniform on a conv kernel use fan_in = kh·kw·in', () => {
    const shape = [3, 3, 32, 64]; // fan_in = 288
    const heLimit = Math.sqrt(6 / 288);
    const s = stats(init.heUniform({ seed: 2 }).apply(shape));
    assert.ok(s.min >= -heLimit && s.max < heLimit && s.max > 0.98 * heLimit);
    close([s.variance], [2 / 288], 0.03 * 2 / 288);
    const lecunLimit = Math.sqrt(3 / 288);
    const l = stats(init.lecunUniform({ seed: 3 }).apply(shape));
    assert.ok(l.min >= -lecunLimit && l.max < lecunLimit && l.max > 0.98 * lecunLimit);
  });
  it('heNormal / lecunNormal / glorotNormal: truncated at 2σ/0.8796, empirical std = sqrt(scale/fan)', () => {
    const cases: [init.Initializer, number[], number][] = [
      [init.heNormal({ seed: 4 }), [500, 400], Math.sqrt(2 / 500)],
      [init.lecunNormal({ seed: 5 }), [500, 400], Math.sqrt(1 / 500)],
      [init.glorotNormal({ seed: 6 }), [500, 300], Math.sqrt(2 / 800)],
    ];
    for (const [ini, shape, target] of cases) {
      const s = stats(ini.apply(shape));
      const bound = (2 * target) / 0.87962566103423978;
      assert.ok(s.max <= bound && s.min >= -bound, `${ini.className}: values within ±${bound}`);
      assert.ok(s.max > 0.97 * bound, `${ini.className}: reaches the truncation bound`);
      close([Math.sqrt(s.variance)], [target], 0.015 * target, ini.className);
    }
  });
  it('varianceScaling untruncated_normal: std = sqrt(scale/fan), values beyond 2σ occur', () => {
    const s = stats(init.varianceScaling({ scale: 4, mode: 'fan_out', distribution: 'untruncated_normal', seed: 7 }).apply([200, 1000]));
    const sd = Math.sqrt(4 / 1000);
    close([Math.sqrt(s.variance)], [sd], 0.015 * sd);
    assert.ok(s.max > 3 * sd);
  });
  it('randomNormal / randomUniform / truncatedNormal defaults (0.05) and arguments', () => {
    const n = stats(init.randomNormal({ seed: 1 }).apply([100000]));
    close([n.mean, Math.sqrt(n.variance)], [0, 0.05], 0.001);
    const n2 = stats(init.randomNormal({ mean: 3, stddev: 2, seed: 1 }).apply([100000]));
    close([n2.mean, Math.sqrt(n2.variance)], [3, 2], 0.02);
    const u = stats(init.randomUniform({ seed: 1 }).apply([100000]));
    assert.ok(u.min >= -0.05 && u.max < 0.05);
    close([u.variance], [0.01 / 12], 0.00005);
    const u2 = stats(init.randomUniform({ minval: 2, maxval: 3, seed: 1 }).apply([1000]));
    assert.ok(u2.min >= 2 && u2.max < 3);
    const t = stats(init.truncatedNormal({ mean: 1, stddev: 0.5, seed: 1 }).apply([100000]));
    assert.ok(t.min >= 0 && t.max <= 2);
    // std of N(0,1) truncated to ±2 is 0.8796…
    close([Math.sqrt(t.variance)], [0.5 * 0.87962566103423978], 0.01);
  });
  it('draws exactly the op values a fresh SeedGenerator(seed) gives', () => {
    const limit = Math.sqrt(6 / 5);
    expectTensor(init.glorotUniform({ seed: 3 }).apply([2, 3]), tf.randomUniform([2, 3], -limit, limit, 'float32', new SeedGenerator(3)).dataSync() as unknown as number[]);
    const sd = Math.sqrt(2 / 4) / 0.87962566103423978;
    expectTensor(init.heNormal({ seed: 9 }).apply([4, 2]), tf.truncatedNormal([4, 2], 0, sd, 'float32', new SeedGenerator(9)).dataSync() as unknown as number[]);
  });
});

describe('initializers: orthogonal', () => {
  it('tall, wide and conv shapes are orthonormal (QᵀQ = I or QQᵀ = I), times gain', () => {
    const tall = init.orthogonal({ seed: 1 }).apply([6, 4]);
    close(gram(tall.dataSync(), 6, 4, true), eyeFlat(4), 1e-5);
    const wide = init.orthogonal({ seed: 2 }).apply([3, 5]);
    close(gram(wide.dataSync(), 3, 5, false), eyeFlat(3), 1e-5);
    const square = init.orthogonal({ seed: 3, gain: 2 }).apply([5, 5]);
    close(gram(square.dataSync(), 5, 5, true), eyeFlat(5, 4), 1e-5);
    close(gram(square.dataSync(), 5, 5, false), eyeFlat(5, 4), 1e-5);
    const conv = init.orthogonal({ seed: 4 }).apply([3, 3, 4, 8]); // 36×8
    assert.deepEqual(conv.shape, [3, 3, 4, 8]);
    close(gram(conv.dataSync(), 36, 8, true), eyeFlat(8), 1e-5);
  });
  it('keeps float64 precision on the float64 backend', async () => {
    const prev = tf.getBackend();
    await tf.setBackend('reference64');
    try {
      const q = init.orthogonal({ seed: 8 }).apply([7, 4]);
      close(gram(q.dataSync(), 7, 4, true), eyeFlat(4), 1e-12);
      const i = init.identity({ gain: 0.1 }).apply([2, 2]);
      assert.equal(i.dataSync()[0], 0.1);
    } finally {
      await tf.setBackend(prev);
    }
  });
  it("is Keras's algorithm: Q from QR of N(0,1) draws, with R's diagonal made positive", () => {
    // For a tall draw A (m×n), Keras's result Q satisfies A = Q·R' with R' = QᵀA upper triangular, diag > 0.
    const q = init.orthogonal({ seed: 11 }).apply([5, 3]).dataSync();
    const a = tf.randomNormal([5, 3], 0, 1, 'float32', new SeedGenerator(11)).dataSync();
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let r = 0;
        for (let k = 0; k < 5; k++) r += q[k * 3 + i]! * a[k * 3 + j]!;
        if (i > j) assert.ok(Math.abs(r) < 1e-5, `R[${i},${j}] = ${r} should be 0`);
        if (i === j) assert.ok(r > 0, `R[${i},${i}] = ${r} should be positive`);
      }
    }
    // Wide: the transpose of the (5×3) result drawn from a 5×3 normal.
    const w = init.orthogonal({ seed: 11 }).apply([3, 5]).dataSync();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) assert.ok(Math.abs(w[i * 5 + j]! - q[j * 3 + i]!) < 1e-6);
  });
  it('householderQR: A = QR, R upper triangular, QᵀQ = I', () => {
    const a = [2, -1, 0, 1, 3, 1, 4, 0, -2, 1, 1, 5];
    const { q, r } = init.householderQR(a, 4, 3);
    const back: number[] = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += q[i * 3 + k]! * r[k * 3 + j]!;
      back.push(s);
    }
    close(back, a, 1e-12);
    close(gram(q, 4, 3, true), eyeFlat(3), 1e-12);
    assert.equal(r[3], 0);
  });
});

describe('initializers: seeds', () => {
  it('an integer seed gives the same values on every call and from every instance', () => {
    const a = init.glorotUniform({ seed: 5 });
    const v1 = Array.from(a.apply([4, 4]).dataSync());
    assert.deepEqual(Array.from(a.apply([4, 4]).dataSync()), v1);
    assert.deepEqual(Array.from(init.glorotUniform({ seed: 5 }).apply([4, 4]).dataSync()), v1);
    assert.notDeepEqual(Array.from(init.glorotUniform({ seed: 6 }).apply([4, 4]).dataSync()), v1);
    const o = init.orthogonal({ seed: 5 });
    assert.deepEqual(Array.from(o.apply([3, 3]).dataSync()), Array.from(o.apply([3, 3]).dataSync()));
  });
  it('seed 0 is a seed', () => {
    const a = Array.from(init.randomNormal({ seed: 0 }).apply([5]).dataSync());
    assert.deepEqual(Array.from(init.randomNormal({ seed: 0 }).apply([5]).dataSync()), a);
  });
  it('no seed: one seed taken from the global sequence at construction (fixed per instance, reset by setSeed)', () => {
    tf.setSeed(42);
    const a = init.heNormal();
    const b = init.heNormal();
    const va = Array.from(a.apply([3, 3]).dataSync());
    assert.deepEqual(Array.from(a.apply([3, 3]).dataSync()), va, 'same values on each call');
    assert.notDeepEqual(Array.from(b.apply([3, 3]).dataSync()), va, 'two instances differ');
    assert.equal(a.getConfig().seed, null);
    tf.setSeed(42);
    assert.deepEqual(Array.from(init.heNormal().apply([3, 3]).dataSync()), va, 'reproducible after setSeed');
    tf.setSeed(0);
  });
  it('a SeedGenerator gives new values on each call, reproducibly', () => {
    const a = init.randomUniform({ seed: new SeedGenerator(3) });
    const v1 = Array.from(a.apply([4]).dataSync());
    const v2 = Array.from(a.apply([4]).dataSync());
    assert.notDeepEqual(v1, v2);
    const b = init.randomUniform({ seed: new SeedGenerator(3) });
    assert.deepEqual(Array.from(b.apply([4]).dataSync()), v1);
    assert.deepEqual(a.getConfig().seed, { class_name: 'SeedGenerator', config: { seed: 3 } });
  });
});

describe('initializers: config and getInitializer', () => {
  it('getConfig is Keras-style snake_case; className is the Keras class name', () => {
    assert.deepEqual(init.varianceScaling({ mode: 'fan_avg', distribution: 'uniform' }).getConfig(), { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null });
    assert.deepEqual(init.varianceScaling({ seed: 1 }).getConfig(), { scale: 1, mode: 'fan_in', distribution: 'truncated_normal', seed: 1 });
    assert.deepEqual(init.varianceScaling({ distribution: 'normal', mode: 'fanOut' }).getConfig().distribution, 'truncated_normal');
    assert.deepEqual(init.glorotUniform({ seed: 2 }).getConfig(), { seed: 2 });
    assert.deepEqual(init.randomNormal().getConfig(), { mean: 0, stddev: 0.05, seed: null });
    assert.deepEqual(init.randomUniform({ seed: 1 }).getConfig(), { minval: -0.05, maxval: 0.05, seed: 1 });
    assert.deepEqual(init.truncatedNormal().getConfig(), { mean: 0, stddev: 0.05, seed: null });
    assert.deepEqual(init.orthogonal().getConfig(), { gain: 1, seed: null });
    assert.deepEqual(init.identity({ gain: 2 }).getConfig(), { gain: 2 });
    assert.deepEqual(init.constant({ value: 3 }).getConfig(), { value: 3 });
    assert.deepEqual(init.zeros().getConfig(), {});
    const names: [init.Initializer, string][] = [
      [init.zeros(), 'Zeros'], [init.ones(), 'Ones'], [init.constant(), 'Constant'], [init.randomNormal(), 'RandomNormal'],
      [init.randomUniform(), 'RandomUniform'], [init.truncatedNormal(), 'TruncatedNormal'], [init.varianceScaling(), 'VarianceScaling'],
      [init.glorotUniform(), 'GlorotUniform'], [init.glorotNormal(), 'GlorotNormal'], [init.heUniform(), 'HeUniform'], [init.heNormal(), 'HeNormal'],
      [init.lecunUniform(), 'LecunUniform'], [init.lecunNormal(), 'LecunNormal'], [init.orthogonal(), 'Orthogonal'], [init.identity(), 'Identity'],
    ];
    for (const [i, n] of names) {
      assert.equal(i.className, n);
      assert.ok(i instanceof init.Initializer);
    }
    assert.ok(init.glorotUniform() instanceof init.VarianceScaling);
  });
  it('getInitializer accepts names in any Keras/TF.js spelling', () => {
    for (const n of ['glorotUniform', 'glorot_uniform', 'GlorotUniform']) assert.equal(init.getInitializer(n).className, 'GlorotUniform');
    assert.equal(init.getInitializer('he_normal').className, 'HeNormal');
    assert.equal(init.getInitializer('leCunNormal').className, 'LecunNormal');
    assert.equal(init.getInitializer('zeros').className, 'Zeros');
    assert.equal(init.getInitializer('zero').className, 'Zeros');
    assert.equal(init.getInitializer('uniform').className, 'RandomUniform');
    assert.equal(init.getInitializer('normal').className, 'RandomNormal');
    assert.equal(init.getInitializer('variance_scaling').className, 'VarianceScaling');
    const inst = init.ones();
    assert.equal(init.getInitializer(inst), inst);
  });
  it('config round-trips through getInitializer (same config, same values for integer seeds)', () => {
    const inits: init.Initializer[] = [
      init.zeros(), init.ones(), init.constant({ value: 0.25 }), init.randomNormal({ mean: 1, stddev: 2, seed: 3 }),
      init.randomUniform({ minval: -1, maxval: 2, seed: 4 }), init.truncatedNormal({ stddev: 0.1, seed: 5 }),
      init.varianceScaling({ scale: 3, mode: 'fan_out', distribution: 'untruncated_normal', seed: 6 }),
      init.glorotUniform({ seed: 7 }), init.glorotNormal({ seed: 8 }), init.heUniform({ seed: 9 }), init.heNormal({ seed: 10 }),
      init.lecunUniform({ seed: 11 }), init.lecunNormal({ seed: 12 }), init.orthogonal({ gain: 0.5, seed: 13 }), init.identity({ gain: 2 }),
    ];
    for (const i of inits) {
      const json = JSON.parse(JSON.stringify(init.serializeInitializer(i))) as { className: string; config: init.InitializerConfig };
      const back = init.getInitializer(json);
      const back2 = init.getInitializer({ class_name: json.className, config: json.config });
      assert.equal(back.className, i.className);
      assert.deepEqual(back.getConfig(), i.getConfig());
      assert.deepEqual(back2.getConfig(), i.getConfig());
      assert.deepEqual(Array.from(back.apply([4, 3]).dataSync()), Array.from(i.apply([4, 3]).dataSync()), i.className);
    }
    // TF.js-style configs listing the preset's variance-scaling fields are accepted.
    const tfjs = init.getInitializer({ className: 'GlorotUniform', config: { scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: 1 } });
    assert.deepEqual(tfjs.getConfig(), { seed: 1 });
    // A serialized SeedGenerator seed comes back as a SeedGenerator.
    const g = init.getInitializer({ class_name: 'RandomNormal', config: { seed: { class_name: 'SeedGenerator', config: { seed: 3 } } } }) as init.RandomNormal;
    assert.ok(g.seed instanceof SeedGenerator);
  });
});

describe('initializers: errors', () => {
  it('unknown names and bad identifiers', () => {
    expectThrows(() => init.getInitializer('glorot'), /^initializer: unknown initializer 'glorot'; expected one of zeros, ones, constant, .*glorot_uniform.*identity$/);
    expectThrows(() => init.getInitializer({ config: {} }), /initializer: a config object needs a string `className`/);
    expectThrows(() => init.getInitializer(3 as never), /initializer: expected a name, a \{className, config\} object or an Initializer, received 3/);
  });
  it('bad arguments name the initializer, argument, expected and received', () => {
    expectThrows(() => init.varianceScaling({ mode: 'fan' as never }), /^varianceScaling: `mode` must be one of fan_in, fan_out, fan_avg, received 'fan'$/);
    expectThrows(() => init.varianceScaling({ distribution: 'gauss' as never }), /varianceScaling: `distribution` must be one of truncated_normal, untruncated_normal, uniform, received 'gauss'/);
    expectThrows(() => init.varianceScaling({ scale: -1 }), /varianceScaling: `scale` must be a positive number, received -1/);
    expectThrows(() => init.varianceScaling({ scale: 0 }), /`scale` must be a positive number, received 0/);
    expectThrows(() => init.glorotUniform({ seed: NaN }), /glorotUniform: `seed` must be a finite number, received NaN/);
    expectThrows(() => init.heNormal({ seed: 'x' as never }), /heNormal: `seed` must be an integer or a SeedGenerator, received 'x'/);
    expectThrows(() => init.glorotUniform({ scale: 2 } as never), /glorotUniform: unknown option `scale`; expected one of seed/);
    expectThrows(() => init.randomNormal({ stddev: -1 }), /randomNormal: `stddev` must be non-negative, received -1/);
    expectThrows(() => init.randomUniform({ minval: 1, maxval: 1 }), /randomUniform: `maxval` must be greater than `minval`, received minval=1, maxval=1/);
    expectThrows(() => init.constant({ value: 'a' as never }), /constant: `value` must be a number or an array of numbers, received 'a'/);
    expectThrows(() => init.orthogonal({ gain: NaN }), /orthogonal: `gain` must be a finite number, received NaN/);
  });
  it('bad shapes and dtypes', () => {
    expectThrows(() => init.glorotUniform().apply([2, 1.5]), /glorotUniform: `shape` must contain non-negative integers, received \[2,1.5\]/);
    expectThrows(() => init.zeros().apply([-1]), /zeros: `shape` must contain non-negative integers, received \[-1\]/);
    expectThrows(() => init.heNormal().apply(5 as never), /heNormal: `shape` must be an array of non-negative integers, received 5/);
    expectThrows(() => init.identity().apply([2, 2, 2]), /identity: `shape` must be 2-D \(identity matrices only\), received \[2,2,2\] of rank 3/);
    expectThrows(() => init.orthogonal().apply([4]), /orthogonal: `shape` must have rank at least 2, received \[4\] of rank 1/);
    expectThrows(() => init.glorotNormal().apply([2, 2], 'int32'), /glorotNormal: `dtype` must be float32, received int32/);
    expectThrows(() => init.constant({ value: [1, 2] }).apply([3, 3]), /constant: `value` of shape \[2\] cannot be broadcast to shape \[3,3\]/);
  });
});
