// The WebAssembly SIMD backend ('wasm') against the reference backend, kernel by kernel, on
// random shapes (odd sizes, empty tensors, broadcasting edge cases): elementwise kernels and Sum
// bit for bit, BatchMatMul within float32 rounding and bit for bit against a naive float32 loop;
// small training runs on 'wasm' against 'reference'; the committed module against a fresh build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as tf from '../src/index.ts';
import type { KernelBackend, TensorInfo } from '../src/core/backend.ts';
import type { DataType, TypedArray } from '../src/core/dtypes.ts';
import { ReferenceBackend } from '../src/backends/reference/index.ts';
import { WasmBackend, instantiateWasmKernels, broadcastPlan, startWasmThreads, WASM_KERNELS } from '../src/backends/wasm/index.ts';
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from '../src/backends/wasm/kernels_wasm.ts';

const wasm = new WasmBackend(instantiateWasmKernels());
const ref = new ReferenceBackend();

/** Deterministic values in [-scale, scale) (an LCG: tests use no Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 3e38, -1e-40, 0.5];
function values(n: number, seed: number, special = false): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = special && i % 3 === 0 ? SPECIAL[(i / 3 + seed) % SPECIAL.length]! : r() * 4;
  return v;
}
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function info(be: KernelBackend, v: TypedArray, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  return { dataId: be.write(v.slice(), shape, dtype), shape, dtype };
}

/** Runs kernel `name` on both backends with the same inputs; returns [wasm, reference] outputs. */
function both(name: string, inputs: Record<string, [TypedArray, number[], DataType?]>, attrs: Record<string, unknown> = {}): [TensorInfo & { v: TypedArray }, TensorInfo & { v: TypedArray }] {
  const run = (be: WasmBackend | ReferenceBackend) => {
    const ins: Record<string, TensorInfo> = {};
    for (const [k, [v, s, d]] of Object.entries(inputs)) ins[k] = info(be, v, s, d ?? 'float32');
    const out = be.kernels[name]!({ inputs: ins, attrs, backend: be }) as TensorInfo;
    return { ...out, v: be.readSync(out.dataId) };
  };
  return [run(wasm), run(ref)];
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, msg: string): void {
  assert.equal(a.length, b.length, `${msg}: length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${msg} [${i}]: wasm ${a[i]} vs reference ${b[i]}`);
  }
}

// Shape pairs: same, scalars, rows, columns, row × column, general broadcast (reference fallback), empty.
const PAIRS: [number[], number[]][] = [
  [[], []], [[1], [1]], [[7], [7]], [[3, 5], [3, 5]], [[2, 3, 9], [2, 3, 9]],
  [[13], []], [[], [13]], [[3, 5], [1, 1]], [[1], [2, 3, 4]],
  [[3, 5], [5]], [[5], [3, 5]], [[4, 3, 5], [1, 5]], [[2, 3, 4], [3, 4]], [[3, 4], [2, 3, 4]],
  [[3, 5], [3, 1]], [[3, 1], [3, 5]], [[4, 3, 5], [4, 1, 1]], [[4, 3, 5], [4, 3, 1]],
  [[3, 1], [1, 5]], [[1, 6], [7, 1]],
  [[2, 1, 3], [1, 4, 1]], [[2, 3, 1], [1, 3, 4]],
  [[0, 5], [5]], [[3, 0], [3, 1]], [[0], []], [[2, 0, 3], [2, 1, 3]],
];

test('wasm backend: registered below native, above reference, with its kernel list', () => {
  assert.ok(tf.ENGINE.backendNames().includes('wasm'), 'wasm is registered');
  for (const k of WASM_KERNELS) assert.ok(k in wasm.kernels, `kernel ${k} present`);
  assert.notEqual(wasm.kernels['Add'], ref.kernels['Add'], 'Add is the wasm one');
  assert.equal(wasm.kernels['MaxPool'], ref.kernels['MaxPool'], 'MaxPool falls back to the reference kernel');
});

test('wasm backend: broadcast plans', () => {
  assert.deepEqual(broadcastPlan([3, 5], [3, 5]), [0, 0, 1, 15, [3, 5]]);
  assert.deepEqual(broadcastPlan([3, 5], []), [0, 2, 1, 15, [3, 5]]);
  assert.deepEqual(broadcastPlan([4, 3, 5], [1, 5]), [0, 1, 12, 5, [4, 3, 5]]);
  assert.deepEqual(broadcastPlan([4, 3, 5], [4, 1, 1]), [0, 3, 4, 15, [4, 3, 5]]);
  assert.deepEqual(broadcastPlan([3, 1], [1, 5]), [3, 1, 3, 5, [3, 5]]);
  assert.equal(broadcastPlan([2, 1, 3], [1, 4, 1]), null, 'a general pattern is left to the reference');
});

test('wasm backend: binary arithmetic is bit-identical to the reference (broadcasting, specials, empty)', () => {
  let seed = 1;
  for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Maximum', 'Minimum', 'SquaredDifference']) {
    for (const [sa, sb] of PAIRS) {
      const [w, r] = both(op, { a: [values(size(sa), seed++, true), sa], b: [values(size(sb), seed++, true), sb] });
      assert.deepEqual(w.shape, r.shape, `${op} ${JSON.stringify([sa, sb])} shape`);
      assert.equal(w.dtype, 'float32', `${op} dtype`);
      sameBits(w.v, r.v, `${op} ${JSON.stringify([sa, sb])}`);
    }
  }
});

test('wasm backend: comparisons are bit-identical to the reference', () => {
  let seed = 100;
  for (const op of ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual']) {
    for (const [sa, sb] of PAIRS) {
      const a = values(size(sa), seed++, true);
      const b = values(size(sb), seed++, true);
      if (b.length > 2) b[1] = a[1 % Math.max(1, a.length)] ?? 0; // some equal pairs
      const [w, r] = both(op, { a: [a, sa], b: [b, sb] });
      assert.equal(w.dtype, 'bool', `${op} dtype`);
      assert.deepEqual(w.shape, r.shape, `${op} shape`);
      sameBits(w.v, r.v, `${op} ${JSON.stringify([sa, sb])}`);
    }
  }
});

test('wasm backend: int32 inputs fall back to the reference kernels', () => {
  const [w, r] = both('Add', { a: [Int32Array.from([1, 2, 3]), [3], 'int32'], b: [Int32Array.from([5]), [], 'int32'] });
  assert.equal(w.dtype, 'int32', 'dtype');
  assert.deepEqual([...w.v], [...r.v], 'values');
  assert.deepEqual([...w.v], [6, 7, 8], 'values');
});

test('wasm backend: unary kernels are bit-identical to the reference', () => {
  for (const op of ['Relu', 'Neg', 'Abs', 'Sqrt', 'Square']) {
    for (const shape of [[], [1], [3], [4], [5], [17], [3, 7], [0], [2, 0]]) {
      const [w, r] = both(op, { x: [values(size(shape), 7 + shape.length, true), shape] });
      assert.deepEqual(w.shape, r.shape, `${op} shape`);
      sameBits(w.v, r.v, `${op} ${JSON.stringify(shape)}`);
    }
  }
  const [w] = both('Relu', { x: [Float32Array.from([-0, -2, 3, NaN]), [4]] });
  assert.ok(Object.is(w.v[0], 0) && w.v[1] === 0 && w.v[2] === 3 && Number.isNaN(w.v[3]), 'relu(-0) = +0, NaN stays NaN');
});

test('wasm backend: Select is bit-identical to the reference (full, scalar and broadcast branches)', () => {
  const cases: [number[], number[], number[]][] = [[[5], [5], [5]], [[2, 3], [2, 3], []], [[2, 3], [], [2, 3]], [[2, 3], [], []], [[0], [0], [0]], [[2, 3], [3], [2, 3]], [[1], [1], [1]]];
  let seed = 300;
  for (const [sc, st, se] of cases) {
    const c = Uint8Array.from(values(size(sc), seed++), (x) => (x > 0 ? 1 : 0));
    const [w, r] = both('Select', { condition: [c, sc, 'bool'], t: [values(size(st), seed++, true), st], e: [values(size(se), seed++, true), se] });
    assert.deepEqual(w.shape, r.shape, `Select shape ${JSON.stringify([sc, st, se])}`);
    sameBits(w.v, r.v, `Select ${JSON.stringify([sc, st, se])}`);
  }
});

test('wasm backend: Sum and Mean are bit-identical to the reference (float64 accumulation in index order)', () => {
  const cases: [number[], number[], boolean][] = [
    [[100, 256], [0], false], [[100, 257], [1], false], [[7, 5, 3], [1], true], [[7, 5, 3], [0, 1], false],
    [[7, 5, 3], [0, 1, 2], false], [[7, 5, 3], [-1], false], [[7, 5, 3], [], false], [[7, 5, 3], [0, 2], false],
    [[0, 4], [0], false], [[4, 0], [1], true], [[3], [0], false], [[1000], [0], false],
  ];
  let seed = 500;
  for (const op of ['Sum', 'Mean']) {
    for (const [shape, axes, keepDims] of cases) {
      const [w, r] = both(op, { x: [values(size(shape), seed++), shape] }, { axes, keepDims });
      assert.deepEqual(w.shape, r.shape, `${op} ${JSON.stringify([shape, axes])} shape`);
      sameBits(w.v, r.v, `${op} ${JSON.stringify([shape, axes, keepDims])}`);
    }
  }
});

test('wasm backend: BroadcastTo is bit-identical to the reference', () => {
  const cases: [number[], number[], DataType][] = [
    [[5], [3, 5], 'float32'], [[3, 1], [3, 4], 'float32'], [[], [2, 3], 'float32'], [[1, 1], [4, 2], 'int32'],
    [[2, 3], [2, 3], 'float32'], [[2, 1, 3], [2, 4, 3], 'float32'], [[1, 3], [0, 3], 'float32'], [[4, 1, 1], [4, 2, 5], 'bool'],
  ];
  let seed = 700;
  for (const [from, to, dtype] of cases) {
    const v = values(size(from), seed++, true);
    const input = dtype === 'float32' ? v : dtype === 'int32' ? Int32Array.from(v, (x) => Math.trunc(x) || 0) : Uint8Array.from(v, (x) => (x > 0 ? 1 : 0));
    const [w, r] = both('BroadcastTo', { x: [input, from, dtype] }, { shape: to });
    assert.deepEqual(w.shape, r.shape, `BroadcastTo ${JSON.stringify([from, to])} shape`);
    assert.equal(w.dtype, dtype, 'dtype kept');
    sameBits(w.v, r.v, `BroadcastTo ${JSON.stringify([from, to])}`);
  }
});

/** Naive float32 GEMM: C[i][j] = ((0 + a·b) + a·b) … in increasing k, every step rounded to float32. */
function naive(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): Float32Array {
  const c = new Float32Array(m * n);
  const f = Math.fround;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = f(s + f((ta ? a[p * m + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * n + j]!)));
      c[i * n + j] = s;
    }
  }
  return c;
}

test('wasm backend: BatchMatMul on odd, blocked, transposed, broadcast and empty shapes', () => {
  // [batchA, batchB, m, n, k]: odd sizes, sizes crossing the 4×8 tiles and the 64/256/256 blocks.
  const cases: [number, number, number, number, number][] = [
    [1, 1, 1, 1, 1], [1, 1, 5, 7, 3], [1, 1, 4, 8, 16], [2, 2, 13, 17, 9], [3, 1, 6, 9, 11], [1, 3, 6, 9, 11],
    [1, 1, 70, 260, 300], [1, 1, 1, 300, 2], [1, 1, 100, 10, 256],
    [1, 1, 3, 4, 0], [1, 1, 0, 4, 5], [0, 1, 3, 4, 5], [1, 1, 3, 0, 5],
  ];
  let seed = 900;
  for (const [ba, bb, m, n, k] of cases) {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const av = values(ba * m * k, seed++);
      const bv = values(bb * k * n, seed++);
      const aShape = [ba, ta ? k : m, ta ? m : k];
      const bShape = [bb, tb ? n : k, tb ? k : n];
      const label = `${JSON.stringify([ba, bb, m, n, k])} ta=${ta} tb=${tb}`;
      const [w, r] = both('BatchMatMul', { a: [av, aShape], b: [bv, bShape] }, { transposeA: ta, transposeB: tb });
      const batch = Math.max(ba, bb) * (ba && bb ? 1 : 0);
      // A batch of 0 against a batch of 1 broadcasts to 0 (NumPy, and the native backend); the
      // reference kernel takes max(0, 1) = 1 there, so that case is checked on its own.
      if (ba === 0 || bb === 0) {
        assert.deepEqual(w.shape, [0, m, n], `${label} shape`);
        continue;
      }
      assert.deepEqual(w.shape, r.shape, `${label} shape`);
      for (let p = 0; p < batch; p++) {
        const a = av.subarray(ba === 1 ? 0 : p * m * k, (ba === 1 ? 0 : p * m * k) + m * k);
        const b = bv.subarray(bb === 1 ? 0 : p * k * n, (bb === 1 ? 0 : p * k * n) + k * n);
        const exact = naive(a, b, m, n, k, ta, tb);
        const got = w.v.subarray(p * m * n, (p + 1) * m * n);
        sameBits(got, exact, `${label} batch ${p} vs the naive float32 loop`);
        const want = r.v.subarray(p * m * n, (p + 1) * m * n);
        // Reference: float64 accumulation. Bound: k·2⁻²⁴·Σ|a||b| ≤ k·2⁻²⁴·k·16.
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 * Math.max(1, Math.abs(want[i]!)) + k * k * 16 * 2 ** -24, `${label} [${i}]: ${got[i]} vs reference ${want[i]}`);
        }
      }
      if (batch * m * n === 0 || k === 0) assert.ok([...w.v].every((x) => x === 0), `${label}: empty or k = 0 gives zeros`);
    }
  }
});

test('wasm backend: BatchMatMul on worker threads gives the same bits as on one thread', () => {
  const threads = startWasmThreads(3);
  assert.ok(threads, 'worker threads start in Node');
  const t0 = Date.now();
  // A hang guard, not a timing: workers boot on their own threads, slowly on a loaded machine.
  while (!threads!.ready && Date.now() - t0 < 120_000) { /* workers boot on their own threads */ }
  assert.ok(threads!.ready, 'workers ready within 120 s');
  const multi = new WasmBackend(instantiateWasmKernels(), threads);
  // [batchA, batchB, m, n, k]: all at least 2^20 multiply-adds, odd n, n not a multiple of 3·8;
  // rows in chunks over the threads (m ≥ 24), and with few rows (m = 12) columns in slices; k
  // over several 256-deep blocks.
  const cases: [number, number, number, number, number][] = [[1, 1, 100, 256, 784], [2, 1, 33, 203, 170], [1, 1, 128, 130, 256], [1, 2, 64, 97, 300], [1, 1, 12, 300, 400], [1, 1, 70, 203, 600]];
  let seed = 2000;
  for (const [ba, bb, m, n, k] of cases) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
      const av = values(ba * m * k, seed++);
      const bv = values(bb * k * n, seed++);
      const aShape = [ba, ta ? k : m, ta ? m : k];
      const bShape = [bb, tb ? n : k, tb ? k : n];
      const run = (be: WasmBackend) => {
        const out = be.kernels['BatchMatMul']!({ inputs: { a: info(be, av, aShape), b: info(be, bv, bShape) }, attrs: { transposeA: ta, transposeB: tb }, backend: be }) as TensorInfo;
        return be.readSync(out.dataId);
      };
      sameBits(run(multi), run(wasm), `${JSON.stringify([ba, bb, m, n, k])} ta=${ta} tb=${tb}: 3 threads vs 1`);
    }
  }
});

test('wasm backend: Conv2D and its gradients (im2col + GEMM) match the reference', () => {
  // [batch, H, W, C, fh, fw, F, strides, dilations, pad [top, bottom, left, right]]
  const cases: [number, number, number, number, number, number, number, number[], number[], number[]][] = [
    [2, 7, 6, 3, 3, 3, 5, [1, 1], [1, 1], [0, 0, 0, 0]],
    [1, 8, 8, 2, 3, 2, 4, [2, 2], [1, 1], [1, 1, 0, 1]],
    [3, 9, 7, 1, 2, 3, 2, [1, 2], [2, 1], [1, 0, 2, 1]],
    [1, 5, 5, 4, 1, 1, 3, [1, 1], [1, 1], [0, 0, 0, 0]],
    [1, 4, 4, 2, 5, 5, 3, [1, 1], [1, 1], [2, 2, 2, 2]],
    [0, 5, 5, 2, 3, 3, 2, [1, 1], [1, 1], [0, 0, 0, 0]],
    [64, 13, 13, 32, 3, 3, 64, [1, 1], [1, 1], [0, 0, 0, 0]],
  ];
  let seed = 4000;
  const out = (n: number, a: number, b: number, f: number, st: number, d: number) => Math.floor((n + a + b - ((f - 1) * d + 1)) / st) + 1;
  for (const [B, H, W, C, fh, fw, F, strides, dilations, pad] of cases) {
    const label = JSON.stringify([B, H, W, C, fh, fw, F, strides, dilations, pad]);
    const oh = out(H, pad[0]!, pad[1]!, fh, strides[0]!, dilations[0]!);
    const ow = out(W, pad[2]!, pad[3]!, fw, strides[1]!, dilations[1]!);
    const xs = [B, H, W, C];
    const ws = [fh, fw, C, F];
    const ys = [B, oh, ow, F];
    const x = values(size(xs), seed++);
    const w = values(size(ws), seed++);
    const dy = values(size(ys), seed++);
    const geo = { strides, dilations, pad };
    const k = fh * fw * C;
    const check = (name: string, got: TensorInfo & { v: TypedArray }, want: TensorInfo & { v: TypedArray }, terms: number) => {
      assert.deepEqual(got.shape, want.shape, `${name} ${label} shape`);
      for (let i = 0; i < got.v.length; i++) {
        assert.ok(Math.abs(got.v[i]! - want.v[i]!) <= 1e-5 * Math.max(1, Math.abs(want.v[i]!)) + terms * 16 * 2 ** -22, `${name} ${label} [${i}]: ${got.v[i]} vs reference ${want.v[i]}`);
      }
    };
    const [y1, y2] = both('Conv2D', { x: [x, xs], filter: [w, ws] }, geo);
    check('Conv2D', y1, y2, k);
    const [f1, f2] = both('Conv2DBackpropFilter', { x: [x, xs], dy: [dy, ys] }, { ...geo, filterShape: ws });
    check('Conv2DBackpropFilter', f1, f2, B * oh * ow);
    const [i1, i2] = both('Conv2DBackpropInput', { dy: [dy, ys], filter: [w, ws] }, { ...geo, inputShape: xs });
    check('Conv2DBackpropInput', i1, i2, F * fh * fw);
  }
});

test('wasm backend: the same product twice gives the same bits', () => {
  const a = values(37 * 300, 1);
  const b = values(300 * 45, 2);
  const [w1] = both('BatchMatMul', { a: [a, [1, 37, 300]], b: [b, [1, 300, 45]] }, {});
  const [w2] = both('BatchMatMul', { a: [a, [1, 37, 300]], b: [b, [1, 300, 45]] }, {});
  sameBits(w1.v, w2.v, 'run to run');
});

/** Runs `fn` with `backend` current, then restores the previous backend. */
async function on<T>(backend: string, fn: () => T): Promise<T> {
  const before = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return fn();
  } finally {
    await tf.setBackend(before);
  }
}

test('wasm backend: the fused Dropout kernel is bit-identical to the reference composition', async () => {
  for (const [shape, rate] of [[[100, 256], 0.3], [[7], 0.5], [[3, 5], 0.9], [[0, 4], 0.3], [[1], 0.01]] as [number[], number][]) {
    const x = values(size(shape), 41, true);
    const run = () => {
      const seed = new tf.SeedGenerator(5);
      return [0, 1].map(() => tf.dropout(tf.tensor(x.slice(), shape), rate, null, seed).dataSync().slice());
    };
    assert.ok(tf.ENGINE.backendNames().includes('wasm'), 'wasm registered');
    const w = await on('wasm', () => {
      assert.ok(tf.ENGINE.hasKernel('Dropout'), 'wasm has the fused Dropout kernel');
      return run();
    });
    const r = await on('reference', run);
    for (let i = 0; i < 2; i++) sameBits(w[i]!, r[i]!, `dropout ${JSON.stringify(shape)} rate ${rate} call ${i}`);
    if (size(shape) > 100) {
      const idx = [...x.keys()].filter((i) => Number.isFinite(x[i]!) && x[i] !== 0);
      const kept = idx.filter((i) => w[0]![i] !== 0).length / idx.length;
      assert.ok(Math.abs(kept - (1 - rate)) < 0.05, `kept fraction ${kept} for rate ${rate}`);
    }
  }
});

test('wasm backend: the fused AdamUpdate / SGDUpdate / RMSpropUpdate are bit-identical to the reference composition (Adam, SGD, RMSprop)', async () => {
  const makers: [string, () => tf.Optimizer][] = [
    ['adam', () => tf.train.adam(0.01)],
    ['sgd', () => tf.train.sgd(0.1)],
    ['momentum', () => tf.train.momentum(0.1, 0.9)],
    ['nesterov', () => tf.train.momentum(0.1, 0.9, true)],
    ['rmsprop', () => tf.train.rmsprop(0.01)],
    ['rmsprop centered', () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7, true)],
    ['rmsprop momentum', () => tf.train.rmsprop(0.01, 0.9, 0.5)],
    ['rmsprop centered momentum', () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7, true)],
  ];
  const shapes = [[13, 7], [5], [0], [3, 1, 2]];
  for (const [label, make] of makers) {
    const run = () => {
      const opt = make();
      const vars = shapes.map((s, i) => tf.variable(tf.tensor(values(size(s), 60 + i), s), true, `opt_${label}_${i}`));
      for (let step = 0; step < 3; step++) {
        opt.applyGradients(vars.map((v, i) => [tf.tensor(values(size(shapes[i]!), 70 + 10 * step + i), shapes[i]!), v] as [tf.Tensor, tf.Variable]));
      }
      return [...vars.map((v) => v.dataSync().slice()), ...opt.getWeights().map((w) => w.tensor.dataSync().slice())];
    };
    const w = await on('wasm', () => {
      for (const k of ['AdamUpdate', 'SGDUpdate', 'RMSpropUpdate'] as const) assert.ok(tf.ENGINE.hasKernel(k), `wasm has the fused optimizer kernel ${k}`);
      return run();
    });
    const r = await on('reference', run);
    assert.equal(w.length, r.length, `${label}: as many weights`);
    w.forEach((a, i) => sameBits(a, r[i]!, `${label}: weight ${i}`));
    assert.ok(w[0]!.some((v, i) => v !== values(91, 60)[i]), `${label}: the variable moved`);
  }
});

test('the fused optimizer kernels check their named attributes and inputs (an error names the kernel and the argument)', async () => {
  await on('wasm', () => {
    const g = tf.tensor([1, 2]);
    const x = tf.tensor([3, 4]);
    const z = tf.zeros([2]);
    const attrs = { alpha: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    assert.throws(() => tf.ENGINE.runKernelMulti('AdamUpdate', { g0: g, x0: x, m0: z, v0: z }, { ...attrs, epsilon: undefined } as never), /AdamUpdate.*'epsilon' must be a finite number/);
    assert.throws(() => tf.ENGINE.runKernelMulti('AdamUpdate', { g0: g, x0: x, m0: z, v0: z }, { ...attrs, beta3: 1 } as never), /AdamUpdate.*unknown attribute\(s\) beta3/);
    assert.throws(() => tf.ENGINE.runKernelMulti('AdamUpdate', { g0: g, x0: x, m0: z }, attrs), /AdamUpdate.*input 'v0' is missing/);
    const sgd = { learningRate: 0.1, momentum: 0, nesterov: false };
    assert.throws(() => tf.ENGINE.runKernelMulti('SGDUpdate', { g0: g, x0: x, momentum0: z }, sgd), /SGDUpdate.*unexpected input\(s\) momentum0/);
    assert.throws(() => tf.ENGINE.runKernelMulti('SGDUpdate', { g0: g, x0: tf.zeros([3]) }, sgd), /SGDUpdate.*'g0' has shape \[2\]/);
    const [x1] = tf.ENGINE.runKernelMulti('SGDUpdate', { g0: g, x0: x }, sgd);
    assert.deepEqual(Array.from(x1!.dataSync()), [Math.fround(3 - Math.fround(0.1)), Math.fround(4 - Math.fround(2 * Math.fround(0.1)))]);
  });
});

/** A few Keras training steps of `build()` on one backend; returns the losses. */
async function losses(backend: string, build: () => tf.LayersModel, x: tf.Tensor, y: tf.Tensor, steps: number): Promise<number[]> {
  await tf.setBackend(backend);
  tf.setSeed(7);
  const model = build();
  model.compile({ optimizer: tf.train.adam(1e-2), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
  const xs = tf.tensor(x.dataSync().slice(), x.shape);
  const ys = tf.tensor(y.dataSync().slice(), y.shape);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) out.push(model.trainOnBatch(xs, ys) as number);
  return out;
}

function data(n: number, feat: number[], seed: number): [tf.Tensor, tf.Tensor] {
  const x = values(n * size(feat), seed);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + ((x[i * size(feat)]! > 0 ? 3 : 0) + (i % 3))] = 1;
  return [tf.tensor(x, [n, ...feat]), tf.tensor(y, [n, 10])];
}

test('wasm backend: an MLP with dropout trains as on the reference backend', async () => {
  const before = tf.getBackend();
  const [x, y] = data(32, [20], 11);
  const build = () => tf.sequential({ layers: [
    tf.layers.dense({ units: 24, activation: 'relu', inputShape: [20] }), tf.layers.dropout({ rate: 0.3, seed: 3 }),
    tf.layers.dense({ units: 10 }),
  ] });
  const w = await losses('wasm', build, x, y, 6);
  const r = await losses('reference', build, x, y, 6);
  await tf.setBackend(before);
  assert.ok(w[5]! < w[0]!, `loss decreases on wasm: ${w}`);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(w[i]! - r[i]!) <= 1e-4 * Math.abs(r[i]!), `step ${i}: wasm ${w[i]} vs reference ${r[i]}`);
});

test('wasm backend: a small CNN with batch norm (W3 in miniature) trains as on the reference backend', async () => {
  const before = tf.getBackend();
  const [x, y] = data(8, [8, 8, 1], 12);
  const build = () => tf.sequential({ layers: [
    tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 1] }), tf.layers.batchNormalization(),
    tf.layers.activation({ activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(), tf.layers.dense({ units: 10 }),
  ] });
  const w = await losses('wasm', build, x, y, 4);
  const r = await losses('reference', build, x, y, 4);
  await tf.setBackend(before);
  assert.ok(w[3]! < w[0]!, `loss decreases on wasm: ${w}`);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(w[i]! - r[i]!) <= 1e-4 * Math.abs(r[i]!), `step ${i}: wasm ${w[i]} vs reference ${r[i]}`);
});

test('wasm backend: the committed modules are what wasm/kernels.ts compiles to', () => {
  const [plain, shared] = execFileSync(process.execPath, ['wasm/build.mjs', '--print'], { encoding: 'utf8', timeout: 120_000 }).split('\n');
  assert.ok((plain ?? '').length > 1000 && (shared ?? '').length > 1000, 'the build printed two modules');
  assert.ok(plain === KERNELS_WASM_BASE64, 'src/backends/wasm/kernels_wasm.ts is stale: run `npm run build:wasm`');
  assert.ok(shared === KERNELS_SHARED_WASM_BASE64, 'src/backends/wasm/kernels_wasm.ts (shared) is stale: run `npm run build:wasm`');
});

test('wasm backend: kernel outputs come from the storage pool and go back to it on dispose', async () => {
  await on('wasm', () => {
    const be = tf.ENGINE.backend as unknown as { storageStats(): { pooledBytes: number; allocs: number; reuses: number } | null };
    const a = tf.fill([50, 50], 3);
    const first = tf.add(a, a);
    const s0 = be.storageStats();
    assert.ok(s0 !== null, 'the wasm backend pools its outputs');
    first.dispose();
    const s1 = be.storageStats()!;
    assert.equal(s1.pooledBytes - s0.pooledBytes, 2500 * 4, 'the disposed output went back to the pool');
    const second = tf.mul(a, a);
    const s2 = be.storageStats()!;
    assert.equal(s2.reuses - s1.reuses, 1, 'the next output of that length reused it');
    assert.ok(Array.from(second.dataSync()).every((v) => v === 9), 'values right in the reused storage');
    const kept = tf.add(a, a).dataSync();
    assert.ok(kept.every((v) => v === 6), 'dataSync copies');
    tf.dispose([a, second]);
  });
});

test('wasm backend: _FusedMatMul, _ReluGrad and _DropoutGrad equal the op-by-op compositions bit for bit (forward and gradients)', async () => {
  const fusedNames = ['_FusedMatMul', '_ReluGrad', '_DropoutGrad'];
  const combos: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];
  let seed = 300;
  for (const [m, n, k] of [[7, 13, 5], [1, 9, 4], [5, 1, 3], [4, 3, 0], [300, 200, 64]] as const) {
    for (const [ta, tb] of combos) {
      for (const activation of ['relu', 'linear'] as const) {
        const withBias = ((seed - 300) / 4) % 3 !== 2; // mostly with a bias, every third case without
        const av = values(m * k, seed++, false);
        const bv = values(k * n, seed++, false);
        const cv = values(n, seed++, false);
        const dyv = values(m * n, seed++, false);
        const run = () => {
          const a = tf.tensor(av, ta ? [k, m] : [m, k]);
          const b = tf.tensor(bv, tb ? [n, k] : [k, n]);
          const c = tf.tensor(cv, [n]);
          const dy = tf.tensor(dyv, [m, n]);
          const f = (x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) =>
            tf.dropout(tf.fused.matMul({ a: x, b: w, transposeA: ta, transposeB: tb, bias: withBias ? bias : null, activation }), 0.25, null, 7);
          tf.setSeed(1);
          const y = f(a, b, c);
          tf.setSeed(2);
          const gs = tf.grads((x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.mul(f(x, w, bias), dy)))([a, b, c]);
          return [y, ...gs].map((t) => t.dataSync().slice());
        };
        const [fused, plain] = await on('wasm', () => {
          const be = tf.ENGINE.backend as unknown as { kernels: Record<string, unknown> };
          for (const nm of fusedNames) assert.ok(nm in be.kernels, `wasm has ${nm}`);
          const f = run();
          const orig = be.kernels;
          Object.defineProperty(be, 'kernels', { value: Object.fromEntries(Object.entries(orig).filter(([nm]) => !fusedNames.includes(nm))), configurable: true, writable: true });
          try {
            return [f, run()];
          } finally {
            Object.defineProperty(be, 'kernels', { value: orig, configurable: true, writable: true });
          }
        });
        fused.forEach((v, i) => sameBits(v, plain[i]!, `m${m} n${n} k${k} ta${ta} tb${tb} ${activation} bias ${withBias} output ${i}`));
      }
    }
  }
});
