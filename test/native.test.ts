/**
 * Native backend (C++ Node-API addon) against the reference backend.
 *
 * GEMM tolerance: the native kernel accumulates each output in float32 (with FMA on AVX2
 * machines), the reference kernel in float64 then rounds once. For out = Σ_l a_l·b_l the
 * float32 error is bounded by ~k·ε·Σ_l |a_l·b_l| in the worst case and ~√k·ε typically, so each
 * element is checked against |native − reference| ≤ 1e-5 · Σ_l |a_l·b_l| (relative to the sum
 * of magnitudes, the natural scale of a dot product; plain relative error is meaningless when
 * terms cancel). Results must be identical bit for bit from run to run.
 *
 * Skipped, with a message, when the addon is not built (native/build/Release/idem_native.node).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { loadNativeAddon, NATIVE_KERNELS, NativeBackend, nativeLoadError, registerNativeBackend } from '../src/backends/native/index.ts';
import { kernels as referenceKernels } from '../src/backends/reference/kernels/index.ts';
import { rng } from './util.ts';

const addon = loadNativeAddon();
const skip = addon ? false : `native addon not built (${nativeLoadError() ?? 'missing'}); run \`npm install\` or \`node native/build.mjs\``;
if (!addon) console.log(`# test/native.test.ts skipped: ${skip}`);
if (addon) registerNativeBackend(tf.ENGINE);

function randArray(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = 2 * r() - 1;
  return v;
}

interface Case { ba: number; bb: number; m: number; n: number; k: number; ta: boolean; tb: boolean }

/** Σ_l |op(a)[p,i,l]·op(b)[p,l,j]| for every output element (the error scale). */
function magnitudes(c: Case, a: Float32Array, b: Float32Array): Float64Array {
  const { ba, bb, m, n, k, ta, tb } = c;
  const batch = Math.max(ba, bb);
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = (ba === 1 ? 0 : p) * m * k;
    const bo = (bb === 1 ? 0 : p) * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) {
          s += Math.abs(a[ao + (ta ? l * m + i : i * k + l)]! * b[bo + (tb ? j * k + l : l * n + j)]!);
        }
        out[(p * m + i) * n + j] = s;
      }
  }
  return out;
}

function runOn(backend: string, c: Case, a: Float32Array, b: Float32Array): Float32Array {
  const prev = tf.getBackend();
  tf.ENGINE.setBackendSync(backend);
  try {
    const at = tf.tensor(a, c.ta ? [c.ba, c.k, c.m] : [c.ba, c.m, c.k], 'float32');
    const bt = tf.tensor(b, c.tb ? [c.bb, c.n, c.k] : [c.bb, c.k, c.n], 'float32');
    const out = tf.matMul(at, bt, c.ta, c.tb);
    assert.deepEqual(out.shape, [c.ba === 0 || c.bb === 0 ? 0 : Math.max(c.ba, c.bb), c.m, c.n]);
    return Float32Array.from(out.dataSync() as Float32Array);
  } finally {
    tf.ENGINE.setBackendSync(prev);
  }
}

function checkCase(c: Case, seed: number): void {
  const a = randArray(c.ba * c.m * c.k, seed);
  const b = randArray(c.bb * c.k * c.n, seed + 1000);
  const expected = runOn('reference', c, a, b);
  const actual = runOn('native', c, a, b);
  const mag = magnitudes(c, a, b);
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= 1e-5 * mag[i]! + 1e-30)) {
      assert.fail(`${JSON.stringify(c)}: element ${i}: native ${actual[i]}, reference ${expected[i]}, |err| ${err} > 1e-5·${mag[i]}`);
    }
  }
  // Run to run: bit-identical.
  const again = runOn('native', c, a, b);
  assert.deepEqual(again, actual, `${JSON.stringify(c)}: not identical run to run`);
}

const combos: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];
const sizes = [1, 7, 13, 65, 129];

describe('native backend', { skip }, () => {
  before(() => addon!.setKernel('auto'));
  after(() => addon!.setKernel('auto'));

  it('overrides exactly its native kernels, every other kernel is the reference one', () => {
    const be = new NativeBackend(addon!);
    for (const [name, fn] of Object.entries(referenceKernels)) {
      const native = (NATIVE_KERNELS as readonly string[]).includes(name);
      assert.equal(be.kernels[name] !== fn, native, `kernel ${name}`);
    }
    // Plus the fused kernels the reference backend does not have (ops run the composition there).
    const extra = Object.keys(be.kernels).filter((k) => !(k in referenceKernels)).sort();
    assert.deepEqual(extra, ['AdamUpdate', 'Dropout', 'FusedBatchNorm', 'FusedBatchNormGrad', 'RMSpropUpdate', 'SGDUpdate', '_Attention', '_AttentionGrad', '_DropoutGrad', '_FusedConv2D', '_FusedMatMul', '_FusedMatMulGrad', '_LayerNorm', '_LayerNormGrad', '_RNNSequence', '_RNNSequenceGrad', '_ReluGrad', '_SoftmaxCrossEntropyGrad']);
    for (const k of extra) assert.ok((NATIVE_KERNELS as readonly string[]).includes(k), `${k} listed in NATIVE_KERNELS`);
  });

  it('reports its ISA path (kernel = isa, one of the paths this CPU runs)', () => {
    const info = addon!.info();
    assert.equal(info.kernel, info.isa);
    assert.ok(info.isas.includes(info.isa) && info.isas.includes(info.isaAuto) && info.isas.includes('generic'));
    assert.equal(info.isas.includes('avx2'), info.avx2fma);
    assert.equal(info.isas.includes('avx512'), info.avx512);
  });

  for (const kernel of ['auto', 'generic'] as const) {
    describe(`GEMM (${kernel} micro-kernel) vs reference`, () => {
      before(() => assert.ok(addon!.setKernel(kernel)));
      after(() => addon!.setKernel('auto'));

      it('odd sizes, all four transpose combinations', () => {
        const r = rng(kernel === 'auto' ? 11 : 12);
        const pick = () => sizes[Math.floor(r() * sizes.length)]!;
        let seed = 1;
        for (const [ta, tb] of combos) {
          for (let t = 0; t < 6; t++) checkCase({ ba: 1, bb: 1, m: pick(), n: pick(), k: pick(), ta, tb }, seed++);
          checkCase({ ba: 1, bb: 1, m: 129, n: 65, k: 13, ta, tb }, seed++);
        }
      });

      it('blocking edges: k > 256 (k blocks), m > 144 (m blocks), n > 4096 (n blocks)', () => {
        let seed = 100;
        for (const [ta, tb] of combos) {
          checkCase({ ba: 1, bb: 1, m: 150, n: 37, k: 300, ta, tb }, seed++);
          checkCase({ ba: 1, bb: 1, m: 3, n: 4100, k: 5, ta, tb }, seed++);
        }
        checkCase({ ba: 1, bb: 1, m: 7, n: 17, k: 513, ta: false, tb: false }, seed++);
      });

      if (kernel === 'generic') {
        it('the documented order, bit for bit: per k block of 256 a float32 multiply then add from 0 in l order, blocks added in order', () => {
          const f = Math.fround;
          let seed = 300;
          for (const [ta, tb] of combos) {
            for (const [m, n, k] of [[7, 19, 5], [13, 8, 300], [6, 17, 513]] as const) {
              const c: Case = { ba: 1, bb: 1, m, n, k, ta, tb };
              const a = randArray(m * k, seed++);
              const b = randArray(k * n, seed++);
              const got = runOn('native', c, a, b);
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < n; j++) {
                  let acc = 0;
                  for (let p = 0; p < k; p += 256) {
                    let s = 0;
                    for (let l = p; l < Math.min(k, p + 256); l++) s = f(s + f(a[ta ? l * m + i : i * k + l]! * b[tb ? j * k + l : l * n + j]!));
                    acc = p === 0 ? s : f(acc + s);
                  }
                  if (got[i * n + j] !== acc) assert.fail(`ta=${ta} tb=${tb} ${m}×${n}×${k}: C[${i}, ${j}] = ${got[i * n + j]}, the documented order gives ${acc}`);
                }
              }
            }
          }
        });
      }

      it('batched, with a broadcast batch of 1 on either side', () => {
        let seed = 200;
        for (const [ta, tb] of combos) {
          checkCase({ ba: 3, bb: 3, m: 7, n: 13, k: 65, ta, tb }, seed++);
          checkCase({ ba: 4, bb: 1, m: 13, n: 7, k: 9, ta, tb }, seed++);
          checkCase({ ba: 1, bb: 5, m: 6, n: 17, k: 33, ta, tb }, seed++);
        }
      });

      it('empty dimensions: k = 0 gives zeros, m = 0 / n = 0 / batch 0 give empty results', () => {
        for (const [ta, tb] of combos) {
          const z = runOn('native', { ba: 2, bb: 1, m: 3, n: 4, k: 0, ta, tb }, new Float32Array(0), new Float32Array(0));
          assert.deepEqual(Array.from(z), new Array(24).fill(0));
          assert.equal(runOn('native', { ba: 1, bb: 1, m: 0, n: 4, k: 3, ta, tb }, new Float32Array(0), randArray(12, 1)).length, 0);
          assert.equal(runOn('native', { ba: 1, bb: 1, m: 4, n: 0, k: 3, ta, tb }, randArray(12, 1), new Float32Array(0)).length, 0);
          assert.equal(runOn('native', { ba: 0, bb: 1, m: 2, n: 2, k: 2, ta, tb }, new Float32Array(0), randArray(4, 1)).length, 0);
        }
      });
    });
  }

  it('GEMM results are bit-identical whatever the thread count and split (row or column chunks; ~52 MFLOP, above the 4e6 threading threshold)', () => {
    const run = (threads: number, m: number, n: number, k: number, ta: boolean, tb: boolean) => {
      addon!.setNumThreads(threads);
      const out = new Float32Array(m * n);
      addon!.batchMatMul(randArray(m * k, 5), randArray(k * n, 6), out, 1, 1, 1, m, n, k, ta, tb);
      return out;
    };
    try {
      // m < n splits C's columns over threads, m ≥ n its rows (auto); both forced as well.
      for (const split of ['split-auto', 'split-columns', 'split-rows'] as const) {
        assert.ok(addon!.setKernel(split), `setKernel('${split}') accepted`);
        for (const [m, n] of [[260, 333], [333, 260], [301, 301]] as const) {
          for (const [ta, tb] of combos) {
            const one = run(1, m, n, 300, ta, tb);
            for (const t of [2, 3, 5]) assert.deepEqual(run(t, m, n, 300, ta, tb), one, `${split}, ${m}×${n}, ${t} threads, ${ta} ${tb}`);
          }
        }
      }
      assert.equal(addon!.setKernel('split-diagonal' as 'split-auto'), false, 'an unknown split is refused');
    } finally {
      addon!.setKernel('split-auto');
      addon!.setNumThreads(0);
    }
  });

  it('tf.setNumThreads / tf.getNumThreads: the pool size, 0 = default, bad counts rejected', () => {
    try {
      assert.equal(tf.setNumThreads(3), 3);
      assert.equal(tf.getNumThreads(), 3);
      assert.equal(addon!.info().threads, 3);
      const def = tf.setNumThreads(0);
      const env = Number(process.env['IDEM_NUM_THREADS'] ?? 0);
      assert.ok(def >= 1, `default ${def}`);
      if (env > 0) assert.equal(def, env);
      for (const bad of [-1, 1.5, NaN, 1000]) assert.throws(() => tf.setNumThreads(bad), /setNumThreads: expected an integer/);
    } finally {
      tf.setNumThreads(0);
    }
  });

  it('hand-computed values, and int32 falls back to the reference kernel', () => {
    const prev = tf.getBackend();
    tf.ENGINE.setBackendSync('native');
    try {
      const a = tf.tensor([[1, 2, 3], [4, 5, 6]]);
      const b = tf.tensor([[7, 8], [9, 10], [11, 12]]);
      assert.deepEqual(Array.from(tf.matMul(a, b).dataSync()), [58, 64, 139, 154]);
      assert.deepEqual(Array.from(tf.matMul(a, b, true, true).dataSync()), [39, 49, 59, 54, 68, 82, 69, 87, 105]);
      const i = tf.matMul(tf.tensor([[1, 2], [3, 4]], [2, 2], 'int32'), tf.tensor([[5, 6], [7, 8]], [2, 2], 'int32'));
      assert.equal(i.dtype, 'int32');
      assert.ok(i.dataSync() instanceof Int32Array);
      assert.deepEqual(Array.from(i.dataSync()), [19, 22, 43, 50]);
    } finally {
      tf.ENGINE.setBackendSync(prev);
    }
  });

  it('setBackend("native"): an MLP forward and gradient match the reference backend', async () => {
    const prev = tf.getBackend();
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      assert.equal(tf.getBackend(), backend);
      const r = rng(7);
      const rand = (shape: number[], s = 1) => tf.tensor(Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => s * (2 * r() - 1)), shape);
      const x = rand([20, 50]);
      const w1 = rand([50, 64], 0.2), b1 = rand([64], 0.1);
      const w2 = rand([64, 10], 0.2), b2 = rand([10], 0.1);
      const f = (w: tf.Tensor) => tf.softmax(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w), b1)), w2), b2));
      const y = f(w1);
      const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(f(w), tf.range(0, 10))))(w1);
      return { y: Float32Array.from(y.dataSync() as Float32Array), g: Float32Array.from(g.dataSync() as Float32Array) };
    };
    try {
      const ref = await run('reference');
      const nat = await run('native');
      for (const key of ['y', 'g'] as const) {
        for (let i = 0; i < ref[key].length; i++) {
          assert.ok(Math.abs(nat[key][i]! - ref[key][i]!) <= 1e-5 * (1 + Math.abs(ref[key][i]!)), `${key}[${i}]: native ${nat[key][i]}, reference ${ref[key][i]}`);
        }
      }
      const again = await run('native');
      assert.deepEqual(again, nat);
    } finally {
      await tf.setBackend(prev);
    }
  });
});

describe('native elementwise kernels: bit-identical to the reference', { skip }, () => {
  const both = (fn: () => tf.Tensor): [number[], number[], number[]] => {
    const prev = tf.getBackend();
    try {
      tf.ENGINE.setBackendSync('reference');
      const r = fn();
      tf.ENGINE.setBackendSync('native');
      const n = fn();
      assert.deepEqual(n.shape, r.shape);
      assert.equal(n.dtype, r.dtype);
      return [Array.from(n.dataSync()), Array.from(r.dataSync()), n.shape];
    } finally {
      tf.ENGINE.setBackendSync(prev);
    }
  };
  const t = (shape: number[], seed: number) => tf.tensor(randArray(shape.reduce((x, y) => x * y, 1), seed), shape);
  const pairs: [number[], number[]][] = [
    [[4, 5], [4, 5]], [[4, 5], []], [[], [4, 5]], [[3, 4, 5], [5]], [[5], [3, 4, 5]], [[3, 4, 5], [4, 5]],
    [[3, 4, 5], [1, 1, 5]], [[4, 1], [1, 5]], [[3, 1, 5], [4, 1]], [[0, 5], [5]], [[2, 3], [1]],
    // A column on either side (one value per row: the native column modes) and near misses.
    [[4, 5], [4, 1]], [[4, 1], [4, 5]], [[3, 4, 5], [3, 4, 1]], [[3, 4, 1], [3, 4, 5]], [[4, 5], [1, 4, 1]],
    [[3, 4, 5], [1, 4, 1]], [[3, 4, 5], [3, 1, 1]], [[0, 5], [0, 1]], [[6, 1], [6, 1]], [[130, 1100], [130, 1]],
  ];
  it('Add, Sub, Mul, Div, Greater, GreaterEqual, Less, LessEqual with broadcasting', () => {
    const ops = [tf.add, tf.sub, tf.mul, tf.div, tf.greater, tf.greaterEqual, tf.less, tf.lessEqual] as ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)[];
    let seed = 1;
    for (const [sa, sb] of pairs) {
      for (const f of ops) {
        const s = seed++;
        const [n, r] = both(() => f(t(sa, s), t(sb, s + 500)));
        assert.deepEqual(n, r, `${f.name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      }
    }
    // Special values: signed zeros, infinities, NaN, division by zero.
    const sp = [0, -0, 1, -1, Infinity, -Infinity, NaN, 3.4e38, 1e-45];
    const xs = sp.flatMap((x) => sp.map(() => x));
    const ys = sp.flatMap(() => sp);
    for (const f of ops) {
      const [n, r] = both(() => f(tf.tensor(xs), tf.tensor(ys)));
      assert.ok(n.every((v, i) => Object.is(v, r[i])), `${f.name} special values`);
      const [nc, rc] = both(() => f(tf.tensor(xs, [sp.length, sp.length]), tf.tensor(sp, [sp.length, 1])));
      assert.ok(nc.every((v, i) => Object.is(v, rc[i])), `${f.name} special values against a column`);
      const [nc2, rc2] = both(() => f(tf.tensor(sp, [sp.length, 1]), tf.tensor(xs, [sp.length, sp.length])));
      assert.ok(nc2.every((v, i) => Object.is(v, rc2[i])), `${f.name} special values, column first`);
    }
  });
  it('Slice: contiguous runs (one copy) and every other slice (reference) equal the reference', () => {
    const shape = [4, 3, 5];
    const cases: [number[], number[]][] = [
      [[1, 0, 0], [2, 3, 5]], [[0, 0, 0], [4, 3, 5]], [[3, 1, 0], [1, 2, 5]], [[2, 2, 1], [1, 1, 3]], [[0, 0, 0], [0, 3, 5]],
      [[1, 1, 0], [2, 2, 5]], [[0, 0, 2], [4, 3, 2]], [[1, 0, 1], [1, 3, 4]], [[2, 1, 4], [1, 1, 1]],
    ];
    for (const [begin, size] of cases) {
      const [n, r, sh] = both(() => tf.slice(t(shape, 21), begin, size));
      assert.deepEqual(n, r, `slice ${JSON.stringify(begin)} ${JSON.stringify(size)}`);
      assert.deepEqual(sh, size, 'shape');
    }
    const [n1, r1] = both(() => tf.slice(t([1000, 784], 22), [300], [100]));
    assert.deepEqual(n1, r1, 'a batch of rows');
  });

  it('PadV2 (tf.pad, ZeroPadding2D): contiguous runs copied into the constant equal the reference', () => {
    const cases: [number[], [number, number][], number][] = [
      [[2, 5, 6, 3], [[0, 0], [3, 3], [3, 3], [0, 0]], 0],
      [[2, 5, 6, 3], [[0, 0], [1, 0], [0, 2], [0, 0]], -1.5],
      [[3, 4], [[1, 2], [0, 0]], 7],
      [[3, 4], [[0, 0], [0, 0]], 0],
      [[4], [[2, 3]], NaN],
      [[2, 0, 3], [[1, 1], [2, 0], [0, 1]], 0],
      [[2, 3, 4, 5, 2], [[1, 0], [0, 1], [2, 2], [0, 0], [1, 1]], 0.25],
    ];
    let seed = 40;
    for (const [shape, paddings, c] of cases) {
      const s = seed++;
      const [n, r, sh] = both(() => tf.pad(t(shape, s), paddings, c));
      assert.ok(n.length === r.length && n.every((v, i) => Object.is(v, r[i])), `pad ${JSON.stringify(shape)} ${JSON.stringify(paddings)} ${c}`);
      assert.deepEqual(sh, shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]));
    }
  });

  it('Relu (NaN stays NaN), Select (scalar branches), Sum over axes', () => {
    const x = () => tf.tensor([-2, -0, 0, 1.5, NaN, -Infinity, Infinity, 3], [2, 4]);
    const [n, r] = both(() => tf.relu(x()));
    assert.ok(n.every((v, i) => Object.is(v, r[i])));
    assert.deepEqual(both(() => tf.where(tf.greater(x(), 0), x(), 0)).slice(0, 1), both(() => tf.where(tf.greater(x(), 0), x(), 0)).slice(1, 2));
    for (const [tb, eb] of [[[2, 4], [2, 4]], [[], [2, 4]], [[2, 4], []], [[], []], [[4], [2, 4]]] as [number[], number[]][]) {
      const [sn, sr] = both(() => tf.where(tf.greater(x(), 0), t(tb, 3), t(eb, 4)));
      assert.deepEqual(sn, sr, `where ${JSON.stringify(tb)} ${JSON.stringify(eb)}`);
    }
    const shape = [3, 4, 5, 6];
    for (const axes of [[0], [1], [3], [0, 1], [1, 2], [2, 3], [0, 1, 2, 3], [], [0, 2], [-1]]) {
      for (const keepDims of [false, true]) {
        const [sn, sr, sh] = both(() => tf.sum(t(shape, 9), axes, keepDims));
        assert.deepEqual(sn, sr, `sum ${JSON.stringify(axes)} keepDims ${keepDims} → ${JSON.stringify(sh)}`);
      }
    }
  });
});

describe('native addon argument checks', { skip }, () => {
  it('a wrong array type or a negative size throws a TypeError naming the argument', () => {
    const a = addon as unknown as { binary(...args: unknown[]): void };
    const f = new Float32Array(4);
    assert.throws(() => a.binary(0, 0, 4, new Float64Array(4), f, f), (e: Error) => e instanceof TypeError && /idem native: .* must be a Float32Array/.test(e.message));
    assert.throws(() => a.binary(0, -1, 4, f, f, f), (e: Error) => e instanceof TypeError && /must be a non-negative integer/.test(e.message));
  });
});
