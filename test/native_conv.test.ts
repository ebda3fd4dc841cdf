/**
 * Native convolution, pooling and softmax-family kernels (src/backends/native/conv_kernels.ts,
 * native/src/conv.cc, pool2d.cc, softmax.cc) against the reference kernels, called directly with
 * the same inputs and attrs on both backends.
 *
 * - Conv2D and its two gradients (im2col + float32 GEMM): each element within
 *   2e-5 · Σ|terms| of the reference (Σ|terms| = the same kernel on |inputs|, the natural scale
 *   of a dot product), identical run to run and with 1 or 2 threads.
 * - Depthwise conv and its gradients, pooling and pooling gradients: bit-identical.
 * - Softmax, LogSoftmax, SoftmaxCrossEntropyWithLogits: within 1 float32 ulp (C library exp/log
 *   against V8's), NaN where the reference gives NaN.
 * - FusedBatchNorm / FusedBatchNormGrad (native and the JS version): bit-identical to moments +
 *   batchNorm and their autodiff, on 1 and 2 threads; with gradients arriving at the mean and
 *   variance outputs, within 1e-5 (relative to the largest magnitude).
 *
 * Skipped, with a message, when the addon is not built.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import type { Attrs, KernelFunc, TensorInfo } from '../src/core/backend.ts';
import { loadNativeAddon, NativeBackend, nativeLoadError, registerNativeBackend } from '../src/backends/native/index.ts';
import { ReferenceBackend } from '../src/backends/reference/backend.ts';
import { hasNormKernels, referenceBatchNormKernels } from '../src/backends/native/norm_kernels.ts';
import { fusedBatchNormGradient } from '../src/ops/batch_norm_training.ts';
import { rng } from './util.ts';

const addon = loadNativeAddon();
const skip = addon ? false : `native addon not built (${nativeLoadError() ?? 'missing'}); run \`npm run build:native\``;
if (!addon) console.log(`# test/native_conv.test.ts skipped: ${skip}`);
if (addon && !tf.ENGINE.findBackend('native')) registerNativeBackend(tf.ENGINE);

type Input = { v: Float32Array | Int32Array; shape: number[] };

function rand(shape: number[], seed: number, lo = -1, hi = 1): Input {
  const r = rng(seed);
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * r();
  return { v, shape };
}

function abs(x: Input): Input {
  return { v: Float32Array.from(x.v, Math.abs), shape: x.shape };
}

/** Runs one kernel on a backend; returns the output values and shape. */
function run(be: ReferenceBackend, name: string, inputs: Record<string, Input>, attrs: Attrs): { v: Float32Array; shape: number[] } {
  const infos: Record<string, TensorInfo> = {};
  for (const [k, x] of Object.entries(inputs)) infos[k] = be.make(x.v, x.shape, x.v instanceof Int32Array ? 'int32' : 'float32');
  const out = (be.kernels[name] as KernelFunc)({ inputs: infos, attrs, backend: be }) as TensorInfo;
  return { v: be.values(out) as Float32Array, shape: out.shape.slice() };
}

const ref = new ReferenceBackend();
const nat = addon ? new NativeBackend(addon) : (null as unknown as NativeBackend);

/** [top, bottom, left, right] for 'same' / 'valid' (TensorFlow rules, ops/conv_util.ts). */
function padFor(mode: 'same' | 'valid' | number[], inH: number, inW: number, fh: number, fw: number, s: number[], d: number[]): number[] {
  if (Array.isArray(mode)) return mode;
  if (mode === 'valid') return [0, 0, 0, 0];
  const one = (n: number, f: number, st: number, dl: number): [number, number] => {
    const eff = (f - 1) * dl + 1;
    const out = Math.ceil(n / st);
    const total = Math.max((out - 1) * st + eff - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  return [...one(inH, fh, s[0]!, d[0]!), ...one(inW, fw, s[1]!, d[1]!)];
}

function identical(actual: Float32Array, expected: Float32Array, msg: string): void {
  assert.equal(actual.length, expected.length, `${msg}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${msg}: element ${i}: native ${actual[i]}, reference ${expected[i]}`);
  }
}

/** |a − e| ≤ tol · mag per element (mag: the kernel on |inputs|). */
function withinMag(actual: Float32Array, expected: Float32Array, mag: Float32Array, tol: number, msg: string): void {
  assert.equal(actual.length, expected.length, `${msg}: length`);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= tol * mag[i]! + 1e-30)) assert.fail(`${msg}: element ${i}: native ${actual[i]}, reference ${expected[i]}, |err| ${err} > ${tol}·${mag[i]}`);
  }
}

interface ConvCase {
  batch: number; h: number; w: number; inC: number; outC: number; fh: number; fw: number;
  s: number[]; d: number[]; pad: 'same' | 'valid' | number[];
}

function outSize(n: number, before: number, after: number, f: number, s: number, d: number): number {
  return Math.floor((n + before + after - ((f - 1) * d + 1)) / s) + 1;
}

const convCases: ConvCase[] = [
  { batch: 2, h: 7, w: 9, inC: 3, outC: 5, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: 'same' },
  { batch: 1, h: 8, w: 8, inC: 4, outC: 6, fh: 3, fw: 3, s: [2, 2], d: [1, 1], pad: 'same' },
  { batch: 3, h: 9, w: 7, inC: 2, outC: 4, fh: 3, fw: 2, s: [2, 1], d: [1, 1], pad: 'valid' },
  { batch: 2, h: 6, w: 5, inC: 5, outC: 7, fh: 1, fw: 1, s: [1, 1], d: [1, 1], pad: 'valid' },
  { batch: 2, h: 7, w: 7, inC: 3, outC: 4, fh: 1, fw: 1, s: [2, 2], d: [1, 1], pad: 'same' },
  { batch: 1, h: 10, w: 11, inC: 2, outC: 3, fh: 3, fw: 3, s: [1, 1], d: [2, 2], pad: 'same' },
  { batch: 2, h: 5, w: 6, inC: 1, outC: 17, fh: 5, fw: 2, s: [1, 3], d: [1, 1], pad: [1, 0, 2, 1] },
  // Stride 1 with outC ≥ 2·inC: the input gradient by dcol + col2im (valid, same, dilated, uneven padding).
  { batch: 3, h: 9, w: 8, inC: 3, outC: 7, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: 'valid' },
  { batch: 2, h: 6, w: 7, inC: 1, outC: 5, fh: 3, fw: 2, s: [1, 1], d: [1, 1], pad: 'same' },
  { batch: 1, h: 10, w: 9, inC: 2, outC: 9, fh: 3, fw: 3, s: [1, 1], d: [2, 2], pad: [2, 1, 0, 2] },
  { batch: 1, h: 8, w: 8, inC: 2, outC: 3, fh: 3, fw: 3, s: [2, 2], d: [1, 1], pad: [0, -1, 0, -1] },
  { batch: 0, h: 5, w: 5, inC: 2, outC: 3, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: 'same' },
  { batch: 2, h: 5, w: 5, inC: 0, outC: 3, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: 'same' },
  { batch: 2, h: 5, w: 5, inC: 2, outC: 0, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: 'valid' },
  // K = 576: many row blocks and filter-gradient chunks; the second case has 2 blocks per chunk.
  { batch: 4, h: 24, w: 24, inC: 64, outC: 8, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: 'valid' },
  { batch: 2, h: 66, w: 66, inC: 64, outC: 2, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: 'valid' },
  // 1×1, stride 1: no im2col, several row blocks.
  { batch: 3, h: 40, w: 40, inC: 40, outC: 5, fh: 1, fw: 1, s: [1, 1], d: [1, 1], pad: 'valid' },
];

function convSetup(c: ConvCase, seed: number) {
  const pad = padFor(c.pad, c.h, c.w, c.fh, c.fw, c.s, c.d);
  const attrs: Attrs = { strides: c.s, dilations: c.d, pad };
  const oh = outSize(c.h, pad[0]!, pad[1]!, c.fh, c.s[0]!, c.d[0]!);
  const ow = outSize(c.w, pad[2]!, pad[3]!, c.fw, c.s[1]!, c.d[1]!);
  const x = rand([c.batch, c.h, c.w, c.inC], seed);
  const w = rand([c.fh, c.fw, c.inC, c.outC], seed + 1);
  const dy = rand([c.batch, oh, ow, c.outC], seed + 2);
  return { attrs, x, w, dy, xShape: x.shape, wShape: w.shape };
}

describe('native conv / pool / softmax kernels', { skip }, () => {
  after(() => addon!.setNumThreads(0));

  it('Conv2D and its input and filter gradients match the reference within 2e-5 · Σ|terms|, run to run identical', () => {
    convCases.forEach((c, ci) => {
      const { attrs, x, w, dy, xShape, wShape } = convSetup(c, 100 + ci);
      const msg = JSON.stringify(c);
      const checks: [string, Record<string, Input>, Record<string, Input>, Attrs][] = [
        ['Conv2D', { x, filter: w }, { x: abs(x), filter: abs(w) }, attrs],
        ['Conv2DBackpropInput', { dy, filter: w }, { dy: abs(dy), filter: abs(w) }, { ...attrs, inputShape: xShape }],
        ['Conv2DBackpropFilter', { x, dy }, { x: abs(x), dy: abs(dy) }, { ...attrs, filterShape: wShape }],
      ];
      for (const [name, inputs, absInputs, at] of checks) {
        const e = run(ref, name, inputs, at);
        const a = run(nat, name, inputs, at);
        assert.deepEqual(a.shape, e.shape, `${name} ${msg}: shape`);
        withinMag(a.v, e.v, run(ref, name, absInputs, at).v, 2e-5, `${name} ${msg}`);
        identical(run(nat, name, inputs, at).v, a.v, `${name} ${msg}: run to run`);
      }
    });
  });

  it('Conv2D family results are bit-identical on 1 and 2 threads', () => {
    const c: ConvCase = { batch: 8, h: 28, w: 28, inC: 16, outC: 32, fh: 3, fw: 3, s: [1, 1], d: [1, 1], pad: 'same' };
    const { attrs, x, w, dy, xShape, wShape } = convSetup(c, 7);
    const runs = (): Float32Array[] => [
      run(nat, 'Conv2D', { x, filter: w }, attrs).v,
      run(nat, 'Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape }).v,
      run(nat, 'Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: wShape }).v,
      run(nat, 'MaxPool', { x }, { filterSize: [3, 3], strides: [2, 2], pad: [0, 1, 0, 1] }).v,
      run(nat, 'Softmax', { logits: x }, { dim: 3 }).v,
    ];
    addon!.setNumThreads(1);
    const one = runs();
    addon!.setNumThreads(2);
    const two = runs();
    one.forEach((v, i) => identical(two[i]!, v, `kernel ${i}: 2 threads vs 1`));
  });

  it('depthwise conv and its gradients are bit-identical to the reference', () => {
    const cases: [number, number, number, number, number, number, number, number[], 'same' | 'valid'][] = [
      // batch, h, w, C, mult, fh, fw, strides, pad
      [2, 7, 6, 3, 2, 3, 3, [1, 1], 'same'],
      [1, 9, 9, 4, 1, 3, 3, [2, 2], 'valid'],
      [3, 5, 8, 2, 3, 2, 1, [1, 2], 'same'],
      [0, 4, 4, 2, 2, 3, 3, [1, 1], 'same'],
    ];
    cases.forEach(([batch, h, w, C, mult, fh, fw, s, p], ci) => {
      const pad = padFor(p, h, w, fh, fw, s, [1, 1]);
      const attrs: Attrs = { strides: s, dilations: [1, 1], pad };
      const x = rand([batch, h, w, C], 300 + ci);
      const f = rand([fh, fw, C, mult], 400 + ci);
      const y = run(ref, 'DepthwiseConv2dNative', { x, filter: f }, attrs);
      identical(run(nat, 'DepthwiseConv2dNative', { x, filter: f }, attrs).v, y.v, `depthwise ${ci}`);
      const dy = rand(y.shape, 500 + ci);
      const bi = { ...attrs, inputShape: x.shape };
      identical(run(nat, 'DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, bi).v,
        run(ref, 'DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, bi).v, `depthwise dx ${ci}`);
      const bf = { ...attrs, filterShape: f.shape };
      identical(run(nat, 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, bf).v,
        run(ref, 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, bf).v, `depthwise dw ${ci}`);
    });
  });

  it('MaxPool, AvgPool and their gradients are bit-identical to the reference (ties, NaN, empty windows, overlap)', () => {
    const cases: [number, number, number, number, number[], number[], 'same' | 'valid' | number[]][] = [
      // batch, h, w, C, filterSize, strides, pad
      [2, 7, 9, 3, [2, 2], [2, 2], 'valid'],
      [1, 8, 7, 5, [3, 3], [2, 2], 'same'],
      [2, 6, 6, 4, [3, 3], [1, 1], 'same'],
      [1, 5, 9, 2, [2, 3], [1, 2], 'valid'],
      [1, 5, 5, 3, [2, 2], [1, 1], [3, 0, 0, 0]],
      [1, 5, 5, 3, [2, 2], [2, 2], [3, 0, 0, 0]],
      [2, 7, 7, 3, [2, 2], [2, 2], 'same'],
      [2, 8, 6, 4, [2, 3], [2, 3], 'valid'],
      [0, 4, 4, 2, [2, 2], [2, 2], 'valid'],
      [1, 1, 1, 6, [1, 1], [1, 1], 'valid'],
      // ResNet50's stem pool (3×3 / 2 after a 1-pixel zero pad) with a channel count that is no
      // multiple of any vector width; a stride smaller in one axis than the other.
      [2, 11, 9, 17, [3, 3], [2, 2], [1, 1, 1, 1]],
      [1, 8, 10, 9, [3, 3], [1, 2], 'same'],
    ];
    const dilated: [number, number, number, number, number[], number[], number[], number[]][] = [
      // batch, h, w, C, filterSize, strides, dilations, explicit pad
      [1, 9, 8, 5, [3, 2], [1, 1], [2, 1], [2, 2, 0, 1]],
      [2, 10, 10, 3, [2, 3], [2, 1], [2, 2], [1, 0, 2, 1]],
    ];
    const all = [
      ...cases.map(([batch, h, w, C, fs, s, p]) => [batch, h, w, C, fs, s, [1, 1], padFor(p, h, w, fs[0]!, fs[1]!, s, [1, 1])] as const),
      ...dilated,
    ];
    all.forEach(([batch, h, w, C, fs, s, d, pad], ci) => {
      const attrs: Attrs = { filterSize: fs, strides: s, dilations: d, pad };
      // Few distinct values (ties), a NaN and a -0.
      const x = rand([batch, h, w, C], 600 + ci);
      for (let i = 0; i < x.v.length; i++) x.v[i] = Math.round(x.v[i]! * 3) / 3;
      if (x.v.length > 5) {
        x.v[3] = NaN;
        x.v[5] = -0;
      }
      const msg = `pool case ${ci}`;
      const y = run(ref, 'MaxPool', { x }, attrs);
      identical(run(nat, 'MaxPool', { x }, attrs).v, y.v, `MaxPool ${msg}`);
      const dy = rand(y.shape, 700 + ci);
      // Magnitudes 2^-24 … 2^24: where windows overlap, a float32 sum of a dx element's
      // contributions differs from the reference's float64 sum rounded once.
      for (let i = 0; i < dy.v.length; i++) dy.v[i] = dy.v[i]! * 2 ** (((i * 5) % 7) * 8 - 24);
      identical(run(nat, 'MaxPoolGrad', { dy, x }, attrs).v, run(ref, 'MaxPoolGrad', { dy, x }, attrs).v, `MaxPoolGrad ${msg}`);
      identical(run(nat, 'AvgPool', { x }, attrs).v, run(ref, 'AvgPool', { x }, attrs).v, `AvgPool ${msg}`);
      const ga = { ...attrs, inputShape: x.shape };
      identical(run(nat, 'AvgPoolGrad', { dy }, ga).v, run(ref, 'AvgPoolGrad', { dy }, ga).v, `AvgPoolGrad ${msg}`);
    });
  });

  it('int32 pooling falls back to the reference kernel', () => {
    const x: Input = { v: Int32Array.from({ length: 2 * 4 * 4 }, (_, i) => (i * 7) % 11), shape: [1, 4, 4, 2] };
    const attrs: Attrs = { filterSize: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0] };
    const a = run(nat, 'MaxPool', { x }, attrs);
    const e = run(ref, 'MaxPool', { x }, attrs);
    assert.ok(a.v instanceof Int32Array, 'int32 output');
    assert.deepEqual(Array.from(a.v), Array.from(e.v));
  });

  it('Softmax, LogSoftmax and SoftmaxCrossEntropyWithLogits match the reference within 1 ulp on any axis', () => {
    const cases: [number[], number][] = [[[5, 10], 1], [[3, 4, 5], 1], [[7], 0], [[4, 3], 0], [[2, 0, 3], 2], [[6, 13], 1]];
    cases.forEach(([shape, axis], ci) => {
      const x = rand(shape, 800 + ci, -30, 30);
      if (x.v.length > 4) {
        x.v[1] = -Infinity;
        x.v[2] = 80;
      }
      const z = rand(shape, 900 + ci, 0, 1);
      for (let i = 0; i < z.v.length; i += 3) z.v[i] = 0;
      const msg = `${JSON.stringify(shape)} axis ${axis}`;
      const ulp = (a: Float32Array, e: Float32Array, what: string) => {
        assert.equal(a.length, e.length, `${what}: length`);
        for (let i = 0; i < a.length; i++) {
          if (Number.isNaN(e[i]!)) assert.ok(Number.isNaN(a[i]!), `${what} [${i}]: NaN expected, got ${a[i]}`);
          else assert.ok(Math.abs(a[i]! - e[i]!) <= 1.2e-7 * Math.abs(e[i]!) || a[i] === e[i], `${what} [${i}]: ${a[i]} vs ${e[i]}`);
        }
      };
      ulp(run(nat, 'Softmax', { logits: x }, { dim: axis }).v, run(ref, 'Softmax', { logits: x }, { dim: axis }).v, `Softmax ${msg}`);
      ulp(run(nat, 'LogSoftmax', { logits: x }, { axis }).v, run(ref, 'LogSoftmax', { logits: x }, { axis }).v, `LogSoftmax ${msg}`);
      const xa = run(nat, 'SoftmaxCrossEntropyWithLogits', { labels: z, logits: x }, { axis });
      const xe = run(ref, 'SoftmaxCrossEntropyWithLogits', { labels: z, logits: x }, { axis });
      assert.deepEqual(xa.shape, xe.shape, `xent ${msg}: shape`);
      ulp(xa.v, xe.v, `SoftmaxCrossEntropyWithLogits ${msg}`);
    });
  });

  it('gradients of conv → relu → maxPool → dense-style loss agree with the reference backend', () => {
    const f = (x: tf.Tensor, w: tf.Tensor) => {
      const h = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
      const logits = tf.reshape(h, [3, -1]);
      return tf.sum(tf.softmaxCrossEntropyWithLogits({ labels: tf.softmax(tf.mul(logits, 0.5)), logits }));
    };
    const grads = (backend: string): Float32Array[] => {
      const prev = tf.getBackend();
      tf.ENGINE.setBackendSync(backend);
      try {
        const x = tf.tensor(rand([3, 6, 6, 2], 11).v, [3, 6, 6, 2]);
        const w = tf.tensor(rand([3, 3, 2, 4], 12).v, [3, 3, 2, 4]);
        return tf.grads(f)([x, w]).map((g) => Float32Array.from(g.dataSync() as Float32Array));
      } finally {
        tf.ENGINE.setBackendSync(prev);
      }
    };
    const e = grads('reference');
    const a = grads('native');
    for (let k = 0; k < 2; k++) {
      const scale = Math.max(...Array.from(e[k]!, Math.abs));
      assert.ok(scale > 0, 'non-zero gradient');
      for (let i = 0; i < e[k]!.length; i++) {
        assert.ok(Math.abs(a[k]![i]! - e[k]![i]!) <= 1e-5 * scale, `grad ${k} [${i}]: native ${a[k]![i]}, reference ${e[k]![i]}`);
      }
    }
  });

  /** moments + batchNorm as the BatchNormalization layer runs it (the composition), or the fused kernel. */
  function bnLoss(fused: boolean, affine: boolean, eps: number, w: tf.Tensor, extra?: { wm: tf.Tensor; wv: tf.Tensor }) {
    return (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      let y: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor;
      if (fused) {
        const ins: Record<string, tf.Tensor> = affine ? { x, scale: g, offset: b } : { x };
        [y, mean, variance] = tf.ENGINE.runKernelMulti('FusedBatchNorm', ins, { epsilon: eps }) as [tf.Tensor, tf.Tensor, tf.Tensor];
      } else {
        ({ mean, variance } = tf.moments(x, axes));
        y = affine ? tf.batchNorm(x, mean, variance, b, g, eps) : tf.batchNorm(x, mean, variance, undefined, undefined, eps);
      }
      let loss = tf.sum(tf.mul(y, w));
      if (extra) loss = tf.add(loss, tf.add(tf.sum(tf.mul(mean, extra.wm)), tf.sum(tf.mul(variance, extra.wv))));
      return loss;
    };
  }

  it('FusedBatchNorm and its gradient are bit-identical to moments + batchNorm and their autodiff (native and JS), any thread count', () => {
    const be = tf.ENGINE.findBackend('native') as unknown as { kernels: Record<string, KernelFunc> };
    assert.ok('FusedBatchNorm' in be.kernels && 'FusedBatchNormGrad' in be.kernels, 'native backend has the fused batch-norm kernels');
    assert.equal(tf.ENGINE.getGradient('FusedBatchNorm'), fusedBatchNormGradient, 'gradient registered');
    const cases: [number[], boolean, number, number][] = [
      [[2, 5, 7, 3], true, 0, 1e-3], [[9, 4], false, 0, 1e-3], [[1, 6], true, 0, 1e-5], [[4, 3, 3, 5], true, 100, 1e-3],
      [[3, 13], true, -2, 0.1], [[64, 11, 11, 20], true, 0, 1e-3],
    ];
    const prev = tf.getBackend();
    tf.ENGINE.setBackendSync('native');
    try {
      cases.forEach(([shape, affine, shift, eps], ci) => {
        const C = shape[shape.length - 1]!;
        const x = tf.tensor(rand(shape, 1000 + ci, shift - 1, shift + 1).v, shape);
        const g = tf.tensor(rand([C], 1200 + ci, 0.5, 2).v, [C]);
        const b = tf.tensor(rand([C], 1300 + ci).v, [C]);
        const w = tf.tensor(rand(shape, 1100 + ci).v, shape);
        const msg = `${JSON.stringify(shape)} affine ${affine}`;
        const run = (fused: boolean) => {
          const vg = tf.valueAndGrads(bnLoss(fused, affine, eps, w));
          const { value, grads } = vg([x, g, b]);
          const axes = shape.slice(0, -1).map((_, i) => i);
          const fwd = fused
            ? (tf.ENGINE.runKernelMulti('FusedBatchNorm', affine ? { x, scale: g, offset: b } : { x }, { epsilon: eps }) as tf.Tensor[])
            : (() => { const mv = tf.moments(x, axes); return [affine ? tf.batchNorm(x, mv.mean, mv.variance, b, g, eps) : tf.batchNorm(x, mv.mean, mv.variance, undefined, undefined, eps), mv.mean, mv.variance]; })();
          return [value, ...fwd, ...grads.slice(0, affine ? 3 : 1)].map((t) => Float32Array.from(t.dataSync() as Float32Array));
        };
        const e = run(false);
        addon!.setNumThreads(1);
        const a1 = run(true);
        addon!.setNumThreads(2);
        const a2 = run(true);
        const names = ['loss', 'y', 'mean', 'variance', 'dx', 'dscale', 'doffset'];
        e.forEach((v, k) => {
          identical(a1[k]!, v, `${names[k]} ${msg}: fused vs composition`);
          identical(a2[k]!, v, `${names[k]} ${msg}: fused on 2 threads vs composition`);
        });
        // The JavaScript kernels (same float32 operations) on the reference backend.
        const refNorm = referenceBatchNormKernels;
        const xi = { v: x.dataSync() as Float32Array, shape };
        const fin: Record<string, Input> = affine ? { x: xi, scale: { v: g.dataSync() as Float32Array, shape: [C] }, offset: { v: b.dataSync() as Float32Array, shape: [C] } } : { x: xi };
        const infos: Record<string, TensorInfo> = {};
        for (const [n, v] of Object.entries(fin)) infos[n] = ref.make(v.v, v.shape, 'float32');
        const outs = refNorm['FusedBatchNorm']!({ inputs: infos, attrs: { epsilon: eps }, backend: ref }) as TensorInfo[];
        outs.forEach((o, k) => identical(ref.values(o) as Float32Array, e[k + 1]!, `JS ${names[k + 1]} ${msg}`));
        const gi: Record<string, TensorInfo> = { dy: ref.make(w.dataSync() as Float32Array, shape, 'float32'), x: infos['x']!, mean: outs[1]!, variance: outs[2]! };
        if (affine) gi['scale'] = infos['scale']!;
        const gouts = refNorm['FusedBatchNormGrad']!({ inputs: gi, attrs: { epsilon: eps }, backend: ref }) as TensorInfo[];
        gouts.slice(0, affine ? 3 : 1).forEach((o, k) => identical(ref.values(o) as Float32Array, e[k + 4]!, `JS ${names[k + 4]} ${msg}`));
      });
    } finally {
      tf.ENGINE.setBackendSync(prev);
      addon!.setNumThreads(0);
    }
  });

  it('tf.batchNormTraining picks FusedBatchNorm on native (same bits as the composition); under a recording tape (second order) its gradient is the composition\'s autodiff', () => {
    const shape = [6, 5];
    const [x, g, b, w] = [rand(shape, 41, -1, 2), rand([5], 42, 0.5, 1.5), rand([5], 43), rand(shape, 44)].map((d) => tf.tensor(d.v, d.shape));
    const args = { axes: [0], scale: g!, offset: b!, epsilon: 1e-3 };
    const secondOrder = () => {
      // d/dx Σ (d/dx Σ y·w)² : the inner gradient is taken under the outer tape.
      const outer = tf.grad((xx: tf.Tensor) => {
        const inner = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.batchNormTraining(xi, args).y, w!)))(xx);
        return tf.sum(tf.square(inner));
      });
      return Float32Array.from(outer(x!).dataSync() as Float32Array);
    };
    const firstOrder = () => Float32Array.from(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.batchNormTraining(xx, args).y, w!)))(x!).dataSync() as Float32Array);
    const forward = () => Float32Array.from(tf.batchNormTraining(x!, args).y.dataSync() as Float32Array);
    const prev = tf.getBackend();
    try {
      tf.ENGINE.setBackendSync('native');
      const kernels: string[] = [];
      const orig = tf.ENGINE.runKernelMulti;
      tf.ENGINE.runKernelMulti = function (this: unknown, name: string, ...rest: unknown[]) {
        kernels.push(name);
        return (orig as (...a: unknown[]) => tf.Tensor[]).call(this, name, ...rest);
      } as typeof orig;
      let nat: Float32Array[];
      try {
        nat = [forward(), firstOrder(), secondOrder()];
      } finally {
        tf.ENGINE.runKernelMulti = orig;
      }
      assert.ok(kernels.includes('FusedBatchNorm') && kernels.includes('FusedBatchNormGrad'), 'native ran the fused kernels');
      tf.ENGINE.setBackendSync('reference');
      const ref = [forward(), firstOrder(), secondOrder()];
      identical(nat[0]!, ref[0]!, 'forward');
      identical(nat[1]!, ref[1]!, 'first order');
      const scale = ref[2]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(scale > 0, 'non-zero second-order gradient');
      for (let i = 0; i < ref[2]!.length; i++) assert.ok(Math.abs(nat[2]![i]! - ref[2]![i]!) <= 1e-4 * scale, `second order [${i}]: native ${nat[2]![i]}, reference ${ref[2]![i]}`);
    } finally {
      tf.ENGINE.setBackendSync(prev);
    }
  });

  it('FusedBatchNorm gradients through its mean and variance outputs match the composition within rounding', () => {
    assert.ok(hasNormKernels(addon!), 'addon has the batch-norm entry points');
    const shape = [4, 5, 3, 7];
    const data = [rand(shape, 31, -1, 2), rand([7], 32, 0.5, 1.5), rand([7], 33), rand(shape, 34), rand([7], 35), rand([7], 36)];
    const gradsOn = (fused: boolean): Float32Array[] => {
      const prev = tf.getBackend();
      tf.ENGINE.setBackendSync('native');
      try {
        const [x, g, b, w, wm, wv] = data.map((d) => tf.tensor(d.v, d.shape));
        return tf.grads(bnLoss(fused, true, 1e-3, w!, { wm: wm!, wv: wv! }))([x!, g!, b!]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
      } finally {
        tf.ENGINE.setBackendSync(prev);
      }
    };
    const e = gradsOn(false);
    const a = gradsOn(true);
    ['dx', 'dscale', 'doffset'].forEach((name, k) => {
      const scaleOf = e[k]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(scaleOf > 0, `${name}: non-zero gradient`);
      for (let i = 0; i < e[k]!.length; i++) {
        assert.ok(Math.abs(a[k]![i]! - e[k]![i]!) <= 1e-5 * scaleOf, `${name} [${i}]: fused ${a[k]![i]}, composition ${e[k]![i]}`);
      }
    });
  });
});
