/**
 * 3-D convolution and pooling (tf.conv3d / maxPool3d / avgPool3d, tf.layers.conv3d,
 * maxPooling3d, averagePooling3d, globalAverage/MaxPooling3d): values against a direct 7-loop
 * reference written here (obviously right: TensorFlow's SAME/VALID geometry, one output element
 * at a time) and against @tensorflow/tfjs on odd shapes; gradients against finite differences.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tfjs from '@tensorflow/tfjs';
import * as tf from '../src/index.ts';
import { deserializeLayer } from '../src/layers/registry.ts';
import { checkGrad, close, expectThrows, randTensor, rng } from './util.ts';

type T3 = [number, number, number];

/** Output length and padding before, TensorFlow's rule. */
function geom(len: number, k: number, s: number, d: number, pad: 'valid' | 'same'): { out: number; before: number } {
  const eff = (k - 1) * d + 1;
  if (pad === 'valid') return { out: Math.floor((len - eff) / s) + 1, before: 0 };
  const out = Math.ceil(len / s);
  return { out, before: Math.floor(Math.max((out - 1) * s + eff - len, 0) / 2) };
}

function refConv3d(x: tf.Tensor, f: tf.Tensor, s: T3, pad: 'valid' | 'same', dil: T3 = [1, 1, 1]): { v: number[]; shape: number[] } {
  const [n, D, H, W, C] = x.shape as number[] as [number, number, number, number, number];
  const [kd, kh, kw, , O] = f.shape as number[] as [number, number, number, number, number];
  const xv = x.dataSync();
  const fv = f.dataSync();
  const g = [geom(D, kd, s[0], dil[0], pad), geom(H, kh, s[1], dil[1], pad), geom(W, kw, s[2], dil[2], pad)];
  const v: number[] = [];
  for (let b = 0; b < n; b++)
    for (let od = 0; od < g[0]!.out; od++)
      for (let oh = 0; oh < g[1]!.out; oh++)
        for (let ow = 0; ow < g[2]!.out; ow++)
          for (let o = 0; o < O; o++) {
            let acc = 0;
            for (let a = 0; a < kd; a++)
              for (let bb = 0; bb < kh; bb++)
                for (let c = 0; c < kw; c++) {
                  const id = od * s[0] + a * dil[0] - g[0]!.before;
                  const ih = oh * s[1] + bb * dil[1] - g[1]!.before;
                  const iw = ow * s[2] + c * dil[2] - g[2]!.before;
                  if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  for (let ci = 0; ci < C; ci++) acc += xv[(((b * D + id) * H + ih) * W + iw) * C + ci]! * fv[(((a * kh + bb) * kw + c) * C + ci) * O + o]!;
                }
            v.push(acc);
          }
  return { v, shape: [n, g[0]!.out, g[1]!.out, g[2]!.out, O] };
}

function refPool3d(mode: 'max' | 'avg', x: tf.Tensor, k: T3, s: T3, pad: 'valid' | 'same'): { v: number[]; shape: number[] } {
  const [n, D, H, W, C] = x.shape as number[] as [number, number, number, number, number];
  const xv = x.dataSync();
  const g = [geom(D, k[0], s[0], 1, pad), geom(H, k[1], s[1], 1, pad), geom(W, k[2], s[2], 1, pad)];
  const v: number[] = [];
  for (let b = 0; b < n; b++)
    for (let od = 0; od < g[0]!.out; od++)
      for (let oh = 0; oh < g[1]!.out; oh++)
        for (let ow = 0; ow < g[2]!.out; ow++)
          for (let ch = 0; ch < C; ch++) {
            let acc = mode === 'max' ? -Infinity : 0;
            let cnt = 0;
            for (let a = 0; a < k[0]; a++)
              for (let bb = 0; bb < k[1]; bb++)
                for (let c = 0; c < k[2]; c++) {
                  const id = od * s[0] + a - g[0]!.before;
                  const ih = oh * s[1] + bb - g[1]!.before;
                  const iw = ow * s[2] + c - g[2]!.before;
                  if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  const e = xv[(((b * D + id) * H + ih) * W + iw) * C + ch]!;
                  acc = mode === 'max' ? Math.max(acc, e) : acc + e;
                  cnt++;
                }
            v.push(mode === 'max' ? acc : acc / cnt);
          }
  return { v, shape: [n, g[0]!.out, g[1]!.out, g[2]!.out, C] };
}

const theirs = (t: tf.Tensor) => tfjs.tensor(Array.from(t.dataSync()), t.shape, 'float32');

describe('tf.conv3d', () => {
  it('matches the direct reference and TF.js on odd shapes (strides, same/valid, dilation, unbatched)', () => {
    const cases: { x: number[]; f: number[]; s: T3; pad: 'valid' | 'same'; d?: T3 }[] = [
      { x: [2, 5, 4, 3, 2], f: [2, 3, 2, 2, 3], s: [1, 1, 1], pad: 'valid' },
      { x: [1, 5, 6, 7, 3], f: [3, 3, 3, 3, 2], s: [2, 2, 1], pad: 'same' },
      { x: [2, 4, 5, 3, 1], f: [3, 2, 2, 1, 4], s: [2, 1, 3], pad: 'valid' },
      { x: [1, 7, 5, 6, 2], f: [2, 2, 3, 2, 2], s: [1, 1, 1], pad: 'same', d: [2, 1, 2] },
      { x: [1, 3, 3, 3, 1], f: [1, 1, 1, 1, 1], s: [3, 3, 3], pad: 'same' },
    ];
    cases.forEach((c, i) => {
      const x = randTensor(c.x, 10 + i);
      const f = randTensor(c.f, 20 + i);
      const y = tf.conv3d(x, f, c.s, c.pad, 'NDHWC', c.d ?? 1);
      const ref = refConv3d(x, f, c.s, c.pad, c.d);
      assert.deepEqual(y.shape, ref.shape, `case ${i}`);
      close(y.dataSync(), ref.v, 1e-5, `case ${i}`);
      // TF.js pads SAME by a negative amount when the stride exceeds the kernel (it shifts the
      // window; TensorFlow clamps the padding at 0): compared only where the two rules agree.
      if (i === 4) return;
      const t = tfjs.conv3d(theirs(x) as tfjs.Tensor5D, theirs(f) as tfjs.Tensor5D, c.s, c.pad, 'NDHWC', c.d ?? 1);
      assert.deepEqual(t.shape, y.shape);
      close(y.dataSync(), t.dataSync(), 1e-5, `case ${i} vs TF.js`);
    });
    // Unbatched [depth, h, w, c] in, unbatched out (as TF.js).
    const x4 = randTensor([4, 3, 3, 2], 3);
    const f = randTensor([2, 2, 2, 2, 1], 4);
    const y4 = tf.conv3d(x4, f, 1, 'valid');
    assert.deepEqual(y4.shape, [3, 2, 2, 1]);
    close(y4.dataSync(), refConv3d(tf.reshape(x4, [1, 4, 3, 3, 2]), f, [1, 1, 1], 'valid').v);
  });

  it('gradients match finite differences (x and filter; same padding, strides)', () => {
    const r = rng(5);
    const xv = Array.from({ length: 1 * 4 * 3 * 3 * 2 }, () => r() * 2 - 1);
    const fv = Array.from({ length: 2 * 2 * 3 * 2 * 2 }, () => r() * 2 - 1);
    checkGrad((x, f) => tf.conv3d(x, f, [2, 1, 2], 'same'), [{ values: xv, shape: [1, 4, 3, 3, 2] }, { values: fv, shape: [2, 2, 3, 2, 2] }]);
    checkGrad((x, f) => tf.conv3d(x, f, 1, 'valid', 'NDHWC', [2, 1, 1]), [{ values: xv, shape: [1, 4, 3, 3, 2] }, { values: fv, shape: [2, 2, 3, 2, 2] }]);
  });

  it('names the op, the argument, what was expected and what came', () => {
    const x = tf.zeros([1, 3, 3, 3, 2]);
    expectThrows(() => tf.conv3d(tf.zeros([3, 3, 2]), tf.zeros([1, 1, 1, 2, 1]), 1, 'valid'), /conv3d.*rank 5/);
    expectThrows(() => tf.conv3d(x, tf.zeros([1, 1, 1, 3, 1]), 1, 'valid'), /conv3d.*channels/);
    expectThrows(() => tf.conv3d(x, tf.zeros([4, 1, 1, 2, 1]), 1, 'valid'), /conv3d.*too small/);
    expectThrows(() => tf.conv3d(x, tf.zeros([1, 1, 1, 2, 1]), 1, 'full' as 'same'), /conv3d.*'valid' or 'same'/);
    expectThrows(() => tf.conv3d(x, tf.zeros([1, 1, 1, 2, 1]), 1, 'valid', 'NCDHW' as 'NDHWC'), /conv3d.*NDHWC/);
    expectThrows(() => tf.conv3d(x, tf.zeros([1, 1, 1, 2, 1]), [1, 0, 1] as T3, 'valid'), /conv3d.*strides/);
  });
});

describe('tf.maxPool3d / tf.avgPool3d', () => {
  it('match the direct reference and TF.js (SAME averages only the real elements)', () => {
    const cases: { x: number[]; k: T3; s: T3; pad: 'valid' | 'same' }[] = [
      { x: [2, 4, 4, 4, 3], k: [2, 2, 2], s: [2, 2, 2], pad: 'valid' },
      { x: [1, 5, 6, 7, 2], k: [3, 2, 3], s: [2, 1, 2], pad: 'same' },
      { x: [1, 5, 3, 4, 1], k: [2, 3, 1], s: [1, 2, 1], pad: 'same' },
      { x: [2, 3, 5, 5, 2], k: [3, 3, 3], s: [1, 1, 1], pad: 'valid' },
    ];
    cases.forEach((c, i) => {
      const x = randTensor(c.x, 30 + i);
      for (const mode of ['max', 'avg'] as const) {
        const y = (mode === 'max' ? tf.maxPool3d : tf.avgPool3d)(x, c.k, c.s, c.pad);
        const ref = refPool3d(mode, x, c.k, c.s, c.pad);
        assert.deepEqual(y.shape, ref.shape, `${mode} case ${i}`);
        close(y.dataSync(), ref.v, 1e-6, `${mode} case ${i}`);
        const t = (mode === 'max' ? tfjs.maxPool3d : tfjs.avgPool3d)(theirs(x) as tfjs.Tensor5D, c.k, c.s, c.pad);
        close(y.dataSync(), t.dataSync(), 1e-6, `${mode} case ${i} vs TF.js`);
      }
    });
  });

  it('gradients match finite differences', () => {
    const r = rng(9);
    // Distinct values keep the maximum's argmax stable under the finite-difference step.
    const xv = Array.from({ length: 1 * 5 * 4 * 3 * 2 }, (_, i) => i * 0.37 + r() * 0.1);
    for (let i = xv.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [xv[i], xv[j]] = [xv[j]!, xv[i]!];
    }
    checkGrad((x) => tf.avgPool3d(x, [2, 2, 2], [2, 1, 2], 'same'), [{ values: xv, shape: [1, 5, 4, 3, 2] }]);
    checkGrad((x) => tf.maxPool3d(x, [2, 2, 2], [2, 1, 2], 'same'), [{ values: xv, shape: [1, 5, 4, 3, 2] }]);
    checkGrad((x) => tf.maxPool3d(x, [3, 2, 2], 1, 'valid'), [{ values: xv, shape: [1, 5, 4, 3, 2] }]);
  });

  it('reject what TF.js rejects, by name', () => {
    expectThrows(() => tf.maxPool3d(tf.zeros([1, 2, 2, 2, 1]), 3, 1, 'valid'), /maxPool3d.*too small/);
    expectThrows(() => tf.avgPool3d(tf.zeros([1, 2, 2, 2, 1], 'int32'), 1, 1, 'valid'), /avgPool3d.*float32/);
    expectThrows(() => tf.avgPool3d(tf.zeros([1, 2, 2, 2, 1]), 1, 1, 'valid', 'ceil'), /avgPool3d.*dimRoundingMode/);
  });
});

describe('3-D layers', () => {
  it('Conv3D = conv3d(x, kernel) + bias with Keras weights; shapes, summary and config round trip', () => {
    const l = tf.layers.conv3d({ filters: 4, kernelSize: [2, 3, 2], strides: [1, 2, 1], padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: 2 }) });
    const x = randTensor([2, 5, 6, 4, 3], 3);
    const y = l.apply(x) as tf.Tensor;
    assert.deepEqual(l.kernel!.shape, [2, 3, 2, 3, 4]);
    assert.deepEqual(y.shape, [2, 5, 3, 4, 4]);
    assert.deepEqual(Array.from(y.dataSync()), Array.from(tf.relu(tf.add(tf.conv3d(x, l.kernel!, [1, 2, 1], 'same'), l.bias!)).dataSync()));
    assert.deepEqual(l.computeOutputShape([null, 5, 6, 4, 3]), [null, 5, 3, 4, 4]);
    const copy = deserializeLayer({ className: 'Conv3D', config: { ...l.getConfig(), name: 'c3_copy' } });
    copy.apply(x);
    copy.setWeights(l.getWeights());
    assert.deepEqual(Array.from((copy.apply(x) as tf.Tensor).dataSync()), Array.from(y.dataSync()));
    expectThrows(() => l.apply(tf.zeros([2, 5, 6, 3])), /conv3d.*depth, height, width, channels/i);
  });

  it('pooling layers and global pooling over [batch, depth, h, w, c]; a small 3-D CNN trains', async () => {
    const x = randTensor([2, 4, 4, 4, 3], 4);
    const mp = tf.layers.maxPooling3d({ poolSize: 2 });
    const ap = tf.layers.averagePooling3d({ poolSize: [2, 1, 2], strides: 1, padding: 'same' });
    assert.deepEqual(Array.from((mp.apply(x) as tf.Tensor).dataSync()), Array.from(tf.maxPool3d(x, 2, 2, 'valid').dataSync()));
    assert.deepEqual(Array.from((ap.apply(x) as tf.Tensor).dataSync()), Array.from(tf.avgPool3d(x, [2, 1, 2], 1, 'same').dataSync()));
    close((tf.layers.globalAveragePooling3d().apply(x) as tf.Tensor).dataSync(), tf.mean(x, [1, 2, 3]).dataSync());
    assert.deepEqual(Array.from((tf.layers.globalMaxPooling3d().apply(x) as tf.Tensor).dataSync()), Array.from(tf.max(x, [1, 2, 3]).dataSync()));
    assert.deepEqual((tf.layers.globalMaxPooling3d({ keepDims: true }).apply(x) as tf.Tensor).shape, [2, 1, 1, 1, 3]);
    assert.equal(tf.layers.avgPool3d, tf.layers.avgPooling3d);

    const model = tf.sequential({
      layers: [
        tf.layers.conv3d({ inputShape: [4, 4, 4, 1], filters: 3, kernelSize: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        tf.layers.maxPooling3d({ poolSize: [1, 2, 2] }),
        tf.layers.globalAveragePooling3d(),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    const xs = randTensor([8, 4, 4, 4, 1], 5);
    const ys = tf.mean(xs, [1, 2, 3]);
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const h = await model.fit(xs, ys, { epochs: 15, verbose: 0 });
    const loss = h.history['loss'] as number[];
    assert.ok(loss[loss.length - 1]! < loss[0]! * 0.5, `loss ${loss[0]} → ${loss[loss.length - 1]}`);
    assert.deepEqual(model.summary(100, null).rows.map((r) => r.outputShape), ['(None, 3, 3, 3, 3)', '(None, 3, 1, 1, 3)', '(None, 3)', '(None, 1)']);
  });
});
