import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { Conv1D, Conv2D, Conv2DTranspose, convLayers, DepthwiseConv2D, SeparableConv2D } from '../src/layers/convolutional.ts';
import { poolingLayers } from '../src/layers/pooling.ts';
import { reshapingLayers } from '../src/layers/reshaping.ts';
import { deserializeLayer } from '../src/layers/registry.ts';
import type { Layer } from '../src/layers/layer.ts';
import { checkGrad, expectTensor, expectThrows, randInput, randTensor } from './util.ts';
import { runLayerTest } from './layer_test.ts';

const L = { ...convLayers, ...poolingLayers, ...reshapingLayers };
const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

function same(a: tf.Tensor, b: tf.Tensor): void {
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
}

/** Output shape and params of one layer applied to `tf.input({shape})`, as `summary()` reports them. */
function summarize(layer: Layer, shape: number[]): { outputShape: string; params: number } {
  const inp = tf.input({ shape });
  const m = tf.model({ inputs: inp, outputs: layer.apply(inp) });
  const row = m.summary(100, null).rows[1]!;
  return { outputShape: row.outputShape, params: row.params };
}

function roundTrip(layer: Layer, x: tf.Tensor): void {
  const cfg = layer.getConfig();
  const copy = deserializeLayer({ className: layer.className, config: { ...cfg, name: `${layer.name}_copy` } });
  assert.equal(copy.className, layer.className);
  const c2 = copy.getConfig();
  assert.deepEqual({ ...c2, name: cfg['name'] }, cfg);
  const y = layer.apply(x) as tf.Tensor;
  const y2 = copy.apply(x) as tf.Tensor;
  if (layer.weights.length > 0) copy.setWeights(layer.getWeights());
  same(copy.apply(x) as tf.Tensor, y);
  assert.deepEqual(y2.shape, y.shape);
}

describe('Conv2D', () => {
  it('hand-computed values: 2x2 ones kernel, bias 0.5, valid', () => {
    const l = L.conv2d({ filters: 1, kernelSize: 2, kernelInitializer: 'ones', biasInitializer: tf.initializers.constant({ value: 0.5 }) });
    const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    expectTensor(l.apply(x) as tf.Tensor, [12.5, 16.5, 24.5, 28.5], [1, 2, 2, 1]);
  });

  it('equals relu(conv2d(x, kernel) + bias) bit for bit (strides, same padding, dilation)', () => {
    for (const opts of [{ strides: 2, padding: 'same' }, { strides: [1, 2], padding: 'valid' }, { dilationRate: 2, padding: 'same' }] as const) {
      const l = new Conv2D({ filters: 5, kernelSize: [3, 2], activation: 'relu', kernelInitializer: seeded(1), biasInitializer: tf.initializers.randomNormal({ seed: 2 }), ...(opts as object) });
      const x = randTensor([2, 7, 6, 3], 3);
      const y = l.apply(x) as tf.Tensor;
      const strides = ('strides' in opts ? opts.strides : 1) as number | [number, number];
      const dil = ('dilationRate' in opts ? opts.dilationRate : 1) as number;
      same(y, tf.relu(tf.add(tf.conv2d(x, l.kernel!, strides, opts.padding, 'NHWC', dil), l.bias!)));
      assert.deepEqual(l.computeOutputShape([null, 7, 6, 3]), [null, ...y.shape.slice(1)]);
    }
  });

  it('summary: Conv2D(32, 3) on 28x28x1 has 320 params and shape (None, 26, 26, 32); weights named as Keras', () => {
    tf.resetLayerNames();
    const l = L.conv2d({ filters: 32, kernelSize: 3 });
    const s = summarize(l, [28, 28, 1]);
    assert.equal(s.params, 320);
    assert.equal(s.outputShape, '(None, 26, 26, 32)');
    assert.equal(l.name, 'conv2d');
    assert.deepEqual(l.weights.map((w) => [w.name, w.shape]), [['conv2d/kernel:0', [3, 3, 1, 32]], ['conv2d/bias:0', [32]]]);
    const nb = L.conv2d({ filters: 4, kernelSize: [2, 3], useBias: false, padding: 'same', strides: 2 });
    assert.deepEqual(summarize(nb, [9, 10, 3]), { outputShape: '(None, 5, 5, 4)', params: 2 * 3 * 3 * 4 });
  });

  it('gradients through the layer (input, kernel, bias)', () => {
    const l = L.conv2d({ filters: 2, kernelSize: 2, strides: [2, 1], padding: 'same', activation: 'tanh', kernelInitializer: seeded(4), biasInitializer: 'ones' });
    checkGrad((x) => l.apply(x) as tf.Tensor, [randInput([2, 3, 4, 2], 5)]);
    const x = randTensor([2, 3, 4, 2], 6);
    const g = tf.grads((k: tf.Tensor, b: tf.Tensor) => tf.sum(tf.tanh(tf.add(tf.conv2d(x, k, [2, 1], 'same'), b))))([l.kernel!.read(), l.bias!.read()]);
    const { grads } = tf.variableGrads(() => tf.sum(l.apply(x) as tf.Tensor), [l.kernel as tf.Variable, l.bias as tf.Variable]);
    same(grads[(l.kernel as tf.Variable).name]!, g[0]!);
    same(grads[(l.bias as tf.Variable).name]!, g[1]!);
  });

  it('regularizers add to layer.losses', () => {
    const l = L.conv2d({ filters: 2, kernelSize: 1, kernelInitializer: 'ones', biasInitializer: 'ones', kernelRegularizer: { l2: 0.5 }, biasRegularizer: 'l1' });
    l.apply(tf.zeros([1, 2, 2, 3]));
    const losses = l.losses.map((t) => t.dataSync()[0]!);
    assert.equal(losses.length, 2);
    assert.ok(Math.abs(losses[0]! - 0.5 * 6) < 1e-6);
    assert.ok(Math.abs(losses[1]! - 0.01 * 2) < 1e-6);
  });

  it('config round trip and errors naming the layer', () => {
    roundTrip(L.conv2d({ filters: 3, kernelSize: [2, 3], strides: [1, 2], padding: 'SAME', activation: 'relu', kernelRegularizer: 'l2', kernelInitializer: seeded(7) }), randTensor([2, 5, 5, 2], 8));
    expectThrows(() => L.conv2d({ filters: 0, kernelSize: 3 }), /^Conv2D: Received an invalid value for `filters`, expected a positive integer\. Received: filters=0$/);
    expectThrows(() => L.conv2d({ filters: 2, kernelSize: [3, 0] }), /Conv2D: Received an invalid value for `kernelSize`.*Received: kernelSize=\[3,0\]/);
    expectThrows(() => L.conv2d({ filters: 2, kernelSize: 3, padding: 'full' }), /Conv2D: Received an invalid value for `padding`, expected one of 'valid', 'same'. Received: padding="full"/);
    expectThrows(() => L.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channels_first' }), /Conv2D: `dataFormat: 'channels_first'` is not supported/);
    expectThrows(() => L.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }), /Conv2D: `strides > 1` not supported in conjunction with `dilationRate > 1`/);
    expectThrows(() => L.conv2d({ filters: 2, kernelSize: 3, groups: 2 }), /Conv2D: .*only groups=1/);
    expectThrows(() => L.conv2d({ filters: 2, kernelSize: 3, units: 4 } as never), /Conv2D: unknown option `units`/);
    const l = L.conv2d({ filters: 2, kernelSize: 3, name: 'c2' });
    expectThrows(() => l.apply(tf.zeros([5, 5, 1])), /^c2: expected an input of rank 4 \(\[batch, height, width, channels\]\), received rank 3 of shape \[5,5,1\]/);
    l.apply(tf.zeros([1, 5, 5, 1]));
    expectThrows(() => l.apply(tf.zeros([1, 5, 5, 2])), /c2: expected axis -1 of the input to have value 1/);
    expectThrows(() => l.apply(tf.zeros([1, 2, 5, 1])), /c2: the input is too small for the kernel/);
    expectThrows(() => L.conv2d({ filters: 2, kernelSize: 3 }).apply(tf.input({ shape: [2, 8, 1] })), /conv2d(_\d+)?: the input is too small for the kernel: spatial size 2/);
  });
});

describe('Conv1D', () => {
  it('causal padding, hand-computed: y[t] = x[t-1]·1 + x[t]·10', () => {
    const l = L.conv1d({ filters: 1, kernelSize: 2, padding: 'causal', useBias: false, kernelInitializer: 'zeros' });
    l.apply(tf.zeros([1, 4, 1]));
    l.setWeights([tf.tensor([1, 10], [2, 1, 1])]);
    expectTensor(l.apply(tf.tensor([1, 2, 3, 4], [1, 4, 1])) as tf.Tensor, [10, 21, 32, 43], [1, 4, 1]);
  });

  it('equals conv1d + bias bit for bit; causal equals pad-left + valid', () => {
    const x = randTensor([2, 9, 3], 11);
    for (const padding of ['valid', 'same'] as const) {
      const l = new Conv1D({ filters: 4, kernelSize: 3, strides: 2, padding, kernelInitializer: seeded(12), biasInitializer: tf.initializers.randomNormal({ seed: 13 }) });
      same(l.apply(x) as tf.Tensor, tf.add(tf.conv1d(x, l.kernel!, 2, padding), l.bias!));
    }
    const c = new Conv1D({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'causal', kernelInitializer: seeded(14) });
    const y = c.apply(x) as tf.Tensor;
    same(y, tf.add(tf.conv1d(tf.pad(x, [[0, 0], [4, 0], [0, 0]]), c.kernel!, 1, 'valid', 'NWC', 2), c.bias!));
    assert.deepEqual(y.shape, [2, 9, 4]);
  });

  it('summary params (Conv1D(16, 5) on [20, 8] = 656), gradients, config, errors', () => {
    assert.deepEqual(summarize(L.conv1d({ filters: 16, kernelSize: 5 }), [20, 8]), { outputShape: '(None, 16, 16)', params: 656 });
    assert.deepEqual(summarize(L.conv1d({ filters: 2, kernelSize: 5, padding: 'causal', strides: 2 }), [9, 1]), { outputShape: '(None, 5, 2)', params: 12 });
    const l = L.conv1d({ filters: 2, kernelSize: 2, padding: 'causal', kernelInitializer: seeded(15), biasInitializer: 'ones' });
    checkGrad((x) => l.apply(x) as tf.Tensor, [randInput([2, 4, 3], 16)]);
    roundTrip(L.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', dilationRate: 2, kernelInitializer: seeded(17) }), randTensor([1, 8, 2], 18));
    expectThrows(() => L.conv1d({ filters: 2, kernelSize: [2, 2] }), /Conv1D: Received an invalid value for `kernelSize`/);
    expectThrows(() => L.conv1d({ filters: 2, kernelSize: 2, name: 'c1' }).apply(tf.zeros([1, 4, 4, 1])), /c1: expected an input of rank 3 \(\[batch, steps, channels\]\)/);
  });
});

describe('Conv2DTranspose', () => {
  it('hand-computed values: stride 2 spreads each pixel times the kernel', () => {
    const l = L.conv2dTranspose({ filters: 1, kernelSize: 2, strides: 2, useBias: false });
    l.apply(tf.zeros([1, 1, 2, 1]));
    l.setWeights([tf.tensor([1, 2, 3, 4], [2, 2, 1, 1])]);
    expectTensor(l.apply(tf.tensor([1, 10], [1, 1, 2, 1])) as tf.Tensor, [1, 2, 10, 20, 3, 4, 30, 40], [1, 2, 4, 1]);
  });

  it('output shapes as Keras deconv_output_length; values equal conv2dTranspose + bias', () => {
    const cases: [Record<string, unknown>, number[]][] = [
      [{ padding: 'valid' }, [11, 11]],
      [{ padding: 'same' }, [10, 10]],
      [{ padding: 'valid', outputPadding: 1 }, [12, 12]],
      [{ padding: 'same', outputPadding: [1, 0] }, [10, 9]],
    ];
    for (const [opts, hw] of cases) {
      const l = new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, kernelInitializer: seeded(20), biasInitializer: tf.initializers.randomNormal({ seed: 21 }), ...opts });
      const x = randTensor([2, 5, 5, 4], 22);
      const y = l.apply(x) as tf.Tensor;
      assert.deepEqual(y.shape, [2, ...hw, 3]);
      assert.deepEqual(l.computeOutputShape([null, 5, 5, 4]), [null, ...hw, 3]);
      same(y, tf.add(tf.conv2dTranspose(x, l.kernel!, [2, hw[0]!, hw[1]!, 3], 2, opts['padding'] as 'valid' | 'same'), l.bias!));
    }
  });

  it('summary params, kernel layout [kh, kw, filters, inC], gradients, config, errors', () => {
    const l = L.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2 });
    assert.deepEqual(summarize(l, [7, 7, 8]), { outputShape: '(None, 15, 15, 16)', params: 3 * 3 * 16 * 8 + 16 });
    assert.deepEqual(l.kernel!.shape, [3, 3, 16, 8]);
    const g = L.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [2, 1], padding: 'same', kernelInitializer: seeded(23), biasInitializer: 'ones' });
    checkGrad((x) => g.apply(x) as tf.Tensor, [randInput([1, 2, 3, 2], 24)]);
    roundTrip(L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: [1, 1], kernelInitializer: seeded(25) }), randTensor([1, 3, 3, 2], 26));
    expectThrows(() => L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 2 }), /Conv2DTranspose: Strides must be greater than output padding/);
    expectThrows(() => L.conv2dTranspose({ filters: 2, kernelSize: 3, dilationRate: 2 }), /Conv2DTranspose: .*only dilationRate=1/);
    expectThrows(() => L.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', outputPadding: 0, name: 'ct' }).apply(tf.zeros([1, 3, 3, 1])), /ct: outputPadding=\[0,0\] with padding 'same'.*output length of 4 for input length 3/);
  });
});

describe('DepthwiseConv2D and SeparableConv2D', () => {
  it('DepthwiseConv2D equals depthwiseConv2d + bias; params; hand values', () => {
    const l = new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', depthwiseInitializer: seeded(30), biasInitializer: tf.initializers.randomNormal({ seed: 31 }) });
    const x = randTensor([2, 5, 6, 3], 32);
    const y = l.apply(x) as tf.Tensor;
    same(y, tf.add(tf.depthwiseConv2d(x, l.kernel!, 2, 'same'), l.bias!));
    assert.deepEqual(y.shape, [2, 3, 3, 6]);
    assert.deepEqual(l.weights.map((w) => w.shape), [[3, 3, 3, 2], [6]]);
    assert.deepEqual(summarize(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }), [10, 10, 8]), { outputShape: '(None, 8, 8, 16)', params: 3 * 3 * 8 * 2 + 16 });
    // per-channel: channel 0 filtered by ones, channel 1 by twos
    const h = L.depthwiseConv2d({ kernelSize: 2, useBias: false });
    h.apply(tf.zeros([1, 2, 2, 2]));
    h.setWeights([tf.tensor([1, 2, 1, 2, 1, 2, 1, 2], [2, 2, 2, 1])]);
    expectTensor(h.apply(tf.tensor([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2])) as tf.Tensor, [10, 200], [1, 1, 1, 2]);
  });

  it('SeparableConv2D = pointwise conv2d of depthwise conv + bias; SeparableConv2D(64, 3) on 32 channels has 2400 params', () => {
    tf.resetLayerNames();
    const l = L.separableConv2d({ filters: 64, kernelSize: 3 });
    assert.deepEqual(summarize(l, [10, 10, 32]), { outputShape: '(None, 8, 8, 64)', params: 2400 });
    assert.deepEqual(l.weights.map((w) => [w.name, w.shape]), [
      ['separable_conv2d/depthwise_kernel:0', [3, 3, 32, 1]],
      ['separable_conv2d/pointwise_kernel:0', [1, 1, 32, 64]],
      ['separable_conv2d/bias:0', [64]],
    ]);
    const s = new SeparableConv2D({ filters: 4, kernelSize: [3, 2], depthMultiplier: 2, padding: 'same', activation: 'relu', depthwiseInitializer: seeded(33), pointwiseInitializer: seeded(34), biasInitializer: tf.initializers.randomNormal({ seed: 35 }) });
    const x = randTensor([2, 5, 5, 3], 36);
    same(s.apply(x) as tf.Tensor, tf.relu(tf.add(tf.conv2d(tf.depthwiseConv2d(x, s.depthwiseKernel!, 1, 'same'), s.pointwiseKernel!, 1, 'valid'), s.bias!)));
  });

  it('gradients, config round trip, errors', () => {
    const d = L.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, depthwiseInitializer: seeded(37), biasInitializer: 'ones' });
    checkGrad((x) => d.apply(x) as tf.Tensor, [randInput([1, 3, 3, 2], 38)]);
    const s = L.separableConv2d({ filters: 2, kernelSize: 2, padding: 'same', depthwiseInitializer: seeded(39), pointwiseInitializer: seeded(40), biasInitializer: 'ones' });
    checkGrad((x) => s.apply(x) as tf.Tensor, [randInput([1, 3, 3, 2], 41)]);
    roundTrip(L.depthwiseConv2d({ kernelSize: [2, 3], depthMultiplier: 3, activation: 'relu', depthwiseRegularizer: 'l2', depthwiseInitializer: seeded(42) }), randTensor([1, 4, 4, 2], 43));
    roundTrip(L.separableConv2d({ filters: 3, kernelSize: 3, strides: 2, pointwiseRegularizer: { l1: 0.1 }, depthwiseInitializer: seeded(44), pointwiseInitializer: seeded(45) }), randTensor([1, 5, 5, 2], 46));
    expectThrows(() => L.separableConv2d({ filters: -1, kernelSize: 3 }), /SeparableConv2D: Received an invalid value for `filters`, expected a positive integer\. Received: filters=-1/);
    expectThrows(() => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0 }), /DepthwiseConv2D: Received an invalid value for `depthMultiplier`, expected a positive integer/);
    expectThrows(() => L.depthwiseConv2d({ kernelSize: 3, filters: 2 } as never), /DepthwiseConv2D: unknown option `filters`/);
    expectThrows(() => L.separableConv2d({ filters: 2, kernelSize: 3, dataFormat: 'channels_first' }), /SeparableConv2D: `dataFormat: 'channels_first'` is not supported/);
  });
});

describe('pooling', () => {
  const x44 = tf.tensor(Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4, 1]);
  const x33 = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);

  it('MaxPooling2D / AveragePooling2D hand values (valid and same; padding not counted)', () => {
    expectTensor(L.maxPooling2d().apply(x44) as tf.Tensor, [6, 8, 14, 16], [1, 2, 2, 1]);
    expectTensor(L.averagePooling2d({ poolSize: 2 }).apply(x44) as tf.Tensor, [3.5, 5.5, 11.5, 13.5], [1, 2, 2, 1]);
    expectTensor(L.averagePooling2d({ poolSize: 2, padding: 'same' }).apply(x33) as tf.Tensor, [3, 4.5, 7.5, 9], [1, 2, 2, 1]);
    expectTensor(L.maxPooling2d({ poolSize: [2, 3], strides: 1 }).apply(x33) as tf.Tensor, [6, 9], [1, 2, 1, 1]);
    const x = randTensor([2, 7, 5, 3], 50);
    same(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.Tensor, tf.maxPool(x, 3, 2, 'same'));
    same(L.averagePooling2d({ poolSize: [2, 3], strides: [1, 2] }).apply(x) as tf.Tensor, tf.avgPool(x, [2, 3], [1, 2], 'valid'));
  });

  it('MaxPooling1D / AveragePooling1D hand values', () => {
    const x = tf.tensor([1, 3, 2, 5, 4], [1, 5, 1]);
    expectTensor(L.maxPooling1d().apply(x) as tf.Tensor, [3, 5], [1, 2, 1]);
    expectTensor(L.maxPooling1d({ padding: 'same' }).apply(x) as tf.Tensor, [3, 5, 4], [1, 3, 1]);
    expectTensor(L.averagePooling1d({ poolSize: 2, strides: 1 }).apply(x) as tf.Tensor, [2, 2.5, 3.5, 4.5], [1, 4, 1]);
    expectTensor(L.averagePooling1d({ poolSize: 2, padding: 'same' }).apply(tf.tensor([1, 2, 3, 4, 5, 6], [1, 3, 2])) as tf.Tensor, [2, 3, 5, 6], [1, 2, 2]);
  });

  it('global pooling (keepDims), summaries, output shapes with null dims', () => {
    const x = tf.tensor([1, -2, 3, 8, 5, -6, 7, 4], [1, 2, 2, 2]);
    expectTensor(L.globalAveragePooling2d().apply(x) as tf.Tensor, [4, 1], [1, 2]);
    expectTensor(L.globalMaxPooling2d({ keepDims: true }).apply(x) as tf.Tensor, [7, 8], [1, 1, 1, 2]);
    const x1 = tf.tensor([1, -2, 3, 8, 5, -6], [1, 3, 2]);
    expectTensor(L.globalAveragePooling1d({ keepDims: true }).apply(x1) as tf.Tensor, [3, 0], [1, 1, 2]);
    expectTensor(L.globalMaxPooling1d().apply(x1) as tf.Tensor, [5, 8], [1, 2]);
    assert.deepEqual(summarize(L.maxPooling2d(), [28, 28, 32]), { outputShape: '(None, 14, 14, 32)', params: 0 });
    assert.deepEqual(summarize(L.averagePooling1d({ poolSize: 3, padding: 'same' }), [10, 4]), { outputShape: '(None, 4, 4)', params: 0 });
    assert.deepEqual(summarize(L.globalAveragePooling2d(), [7, 7, 64]), { outputShape: '(None, 64)', params: 0 });
    assert.deepEqual(summarize(L.globalMaxPooling1d({ keepDims: true }), [7, 3]), { outputShape: '(None, 1, 3)', params: 0 });
    assert.deepEqual(L.maxPooling2d().computeOutputShape([null, null, 9, 2]), [null, null, 4, 2]);
  });

  it('gradients of every pooling layer', () => {
    checkGrad((x) => L.maxPooling2d({ poolSize: 2, strides: 1 }).apply(x) as tf.Tensor, [randInput([1, 3, 3, 2], 51)]);
    checkGrad((x) => L.averagePooling2d({ poolSize: 2, padding: 'same' }).apply(x) as tf.Tensor, [randInput([1, 3, 3, 2], 52)]);
    checkGrad((x) => L.maxPooling1d({ poolSize: 2 }).apply(x) as tf.Tensor, [randInput([2, 4, 2], 53)]);
    checkGrad((x) => L.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.Tensor, [randInput([2, 5, 1], 54)]);
    checkGrad((x) => L.globalAveragePooling2d().apply(x) as tf.Tensor, [randInput([2, 2, 3, 2], 55)]);
    checkGrad((x) => L.globalMaxPooling1d().apply(x) as tf.Tensor, [randInput([2, 3, 2], 56)]);
  });

  it('config round trip and errors', () => {
    const x = randTensor([1, 6, 6, 2], 57);
    roundTrip(L.maxPooling2d({ poolSize: [3, 2], strides: [1, 2], padding: 'same' }), x);
    roundTrip(L.averagePooling2d({ poolSize: 3 }), x);
    roundTrip(L.globalMaxPooling2d({ keepDims: true }), x);
    roundTrip(L.maxPooling1d({ poolSize: 3, strides: 1 }), randTensor([1, 6, 2], 58));
    roundTrip(L.globalAveragePooling1d(), randTensor([1, 6, 2], 59));
    assert.deepEqual(L.averagePooling2d({ poolSize: 3 }).getConfig()['strides'], [3, 3]);
    expectThrows(() => L.maxPooling2d({ poolSize: 0 }), /MaxPooling2D: Received an invalid value for `poolSize`, expected a positive integer or an array of 2 positive integers\. Received: poolSize=0/);
    expectThrows(() => L.averagePooling1d({ padding: 'causal' }), /AveragePooling1D: Received an invalid value for `padding`/);
    expectThrows(() => L.globalAveragePooling2d({ dataFormat: 'channels_first' }), /GlobalAveragePooling2D: `dataFormat: 'channels_first'` is not supported/);
    expectThrows(() => L.maxPooling2d({ name: 'mp' }).apply(tf.zeros([1, 4, 4])), /mp: expected an input of rank 4/);
    expectThrows(() => L.maxPooling2d({ name: 'mp2', poolSize: 3 }).apply(tf.zeros([1, 2, 4, 1])), /mp2: the input is too small/);
    expectThrows(() => L.globalMaxPooling1d({ name: 'g1' }).apply(tf.zeros([1, 4, 4, 1])), /g1: expected an input of rank 3/);
  });
});

describe('ZeroPadding2D, Cropping2D, UpSampling2D', () => {
  it('hand values for all argument forms', () => {
    const one = tf.tensor([5], [1, 1, 1, 1]);
    expectTensor(L.zeroPadding2d({ padding: [[1, 0], [0, 2]] }).apply(one) as tf.Tensor, [0, 0, 0, 5, 0, 0], [1, 2, 3, 1]);
    expectTensor(L.zeroPadding2d().apply(one) as tf.Tensor, [0, 0, 0, 0, 5, 0, 0, 0, 0], [1, 3, 3, 1]);
    expectTensor(L.zeroPadding2d({ padding: [1, 0] }).apply(one) as tf.Tensor, [0, 5, 0], [1, 3, 1, 1]);
    const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    expectTensor(L.cropping2d({ cropping: [[1, 0], [0, 1]] }).apply(x) as tf.Tensor, [4, 5, 7, 8], [1, 2, 2, 1]);
    expectTensor(L.cropping2d({ cropping: 1 }).apply(x) as tf.Tensor, [5], [1, 1, 1, 1]);
    expectTensor(L.cropping2d({ cropping: [0, 1] }).apply(x) as tf.Tensor, [2, 5, 8], [1, 3, 1, 1]);
    expectTensor(L.cropping2d().apply(x) as tf.Tensor, [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const u = tf.tensor([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    expectTensor(L.upSampling2d({ size: [1, 2] }).apply(u) as tf.Tensor, [1, 10, 1, 10, 2, 20, 2, 20, 3, 30, 3, 30, 4, 40, 4, 40], [1, 2, 4, 2]);
    expectTensor(L.upSampling2d().apply(tf.tensor([1, 2, 3, 4], [1, 2, 2, 1])) as tf.Tensor, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], [1, 4, 4, 1]);
  });

  it('equal pad / slice ops; summaries; gradients', () => {
    const x = randTensor([2, 4, 5, 3], 60);
    same(L.zeroPadding2d({ padding: [[1, 2], [3, 0]] }).apply(x) as tf.Tensor, tf.pad(x, [[0, 0], [1, 2], [3, 0], [0, 0]]));
    same(L.cropping2d({ cropping: [[1, 2], [0, 3]] }).apply(x) as tf.Tensor, tf.slice(x, [0, 1, 0, 0], [2, 1, 2, 3]));
    assert.deepEqual(summarize(L.zeroPadding2d({ padding: 2 }), [28, 28, 1]), { outputShape: '(None, 32, 32, 1)', params: 0 });
    assert.deepEqual(summarize(L.cropping2d({ cropping: [[2, 2], [4, 4]] }), [28, 28, 3]), { outputShape: '(None, 24, 20, 3)', params: 0 });
    assert.deepEqual(summarize(L.upSampling2d({ size: [2, 3] }), [7, 7, 16]), { outputShape: '(None, 14, 21, 16)', params: 0 });
    assert.deepEqual(L.upSampling2d().computeOutputShape([null, null, 3, 2]), [null, null, 6, 2]);
    checkGrad((t) => L.zeroPadding2d({ padding: [[1, 0], [0, 1]] }).apply(t) as tf.Tensor, [randInput([1, 2, 2, 2], 61)]);
    checkGrad((t) => L.cropping2d({ cropping: [[1, 0], [0, 1]] }).apply(t) as tf.Tensor, [randInput([1, 3, 3, 2], 62)]);
    checkGrad((t) => L.upSampling2d({ size: [2, 3] }).apply(t) as tf.Tensor, [randInput([1, 2, 2, 2], 63)]);
  });

  it('config round trip and errors', () => {
    const x = randTensor([1, 5, 5, 2], 64);
    roundTrip(L.zeroPadding2d({ padding: [1, 2] }), x);
    roundTrip(L.cropping2d({ cropping: [[1, 0], [2, 1]] }), x);
    roundTrip(L.upSampling2d({ size: 3 }), x);
    expectThrows(() => L.zeroPadding2d({ padding: -1 }), /ZeroPadding2D: Received an invalid value for `padding`, expected a non-negative integer.*Received: padding=-1/);
    expectThrows(() => L.cropping2d({ cropping: [1, 2, 3] as never }), /Cropping2D: Received an invalid value for `cropping`/);
    expectThrows(() => L.cropping2d({ cropping: 2, name: 'crop' }).apply(tf.zeros([1, 4, 5, 1])), /crop: `cropping` \[\[2,2\],\[2,2\]\] removes the whole input/);
    expectThrows(() => L.upSampling2d({ interpolation: 'bilinear' }), /UpSampling2D: `interpolation: 'bilinear'` is not implemented/);
    expectThrows(() => L.upSampling2d({ size: [2, 0] }), /UpSampling2D: Received an invalid value for `size`/);
    expectThrows(() => L.zeroPadding2d({ dataFormat: 'channels_first' }), /ZeroPadding2D: `dataFormat: 'channels_first'` is not supported/);
  });
});

describe('ZeroPadding1D, Cropping1D, UpSampling1D', () => {
  it('hand values, summaries, gradients, config, errors', () => {
    const x = tf.tensor([1, 10, 2, 20, 3, 30], [1, 3, 2]);
    expectTensor(L.zeroPadding1d().apply(x) as tf.Tensor, [0, 0, 1, 10, 2, 20, 3, 30, 0, 0], [1, 5, 2]);
    expectTensor(L.zeroPadding1d({ padding: [0, 2] }).apply(x) as tf.Tensor, [1, 10, 2, 20, 3, 30, 0, 0, 0, 0], [1, 5, 2]);
    expectTensor(L.cropping1d().apply(x) as tf.Tensor, [2, 20], [1, 1, 2]);
    expectTensor(L.cropping1d({ cropping: [0, 1] }).apply(x) as tf.Tensor, [1, 10, 2, 20], [1, 2, 2]);
    expectTensor(L.upSampling1d({ size: 3 }).apply(tf.tensor([1, 10, 2, 20], [1, 2, 2])) as tf.Tensor, [1, 10, 1, 10, 1, 10, 2, 20, 2, 20, 2, 20], [1, 6, 2]);
    assert.deepEqual(summarize(L.upSampling1d(), [5, 4]), { outputShape: '(None, 10, 4)', params: 0 });
    assert.deepEqual(summarize(L.zeroPadding1d({ padding: 3 }), [5, 4]), { outputShape: '(None, 11, 4)', params: 0 });
    assert.deepEqual(summarize(L.cropping1d({ cropping: [2, 0] }), [5, 4]), { outputShape: '(None, 3, 4)', params: 0 });
    checkGrad((t) => L.upSampling1d({ size: 2 }).apply(t) as tf.Tensor, [randInput([1, 3, 2], 80)]);
    checkGrad((t) => L.cropping1d({ cropping: [1, 0] }).apply(t) as tf.Tensor, [randInput([1, 3, 2], 81)]);
    checkGrad((t) => L.zeroPadding1d({ padding: [1, 2] }).apply(t) as tf.Tensor, [randInput([1, 3, 2], 82)]);
    const r = randTensor([2, 6, 3], 83);
    roundTrip(L.zeroPadding1d({ padding: [2, 1] }), r);
    roundTrip(L.cropping1d({ cropping: 2 }), r);
    roundTrip(L.upSampling1d({ size: 4 }), r);
    expectThrows(() => L.cropping1d({ cropping: [3, 3], name: 'c1d' }).apply(r), /c1d: `cropping` \[3,3\] removes the whole input/);
    expectThrows(() => L.zeroPadding1d({ padding: [1] as never }), /ZeroPadding1D: Received an invalid value for `padding`/);
    expectThrows(() => L.upSampling1d({ size: 0 }), /UpSampling1D: Received an invalid value for `size`/);
    expectThrows(() => L.upSampling1d({ name: 'u1' }).apply(tf.zeros([1, 2, 2, 1])), /u1: expected an input of rank 3/);
  });
});

describe('a small CNN', () => {
  it('Sequential CNN = the same model with raw ops (forward), and fit = a hand SGD loop bit for bit', async () => {
    tf.resetLayerNames();
    const build = () =>
      tf.sequential({
        layers: [
          L.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', padding: 'same', inputShape: [8, 8, 1], kernelInitializer: seeded(70) }),
          L.maxPooling2d(),
          L.separableConv2d({ filters: 6, kernelSize: 3, activation: 'relu', depthwiseInitializer: seeded(71), pointwiseInitializer: seeded(72) }),
          L.globalAveragePooling2d(),
          tf.layers.dense({ units: 3, kernelInitializer: seeded(73) }),
        ],
      });
    const model = build();
    assert.equal(model.summary(80, null).totalParams, 40 + (36 + 24 + 6) + 21);
    tf.setSeed(9);
    const x = tf.randomNormal([16, 8, 8, 1]);
    const y = tf.oneHot(tf.randomUniform([16], 0, 3, 'int32'), 3).cast('float32');
    const vars = model.getWeights().map((w, i) => tf.variable(w, true, `hand${i}`));
    const [k1, b1, dk, pk, b2, wd, bd] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const forward = (xb: tf.Tensor) => {
      let h = tf.relu(tf.add(tf.conv2d(xb, k1, 1, 'same'), b1));
      h = tf.maxPool(h, 2, 2, 'valid');
      h = tf.relu(tf.add(tf.conv2d(tf.depthwiseConv2d(h, dk, 1, 'valid'), pk, 1, 'valid'), b2));
      h = tf.mean(h, [1, 2]);
      return tf.add(tf.matMul(h, wd), bd);
    };
    same(model.predict(x) as tf.Tensor, forward(x));

    model.compile({ optimizer: tf.train.sgd(0.1), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
    const losses: number[] = [];
    await model.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, callbacks: { onBatchEnd: async (_b, logs) => void losses.push(logs!['loss']!) } });
    const opt = tf.train.sgd(0.1);
    const hand: number[] = [];
    for (let e = 0; e < 3; e++) {
      for (let s = 0; s < 2; s++) {
        const xb = tf.slice(x, [s * 8], [8]);
        const yb = tf.slice(y, [s * 8], [8]);
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: yb, logits: forward(xb) })), vars);
        opt.applyGradients(vars.map((v) => [grads[v.name]!, v] as [tf.Tensor, tf.Variable]));
        hand.push(value.dataSync()[0]!);
      }
    }
    model.getWeights().forEach((w, i) => same(w, vars[i]!.read()));
    assert.ok(hand[5]! < hand[0]!);
    assert.equal(losses.length, 6);
  });
});

describe('runLayerTest (test/layer_test.ts): build, call, config, weights, gradients, save/load', () => {
  const g = (seed: number) => tf.initializers.glorotUniform({ seed });
  it('Conv2D (same padding, stride 2)', () =>
    runLayerTest({
      make: () => tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', strides: 2, kernelInitializer: g(2), biasInitializer: g(3) }),
      inputShape: [1, 5, 5, 2],
      expectedOutputShape: [1, 3, 3, 2],
      trainableWeights: 2,
    }));
  it('BatchNormalization (inference: moving statistics)', () =>
    runLayerTest({
      make: () => tf.layers.batchNormalization({ gammaInitializer: g(7), betaInitializer: g(8) }),
      inputShape: [3, 4],
      expectedOutputShape: [3, 4],
      trainableWeights: 2,
      nonTrainableWeights: 2,
    }));
});
