/**
 * The WebGPU backend against the reference backend (and the wasm backend where the claim is
 * bit-identity), kernel by kernel on random, odd, empty and broadcast shapes, through Node's
 * `webgpu` package on SwiftShader (see webgpu_util.ts). Skipped, saying why, without an adapter.
 * Shapes are small: SwiftShader runs on the CPU and compiles each pipeline on first use.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as tf from '../src/index.ts';
import { referenceBatchNormKernels } from '../src/backends/native/norm_kernels.ts';
import { GEMM_CHOICE, WEBGPU_KERNELS } from '../src/backends/webgpu/index.ts';
import { compare, rand, webgpuSuite } from './webgpu_util.ts';

type T = tf.Tensor;
type Out = T | T[];

const gpu = webgpuSuite('webgpu tests');

async function valuesOn(backend: string, fn: () => Out): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = fn();
  const list = Array.isArray(out) ? out : [out];
  const vals: Float32Array[] = [];
  for (const t of list) vals.push(Float32Array.from(await t.data()));
  return vals;
}

interface Tol {
  atol?: number;
  rtol?: number;
  /** Compare bit for bit (±0 distinguished). */
  exact?: boolean;
}

/** Runs fn on webgpu and on `against` (default reference) and compares every output. */
async function check(name: string, fn: () => Out, tol: Tol = {}, against = 'reference'): Promise<void> {
  const want = await valuesOn(against, fn);
  const got = await valuesOn('webgpu', fn);
  assert.equal(got.length, want.length, `${name}: number of outputs`);
  got.forEach((g, i) => {
    const d = compare(g, want[i]!, tol.atol ?? 0, tol.rtol ?? 0, tol.exact ?? false);
    assert.equal(d.mismatches, 0, `${name} output ${i}: ${d.mismatches} of ${g.length} differ (first ${d.first}; max abs ${d.maxAbs}, rel ${d.maxRel})`);
  });
}

const r = (shape: number[], seed: number, lo = -1, hi = 1): T => tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape);
const ri = (shape: number[], seed: number, lo: number, hi: number): T => tf.tensor(Int32Array.from(rand(shape.reduce((a, b) => a * b, 1), seed, lo, hi), Math.floor), shape, 'int32');

const ULP = { rtol: 2.4e-7, atol: 1e-30 };
const FEW_ULP = { rtol: 1e-6, atol: 1e-7 };

const BCAST: [number[], number[]][] = [
  [[3, 5], [3, 5]], [[3, 5], [5]], [[3, 1], [1, 5]], [[2, 3, 4], [3, 1]], [[7], []], [[], [2, 3]], [[0, 3], [3]], [[4, 1, 3], [2, 1]], [[2, 1, 3, 1, 2], [3, 2, 2]],
];

describe('webgpu backend', () => {
  it('elementwise arithmetic with broadcasting is bit-identical to the reference', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    for (const [sa, sb] of BCAST) {
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) {
        await check(`${op} ${JSON.stringify([sa, sb])}`, () => tf[op](r(sa, 1), r(sb, 2)), { exact: op !== 'maximum' && op !== 'minimum' });
      }
      await check(`squaredDifference ${sa} ${sb}`, () => tf.squaredDifference(r(sa, 3), r(sb, 4)), ULP);
      for (const op of ['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'] as const) {
        await check(`${op} ${sa} ${sb}`, () => tf[op](r(sa, 5).round(), r(sb, 6).round()));
      }
    }
  });

  it('other binary ops, int32 and bool', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    await check('pow', () => tf.pow(r([4, 5], 1, 0, 3), r([5], 2, -2, 2)), FEW_ULP);
    await check('pow int exps of negatives', () => tf.pow(tf.tensor([-2, -2, -3, 2, 0, 1, -1.5]), tf.tensor([2, 3, -1, 0.5, 2, 7, 2])), FEW_ULP);
    await check('floorDiv', () => tf.floorDiv(r([3, 4], 3, -5, 5), r([4], 4, 0.5, 2)));
    await check('mod', () => tf.mod(r([3, 4], 3, -5, 5), r([4], 4, 0.5, 2)), { atol: 1e-6 });
    await check('prelu', () => tf.prelu(r([3, 4], 5), r([4], 6)), { exact: true });
    for (const op of ['add', 'sub', 'mul', 'floorDiv', 'mod', 'maximum', 'minimum', 'squaredDifference', 'equal', 'greater'] as const) {
      await check(`int32 ${op}`, () => tf[op](ri([3, 4], 7, -20, 20), ri([4], 8, 1, 9)));
    }
    await check('int32 pow', () => tf.pow(ri([6], 9, -4, 5), ri([6], 10, 0, 4)));
    await check('int32 div floors', () => tf.div(ri([2, 5], 11, -20, 20), ri([5], 12, 1, 6)));
    const b1 = () => tf.greater(r([3, 4], 13), 0);
    const b2 = () => tf.less(r([4], 14), 0);
    await check('logicalAnd', () => tf.logicalAnd(b1(), b2()));
    await check('logicalOr', () => tf.logicalOr(b1(), b2()));
    await check('logicalNot', () => tf.logicalNot(b1()));
    await check('where', () => tf.where(b1(), r([3, 4], 15), r([1, 4], 16)), { exact: true });
    await check('where scalar branch', () => tf.where(b2(), r([4], 15), tf.scalar(7)), { exact: true });
  });

  it('unary math and activations', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const x = () => tf.concat([r([37], 21, -4, 4), tf.tensor([0, -0, 1e-8, -1e-8, 30, -30, 0.5, -0.5, 1.5, 2.5, -2.5])]);
    const pos = () => r([29], 22, 1e-3, 9);
    const exact = { exact: true };
    for (const op of ['abs', 'neg', 'square', 'floor', 'ceil', 'sign', 'relu', 'relu6'] as const) await check(op, () => tf[op](x()), exact);
    await check('round (half to even; -0.4 rounds to -0 where the reference gives +0)', () => tf.round(x()));
    await check('sqrt', () => tf.sqrt(pos()), exact);
    await check('reciprocal', () => tf.reciprocal(pos()), exact);
    await check('rsqrt', () => tf.rsqrt(pos()), ULP);
    for (const op of ['exp', 'sigmoid', 'tanh', 'softplus', 'softsign', 'elu', 'selu', 'expm1', 'sin', 'cos'] as const) await check(op, () => tf[op](x()), { rtol: 4e-6, atol: 2e-7 });
    await check('log', () => tf.log(pos()), { rtol: 4e-6, atol: 2e-7 });
    await check('log1p', () => tf.log1p(r([31], 23, -0.9, 5)), { rtol: 4e-6, atol: 2e-7 });
    await check('erf', () => tf.erf(x()), { atol: 5e-7 });
    const unit = () => tf.concat([r([31], 28, -1.2, 1.2), tf.tensor([-1, 1, 0, -0, NaN])]);
    for (const op of ['asin', 'acos', 'atan'] as const) await check(op, () => tf[op](unit()), { rtol: 4e-6, atol: 2e-7 });
    await check('atan (large |x|)', () => tf.atan(x()), { rtol: 4e-6, atol: 2e-7 });
    const zs = [0, -0, 0, -0, 1, -1, 0, 0, NaN, 2];
    await check('atan2 (signed zeros, axes, NaN, broadcasting)', () => [tf.atan2(r([3, 5], 29, -2, 2), r([5], 30, -2, 2)),
      tf.atan2(tf.tensor(zs), tf.tensor([0, 0, -0, -0, 0, 0, -1, 1, 1, NaN]))], { rtol: 4e-6, atol: 2e-7 });
    await check('gelu', () => tf.gelu(x()), { atol: 5e-7, rtol: 4e-6 });
    await check('gelu approximate', () => tf.gelu(x(), true), { atol: 5e-7, rtol: 4e-6 });
    await check('leakyRelu (alpha as float32; the reference multiplies by the float64 alpha)', () => tf.leakyRelu(x(), 0.2), ULP);
    await check('clipByValue', () => tf.clipByValue(x(), -0.5, 0.7), exact);
    const special = () => tf.tensor([NaN, Infinity, -Infinity, 0, -1, 3.5]);
    await check('isNaN', () => tf.isNaN(special()));
    await check('isInf', () => tf.isInf(special()));
    await check('isFinite', () => tf.isFinite(special()));
    await check('relu NaN', () => tf.relu(special()));
    await check('int32 abs/neg/square', () => [tf.abs(ri([9], 24, -9, 9)), tf.neg(ri([9], 24, -9, 9)), tf.square(ri([9], 24, -9, 9))]);
    await check('cast', () => [tf.cast(r([7], 25, -5, 5), 'int32'), tf.cast(ri([7], 26, -3, 3), 'float32'), tf.cast(ri([7], 26, -3, 3), 'bool'), tf.cast(tf.greater(r([7], 27), 0), 'float32')]);
    await check('empty', () => [tf.exp(tf.zeros([0, 3])), tf.add(tf.zeros([2, 0]), tf.zeros([0]))]);
  });

  it('cumsum / cumprod on every axis, exclusive, reverse, int32, empty; topk', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    for (const axis of [0, 1, 2]) {
      for (const [ex, rev] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        await check(`cumsum ${axis} ${ex} ${rev}`, () => [tf.cumsum(r([3, 7, 5], 40 + axis), axis, ex, rev), tf.cumsum(ri([3, 7, 5], 41, -9, 9), axis, ex, rev)], FEW_ULP);
        await check(`cumprod ${axis} ${ex} ${rev}`, () => [tf.cumprod(r([3, 7, 5], 42 + axis, 0.5, 1.5), axis, ex, rev), tf.cumprod(ri([3, 7, 5], 43, -3, 3), axis, ex, rev)], FEW_ULP);
      }
    }
    const ties = () => tf.tensor([1, 5, 5, 2, NaN, 9, 0, 3, 3, 3, 3, 3, 3, 3], [2, 7]);
    for (const k of [0, 1, 4, 7]) await check(`topk ${k}`, () => { const r1 = tf.topk(ties(), k); return [r1.values, r1.indices]; }, { exact: true });
    await check('topk random, int32, empty', () => {
      const a1 = tf.topk(r([3, 5, 33], 44), 6);
      const b1 = tf.topk(ri([4, 9], 45, -4, 4), 5);
      const c1 = tf.topk(tf.zeros([0, 3]), 2);
      return [a1.values, a1.indices, b1.values, b1.indices, c1.values, c1.indices];
    }, { exact: true });
    await check('cumsum empty', () => [tf.cumsum(tf.zeros([2, 0, 3]), 1), tf.cumsum(tf.zeros([0, 4]), 1)], { exact: true });
  });

  it('reductions over any axes (float32 compensated sums)', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const shape = [3, 4, 5];
    for (const axes of [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]) {
      for (const keepDims of [false, true]) {
        await check(`sum ${axes} ${keepDims}`, () => tf.sum(r(shape, 31), axes, keepDims), FEW_ULP);
        await check(`mean ${axes}`, () => tf.mean(r(shape, 32), axes, keepDims), FEW_ULP);
        await check(`max ${axes}`, () => tf.max(r(shape, 33), axes, keepDims), { exact: true });
        await check(`min ${axes}`, () => tf.min(r(shape, 34), axes, keepDims), { exact: true });
      }
    }
    await check('prod', () => tf.prod(r([4, 6], 35, 0.5, 1.5), 1), FEW_ULP);
    await check('long sum', () => tf.sum(r([20000], 36, 0, 1)), { rtol: 2e-7 });
    await check('int32 sum/max', () => [tf.sum(ri([5, 7], 37, -100, 100), 0), tf.max(ri([5, 7], 37, -100, 100), 1), tf.prod(ri([5, 3], 38, -3, 4), 1)]);
    await check('bool all/any/sum', () => {
      const b = tf.greater(r([4, 6], 39), 0.3);
      return [tf.all(b, 1), tf.any(b, 0), tf.sum(b, 1)];
    });
    await check('empty reductions', () => [tf.sum(tf.zeros([0, 3]), 0), tf.max(tf.zeros([0, 3]), 0), tf.mean(tf.zeros([2, 0]), 1)]);
    await check('argMax/argMin', () => {
      const x = tf.concat([r([4, 6], 40).round(), tf.tensor([[1, NaN, 3, 3, 0, NaN]])]);
      return [tf.argMax(x, 1), tf.argMin(x, 1), tf.argMax(x, 0), tf.argMin(r([3, 4, 5], 41), 1)];
    });
  });

  it('softmax family', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    await check('softmax', () => [tf.softmax(r([5, 7], 51, -5, 5)), tf.softmax(r([3, 1], 52))], FEW_ULP);
    await check('logSoftmax', () => tf.logSoftmax(r([5, 7], 53, -5, 5)), FEW_ULP);
    const labels = () => tf.softmax(r([5, 7], 54));
    await check('softmaxCrossEntropyWithLogits', () => tf.softmaxCrossEntropyWithLogits(labels(), r([5, 7], 55, -3, 3)), FEW_ULP);
    await check('sparseSoftmaxCrossEntropyWithLogits', () => tf.sparseSoftmaxCrossEntropyWithLogits(ri([5], 56, 0, 7), r([5, 7], 57, -3, 3)), FEW_ULP);
    await check('sigmoidCrossEntropyWithLogits', () => tf.sigmoidCrossEntropyWithLogits(r([4, 3], 58, 0, 1), r([4, 3], 59, -4, 4)), FEW_ULP);
    await check('softmax CE gradient', () => {
      const z = labels();
      return tf.grad((x: T) => tf.mean(tf.softmaxCrossEntropyWithLogits(z, x)))(r([5, 7], 60, -3, 3));
    }, FEW_ULP);
  });

  it('data movement: transpose, slices, pad, concat, tile, gather, segments, one-hot', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const x = () => r([3, 4, 5], 61);
    const exact = { exact: true };
    await check('transpose', () => [tf.transpose(x(), [2, 0, 1]), tf.transpose(x(), [1, 0, 2]), tf.transpose(r([6, 7], 62))], exact);
    await check('slice', () => [tf.slice(x(), [1, 0, 2], [2, 3, 2]), tf.slice(x(), [0, 1, 0], [3, 0, 5])], exact);
    await check('stridedSlice', () => tf.stridedSlice(x(), [0, 3, 1], [3, 0, 5], [2, -1, 2]), exact);
    await check('reverse', () => [tf.reverse(x(), [0, 2]), tf.reverse(x(), 1)], exact);
    await check('split', () => tf.split(x(), [1, 3], 1), exact);
    await check('pad', () => tf.pad(x(), [[1, 0], [0, 2], [1, 1]], 0.5), exact);
    await check('concat', () => [tf.concat([x(), r([3, 2, 5], 63), r([3, 0, 5], 64)], 1), tf.concat([ri([2, 2], 65, 0, 9), ri([1, 2], 66, 0, 9)], 0)], exact);
    await check('tile', () => tf.tile(r([2, 3], 67), [2, 1]), exact);
    await check('broadcastTo', () => tf.broadcastTo(r([3, 1], 68), [2, 3, 4]), exact);
    await check('gather', () => [tf.gather(x(), tf.tensor([2, 0, 2], [3], 'int32'), 1), tf.gather(r([5, 2], 69), ri([2, 2], 70, 0, 5))], exact);
    await check('unsortedSegmentSum', () => tf.unsortedSegmentSum(r([6, 3], 71), tf.tensor([0, 2, 0, 1, 2, 2], [6], 'int32'), 4), FEW_ULP);
    await check('oneHot', () => tf.oneHot(tf.tensor([0, 3, 1, 9], [4], 'int32'), 4), exact);
    await check('range/linspace', () => [tf.range(0, 7, 2), tf.linspace(0, 1, 5)], exact);
    await check('gather gradient (unsortedSegmentSum)', () => tf.grad((p: T) => tf.sum(tf.gather(p, tf.tensor([1, 1, 3], [3], 'int32'))))(r([4, 2], 72)), FEW_ULP);
  });

  it('convolution and pooling, forward and gradients', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const tol = { rtol: 2e-6, atol: 2e-6 };
    for (const [stride, pad, dil] of [[1, 'valid', 1], [2, 'same', 1], [1, 'same', 2]] as const) {
      const x = () => r([2, 7, 6, 3], 81);
      const w = () => r([3, 2, 3, 4], 82);
      const name = `s${stride} ${pad} d${dil}`;
      await check(`conv2d ${name}`, () => [tf.conv2d(x(), w(), stride, pad, 'NHWC', dil), tf.conv2d(x(), r([2, 2, 3, 3], 88), stride, pad, 'NHWC', dil)], tol);
      await check(`conv2d ${name} bit-identical to wasm`, () => [tf.conv2d(x(), w(), stride, pad, 'NHWC', dil), tf.conv2d(x(), r([2, 2, 3, 3], 88), stride, pad, 'NHWC', dil)], { exact: true }, 'wasm');
      await check(`conv2d filter gradient ${name} bit-identical to wasm`, () => [4, 3].map((oc) => tf.grad((b: T) => tf.sum(tf.mul(tf.conv2d(x(), b, stride, pad, 'NHWC', dil), 1.5)))(r([3, 2, 3, oc], 89))), { exact: true }, 'wasm');
      await check(`conv2d grads ${name}`, () => tf.grads((a: T, b: T) => tf.sum(tf.square(tf.conv2d(a, b, stride, pad, 'NHWC', dil))))([x(), w()]), { rtol: 5e-6, atol: 5e-6 });
      await check(`depthwise ${name}`, () => tf.depthwiseConv2d(x(), r([3, 2, 3, 2], 83), stride, pad, 'NHWC', dil), tol);
      await check(`depthwise grads ${name}`, () => tf.grads((a: T, b: T) => tf.sum(tf.square(tf.depthwiseConv2d(a, b, stride, pad, 'NHWC', dil))))([x(), r([3, 2, 3, 2], 83)]), { rtol: 5e-6, atol: 5e-6 });
    }
    for (const [size, stride, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'same']] as const) {
      const x = () => r([2, 7, 6, 3], 84).round();
      await check(`maxPool ${size} ${stride} ${pad}`, () => tf.maxPool(x(), size, stride, pad));
      await check(`maxPool grad ${size}`, () => tf.grad((a: T) => tf.sum(tf.mul(tf.maxPool(a, size, stride, pad), r([2, pad === 'same' ? Math.ceil(7 / stride) : 3, pad === 'same' ? Math.ceil(6 / stride) : 3, 3], 85))))(x()), FEW_ULP);
      await check(`avgPool ${size} ${stride} ${pad}`, () => tf.avgPool(r([2, 7, 6, 3], 86), size, stride, pad), FEW_ULP);
      await check(`avgPool grad ${size}`, () => tf.grad((a: T) => tf.sum(tf.square(tf.avgPool(a, size, stride, pad))))(r([2, 7, 6, 3], 87)), FEW_ULP);
    }
  });

  it('GEMM: every transposed form and batch broadcast, bit-identical to wasm (blocked and tiled programs)', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    for (const kind of ['blocked', 'tiled'] as const) {
      GEMM_CHOICE.set(gpu.be!, kind);
      for (const [m, k, n] of [[1, 1, 1], [5, 7, 3], [13, 70, 9], [66, 17, 65]] as const) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            await check(`${kind} matMul ${m}x${k}x${n} ${ta} ${tb}`, () => tf.matMul(r(ta ? [k, m] : [m, k], m + k), r(tb ? [n, k] : [k, n], n + 2 * k), ta, tb), { exact: true }, 'wasm');
          }
        }
      }
      await check(`${kind} batched broadcast`, () => tf.matMul(r([3, 4, 6], 91), r([1, 6, 5], 92)), { exact: true }, 'wasm');
      await check(`${kind} empty and k = 0`, () => [tf.matMul(r([0, 3], 93), r([3, 4], 94)), tf.matMul(tf.zeros([2, 0]), tf.zeros([0, 3]))], { exact: true }, 'wasm');
      await check(`${kind} fused matMul + bias + relu`, () => tf.fused.matMul({ a: r([9, 11], 95), b: r([11, 6], 96), bias: r([6], 97), activation: 'relu' }), { exact: true }, 'wasm');
    }
    GEMM_CHOICE.delete(gpu.be!);
    await check('matMul vs reference (float64 sums)', () => tf.matMul(r([17, 300], 98), r([300, 5], 99)), { rtol: 1e-5, atol: 1e-5 });
  });

  it('dropout draws the same masks as every backend; optimizer updates are bit-identical to wasm', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const drop = () => {
      tf.setSeed(7);
      return [tf.dropout(r([5, 37], 101), 0.3), tf.dropout(r([3, 1], 102), 0.5, null, 4), tf.dropout(r([1001], 103), 0.9)];
    };
    await check('dropout', drop, { exact: true });
    await check('dropout vs wasm', drop, { exact: true }, 'wasm');
    await check('dropout gradient', () => {
      tf.setSeed(8);
      return tf.grad((x: T) => tf.sum(tf.mul(tf.dropout(x, 0.4), r([6, 7], 104))))(r([6, 7], 105));
    }, { exact: true });
    // The fused optimizer kernels run on the GPU (no fallback to the composition).
    for (const k of ['AdamUpdate', 'SGDUpdate', 'RMSpropUpdate']) assert.ok(k in gpu.be!.kernels, `webgpu has ${k}`);
    for (const opt of ['adam', 'sgd', 'momentum', 'rmsprop', 'rmspropCentered'] as const) {
      await check(`optimizer ${opt}`, () => {
        const o = opt === 'adam' ? new tf.Adam({ learningRate: 0.01 }) : opt === 'sgd' ? new tf.SGD({ learningRate: 0.1 }) : opt === 'momentum' ? new tf.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true })
          : new tf.RMSprop({ learningRate: 0.01, centered: opt === 'rmspropCentered', momentum: opt === 'rmspropCentered' ? 0.5 : 0 });
        const v = tf.variable(r([7, 3], 106), true, `v_${opt}`);
        const w = tf.variable(r([5], 107), true, `w_${opt}`);
        for (let s = 0; s < 3; s++) o.applyGradients([[r([7, 3], 108 + s), v], [r([5], 111 + s), w]]);
        return [v.read(), w.read()];
      }, { exact: true }, 'wasm');
    }
  });

  it('fused batch norm, forward and backward', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const cpu = new tf.ReferenceBackend();
    const info = (v: Float32Array, shape: number[]) => ({ dataId: cpu.write(v, shape, 'float32'), shape, dtype: 'float32' as const });
    const xs = rand(6 * 5 * 4, 121, -2, 3);
    const sc = rand(4, 122, 0.5, 1.5);
    const of = rand(4, 123);
    const dy = rand(6 * 5 * 4, 124);
    const want = (referenceBatchNormKernels['FusedBatchNorm']!({ inputs: { x: info(xs, [6, 5, 4]), scale: info(sc, [4]), offset: info(of, [4]) }, attrs: { epsilon: 1e-3 }, backend: cpu }) as tf.TensorInfo[]).map((o) => cpu.readSync(o.dataId));
    await tf.setBackend('webgpu');
    const outs = tf.ENGINE.runKernelMulti('FusedBatchNorm', { x: tf.tensor(xs, [6, 5, 4]), scale: tf.tensor(sc), offset: tf.tensor(of) }, { epsilon: 1e-3 });
    for (let i = 0; i < 3; i++) {
      const d = compare(await outs[i]!.data(), want[i]!, 1e-6, 2e-6);
      assert.equal(d.mismatches, 0, `FusedBatchNorm output ${i}: ${d.first}`);
    }
    const mv = want.slice(1, 3) as Float32Array[];
    const gwant = (referenceBatchNormKernels['FusedBatchNormGrad']!({ inputs: { dy: info(dy, [6, 5, 4]), x: info(xs, [6, 5, 4]), scale: info(sc, [4]), mean: info(mv[0]!, [4]), variance: info(mv[1]!, [4]) }, attrs: { epsilon: 1e-3 }, backend: cpu }) as tf.TensorInfo[]).map((o) => cpu.readSync(o.dataId));
    const gouts = tf.ENGINE.runKernelMulti('FusedBatchNormGrad', { dy: tf.tensor(dy, [6, 5, 4]), x: tf.tensor(xs, [6, 5, 4]), scale: tf.tensor(sc), mean: tf.tensor(mv[0]!), variance: tf.tensor(mv[1]!) }, { epsilon: 1e-3 });
    for (let i = 0; i < 3; i++) {
      const d = compare(await gouts[i]!.data(), gwant[i]!, 2e-6, 5e-6);
      assert.equal(d.mismatches, 0, `FusedBatchNormGrad output ${i}: ${d.first} (max abs ${d.maxAbs})`);
    }
  });

  it('the TF.js compositions (tf.image, tf.linalg, gatherND, scatterND, mirrorPad, LRN, ...) run on GPU-resident inputs', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    // Inputs made by a kernel (so on the GPU under webgpu), indices from the host.
    const img = () => tf.add(r([2, 5, 6, 3], 80), 0);
    const idx = () => tf.tensor([[1, 0, 2], [0, 4, 5]], [2, 3], 'int32');
    await check('image', () => [tf.image.resizeBilinear(img(), [7, 4]), tf.image.resizeBilinear(img(), [3, 9], false, true), tf.image.resizeNearestNeighbor(img(), [8, 3], true),
      tf.image.flipLeftRight(img()), tf.image.rgbToGrayscale(img()),
      tf.image.cropAndResize(img(), tf.add(tf.tensor([[0.1, 0.2, 0.8, 0.9], [0.3, 0.1, 0.6, 1.2]]), 0), tf.tensor([1, 0], [2], 'int32'), [3, 4], 'bilinear', -1)], FEW_ULP);
    await check('gatherND, scatterND, tensorScatterUpdate', () => [tf.gatherND(img(), idx()),
      tf.scatterND(tf.tensor([[1], [3], [1]], [3, 1], 'int32'), tf.add(r([3, 4], 81), 0), [5, 4]),
      tf.tensorScatterUpdate(tf.add(r([5, 4], 82), 0), tf.tensor([[1], [3], [1]], [3, 1], 'int32'), tf.add(r([3, 4], 83), 0))], FEW_ULP);
    await check('mirrorPad, spaceToBatchND, batchToSpaceND, depthToSpace, diag, LRN', () => [tf.mirrorPad(tf.add(r([3, 4], 84), 0), [[1, 2], [3, 0]], 'reflect'),
      tf.spaceToBatchND(img(), [1, 2], [[0, 1], [0, 0]]), tf.batchToSpaceND(tf.add(r([4, 2, 3, 1], 85), 0), [2, 2], [[0, 1], [1, 0]]),
      tf.depthToSpace(tf.add(r([1, 2, 3, 8], 86), 0), 2), tf.diag(tf.add(r([3], 87), 0)), tf.localResponseNormalization(img(), 1, 1.5, 0.5, 0.75)], FEW_ULP);
    await check('linalg, einsum', () => [tf.linalg.bandPart(tf.add(r([2, 4, 4], 88), 0), 1, 0), ...tf.linalg.qr(tf.add(r([4, 3], 89), 0)),
      tf.linalg.gramSchmidt(tf.add(r([2, 3], 90), 0)) as tf.Tensor, tf.einsum('bij,bjk->bik', tf.add(r([2, 3, 4], 91), 0), tf.add(r([2, 4, 2], 92), 0))], { rtol: 1e-5, atol: 1e-6 });
    await tf.setBackend('webgpu');
    assert.deepEqual(Array.from((await tf.image.nonMaxSuppressionAsync(tf.add(tf.tensor([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 5, 1, 6]]), 0), tf.add(tf.tensor([0.9, 0.8, 0.7]), 0), 3)).dataSync()), [0, 2]);
    assert.deepEqual(Array.from((await tf.whereAsync(tf.greater(tf.add(tf.tensor([1, -1, 2]), 0), 0))).dataSync()), [0, 2]);
  });

  it('reading: await data() works, dataSync() on a GPU result throws a clear error; no kernel silently falls back', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    await tf.setBackend('webgpu');
    const y = tf.exp(tf.tensor([1, 2, 3]));
    assert.throws(() => y.dataSync(), /cannot read it synchronously: use `await t.data\(\)`/);
    const d = compare(await y.data(), new Float32Array([Math.E, Math.exp(2), Math.exp(3)]), 0, 4e-7);
    assert.equal(d.mismatches, 0, d.first);
    assert.equal(y.dataSync().length, 3, 'after an await, the values are on the host');
    assert.deepEqual(tf.tensor([4, 5]).dataSync(), new Float32Array([4, 5]), 'uploaded values are readable synchronously');
    const missing = Object.keys(tf.ENGINE.findBackend('reference')!.kernels).filter((k) => !(k in WEBGPU_KERNELS));
    assert.deepEqual(missing, [], 'every reference kernel has a WebGPU implementation');
    assert.deepEqual([...gpu.be!.fallbacks.keys()].filter((k) => !['GatherV2', 'SparseSoftmaxCrossEntropyWithLogits', 'UnsortedSegmentSum', 'BatchMatMul'].includes(k)), []);
  });

  it('memory: disposed and collected tensors give their buffers back (pool reuse, no growth)', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    await tf.setBackend('webgpu');
    const w = tf.tensor(rand(32 * 32, 131), [32, 32]);
    const step = () => tf.relu(tf.matMul(tf.add(w, 1), w));
    // Never disposed: when the garbage collector reclaims the tensors, the finalization
    // registry returns their buffers to the pool (its callbacks run between event-loop turns).
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const cycle = async (): Promise<number> => {
      for (let i = 1; i <= 300; i++) {
        const y = step();
        if (i % 100 === 0) await y.data();
      }
      // Two collections, each followed by event-loop turns for the finalization callbacks: one
      // full GC can leave some of the dead tensors for the next.
      for (let k = 0; k < 2; k++) {
        gc();
        await new Promise((res) => setTimeout(res, 20));
        await new Promise((res) => setImmediate(res));
      }
      await gpu.be!.sync();
      return gpu.be!.memory().numBytesAllocated;
    };
    const live0 = gpu.be!.memory().numBytesExternal;
    const a1 = await cycle();
    const a2 = await cycle();
    const a3 = await cycle();
    assert.ok(gpu.be!.memory().reclaimedByGC >= 900 * 3, `the GC reclaimed ${gpu.be!.memory().reclaimedByGC} buffers`);
    assert.ok(gpu.be!.memory().numBytesExternal - live0 < 64 * 1024, 'collected tensors hold no GPU memory');
    assert.ok(a3 <= a2, `GPU bytes allocated after each cycle: ${a1}, ${a2}, ${a3} (the pool is reused)`);
    const x = tf.tensor(rand(1000, 132));
    const y = tf.exp(x);
    await y.data();
    const live = gpu.be!.memory().numDataBuffers;
    tf.dispose([x, y]);
    assert.equal(gpu.be!.memory().numDataBuffers, live - 2);
  });
});
