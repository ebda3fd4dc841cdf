/** Resolving `compile`'s loss and metric identifiers over every Keras loss and metric idem has. */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { getLoss, registerLosses } from '../losses/keras.ts';
import { BASIC_METRIC_NAMES, getBasicMetric, type Metric } from './keras_metrics.ts';
import { moreLossAliases, moreLosses } from '../losses/keras_more.ts';
import { moreMetricAliases, moreMetrics } from './more_metrics.ts';

registerLosses(moreLosses, moreLossAliases);

export { getLoss };

/** A metric by name (Keras or camelCase), function, or Metric instance. */
export function getMetric(id: string | Metric | ((a: Tensor, b: Tensor) => Tensor), lossName: string, outputUnits: number): Metric {
  const basic = getBasicMetric(id, lossName, outputUnits);
  if (basic) return basic;
  const name = id as string;
  const key = moreMetricAliases[name] ?? name;
  const make = moreMetrics[key];
  if (!make) {
    fail('compile', `unknown metric '${name}' (expected one of ${[...BASIC_METRIC_NAMES, ...Object.keys(moreMetrics), ...Object.keys(moreMetricAliases)].join(', ')}, a function or a Metric)`);
  }
  return make();
}
