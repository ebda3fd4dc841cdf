/**
 * Keras metrics, stateful over an epoch (Keras semantics, not averages of per-batch values):
 * each keeps running totals that `update` adds to, `result` divides, `reset` clears.
 */
import { keep } from '../core/api.ts';
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { argMax } from '../ops/arg_max.ts';
import { cast } from '../ops/cast.ts';
import { equal } from '../ops/compare.ts';
import { greater } from '../ops/compare.ts';
import { mean } from '../ops/mean.ts';
import { reshape } from '../ops/reshape.ts';
import { sum } from '../ops/sum.ts';
import type { LossFn } from '../losses/keras.ts';
import { meanAbsoluteError, meanSquaredError } from '../losses/keras.ts';

export abstract class Metric {
  constructor(readonly name: string) {}
  abstract update(yTrue: Tensor, yPred: Tensor): void;
  abstract result(): number;
  abstract reset(): void;
  /**
   * Reads what `update` could not read synchronously (a backend such as webgpu keeps values on
   * the GPU until awaited); `result()` is valid once it resolves. The training loop awaits it.
   */
  async settle(): Promise<void> {}
}

/** Mean of per-sample values of `fn` over everything seen since `reset`. */
export class MeanMetricWrapper extends Metric {
  private total = 0;
  private count = 0;
  constructor(name: string, private readonly fn: (yTrue: Tensor, yPred: Tensor) => Tensor) {
    super(name);
  }
  /** Batch sums not read yet (GPU values), added to `total` by `settle`. */
  private pending: Tensor[] = [];
  update(yTrue: Tensor, yPred: Tensor): void {
    const v = this.fn(yTrue, yPred);
    const s = sum(v);
    if (ENGINE.canReadSync(s)) this.total += s.dataSync()[0]!;
    else this.pending.push(keep(s));
    this.count += v.size;
  }
  override async settle(): Promise<void> {
    const list = this.pending;
    this.pending = [];
    for (const s of list) {
      this.total += (await s.data())[0]!;
      s.dispose();
    }
  }
  result(): number {
    if (this.pending.length) fail(this.name, 'result() before the batch values were read: `await metric.settle()` first (the backend reads values asynchronously)');
    return this.count === 0 ? 0 : this.total / this.count;
  }
  reset(): void {
    for (const s of this.pending) s.dispose();
    this.pending = [];
    this.total = 0;
    this.count = 0;
  }
}

/** Running mean of a scalar (the loss shown in progress bars). */
export class MeanScalar extends Metric {
  private total = 0;
  private count = 0;
  update(): void {
    fail(this.name, 'use add(value, weight)');
  }
  add(v: number, weight = 1): void {
    this.total += v * weight;
    this.count += weight;
  }
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}

export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return cast(equal(argMax(yTrue, -1), argMax(yPred, -1)), 'float32');
}

export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  let t = yTrue;
  if (t.rank === yPred.rank && t.shape[t.rank - 1] === 1) t = reshape(t, t.shape.slice(0, -1));
  return cast(equal(cast(t, 'int32'), argMax(yPred, -1)), 'float32');
}

export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor {
  return mean(cast(equal(cast(greater(yPred, threshold), 'float32'), cast(yTrue, 'float32')), 'float32'), -1);
}

const METRICS: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  binaryAccuracy: (a, b) => binaryAccuracy(a, b),
  meanSquaredError,
  meanAbsoluteError,
};
const ALIASES: Record<string, string> = {
  categorical_accuracy: 'categoricalAccuracy',
  sparse_categorical_accuracy: 'sparseCategoricalAccuracy',
  binary_accuracy: 'binaryAccuracy',
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mean_squared_error: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
};

/** Names this file resolves (for error messages). */
export const BASIC_METRIC_NAMES = ['accuracy', ...Object.keys(METRICS), ...Object.keys(ALIASES)];

/**
 * A metric by name, function or Metric (null for names this file does not know). `'accuracy'`/`'acc'` picks the variant Keras picks for
 * the loss: sparse categorical for sparse losses, binary for binary cross-entropy (or a single
 * output unit), categorical otherwise.
 */
export function getBasicMetric(id: string | Metric | ((a: Tensor, b: Tensor) => Tensor), lossName: string, outputUnits: number): Metric | null {
  if (id instanceof Metric) return id;
  if (typeof id === 'function') return new MeanMetricWrapper(id.name || 'metric', id);
  if (id === 'accuracy' || id === 'acc') {
    const fn = lossName.startsWith('sparse') ? sparseCategoricalAccuracy
      : lossName === 'binaryCrossentropy' || outputUnits === 1 ? (a: Tensor, b: Tensor) => binaryAccuracy(a, b)
      : categoricalAccuracy;
    return new MeanMetricWrapper(id, fn);
  }
  const n = ALIASES[id] ?? id;
  const fn = METRICS[n];
  if (!fn) return null;
  return new MeanMetricWrapper(id, fn);
}

export type { LossFn };
