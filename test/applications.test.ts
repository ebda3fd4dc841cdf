/**
 * tf.applications: Keras's architectures layer for layer (names, shapes, parameter counts as
 * Keras reports them), preprocessing values, argument errors, and the ReLU layer they need.
 */
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { deserializeLayer } from '../src/layers/registry.ts';
import { ReLU } from '../src/layers/activations.ts';
import { ZeroPadding2D } from '../src/layers/reshaping.ts';
import type { LayersModel } from '../src/models/model.ts';
import { expectTensor, expectThrows } from './util.ts';
import { main as seed001 } from '../examples/seeds/seed001-finetune.ts';

function shapeOf(m: LayersModel, name: string): (number | null)[] {
  return m.getLayer(name).outputShape as (number | null)[];
}

function counts(m: LayersModel): [number, number, number] {
  const s = m.summary(120, null);
  return [s.totalParams, s.trainableParams, s.nonTrainableParams];
}

function bits(t: tf.Tensor): number[] {
  const d = t.dataSync() as Float32Array;
  return Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
}

// ------------------------------------------------------------------ ReLU layer

describe('ReLU layer (Keras layers.ReLU)', () => {
  const x = tf.tensor([-3, -1, 0, 0.5, 2, 5.5, 6, 7, 100]);

  it('defaults to relu; maxValue 6 is relu6, bit for bit', () => {
    expectTensor(tf.layers.reLU().apply(x) as tf.Tensor, [0, 0, 0, 0.5, 2, 5.5, 6, 7, 100]);
    const y = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.Tensor;
    expectTensor(y, [0, 0, 0, 0.5, 2, 5.5, 6, 6, 6]);
    assert.deepEqual(bits(y), bits(tf.relu6(x)));
  });

  it('maxValue, negativeSlope and threshold follow Keras relu(x, negative_slope, max_value, threshold)', () => {
    expectTensor(tf.layers.reLU({ maxValue: 1.5 }).apply(x) as tf.Tensor, [0, 0, 0, 0.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
    // y = x for x >= threshold, else slope·(x − threshold); then capped at maxValue.
    expectTensor(tf.layers.reLU({ negativeSlope: 0.1, threshold: 1, maxValue: 6 }).apply(x) as tf.Tensor, [-0.4, -0.2, -0.1, -0.05, 2, 5.5, 6, 6, 6]);
  });

  it('gradient: 1 inside (0, maxValue), 0 outside', () => {
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.layers.reLU({ maxValue: 6 }).apply(t) as tf.Tensor))(tf.tensor([-1, 3, 7]));
    expectTensor(g, [0, 1, 0]);
  });

  it('config round trip and errors', () => {
    const l = tf.layers.reLU({ maxValue: 6, name: 'r6' });
    const c = deserializeLayer({ className: 'ReLU', config: { ...l.getConfig(), name: 'r6_copy' } });
    assert.deepEqual((c.apply(x) as tf.Tensor).arraySync(), (l.apply(x) as tf.Tensor).arraySync());
    assert.equal(c.className, 'ReLU');
    expectThrows(() => tf.layers.reLU({ maxValue: -1 }), /ReLU.*maxValue.*-1/);
    expectThrows(() => tf.layers.reLU({ negativeSlope: -0.5 }), /ReLU.*negativeSlope/);
    expectThrows(() => tf.layers.reLU({ alpha: 1 } as never), /ReLU: unknown option `alpha`/);
  });
});

// ------------------------------------------------------------------ ResNet50

describe('applications.resnet50', () => {
  it('with the top: Keras counts, 177 layers, Keras names and shapes', () => {
    const m = tf.applications.resnet50({});
    assert.equal(m.name, 'resnet50');
    assert.deepEqual(counts(m), [25_636_712, 25_583_592, 53_120]);
    assert.equal(m.layers.length, 177);
    const expected: [string, (number | null)[]][] = [
      ['conv1_pad', [null, 230, 230, 3]],
      ['conv1_conv', [null, 112, 112, 64]],
      ['conv1_bn', [null, 112, 112, 64]],
      ['conv1_relu', [null, 112, 112, 64]],
      ['pool1_pad', [null, 114, 114, 64]],
      ['pool1_pool', [null, 56, 56, 64]],
      ['conv2_block1_1_conv', [null, 56, 56, 64]],
      ['conv2_block1_0_conv', [null, 56, 56, 256]],
      ['conv2_block1_add', [null, 56, 56, 256]],
      ['conv2_block3_out', [null, 56, 56, 256]],
      ['conv3_block1_1_conv', [null, 28, 28, 128]],
      ['conv3_block1_0_conv', [null, 28, 28, 512]],
      ['conv3_block4_out', [null, 28, 28, 512]],
      ['conv4_block6_out', [null, 14, 14, 1024]],
      ['conv5_block1_2_conv', [null, 7, 7, 512]],
      ['conv5_block3_out', [null, 7, 7, 2048]],
      ['avg_pool', [null, 2048]],
      ['predictions', [null, 1000]],
    ];
    for (const [name, shape] of expected) assert.deepEqual(shapeOf(m, name), shape, name);
    // Keras's names: the stem, then blocks conv{2..5}_block{1..n}_{0..3}_{conv,bn}, _{1,2}_relu, _add, _out.
    const names = new Set(m.layers.map((l) => l.name));
    const want = ['conv1_pad', 'conv1_conv', 'conv1_bn', 'conv1_relu', 'pool1_pad', 'pool1_pool', 'avg_pool', 'predictions'];
    [[2, 3], [3, 4], [4, 6], [5, 3]].forEach(([s, n]) => {
      for (let b = 1; b <= n!; b++) {
        const p = `conv${s}_block${b}`;
        if (b === 1) want.push(`${p}_0_conv`, `${p}_0_bn`);
        want.push(`${p}_1_conv`, `${p}_1_bn`, `${p}_1_relu`, `${p}_2_conv`, `${p}_2_bn`, `${p}_2_relu`, `${p}_3_conv`, `${p}_3_bn`, `${p}_add`, `${p}_out`);
      }
    });
    assert.equal(want.length, 176);
    for (const n of want) assert.ok(names.has(n), `missing layer ${n}`);
    // summary() shows them with Keras's class names and per-layer params.
    const s = m.summary(140, null);
    const row = (n: string) => s.rows.find((r) => r.name === n)!;
    assert.equal(row('conv1_conv').className, 'Conv2D');
    assert.equal(row('conv1_conv').params, 7 * 7 * 3 * 64 + 64);
    assert.equal(row('conv1_bn').params, 4 * 64);
    assert.equal(row('conv2_block1_add').className, 'Add');
    assert.deepEqual(row('conv2_block1_add').connectedTo, ['conv2_block1_0_bn', 'conv2_block1_3_bn']);
    assert.equal(row('predictions').params, 2048 * 1000 + 1000);
    assert.ok(s.text.includes('conv5_block3_out (Activation)'), 'summary text names conv5_block3_out (Activation)');
    // Architecture details: BN epsilon 1.001e-5, strides on the first 1×1 conv, biases on every conv.
    for (const l of m.layers) {
      if (l instanceof tf.BatchNormalization) assert.equal(l.epsilon, 1.001e-5, l.name);
      if (l.className === 'Conv2D') assert.equal(l.getConfig()['useBias'], true, l.name);
    }
    assert.deepEqual(m.getLayer('conv3_block1_1_conv').getConfig()['strides'], [2, 2]);
    assert.deepEqual(m.getLayer('conv3_block1_2_conv').getConfig()['strides'], [1, 1]);
    assert.equal(m.getLayer('conv3_block1_2_conv').getConfig()['padding'], 'same');
    assert.equal(m.getLayer('predictions').getConfig()['activation'], 'softmax');
  });

  it('without the top: 23,587,712 params, any image size, pooling max; saved as .keras it loads back with identical predictions', async () => {
    tf.setSeed(11);
    const m = tf.applications.resnet50({ includeTop: false, pooling: 'max' });
    assert.deepEqual(counts(m), [23_587_712, 23_534_592, 53_120]);
    assert.deepEqual(m.inputs[0]!.shape, [null, null, null, 3]);
    assert.deepEqual(shapeOf(m, 'conv5_block3_out'), [null, null, null, 2048]);
    assert.deepEqual(shapeOf(m, 'max_pool'), [null, 2048]);
    assert.equal(m.layers.length, 176);
    // Any size >= 32 runs (a 1×1 feature map at 32×32).
    const x = tf.applications.resnet50.preprocessInput(tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 4));
    // One training call moves the BN moving statistics off 0/1, so the file must carry them.
    m.apply(x, { training: true });
    const before = m.predict(x);
    assert.deepEqual(before.shape, [2, 2048]);
    assert.ok(before.dataSync().every((v) => Number.isFinite(v) && v >= 0), 'max-pooled relu features are finite and >= 0');
    // The "done" criterion: .keras round trip (src/io), identical predictions.
    const dir = mkdtempSync(join(tmpdir(), 'idem-apps-'));
    try {
      const file = join(dir, 'resnet50.keras');
      await m.save(file);
      const back = await tf.loadLayersModel(file);
      assert.equal(back.name, 'resnet50');
      assert.deepEqual(back.layers.map((l) => l.name), m.layers.map((l) => l.name));
      assert.deepEqual(counts(back), counts(m));
      assert.equal((back.getLayer('conv1_bn') as tf.BatchNormalization).epsilon, 1.001e-5);
      assert.deepEqual(bits(back.predict(x)), bits(before));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------ VGG16

describe('applications.vgg16', () => {
  it('Keras names and shapes; 14,714,688 conv params; 138,357,544 with the 224×224 top (counted from layers)', () => {
    // Building the 224×224 top allocates and initializes 138M weights (~18 s and ~0.9 GB here),
    // too slow for the suite. The conv layers' parameters do not depend on the image size, so one
    // build at 32×32 with the top gives the base's count (Keras's include_top=False figure) and
    // each top layer's count against its input size; at 224 only fc1's input changes (flatten of
    // block5_pool = 7·7·512). IDEM_SLOW_TESTS=1 also builds the real 224×224 model.
    const m = tf.applications.vgg16({ inputShape: [32, 32, 3] });
    assert.equal(m.name, 'vgg16');
    assert.equal(m.layers.length, 23);
    const s = m.summary(120, null);
    const p = (n: string) => s.rows.find((r) => r.name === n)!.params;
    const convNames = [[1, 2], [2, 2], [3, 3], [4, 3], [5, 3]].flatMap(([b, n]) => Array.from({ length: n! }, (_, i) => `block${b}_conv${i + 1}`));
    assert.deepEqual(m.layers.filter((l) => l.className === 'Conv2D').map((l) => l.name), convNames);
    assert.deepEqual(m.layers.filter((l) => l.className === 'MaxPooling2D').map((l) => l.name), [1, 2, 3, 4, 5].map((b) => `block${b}_pool`));
    const base = convNames.reduce((n, c) => n + p(c), 0);
    assert.equal(base, 14_714_688);
    assert.equal(p('block1_conv1'), 3 * 3 * 3 * 64 + 64);
    assert.deepEqual(shapeOf(m, 'block1_conv2'), [null, 32, 32, 64]);
    assert.deepEqual(shapeOf(m, 'block5_pool'), [null, 1, 1, 512]);
    assert.deepEqual(shapeOf(m, 'flatten'), [null, 512]);
    assert.deepEqual(shapeOf(m, 'predictions'), [null, 1000]);
    assert.equal(p('fc1'), (512 + 1) * 4096);
    assert.equal(p('fc2'), (4096 + 1) * 4096);
    assert.equal(p('predictions'), (4096 + 1) * 1000);
    assert.equal(s.totalParams, base + p('fc1') + p('fc2') + p('predictions'));
    // 224×224: five 2×2 pools take 224 to 7.
    const flat224 = 7 * 7 * 512;
    assert.equal(base + (flat224 + 1) * 4096 + p('fc2') + p('predictions'), 138_357_544);
    if (process.env['IDEM_SLOW_TESTS'] === '1') {
      const full = tf.applications.vgg16({});
      assert.deepEqual(counts(full), [138_357_544, 138_357_544, 0]);
      assert.deepEqual(shapeOf(full, 'block5_pool'), [null, 7, 7, 512]);
    }
  });
});

// ------------------------------------------------------------------ MobileNetV2

describe('applications.mobileNetV2', () => {
  it('alpha 1.0, 224, with the top: 3,538,984 params; Keras names and shapes', () => {
    const m = tf.applications.mobileNetV2({});
    assert.equal(m.name, 'mobilenetv2_1.00_224');
    assert.deepEqual(counts(m), [3_538_984, 3_504_872, 34_112]);
    const expected: [string, (number | null)[]][] = [
      ['Conv1', [null, 112, 112, 32]],
      ['bn_Conv1', [null, 112, 112, 32]],
      ['Conv1_relu', [null, 112, 112, 32]],
      ['expanded_conv_depthwise', [null, 112, 112, 32]],
      ['expanded_conv_project_BN', [null, 112, 112, 16]],
      ['block_1_expand', [null, 112, 112, 96]],
      ['block_1_pad', [null, 113, 113, 96]],
      ['block_1_depthwise', [null, 56, 56, 96]],
      ['block_2_add', [null, 56, 56, 24]],
      ['block_13_pad', [null, 15, 15, 576]],
      ['block_16_project_BN', [null, 7, 7, 320]],
      ['Conv_1', [null, 7, 7, 1280]],
      ['out_relu', [null, 7, 7, 1280]],
      ['predictions', [null, 1000]],
    ];
    for (const [name, shape] of expected) assert.deepEqual(shapeOf(m, name), shape, name);
    assert.deepEqual((m.getLayer('block_1_pad') as ZeroPadding2D).padding, [[0, 1], [0, 1]]);
    assert.equal(m.getLayer('Conv1_relu').className, 'ReLU');
    assert.equal((m.getLayer('Conv1_relu') as ReLU).maxValue, 6);
    const bn = m.getLayer('block_5_project_BN') as tf.BatchNormalization;
    assert.equal(bn.momentum, 0.999);
    assert.equal(bn.epsilon, 1e-3);
    // Residual adds exactly where Keras has them (stride 1, same channels).
    const adds = m.layers.filter((l) => l.className === 'Add').map((l) => l.name);
    assert.deepEqual(adds, [2, 4, 5, 7, 8, 9, 11, 12, 14, 15].map((i) => `block_${i}_add`));
    assert.equal(m.layers.filter((l) => l.className === 'DepthwiseConv2D').length, 17);
  });

  it('without the top and other alphas: Keras counts', () => {
    assert.deepEqual(counts(tf.applications.mobileNetV2({ includeTop: false, inputShape: [224, 224, 3] })), [2_257_984, 2_223_872, 34_112]);
    const small = tf.applications.mobileNetV2({ alpha: 0.35, includeTop: false, inputShape: [96, 96, 3] });
    assert.equal(small.name, 'mobilenetv2_0.35_96');
    assert.equal(small.countParams(), 410_208);
    assert.deepEqual(shapeOf(small, 'Conv1'), [null, 48, 48, 16]);
    const wide = tf.applications.mobileNetV2({ alpha: 1.4, includeTop: false, pooling: 'avg', inputShape: [96, 96, 3] });
    assert.equal(wide.countParams(), 4_363_712);
    assert.deepEqual(wide.outputs[0]!.shape, [null, 1792]);
  });

  it('makeDivisible and correctPad as Keras', () => {
    assert.deepEqual([32 * 0.35, 16 * 0.35, 24, 1280 * 1.4, 32 * 1.3, 8 * 0.75].map((v) => tf.applications.makeDivisible(v)), [16, 8, 24, 1792, 40, 8]);
    assert.deepEqual(tf.applications.correctPad([null, 224, 224, 3], 3), [[0, 1], [0, 1]]);
    assert.deepEqual(tf.applications.correctPad([null, 225, 224, 3], 3), [[1, 1], [0, 1]]);
    assert.deepEqual(tf.applications.correctPad([null, null, null, 3], 3), [[0, 1], [0, 1]]);
  });

  it('runs: random-weight forward pass at 32×32, probabilities summing to 1', () => {
    tf.setSeed(2);
    const m = tf.applications.mobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], classes: 5 });
    const x = tf.applications.mobileNetV2.preprocessInput(tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 9));
    const y = m.predict(x);
    assert.deepEqual(y.shape, [2, 5]);
    expectTensor(tf.sum(y, 1), [1, 1], [2], 1e-5);
    // classifierActivation null: the same network gives logits, whose softmax is y.
    tf.setSeed(2);
    const logits = tf.applications.mobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], classes: 5, classifierActivation: null });
    assert.equal(logits.getLayer('predictions').getConfig()['activation'], 'linear');
    assert.deepEqual(bits(tf.softmax(logits.predict(x))), bits(y));
  });
});

// ------------------------------------------------------------------ preprocessInput

describe('applications preprocessInput', () => {
  const img = tf.tensor([[[[10, 20, 30], [255, 0, 127.5]]]]); // [1, 1, 2, 3] RGB

  it("caffe (resnet50, vgg16): RGB→BGR minus [103.939, 116.779, 123.68]", () => {
    const want = [30 - 103.939, 20 - 116.779, 10 - 123.68, 127.5 - 103.939, 0 - 116.779, 255 - 123.68];
    expectTensor(tf.applications.resnet50.preprocessInput(img), [[[want.slice(0, 3), want.slice(3)]]], [1, 1, 2, 3]);
    expectTensor(tf.applications.vgg16.preprocessInput(img), [[[want.slice(0, 3), want.slice(3)]]], [1, 1, 2, 3]);
    // One image without the batch axis, int32 pixels (cast to float32 as Keras does).
    expectTensor(tf.applications.preprocessInput(tf.tensor([[[1, 2, 3]]], [1, 1, 3], 'int32'), { mode: 'caffe' }), [[[3 - 103.939, 2 - 116.779, 1 - 123.68]]]);
  });

  it("tf (mobileNetV2): x / 127.5 − 1; torch: (x/255 − mean) / std", () => {
    expectTensor(tf.applications.mobileNetV2.preprocessInput(img), [[[[10 / 127.5 - 1, 20 / 127.5 - 1, 30 / 127.5 - 1], [1, -1, 0]]]]);
    const t = tf.applications.preprocessInput(img, { mode: 'torch' });
    expectTensor(t, [[[[(10 / 255 - 0.485) / 0.229, (20 / 255 - 0.456) / 0.224, (30 / 255 - 0.406) / 0.225], [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (0.5 - 0.406) / 0.225]]]]);
  });

  it('errors name the function, the argument and what came', () => {
    expectThrows(() => tf.applications.preprocessInput(tf.zeros([2, 2, 4]), { mode: 'caffe' }), /preprocessInput: .*3 channels.*\[2,2,4\]/);
    expectThrows(() => tf.applications.preprocessInput(tf.zeros([2, 3]), { mode: 'tf' }), /preprocessInput: .*\[height, width, 3\]/);
    expectThrows(() => tf.applications.preprocessInput(img, { mode: 'caffee' as never }), /preprocessInput: .*mode.*caffee/);
  });
});

// ------------------------------------------------------------------ argument errors

describe('applications argument errors', () => {
  it('refuses downloads, bad shapes and unknown options', () => {
    expectThrows(() => tf.applications.resnet50({ weights: 'imagenet' }), /resnet50: .*download.*never does; pass the path of a local Keras \.h5 or \.keras/);
    expectThrows(() => tf.applications.vgg16({ inputShape: [null, null, 3] }), /vgg16: If `includeTop` is true, you should specify a static `inputShape`/);
    expectThrows(() => tf.applications.resnet50({ includeTop: false, inputShape: [16, 16, 3] }), /resnet50: Input size must be at least 32x32.*16,16,3/);
    expectThrows(() => tf.applications.resnet50({ inputShape: [224, 224] as never }), /resnet50: .*inputShape.*\[224,224\]/);
    expectThrows(() => tf.applications.resnet50({ includeTop: false, pooling: 'mean' as never }), /resnet50: .*pooling.*"mean"/);
    expectThrows(() => tf.applications.mobileNetV2({ alpha: 0 }), /mobileNetV2: .*alpha.*0/);
    expectThrows(() => tf.applications.vgg16({ include_top: false } as never), /vgg16: unknown option `include_top`/);
    expectThrows(() => tf.applications.resnet50({ classes: 0 }), /resnet50: .*classes.*0/);
    expectThrows(() => tf.applications.resnet50({ classifierActivation: 'sigmoidd' }), /resnet50: unknown activation 'sigmoidd'/);
    expectThrows(() => tf.applications.vgg16({ weights: 'w.h5', classifierActivation: 'relu' }), /vgg16: Only null and 'softmax' activations are allowed/);
    expectThrows(() => tf.applications.vgg16({ weights: '' }), /vgg16: .*weights.*expected null or the path/);
  });

  it('inputTensor: the model is built on a given tf.input', () => {
    const inp = tf.input({ shape: [32, 32, 3], name: 'images' });
    const m = tf.applications.mobileNetV2({ alpha: 0.35, includeTop: false, inputTensor: inp });
    assert.equal(m.inputs[0], inp);
    assert.deepEqual(shapeOf(m, 'out_relu'), [null, 1, 1, 1280]);
    // A tensor computed from an input: the model's input is that source (Keras get_source_inputs).
    const src = tf.input({ shape: [32, 32, 3] });
    const scaled = tf.layers.activation({ activation: 'linear', name: 'pre' }).apply(src) as tf.KerasTensor;
    const m2 = tf.applications.mobileNetV2({ alpha: 0.35, includeTop: false, pooling: 'avg', inputTensor: scaled });
    assert.equal(m2.inputs[0], src);
    assert.equal(m2.layers[1]!.name, 'pre');
    assert.deepEqual(m2.outputs[0]!.shape, [null, 1280]);
  });
});

// ------------------------------------------------------------------ weights files

describe('applications weights files (src/io)', () => {
  it('weights: a local path loads the file into the built architecture (a Promise); a wrong file rejects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idem-apps-'));
    try {
      tf.setSeed(12);
      const m = tf.applications.mobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], classes: 4 });
      const x = tf.applications.mobileNetV2.preprocessInput(tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 5));
      m.apply(x, { training: true });
      const file = join(dir, 'mnv2.weights.h5');
      await m.saveWeights(file);
      tf.setSeed(13); // different random init: the file must overwrite every weight
      const loaded = tf.applications.mobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], classes: 4, weights: file });
      assert.ok(loaded instanceof Promise, 'weights: path gives a Promise of the model');
      const back = await loaded;
      assert.deepEqual(bits(back.predict(x)), bits(m.predict(x)));
      // Another width does not fit the file: rejected, naming the file.
      await assert.rejects(async () => tf.applications.mobileNetV2({ alpha: 0.5, inputShape: [32, 32, 3], classes: 4, weights: file }), /mnv2\.weights\.h5/);
      expectThrows(() => tf.applications.mobileNetV2({ weights: join(dir, 'missing.h5') }), /mobileNetV2: .*weights.*missing\.h5.*no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------ seed 001, short

describe('seed 001 fine-tune (examples/seeds/seed001-finetune.ts, 2 epochs of 2 steps)', () => {
  it('fit and the hand loop with the training flag: identical losses, weights, BN statistics and predictions', async () => {
    const lines: string[] = [];
    // Two epochs: the folder reshuffles on each pass, so the hand loop must take its second
    // epoch from the same dataset's second pass, as fit does.
    const r = await seed001({ size: 32, perClass: 2, batchSize: 2, epochs: 2, seed: 3, log: (l) => lines.push(l) });
    assert.equal(r.samples, 4);
    assert.equal(r.stepLosses.length, 4);
    assert.ok(r.stepLosses.every((v) => Number.isFinite(v) && v > 0), `finite positive losses: ${r.stepLosses}`);
    // The logs' loss is the running mean of the epoch's batch losses (Keras's progress bar figure).
    assert.equal(r.loop.runningLoss[0], r.stepLosses[0]);
    assert.equal(r.loop.runningLoss[1], (r.stepLosses[0]! * 2 + r.stepLosses[1]! * 2) / 4);
    assert.equal(r.loop.runningLoss[2], r.stepLosses[2]);
    assert.deepEqual(r.fit.runningLoss, r.loop.runningLoss);
    assert.equal(r.fit.weights.length, r.loop.weights.length);
    r.fit.weights.forEach((w, i) => assert.deepEqual(new Uint32Array(w.buffer), new Uint32Array(r.loop.weights[i]!.buffer), `weight ${i}`));
    assert.deepEqual(new Uint32Array(r.fit.predictions.buffer), new Uint32Array(r.loop.predictions.buffer));
    assert.equal(r.fit.predictions.length, 4);
    // BN moving statistics moved off their initial values (mean 0) in both runs, identically.
    assert.ok(r.bnUpdated && r.fit.movingMean.some((v) => v !== 0), 'conv1_bn moving mean updated by training');
    assert.deepEqual(new Uint32Array(r.fit.movingMean.buffer), new Uint32Array(r.loop.movingMean.buffer));
    assert.ok(r.identical, 'the example reports identical runs');
    assert.ok(lines.some((l) => l.includes('identical bit for bit: true')), 'the example prints the comparison');
  });
});
