/** Sameness tools: `compare` (two models, first divergence explained) and `lint` (the classic traps). */
import { ENGINE } from '../core/engine.ts';
import { Tensor } from '../core/tensor.ts';
import { LayersModel } from '../models/model.ts';
import { executingEagerly } from '../graph/graph.ts';
import { registerFitLint } from '../models/training.ts';
import { formatLint, lint } from './lint.ts';

export { compare, dropoutWhy, type CompareOptions } from './compare.ts';
export { formatCompareReport, type FormatOptions } from './format.ts';
export { lint, formatLint, type LintOptions } from './lint.ts';
export { trainSideBySide, type SideBySide } from './train.ts';
export { type HandModel, type CompareModel, type CompareData } from './subject.ts';
export * from './types.ts';

// `fit` / `fitDataset` with verbose on run the lint once per model (models cannot import compare).
registerFitLint((model, x, ys) => {
  // Not inside graph recording or tf.function tracing (the lint's own forward passes would be recorded).
  if (!(model instanceof LayersModel) || !(x instanceof Tensor) || !executingEagerly() || ENGINE.tracer !== null) return [];
  const labels = ys.length === 1 ? ys[0]! : null;
  const findings = lint(model, { data: labels ? [x, labels] : x });
  return formatLint(findings.filter((f) => f.severity !== 'info'), model.name);
});
