/**
 * The native fused kernels (src/backends/native/fused_kernels.ts) against the op-by-op
 * compositions on the reference backend: Philox words, dropout (forward and gradient), and the
 * one-pass optimizer updates (Adam, AdamW, SGD plain/momentum/nesterov, RMSprop plain/centered/
 * momentum) must be bit-identical; and identical for 1 and 2 threads.
 * Skipped, with a message, when the addon is not built.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { loadNativeAddon, nativeLoadError } from '../src/backends/native/index.ts';
import { hasFusedKernels } from '../src/backends/native/fused_kernels.ts';
import { philoxWords } from '../src/random/philox.ts';
import { rng, bitsEqual } from './util.ts';

const addon = loadNativeAddon();
const skip = addon && hasFusedKernels(addon) ? false : `native addon not built (${nativeLoadError() ?? 'missing'})`;

function onBackend<T>(name: string, fn: () => T): T {
  const prev = tf.getBackend();
  tf.ENGINE.setBackendSync(name);
  try {
    return fn();
  } finally {
    tf.ENGINE.setBackendSync(prev);
  }
}

/** Values with a spread of magnitudes, zeros, signed zeros and subnormals. */
function values(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    const k = i % 17;
    v[i] = k === 3 ? 0 : k === 5 ? -0 : k === 7 ? 1e-41 * (u - 0.5) : k === 11 ? 1e-20 * (u - 0.5) : scale * (2 * u - 1) * Math.exp(4 * (r() - 0.5));
  }
  return v;
}

describe('native fused kernels: bit-identical to the op-by-op composition', { skip }, () => {
  it('philoxWords equals the JavaScript Philox for several keys, streams (past 2^32) and odd lengths', () => {
    const fz = addon as unknown as { philoxWords(o: Uint32Array, a: number, b: number, c: number, d: number): void };
    for (const [k0, k1, stream, n] of [[0, 0, 0, 1], [1, 2, 3, 7], [0xffffffff, 0x12345678, 4294967296 * 3 + 5, 33], [42, 7, 2 ** 40, 1001], [9, 9, 12, 9000]] as const) {
      const out = new Uint32Array(n);
      fz.philoxWords(out, k0, k1, stream >>> 0, Math.floor(stream / 4294967296) >>> 0);
      assert.deepEqual(Array.from(out), Array.from(philoxWords([k0, k1], stream, n)), `key ${k0},${k1} stream ${stream}`);
    }
  });

  it('dropout: forward and gradient equal the reference composition (special values, odd and empty shapes)', () => {
    const special = [0, -0, 1, -1, Infinity, -Infinity, NaN, 3.4e38, 1e-45, -2.5];
    const cases: [number[], number][] = [[[7, 13], 0.3], [[0, 5], 0.5], [[1], 0.9], [[3, 5, 11], 0.01], [[100, 256], 0.3]];
    for (const [shape, rate] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const xv = values(n, n + 1);
      for (let i = 0; i < Math.min(n, special.length); i++) xv[i] = special[i]!;
      const dyv = values(n, n + 2);
      // The gradient kernel (_DropoutGrad) sees special values too, in other positions.
      for (let i = 0; i < Math.min(n, special.length); i++) dyv[n - 1 - i] = special[i]!;
      const run = (backend: string) =>
        onBackend(backend, () => {
          const gen = new tf.SeedGenerator(77);
          const x = tf.tensor(xv, shape);
          const dy = tf.tensor(dyv, shape);
          const y1 = tf.dropout(x, rate, null, gen);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.dropout(t, rate, null, gen), dy)))(x);
          return [y1.dataSync(), g.dataSync()];
        });
      assert.ok(onBackend('native', () => tf.ENGINE.hasKernel('Dropout') && tf.ENGINE.hasKernel('_DropoutGrad')), 'native has the fused Dropout kernel and its gradient kernel');
      assert.ok(!onBackend('reference', () => tf.ENGINE.hasKernel('Dropout')), 'reference runs the composition');
      const [nat, ref] = [run('native'), run('reference')];
      bitsEqual(nat[0]!, ref[0]!, `dropout ${JSON.stringify(shape)} rate ${rate} forward`);
      bitsEqual(nat[1]!, ref[1]!, `dropout ${JSON.stringify(shape)} rate ${rate} gradient`);
    }
  });

  it('dropout: second-order gradients through the gradient kernel equal the reference composition', () => {
    const shape = [9, 17];
    const n = 9 * 17;
    const run = (backend: string) =>
      onBackend(backend, () => {
        const gen = new tf.SeedGenerator(5);
        const x = tf.tensor(values(n, 31), shape);
        const w = tf.tensor(values(n, 32), shape);
        // f(x) = Σ (∂/∂x Σ dropout(x)·x·w)²: the first gradient holds _DropoutGrad(x·w, mask) on native.
        const inner = (t: tf.Tensor) => tf.sum(tf.mul(tf.mul(tf.dropout(t, 0.4, null, gen), t), w));
        const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.grad(inner)(t))))(x);
        return g2.dataSync();
      });
    bitsEqual(run('native'), run('reference'), 'second-order gradient through dropout');
  });

  it("relu's gradient (one _ReluGrad kernel on native) equals where(x > 0, dy, 0) on the reference, first and second order", () => {
    const special = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-45, -1e-45];
    const n = 11 * 13;
    const xv = values(n, 41);
    const dyv = values(n, 42);
    special.forEach((v, i) => {
      xv[i] = v;
      dyv[n - 1 - i] = v;
      dyv[i + special.length] = v;
    });
    const run = (backend: string) =>
      onBackend(backend, () => {
        const x = tf.tensor(xv, [11, 13]);
        const dy = tf.tensor(dyv, [11, 13]);
        const g1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), dy)))(x);
        const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.relu(u), u)))(t))))(x);
        return [g1.dataSync(), g2.dataSync()];
      });
    const [nat, ref] = [run('native'), run('reference')];
    bitsEqual(nat[0]!, ref[0]!, 'relu gradient');
    bitsEqual(nat[1]!, ref[1]!, 'relu second-order gradient');
  });

  it('dropout with a seed number and the global sequence: same draws as the reference', () => {
    const run = (backend: string) =>
      onBackend(backend, () => {
        tf.setSeed(5);
        const x = tf.ones([9, 31]);
        return [tf.dropout(x, 0.4, null, 3).dataSync(), tf.dropout(x, 0.4).dataSync(), tf.dropout(x, 0.4).dataSync()];
      });
    const nat = run('native');
    const ref = run('reference');
    nat.forEach((v, i) => bitsEqual(v, ref[i]!, `draw ${i}`));
    assert.ok(nat[1]!.some((v, i) => v !== nat[2]![i]), 'successive draws differ');
  });

  const optimizers: [string, () => tf.Optimizer][] = [
    ['adam', () => tf.train.adam(1e-3)],
    ['adam custom', () => new tf.Adam({ learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-3 })],
    ['adamw', () => new tf.AdamW({ learningRate: 0.01 })],
    ['adam amsgrad (op by op)', () => new tf.Adam({ amsgrad: true })],
    ['sgd', () => tf.train.sgd(0.1)],
    ['momentum', () => tf.train.momentum(0.1, 0.9)],
    ['nesterov', () => tf.train.momentum(0.05, 0.7, true)],
    ['rmsprop', () => tf.train.rmsprop(0.01)],
    ['rmsprop centered', () => tf.train.rmsprop(0.01, 0.9, 0, 1e-6, true)],
    ['rmsprop momentum', () => tf.train.rmsprop(0.01, 0.9, 0.5)],
    ['rmsprop centered momentum', () => tf.train.rmsprop(0.02, 0.8, 0.3, 1e-7, true)],
  ];
  const shapes = [[31, 7], [5], [0, 3], [1], [64, 65]];

  function train(backend: string, make: () => tf.Optimizer, steps = 3, sh: number[][] = shapes): Float32Array[] {
    return onBackend(backend, () => {
      const vars = sh.map((s, i) => tf.variable(tf.tensor(values(s.reduce((a, b) => a * b, 1), 10 + i), s)));
      const opt = make();
      for (let t = 0; t < steps; t++) {
        const pairs = sh.map((s, i) => [tf.tensor(values(s.reduce((a, b) => a * b, 1), 100 * t + i, 1e-2), s), vars[i]!] as [tf.Tensor, tf.Variable]);
        opt.applyGradients(pairs);
      }
      const slots = opt.getWeights().slice(1).map((w) => Float32Array.from(w.tensor.dataSync() as Float32Array));
      return [...vars.map((v) => Float32Array.from(v.dataSync() as Float32Array)), ...slots];
    });
  }

  for (const [name, make] of optimizers) {
    it(`${name}: three steps give the reference's variables and slots bit for bit`, () => {
      const nat = train('native', make);
      const ref = train('reference', make);
      assert.equal(nat.length, ref.length, 'same number of weights');
      nat.forEach((v, i) => bitsEqual(v, ref[i]!, `${name} weight ${i}`));
    });
  }

  it('the fused update runs on native (one AdamUpdate kernel per step) and not on reference', () => {
    const be = onBackend('native', () => tf.ENGINE.backend) as unknown as { kernels: Record<string, tf.KernelFunc> };
    const orig = be.kernels['AdamUpdate']!;
    let calls = 0;
    const patched = { ...be.kernels, AdamUpdate: (a: Parameters<tf.KernelFunc>[0]) => (calls++, orig(a)) };
    Object.defineProperty(be, 'kernels', { value: patched, configurable: true, writable: true });
    try {
      train('native', () => tf.train.adam(1e-3), 2);
      assert.equal(calls, 2, 'one fused kernel call per step');
    } finally {
      Object.defineProperty(be, 'kernels', { value: { ...patched, AdamUpdate: orig }, configurable: true, writable: true });
    }
  });

  it('thread count never changes a bit (dropout 300k elements, Adam/RMSprop over 300k parameters)', () => {
    const big = [[600, 500]];
    try {
      const results = [1, 2, 3].map((t) => {
        tf.setNumThreads(t);
        const d = onBackend('native', () => tf.dropout(tf.tensor(values(300000, 9), [600, 500]), 0.3, null, new tf.SeedGenerator(1)).dataSync());
        return [d, ...train('native', () => tf.train.adam(1e-3), 2, big), ...train('native', () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7, true), 2, big)];
      });
      for (const r of results.slice(1)) r.forEach((v, i) => bitsEqual(v, results[0]![i]!, `array ${i}`));
    } finally {
      tf.setNumThreads(0);
    }
  });

  it('tf.fused.matMul (one _FusedMatMul kernel) equals matMul + add + relu on native bit for bit, forward and gradients', () => {
    const combos: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];
    let seed = 1;
    for (const [m, n, k] of [[7, 13, 5], [100, 256, 784], [1, 1, 1], [33, 17, 300], [0, 4, 3], [4, 5, 0]] as const) {
      for (const [ta, tb] of combos) {
        for (const activation of ['relu', 'linear'] as const) {
          for (const withBias of [true, false]) {
            const av = values(m * k, seed++);
            if (av.length > 3) [av[0], av[1], av[2]] = [NaN, Infinity, -Infinity];
            const bv = values(k * n, seed++, 0.1);
            const biasv = values(n, seed++);
            const dyv = values(m * n, seed++);
            const run = (fused: boolean) =>
              onBackend('native', () => {
                const a = tf.tensor(av, ta ? [k, m] : [m, k]);
                const b = tf.tensor(bv, tb ? [n, k] : [k, n]);
                const bias = tf.tensor(biasv, [n]);
                const dy = tf.tensor(dyv, [m, n]);
                const f = (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => {
                  if (fused) return tf.fused.matMul({ a: x, b: w, transposeA: ta, transposeB: tb, bias: withBias ? c : null, activation });
                  let y = tf.matMul(x, w, ta, tb);
                  if (withBias) y = tf.add(y, c);
                  return activation === 'relu' ? tf.relu(y) : y;
                };
                const y = f(a, b, bias);
                const gs = tf.grads((x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(x, w, c), dy)))([a, b, bias]);
                return [y, ...gs].map((t) => Float32Array.from(t.dataSync() as Float32Array));
              });
            const [fz, plain] = [run(true), run(false)];
            fz.forEach((v, i) => bitsEqual(v, plain[i]!, `m${m} n${n} k${k} ta${ta} tb${tb} ${activation} bias ${withBias} output ${i}`));
          }
        }
      }
    }
  });

  it('tf.fused.matMul: other activations and the reference backend run the composition; bad activation rejected', () => {
    const a = tf.tensor(values(12, 3), [3, 4]);
    const b = tf.tensor(values(20, 4), [4, 5]);
    const bias = tf.tensor(values(5, 5), [5]);
    const pre = tf.add(tf.matMul(a, b), bias);
    bitsEqual(tf.fused.matMul({ a, b, bias, activation: 'sigmoid' }).dataSync(), tf.sigmoid(pre).dataSync(), 'sigmoid');
    bitsEqual(tf.fused.matMul({ a, b, bias, activation: 'leakyrelu', leakyreluAlpha: 0.1 }).dataSync(), tf.leakyRelu(pre, 0.1).dataSync(), 'leakyrelu');
    bitsEqual(tf.fused.matMul({ a, b, bias, activation: 'relu6' }).dataSync(), tf.relu6(pre).dataSync(), 'relu6');
    const ref = onBackend('reference', () => {
      const [ra, rb, rc] = [tf.tensor(values(12, 3), [3, 4]), tf.tensor(values(20, 4), [4, 5]), tf.tensor(values(5, 5), [5])];
      return [tf.fused.matMul({ a: ra, b: rb, bias: rc, activation: 'relu' }).dataSync(), tf.relu(tf.add(tf.matMul(ra, rb), rc)).dataSync()];
    });
    bitsEqual(ref[0]!, ref[1]!, 'reference');
    assert.throws(() => tf.fused.matMul({ a, b, activation: 'tanh' as never }), /fused.matMul: `activation` must be one of/);
    assert.throws(() => tf.fused.matMul({ a, b: a }), /inner dimensions must match/);
  });

  it('a Keras Dense layer (fused) equals the hand-written matMul + add + relu bit for bit, with gradients', () =>
    onBackend('native', () => {
      const layer = tf.layers.dense({ units: 33, activation: 'relu', inputShape: [19] });
      const x = tf.tensor(values(7 * 19, 8), [7, 19]);
      const y = layer.apply(x) as tf.Tensor;
      const [w, c] = layer.getWeights();
      const hand = tf.relu(tf.add(tf.matMul(x, w!), c!));
      bitsEqual(y.dataSync(), hand.dataSync(), 'Dense forward');
      const gl = tf.grad((t: tf.Tensor) => tf.sum(tf.square(layer.apply(t) as tf.Tensor)))(x);
      const gh = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.add(tf.matMul(t, w!), c!)))))(x);
      bitsEqual(gl.dataSync(), gh.dataSync(), 'Dense input gradient');
    }));

  it('second order through tf.fused.matMul (its _FusedMatMul and _ReluGrad gradients) equals the composition', () =>
    onBackend('native', () => {
      const x = tf.tensor(values(6 * 9, 21), [6, 9]);
      const w = tf.tensor(values(9 * 5, 22), [9, 5]);
      const c = tf.tensor(values(5, 23), [5]);
      const v = tf.tensor(values(6 * 9, 24), [6, 9]);
      const run = (fused: boolean) => {
        const f = (xx: tf.Tensor, ww: tf.Tensor) =>
          fused ? tf.fused.matMul({ a: xx, b: ww, bias: c, activation: 'relu' }) : tf.relu(tf.add(tf.matMul(xx, ww), c));
        // d/dw of <d/dx sum(f(x, w)^2), v>
        return tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.grad((xx: tf.Tensor) => tf.sum(tf.square(f(xx, ww))))(x), v)))(w).dataSync();
      };
      bitsEqual(run(true), run(false), 'second-order gradient');
    }));

  it('threaded elementwise kernels (≥ 2^17 elements, every broadcast mode): reference bits for 1, 2 and 3 threads', () => {
    const shapes: [number[], number[]][] = [[[400, 500], [400, 500]], [[400, 500], []], [[], [400, 500]], [[400, 500], [500]], [[500], [400, 500]], [[70, 3001], [3001]]];
    const compute = () => {
      const out: ArrayLike<number>[] = [];
      let seed = 40;
      for (const [sa, sb] of shapes) {
        const a = tf.tensor(values(sa.reduce((p, q) => p * q, 1), seed++), sa);
        const b = tf.tensor(values(sb.reduce((p, q) => p * q, 1), seed++), sb);
        for (const f of [tf.add, tf.sub, tf.mul, tf.div, tf.greater, tf.lessEqual] as ((x: tf.Tensor, y: tf.Tensor) => tf.Tensor)[]) out.push(f(a, b).dataSync());
      }
      const x = tf.tensor(values(300000, 7), [600, 500]);
      out.push(tf.relu(x).dataSync(), tf.where(tf.greater(x, 0), x, 0).dataSync(), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), 3)))(x).dataSync());
      out.push(tf.fused.matMul({ a: tf.tensor(values(600 * 30, 8), [600, 30]), b: tf.tensor(values(30 * 400, 9), [30, 400]), activation: 'relu' }).dataSync());
      return out;
    };
    const ref = onBackend('reference', compute).slice(0, -1);
    try {
      const runs = [1, 2, 3].map((t) => {
        tf.setNumThreads(t);
        return onBackend('native', compute);
      });
      runs[0]!.slice(0, -1).forEach((v, i) => bitsEqual(v, ref[i]!, `elementwise ${i} vs reference`));
      for (const r of runs.slice(1)) r.forEach((v, i) => bitsEqual(v, runs[0]![i]!, `output ${i}`));
    } finally {
      tf.setNumThreads(0);
    }
  });

  it('thread count never changes the fused matmul (300×200×400, relu, bias)', () => {
    try {
      const outs = [1, 2, 3].map((t) => {
        tf.setNumThreads(t);
        return onBackend('native', () => tf.fused.matMul({ a: tf.tensor(values(300 * 400, 1), [300, 400]), b: tf.tensor(values(400 * 200, 2), [400, 200]), bias: tf.tensor(values(200, 3), [200]), activation: 'relu' }).dataSync());
      });
      bitsEqual(outs[1]!, outs[0]!, '2 threads');
      bitsEqual(outs[2]!, outs[0]!, '3 threads');
    } finally {
      tf.setNumThreads(0);
    }
  });
});
