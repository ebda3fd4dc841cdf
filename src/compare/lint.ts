/**
 * `tf.lint(model, {data, seed})`: checks a model for the classic traps of the seeds and returns
 * findings `{code, severity, layer, message, fix}` (see `LintFinding` in types.ts). `fit` and
 * `fitDataset` run it once per model when `verbose` is on and print the findings as warnings.
 *
 * Rules (code — what it flags):
 * - `exploding-activations` / `vanishing-activations`: on the sample batch (or, for a Keras model
 *   without data, a standard-normal batch of 32), the std of the initial activations after a
 *   weight layer grows past 30× the input's std, or falls below 1/100 of it (seed 004:
 *   random-normal std-1 weights give pre-activations ≈ 8× larger per 128-wide layer).
 * - `softmax-with-logits-loss`: the output is a softmax / sigmoid and the loss has `fromLogits: true`.
 * - `logits-with-probability-loss`: the output is linear (logits) and a cross-entropy loss
 *   expects probabilities (`fromLogits: false`).
 * - `dropout-keep-prob`: dropout with `rate` > 0.5 after a dense layer (0.5 itself is the classic
 *   rate, and the same as a keep probability of 0.5) — `rate` is the fraction
 *   DROPPED; 0.5+ is usually a keep probability passed as a rate (seed 000).
 * - `batchnorm-not-updated`: batch-norm moving statistics that a training call does not change
 *   (momentum 1, a hand loop that never assigns them; seeds 001 and 003).
 * - `learning-phase-ignored` (hand models): the forward pass gives the same output with
 *   training true and false although it has dropout / batch-norm; `dropout-in-inference`: dropout
 *   applied with training = false.
 * - `frozen-layer` / `nothing-to-train`: layers (or a hand model's kernels) with trainable false
 *   in a model that has an optimizer, so `fit` will not change them.
 * - `labels-not-one-hot` / `labels-one-hot-with-sparse`: integer labels with categorical
 *   cross-entropy, one-hot labels with sparse categorical cross-entropy (needs `data` with labels).
 *
 * Lint changes nothing: variables are restored, dropout masks come from lint's own seeds.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { randomNormal } from '../ops/random_normal.ts';
import { SeedGenerator } from '../random/seed.ts';
import { BatchNormalization } from '../layers/normalization.ts';
import { traceRun, type OpRecord } from './trace.ts';
import { diff, guessInitializer, num, stats } from './stats.ts';
import { splitData, toSubject, varLabel, type CompareData, type CompareModel, type Subject } from './subject.ts';
import type { LintFinding } from './types.ts';
import { noGrad } from '../autodiff/tape.ts';

export interface LintOptions {
  /** A sample batch: x, {xs, ys} or [x, y]. Labels enable the label/loss rules. */
  data?: CompareData;
  /** Seed of the standard-normal stand-in input and of dropout masks (default 0). */
  seed?: number;
}

const WEIGHT_OPS = new Set(['matMul', 'conv1d', 'conv2d', 'depthwiseConv2d', 'conv2dTranspose', 'dot']);
const STOCHASTIC = new Set(['dropout', 'moments', 'batchNorm']);

function who(s: Subject, r: OpRecord): string {
  if (r.layer) return r.layer.name;
  const p = r.params[0];
  return p ? `${r.op}(${varLabel(s, p)})` : `op ${r.index + 1} ${r.op}`;
}

function standInInput(s: Subject, seed: number): Tensor {
  const m = s.model!;
  const shape = m.inputs[0]?.shape ?? m.layers[0]?.batchInputShape ?? null;
  if (!shape) fail('lint', `model '${m.name}' has no declared input shape: pass options.data (a sample batch)`);
  return randomNormal(shape.map((d) => d ?? 32), 0, 1, 'float32', new SeedGenerator(seed));
}

export function lint(model: CompareModel, options: LintOptions = {}): LintFinding[] {
  if (typeof options !== 'object' || options === null) fail('lint', '`options` must be an object {data?, seed?}');
  for (const k of Object.keys(options)) if (!['data', 'seed'].includes(k)) fail('lint', `unknown option \`${k}\` (expected data, seed)`);
  const s = toSubject(model, 'lint', 'model');
  const seed = options.seed ?? 0;
  const d = splitData(options.data, 'lint');
  let x = d.x;
  if (x === null) {
    if (s.kind === 'hand') fail('lint', 'a hand model needs options.data (a sample batch) to run its forward pass');
    x = standInInput(s, seed);
  }
  const y = d.y;
  const out: LintFinding[] = [];
  const add = (f: LintFinding) => out.push(f);

  if (s.model && !s.model.built) noGrad(() => traceRun(() => s.forward(x!, false), s.layers, seed, 'lint'));
  const vars = s.variables;
  const entry = new Map<Variable, Tensor>(vars.map((v) => [v, v.read()]));
  const restore = () => {
    for (const v of vars) if (v.read() !== entry.get(v)) v.assign(entry.get(v)!);
  };
  let inf, tr, changed: Set<Variable>;
  try {
    inf = noGrad(() => traceRun(() => s.forward(x!, false), s.layers, seed, 'lint'));
    restore();
    tr = noGrad(() => traceRun(() => s.forward(x!, true), s.layers, seed + 7919, 'lint'));
    changed = new Set(vars.filter((v) => v.read() !== entry.get(v) && !diff(v, entry.get(v)!).identical));
  } finally {
    restore();
  }

  // ---- activations through depth
  const xStd = stats(x).std || 1;
  const weighted = inf.ops.filter((r) => WEIGHT_OPS.has(r.op) && r.params.some((v) => v.rank >= 2));
  if (weighted.length > 0) {
    const stds = weighted.map((r) => stats(r.output));
    const nonFinite = stds.findIndex((st) => !st.finite);
    const crossing = stds.findIndex((st) => st.std > 30 * xStd);
    const last = stds.length - 1;
    const trail = weighted.map((r, i) => `${num(stds[i]!.std)} after ${who(s, r)}`).slice(0, 8).join(', ');
    const kernelOf = (r: OpRecord) => r.params.find((v) => v.rank >= 2)!;
    if (nonFinite >= 0 || crossing >= 0) {
      const r = weighted[nonFinite >= 0 ? nonFinite : crossing]!;
      const k = kernelOf(r);
      const g = guessInitializer(k.shape, stats(k));
      add({
        code: 'exploding-activations',
        severity: 'warning',
        layer: who(s, r),
        message: `Initial activations explode through depth: input std ${num(xStd)}, then ${trail}${nonFinite >= 0 ? ' (non-finite values)' : ''}; past 30× the input's std at ${who(s, r)}, whose ` +
          `${varLabel(s, k)} has std ${num(stats(k).std)} (looks like ${g.name}).`,
        fix: 'Initialise kernels so each layer keeps the scale: glorotUniform (Keras Dense default) or heNormal for relu, not randomNormal with std 1.',
      });
    } else if (stds[last]!.std < xStd / 100 && stds[last]!.std >= 0) {
      const r = weighted[last]!;
      add({
        code: 'vanishing-activations',
        severity: 'warning',
        layer: who(s, r),
        message: `Initial activations vanish through depth: input std ${num(xStd)}, then ${trail}.`,
        fix: 'Initialise kernels with a fan-based scale (glorotUniform, heNormal) rather than a tiny constant std.',
      });
    }
  }

  // ---- output activation vs loss
  const lastOp = inf.ops[inf.ops.length - 1];
  const loss = s.kerasLoss;
  if (lastOp && loss) {
    const probOut = lastOp.op === 'softmax' || lastOp.op === 'sigmoid';
    const isCE = /crossentropy/i.test(loss.name);
    if (probOut && loss.fromLogits) {
      add({
        code: 'softmax-with-logits-loss',
        severity: 'error',
        layer: who(s, lastOp),
        message: `The output goes through ${lastOp.op} and the loss ${loss.name} has fromLogits: true: it applies ${lastOp.op === 'softmax' ? 'softmax' : 'a sigmoid'} a second time, which ` +
          `flattens the gradients.`,
        fix: `Remove the ${lastOp.op} from the last layer (output logits), or use fromLogits: false.`,
      });
    } else if (!probOut && isCE && !loss.fromLogits) {
      const o = stats(inf.result);
      if (o.min < 0 || o.max > 1) {
        add({
          code: 'logits-with-probability-loss',
          severity: 'warning',
          layer: who(s, lastOp),
          message: `The output is linear (logits, range ${num(o.min)} … ${num(o.max)}) but ${loss.name} expects probabilities (fromLogits: false): it clips them to [1e-7, 1 − 1e-7] and gives ` +
            `wrong losses and no gradient where clipped.`,
          fix: `Use ${loss.name}({fromLogits: true}) or add a softmax / sigmoid to the last layer.`,
        });
      }
    }
  }

  // ---- dropout rates
  tr.ops.forEach((r, i) => {
    if (r.op !== 'dropout' || r.rate === undefined || r.rate <= 0.5) return;
    const before = tr.ops.slice(0, i).reverse().find((p) => WEIGHT_OPS.has(p.op));
    if (before && before.op !== 'matMul' && before.op !== 'dot') return;
    add({
      code: 'dropout-keep-prob',
      severity: 'warning',
      layer: who(s, r),
      message: `Dropout drops ${Math.round(r.rate * 100)}% of units (rate ${r.rate}) after a dense layer: \`rate\` is the fraction DROPPED; ${r.rate} is usually a keep probability passed ` +
        `as a rate (seed 000).`,
      fix: `If ${r.rate} was meant as a keep probability, use rate = 1 - ${r.rate} = ${Number((1 - r.rate).toPrecision(6))}.`,
    });
  });

  // ---- batch norm moving statistics
  if (s.model) {
    for (const l of s.layers) {
      if (!(l instanceof BatchNormalization) || !l.movingMean) continue;
      if (!changed.has(l.movingMean) && !changed.has(l.movingVariance!)) {
        add({
          code: 'batchnorm-not-updated',
          severity: 'warning',
          layer: l.name,
          message: `Batch norm '${l.name}' does not update its moving mean and variance in a training call (momentum ${l.momentum}${l.trainable ? '' : ', layer frozen'}): inference will normalize ` +
            `with its initial statistics.`,
          fix: 'Use a momentum below 1 (Keras 0.99) and train with training: true, unless the statistics are meant to stay fixed.',
        });
      }
    }
  } else {
    const state = vars.filter((v) => !v.trainable);
    const bnLike = tr.ops.some((r) => r.op === 'moments' || r.op === 'batchNorm');
    const stuck = state.filter((v) => !changed.has(v) && tr.ops.some((r) => r.params.includes(v) || r.op === 'batchNorm'));
    if (bnLike && stuck.length > 0) {
      add({
        code: 'batchnorm-not-updated',
        severity: 'warning',
        layer: stuck.map((v) => varLabel(s, v)).join(', '),
        message: `A training call normalizes with batch statistics but never assigns ${stuck.map((v) => varLabel(s, v)).join(', ')}: the moving statistics stay at their initial values, and ` +
          `inference uses them.`,
        fix: 'In the training branch assign moving = moving·momentum + batch·(1 − momentum) (or use tf.layers.batchNormalization, which does it in its training call).',
      });
    }
  }

  // ---- learning phase (hand models)
  if (s.kind === 'hand') {
    const infDrop = inf.ops.find((r) => r.op === 'dropout');
    if (infDrop) {
      add({
        code: 'dropout-in-inference',
        severity: 'error',
        layer: who(s, infDrop),
        message: 'The forward pass applies dropout with training = false: predictions and evaluation are noisy and scaled.',
        fix: 'Apply dropout only when training: if (training) h = tf.dropout(h, rate).',
      });
    }
    const stochastic = tr.ops.some((r) => STOCHASTIC.has(r.op)) || inf.ops.some((r) => STOCHASTIC.has(r.op)) || vars.some((v) => !v.trainable);
    if (stochastic && diff(inf.result, tr.result).identical) {
      add({
        code: 'learning-phase-ignored',
        severity: 'warning',
        layer: null,
        message: 'The forward pass gives the same output with training true and false although it has dropout / batch-norm: the learning phase never reaches them.',
        fix: 'Pass `training` through the forward pass: dropout and batch statistics in training, identity and moving statistics in inference.',
      });
    }
  }

  // ---- frozen layers
  if (s.optimizer) {
    if (s.model) {
      const frozen = s.layers.filter((l) => !l.trainable && l.weights.length > 0);
      for (const l of frozen) {
        add({
          code: 'frozen-layer',
          severity: 'info',
          layer: l.name,
          message: `Layer '${l.name}' is frozen (trainable false): fit will not change its ${l.weights.reduce((n, w) => n + w.size, 0).toLocaleString('en-US')} weights.`,
          fix: `Set layer.trainable = true before compile if '${l.name}' is meant to learn.`,
        });
      }
      if (s.model.trainableWeights.length === 0 && s.model.weights.length > 0) {
        add({
          code: 'nothing-to-train', severity: 'error', layer: null,
          message: `Model '${s.model.name}' has an optimizer but no trainable weights: fit changes nothing.`,
          fix: 'Unfreeze the layers that should learn (layer.trainable = true).',
        });
      }
    } else {
      const kernels = new Set(inf.ops.filter((r) => WEIGHT_OPS.has(r.op)).flatMap((r) => r.params).filter((v) => !v.trainable));
      for (const v of kernels) {
        add({
          code: 'frozen-layer', severity: 'warning', layer: varLabel(s, v),
          message: `${varLabel(s, v)} is used as a weight but is not trainable: the optimizer will not change it.`,
          fix: 'Create it with trainable true (tf.variable(value, true, name)) if it is meant to learn.',
        });
      }
    }
  }

  // ---- labels vs loss
  if (y !== null && loss) {
    const units = inf.result.shape[inf.result.rank - 1] ?? 1;
    const n = loss.name.toLowerCase();
    // By shape, not dtype: tf.oneHot gives int32 one-hot labels [batch, units], which are fine.
    const intLike = y.rank === 1 || (y.shape[y.rank - 1] === 1 && units > 1);
    if (n.includes('categorical') && !n.includes('sparse') && intLike) {
      add({
        code: 'labels-not-one-hot', severity: 'error', layer: null,
        message: `${loss.name} expects one-hot labels of shape [batch, ${units}], received integer class labels of shape [${y.shape}] (${y.dtype}).`,
        fix: `Use sparseCategoricalCrossentropy, or one-hot the labels (tf.oneHot(labels, ${units}) / tf.utils.toCategorical).`,
      });
    }
    if (n.includes('sparse') && y.rank >= 2 && y.shape[y.rank - 1] === units && units > 1) {
      add({
        code: 'labels-one-hot-with-sparse', severity: 'error', layer: null,
        message: `${loss.name} expects integer class labels, received one-hot labels of shape [${y.shape}].`,
        fix: 'Use categoricalCrossentropy, or pass the class indices (tf.argMax(labels, -1)).',
      });
    }
  }
  return out;
}

/** One line per finding, as `fit` prints them. */
export function formatLint(findings: LintFinding[], modelName: string): string[] {
  return findings.map((f) => `idem lint (${modelName}) ${f.severity} [${f.code}]${f.layer ? ` ${f.layer}` : ''}: ${f.message} Fix: ${f.fix}`);
}
