/**
 * `tf.metrics`: Keras's metric objects by factory (`tf.metrics.precision({thresholds})`, ...)
 * and TF.js's metric FUNCTIONS of (yTrue, yPred) under TF.js's names, which TF.js programs call
 * directly (`tf.metrics.binaryAccuracy(yTrue, yPred)`). Where one name is both (`precision`,
 * `recall`, `meanSquaredError`, `meanAbsoluteError`), two tensors make it the function, an options
 * object (or nothing) the metric object.
 *
 * TF.js's definitions: per-sample values (mean over the last axis) for the accuracies, the
 * crossentropies, MSE, MAE, MAPE and cosine proximity (−Σ ŷ·p̂ of the L2-normalized rows);
 * scalars for precision = TP / (TP + FP), recall = TP / (TP + FN) over 0/1 tensors (0 when the
 * denominator is 0) and r2Score = 1 − Σ(y − p)² / Σ(y − ȳ)².
 */
import { fail } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';
import { abs } from '../ops/abs.ts';
import { cast } from '../ops/cast.ts';
import { equal } from '../ops/compare.ts';
import { clipByValue } from '../ops/clip_by_value.ts';
import { div } from '../ops/div.ts';
import { logicalAnd } from '../ops/logical.ts';
import { mean } from '../ops/mean.ts';
import { mul } from '../ops/mul.ts';
import { neg } from '../ops/neg.ts';
import { square } from '../ops/square.ts';
import { sub } from '../ops/sub.ts';
import { sum } from '../ops/sum.ts';
import { add } from '../ops/add.ts';
import { maximum } from '../ops/maximum.ts';
import { sqrt } from '../ops/sqrt.ts';
import { scalar } from '../ops/creation.ts';
import { where } from '../ops/where.ts';
import { greater } from '../ops/compare.ts';
import { binaryCrossentropy, categoricalCrossentropy, EPSILON, meanAbsoluteError, meanSquaredError, sparseCategoricalCrossentropy } from '../losses/keras.ts';
import { binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy } from './keras_metrics.ts';
import { metricFactories } from './more_metrics.ts';

function pair(name: string, yTrue: unknown, yPred: unknown): [Tensor, Tensor] {
  if (!(yTrue instanceof Tensor) || !(yPred instanceof Tensor)) fail(`metrics.${name}`, `expected (yTrue, yPred) tensors, received ${typeof yTrue} and ${typeof yPred}`);
  return [cast(yTrue, 'float32'), cast(yPred, 'float32')];
}

/** How many elements have yTrue = t and yPred = p. */
function count(yTrue: Tensor, yPred: Tensor, t: number, p: number): Tensor {
  return sum(cast(logicalAnd(equal(yTrue, t), equal(yPred, p)), 'float32'));
}

/** num / (num + other), 0 when both are 0. */
function ratio(num: Tensor, other: Tensor): Tensor {
  const den = add(num, other);
  const pos = greater(den, 0);
  return where(pos, div(num, where(pos, den, scalar(1))), scalar(0));
}

/** Rows scaled to unit L2 norm (TF.js's l2Normalize: x / √max(Σx², 1e-12)). */
function l2Normalize(x: Tensor): Tensor {
  return div(x, sqrt(maximum(sum(square(x), -1, true), 1e-12)));
}

function precisionFn(yTrue: unknown, yPred: unknown): Tensor {
  const [t, p] = pair('precision', yTrue, yPred);
  return ratio(count(t, p, 1, 1), count(t, p, 0, 1));
}

function recallFn(yTrue: unknown, yPred: unknown): Tensor {
  const [t, p] = pair('recall', yTrue, yPred);
  return ratio(count(t, p, 1, 1), count(t, p, 1, 0));
}

function mape(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = pair('meanAbsolutePercentageError', yTrue, yPred);
  const d = abs(div(sub(t, p), clipByValue(abs(t), EPSILON, Number.MAX_VALUE)));
  return mul(mean(d, -1), 100);
}

function mse(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = pair('meanSquaredError', yTrue, yPred);
  return meanSquaredError(t, p);
}

function mae(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = pair('meanAbsoluteError', yTrue, yPred);
  return meanAbsoluteError(t, p);
}

function cosineProximity(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = pair('cosineProximity', yTrue, yPred);
  return neg(sum(mul(l2Normalize(t), l2Normalize(p)), -1));
}

function r2Score(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = pair('r2Score', yTrue, yPred);
  const ssRes = sum(square(sub(t, p)));
  const ssTot = sum(square(sub(t, mean(t))));
  return sub(1, div(ssRes, ssTot));
}

const isPair = (a: unknown, b: unknown) => a instanceof Tensor && b instanceof Tensor;

/** TF.js's function when called on two tensors, else Keras's metric factory (`precision`, `recall`, ...). */
function either<F extends (...args: never[]) => unknown>(fn: (yTrue: Tensor, yPred: Tensor) => Tensor, factory: F): F & ((yTrue: Tensor, yPred: Tensor) => Tensor) {
  return ((a?: unknown, b?: unknown) => (isPair(a, b) ? fn(a as Tensor, b as Tensor) : factory(a as never))) as F & ((yTrue: Tensor, yPred: Tensor) => Tensor);
}

export const metrics = {
  ...metricFactories,
  /** `precision(yTrue, yPred)` (TF.js's function) or `precision({thresholds, classId, name})` (Keras's metric). */
  precision: either(precisionFn, metricFactories.precision),
  recall: either(recallFn, metricFactories.recall),
  meanSquaredError: either(mse, metricFactories.meanSquaredError),
  meanAbsoluteError: either(mae, metricFactories.meanAbsoluteError),
  binaryAccuracy: (yTrue: Tensor, yPred: Tensor): Tensor => binaryAccuracy(...pair('binaryAccuracy', yTrue, yPred)),
  categoricalAccuracy: (yTrue: Tensor, yPred: Tensor): Tensor => categoricalAccuracy(...pair('categoricalAccuracy', yTrue, yPred)),
  sparseCategoricalAccuracy: (yTrue: Tensor, yPred: Tensor): Tensor => sparseCategoricalAccuracy(...pair('sparseCategoricalAccuracy', yTrue, yPred)),
  binaryCrossentropy: (yTrue: Tensor, yPred: Tensor): Tensor => binaryCrossentropy(...pair('binaryCrossentropy', yTrue, yPred)),
  categoricalCrossentropy: (yTrue: Tensor, yPred: Tensor): Tensor => categoricalCrossentropy(...pair('categoricalCrossentropy', yTrue, yPred)),
  sparseCategoricalCrossentropy: (yTrue: Tensor, yPred: Tensor): Tensor => sparseCategoricalCrossentropy(...pair('sparseCategoricalCrossentropy', yTrue, yPred)),
  meanAbsolutePercentageError: mape,
  MAPE: mape,
  mape,
  MSE: mse,
  mse,
  cosineProximity,
  r2Score,
};
