/**
 * The shared kernel-conformance suite (TF.js's `describeWithFlags` idea): one list of cases, run
 * by `test/kernel_conformance.test.ts` on every backend present — native, wasm, webgpu where an
 * adapter exists, and any backend added later — against the reference backend. A case is a small
 * program of public ops (forward and gradients, odd shapes, broadcasting, empty tensors) whose
 * kernels the backend runs; `exact` cases must give the reference's bits (one IEEE float32
 * operation per element, or data movement), the others agree within `tol` (relative, with an
 * absolute floor of `tol`). The runner also records which kernels the cases reach, so that a
 * backend's own kernels are all covered.
 */
import * as tf from '../src/index.ts';
import { rand } from './webgpu_util.ts';

export interface ConformanceCase {
  name: string;
  run: () => tf.Tensor | tf.Tensor[];
  /** Bit for bit equal to the reference backend (±0 distinguished). */
  exact?: boolean;
  /** Relative tolerance otherwise (default 1e-5). */
  tol?: number;
  /** Backends that round differently on an `exact` case (say why), compared within this tolerance. */
  close?: Partial<Record<string, number>>;
}

const t = (shape: number[], seed: number, lo = -1, hi = 1) => tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape);

/** Shape pairs for binary ops: same shape, two-way broadcast, scalar, empty. */
const PAIRS: [number[], number[]][] = [[[7, 3], [7, 3]], [[3, 1, 5], [4, 5]], [[], [2, 3]], [[0, 3], [0, 3]]];

const binary: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum], ['minimum', tf.minimum],
  ['squaredDifference', tf.squaredDifference],
  ['greater', tf.greater], ['greaterEqual', tf.greaterEqual], ['less', tf.less], ['lessEqual', tf.lessEqual],
  ['equal', tf.equal], ['notEqual', tf.notEqual],
];

const unaryExact: [string, (x: tf.Tensor) => tf.Tensor][] = [
  ['neg', tf.neg], ['abs', tf.abs], ['square', tf.square], ['relu', tf.relu], ['sqrt', (x) => tf.sqrt(tf.abs(x))],
];
const unaryClose: [string, (x: tf.Tensor) => tf.Tensor][] = [
  ['sigmoid', tf.sigmoid], ['tanh', tf.tanh], ['exp', tf.exp], ['log', (x) => tf.log(tf.add(tf.abs(x), 0.1))],
  ['log1p', (x) => tf.log1p(tf.abs(x))], ['expm1', tf.expm1], ['rsqrt', (x) => tf.rsqrt(tf.add(tf.abs(x), 0.1))],
  ['reciprocal', (x) => tf.reciprocal(tf.add(tf.abs(x), 0.1))], ['sin', tf.sin], ['cos', tf.cos], ['erf', tf.erf],
  ['elu', tf.elu], ['selu', tf.selu], ['softplus', tf.softplus], ['softsign', tf.softsign], ['gelu', (x) => tf.gelu(x)],
];
const unaryMore: [string, (x: tf.Tensor) => tf.Tensor][] = [
  ['sign', tf.sign], ['floor', tf.floor], ['ceil', tf.ceil], ['round', tf.round], ['relu6', (x) => tf.relu6(tf.mul(x, 4))],
  ['leakyRelu', (x) => tf.leakyRelu(x, 0.2)], ['clipByValue', (x) => tf.clipByValue(x, -0.5, 0.25)], ['identity (clone)', tf.clone],
  ['cast to int32 and back', (x) => tf.cast(tf.cast(tf.mul(x, 3), 'int32'), 'float32')],
];

/** sum(f(x)·w) and its gradient with respect to each input. */
function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], seed: number): tf.Tensor[] {
  const y = f(...xs);
  const w = t(y.shape, seed, 0.5, 1.5);
  const gs = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w)))(xs);
  return [y, ...gs];
}

export const CASES: ConformanceCase[] = [
  ...binary.flatMap(([name, f]) =>
    PAIRS.map(([sa, sb], i): ConformanceCase => ({
      name: `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
      // Equal values in places, so that comparisons see ties.
      run: () => {
        const a = t(sa, 10 + i);
        const b = sb.length === sa.length && sb.every((d, k) => d === sa[k]) ? tf.where(tf.greater(a, 0.5), a, t(sb, 20 + i)) : t(sb, 20 + i);
        return f(a, b);
      },
      exact: true,
      // webgpu rounds (a − b) to float32 before squaring; the reference rounds (a − b)² once.
      ...(name === 'squaredDifference' ? { close: { webgpu: 3e-7 } } : {}),
    })),
  ),
  ...unaryExact.map(([name, f]): ConformanceCase => ({ name, run: () => [f(t([5, 13], 30)), f(t([0, 2], 31))], exact: true })),
  ...unaryClose.map(([name, f]): ConformanceCase => ({ name, run: () => [f(t([5, 13], 32, -4, 4)), f(t([0], 33))], tol: 2e-6 })),
  ...unaryMore.map(([name, f]): ConformanceCase => ({
    name,
    run: () => [f(t([5, 13], 34, -3, 3)), f(t([0, 2], 35))],
    exact: true,
    // webgpu: round(−0.4) is +0 (the reference: −0); leakyRelu multiplies by f32(α) in float32.
    ...(name === 'round' || name === 'leakyRelu' ? { close: { webgpu: 3e-7 } } : {}),
  })),
  {
    name: 'asin, acos, atan, atan2 and their gradients',
    run: () => [
      ...withGrads((x) => tf.asin(x), [t([4, 5], 60, -0.95, 0.95)], 61),
      ...withGrads((x) => tf.acos(x), [t([4, 5], 62, -0.95, 0.95)], 63),
      ...withGrads((x) => tf.atan(x), [t([4, 5], 64, -5, 5)], 65),
      ...withGrads((a, b) => tf.atan2(a, b), [t([3, 4], 66, -2, 2), t([4], 67, -2, 2)], 68),
      tf.asin(t([0, 3], 69)),
    ],
    tol: 2e-6,
  },
  {
    name: 'cumsum, cumprod (exclusive, reverse, int32) and their gradients',
    run: () => [
      ...withGrads((x) => tf.cumsum(x, 1, true), [t([3, 6, 2], 70)], 71),
      ...withGrads((x) => tf.cumprod(x, 0, false, true), [t([4, 3], 72, 0.5, 1.5)], 73),
      tf.cumsum(tf.cast(tf.mul(t([5, 4], 74), 9), 'int32'), 0),
      tf.cumprod(tf.cast(tf.mul(t([3, 4], 75), 3), 'int32'), 1, false, true),
      tf.cumsum(t([2, 0], 76), 1),
    ],
    tol: 2e-6,
  },
  {
    name: 'topk (ties, int32) and its gradient',
    run: () => {
      const x = tf.floor(tf.mul(t([4, 9], 77), 3));
      const a = tf.topk(x, 4);
      const b = tf.topk(tf.cast(x, 'int32'), 9);
      return [a.values, a.indices, b.values, b.indices, ...withGrads((y) => tf.topk(y, 3).values, [t([3, 8], 78)], 79)];
    },
    exact: true,
  },
  {
    name: 'floorDiv, floorMod, pow, prelu',
    run: () => [
      tf.floorDiv(t([4, 5], 36, -9, 9), t([5], 37, 1, 3)),
      tf.mod(t([4, 5], 38, -9, 9), t([5], 39, 1, 3)),
      tf.pow(t([3, 4], 46, 0.1, 2), t([4], 47, -2, 2)),
      tf.prelu(t([3, 4], 48), t([4], 49, 0, 0.5)),
    ],
    tol: 2e-6,
  },
  {
    name: 'logical ops and value tests',
    run: () => {
      const a = tf.greater(t([3, 4], 52), 0);
      const b = tf.less(t([4], 53), 0.3);
      const x = tf.div(t([7], 54), tf.tensor([0, 1, 0, 2, 3, -0, 1]));
      return [tf.logicalAnd(a, b), tf.logicalOr(a, b), tf.logicalNot(a), tf.isNaN(x), tf.isFinite(x), tf.isInf(x), tf.all(a, 1), tf.any(a, 0)];
    },
    exact: true,
  },
  {
    name: 'max, min, prod, argMax, argMin',
    run: () => {
      const x = t([3, 5, 4], 55);
      return [tf.max(x, 1), tf.min(x, [0, 2]), tf.prod(t([3, 4], 56, 0.5, 1.5), 1), tf.argMax(x, 2), tf.argMin(x, 0)];
    },
    tol: 2e-6,
  },
  {
    name: 'stridedSlice and its gradient, reverse, split, tile',
    run: () => {
      const x = t([5, 6], 57);
      return [
        ...withGrads((y) => tf.stridedSlice(y, [1, 0], [5, 6], [2, 3]), [x], 58),
        tf.reverse(x, 1),
        ...tf.split(x, [2, 4], 1),
        tf.tile(t([2, 3], 59), [2, 2]),
      ];
    },
    exact: true,
  },
  {
    name: 'oneHot, range, linspace',
    run: () => [tf.oneHot(tf.tensor([0, 3, 1, 1], [4], 'int32'), 4), tf.range(0, 7, 2), tf.range(3, -2, -1.5), tf.linspace(0, 1, 5)],
    tol: 1e-7,
  },
  { name: 'select (where) with broadcasting', run: () => tf.where(tf.greater(t([4, 1], 40), 0), t([4, 6], 41), t([6], 42)), exact: true },
  { name: 'broadcastTo', run: () => [tf.broadcastTo(t([3, 1], 43), [2, 3, 4]), tf.broadcastTo(t([1, 4], 44), [3, 4]), tf.broadcastTo(t([], 45), [2, 2])], exact: true },
  {
    name: 'sum and mean over axes, keepDims, all, empty',
    run: () => {
      const x = t([3, 5, 7], 50);
      return [tf.sum(x, 1), tf.sum(x, [0, 2], true), tf.sum(x), tf.mean(x, -1), tf.mean(x, [0, 1]), tf.sum(t([0, 4], 51), 0)];
    },
    tol: 1e-6,
  },
  {
    name: 'matMul: plain, transposed, batched with broadcast, empty',
    run: () => [
      tf.matMul(t([5, 7], 60), t([7, 3], 61)),
      tf.matMul(t([7, 5], 62), t([3, 7], 63), true, true),
      tf.matMul(t([2, 4, 6], 64), t([1, 6, 3], 65)),
      tf.matMul(t([0, 4], 66), t([4, 3], 67)),
      tf.matMul(t([3, 0], 68), t([0, 2], 69)),
    ],
  },
  {
    name: 'matMul gradients',
    run: () => withGrads((a, b) => tf.matMul(a, b, false, true), [t([4, 6], 70), t([5, 6], 71)], 72),
  },
  {
    name: 'conv2d forward and gradients (same, stride 2; valid, dilation 2)',
    run: () => [
      ...withGrads((x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'), [t([2, 7, 6, 3], 80), t([3, 2, 3, 4], 81)], 82),
      ...withGrads((x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid', 'NHWC', 2), [t([1, 8, 7, 2], 83), t([2, 3, 2, 3], 84)], 85),
    ],
    tol: 1e-5,
  },
  {
    name: 'depthwiseConv2d forward and gradients',
    run: () => withGrads((x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), [t([2, 5, 6, 3], 90), t([3, 3, 3, 2], 91)], 92),
    tol: 1e-5,
  },
  {
    name: 'maxPool and avgPool forward and gradients',
    run: () => [
      ...withGrads((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), [t([2, 6, 5, 3], 100)], 101),
      ...withGrads((x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'), [t([1, 7, 7, 2], 102)], 103),
    ],
    tol: 1e-6,
  },
  { name: 'softmax and logSoftmax', run: () => [tf.softmax(t([4, 9], 110, -5, 5)), tf.logSoftmax(t([3, 1, 7], 111, -5, 5)), tf.softmax(t([2, 1], 112))], tol: 2e-6 },
  {
    name: 'softmax cross-entropy with logits and its gradient',
    run: () => withGrads((l) => tf.softmaxCrossEntropyWithLogits(tf.softmax(t([5, 6], 120)), l), [t([5, 6], 121, -3, 3)], 122),
    tol: 2e-6,
  },
  { name: 'sigmoid and tanh gradients', run: () => withGrads((x) => tf.add(tf.sigmoid(x), tf.tanh(x)), [t([3, 11], 130, -3, 3)], 131), tol: 2e-6 },
  {
    name: 'gather along axes, with repeats',
    run: () => [tf.gather(t([5, 4], 140), tf.tensor([3, 0, 4, 4], [4], 'int32')), tf.gather(t([2, 5, 3], 141), tf.tensor([1, 1, 0], [3], 'int32'), 1)],
    exact: true,
  },
  {
    name: 'slice, pad, concat, transpose, reshape',
    run: () => {
      const x = t([4, 5, 3], 150);
      return [tf.slice(x, [1, 0, 1], [2, 5, 2]), tf.pad(x, [[1, 0], [0, 2], [1, 1]], 0.5), tf.concat([x, x], 1), tf.transpose(x, [2, 0, 1]), tf.reshape(x, [12, 5])];
    },
    exact: true,
  },
  {
    name: 'sparse and sigmoid cross-entropy with logits and their gradients',
    run: () => [
      ...withGrads((l) => tf.sparseSoftmaxCrossEntropyWithLogits(tf.tensor([2, 0, 5, 1], [4], 'int32'), l), [t([4, 6], 123, -3, 3)], 124),
      ...withGrads((l) => tf.sigmoidCrossEntropyWithLogits(t([3, 5], 125, 0, 1), l), [t([3, 5], 126, -3, 3)], 127),
    ],
    tol: 2e-6,
  },
  {
    name: 'maxPool second order (the gradient of its gradient)',
    run: () => {
      const x = t([1, 4, 4, 2], 104);
      const g = (y: tf.Tensor) => tf.grad((z: tf.Tensor) => tf.sum(tf.square(tf.maxPool(z as tf.Tensor4D, 2, 2, 'valid'))))(y);
      return [g(x), tf.grad((y: tf.Tensor) => tf.sum(tf.mul(g(y), t([1, 4, 4, 2], 105))))(x)];
    },
    tol: 1e-6,
  },
  {
    name: 'unsortedSegmentSum',
    run: () => tf.unsortedSegmentSum(t([6, 4], 160), tf.tensor([2, 0, 2, 1, 0, 2], [6], 'int32'), 4),
    tol: 1e-6,
  },
  {
    name: 'relu and gradient through the same ops',
    run: () => withGrads((x) => tf.relu(tf.mul(x, 2)), [t([4, 7], 170)], 171),
    exact: true,
  },
];
