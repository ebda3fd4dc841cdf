/**
 * More Keras 3 metrics, stateful over an epoch (running totals, never averages of per-batch values):
 *
 *   topKCategoricalAccuracy(k=5)        mean over samples of [argmax(y) is among the k largest p]
 *   sparseTopKCategoricalAccuracy(k=5)  same with integer labels; "among the k largest" is
 *                                       TF's `in_top_k`: fewer than k classes score strictly
 *                                       higher than the label (ties at the boundary count as in),
 *                                       and a non-finite label score is never in
 *   Precision / Recall (threshold 0.5)  TP / (TP + FP) and TP / (TP + FN), counts summed over
 *                                       every update; a prediction is positive when p > threshold,
 *                                       a label when it is non-zero; 0 when the denominator is 0
 *   AUC (numThresholds=200, ROC)        thresholds [−ε, 1/(n−1), …, (n−2)/(n−1), 1+ε]; TP/FP/TN/FN
 *                                       per threshold (p > t); TPR = TP/(TP+FN), FPR = FP/(FP+TN);
 *                                       Keras's 'interpolation' summation:
 *                                       Σᵢ (FPRᵢ − FPRᵢ₊₁)·(TPRᵢ + TPRᵢ₊₁)/2
 *   MeanSquaredError / MeanAbsoluteError   means of the per-sample losses over every sample seen
 *   confusionMatrix(labels, predictions, numClasses)   int32 [n, n], rows = labels, columns = predictions
 *
 * Counting happens in float64 on the host (metrics never need gradients).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { tensor } from '../ops/creation.ts';
import { meanAbsoluteError, meanSquaredError } from '../losses/keras.ts';
import { MeanMetricWrapper, Metric } from './keras_metrics.ts';

const EPSILON = 1e-7;

function checkK(name: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) fail(name, `Received an invalid value for \`k\`, expected a positive integer. Received: k=${String(k)}`);
  return k;
}

/** TF `in_top_k` per row: fewer than k scores strictly above the target's, and the target's finite. */
function inTopK(name: string, scores: Tensor, targets: ArrayLike<number>, k: number): Tensor {
  if (scores.rank !== 2) fail(name, `predictions must have shape [batch, classes], received ${fmtShape(scores.shape)}`);
  const [n, c] = scores.shape as [number, number];
  if (targets.length !== n) fail(name, `expected ${n} labels (one per prediction row), received ${targets.length}`);
  const p = scores.dataSync();
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= c) fail(name, `label ${t} of sample ${i} is out of range [0, ${c})`);
    const v = p[i * c + t]!;
    if (!Number.isFinite(v)) {
      out[i] = 0;
      continue;
    }
    let above = 0;
    for (let j = 0; j < c; j++) if (p[i * c + j]! > v) above++;
    out[i] = above < k ? 1 : 0;
  }
  return tensor(out, [n], 'float32');
}

/** Per-sample 0/1: the one-hot label's class is among the top k predictions. */
export function topKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  checkK('topKCategoricalAccuracy', k);
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    fail('topKCategoricalAccuracy', `labels and predictions must have the same shape: labels are ${fmtShape(yTrue.shape)}, predictions ${fmtShape(yPred.shape)}`);
  }
  if (yTrue.rank !== 2) fail('topKCategoricalAccuracy', `labels must have shape [batch, classes], received ${fmtShape(yTrue.shape)}`);
  const [n, c] = yTrue.shape as [number, number];
  const y = yTrue.dataSync();
  const targets = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (y[i * c + j]! > y[i * c + best]!) best = j;
    targets[i] = best;
  }
  return inTopK('topKCategoricalAccuracy', yPred, targets, k);
}

/** Per-sample 0/1 with integer labels of shape [batch] or [batch, 1]. */
export function sparseTopKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  checkK('sparseTopKCategoricalAccuracy', k);
  const ok = yTrue.rank === 1 || (yTrue.rank === 2 && yTrue.shape[1] === 1);
  if (!ok) fail('sparseTopKCategoricalAccuracy', `labels must have shape [batch] or [batch, 1], received ${fmtShape(yTrue.shape)}`);
  return inTopK('sparseTopKCategoricalAccuracy', yPred, Array.from(yTrue.dataSync()), k);
}

export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { k?: number; name?: string } = {}) {
    const k = checkK('TopKCategoricalAccuracy', args.k ?? 5);
    super(args.name ?? 'top_k_categorical_accuracy', (a, b) => topKCategoricalAccuracy(a, b, k));
  }
}

export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { k?: number; name?: string } = {}) {
    const k = checkK('SparseTopKCategoricalAccuracy', args.k ?? 5);
    super(args.name ?? 'sparse_top_k_categorical_accuracy', (a, b) => sparseTopKCategoricalAccuracy(a, b, k));
  }
}

export class MeanSquaredErrorMetric extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    super(args.name ?? 'mean_squared_error', meanSquaredError);
  }
}

export class MeanAbsoluteErrorMetric extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    super(args.name ?? 'mean_absolute_error', meanAbsoluteError);
  }
}

function checkThreshold(name: string, t: unknown): number {
  if (typeof t !== 'number' || !(t >= 0 && t <= 1)) fail(name, `Threshold values must be in [0, 1]. Received: thresholds=${String(t)}`);
  return t;
}

/** Flattened labels/predictions of equal size (optionally one column `classId`). */
function pairs(name: string, yTrue: Tensor, yPred: Tensor, classId: number | null): { y: ArrayLike<number>; p: ArrayLike<number> } {
  if (yTrue.size !== yPred.size) fail(name, `labels and predictions must have the same number of elements: labels are ${fmtShape(yTrue.shape)}, predictions ${fmtShape(yPred.shape)}`);
  const y = yTrue.dataSync();
  const p = yPred.dataSync();
  if (classId === null) return { y, p };
  const c = yPred.shape[yPred.rank - 1] ?? 1;
  if (classId >= c) fail(name, `\`classId\` ${classId} is out of range: predictions have ${c} classes`);
  const ys: number[] = [];
  const ps: number[] = [];
  for (let i = classId; i < p.length; i += c) {
    ys.push(y[i]!);
    ps.push(p[i]!);
  }
  return { y: ys, p: ps };
}

function checkClassId(name: string, c: unknown): number | null {
  if (c === undefined || c === null) return null;
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) fail(name, `\`classId\` must be a non-negative integer, received ${String(c)}`);
  return c;
}

/** TP/FP/FN at one threshold, summed over every update since `reset`. */
abstract class ThresholdCounts extends Metric {
  protected tp = 0;
  protected fp = 0;
  protected fn = 0;
  protected readonly threshold: number;
  protected readonly classId: number | null;
  constructor(cls: string, name: string, args: { thresholds?: number; classId?: number }) {
    super(name);
    // Keras compares float32 predictions with a float32 threshold.
    this.threshold = Math.fround(checkThreshold(cls, args.thresholds ?? 0.5));
    this.classId = checkClassId(cls, args.classId);
  }
  update(yTrue: Tensor, yPred: Tensor): void {
    const { y, p } = pairs(this.name, yTrue, yPred, this.classId);
    for (let i = 0; i < p.length; i++) {
      const pos = p[i]! > this.threshold;
      const label = y[i]! !== 0;
      if (pos && label) this.tp++;
      else if (pos) this.fp++;
      else if (label) this.fn++;
    }
  }
  reset(): void {
    this.tp = 0;
    this.fp = 0;
    this.fn = 0;
  }
  /** The raw counts (true positives, false positives, false negatives). */
  counts(): { truePositives: number; falsePositives: number; falseNegatives: number } {
    return { truePositives: this.tp, falsePositives: this.fp, falseNegatives: this.fn };
  }
}

export class Precision extends ThresholdCounts {
  constructor(args: { thresholds?: number; classId?: number; name?: string } = {}) {
    super('Precision', args.name ?? 'precision', args);
  }
  result(): number {
    const d = this.tp + this.fp;
    return d === 0 ? 0 : this.tp / d;
  }
}

export class Recall extends ThresholdCounts {
  constructor(args: { thresholds?: number; classId?: number; name?: string } = {}) {
    super('Recall', args.name ?? 'recall', args);
  }
  result(): number {
    const d = this.tp + this.fn;
    return d === 0 ? 0 : this.tp / d;
  }
}

/** ROC AUC by Keras's default 'interpolation' (trapezoidal) summation over numThresholds thresholds. */
export class AUC extends Metric {
  readonly numThresholds: number;
  readonly thresholds: number[];
  private tp: Float64Array;
  private fp: Float64Array;
  private tn: Float64Array;
  private fn: Float64Array;
  constructor(args: { numThresholds?: number; curve?: 'ROC'; summationMethod?: 'interpolation'; name?: string } = {}) {
    super(args.name ?? 'auc');
    const n = args.numThresholds ?? 200;
    if (!Number.isInteger(n) || n <= 1) fail('AUC', `Argument \`numThresholds\` must be an integer > 1. Received: numThresholds=${String(n)}`);
    if (args.curve !== undefined && args.curve !== 'ROC') fail('AUC', `only curve='ROC' is supported. Received: curve=${String(args.curve)}`);
    if (args.summationMethod !== undefined && args.summationMethod !== 'interpolation') {
      fail('AUC', `only summationMethod='interpolation' is supported. Received: summationMethod=${String(args.summationMethod)}`);
    }
    this.numThresholds = n;
    const inner = Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1));
    // Keras keeps the thresholds in a float32 tensor.
    this.thresholds = [0 - EPSILON, ...inner, 1 + EPSILON].map((t) => Math.fround(t));
    this.tp = new Float64Array(n);
    this.fp = new Float64Array(n);
    this.tn = new Float64Array(n);
    this.fn = new Float64Array(n);
  }
  update(yTrue: Tensor, yPred: Tensor): void {
    const { y, p } = pairs(this.name, yTrue, yPred, null);
    for (let i = 0; i < p.length; i++) {
      const v = p[i]!;
      if (!(v >= 0 && v <= 1)) fail('AUC', `predictions must be in [0, 1], received ${v} at index ${i}`);
      const label = y[i]! !== 0;
      for (let t = 0; t < this.numThresholds; t++) {
        const pos = v > this.thresholds[t]!;
        if (pos && label) this.tp[t]!++;
        else if (pos) this.fp[t]!++;
        else if (label) this.fn[t]!++;
        else this.tn[t]!++;
      }
    }
  }
  result(): number {
    const n = this.numThresholds;
    const dn = (a: number, b: number) => (b === 0 ? 0 : a / b);
    const tpr = Array.from({ length: n }, (_, i) => dn(this.tp[i]!, this.tp[i]! + this.fn[i]!));
    const fpr = Array.from({ length: n }, (_, i) => dn(this.fp[i]!, this.fp[i]! + this.tn[i]!));
    let s = 0;
    for (let i = 0; i < n - 1; i++) s += (fpr[i]! - fpr[i + 1]!) * ((tpr[i]! + tpr[i + 1]!) / 2);
    return s;
  }
  reset(): void {
    this.tp.fill(0);
    this.fp.fill(0);
    this.tn.fill(0);
    this.fn.fill(0);
  }
}

/**
 * `tf.math.confusion_matrix`: entry [i, j] counts samples with label i predicted as j.
 * `numClasses` defaults to max(labels, predictions) + 1; `weights` adds per-sample weights
 * (then the result is float32).
 */
export function confusionMatrix(labels: Tensor, predictions: Tensor, numClasses?: number, weights?: Tensor): Tensor {
  const name = 'confusionMatrix';
  if (labels.rank !== 1) fail(name, `\`labels\` must be a 1-D tensor, received shape ${fmtShape(labels.shape)}`);
  if (predictions.rank !== 1 || predictions.shape[0] !== labels.shape[0]) {
    fail(name, `\`predictions\` must be a 1-D tensor with the labels' length: labels are ${fmtShape(labels.shape)}, predictions ${fmtShape(predictions.shape)}`);
  }
  const l = labels.dataSync();
  const p = predictions.dataSync();
  for (const [arg, v] of [['labels', l], ['predictions', p]] as const) {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i]) || v[i]! < 0) fail(name, `\`${arg}\` must be non-negative integers, received ${v[i]} at index ${i}`);
    }
  }
  let n = numClasses;
  if (n === undefined) n = Math.max(0, ...Array.from(l), ...Array.from(p)) + 1;
  else if (!Number.isInteger(n) || n < 1) fail(name, `\`numClasses\` must be a positive integer, received ${String(n)}`);
  for (const [arg, v] of [['labels', l], ['predictions', p]] as const) {
    for (let i = 0; i < v.length; i++) if (v[i]! >= n) fail(name, `\`${arg}\` must be < numClasses (${n}), received ${v[i]} at index ${i}`);
  }
  let w: ArrayLike<number> | null = null;
  if (weights) {
    if (weights.size !== l.length) fail(name, `\`weights\` must have one value per sample (${l.length}), received shape ${fmtShape(weights.shape)}`);
    w = weights.dataSync();
  }
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < l.length; i++) out[l[i]! * n + p[i]!]! += w ? w[i]! : 1;
  return tensor(out, [n, n], w ? 'float32' : 'int32');
}

/** Metric classes by camelCase name (each `new` gives a fresh, reset metric). */
export const moreMetrics: Record<string, () => Metric> = {
  topKCategoricalAccuracy: () => new TopKCategoricalAccuracy(),
  sparseTopKCategoricalAccuracy: () => new SparseTopKCategoricalAccuracy(),
  precision: () => new Precision(),
  recall: () => new Recall(),
  auc: () => new AUC(),
  meanSquaredError: () => new MeanSquaredErrorMetric(),
  meanAbsoluteError: () => new MeanAbsoluteErrorMetric(),
};

/** Keras snake_case names → keys of `moreMetrics`. */
export const moreMetricAliases: Record<string, string> = {
  top_k_categorical_accuracy: 'topKCategoricalAccuracy',
  sparse_top_k_categorical_accuracy: 'sparseTopKCategoricalAccuracy',
  AUC: 'auc',
  Precision: 'precision',
  Recall: 'recall',
  mean_squared_error: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
};

/** Factories with options, as Keras classes: `metricFactories.precision({thresholds: 0.7})`. */
export const metricFactories = {
  topKCategoricalAccuracy: (a?: { k?: number; name?: string }) => new TopKCategoricalAccuracy(a),
  sparseTopKCategoricalAccuracy: (a?: { k?: number; name?: string }) => new SparseTopKCategoricalAccuracy(a),
  precision: (a?: { thresholds?: number; classId?: number; name?: string }) => new Precision(a),
  recall: (a?: { thresholds?: number; classId?: number; name?: string }) => new Recall(a),
  auc: (a?: { numThresholds?: number; name?: string }) => new AUC(a),
  meanSquaredError: (a?: { name?: string }) => new MeanSquaredErrorMetric(a),
  meanAbsoluteError: (a?: { name?: string }) => new MeanAbsoluteErrorMetric(a),
  confusionMatrix,
};
