/**
 * `fit` / `fitDataset` with verbose on run the lint once per model (models cannot import
 * compare): importing this module registers it. Both entries import it with `lint` (the browser
 * bundle keeps `compare` itself in a chunk of its own; see src/browser.ts).
 */
import { ENGINE } from '../core/engine.ts';
import { Tensor } from '../core/tensor.ts';
import { LayersModel } from '../models/model.ts';
import { executingEagerly } from '../graph/graph.ts';
import { registerFitLint } from '../models/training.ts';
import { formatLint, lint } from './lint.ts';

registerFitLint((model, x, ys) => {
  // Not inside graph recording or tf.function tracing (the lint's own forward passes would be recorded).
  if (!(model instanceof LayersModel) || !(x instanceof Tensor) || !executingEagerly() || ENGINE.tracer !== null) return [];
  const labels = ys.length === 1 ? ys[0]! : null;
  const findings = lint(model, { data: labels ? [x, labels] : x });
  return formatLint(findings.filter((f) => f.severity !== 'info'), model.name);
});
