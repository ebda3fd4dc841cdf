/**
 * The native backend's ISA paths (native/src/isa.h): every path this CPU can run — 'avx512'
 * (real 512-bit code, only where the CPU has AVX-512F/BW/DQ/VL), 'avx2', 'avx512emu' (the
 * AVX-512 path's tiles, packing and tails in 256-bit halves: runs on any AVX2 CPU), 'generic' —
 * is run on the same inputs, with 1, 2 and 3 threads:
 * - the GEMM and everything built on it (BatchMatMul, Conv2D and both gradients, _FusedConv2D)
 *   give the same bits on every FMA path and thread count, and stay within float32 rounding of
 *   the reference backend on every path (generic included);
 * - the fused convolution epilogue (bias, inference batch norm, residual, relu) equals the
 *   composition bit for bit; a functional model's inference plan (fused conv chains, freed
 *   intermediates) equals running its layers one by one;
 * - the per-ISA object files define no weak symbols (the ODR hazard of isa.h).
 * The paths that ran are printed (`# ISA paths: ...`), so a log shows whether real AVX-512 code
 * was tested.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/index.ts';
import type { Attrs, KernelFunc, TensorInfo } from '../src/core/backend.ts';
import { loadNativeAddon, NativeBackend, nativeLoadError, registerNativeBackend, type NativeAddon } from '../src/backends/native/index.ts';
import { ReferenceBackend } from '../src/backends/reference/backend.ts';
import { conv2dBatchNormActivation } from '../src/ops/fused_conv2d.ts';
import { rng } from './util.ts';

const addon = loadNativeAddon() as (NativeAddon & { conv2dFused?: unknown }) | null;
const skip = addon ? false : `native addon not built (${nativeLoadError() ?? 'missing'})`;
if (addon && !tf.ENGINE.findBackend('native')) registerNativeBackend(tf.ENGINE);

const start = addon?.info();
const PATHS = start ? start.isas : [];
const FMA_PATHS = PATHS.filter((p) => p !== 'generic');
if (start) {
  const missing = ['avx512', 'avx2', 'avx512emu'].filter((p) => !PATHS.includes(p as never));
  console.log(`# ISA paths: ${PATHS.join(', ')} (auto: ${start.isaAuto}${missing.length ? `; not on this CPU: ${missing.join(', ')}` : ''})`);
}

function withIsa<T>(isa: string, threads: number, fn: () => T): T {
  const prevIsa = addon!.info().isa;
  const prevThreads = addon!.info().threads;
  assert.ok(addon!.setIsa(isa as never), `setIsa(${isa})`);
  addon!.setNumThreads(threads);
  try {
    return fn();
  } finally {
    addon!.setIsa(prevIsa);
    addon!.setNumThreads(prevThreads);
  }
}

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * r();
  return v;
}

function sameBits(a: Float32Array, b: Float32Array, msg: string): void {
  assert.equal(a.length, b.length, `${msg}: length`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${msg}: element ${i}: ${a[i]} vs ${b[i]}`);
}

/** |a − e| ≤ tol·mag per element. */
function within(a: Float32Array, e: Float32Array, mag: Float32Array, tol: number, msg: string): void {
  assert.equal(a.length, e.length, `${msg}: length`);
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i]! - e[i]!);
    if (!(err <= tol * mag[i]! + 1e-30)) assert.fail(`${msg}: element ${i}: ${a[i]} vs reference ${e[i]} (|err| ${err} > ${tol}·${mag[i]})`);
  }
}

const ref = new ReferenceBackend();
const nat = addon ? new NativeBackend(addon) : (null as unknown as NativeBackend);

function runKernel(be: ReferenceBackend, name: string, inputs: Record<string, { v: Float32Array; shape: number[] }>, attrs: Attrs): Float32Array {
  const infos: Record<string, TensorInfo> = {};
  for (const [k, x] of Object.entries(inputs)) infos[k] = be.make(x.v, x.shape, 'float32');
  const out = (be.kernels[name] as KernelFunc)({ inputs: infos, attrs, backend: be }) as TensorInfo;
  return Float32Array.from(be.values(out) as Float32Array);
}

/** Runs fn on every path × thread count; asserts the FMA paths agree bit for bit; returns {path: result} (1 thread). */
function acrossPaths(fn: () => Float32Array, msg: string): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  let first: Float32Array | null = null;
  for (const p of PATHS) {
    for (const t of [1, 2, 3]) {
      const r = withIsa(p, t, fn);
      if (t === 1) out[p] = r;
      else sameBits(r, out[p]!, `${msg} [${p}, ${t} threads vs 1]`);
      if (p !== 'generic' && t === 1) {
        if (first) sameBits(r, first, `${msg} [${p} vs ${FMA_PATHS[0]}]`);
        else first = r;
      }
    }
  }
  return out;
}

describe('native ISA paths', { skip }, () => {
  after(() => {
    addon!.setIsa(start!.isa);
    addon!.setNumThreads(0);
  });

  it('setIsa switches among the paths the CPU has and refuses the others; IDEM_ISA picks one at load', () => {
    assert.ok(PATHS.includes('generic') && PATHS.includes(start!.isaAuto));
    for (const p of ['avx512', 'avx2', 'avx512emu', 'generic'] as const) {
      const ok = addon!.setIsa(p);
      assert.equal(ok, PATHS.includes(p), p);
      if (ok) assert.equal(addon!.info().isa, p);
    }
    const before = addon!.info().isa;
    assert.equal(addon!.setIsa('sse9' as never), false);
    assert.equal(addon!.info().isa, before, 'a refused path changes nothing');
    assert.ok(addon!.setIsa('auto'));
    assert.equal(addon!.info().isa, start!.isaAuto);
    const root = fileURLToPath(new URL('..', import.meta.url));
    const probe = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/backends/native/loader.ts').then((m) => console.log(m.loadNativeAddon().info().isa))"], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
    const g = probe({ IDEM_ISA: 'generic' });
    assert.equal(g.stdout.trim(), 'generic', g.stderr);
    const bad = probe({ IDEM_ISA: 'avx1024' });
    assert.equal(bad.stdout.trim(), start!.isaAuto);
    assert.match(bad.stderr, /IDEM_ISA=avx1024 is not available/);
  });

  it('GEMM: every path within rounding of the reference; FMA paths and thread counts bit-identical (odd sizes, k/m/n block edges, transposes)', () => {
    const r = rng(5);
    const dims = [1, 2, 5, 13, 14, 15, 16, 17, 31, 33, 64, 141, 150, 257, 300, 513];
    const pick = () => dims[Math.floor(r() * dims.length)]!;
    const cases: [number, number, number][] = [[0, 5, 3], [4, 0, 3], [4, 5, 0], [145, 70, 520], [29, 290, 17], [300, 33, 257]];
    for (let i = 0; i < 10; i++) cases.push([pick(), pick(), pick()]);
    let seed = 1;
    for (const [m, n, k] of cases) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = rand(m * k, seed++), b = rand(k * n, seed++);
        const run = () => {
          const o = new Float32Array(m * n).fill(NaN);
          addon!.batchMatMul(a, b, o, 1, 1, 1, m, n, k, ta, tb);
          return o;
        };
        const res = acrossPaths(run, `${m}×${n}×${k} ta=${ta} tb=${tb}`);
        // Reference: float64 dot products; scale Σ|a·b|.
        const e = new Float32Array(m * n), mag = new Float32Array(m * n);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let s = 0, sa = 0;
            for (let l = 0; l < k; l++) {
              const p = a[ta ? l * m + i : i * k + l]! * b[tb ? j * k + l : l * n + j]!;
              s += p;
              sa += Math.abs(p);
            }
            e[i * n + j] = s;
            mag[i * n + j] = sa;
          }
        for (const [p, v] of Object.entries(res)) within(v, e, mag, 1e-5, `${p} ${m}×${n}×${k}`);
      }
    }
  });

  interface Geo { b: number; h: number; w: number; c: number; o: number; fh: number; fw: number; s: [number, number]; d: [number, number]; pad: [number, number, number, number] }
  const out = (n: number, p0: number, p1: number, f: number, s: number, d: number) => Math.floor((n + p0 + p1 - ((f - 1) * d + 1)) / s) + 1;
  const geos: Geo[] = [
    { b: 2, h: 9, w: 11, c: 5, o: 7, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: [1, 1, 1, 1] },
    { b: 1, h: 15, w: 13, c: 3, o: 33, fh: 7, fw: 7, s: [2, 2], d: [1, 1], pad: [3, 3, 3, 3] },
    { b: 3, h: 8, w: 8, c: 40, o: 17, fh: 1, fw: 1, s: [1, 1], d: [1, 1], pad: [0, 0, 0, 0] },
    { b: 2, h: 9, w: 7, c: 19, o: 35, fh: 1, fw: 1, s: [2, 2], d: [1, 1], pad: [0, -1, 0, 0] },
    { b: 2, h: 10, w: 9, c: 6, o: 5, fh: 3, fw: 2, s: [1, 1], d: [2, 1], pad: [2, 2, 0, 1] },
    { b: 1, h: 6, w: 6, c: 70, o: 30, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: [1, 1, 1, 1] },
    { b: 2, h: 5, w: 6, c: 2, o: 3, fh: 5, fw: 2, s: [1, 3], d: [1, 1], pad: [1, 0, 2, 1] },
    { b: 0, h: 5, w: 5, c: 2, o: 3, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: [1, 1, 1, 1] },
    { b: 2, h: 4, w: 4, c: 0, o: 3, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: [1, 1, 1, 1] },
    // K·N above 2^18 with a batch: the filter gradient's row split (below it: per-image-group partials).
    { b: 2, h: 4, w: 5, c: 130, o: 260, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: [1, 1, 1, 1] },
  ];

  it('Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter: within rounding of the reference on every path; FMA paths and thread counts bit-identical', () => {
    let seed = 100;
    for (const g of geos) {
      const oh = out(g.h, g.pad[0], g.pad[1], g.fh, g.s[0], g.d[0]);
      const ow = out(g.w, g.pad[2], g.pad[3], g.fw, g.s[1], g.d[1]);
      const attrs: Attrs = { strides: g.s, dilations: g.d, pad: g.pad };
      const xs = [g.b, g.h, g.w, g.c], ws = [g.fh, g.fw, g.c, g.o], ys = [g.b, oh, ow, g.o];
      const x = rand(xs.reduce((p, q) => p * q, 1), seed++), w = rand(ws.reduce((p, q) => p * q, 1), seed++), dy = rand(ys.reduce((p, q) => p * q, 1), seed++);
      const A = (v: Float32Array) => Float32Array.from(v, Math.abs);
      const kernels: [string, Record<string, { v: Float32Array; shape: number[] }>, Record<string, { v: Float32Array; shape: number[] }>, Attrs][] = [
        ['Conv2D', { x: { v: x, shape: xs }, filter: { v: w, shape: ws } }, { x: { v: A(x), shape: xs }, filter: { v: A(w), shape: ws } }, attrs],
        ['Conv2DBackpropInput', { dy: { v: dy, shape: ys }, filter: { v: w, shape: ws } }, { dy: { v: A(dy), shape: ys }, filter: { v: A(w), shape: ws } }, { ...attrs, inputShape: xs }],
        ['Conv2DBackpropFilter', { x: { v: x, shape: xs }, dy: { v: dy, shape: ys } }, { x: { v: A(x), shape: xs }, dy: { v: A(dy), shape: ys } }, { ...attrs, filterShape: ws }],
      ];
      for (const [name, ins, absIns, at] of kernels) {
        const msg = `${name} ${JSON.stringify(g)}`;
        const res = acrossPaths(() => runKernel(nat, name, ins, at), msg);
        const e = runKernel(ref, name, ins, at);
        const mag = runKernel(ref, name, absIns, at);
        for (const [p, v] of Object.entries(res)) within(v, e, mag, 2e-5, `${msg} [${p}]`);
      }
    }
  });

  it('_FusedConv2D (bias, inference batch norm, residual, relu in the epilogue) equals the composition bit for bit on every path and thread count', () => {
    let seed = 300;
    for (const g of geos.filter((q) => q.pad.every((v) => v >= 0))) {
      const oh = out(g.h, g.pad[0], g.pad[1], g.fh, g.s[0], g.d[0]);
      const ow = out(g.w, g.pad[2], g.pad[3], g.fw, g.s[1], g.d[1]);
      const x = tf.tensor(rand(g.b * g.h * g.w * g.c, seed++), [g.b, g.h, g.w, g.c]);
      const filter = tf.tensor(rand(g.fh * g.fw * g.c * g.o, seed++), [g.fh, g.fw, g.c, g.o]);
      const bias = tf.tensor(rand(g.o, seed++), [g.o]);
      const mean = tf.tensor(rand(g.o, seed++), [g.o]);
      const variance = tf.tensor(rand(g.o, seed++, 0.2, 2), [g.o]);
      const offset = tf.tensor(rand(g.o, seed++), [g.o]);
      const scale = tf.tensor(rand(g.o, seed++, 0.5, 1.5), [g.o]);
      const residual = tf.tensor(rand(g.b * oh * ow * g.o, seed++), [g.b, oh, ow, g.o]);
      const pad = [[0, 0], [g.pad[0], g.pad[1]], [g.pad[2], g.pad[3]], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]];
      const composition = (withBn: boolean, withRes: boolean, relu: boolean, withBias: boolean) => {
        let y = tf.conv2d(x, filter, g.s, pad, 'NHWC', g.d);
        if (withBias) y = tf.add(y, bias);
        if (withBn) y = tf.batchNorm(y, mean, variance, offset, scale, 1.001e-5);
        if (withRes) y = tf.add(residual, y);
        return Float32Array.from((relu ? tf.relu(y) : y).dataSync() as Float32Array);
      };
      for (const [withBn, withRes, relu, withBias] of [[false, false, false, true], [false, false, true, true], [true, false, true, true], [true, true, true, true], [true, true, false, false], [false, true, true, false]] as const) {
        const msg = `bn=${withBn} residual=${withRes} relu=${relu} bias=${withBias} ${JSON.stringify(g)}`;
        const want = withIsa(FMA_PATHS[0] ?? 'generic', 1, () => composition(withBn, withRes, relu, withBias));
        const res = acrossPaths(() => {
          const y = withBn || withRes
            ? conv2dBatchNormActivation({ x, filter, strides: g.s, pad, dilations: g.d, bias: withBias ? bias : null, bn: withBn ? { mean, variance, offset, scale, epsilon: 1.001e-5 } : null, residual: withRes ? residual : null, relu })
            : tf.fused.conv2d({ x, filter, strides: g.s, pad, dilations: g.d, bias: withBias ? bias : null, activation: relu ? 'relu' : 'linear' });
          return Float32Array.from(y.dataSync() as Float32Array);
        }, msg);
        for (const p of FMA_PATHS) sameBits(res[p]!, want, `${msg}: fused [${p}] vs composition`);
        if (res['generic']) sameBits(res['generic'], withIsa('generic', 1, () => composition(withBn, withRes, relu, withBias)), `${msg}: generic fused vs generic composition`);
      }
    }
  });

  it("a functional model's inference plan (fused conv → bn → add → relu chains, intermediates freed) equals the layers one by one", () => {
    tf.setSeed(11);
    const inp = tf.input({ shape: [12, 12, 5] });
    const L = tf.layers;
    const c1 = L.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(inp) as tf.KerasTensor;
    const b1 = L.batchNormalization().apply(c1) as tf.KerasTensor;
    const r1 = L.activation({ activation: 'relu' }).apply(b1) as tf.KerasTensor;
    const c2 = L.conv2d({ filters: 8, kernelSize: 1 }).apply(r1) as tf.KerasTensor;
    const b2 = L.batchNormalization({ center: false }).apply(c2) as tf.KerasTensor;
    const s = L.conv2d({ filters: 8, kernelSize: 1, useBias: false }).apply(inp) as tf.KerasTensor;
    const bs = L.batchNormalization({ scale: false }).apply(s) as tf.KerasTensor;
    const sum = L.add().apply([bs, b2]) as tf.KerasTensor;
    const o = L.reLU().apply(sum) as tf.KerasTensor;
    const c3 = L.conv2d({ filters: 4, kernelSize: 3, strides: 2 }).apply(o) as tf.KerasTensor;
    const r3 = L.activation({ activation: 'relu' }).apply(c3) as tf.KerasTensor;
    const model = tf.model({ inputs: inp, outputs: [r3, b1] });
    for (const l of model.layers) {
      const bn = l as unknown as { movingMean?: tf.Variable; movingVariance?: tf.Variable };
      if (bn.movingMean) {
        bn.movingMean.assign(tf.randomUniform(bn.movingMean.shape, -0.3, 0.3, 'float32', 1));
        bn.movingVariance!.assign(tf.randomUniform(bn.movingVariance!.shape, 0.3, 2, 'float32', 2));
      }
    }
    const x = tf.randomUniform([3, 12, 12, 5], -1, 1, 'float32', 3);
    const run = (): Float32Array[] => {
      let r: Float32Array[] = [];
      tf.tidy(() => {
        r = (model.predict(x) as unknown as tf.Tensor[]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
      });
      return r;
    };
    // Count the fused kernel's calls (4 chains: c1+b1, c2+b2+add+relu, s+bs, c3+relu).
    const kernels = (tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> }).kernels;
    const real = kernels['_FusedConv2D']!;
    let calls = 0;
    let withBn = 0;
    Object.defineProperty(tf.ENGINE.backend, 'kernels', { value: { ...kernels, _FusedConv2D: (a: Parameters<KernelFunc>[0]) => (calls++, a.inputs['mean'] && withBn++, real(a)) }, configurable: true });
    try {
      run();
    } finally {
      Object.defineProperty(tf.ENGINE.backend, 'kernels', { value: kernels, configurable: true });
    }
    assert.deepEqual([calls, withBn], [4, 3], 'fused chains run');
    for (const p of PATHS) {
      const fused = withIsa(p, 2, () => {
        const before = tf.memory().numTensors;
        const r = run();
        assert.equal(tf.memory().numTensors, before, 'nothing leaks');
        return r;
      });
      // The layers one by one: a frame that watches op calls (and handles none) turns the plan off.
      const watcher = { name: 'test: an idle op watcher', watchesOps: true };
      tf.ENGINE.frames.push(watcher);
      let plain: Float32Array[];
      try {
        plain = withIsa(p, 1, run);
      } finally {
        tf.ENGINE.frames.remove(watcher);
      }
      fused.forEach((v, i) => sameBits(v, plain[i]!, `[${p}] output ${i}`));
    }
    x.dispose();
  });

  it('the loop kernels (elementwise, sum/mean, batch norm, pooling, depthwise conv, optimizers, dropout, bias + relu) give the same bits on every path and thread count, and equal the reference where it has the kernel', () => {
    const be = tf.ENGINE.backend as unknown as ReferenceBackend;
    const T = (shape: number[], seed: number, lo = -1, hi = 1) => tf.tensor(rand(shape.reduce((p, q) => p * q, 1), seed, lo, hi), shape);
    const vals = (ts: tf.Tensor[]) => ts.map((t) => Float32Array.from(t.dataSync() as Float32Array));
    const cases: [string, () => Float32Array[]][] = [];
    const shapes: [number[], number[]][] = [[[37, 53], [37, 53]], [[300, 1100], [1100]], [[300, 1100], [300, 1]], [[5, 7, 9], []], [[1], [130, 1001]]];
    shapes.forEach(([sa, sb], i) => {
      cases.push([`binary/compare ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, () => {
        const a = T(sa, 10 + i), b = T(sb, 20 + i);
        return vals([tf.add(a, b), tf.sub(a, b), tf.mul(a, b), tf.div(a, b), tf.cast(tf.greater(a, b), 'float32'), tf.cast(tf.lessEqual(a, b), 'float32')]);
      }]);
    });
    cases.push(['relu, relu gradient, select', () => {
      const x = T([333, 777], 30);
      const [g] = [tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), T([333, 777], 31))))(x)];
      return vals([tf.relu(x), g!, tf.where(tf.greater(x, 0), x, T([333, 777], 32))]);
    }]);
    cases.push(['sum and mean over axes', () => {
      const x = T([6, 45, 17, 33], 40);
      return vals([tf.sum(x, [1, 2]), tf.mean(x, [1, 2]), tf.sum(x, 3), tf.mean(x, [0, 1, 2, 3]), tf.mean(x, 0, true), tf.sum(T([3, 200000], 41), 1), tf.mean(T([2, 70000, 3], 42), 1)]);
    }]);
    for (const [M, C] of [[1000, 70], [37, 3], [4000, 130]] as const) {
      cases.push([`FusedBatchNorm and its gradient [${M}, ${C}]`, () => {
        const x = T([M, C], 50 + C), scale = T([C], 51), offset = T([C], 52), dy = T([M, C], 53);
        const [y, mean, variance] = tf.ENGINE.runKernelMulti('FusedBatchNorm', { x, scale, offset }, { epsilon: 1e-3 });
        const grads = tf.ENGINE.runKernelMulti('FusedBatchNormGrad', { dy, x, scale, mean: mean!, variance: variance! }, { epsilon: 1e-3 });
        return vals([y!, mean!, variance!, ...grads]);
      }]);
    }
    cases.push(['maxPool, avgPool (overlapping, padded) and their gradients', () => {
      const x = T([3, 17, 19, 37], 60);
      const f = (v: tf.Tensor) => tf.add(tf.sum(tf.maxPool(v, 3, 2, 'same')), tf.sum(tf.mul(tf.avgPool(v, [3, 2], [2, 1], 'valid'), 0.5)));
      return vals([tf.maxPool(x, 3, 2, 'same'), tf.avgPool(x, [3, 2], [2, 1], 'valid'), tf.grad(f)(x)]);
    }]);
    cases.push(['depthwise conv (multiplier 1 and 2, strided, padded) and both gradients', () => {
      const out: tf.Tensor[] = [];
      for (const [mult, stride, pad] of [[1, 1, 'same'], [2, 2, 'valid'], [1, 2, 'same']] as const) {
        const x = T([3, 13, 11, 37], 90 + mult), w = T([3, 3, 37, mult], 92 + stride);
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a, b, stride, pad), tf.depthwiseConv2d(a, b, stride, pad)));
        const [gx, gw] = tf.grads(f)([x, w]);
        out.push(tf.depthwiseConv2d(x, w, stride, pad), gx!, gw!);
      }
      return vals(out);
    }]);
    cases.push(['optimizer updates (Adam, SGD with momentum, Nesterov, RMSprop centered with momentum), 3 steps', () => {
      const out: tf.Tensor[] = [];
      for (const make of [() => tf.train.adam(0.01), () => tf.train.momentum(0.1, 0.9), () => tf.train.momentum(0.1, 0.9, true), () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7, true), () => tf.train.sgd(0.1)]) {
        const v = [tf.variable(T([70001], 70)), tf.variable(T([13, 7], 71))];
        const opt = make();
        for (let s = 0; s < 3; s++) opt.minimize(() => tf.add(tf.sum(tf.square(v[0]!)), tf.sum(tf.mul(v[1]!, T([13, 7], 72 + s)))), false, v);
        out.push(...v);
      }
      return vals(out);
    }]);
    cases.push(['dropout (Philox mask)', () => {
      tf.setSeed(123);  // the same draw on every run (seeded ops draw a new member per call)
      return vals([tf.dropout(T([300, 1000], 80), 0.3, undefined, 5)]);
    }]);
    // A GEMM (bits shared by the FMA paths only; 'generic' against itself), then bias + relu.
    const gemmCase = (): Float32Array[] => {
      const x = T([300, 1000], 80), w = T([1000, 129], 81), b = T([129], 82);
      return vals([tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' }), tf.fused.matMul({ a: T([3, 5], 83), b: T([5, 4], 84), bias: T([4], 85) })]);
    };
    for (const [name, fn, fmaOnly] of [...cases.map(([n, f]) => [n, f, false] as const), ['fused matMul + bias + relu', gemmCase, true] as const]) {
      const results: Record<string, Float32Array[]> = {};
      for (const p of fmaOnly ? FMA_PATHS : PATHS) {
        for (const t of [1, 2, 3]) {
          const r = withIsa(p, t, () => {
            let v: Float32Array[] = [];
            tf.tidy(() => {
              v = fn();
            });
            return v;
          });
          const first = Object.values(results)[0];
          if (first) r.forEach((v, i) => sameBits(v, first[i]!, `${name} [${p}, ${t} threads], output ${i}`));
          results[`${p}/${t}`] = r;
        }
      }
    }
    // The reference kernels where the reference backend has them (Sum, Mean, pools, elementwise): the same bits.
    const x = T([6, 45, 17, 33], 40);
    tf.ENGINE.setBackendSync('reference');
    const want = vals([tf.mean(x, [1, 2]), tf.sum(x, [1, 2]), tf.mean(x, [0, 1, 2, 3])]);
    tf.ENGINE.setBackendSync('native');
    const got = vals([tf.mean(x, [1, 2]), tf.sum(x, [1, 2]), tf.mean(x, [0, 1, 2, 3])]);
    got.forEach((v, i) => sameBits(v, want[i]!, `mean/sum vs reference, output ${i}`));
    void be;
  });

  it('on a CPU without AVX (qemu-x86_64 -cpu Nehalem, where installed) the addon loads, picks generic and computes: no wider instruction runs at load', (t) => {
    if (process.arch !== 'x64') return t.skip('not an x86-64 host');
    const which = spawnSync('sh', ['-c', 'command -v qemu-x86_64'], { encoding: 'utf8' });
    const qemu = which.stdout.trim();
    if (!qemu) return t.skip('qemu-x86_64 is not installed (Debian: qemu-user)');
    const addonPath = fileURLToPath(new URL('../native/build/Release/idem_native.node', import.meta.url));
    const script = `const a = require(${JSON.stringify(addonPath)}); const o = new Float32Array(4);
      a.batchMatMul(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), o, 1, 1, 1, 2, 2, 2, false, false);
      const y = new Float32Array(4); a.relu(new Float32Array([-1, 2, -0, 3]), y);
      console.log(JSON.stringify({ info: a.info(), o: Array.from(o), y: Array.from(y), avx512: a.setIsa('avx512'), avx2: a.setIsa('avx2') }));`;
    const r = spawnSync(qemu, ['-cpu', 'Nehalem', process.execPath, '-e', script], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as { info: { isa: string; isas: string[] }; o: number[]; y: number[]; avx512: boolean; avx2: boolean };
    assert.equal(got.info.isa, 'generic');
    assert.deepEqual(got.info.isas, ['generic']);
    assert.deepEqual(got.o, [19, 22, 43, 50]);
    assert.deepEqual(got.y, [0, 2, 0, 3]);
    assert.deepEqual([got.avx512, got.avx2], [false, false], 'the wider paths are refused');
  });

  it('the per-ISA object files define no weak symbols (no shared inline code compiled for a wider ISA)', (t) => {
    const dir = fileURLToPath(new URL('../native/build/Release/obj.target/', import.meta.url));
    const objs = ['idem_native_avx2/src/isa_avx2.o', 'idem_native_avx512/src/isa_avx512.o', 'idem_native/src/isa_generic.o'].map((f) => dir + f);
    if (!objs.every((f) => existsSync(f))) return t.skip('object files not found (another build layout)');
    const nm = spawnSync('nm', ['--defined-only', ...objs], { encoding: 'utf8' });
    if (nm.error || nm.status !== 0) return t.skip('nm is not available');
    const weak = nm.stdout.split('\n').filter((l) => /^[0-9a-f]+ [WVu] /i.test(l));
    assert.deepEqual(weak, [], 'weak symbols in ISA objects');
  });
});
