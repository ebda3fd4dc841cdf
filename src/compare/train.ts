/**
 * `trainSideBySide(modelA, modelB, batches)`: trains both models on the same batches, one step
 * each per batch, and reports whether their losses stayed bit-identical. A Keras model takes
 * its compiled step (`trainOnBatch`, what `fit` runs); a hand model the step a hand loop runs:
 * `variableGrads(() => loss(y, fn(x, true)), trainable variables)` then
 * `optimizer.applyGradients`. Unlike `compare`, this trains: both models change, and dropout
 * masks come from the models' own seeds.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { variableGrads } from '../autodiff/gradients.ts';
import { toSubject, type CompareModel, type Subject } from './subject.ts';

export interface SideBySide {
  steps: number;
  lossesA: number[];
  lossesB: number[];
  /** First step (0-based) whose losses differ bit for bit, or null. */
  firstDifferentStep: number | null;
  /** Whether every aligned trainable parameter is bit-identical after training (null if the parameter lists differ in shape). */
  paramsIdentical: boolean | null;
}

function stepOf(s: Subject, op: string): (x: Tensor, y: Tensor) => number {
  if (s.model) {
    const m = s.model;
    if (!s.optimizer) fail(op, `Keras model '${m.name}' is not compiled: compile it with an optimizer and a loss`);
    return (x, y) => {
      const r = m.trainOnBatch(x, y);
      return Array.isArray(r) ? r[0]! : r;
    };
  }
  if (!s.optimizer || !s.loss) fail(op, `hand model '${s.name}' needs \`optimizer\` and \`loss\` to train`);
  const vars = s.variables.filter((v) => v.trainable);
  const opt = s.optimizer;
  const loss = s.loss;
  return (x, y) => {
    const { value, grads } = variableGrads(() => loss(y, s.forward(x, true)), vars);
    opt.applyGradients(vars.filter((v) => grads[v.name]).map((v) => [grads[v.name]!, v] as [Tensor, Variable]));
    return value.dataSync()[0]!;
  };
}

export function trainSideBySide(modelA: CompareModel, modelB: CompareModel, batches: { xs: Tensor; ys: Tensor }[]): SideBySide {
  const sa = toSubject(modelA, 'trainSideBySide', 'modelA');
  const sb = toSubject(modelB, 'trainSideBySide', 'modelB');
  const stepA = stepOf(sa, 'trainSideBySide');
  const stepB = stepOf(sb, 'trainSideBySide');
  const lossesA: number[] = [];
  const lossesB: number[] = [];
  let first: number | null = null;
  batches.forEach(({ xs, ys }, i) => {
    lossesA.push(stepA(xs, ys));
    lossesB.push(stepB(xs, ys));
    if (first === null && !Object.is(Math.fround(lossesA[i]!), Math.fround(lossesB[i]!))) first = i;
  });
  const pa = sa.variables.filter((v) => sa.isTrainable(v));
  const pb = sb.variables.filter((v) => sb.isTrainable(v));
  let same: boolean | null = null;
  if (pa.length === pb.length && pa.every((v, i) => v.shape.join() === pb[i]!.shape.join())) {
    same = pa.every((v, i) => {
      const x = v.dataSync();
      const y = pb[i]!.dataSync();
      return x.every((u, k) => Object.is(u, y[k]));
    });
  }
  return { steps: batches.length, lossesA, lossesB, firstDifferentStep: first, paramsIdentical: same };
}
