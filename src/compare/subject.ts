/**
 * What `tf.compare` and `tf.lint` accept as a model, and the common view they take of it.
 *
 * A model is either
 *  - a Keras model (`LayersModel`: `tf.sequential`, `tf.model`, a subclassed model), compiled or
 *    not (the compiled optimizer and loss are used when present), or
 *  - a hand-written model, a `HandModel`:
 *
 * ```ts
 * const hand: tf.HandModel = {
 *   name: 'hand',                                   // optional, for the report
 *   fn: (x, training) => logits,                    // the forward pass; `training` switches dropout / batch norm
 *   variables: [w0, b0, w1, b1],                    // or {w0, b0, ...}: EVERY variable fn reads or assigns,
 *                                                   // batch-norm moving statistics included (non-trainable)
 *   optimizer: tf.train.adam(1e-3),                 // optional: the optimizer the hand loop uses
 *   loss: (yTrue, yPred) => tf.mean(tf.softmaxCrossEntropyWithLogits({labels: yTrue, logits: yPred})),
 *                                                   // optional: scalar loss; or a Keras loss object / name
 * };
 * ```
 * Parameters are aligned by structure and order: the trainable variables in the order the
 * forward pass first uses them (then any unused ones in the order given), and likewise the
 * non-trainable state variables.
 */
import { fail } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';
import { Variable } from '../core/variable.ts';
import type { Layer } from '../layers/layer.ts';
import { LayersModel } from '../models/model.ts';
import type { Compiled } from '../models/training.ts';
import { getLoss, reduceLoss, type KerasLoss, type LossFn } from '../losses/keras.ts';
import type { Optimizer } from '../optimizers/optimizer.ts';
import type { Initializer } from '../initializers/index.ts';

export interface HandModel {
  name?: string;
  fn: (x: Tensor, training: boolean) => Tensor;
  variables: Variable[] | Record<string, Variable>;
  optimizer?: Optimizer;
  /** A scalar loss `(yTrue, yPred) => Tensor`, or a Keras loss object (`tf.kerasLosses.*`) or name. */
  loss?: ((yTrue: Tensor, yPred: Tensor) => Tensor) | KerasLoss | string;
}

export type CompareModel = LayersModel | HandModel;

/** Batch data: inputs only, or inputs and labels. */
export type CompareData = Tensor | { xs: Tensor; ys?: Tensor } | [Tensor, Tensor?];

/** The common view of a model. */
export interface Subject {
  kind: 'keras' | 'hand';
  name: string;
  /** Every variable, in declaration order (Keras: `model.weights`). */
  variables: Variable[];
  /** Display names (hand models given as a record: the keys). */
  label: Map<Variable, string>;
  isTrainable: (v: Variable) => boolean;
  /** Forward pass; for Keras models each op is attributed to its layer by `layerOf`. */
  forward: (x: Tensor, training: boolean) => Tensor;
  /** Keras layers (flattened through nested models); [] for hand models. */
  layers: Layer[];
  optimizer: Optimizer | null;
  /** Scalar loss of a batch, or null when the model has none. */
  loss: ((yTrue: Tensor, yPred: Tensor) => Tensor) | null;
  /** The Keras loss object when known (name, fromLogits). */
  kerasLoss: KerasLoss | null;
  /** The declared initializer of a weight (Keras layers), if known. */
  initializerOf: (v: Variable) => Initializer | undefined;
  /** Keras model (for lint rules on layers). */
  model: LayersModel | null;
}

export function isHandModel(m: unknown): m is HandModel {
  return typeof m === 'object' && m !== null && !(m instanceof LayersModel) && typeof (m as HandModel).fn === 'function';
}

/** All layers of a Keras model, nested models flattened (the nested model itself omitted). */
export function flatLayers(model: LayersModel): Layer[] {
  const out: Layer[] = [];
  for (const l of model.layers) {
    if (l instanceof LayersModel) out.push(...flatLayers(l));
    else out.push(l);
  }
  return out;
}

export function compiledOf(model: LayersModel): Compiled | null {
  return (model as unknown as { compiled: Compiled | null }).compiled ?? null;
}

export function toSubject(m: CompareModel, op: string, which: string): Subject {
  if (m instanceof LayersModel) {
    const c = compiledOf(m);
    const layers = flatLayers(m);
    const trainable = new Set(m.trainableWeights);
    const kerasLoss = c && c.outputs.length === 1 ? c.outputs[0]!.loss : null;
    return {
      kind: 'keras',
      name: m.name,
      get variables() {
        return m.weights;
      },
      label: new Map(),
      isTrainable: (v) => trainable.has(v) || (m.trainableWeights.includes(v)),
      forward: (x, training) => {
        const out = m.apply(x, { training });
        if (Array.isArray(out)) fail(op, `${which}: models with several outputs are not supported (model '${m.name}' has ${out.length})`);
        return out as Tensor;
      },
      layers,
      optimizer: c?.optimizer ?? null,
      loss: kerasLoss ? (y, p) => lossWithPenalties(m, reduceLoss(kerasLoss.fn(y, p))) : null,
      kerasLoss,
      initializerOf: (v) => {
        for (const l of layers) {
          const i = l.weightInitializer(v);
          if (i) return i;
        }
        return undefined;
      },
      model: m,
    } as Subject;
  }
  if (!isHandModel(m)) {
    fail(op, `${which} must be a Keras model (tf.sequential / tf.model) or a hand model {fn: (x, training) => Tensor, variables, optimizer?, loss?}, received ${m === null ? 'null' : typeof m}`);
  }
  const label = new Map<Variable, string>();
  let vars: Variable[];
  if (Array.isArray(m.variables)) vars = m.variables.slice();
  else if (typeof m.variables === 'object' && m.variables !== null) {
    vars = [];
    for (const [k, v] of Object.entries(m.variables)) {
      vars.push(v);
      label.set(v, k);
    }
  } else fail(op, `${which}.variables must be a list or a record of tf.Variable, received ${typeof m.variables}`);
  vars.forEach((v, i) => {
    if (!((v as unknown) instanceof Variable)) fail(op, `${which}.variables[${i}] must be a tf.Variable, received ${(v as unknown) instanceof Tensor ? 'a Tensor' : typeof v}`);
  });
  let loss: Subject['loss'] = null;
  let kerasLoss: KerasLoss | null = null;
  if (m.loss !== undefined) {
    if (typeof m.loss === 'string' || (typeof m.loss === 'object' && m.loss !== null)) {
      kerasLoss = getLoss(m.loss as string | KerasLoss);
      const k = kerasLoss;
      loss = (y, p) => reduceLoss(k.fn(y, p));
    } else if (typeof m.loss === 'function') loss = m.loss as LossFn;
    else fail(op, `${which}.loss must be a function (yTrue, yPred) => scalar, a Keras loss object or a name, received ${typeof m.loss}`);
  }
  return {
    kind: 'hand',
    name: m.name ?? 'hand',
    variables: vars,
    label,
    isTrainable: (v) => v.trainable,
    forward: (x, training) => {
      const out = m.fn(x, training);
      if (!(out instanceof Tensor)) fail(op, `${which}.fn must return a Tensor, received ${Array.isArray(out) ? 'an array' : typeof out}`);
      return out;
    },
    layers: [],
    optimizer: m.optimizer ?? null,
    loss,
    kerasLoss,
    initializerOf: () => undefined,
    model: null,
  };
}

function lossWithPenalties(m: LayersModel, l: Tensor): Tensor {
  let out = l;
  for (const p of m.losses) out = out.add(p);
  return out;
}

/** Splits batch data into inputs and optional labels. */
export function splitData(data: CompareData | undefined, op: string): { x: Tensor | null; y: Tensor | null } {
  if (data === undefined || data === null) return { x: null, y: null };
  if (data instanceof Tensor) return { x: data, y: null };
  if (Array.isArray(data)) {
    const [x, y] = data;
    if (!(x instanceof Tensor)) fail(op, '`data` as a list must be [x, y?] with tensors');
    if (y !== undefined && !(y instanceof Tensor)) fail(op, '`data` as a list must be [x, y?] with tensors');
    return { x, y: y ?? null };
  }
  if (typeof data === 'object' && (data as { xs: Tensor }).xs instanceof Tensor) {
    const d = data as { xs: Tensor; ys?: Tensor };
    if (d.ys !== undefined && !(d.ys instanceof Tensor)) fail(op, '`data.ys` must be a Tensor');
    return { x: d.xs, y: d.ys ?? null };
  }
  fail(op, '`data` must be a Tensor x, {xs, ys?} or [x, y?]');
}

/** A display name for a variable. */
export function varLabel(s: Subject, v: Variable): string {
  return s.label.get(v) ?? v.name;
}
