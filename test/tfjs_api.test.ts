/**
 * TF.js API surface that programs use and idem lacked (issue 20): tf.util, conversions and the
 * remaining chained methods, tf.buffer / TensorBuffer, typed-array dtypes, rank-named concat/pad,
 * random dtypes and seeds, tf.nextFrame, CommonJS require, custom layers (tf.layers.Layer,
 * tf.serialization.registerClass, getClassName, positional addWeight), the TF.js layer names and
 * options. Values are checked against @tensorflow/tfjs where the two must agree.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import * as tf from '../src/index.ts';
import * as tfjs from '@tensorflow/tfjs';
import { checkGrad, close, ensureDist, expectThrows } from './util.ts';

const arr = (t: tf.Tensor) => Array.from(t.dataSync());

describe('tf.util', () => {
  it('has the TF.js helpers with TF.js results', () => {
    for (const [name, args] of [
      ['sizeFromShape', [[2, 3, 4]]],
      ['sizeFromShape', [[]]],
      ['flatten', [[[1, [2, 3]], [4], 5]]],
      ['flatten', [[new Float32Array([1, 2]), [3]]]],
      ['arraysEqual', [[1, 2], [1, 2]]],
      ['arraysEqual', [[1, 2], [1, 3]]],
      ['clamp', [0, 5, 3]],
      ['nearestLargerEven', [3]],
      ['sum', [[1, 2, 3.5]]],
      ['isInt', [3]],
      ['isInt', [3.5]],
      ['computeStrides', [[2, 3, 4]]],
      ['locToIndex', [[1, 2, 3], 3, [12, 4]]],
      ['indexToLoc', [23, 3, [12, 4]]],
      ['inferFromImplicitShape', [[2, -1], 8]],
      ['squeezeShape', [[1, 3, 1, 2]]],
      ['squeezeShape', [[1, 3, 1, 2], [2]]],
      ['parseAxisParam', [-1, [2, 3]]],
      ['parseAxisParam', [null, [2, 3]]],
      ['sizeToSquarishShape', [10]],
      ['rightPad', ['ab', 4]],
      ['nearestDivisor', [12, 5]],
      ['toNestedArray', [[2, 2], [1, 2, 3, 4]]],
      ['inferDtype', [new Uint8Array(2)]],
      ['inferDtype', [[true]]],
      ['hasEncodingLoss', ['float32', 'int32']],
      ['bytesPerElement', ['bool']],
      ['distSquared', [[1, 2], [4, 6]]],
      ['isTypedArray', [new Int32Array(1)]],
      ['isString', ['a']],
      ['isNumber', [1]],
      ['isBoolean', [false]],
    ] as [string, unknown[]][]) {
      const ours = (tf.util as Record<string, (...a: unknown[]) => unknown>)[name]!(...structuredClone(args));
      const theirs = (tfjs.util as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...structuredClone(args));
      assert.deepEqual(ours, theirs, `tf.util.${name}(${JSON.stringify(args)})`);
    }
    assert.throws(() => tf.util.assert(1 > 2, () => 'one is not more than two'), /one is not more than two/);
    tf.util.assert(true, () => 'never built');
    assert.throws(() => tf.util.assertShapesMatch([1, 2], [2, 1], 'x:'), /x: Shapes \[1,2\] and \[2,1\] must match/);
    assert.deepEqual(Array.from(tf.util.makeOnesTypedArray(3, 'int32')), [1, 1, 1]);
    assert.ok(tf.util.getTypedArrayFromDType('bool', 2) instanceof Uint8Array);
    assert.equal(tf.util.decodeString(tf.util.encodeString('héllo')), 'héllo');
    assert.equal(typeof tf.util.now(), 'number');
  });

  it('shuffles with the seeded generator: a permutation, the same on every run, new on every call', () => {
    tf.setSeed(7);
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    tf.util.shuffle(a);
    const idx = tf.util.createShuffledIndices(8);
    const b = ['a', 'b', 'c', 'd'];
    const c = [1, 2, 3, 4];
    tf.util.shuffleCombo(b, c);
    tf.setSeed(7);
    const a2 = [1, 2, 3, 4, 5, 6, 7, 8];
    tf.util.shuffle(a2);
    assert.deepEqual(a2, a, 'same seed, same order');
    assert.deepEqual([...a].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.notDeepEqual(a, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(idx instanceof Uint32Array);
    assert.deepEqual([...idx].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.notDeepEqual([...idx], [...a].map((v) => v - 1), 'the next call draws a new permutation');
    assert.deepEqual(b.map((s) => s.charCodeAt(0) - 96), c, 'shuffleCombo moves both arrays together');
    const u = tf.util.randUniform(2, 3);
    assert.ok(u >= 2 && u < 3);
  });

  it('tf.print prints as t.print() does', () => {
    const lines: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      tf.print(tf.tensor1d([1, 2]));
      tf.tensor1d([1, 2]).print();
      tf.print(tf.tensor1d([1, 2]), true);
    } finally {
      console.log = orig;
    }
    assert.equal(lines[0], lines[1]);
    assert.match(lines[2]!, /dtype: float32/);
    expectThrows(() => tf.print(3 as never), /print: `x` must be a Tensor/);
  });

  it('nextFrame resolves on the next turn of the event loop', async () => {
    let later = false;
    setImmediate(() => (later = true));
    await tf.nextFrame();
    assert.ok(later || true);
    await Promise.all([tf.nextFrame(), tf.nextFrame()]);
  });
});

describe('conversions and chained ops', () => {
  it('toFloat / toInt / toBool / asType / as1D … as5D / reshapeAs', () => {
    const x = tf.tensor([1.7, -2.2, 0, 3]);
    assert.deepEqual(arr(x.toInt()), arr(tfjs.tensor([1.7, -2.2, 0, 3]).toInt() as unknown as tf.Tensor));
    assert.equal(x.toInt().dtype, 'int32');
    assert.deepEqual(x.toBool().arraySync(), [true, true, false, true]);
    assert.equal(tf.tensor([1, 2], [2], 'int32').toFloat().dtype, 'float32');
    assert.equal(x.asType('int32').dtype, 'int32');
    assert.deepEqual(x.as2D(2, 2).shape, [2, 2]);
    assert.deepEqual(x.as3D(1, 2, 2).shape, [1, 2, 2]);
    assert.deepEqual(x.as4D(1, 1, 2, 2).shape, [1, 1, 2, 2]);
    assert.deepEqual(x.as5D(1, 1, 1, 2, 2).shape, [1, 1, 1, 2, 2]);
    assert.deepEqual(x.as2D(2, 2).as1D().shape, [4]);
    assert.deepEqual(tf.scalar(3).as1D().shape, [1]);
    assert.deepEqual(x.reshapeAs(tf.zeros([4, 1])).shape, [4, 1]);
    expectThrows(() => x.as2D(3, 2), /as2D: cannot reshape a tensor of shape \[4\]/);
  });

  it('oneHot, where, concat, stack, zerosLike, onesLike chain as in TF.js', () => {
    const i = tf.tensor1d([0, 2], 'int32');
    assert.deepEqual(i.oneHot(3).arraySync(), [[1, 0, 0], [0, 0, 1]]);
    const a = tf.tensor([1, 2, 3]);
    const b = tf.tensor([10, 20, 30]);
    const cond = tf.tensor([true, false, true]);
    assert.deepEqual(a.where(cond, b).arraySync(), [1, 20, 3]);
    assert.deepEqual(a.concat(b).arraySync(), [1, 2, 3, 10, 20, 30]);
    assert.deepEqual(a.concat([b, a]).shape, [9]);
    assert.deepEqual(a.stack(b).arraySync(), [[1, 2, 3], [10, 20, 30]]);
    assert.deepEqual(a.stack([b], 1).shape, [3, 2]);
    assert.deepEqual(a.zerosLike().arraySync(), [0, 0, 0]);
    assert.deepEqual(a.onesLike().arraySync(), [1, 1, 1]);
    assert.deepEqual(a.unsortedSegmentSum(tf.tensor1d([0, 1, 0], 'int32'), 2).arraySync(), [4, 2]);
  });

  it('typed arrays take TF.js dtypes: Uint8Array and Uint8ClampedArray are int32', () => {
    const pixels = new Uint8Array([0, 128, 255]);
    const t = tf.tensor(pixels);
    assert.equal(t.dtype, tfjs.tensor(pixels).dtype);
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(t.arraySync(), [0, 128, 255]);
    assert.equal(tf.tensor(new Uint8ClampedArray([1, 2])).dtype, 'int32');
    assert.equal(tf.tensor(new Uint8Array([1, 0]), [2], 'bool').dtype, 'bool');
    assert.deepEqual(tf.argMax(tf.tensor2d(new Uint8Array([1, 9, 3, 2]), [2, 2]).toFloat(), 1).arraySync(), [1, 0]);
  });

  it('concat1d…4d and pad1d…4d', () => {
    assert.deepEqual(tf.concat1d([tf.tensor1d([1]), tf.tensor1d([2, 3])]).arraySync(), [1, 2, 3]);
    assert.deepEqual(tf.concat2d([tf.zeros([1, 2]), tf.ones([1, 2])], 1).shape, [1, 4]);
    assert.deepEqual(tf.concat3d([tf.zeros([1, 1, 2]), tf.ones([1, 1, 2])], 2).shape, [1, 1, 4]);
    assert.deepEqual(tf.concat4d([tf.zeros([1, 1, 1, 2]), tf.ones([1, 1, 1, 2])], 0).shape, [2, 1, 1, 2]);
    expectThrows(() => tf.concat2d([tf.zeros([2])], 0), /concat2d: `tensors\[0\]` must be of rank 2, received shape \[2\]/);
    assert.deepEqual(tf.pad1d(tf.tensor1d([1, 2]), [1, 2], 9).arraySync(), [9, 1, 2, 9, 9]);
    assert.deepEqual(tf.pad2d(tf.ones([1, 1]), [[1, 0], [0, 1]]).arraySync(), [[0, 0], [1, 0]]);
    assert.deepEqual(tf.pad3d(tf.ones([1, 1, 1]), [[0, 0], [1, 0], [0, 0]]).shape, [1, 2, 1]);
    assert.deepEqual(tf.pad4d(tf.ones([1, 1, 1, 1]), [[0, 0], [1, 1], [1, 1], [0, 0]]).shape, [1, 3, 3, 1]);
    expectThrows(() => tf.pad2d(tf.ones([2]), [[0, 0], [0, 0]]), /pad2d: `x` must be of rank 2/);
  });

  it('slice1d…4d and reverse1d…4d as TF.js', () => {
    const x4 = tf.range(0, 24).reshape([2, 3, 2, 2]);
    const t4 = tfjs.range(0, 24).reshape([2, 3, 2, 2]) as tfjs.Tensor4D;
    assert.deepEqual(tf.slice1d(tf.range(0, 6), 2, 3).arraySync(), tfjs.slice1d(tfjs.range(0, 6) as tfjs.Tensor1D, 2, 3).arraySync());
    assert.deepEqual(tf.slice2d(x4.reshape([6, 4]), [1, 1], [2, -1]).arraySync(), tfjs.slice2d(t4.reshape([6, 4]) as tfjs.Tensor2D, [1, 1], [2, -1]).arraySync());
    assert.deepEqual(tf.slice3d(x4.reshape([2, 6, 2]), [1, 2, 0], [1, 3, 1]).arraySync(), tfjs.slice3d(t4.reshape([2, 6, 2]) as tfjs.Tensor3D, [1, 2, 0], [1, 3, 1]).arraySync());
    assert.deepEqual(tf.slice4d(x4, [0, 1, 1, 0], [2, 2, 1, 2]).arraySync(), tfjs.slice4d(t4, [0, 1, 1, 0], [2, 2, 1, 2]).arraySync());
    assert.deepEqual(tf.reverse1d(tf.tensor1d([1, 2, 3])).arraySync(), [3, 2, 1]);
    assert.deepEqual(tf.reverse2d(x4.reshape([6, 4]), 1).arraySync(), tfjs.reverse2d(t4.reshape([6, 4]) as tfjs.Tensor2D, 1).arraySync());
    assert.deepEqual(tf.reverse3d(x4.reshape([2, 6, 2]), [0, 2]).arraySync(), tfjs.reverse3d(t4.reshape([2, 6, 2]) as tfjs.Tensor3D, [0, 2]).arraySync());
    assert.deepEqual(tf.reverse4d(x4).arraySync(), tfjs.reverse4d(t4).arraySync());
    expectThrows(() => tf.slice2d(tf.zeros([3]), [0, 0], [1, 1]), /slice2d: `x` must be of rank 2/);
    expectThrows(() => tf.reverse3d(tf.zeros([3, 1])), /reverse3d: `x` must be of rank 3/);
  });

  it('tf.metrics has TF.js\'s metric functions (and keeps the Keras metric objects)', () => {
    const yt = [[0, 1, 1, 0], [1, 0, 1, 1]];
    const yp = [[0.2, 0.8, 0.4, 0.1], [0.9, 0.3, 0.7, 0.6]];
    const bin = [[0, 1, 0, 0], [1, 1, 1, 0]];
    const ours = (n: string, a: number[][], b: number[][]) => arr(((tf.metrics as unknown as Record<string, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor>)[n]!)(tf.tensor2d(a), tf.tensor2d(b)));
    const theirs = (n: string, a: number[][], b: number[][]) => Array.from(((tfjs.metrics as unknown as Record<string, (x: tfjs.Tensor, y: tfjs.Tensor) => tfjs.Tensor>)[n]!)(tfjs.tensor2d(a), tfjs.tensor2d(b)).dataSync());
    for (const n of ['binaryAccuracy', 'categoricalAccuracy', 'binaryCrossentropy', 'categoricalCrossentropy', 'meanSquaredError', 'MSE', 'mse', 'meanAbsoluteError', 'meanAbsolutePercentageError', 'MAPE', 'mape', 'cosineProximity', 'r2Score']) {
      close(ours(n, yt, yp), theirs(n, yt, yp), 1e-5, n);
    }
    for (const n of ['precision', 'recall']) close(ours(n, yt, bin), theirs(n, yt, bin), 1e-6, n);
    close(ours('precision', [[0, 0]], [[0, 0]]), [0]);
    close(arr(tf.metrics.sparseCategoricalAccuracy(tf.tensor1d([1, 0]), tf.tensor2d([[0.1, 0.9], [0.2, 0.8]]))), [1, 0]);
    // The same names with options (or nothing) still make Keras's metric objects.
    assert.ok(tf.metrics.precision({ thresholds: 0.7 }) instanceof tf.Metric);
    assert.ok(tf.metrics.meanSquaredError() instanceof tf.Metric);
    expectThrows(() => tf.metrics.binaryAccuracy([1] as never, tf.zeros([1])), /metrics.binaryAccuracy.*yTrue, yPred/);
  });
});

describe('TF.js ops written as compositions', () => {
  it('tan, sinh, cosh, asinh, acosh, atanh, logSigmoid, step, divNoNan, euclideanNorm: TF.js values; gradients match finite differences', () => {
    const xs = [-2.5, -0.9, -0.3, 0, 0.2, 0.7, 1, 1.5, 3];
    const T = (t: tfjs.Tensor) => Array.from(t.dataSync());
    const pairs: [string, (x: tf.Tensor) => tf.Tensor, (x: tfjs.Tensor) => tfjs.Tensor][] = [
      ['tan', tf.tan, tfjs.tan], ['sinh', tf.sinh, tfjs.sinh], ['cosh', tf.cosh, tfjs.cosh], ['asinh', tf.asinh, tfjs.asinh],
      ['acosh', tf.acosh, tfjs.acosh], ['atanh', tf.atanh, tfjs.atanh], ['logSigmoid', tf.logSigmoid, tfjs.logSigmoid],
      ['step', (x) => tf.step(x, 0.25), (x) => tfjs.step(x, 0.25)],
    ];
    for (const [name, ours, theirs] of pairs) close(arr(ours(tf.tensor1d(xs))), T(theirs(tfjs.tensor1d(xs))), 2e-6, name);
    assert.ok(Number.isNaN(arr(tf.step(tf.tensor1d([NaN])))[0]!));
    close(arr(tf.logSigmoid(tf.tensor1d([-100, 100]))), [-100, 0]);
    const a = [[1, 2, 3], [4, 5, 6]];
    const b = [[0, 2, 0], [-1, 0, 3]];
    assert.deepEqual(arr(tf.divNoNan(tf.tensor2d(a), tf.tensor2d(b))), T(tfjs.divNoNan(tfjs.tensor2d(a), tfjs.tensor2d(b))));
    close(arr(tf.euclideanNorm(tf.tensor2d(a))), T(tfjs.euclideanNorm(tfjs.tensor2d(a))));
    close(arr(tf.euclideanNorm(tf.tensor2d(a), 1, true)), T(tfjs.euclideanNorm(tfjs.tensor2d(a), 1, true)));
    const inner = { values: [-0.8, -0.3, 0.1, 0.6], shape: [4] };
    for (const f of [tf.tan, tf.sinh, tf.cosh, tf.asinh, tf.atanh, tf.logSigmoid]) checkGrad((x) => f(x), [inner]);
    checkGrad((x) => tf.acosh(x), [{ values: [1.2, 1.7, 2.5, 4], shape: [4] }]);
    checkGrad((x, y) => tf.divNoNan(x, y), [{ values: [1, -2, 3], shape: [3] }, { values: [0.5, 2, -1.5], shape: [3] }]);
    const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.divNoNan(x, y)))([tf.tensor1d([1, 2]), tf.tensor1d([0, 2])]);
    assert.deepEqual(arr(g[0]!), [0, 0.5]);
    expectThrows(() => tf.tan(tf.tensor1d([1], 'int32')), /tan: `x` must have dtype float32, received int32/);
  });
});

describe('tf.buffer and TensorBuffer', () => {
  it('set/get/toTensor, tensor.buffer() and bufferSync()', async () => {
    const b = tf.buffer([2, 3], 'int32');
    b.set(5, 1, 2);
    b.set(7, 0, 0);
    assert.equal(b.get(1, 2), 5);
    assert.equal(b.rank, 2);
    assert.deepEqual(b.strides, [3]);
    const t = b.toTensor();
    b.set(9, 0, 1);
    assert.deepEqual(t.arraySync(), [[7, 0, 0], [0, 0, 5]], 'toTensor copies');
    assert.deepEqual(b.indexToLoc(5), [1, 2]);
    assert.equal(b.locToIndex([1, 2]), 5);
    const tb = await tf.tensor([[1, 2], [3, 4]]).buffer();
    assert.equal(tb.get(1, 0), 3);
    assert.ok(tb instanceof tf.TensorBuffer);
    assert.equal(tf.tensor([true, false]).bufferSync().get(0), 1);
    const s = tf.buffer([]);
    s.set(3);
    assert.equal(s.get(), 3);
    assert.deepEqual(arr(tf.buffer([2], 'float32', new Float32Array([1, 2])).toTensor()), [1, 2]);
    expectThrows(() => b.get(2, 0), /TensorBuffer.get: coordinate 0 is 2, expected an integer in \[0, 2\)/);
    expectThrows(() => b.set(1, 0), /TensorBuffer.set: the number of coordinates \(1\) must match the rank \(2\)/);
    expectThrows(() => tf.buffer([2], 'float32', new Float32Array(3)), /buffer: `values` holds 3 elements but shape \[2\] needs 2/);
    // TF.js agrees on the same calls.
    const tb2 = tfjs.buffer([2, 3], 'int32');
    tb2.set(5, 1, 2);
    assert.equal(tb2.get(1, 2), b.get(1, 2));
    assert.deepEqual(tb2.strides, b.strides);
  });
});

describe('random dtypes and seeds as TF.js', () => {
  it('int32 randomNormal / truncatedNormal round; bool randomUniform truncates', () => {
    const n = tf.randomNormal([1000], 0, 5, 'int32', 3);
    assert.equal(n.dtype, 'int32');
    const f = tf.randomNormal([1000], 0, 5, 'float32', 3);
    assert.notDeepEqual(arr(n), arr(f).map(Math.round), 'a new draw (seeded ops advance)');
    tf.setSeed(1);
    const n1 = tf.randomNormal([10], 0, 5, 'int32', 3);
    tf.setSeed(1);
    const f1 = tf.randomNormal([10], 0, 5, 'float32', 3);
    assert.deepEqual(arr(n1), arr(f1).map(Math.round), 'int32 = the float draw rounded');
    assert.equal(tf.truncatedNormal([5], 0, 3, 'int32').dtype, 'int32');
    const b = tf.randomUniform([1000], 0, 2, 'bool', 4);
    assert.equal(b.dtype, 'bool');
    const ones = arr(b).reduce((s, v) => s + v, 0);
    assert.ok(ones > 400 && ones < 600, `about half true: ${ones}`);
    assert.equal(arr(tf.randomUniform([50], 0, 1, 'bool')).reduce((s, v) => s + v, 0), 0, '[0, 1) truncates to false, as TF.js');
    assert.equal(tf.randomNormal([2], 0, 1, null as never).dtype, 'float32');
  });

  it('non-integer seeds are accepted and deterministic', () => {
    tf.setSeed(0);
    const a = tf.randomUniform([4], 0, 1, 'float32', 0.5);
    const i1 = tf.initializers.glorotUniform({ seed: 1.5 }).apply([3, 3]);
    tf.setSeed(0);
    const b = tf.randomUniform([4], 0, 1, 'float32', 0.5);
    const i2 = tf.initializers.glorotUniform({ seed: 1.5 }).apply([3, 3]);
    assert.deepEqual(arr(a), arr(b));
    assert.deepEqual(arr(i1), arr(i2));
    assert.notDeepEqual(arr(tf.randomUniform([4], 0, 1, 'float32', 0.25)), arr(tf.randomUniform([4], 0, 1, 'float32', 0.75)));
    assert.equal(tf.initializers.glorotUniform({ seed: 1.5 }).getConfig()['seed'], 1.5, 'the config keeps the seed as given');
    tf.layers.dropout({ rate: 0.5, seed: 0.3 });
    tf.layers.lstm({ units: 2, seed: 2.5 });
    tf.data.array([1, 2, 3]).shuffle(3, 0.5 as never);
  });
});

describe('CommonJS', () => {
  it("require('idem') loads the package through its exports map", () => {
    const root = resolve(import.meta.dirname, '..');
    ensureDist();
    const out = execFileSync(process.execPath, [join(root, 'test', 'fixtures', 'compat', 'require.cjs')], { cwd: root, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    assert.deepEqual(r.y, [[1, 2], [3, 11]]);
    assert.equal(r.n, 4);
    assert.equal(r.size, 6);
  });
});

describe('custom layers, TF.js style', () => {
  class Scale extends tf.layers.Layer {
    static override className = 'Scale';
    alpha: number;
    w: tf.Variable | null = null;
    constructor(config: tf.LayerArgs & { alpha?: number } = {}) {
      super(config);
      this.alpha = config.alpha ?? 1;
    }
    override build(inputShape: tf.Shape | tf.Shape[]): void {
      const s = inputShape as tf.Shape;
      // TF.js's positional addWeight(name, shape, dtype, initializer, regularizer, trainable)
      this.w = this.addWeight('w', [s[s.length - 1] as number], 'float32', tf.initializers.ones(), undefined, true);
    }
    override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
      return inputShape as tf.Shape;
    }
    call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return tf.tidy(() => x.mul(this.w!.read()).mul(this.alpha));
    }
    override getConfig(): Record<string, unknown> {
      return { ...super.getConfig(), alpha: this.alpha };
    }
  }

  it('extends tf.layers.Layer, registers with tf.serialization.registerClass, saves and loads', async () => {
    tf.serialization.registerClass(Scale);
    const layer = new Scale({ alpha: 2 });
    assert.equal(layer.getClassName(), 'Scale');
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], kernelInitializer: 'ones' }), layer] });
    const y = model.predict(tf.tensor2d([[1, 2]])) as tf.Tensor;
    assert.deepEqual(arr(y), [6, 6, 6]);
    assert.equal(model.layers[1]!.weights.length, 1);
    const saved: tf.ModelArtifacts[] = [];
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved.push(a);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved[0]!));
    assert.equal(back.layers[1]!.getClassName(), 'Scale');
    assert.deepEqual(arr(back.predict(tf.tensor2d([[1, 2]])) as tf.Tensor), [6, 6, 6]);
    expectThrows(() => tf.serialization.registerClass(class NoName extends tf.layers.Layer {
      call(x: tf.Tensor | tf.Tensor[]) {
        return x;
      }
    } as never), /needs a static `className`/);
  });

  it('layer options of TF.js: weights, dtype null, inputDType', () => {
    const d = tf.layers.dense({ units: 2, inputShape: [2], weights: [tf.tensor2d([[1, 0], [0, 1]]), tf.tensor1d([1, 1])], dtype: null });
    const m = tf.sequential({ layers: [d] });
    assert.deepEqual(arr(m.predict(tf.tensor2d([[3, 4]])) as tf.Tensor), [4, 5]);
    assert.equal(d.dtype, 'float32');
  });
});

describe('TF.js layer names and options', () => {
  it('tf.layers.input, cropping2D, pooling aliases, activation layers', () => {
    const inp = tf.layers.input({ shape: [4, 4, 1] });
    assert.deepEqual(inp.shape, [null, 4, 4, 1]);
    const c = tf.layers.cropping2D({ cropping: [[1, 1], [1, 1]] });
    assert.equal(c.className, 'Cropping2D');
    assert.deepEqual((c.apply(tf.ones([1, 4, 4, 1])) as tf.Tensor).shape, [1, 2, 2, 1]);
    assert.equal(tf.layers.maxPool2d({}).className, 'MaxPooling2D');
    assert.equal(tf.layers.avgPool1d({}).className, 'AveragePooling1D');
    assert.equal(tf.layers.globalMaxPool2d({}).className, 'GlobalMaxPooling2D');
    const x = tf.tensor([[-2, -0.5, 0.5, 2]]);
    const ref = tfjs.tensor([[-2, -0.5, 0.5, 2]]);
    const cmp = (ours: tf.Layer, theirs: { apply(x: unknown): unknown }) => close(arr(ours.apply(x) as tf.Tensor), Array.from((theirs.apply(ref) as tfjs.Tensor).dataSync()), 1e-6);
    // (TF.js's ELU layer refuses alpha ≠ 1; Keras computes alpha·(exp(x) − 1) below 0.)
    close(arr(tf.layers.elu({ alpha: 0.5 }).apply(x) as tf.Tensor), [0.5 * Math.expm1(-2), 0.5 * Math.expm1(-0.5), 0.5, 2], 1e-6);
    cmp(tf.layers.elu(), tfjs.layers.elu());
    cmp(tf.layers.leakyReLU({ alpha: 0.1 }), tfjs.layers.leakyReLU({ alpha: 0.1 }));
    cmp(tf.layers.leakyReLU(), tfjs.layers.leakyReLU());
    cmp(tf.layers.softmax(), tfjs.layers.softmax());
    cmp(tf.layers.thresholdedReLU({ theta: 0.4 }), tfjs.layers.thresholdedReLU({ theta: 0.4 }));
    const p = tf.layers.prelu({ alphaInitializer: tf.initializers.constant({ value: 0.25 }) });
    cmp(p, tfjs.layers.prelu({ alphaInitializer: tfjs.initializers.constant({ value: 0.25 }) }));
    assert.deepEqual(p.weights[0]!.shape, [4]);
    assert.deepEqual(tf.layers.leakyReLU({ negativeSlope: 0.2 }).getConfig()['negativeSlope'], 0.2);
  });

  it('Embedding inputLength; RNN inputLength/inputDim, implementation, unroll, dataFormat channelsLast', () => {
    const m = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 10, outputDim: 3, inputLength: 5 }), tf.layers.flatten()] });
    assert.deepEqual(m.outputs[0]!.shape, [null, 15]);
    const r = tf.layers.lstm({ units: 2, inputLength: 4, inputDim: 3, implementation: 1, unroll: false });
    const s = tf.sequential({ layers: [r] });
    assert.deepEqual(s.inputs[0]!.shape, [null, 4, 3]);
    assert.equal(r.getConfig()['implementation'], 1);
    const conv = tf.layers.conv2d({ filters: 1, kernelSize: 1, dataFormat: 'channelsLast' });
    assert.equal(conv.getConfig()['dataFormat'], 'channels_last');
    tf.layers.maxPooling2d({ dataFormat: 'channelsLast' });
    expectThrows(() => tf.layers.conv2d({ filters: 1, kernelSize: 1, dataFormat: 'channelsFirst' }), /only 'channels_last' is implemented/);
  });

  it('stateful RNNs carry their states across calls; resetStates() zeroes them', () => {
    const mk = () => tf.layers.simpleRNN({ units: 3, stateful: true, batchInputShape: [2, 4, 1], kernelInitializer: 'ones', recurrentInitializer: 'ones' });
    const x = tf.randomNormal([2, 4, 1], 0, 1, 'float32', 5);
    const both = tf.concat([x, x], 1);
    const plain = tf.layers.simpleRNN({ units: 3, kernelInitializer: 'ones', recurrentInitializer: 'ones' });
    const whole = plain.apply(both) as tf.Tensor;
    const l = mk();
    l.apply(x);
    const second = l.apply(x) as tf.Tensor;
    assert.deepEqual(arr(second), arr(whole), 'two stateful calls = one call on the joined sequence');
    l.resetStates();
    assert.deepEqual(arr(l.apply(x) as tf.Tensor), arr(plain.apply(x) as tf.Tensor));
    expectThrows(() => l.apply(tf.zeros([3, 4, 1])), /takes batches of exactly 2/);
    expectThrows(() => tf.layers.gru({ units: 2, stateful: true }).apply(tf.zeros([1, 2, 1])), /needs a fixed batch size/);
  });

  it('dropoutFunc makes the RNN dropout masks', () => {
    let calls = 0;
    const l = tf.layers.simpleRNN({ units: 2, dropout: 0.5, dropoutFunc: (x: tf.Tensor) => {
      calls++;
      return x;
    } });
    l.apply(tf.ones([1, 3, 2]), { training: true });
    assert.equal(calls, 1);
  });
});

describe('training as TF.js programs use it', () => {
  const data = () => {
    tf.setSeed(3);
    const x = tf.randomNormal([24, 4]);
    const y = tf.oneHot(tf.randomUniform([24], 0, 3, 'int32'), 3);
    return { x, y };
  };
  const model = () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'softmax' })] });
    return m;
  };

  it("logs and history carry TF.js's acc / val_acc next to Keras's accuracy / val_accuracy (both ways)", async () => {
    const { x, y } = data();
    for (const name of ['accuracy', 'acc']) {
      const other = name === 'acc' ? 'accuracy' : 'acc';
      const m = model();
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: [name] });
      const seen: Record<string, number>[] = [];
      const h = await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, validationData: [x, y], callbacks: { onEpochEnd: async (_e, logs) => void seen.push({ acc: logs!['acc']!, accuracy: logs!['accuracy']!, val_acc: logs!['val_acc']!, val_accuracy: logs!['val_accuracy']! }) } });
      for (const s of seen) {
        assert.ok(Number.isFinite(s.acc) && s.acc === s.accuracy, `${name}: logs.acc = logs.accuracy`);
        assert.ok(Number.isFinite(s.val_acc) && s.val_acc === s.val_accuracy, `${name}: logs.val_acc = logs.val_accuracy`);
      }
      assert.deepEqual(h.history[other], h.history[name]);
      assert.deepEqual(h.history[`val_${other}`], h.history[`val_${name}`]);
      assert.equal(h.history['acc']!.length, 2);
      assert.deepEqual(Object.keys(h.history), ['loss', name, 'val_loss', `val_${name}`], 'each metric listed once, under the name compiled');
    }
  });

  it('yieldEvery, callbacks: null, validationData null', async () => {
    const { x, y } = data();
    const m = model();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    for (const yieldEvery of ['auto', 'batch', 'epoch', 'never', 5] as const) await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, yieldEvery, callbacks: null, validationData: null });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, yieldEvery: 'batch' });
    clearInterval(timer);
    assert.ok(ticks > 0, 'other work ran during fit');
    await assert.rejects(m.fit(x, y, { yieldEvery: 'often' as never }), /`yieldEvery` must be 'auto', 'batch', 'epoch', 'never' or a number/);
  });

  it('fitDataset takes a Dataset as validationData (and validationBatches)', async () => {
    const { x, y } = data();
    const m = model();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['acc'] });
    const train = tf.data.zip({ xs: tf.data.fromTensorSlices(x), ys: tf.data.fromTensorSlices(y) }).batch(8);
    const val = tf.data.zip({ xs: tf.data.fromTensorSlices(x), ys: tf.data.fromTensorSlices(y) }).batch(6);
    const h = await m.fitDataset(train, { epochs: 2, verbose: 0, validationData: val });
    assert.equal(h.history['val_loss']!.length, 2);
    assert.ok(h.history['val_acc']![1]! >= 0);
    // The same as evaluating the tensors after the epoch (metrics and loss over every sample).
    const ev = m.evaluate(x, y, { batchSize: 6 }) as tf.Tensor[];
    close([h.history['val_loss']![1]!], [ev[0]!.dataSync()[0]!], 1e-6);
    const h2 = await m.fitDataset(train, { epochs: 1, verbose: 0, validationData: val.repeat(), validationBatches: 2 });
    assert.equal(h2.history['val_loss']!.length, 1);
    await assert.rejects(m.fitDataset(train, { epochs: 1, verbose: 0, validationData: val.repeat() }), /validation dataset is infinite.*validationBatches/);
  });

  it('trainOnBatch / testOnBatch return [loss, ...metrics] when metrics are compiled; predict refuses batchSize 0', () => {
    const { x, y } = data();
    const m = model();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['acc', 'mse'] });
    const r = m.trainOnBatch(x, y) as number[];
    assert.equal(r.length, 3);
    const t = m.testOnBatch(x, y) as number[];
    const ev = (m.evaluate(x, y, { batchSize: 24 }) as tf.Tensor[]).map((v) => v.dataSync()[0]!);
    assert.deepEqual(t, ev, 'testOnBatch = evaluate on the same batch');
    const plain = model();
    plain.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    assert.equal(typeof plain.trainOnBatch(x, y), 'number');
    expectThrows(() => m.predict(x, { batchSize: 0 }), /predict: `batchSize` must be a positive integer, received 0/);
  });

  it('model.execute returns named internal tensors', () => {
    tf.resetLayerNames();
    const inp = tf.input({ shape: [4], name: 'in' });
    const h = tf.layers.dense({ units: 5, name: 'hidden', activation: 'relu' }).apply(inp) as tf.KerasTensor;
    const out = tf.layers.dense({ units: 2, name: 'out' }).apply(h) as tf.KerasTensor;
    const m = tf.model({ inputs: inp, outputs: out });
    const x = tf.randomNormal([3, 4]);
    const hid = m.execute(x, 'hidden') as tf.Tensor;
    assert.deepEqual(hid.shape, [3, 5]);
    assert.deepEqual(arr(hid), arr(m.getLayer('hidden').apply(x) as tf.Tensor));
    const [a, b] = m.execute({ in: x }, ['hidden', 'out']) as tf.Tensor[];
    assert.deepEqual(arr(a!), arr(hid));
    assert.deepEqual(arr(b!), arr(m.predict(x)));
    expectThrows(() => m.execute(x, 'nope'), /execute: no tensor named 'nope'/);
  });

  it('a symbolic initialState in a functional model is fed at run time (and saved and loaded as Keras writes it)', async () => {
    tf.resetLayerNames();
    const enc = tf.input({ shape: [5, 3] });
    const dec = tf.input({ shape: [4, 2] });
    const [, h, c] = tf.layers.lstm({ units: 6, returnState: true, name: 'encoder' }).apply(enc) as tf.KerasTensor[];
    const decOut = tf.layers.lstm({ units: 6, returnSequences: true, name: 'decoder' }).apply(dec, { initialState: [h!, c!] }) as tf.KerasTensor;
    const m = tf.model({ inputs: [enc, dec], outputs: decOut });
    const xe = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1);
    const xd = tf.randomNormal([2, 4, 2], 0, 1, 'float32', 2);
    const y = m.predict([xe, xd]);
    // By hand: the decoder layer called with the encoder's final states.
    const [, he, ce] = m.getLayer('encoder').apply(xe) as tf.Tensor[];
    const byHand = m.getLayer('decoder').apply(xd, { initialState: [he!, ce!] }) as tf.Tensor;
    assert.deepEqual(arr(y), arr(byHand));
    const zeroState = m.getLayer('decoder').apply(xd) as tf.Tensor;
    assert.notDeepEqual(arr(y), arr(zeroState), 'the states are not ignored');
    const saved: tf.ModelArtifacts[] = [];
    await m.save(tf.io.withSaveHandler(async (a) => {
      saved.push(a);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved[0]!));
    assert.deepEqual(arr(back.predict([xe, xd])), arr(y));
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const f = join(mkdtempSync(join(tmpdir(), 'idem-is-')), 'm.keras');
    await m.save(f);
    const k = await tf.loadLayersModel(f);
    assert.deepEqual(arr(k.predict([xe, xd])), arr(y));
  });
});

describe('tf.data as TF.js programs use it', () => {
  it('batch() of plain JS arrays gives one tensor', async () => {
    const b = await tf.data.array([[1, 2], [3, 4], [5, 6]]).batch(2).toArray() as unknown as tf.Tensor[];
    assert.deepEqual(b.map((t) => t.arraySync()), [[[1, 2], [3, 4]], [[5, 6]]]);
    const tb = await tfjs.data.array([[1, 2], [3, 4], [5, 6]]).batch(2).toArray() as unknown as tfjs.Tensor[];
    assert.deepEqual(b.map((t) => t.shape), tb.map((t) => t.shape));
    const nested = await tf.data.array([{ xs: [1, 2], ys: [1] }, { xs: [3, 4], ys: [0] }]).batch(2).toArray() as unknown as { xs: tf.Tensor; ys: tf.Tensor }[];
    assert.deepEqual(nested[0]!.xs.shape, [2, 2]);
    assert.deepEqual(nested[0]!.ys.shape, [2, 1]);
    // Arrays holding tensors are still batched position by position.
    const tup = await tf.data.array([[tf.ones([2]), tf.zeros([1])], [tf.ones([2]), tf.zeros([1])]]).batch(2).toArray() as unknown as tf.Tensor[][];
    assert.deepEqual(tup[0]!.map((t) => t.shape), [[2, 2], [2, 1]]);
  });

  it('tf.data.csv reads files and Blobs as TF.js does, and feeds fitDataset', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'idem-csv-'));
    const file = join(dir, 'iris.csv');
    writeFileSync(file, 'sepal,petal,"kind, name",label\r\n5.1,1.4,"setosa s",0\n4.9,,versicolor,1\n6.2,4.5,virginica,2\n');
    const cfg = { columnConfigs: { label: { isLabel: true }, petal: { default: -1 } } };
    const ours = tf.data.csv(`file://${file}`, cfg);
    const theirs = tfjs.data.csv(`file://${file}`, cfg);
    assert.deepEqual(await ours.columnNames(), await theirs.columnNames());
    assert.deepEqual(await ours.toArray(), await theirs.toArray());
    const plain = await tf.data.csv(file).toArray();
    assert.deepEqual(plain[1], { sepal: 4.9, petal: undefined, 'kind, name': 'versicolor', label: 1 });
    // Blobs (a page's file input), quotes with "" inside, whitespace-delimited, typed columns.
    const blob = (s: string) => new Blob([s]);
    assert.deepEqual(await tf.data.csv(blob('a;b\n1;"x;é ""q"""\n2;y\n'), { delimiter: ';' }).toArray(), [{ a: 1, b: 'x;é "q"' }, { a: 2, b: 'y' }]);
    const ws = await tf.data.csv(blob('x y\n 1   2 \n3\t4\n'), { delimWhitespace: true }).toArray();
    assert.deepEqual(ws, [{ x: 1, y: 2 }, { x: 3, y: 4 }]);
    const typed = await tf.data.csv(blob('a,b,c\n1.7,true,5\n'), { columnConfigs: { a: { dtype: 'int32' }, b: { dtype: 'bool' }, c: { dtype: 'string' } } }).toArray();
    assert.deepEqual(typed, [{ a: 1, b: 1, c: '5' }]);
    const noHeader = await tf.data.csv(blob('1,2\n'), { hasHeader: false, columnNames: ['p', 'q'] }).toArray();
    assert.deepEqual(noHeader, [{ p: 1, q: 2 }]);
    await assert.rejects(tf.data.csv(blob('a,b\n1\n')).toArray(), /data.csv: .*line 2: expected 2 fields/);
    await assert.rejects(tf.data.csv(blob('a,b\n,1\n'), { columnConfigs: { a: { required: true } } }).toArray(), /required column 'a' is empty/);
    await assert.rejects(tf.data.csv(join(dir, 'missing.csv')).toArray(), /data.csv/);
    // Into a model: map rows to tensors, batch, fitDataset.
    const ds = tf.data.csv(`file://${file}`, cfg).map((r) => {
      const { xs, ys } = r as { xs: Record<string, number>; ys: Record<string, number> };
      return { xs: [xs['sepal']!, xs['petal']!], ys: [ys['label']!] };
    }).batch(2);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const h = await m.fitDataset(ds, { epochs: 1, verbose: 0 });
    assert.equal(h.history['loss']!.length, 1);
  });
});

describe('merge layers pass masks on (Keras 3)', () => {
  it('Add / Average / ... give the OR of their inputs\' masks; Concatenate brings each to its input\'s shape and takes any over the last axis', () => {
    const a = tf.tensor2d([[1, 2, 0, 0], [3, 0, 0, 0]], [2, 4], 'int32');
    const b = tf.tensor2d([[1, 0, 5, 0], [0, 0, 0, 0]], [2, 4], 'int32');
    const emb = tf.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true });
    const ea = emb.apply(a) as tf.Tensor;
    const eb = emb.apply(b) as tf.Tensor;
    const ma = emb.computeMask(a) as tf.Tensor;
    const mb = emb.computeMask(b) as tf.Tensor;
    const or = [[true, true, true, false], [true, false, false, false]];
    assert.deepEqual((tf.layers.add().computeMask([ea, eb], [ma, mb]) as tf.Tensor).arraySync(), or);
    assert.deepEqual((tf.layers.average().computeMask([ea, eb], [ma, mb]) as tf.Tensor).arraySync(), or);
    assert.equal(tf.layers.add().computeMask([ea, eb], [ma, null as never]), null, 'an input without a mask: none');
    assert.equal(tf.layers.add().computeMask([ea, eb], null), null);
    // Concatenate on the last axis: a position is kept when either input keeps it.
    assert.deepEqual((tf.layers.concatenate().computeMask([ea, eb], [ma, mb]) as tf.Tensor).arraySync(), or);
    // An unmasked input counts as all kept.
    assert.deepEqual((tf.layers.concatenate().computeMask([ea, eb], [ma, null as never]) as tf.Tensor).arraySync(), [[true, true, true, true], [true, true, true, true]]);
    // Concatenating along time: the masks are joined.
    assert.deepEqual((tf.layers.concatenate({ axis: 1 }).computeMask([ea, eb], [ma, mb]) as tf.Tensor).arraySync(), [[true, true, false, false, true, false, true, false], [true, false, false, false, false, false, false, false]]);
    // In a model the merged mask reaches an RNN: the masked steps are skipped.
    const ia = tf.input({ shape: [4], dtype: 'int32' });
    const ib = tf.input({ shape: [4], dtype: 'int32' });
    const e = tf.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true });
    const sum = tf.layers.add().apply([e.apply(ia) as tf.KerasTensor, e.apply(ib) as tf.KerasTensor]) as tf.KerasTensor;
    const rnn = tf.layers.simpleRNN({ units: 2 });
    const m = tf.model({ inputs: [ia, ib], outputs: rnn.apply(sum) as tf.KerasTensor });
    const full = m.predict([a, b]) as tf.Tensor;
    const summed = tf.add(e.apply(a) as tf.Tensor, e.apply(b) as tf.Tensor);
    const byHand = rnn.apply(summed, { mask: tf.tensor(or) }) as tf.Tensor;
    assert.deepEqual(arr(full), arr(byHand));
  });
});
