/**
 * Keras's compiled train step (`compile({runEagerly})`, src/models/training.ts): from the second
 * call on, `trainOnBatch` / `fit` replay a `tf.function` trace of the step. The replay must give
 * the eager step's numbers bit for bit (dropout, batch norm, regularizers, constraints, several
 * outputs), retrace when the trainable variables change, and fall back to eager where a trace
 * cannot stand in for the step. Also the backward-only kernels the traces hold
 * (`_FusedMatMulGrad`, `_SoftmaxCrossEntropyGrad`) against the compositions they replace.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import type { KernelFunc } from '../src/core/backend.ts';
import { Layer } from '../src/layers/layer.ts';
import { expectThrows, rng } from './util.ts';

function data(n: number, inDim: number, classes: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  const r = rng(seed);
  const xv = Float32Array.from({ length: n * inDim }, () => 2 * r() - 1);
  const labels = Int32Array.from({ length: n }, () => Math.floor(r() * classes));
  return { x: tf.tensor(xv, [n, inDim]), y: tf.oneHot(tf.tensor(labels, [n], 'int32'), classes).cast('float32') };
}

function mlp(seed: number, extra: (m: tf.Sequential) => void = () => {}): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 24, activation: 'relu', inputShape: [12], kernelInitializer: tf.initializers.glorotUniform({ seed }), kernelRegularizer: { l2: 1e-3 } }));
  m.add(tf.layers.dropout({ rate: 0.25, seed: seed + 1 }));
  extra(m);
  m.add(tf.layers.dense({ units: 5, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }), kernelConstraint: tf.constraints.maxNorm({ maxValue: 0.5 }) }));
  return m;
}

function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
}

/** Kernel names run by `fn` on the current backend. */
function kernelsRun(fn: () => void): string[] {
  const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
  const orig = be.kernels;
  const names: string[] = [];
  const wrapped: Record<string, KernelFunc> = {};
  for (const [n, k] of Object.entries(orig)) wrapped[n] = (a) => (names.push(n), k(a));
  Object.defineProperty(be, 'kernels', { value: wrapped, configurable: true, writable: true });
  try {
    fn();
  } finally {
    Object.defineProperty(be, 'kernels', { value: orig, configurable: true, writable: true });
  }
  return names;
}

/** Runs `fn` with kernels removed from the current backend (the ops then take their compositions). */
function withoutKernels<T>(names: string[], fn: () => T): T {
  const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
  const orig = be.kernels;
  Object.defineProperty(be, 'kernels', { value: Object.fromEntries(Object.entries(orig).filter(([k]) => !names.includes(k))), configurable: true, writable: true });
  try {
    return fn();
  } finally {
    Object.defineProperty(be, 'kernels', { value: orig, configurable: true, writable: true });
  }
}

/** Losses of `steps` trainOnBatch calls and the final weights, from a fresh model. */
function train(build: () => tf.LayersModel, runEagerly: boolean, steps: number, batches: { x: tf.Tensor; y: tf.Tensor | tf.Tensor[] }[]): { losses: number[]; weights: number[][] } {
  tf.setSeed(5);
  const m = build();
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', runEagerly });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const b = batches[s % batches.length]!;
    const r = m.trainOnBatch(b.x, b.y);
    losses.push(Array.isArray(r) ? r[0]! : r);
  }
  return { losses, weights: m.weights.map((w) => bits(w.read())) };
}

describe('Keras compiled train step (tf.function replay)', () => {
  const batches = [data(16, 12, 5, 1), data(16, 12, 5, 2), data(7, 12, 5, 3)];

  it('replays give the eager step bit for bit: dropout, regularizer, constraint, a partial last batch', () => {
    const eager = train(() => mlp(10), true, 9, batches);
    const compiled = train(() => mlp(10), false, 9, batches);
    assert.deepEqual(compiled.losses, eager.losses);
    assert.deepEqual(compiled.weights, eager.weights);
    assert.ok(eager.losses[6]! < eager.losses[0]!, 'it trains (same batch, two epochs apart)');
  });

  it('with batch normalization (moving statistics assigned in the step) and fit', async () => {
    const build = () => mlp(20, (m) => m.add(tf.layers.batchNormalization()));
    const eager = train(build, true, 6, batches);
    const compiled = train(build, false, 6, batches);
    assert.deepEqual(compiled.losses, eager.losses);
    assert.deepEqual(compiled.weights, eager.weights);
    const viaFit = async (runEagerly: boolean) => {
      tf.setSeed(5);
      const m = build();
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', runEagerly });
      const { x, y } = data(40, 12, 5, 9);
      const h = await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, seed: 3 });
      return [h.history['loss'], m.weights.map((w) => bits(w.read()))];
    };
    assert.deepEqual(await viaFit(false), await viaFit(true));
  });

  it('several outputs: total and per-output losses replayed bit for bit', () => {
    const build = () => {
      const inp = tf.input({ shape: [12] });
      const h = tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 31 }) }).apply(inp) as tf.KerasTensor;
      const a = tf.layers.dense({ units: 5, name: 'a', kernelInitializer: tf.initializers.glorotUniform({ seed: 32 }) }).apply(h) as tf.KerasTensor;
      const b = tf.layers.dense({ units: 5, name: 'b', kernelInitializer: tf.initializers.glorotUniform({ seed: 33 }) }).apply(h) as tf.KerasTensor;
      return tf.model({ inputs: inp, outputs: [a, b] });
    };
    const two = batches.map((b) => ({ x: b.x, y: [b.y, b.y] }));
    const run = (runEagerly: boolean) => {
      tf.setSeed(5);
      const m = build();
      m.compile({ optimizer: tf.train.adam(0.01), loss: ['categoricalCrossentropy', 'meanSquaredError'], lossWeights: [1, 0.5], runEagerly });
      const out: number[][] = [];
      for (let s = 0; s < 5; s++) out.push(m.trainOnBatch(two[s % 3]!.x, two[s % 3]!.y) as unknown as number[]);
      return [out, m.weights.map((w) => bits(w.read()))];
    };
    assert.deepEqual(run(false), run(true));
  });

  it('after the first (eager) call the step is replayed: no op wrappers, one trace per signature', () => {
    tf.setSeed(5);
    const m = mlp(40);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const { x, y } = batches[0]!;
    m.trainOnBatch(x, y);
    m.trainOnBatch(x, y); // traced (eager with recording)
    const trace = tf.ENGINE as unknown as { withOpName: (n: string, f: () => unknown) => unknown };
    const orig = trace.withOpName;
    let ops = 0;
    trace.withOpName = function (this: unknown, n: string, f: () => unknown) {
      ops++;
      return orig.call(this, n, f);
    };
    try {
      m.trainOnBatch(x, y);
    } finally {
      trace.withOpName = orig;
    }
    // A replay runs kernels directly; only the replayable units (dropout's draw, the optimizer
    // step) call ops again.
    const eagerOps = (() => {
      let n = 0;
      trace.withOpName = function (this: unknown, nm: string, f: () => unknown) {
        n++;
        return orig.call(this, nm, f);
      };
      try {
        const e = mlp(41);
        e.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', runEagerly: true });
        e.trainOnBatch(x, y);
        n = 0;
        e.trainOnBatch(x, y);
      } finally {
        trace.withOpName = orig;
      }
      return n;
    })();
    assert.ok(ops < eagerOps / 2, `replay ran ${ops} op wrappers, eager ${eagerOps}`);
    const fn = (m as unknown as { compiled: { trainFunction: { traceCount: number } } }).compiled.trainFunction;
    assert.equal(fn.traceCount, 1);
    m.trainOnBatch(batches[2]!.x, batches[2]!.y); // a new batch size: a second trace
    m.trainOnBatch(x, y);
    assert.equal(fn.traceCount, 2);
  });

  it('freezing a layer retraces (its weights stop changing), as in eager mode', () => {
    const run = (runEagerly: boolean) => {
      tf.setSeed(5);
      const m = mlp(50);
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', runEagerly });
      for (let s = 0; s < 3; s++) m.trainOnBatch(batches[0]!.x, batches[0]!.y);
      m.layers[0]!.trainable = false;
      const before = bits(m.layers[0]!.getWeights()[0]!);
      for (let s = 0; s < 3; s++) m.trainOnBatch(batches[1]!.x, batches[1]!.y);
      assert.deepEqual(bits(m.layers[0]!.getWeights()[0]!), before, 'frozen kernel unchanged');
      return m.weights.map((w) => bits(w.read()));
    };
    assert.deepEqual(run(false), run(true));
  });

  it('a layer that reads a tensor value in call keeps its step eager (same numbers), and runs under a tape stay eager', () => {
    class Peek extends Layer {
      static override className = 'Peek';
      call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        const t = x as tf.Tensor;
        const s = tf.sum(t).dataSync()[0]!; // host-side value: cannot be traced
        return tf.mul(t, s > 0 ? 1 : -1);
      }
    }
    const run = (runEagerly: boolean) => {
      tf.setSeed(5);
      const m = mlp(60, (mm) => mm.add(new Peek({})));
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', runEagerly });
      const losses: number[] = [];
      for (let s = 0; s < 5; s++) losses.push(m.trainOnBatch(batches[s % 2]!.x, batches[s % 2]!.y) as number);
      return [losses, m.weights.map((w) => bits(w.read()))];
    };
    assert.deepEqual(run(false), run(true));
    // Under a recording tape the replay would not be recorded: the step runs eagerly.
    tf.setSeed(5);
    const m = mlp(70);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    for (let s = 0; s < 3; s++) m.trainOnBatch(batches[0]!.x, batches[0]!.y);
    const names = kernelsRun(() => {
      tf.grad((t: tf.Tensor) => {
        m.trainOnBatch(batches[0]!.x, batches[0]!.y);
        return tf.sum(t);
      })(tf.ones([2]));
    });
    assert.ok(!names.includes('_FusedMatMulGrad'), 'no backward-only kernel under a recording tape');
  });

  it('switching backends between steps retraces (a trace holds its backend kernels)', async () => {
    const run = async (runEagerly: boolean) => {
      tf.setSeed(5);
      const m = mlp(80);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', runEagerly });
      const losses: number[] = [];
      const prev = tf.getBackend();
      try {
        for (const be of ['native', 'native', 'native', 'reference', 'reference', 'native']) {
          await tf.setBackend(be);
          losses.push(m.trainOnBatch(batches[0]!.x, batches[0]!.y) as number);
        }
      } finally {
        await tf.setBackend(prev);
      }
      return [losses, m.weights.map((w) => bits(w.read()))];
    };
    assert.deepEqual(await run(false), await run(true));
  });

  it('compile rejects a non-boolean runEagerly', () => {
    expectThrows(() => mlp(1).compile({ optimizer: 'sgd', loss: 'meanSquaredError', runEagerly: 'yes' as never }), /compile: `runEagerly` must be a boolean, received "yes"/);
  });
});

describe('backward-only kernels (native): the compositions they replace, bit for bit', { skip: tf.getBackend() === 'native' ? false : 'native backend not active' }, () => {
  it('_FusedMatMulGrad: only the wanted gradients, each equal to the composition (relu/linear, bias, transposes)', () => {
    const r = rng(77);
    const vals = (n: number) => Float32Array.from({ length: n }, () => 2 * r() - 1);
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      for (const activation of ['relu', 'linear'] as const) {
        const [m, k, n] = [9, 13, 6];
        const a = tf.tensor(vals(m * k), ta ? [k, m] : [m, k]);
        const b = tf.tensor(vals(k * n), tb ? [n, k] : [k, n]);
        const bias = tf.tensor(vals(n), [n]);
        const dy = tf.tensor(vals(m * n), [m, n]);
        const f = (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(tf.fused.matMul({ a: x, b: w, bias: c, transposeA: ta, transposeB: tb, activation }), dy));
        for (const which of [[0, 1, 2], [1, 2], [0]]) {
          const args = [a, b, bias];
          let fusedGs: tf.Tensor[] = [];
          const names = kernelsRun(() => {
            fusedGs = tf.grads((...xs: tf.Tensor[]) => f(...(args.map((t, i) => (which.includes(i) ? xs[which.indexOf(i)]! : t)) as [tf.Tensor, tf.Tensor, tf.Tensor])))(which.map((i) => args[i]!));
          });
          assert.ok(names.includes('_FusedMatMulGrad'), 'the fused backward kernel ran');
          const plainGs = withoutKernels(['_FusedMatMulGrad'], () =>
            tf.grads((...xs: tf.Tensor[]) => f(...(args.map((t, i) => (which.includes(i) ? xs[which.indexOf(i)]! : t)) as [tf.Tensor, tf.Tensor, tf.Tensor])))(which.map((i) => args[i]!)),
          );
          assert.deepEqual(fusedGs.map(bits), plainGs.map(bits), `ta ${ta} tb ${tb} ${activation} grads of ${which}`);
        }
      }
    }
  });

  it('_SoftmaxCrossEntropyGrad equals dy · (softmax − labels), rank 2 and 3; labels gradient still the composition', () => {
    const r = rng(78);
    for (const shape of [[7, 5], [3, 4, 6], [0, 5], [3000, 50]]) {
      const n = shape.reduce((p, q) => p * q, 1);
      const logits = tf.tensor(Float32Array.from({ length: n }, () => 6 * r() - 3), shape);
      const labels = tf.softmax(tf.tensor(Float32Array.from({ length: n }, () => r()), shape));
      const w = tf.tensor(Float32Array.from({ length: n / shape[shape.length - 1]! }, () => r()), shape.slice(0, -1));
      const loss = (z: tf.Tensor, l: tf.Tensor) => tf.sum(tf.mul(tf.softmaxCrossEntropyWithLogits({ labels: l, logits: z }), w));
      // Threads (≥ 2^17 elements: the threaded elementwise loops) never change a bit.
      const byThreads = [1, 2].map((t) => {
        tf.setNumThreads(t);
        try {
          return bits(tf.grad((z: tf.Tensor) => loss(z, labels))(logits));
        } finally {
          tf.setNumThreads(0);
        }
      });
      assert.deepEqual(byThreads[1], byThreads[0], `shape ${shape}: 1 vs 2 threads`);
      let fused: tf.Tensor | null = null;
      const names = kernelsRun(() => (fused = tf.grad((z: tf.Tensor) => loss(z, labels))(logits)));
      assert.ok(names.includes('_SoftmaxCrossEntropyGrad'));
      const plain = withoutKernels(['_SoftmaxCrossEntropyGrad'], () => tf.grad((z: tf.Tensor) => loss(z, labels))(logits));
      assert.deepEqual(bits(fused!), bits(plain), `shape ${shape}`);
      const both = kernelsRun(() => tf.grads((z: tf.Tensor, l: tf.Tensor) => loss(z, l))([logits, labels]));
      assert.ok(!both.includes('_SoftmaxCrossEntropyGrad'), 'with the labels gradient wanted: the composition');
    }
    expectThrows(() => tf.ENGINE.runKernel('_SoftmaxCrossEntropyGrad', { dy: tf.ones([3]), logits: tf.ones([3, 1]), labels: tf.ones([3, 1]) }), /_SoftmaxCrossEntropyGrad: expected logits and labels \[\.\., n > 1\]/);
  });
});
