import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { mergeLayers, batchDot } from '../src/layers/merge.ts';
import { attentionLayers, MultiHeadAttention, LayerNormalization } from '../src/layers/attention.ts';
import { embeddingLayers, Embedding, maskingMask } from '../src/layers/embedding.ts';
import { noiseLayers, ALPHA_PRIME } from '../src/layers/noise.ts';
import { miscLayers } from '../src/layers/misc.ts';
import { recurrentLayers } from '../src/layers/recurrent.ts';
import { checkGrad, close, expectThrows, randInput, randTensor } from './util.ts';
import { runLayerTest } from './layer_test.ts';

const arr = (t: tf.Tensor) => Array.from(t.dataSync());
const same = (a: tf.Tensor, b: tf.Tensor, msg = '') => {
  assert.deepEqual(a.shape, b.shape, `${msg} shape`);
  assert.deepEqual(arr(a), arr(b), msg);
};
const glorot = (seed: number) => tf.initializers.glorotUniform({ seed });

describe('merge layers', () => {
  it('Add/Subtract/Multiply/Average/Maximum/Minimum equal left folds of the raw ops', () => {
    const a = randTensor([2, 3], 1);
    const b = randTensor([2, 3], 2);
    const c = randTensor([2, 3], 3);
    same(mergeLayers.add().apply([a, b, c]), tf.add(tf.add(a, b), c), 'add');
    same(mergeLayers.subtract().apply([a, b]), tf.sub(a, b), 'subtract');
    same(mergeLayers.multiply().apply([a, b, c]), tf.mul(tf.mul(a, b), c), 'multiply');
    same(mergeLayers.average().apply([a, b, c]), tf.div(tf.add(tf.add(a, b), c), 3), 'average');
    same(mergeLayers.maximum().apply([a, b, c]), tf.maximum(tf.maximum(a, b), c), 'maximum');
    same(mergeLayers.minimum().apply([a, b, c]), tf.minimum(tf.minimum(a, b), c), 'minimum');
    const h = mergeLayers.add().apply([tf.tensor([[1, 2], [3, 4]]), tf.tensor([[10, 20], [30, 40]])]);
    assert.deepEqual(arr(h), [11, 22, 33, 44]);
    assert.deepEqual(arr(mergeLayers.average().apply([tf.tensor([[1, 2]]), tf.tensor([[3, 6]])])), [2, 4]);
  });

  it('broadcasting: size-1 dims stretch, lower-rank inputs are expanded at axis 1', () => {
    const a = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tf.tensor([[10], [20]]);
    const y = mergeLayers.add().apply([a, b]);
    assert.deepEqual(y.shape, [2, 3]);
    assert.deepEqual(arr(y), [11, 12, 13, 24, 25, 26]);
    const c = randTensor([2, 4, 3], 5);
    const z = mergeLayers.multiply().apply([a, c]);
    same(z, tf.mul(tf.expandDims(a, 1), c));
    const i1 = tf.input({ shape: [3] });
    const i2 = tf.input({ shape: [4, 3] });
    const o = mergeLayers.multiply().apply([i1, i2]) as tf.KerasTensor;
    assert.deepEqual(o.shape, [null, 4, 3]);
    const i3 = tf.input({ shape: [1, 5] });
    const i4 = tf.input({ shape: [7, 1] });
    assert.deepEqual((mergeLayers.maximum().apply([i3, i4]) as tf.KerasTensor).shape, [null, 7, 5]);
  });

  it('functional model with Add and Concatenate: shapes, summary, predict', () => {
    tf.resetLayerNames();
    const x1 = tf.input({ shape: [4] });
    const x2 = tf.input({ shape: [4] });
    const d1 = tf.layers.dense({ units: 3, kernelInitializer: glorot(1) }).apply(x1) as tf.KerasTensor;
    const d2 = tf.layers.dense({ units: 3, kernelInitializer: glorot(2) }).apply(x2) as tf.KerasTensor;
    const s = mergeLayers.add().apply([d1, d2]) as tf.KerasTensor;
    const cat = mergeLayers.concatenate().apply([s, d1, x1]) as tf.KerasTensor;
    assert.deepEqual(s.shape, [null, 3]);
    assert.deepEqual(cat.shape, [null, 10]);
    const m = tf.model({ inputs: [x1, x2], outputs: cat });
    const sum = m.summary(100, null);
    assert.equal(sum.totalParams, 2 * (4 * 3 + 3));
    assert.deepEqual(sum.rows.filter((r) => r.className === 'Add' || r.className === 'Concatenate').map((r) => [r.outputShape, r.params]), [['(None, 3)', 0], ['(None, 10)', 0]]);
    const a = randTensor([2, 4], 3);
    const b = randTensor([2, 4], 4);
    const out = m.apply([a, b]) as tf.Tensor; // (multi-input `predict` is not supported by the shared training loop yet)
    const k1 = (m.layers.find((l) => l.className === 'Dense') as tf.Dense).kernel!;
    const dd1 = tf.matMul(a, k1);
    assert.deepEqual(out.shape, [2, 10]);
    assert.deepEqual(arr(tf.slice(out, [0, 7], [2, 3])).map((v) => v), arr(tf.slice(a, [0, 1], [2, 3])));
    assert.deepEqual(arr(tf.slice(out, [0, 3], [2, 3])), arr(tf.add(dd1, (m.layers.find((l) => l.className === 'Dense') as tf.Dense).bias!)));
  });

  it('Concatenate equals tf.concat on any non-batch axis', () => {
    const a = randTensor([2, 3, 4], 1);
    const b = randTensor([2, 5, 4], 2);
    same(mergeLayers.concatenate({ axis: 1 }).apply([a, b]), tf.concat([a, b], 1));
    const c = randTensor([2, 3, 1], 3);
    same(mergeLayers.concatenate().apply([a, c]), tf.concat([a, c], -1));
    const i1 = tf.input({ shape: [3, 4] });
    const i2 = tf.input({ shape: [null, 4] });
    assert.deepEqual((mergeLayers.concatenate({ axis: 1 }).apply([i1, i2]) as tf.KerasTensor).shape, [null, null, 4]);
    expectThrows(() => mergeLayers.concatenate({ axis: -1, name: 'cc' }).apply([a, b]), /cc: A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=\[\(None, 3, 4\), \(None, 5, 4\)\]/);
  });

  it('Dot: batch_dot on each axis pair, a [B, 1] result for vectors, normalize = cosine', () => {
    const x = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    const y = tf.tensor([[1, 0, 2], [0, 1, 1]]);
    const d = mergeLayers.dot({ axes: 1 }).apply([x, y]);
    assert.deepEqual(d.shape, [2, 1]);
    assert.deepEqual(arr(d), [7, 11]);
    const cos = mergeLayers.dot({ axes: -1, normalize: true }).apply([x, y]);
    close(arr(cos), [7 / Math.sqrt(14) / Math.sqrt(5), 11 / Math.sqrt(77) / Math.sqrt(2)], 1e-6);
    const a = randTensor([2, 3, 4], 1);
    const b = randTensor([2, 4, 5], 2);
    same(mergeLayers.dot({ axes: [2, 1] }).apply([a, b]), tf.matMul(a, b), 'axes [2,1]');
    const c = randTensor([2, 3, 5], 3);
    same(mergeLayers.dot({ axes: [1, 1] }).apply([a, c]), tf.matMul(tf.transpose(a, [0, 2, 1]), c), 'axes [1,1]');
    same(mergeLayers.dot({ axes: 2 }).apply([a, a]), tf.matMul(a, a, false, true), 'axes 2');
    const i1 = tf.input({ shape: [3, 4] });
    const i2 = tf.input({ shape: [4, 5] });
    assert.deepEqual((mergeLayers.dot({ axes: [2, 1] }).apply([i1, i2]) as tf.KerasTensor).shape, [null, 3, 5]);
    const v1 = tf.input({ shape: [6] });
    assert.deepEqual((mergeLayers.dot({ axes: 1 }).apply([v1, v1]) as tf.KerasTensor).shape, [null, 1]);
    same(batchDot(a, b, 2, 1), tf.matMul(a, b));
    // normalize = Keras 3 ops.normalize: x · min(rsqrt(Σx²), 1e7), bit for bit; a zero vector gives 0
    const nrm = (t: tf.Tensor, ax: number) => tf.mul(t, tf.minimum(tf.rsqrt(tf.sum(tf.square(t), ax, true)), 1 / 1e-7));
    same(mergeLayers.dot({ axes: [1, 1], normalize: true }).apply([a, c]), tf.matMul(tf.transpose(nrm(a, 1), [0, 2, 1]), nrm(c, 1)), 'normalize');
    assert.deepEqual(arr(mergeLayers.dot({ axes: 1, normalize: true }).apply([tf.zeros([1, 3]), x.slice([0], [1])])), [0]);
  });

  it('gradients through Dot(normalize), Average, Maximum and Subtract', () => {
    const f1 = (a: tf.Tensor, b: tf.Tensor) => mergeLayers.dot({ axes: [2, 1], normalize: true }).apply([a, b]) as tf.Tensor;
    checkGrad(f1, [randInput([2, 2, 3], 1), randInput([2, 3, 2], 2)], { tol: 1e-4 });
    const f2 = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.add(mergeLayers.average().apply([a, b, c]), mergeLayers.maximum().apply([a, b, c])) as tf.Tensor;
    checkGrad(f2, [randInput([2, 3], 3), randInput([2, 1], 4), randInput([2, 3], 5)]);
    checkGrad((a, b) => mergeLayers.subtract().apply([a, b]) as tf.Tensor, [randInput([2, 3], 6), randInput([2, 4, 3], 7)]);
  });

  it('errors name the layer, the rule and the shapes', () => {
    const a = tf.ones([2, 3]);
    expectThrows(() => mergeLayers.add({ name: 'add_e' }).apply([a, tf.ones([2, 4])]), /add_e: Inputs have incompatible shapes. Received shapes \(3,\) and \(4,\)/);
    expectThrows(() => mergeLayers.subtract({ name: 'sub_e' }).apply([a, a, a]), /sub_e: A `Subtract` layer should be called on exactly 2 inputs/);
    expectThrows(() => mergeLayers.add({ name: 'add_s' }).apply(a), /add_s: A merge layer should be called on a list of inputs/);
    expectThrows(() => mergeLayers.add({ name: 'add_b' }).apply([a, tf.ones([3, 3])]), /add_b: Cannot merge tensors with different batch sizes/);
    expectThrows(() => mergeLayers.dot({ axes: 1, name: 'dot_e' }).apply([a, tf.ones([2, 4])]), /dot_e: Incompatible input shapes: axis values 3 \(at axis 1\) != 4 \(at axis 1\)/);
    expectThrows(() => mergeLayers.dot({ axes: 'x' } as never), /Dot: Invalid format for argument `axes`/);
    expectThrows(() => mergeLayers.dot({ axes: 0, name: 'dot_0' }).apply([a, a]), /dot_0: Received an invalid value for `axes`/);
    expectThrows(() => mergeLayers.concatenate({ axis: 1.5 }), /Concatenate: Received an invalid value for `axis`/);
    expectThrows(() => mergeLayers.add({ axis: 1 } as never), /Add: unknown option `axis`/);
  });
});

describe('LayerNormalization', () => {
  it('equals Keras 3 formula built from ops (bit for bit) and the textbook value', () => {
    const x = randTensor([3, 5], 1, -2, 2);
    const ln = attentionLayers.layerNormalization({ gammaInitializer: tf.initializers.randomUniform({ seed: 1 }), betaInitializer: tf.initializers.randomUniform({ seed: 2 }) });
    const y = ln.apply(x) as tf.Tensor;
    const ln2 = ln as LayerNormalization;
    const { mean, variance } = tf.moments(x, [1], true);
    const inv = tf.mul(tf.rsqrt(tf.add(variance, 1e-3)), ln2.gamma!);
    const ref = tf.add(tf.mul(x, inv), tf.add(tf.mul(tf.neg(mean), inv), ln2.beta!));
    same(y, ref);
    // textbook: (x - mean)/sqrt(var + eps)·gamma + beta
    const xv = arr(x);
    const g = arr(ln2.gamma!);
    const bt = arr(ln2.beta!);
    const expect: number[] = [];
    for (let r = 0; r < 3; r++) {
      const row = xv.slice(r * 5, r * 5 + 5);
      const m = row.reduce((s, v) => s + v, 0) / 5;
      const v = row.reduce((s, u) => s + (u - m) ** 2, 0) / 5;
      row.forEach((u, i) => expect.push(((u - m) / Math.sqrt(v + 1e-3)) * g[i]! + bt[i]!));
    }
    close(arr(y), expect, 1e-5);
    assert.equal(ln.countParams(), 10);
    assert.deepEqual(ln.weights.map((w) => w.name), [`${ln.name}/gamma:0`, `${ln.name}/beta:0`]);
  });

  it('multiple axes, no center/scale, functional shape and gradient', () => {
    const x = randTensor([2, 3, 4], 2);
    const ln = attentionLayers.layerNormalization({ axis: [1, 2], center: false, scale: false, epsilon: 1e-5 });
    const { mean, variance } = tf.moments(x, [1, 2], true);
    const inv = tf.rsqrt(tf.add(variance, 1e-5));
    same(ln.apply(x) as tf.Tensor, tf.add(tf.mul(x, inv), tf.mul(tf.neg(mean), inv)));
    assert.equal(ln.countParams(), 0);
    const ln3 = attentionLayers.layerNormalization({ axis: 1 });
    const inp = tf.input({ shape: [3, 4] });
    assert.deepEqual((ln3.apply(inp) as tf.KerasTensor).shape, [null, 3, 4]);
    assert.deepEqual(ln3.weights.map((w) => w.shape), [[3], [3]]);
    same(ln3.apply(x) as tf.Tensor, (() => {
      const mv = tf.moments(x, [1], true);
      const i = tf.mul(tf.rsqrt(tf.add(mv.variance, 1e-3)), tf.reshape((ln3 as LayerNormalization).gamma!, [1, 3, 1]));
      return tf.add(tf.mul(x, i), tf.add(tf.mul(tf.neg(mv.mean), i), tf.reshape((ln3 as LayerNormalization).beta!, [1, 3, 1])));
    })());
    checkGrad((a) => attentionLayers.layerNormalization({ gammaInitializer: tf.initializers.randomUniform({ seed: 3 }) }).apply(a) as tf.Tensor, [randInput([2, 4], 4)], { tol: 1e-4 });
  });
});

describe('MultiHeadAttention', () => {
  /** The same attention with raw ops, from the layer's weights. */
  function rawMha(l: MultiHeadAttention, q: tf.Tensor, v: tf.Tensor, k: tf.Tensor, mask?: tf.Tensor): { out: tf.Tensor; probs: tf.Tensor } {
    const [B, T] = q.shape as [number, number];
    const H = l.numHeads;
    const proj = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, d: number) =>
      tf.add(tf.reshape(tf.matMul(tf.reshape(x, [-1, x.shape[2]!]), tf.reshape(w, [x.shape[2]!, H * d])), [B, x.shape[1]!, H, d]), b);
    const qq = tf.mul(proj(q, l.queryKernel!, l.queryBias!, l.keyDim), 1 / Math.sqrt(l.keyDim));
    const kk = proj(k, l.keyKernel!, l.keyBias!, l.keyDim);
    const vv = proj(v, l.valueKernel!, l.valueBias!, l.valueDim);
    let s = tf.matMul(tf.transpose(qq, [0, 2, 1, 3]), tf.transpose(kk, [0, 2, 1, 3]), false, true);
    if (mask) s = tf.where(tf.expandDims(mask, 1), s, -1e9);
    const probs = tf.softmax(s);
    const o = tf.transpose(tf.matMul(probs, tf.transpose(vv, [0, 2, 1, 3])), [0, 2, 1, 3]);
    const od = l.outputKernel!.shape[2]!;
    const out = tf.add(tf.reshape(tf.matMul(tf.reshape(o, [B * T, H * l.valueDim]), tf.reshape(l.outputKernel!, [H * l.valueDim, od])), [B, T, od]), l.outputBias!);
    return { out, probs };
  }

  it('weights: Keras EinsumDense layouts, names and the param count 288', () => {
    tf.resetLayerNames();
    const q = tf.input({ shape: [5, 8] });
    const v = tf.input({ shape: [7, 8] });
    const mha = attentionLayers.multiHeadAttention({ numHeads: 2, keyDim: 4 });
    const out = mha.apply([q, v]) as tf.KerasTensor;
    assert.deepEqual(out.shape, [null, 5, 8]);
    const m = tf.model({ inputs: [q, v], outputs: out });
    const s = m.summary(100, null);
    assert.equal(s.totalParams, 288);
    assert.equal(3 * (8 * 2 * 4 + 2 * 4) + (2 * 4 * 8 + 8), 288);
    assert.deepEqual(mha.weights.map((w) => [w.name, w.shape]), [
      ['multi_head_attention/query/kernel:0', [8, 2, 4]],
      ['multi_head_attention/query/bias:0', [2, 4]],
      ['multi_head_attention/key/kernel:0', [8, 2, 4]],
      ['multi_head_attention/key/bias:0', [2, 4]],
      ['multi_head_attention/value/kernel:0', [8, 2, 4]],
      ['multi_head_attention/value/bias:0', [2, 4]],
      ['multi_head_attention/attention_output/kernel:0', [2, 4, 8]],
      ['multi_head_attention/attention_output/bias:0', [8]],
    ]);
    const m2 = attentionLayers.multiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 5, outputShape: 6, useBias: false });
    const o2 = m2.apply([tf.input({ shape: [4, 3] }), tf.input({ shape: [2, 7] }), tf.input({ shape: [2, 9] })]) as tf.KerasTensor;
    assert.deepEqual(o2.shape, [null, 4, 6]);
    assert.deepEqual(m2.weights.map((w) => w.shape), [[3, 3, 2], [9, 3, 2], [7, 3, 5], [3, 5, 6]]);
    assert.equal(m2.countParams(), 18 + 54 + 105 + 90);
  });

  it('equals the raw-op computation bit for bit (self-attention, cross-attention with key, mask)', () => {
    const mha = attentionLayers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, kernelInitializer: glorot(7), biasInitializer: tf.initializers.randomUniform({ seed: 8 }) });
    const q = randTensor([2, 4, 5], 1);
    const v = randTensor([2, 3, 6], 2);
    const k = randTensor([2, 3, 4], 3);
    const [out, scores] = mha.apply([q, v, k], { returnAttentionScores: true }) as tf.Tensor[];
    const ref = rawMha(mha, q, v, k);
    same(out!, ref.out, 'output');
    same(scores!, ref.probs, 'scores');
    assert.deepEqual(scores!.shape, [2, 2, 4, 3]);
    const rowSums = arr(tf.sum(scores!, -1));
    close(rowSums, new Array(16).fill(1), 1e-6);
    // mask [B, T, S]: masked keys get probability 0
    const mv = [true, false, true, true, true, false, false, true, true, true, true, true];
    const mask = tf.tensor([...mv, ...mv.slice().reverse()], [2, 4, 3], 'bool');
    const [mo, ms] = mha.apply([q, v, k], { attentionMask: mask, returnAttentionScores: true }) as tf.Tensor[];
    const refm = rawMha(mha, q, v, k, mask);
    same(mo!, refm.out, 'masked output');
    same(ms!, refm.probs, 'masked scores');
    const probs = arr(ms!);
    const maskv = arr(tf.cast(tf.tile(tf.expandDims(mask, 1), [1, 2, 1, 1]), 'float32'));
    probs.forEach((p, i) => assert.ok(maskv[i] === 1 || p === 0, `masked position ${i} has probability ${p}`));
    // a numeric mask keeps entries > 0.5 (Keras's Softmax rule)
    const num = tf.where(mask, tf.fill([2, 4, 3], 0.9), tf.fill([2, 4, 3], 0.2));
    same(mha.apply([q, v, k], { attentionMask: num }) as tf.Tensor, mo!, 'numeric mask');
  });

  it('causal mask, shape inference with returnAttentionScores, dropout and seeds', () => {
    const mha = attentionLayers.multiHeadAttention({ numHeads: 1, keyDim: 2, kernelInitializer: glorot(3) });
    const x = randTensor([1, 3, 4], 4);
    const [, sc] = mha.apply([x, x], { useCausalMask: true, returnAttentionScores: true }) as tf.Tensor[];
    const s = arr(sc!);
    assert.equal(s[1], 0);
    assert.equal(s[2], 0);
    assert.equal(s[5], 0);
    assert.ok(Math.abs(s[0]! - 1) < 1e-7);
    const q = tf.input({ shape: [3, 4] });
    const outs = mha.apply([q, q], { returnAttentionScores: true }) as tf.KerasTensor[];
    assert.deepEqual(outs.map((t) => t.shape), [[null, 3, 4], [null, 1, 3, 3]]);
    const m = tf.model({ inputs: q, outputs: outs });
    const pr = m.predict(x) as unknown as tf.Tensor[];
    assert.deepEqual(pr.map((t) => t.shape), [[1, 3, 4], [1, 1, 3, 3]]);
    // dropout on attention probabilities: only in training, deterministic per seed, new per call
    const make = () => attentionLayers.multiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 0.5, seed: 11, kernelInitializer: glorot(5) });
    const a = make();
    const b = make();
    const xx = randTensor([2, 4, 4], 6);
    same(a.apply([xx, xx]) as tf.Tensor, b.apply([xx, xx]) as tf.Tensor, 'inference');
    same(a.apply([xx, xx]) as tf.Tensor, rawMha(a as MultiHeadAttention, xx, xx, xx).out, 'inference = no dropout');
    const t1 = a.apply([xx, xx], { training: true }) as tf.Tensor;
    const t2 = a.apply([xx, xx], { training: true }) as tf.Tensor;
    same(t1, b.apply([xx, xx], { training: true }) as tf.Tensor, 'same seed, same first mask');
    assert.notDeepEqual(arr(t1), arr(t2));
  });

  it('gradients equal the raw-op gradients (inputs and weights)', () => {
    const mha = attentionLayers.multiHeadAttention({ numHeads: 2, keyDim: 2, kernelInitializer: glorot(9) }) as MultiHeadAttention;
    const q = randTensor([2, 3, 4], 1);
    const v = randTensor([2, 2, 4], 2);
    mha.apply([q, v]);
    const ws = mha.trainableWeights;
    const g1 = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(mha.apply([a, b]) as tf.Tensor)))([q, v]);
    const g2 = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(rawMha(mha, a, b, b).out)))([q, v]);
    g1.forEach((g, i) => same(g, g2[i]!, `input grad ${i}`));
    const w1 = tf.variableGrads(() => tf.sum(tf.square(mha.apply([q, v]) as tf.Tensor)), ws);
    const w2 = tf.variableGrads(() => tf.sum(tf.square(rawMha(mha, q, v, v).out)), ws);
    for (const w of ws) same(w1.grads[w.name]!, w2.grads[w.name]!, w.name);
  });

  it('errors', () => {
    expectThrows(() => attentionLayers.multiHeadAttention({ numHeads: 0, keyDim: 2 }), /MultiHeadAttention: Received an invalid value for `numHeads`, expected a positive integer. Received: numHeads=0/);
    expectThrows(() => attentionLayers.multiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 1 }), /MultiHeadAttention: Received an invalid value for `dropout`/);
    const m = attentionLayers.multiHeadAttention({ numHeads: 2, keyDim: 2, name: 'mha_e' });
    expectThrows(() => m.apply(tf.ones([1, 2, 3])), /mha_e: must be called on a list \[query, value\]/);
    expectThrows(() => m.apply([tf.ones([1, 2, 3]), tf.ones([1, 3])]), /mha_e: `value` must have rank 3/);
    expectThrows(() => m.apply([tf.ones([1, 2, 3]), tf.ones([1, 3, 3])], { attentionMask: tf.ones([1, 5, 3], 'bool') }), /mha_e: `attentionMask` must be broadcastable to \[B, T, S\] = \[1,2,3\]/);
  });
});

describe('Embedding and Masking', () => {
  it('Embedding = gather of the embeddings, Keras uniform(-0.05, 0.05) init, float indices cast', () => {
    tf.resetLayerNames();
    const emb = embeddingLayers.embedding({ inputDim: 10, outputDim: 4 }) as Embedding;
    const idx = tf.tensor([[1, 2, 0], [9, 1, 1]], [2, 3], 'int32');
    const y = emb.apply(idx) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 3, 4]);
    same(y, tf.gather(emb.embeddings!, idx));
    const e = arr(emb.embeddings!);
    assert.ok(e.every((v) => v >= -0.05 && v < 0.05));
    assert.deepEqual(arr(tf.slice(y, [1, 1, 0], [1, 1, 4])), e.slice(4, 8));
    same(emb.apply(tf.tensor([[1, 2, 0], [9, 1, 1]])) as tf.Tensor, y, 'float indices');
    assert.equal(emb.countParams(), 40);
    assert.equal(emb.weights[0]!.name, 'embedding/embeddings:0');
    const inp = tf.input({ shape: [null] });
    const out = embeddingLayers.embedding({ inputDim: 5, outputDim: 3 }).apply(inp) as tf.KerasTensor;
    assert.deepEqual(out.shape, [null, null, 3]);
    assert.equal(out.dtype, 'float32');
    const m = tf.model({ inputs: inp, outputs: tf.layers.dense({ units: 2 }).apply(out) as tf.KerasTensor });
    assert.equal(m.summary(80, null).totalParams, 15 + 8);
    assert.deepEqual(m.predict(tf.tensor([[0, 4, 2, 2]], [1, 4], 'int32')).shape, [1, 4, 2]);
    const masked = embeddingLayers.embedding({ inputDim: 5, outputDim: 2, maskZero: true }) as Embedding;
    assert.deepEqual(Array.from(masked.computeMask(tf.tensor([[0, 3, 0]], [1, 3], 'int32'))!.dataSync()), [0, 1, 0]);
    assert.equal(emb.computeMask(idx), null);
  });

  it('the gradient reaches only the looked-up rows (counted per use)', () => {
    const emb = embeddingLayers.embedding({ inputDim: 4, outputDim: 2 }) as Embedding;
    const idx = tf.tensor([[1, 3, 1]], [1, 3], 'int32');
    emb.apply(idx);
    const { grads } = tf.variableGrads(() => tf.sum(emb.apply(idx) as tf.Tensor), [emb.embeddings!]);
    assert.deepEqual(arr(grads[emb.embeddings!.name]!), [0, 0, 2, 2, 0, 0, 1, 1]);
  });

  it('Masking multiplies out fully-masked timesteps and gives the bool [batch, time] mask', () => {
    const x = tf.tensor([[[1, 2], [0, 0], [0, 3]], [[0, 0], [5, 0], [0, 0]]]);
    const l = embeddingLayers.masking();
    assert.deepEqual(arr(l.apply(x) as tf.Tensor), arr(x));
    assert.deepEqual(Array.from(l.computeMask(x).dataSync()), [1, 0, 1, 0, 1, 0]);
    const l2 = embeddingLayers.masking({ maskValue: 2 });
    const x2 = tf.tensor([[[2, 2], [1, 2]]]);
    assert.deepEqual(arr(l2.apply(x2) as tf.Tensor), [0, 0, 1, 2]);
    assert.deepEqual(l2.computeMask(x2).shape, [1, 2]);
    assert.deepEqual(Array.from(maskingMask(x2, 2).dataSync()), [0, 1]);
    const inp = tf.input({ shape: [3, 2] });
    assert.deepEqual((l.apply(inp) as tf.KerasTensor).shape, [null, 3, 2]);
    checkGrad((a) => embeddingLayers.masking({ maskValue: 0.5 }).apply(a) as tf.Tensor, [randInput([2, 3, 2], 9)]);
  });

  it('a following RNN receives the Masking mask as kwargs.mask: padded steps are skipped', () => {
    const x = tf.concat([randTensor([2, 3, 2], 11), tf.zeros([2, 2, 2])], 1); // 3 real steps + 2 padding
    const masking = embeddingLayers.masking();
    const rnn = recurrentLayers.simpleRNN({ units: 3, kernelInitializer: glorot(1), recurrentInitializer: glorot(2) });
    const masked = rnn.apply(masking.apply(x), { mask: masking.computeMask(x) }) as tf.Tensor;
    const unpadded = rnn.apply(tf.slice(x, [0, 0, 0], [2, 3, 2])) as tf.Tensor;
    same(masked, unpadded);
  });

  it('errors', () => {
    expectThrows(() => embeddingLayers.embedding({ inputDim: 0, outputDim: 2 }), /Embedding: Received an invalid value for `inputDim`, expected a positive integer. Received: inputDim=0/);
    expectThrows(() => embeddingLayers.embedding({ inputDim: 3, outputDim: 2.5 }), /Embedding: Received an invalid value for `outputDim`/);
    const emb = embeddingLayers.embedding({ inputDim: 3, outputDim: 2 });
    expectThrows(() => emb.apply(tf.tensor([[3]], [1, 1], 'int32')), /gather/);
    expectThrows(() => embeddingLayers.masking({ maskValue: 'a' } as never), /Masking: Received an invalid value for `maskValue`/);
  });
});

describe('noise layers', () => {
  it('identity at inference (and when training is not given)', () => {
    const x = randTensor([2, 3, 4], 1);
    const x4 = randTensor([2, 3, 3, 4], 2);
    for (const l of [noiseLayers.spatialDropout1d({ rate: 0.5 }), noiseLayers.gaussianNoise({ stddev: 0.5 }), noiseLayers.gaussianDropout({ rate: 0.5 }), noiseLayers.alphaDropout({ rate: 0.5 })]) {
      assert.equal(l.apply(x), x);
      assert.equal(l.apply(x, { training: false }), x);
    }
    assert.equal(noiseLayers.spatialDropout2d({ rate: 0.5 }).apply(x4, { training: false }), x4);
  });

  it('SpatialDropout1D/2D drop whole channels, equal tf.dropout with the channel noise shape', () => {
    const x = tf.add(randTensor([3, 5, 8], 3), 2);
    const l = noiseLayers.spatialDropout1d({ rate: 0.4, seed: 3 });
    const y = l.apply(x, { training: true }) as tf.Tensor;
    same(y, tf.dropout(x, 0.4, [3, 1, 8], new tf.SeedGenerator(3)));
    const yv = arr(y);
    const xv = arr(x);
    let dropped = 0;
    for (let b = 0; b < 3; b++) {
      for (let c = 0; c < 8; c++) {
        const col = [0, 1, 2, 3, 4].map((t) => yv[b * 40 + t * 8 + c]!);
        const zero = col[0] === 0;
        if (zero) dropped++;
        col.forEach((v, t) => (zero ? assert.equal(v, 0) : close([v], [xv[b * 40 + t * 8 + c]! / 0.6], 1e-6)));
      }
    }
    assert.ok(dropped > 0 && dropped < 24);
    const x4 = tf.add(randTensor([2, 3, 3, 4], 4), 2);
    same(noiseLayers.spatialDropout2d({ rate: 0.5, seed: 4 }).apply(x4, { training: true }) as tf.Tensor, tf.dropout(x4, 0.5, [2, 1, 1, 4], new tf.SeedGenerator(4)));
    same(noiseLayers.spatialDropout2d({ rate: 0.5, seed: 4, dataFormat: 'channelsFirst' }).apply(x4, { training: true }) as tf.Tensor, tf.dropout(x4, 0.5, [2, 3, 1, 1], new tf.SeedGenerator(4)));
    const x5 = tf.ones([1, 2, 2, 2, 3]);
    same(noiseLayers.spatialDropout3d({ rate: 0.5, seed: 5 }).apply(x5, { training: true }) as tf.Tensor, tf.dropout(x5, 0.5, [1, 1, 1, 1, 3], new tf.SeedGenerator(5)));
  });

  it('seeds: same seed → same masks in the same order; each call draws a new mask', () => {
    const x = tf.ones([4, 6, 8]);
    const run = () => {
      const l = noiseLayers.spatialDropout1d({ rate: 0.5, seed: 42 });
      return [arr(l.apply(x, { training: true }) as tf.Tensor), arr(l.apply(x, { training: true }) as tf.Tensor)];
    };
    const r1 = run();
    const r2 = run();
    assert.deepEqual(r1, r2);
    assert.notDeepEqual(r1[0], r1[1]);
    const g = () => noiseLayers.gaussianNoise({ stddev: 0.3, seed: 1 });
    const g1 = g();
    const g2 = g();
    const a = arr(g1.apply(x, { training: true }) as tf.Tensor);
    assert.deepEqual(arr(g2.apply(x, { training: true }) as tf.Tensor), a);
    assert.notDeepEqual(arr(g1.apply(x, { training: true }) as tf.Tensor), a);
    // unseeded layers follow the global sequence: same after setSeed
    tf.setSeed(9);
    const u1 = arr(noiseLayers.gaussianDropout({ rate: 0.2 }).apply(x, { training: true }) as tf.Tensor);
    tf.setSeed(9);
    const u2 = arr(noiseLayers.gaussianDropout({ rate: 0.2 }).apply(x, { training: true }) as tf.Tensor);
    assert.deepEqual(u1, u2);
  });

  it('GaussianNoise = x + N(0, stddev²); GaussianDropout = x · N(1, rate/(1 − rate))', () => {
    const x = randTensor([3, 4], 5);
    same(noiseLayers.gaussianNoise({ stddev: 0.2, seed: 7 }).apply(x, { training: true }) as tf.Tensor, tf.add(x, tf.randomNormal([3, 4], 0, 0.2, 'float32', new tf.SeedGenerator(7))));
    same(noiseLayers.gaussianDropout({ rate: 0.3, seed: 7 }).apply(x, { training: true }) as tf.Tensor, tf.mul(x, tf.randomNormal([3, 4], 1, Math.sqrt(0.3 / 0.7), 'float32', new tf.SeedGenerator(7))));
    // statistics of the multiplicative noise on ones: mean 1, variance rate/(1 − rate) = 1/4
    const big = arr(noiseLayers.gaussianDropout({ rate: 0.2, seed: 1 }).apply(tf.ones([200, 100]), { training: true }) as tf.Tensor);
    const m = big.reduce((s, v) => s + v, 0) / big.length;
    const v = big.reduce((s, u) => s + (u - m) ** 2, 0) / big.length;
    assert.ok(Math.abs(m - 1) < 0.02 && Math.abs(v - 0.25) < 0.02, `mean ${m} var ${v}`);
  });

  it('AlphaDropout: Keras formula with α′ = −1.7580993408473766, keeps mean 0 / variance 1 of SELU units', () => {
    assert.equal(ALPHA_PRIME, -1.7580993408473766);
    const x = randTensor([4, 5], 6);
    const rate = 0.3;
    const y = noiseLayers.alphaDropout({ rate, seed: 2 }).apply(x, { training: true }) as tf.Tensor;
    const u = arr(tf.randomUniform([4, 5], 0, 1, 'float32', new tf.SeedGenerator(2)));
    const a = ((1 - rate) * (1 + rate * ALPHA_PRIME ** 2)) ** -0.5;
    const b = -a * ALPHA_PRIME * rate;
    const xv = arr(x);
    close(arr(y), xv.map((v, i) => (u[i]! >= rate ? a * v + b : a * ALPHA_PRIME + b)), 1e-6);
    const kept = tf.cast(tf.greaterEqual(tf.randomUniform([4, 5], 0, 1, 'float32', new tf.SeedGenerator(2)), rate), 'float32');
    same(y, tf.add(tf.mul(tf.add(tf.mul(x, kept), tf.mul(tf.sub(1, kept), ALPHA_PRIME)), a), b), 'raw ops');
    const z = tf.randomNormal([100, 200], 0, 1, 'float32', 3);
    const zz = arr(noiseLayers.alphaDropout({ rate: 0.2, seed: 4 }).apply(z, { training: true }) as tf.Tensor);
    const m = zz.reduce((s, v) => s + v, 0) / zz.length;
    const v = zz.reduce((s, w) => s + (w - m) ** 2, 0) / zz.length;
    assert.ok(Math.abs(m) < 0.03 && Math.abs(v - 1) < 0.05, `mean ${m} var ${v}`);
    const ns = noiseLayers.alphaDropout({ rate: 0.5, seed: 1, noiseShape: [null, 1] }).apply(tf.ones([3, 4]), { training: true }) as tf.Tensor;
    const nv = arr(ns);
    for (let r = 0; r < 3; r++) assert.equal(new Set(nv.slice(r * 4, r * 4 + 4)).size, 1);
  });

  it('gradients in training: dropout masks pass through', () => {
    const x = randInput([2, 3, 4], 7);
    checkGrad((a) => noiseLayers.spatialDropout1d({ rate: 0.5, seed: 1 }).apply(a, { training: true }) as tf.Tensor, [x]);
    checkGrad((a) => noiseLayers.alphaDropout({ rate: 0.5, seed: 1 }).apply(a, { training: true }) as tf.Tensor, [x]);
    checkGrad((a) => noiseLayers.gaussianDropout({ rate: 0.5, seed: 1 }).apply(a, { training: true }) as tf.Tensor, [x]);
  });

  it('errors', () => {
    expectThrows(() => noiseLayers.spatialDropout1d({ rate: 1.5 }), /SpatialDropout1D: Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=1.5/);
    expectThrows(() => noiseLayers.gaussianNoise({ stddev: -1 }), /GaussianNoise: Invalid value received for argument `stddev`/);
    expectThrows(() => noiseLayers.gaussianDropout({ rate: 1 }), /GaussianDropout: Invalid value received for argument `rate`/);
    expectThrows(() => noiseLayers.alphaDropout({ rate: 0.1, seed: Infinity }), /AlphaDropout: Received an invalid value for `seed`/);
    expectThrows(() => noiseLayers.spatialDropout2d({ rate: 0.1, dataFormat: 'nhwc' as never }), /SpatialDropout2D: Received an invalid value for `dataFormat`/);
    expectThrows(() => noiseLayers.spatialDropout1d({ rate: 0.1, dataFormat: 'channelsLast' } as never), /SpatialDropout1D: unknown option `dataFormat`/);
    expectThrows(() => noiseLayers.spatialDropout2d({ rate: 0.1, name: 'sd2' }).apply(tf.ones([2, 3, 4])), /sd2: expected an input of rank 4, received shape \[2,3,4\]/);
  });
});

describe('Permute and RepeatVector', () => {
  it('Permute(dims) = transpose with [0, ...dims] (1-based, batch fixed)', () => {
    const x = randTensor([2, 3, 4, 5], 1);
    const l = miscLayers.permute({ dims: [3, 1, 2] });
    same(l.apply(x) as tf.Tensor, tf.transpose(x, [0, 3, 1, 2]));
    const inp = tf.input({ shape: [3, null, 5] });
    assert.deepEqual((l.apply(inp) as tf.KerasTensor).shape, [null, 5, 3, null]);
    assert.deepEqual(arr(miscLayers.permute({ dims: [2, 1] }).apply(tf.tensor([[[1, 2], [3, 4], [5, 6]]])) as tf.Tensor), [1, 3, 5, 2, 4, 6]);
    checkGrad((a) => miscLayers.permute({ dims: [2, 1] }).apply(a) as tf.Tensor, [randInput([2, 3, 2], 2)]);
  });

  it('RepeatVector(n): [B, F] → [B, n, F]', () => {
    const y = miscLayers.repeatVector({ n: 3 }).apply(tf.tensor([[1, 2], [3, 4]])) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 3, 2]);
    assert.deepEqual(arr(y), [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
    assert.deepEqual((miscLayers.repeatVector({ n: 4 }).apply(tf.input({ shape: [7] })) as tf.KerasTensor).shape, [null, 4, 7]);
    checkGrad((a) => miscLayers.repeatVector({ n: 2 }).apply(a) as tf.Tensor, [randInput([2, 3], 3)]);
  });

  it('errors', () => {
    expectThrows(() => miscLayers.permute({ dims: [0, 1] }), /Permute: Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims=\[0,1\]/);
    expectThrows(() => miscLayers.permute({ dims: [2, 1], name: 'pm' }).apply(tf.ones([2, 3])), /pm: expected an input of rank 3/);
    expectThrows(() => miscLayers.repeatVector({ n: 1.5 }), /RepeatVector: Expected an integer value for `n`/);
    expectThrows(() => miscLayers.repeatVector({ n: 2, name: 'rv' }).apply(tf.ones([2, 3, 4])), /rv: expected an input of rank 2/);
  });
});

describe('training through the layers', () => {
  it('Sequential Embedding → LayerNormalization → Dense: fit equals a hand loop with raw ops bit for bit', async () => {
    tf.resetLayerNames();
    const embInit = tf.initializers.randomUniform({ seed: 1 });
    const m = tf.sequential({
      layers: [
        embeddingLayers.embedding({ inputDim: 10, outputDim: 4, inputShape: [3], embeddingsInitializer: embInit }),
        attentionLayers.layerNormalization(),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, kernelInitializer: glorot(2) }),
      ],
    });
    assert.equal(m.summary(80, null).totalParams, 40 + 8 + 39);
    m.compile({ optimizer: tf.train.sgd(0.1), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
    const x = tf.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 1, 1]], [4, 3], 'int32');
    const y = tf.oneHot(tf.tensor([0, 1, 2, 1], [4], 'int32'), 3).cast('float32');
    await m.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const emb = tf.variable(embInit.apply([10, 4], 'float32'), true, 'h_emb');
    const gamma = tf.variable(tf.ones([4]), true, 'h_gamma');
    const beta = tf.variable(tf.zeros([4]), true, 'h_beta');
    const w = tf.variable(glorot(2).apply([12, 3], 'float32'), true, 'h_w');
    const b = tf.variable(tf.zeros([3]), true, 'h_b');
    const vars = [emb, gamma, beta, w, b];
    const opt = tf.train.sgd(0.1);
    for (let step = 0; step < 3; step++) {
      const { grads } = tf.variableGrads(() => {
        const e = tf.gather(emb, x);
        const { mean, variance } = tf.moments(e, [2], true);
        const inv = tf.mul(tf.rsqrt(tf.add(variance, 1e-3)), gamma);
        const ln = tf.add(tf.mul(e, inv), tf.add(tf.mul(tf.neg(mean), inv), beta));
        const logits = tf.add(tf.matMul(tf.reshape(ln, [4, 12]), w), b);
        return tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: y, logits }));
      }, vars);
      opt.applyGradients(vars.map((v) => [grads[v.name]!, v] as [tf.Tensor, tf.Variable]));
    }
    m.weights.forEach((mw, i) => same(mw.read(), vars[i]!.read(), mw.name));
  });
});

describe('config round trip', () => {
  it('every layer rebuilds from getConfig through deserializeLayer', () => {
    const ls: tf.Layer[] = [
      mergeLayers.add({ name: 'c_add' }),
      mergeLayers.subtract(),
      mergeLayers.multiply(),
      mergeLayers.average(),
      mergeLayers.maximum(),
      mergeLayers.minimum(),
      mergeLayers.concatenate({ axis: 1 }),
      mergeLayers.dot({ axes: [1, 2], normalize: true }),
      attentionLayers.layerNormalization({ axis: [1, 2], epsilon: 1e-5, center: false }),
      attentionLayers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 4, dropout: 0.1, useBias: false, outputShape: 5, seed: 3 }),
      embeddingLayers.embedding({ inputDim: 7, outputDim: 3, maskZero: true }),
      embeddingLayers.masking({ maskValue: -1 }),
      noiseLayers.spatialDropout1d({ rate: 0.2, seed: 1 }),
      noiseLayers.spatialDropout2d({ rate: 0.2, dataFormat: 'channelsFirst' }),
      noiseLayers.spatialDropout3d({ rate: 0.3 }),
      noiseLayers.gaussianNoise({ stddev: 0.1 }),
      noiseLayers.gaussianDropout({ rate: 0.1, seed: 2 }),
      noiseLayers.alphaDropout({ rate: 0.1, noiseShape: [null, 1] }),
      miscLayers.permute({ dims: [2, 1] }),
      miscLayers.repeatVector({ n: 3 }),
    ];
    for (const l of ls) {
      const again = tf.deserializeLayer({ className: l.className, config: l.getConfig() });
      assert.equal(again.className, l.className);
      assert.deepEqual(again.getConfig(), l.getConfig(), l.className);
    }
    assert.equal(ls[0]!.getConfig()['name'], 'c_add');
    assert.deepEqual(ls.map((l) => l.className), ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot', 'LayerNormalization', 'MultiHeadAttention', 'Embedding', 'Masking', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Permute', 'RepeatVector']);
  });

  it('auto-names follow Keras snake_case', () => {
    tf.resetLayerNames();
    assert.equal(attentionLayers.multiHeadAttention({ numHeads: 1, keyDim: 1 }).name, 'multi_head_attention');
    assert.equal(noiseLayers.spatialDropout1d({ rate: 0.1 }).name, 'spatial_dropout1d');
    assert.equal(attentionLayers.layerNormalization().name, 'layer_normalization');
    assert.equal(miscLayers.repeatVector({ n: 1 }).name, 'repeat_vector');
  });
});

describe('runLayerTest (test/layer_test.ts): build, call, config, weights, gradients, save/load', () => {
  const g = (seed: number) => tf.initializers.glorotUniform({ seed });
  it('LayerNormalization', () =>
    runLayerTest({
      make: () => tf.layers.layerNormalization({ gammaInitializer: g(7), betaInitializer: g(8) }),
      inputShape: [2, 5],
      expectedOutputShape: [2, 5],
      trainableWeights: 2,
    }));
  it('Embedding (int32 indices: gradients for the table)', () =>
    runLayerTest({
      make: () => tf.layers.embedding({ inputDim: 5, outputDim: 3, embeddingsInitializer: g(9) }),
      inputShape: [2, 4],
      inputDtype: 'int32',
      expectedOutputShape: [2, 4, 3],
      trainableWeights: 1,
    }));
});
