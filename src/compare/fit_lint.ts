/**
 * `fit` / `fitDataset` with verbose on run the lint once per model (models cannot import
 * compare): importing this module registers it (src/compare/index.ts imports it). The browser
 * entry registers an asynchronous hook instead that first loads the sameness tools' chunk.
 */
import { isTracing } from '../graph/function.ts';
import { Tensor } from '../core/tensor.ts';
import { LayersModel } from '../models/model.ts';
import { executingEagerly } from '../graph/graph.ts';
import { registerFitLint } from '../models/training.ts';
import { formatLint, lint } from './lint.ts';

/** The lint lines `fit` prints for a model's first batch (warnings and errors only). */
export function fitLintLines(model: unknown, x: unknown, ys: unknown[]): string[] {
  // Not inside graph recording or tf.function tracing (the lint's own forward passes would be recorded).
  if (!(model instanceof LayersModel) || !(x instanceof Tensor) || !executingEagerly() || isTracing()) return [];
  const labels = ys.length === 1 ? (ys[0] as Tensor) : null;
  const findings = lint(model, { data: labels ? [x, labels] : (x as Tensor) });
  return formatLint(findings.filter((f) => f.severity !== 'info'), model.name);
}

registerFitLint((model, x, ys) => fitLintLines(model, x, ys));
