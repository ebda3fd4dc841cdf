/**
 * Keras files: `.keras` (Keras 3 zip), `.weights.h5` (Keras 3 weights) and legacy `.h5`
 * (Keras 2 `save_weights` / `model.save`).
 *
 * `.keras` = zip of `metadata.json` ({keras_version, date_saved}; idem adds an `idem` entry with
 * its extra state), `config.json` ({module, class_name, config, registered_name, build_config,
 * compile_config}) and `model.weights.h5` (see weight_paths.ts; optimizer state under
 * `optimizer/vars/0..n` in Keras 3's order: iteration, learning_rate, slots).
 *
 * Legacy `.h5` weights: root attributes `layer_names` (every layer, in model order), `backend`,
 * `keras_version`; a group per layer with attribute `weight_names` (`dense/kernel:0`, ...) and
 * datasets at `<layer>/<weight name>`. A legacy full-model `.h5` has attribute `model_config`
 * (JSON), optional `training_config`, and the weights under group `model_weights`.
 *
 * Every loader parses and checks the whole file first (structure, names, shapes, dtypes, counts);
 * only then are weights assigned. Every writer produces the bytes in memory and writes them with
 * `atomicWriteFile`.
 */
import { fail } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';
import type { Layer } from '../layers/layer.ts';
import { LayersModel } from '../models/model.ts';
import { atomicWriteFile } from '../models/weights_io.ts';
import { deserializeOptimizer, type Optimizer } from '../optimizers/index.ts';
import { kerasLosses } from '../losses/keras.ts';
import { ensureGroup, getEntry, group, h5Ready, withH5, writeH5, type H5Dataset, type H5Group } from './h5.ts';
import { withWeightGuard } from '../layers/layer.ts';
import { KERAS_VERSION, camelToSnake, checkConfigDepth, modelFromKeras, snakeToCamel, toKerasModelSpec, type Json, type JsonObject, type LoadContext } from './keras_config.ts';
import { kerasVarGroups, legacyLayers, shortName } from './weight_paths.ts';
import {
  checkAssign, commit, datasetToTensor, fileShapeGuard, optimizerValues, planOptimizerRestore, planSeedRestore, saveSeedState,
  storedDatasets, typedToTensor, type Assignment,
} from './state.ts';
import { getRandomState, setRandomState, type RandomState } from '../random/seed.ts';
import { readZip, writeZip, zipEntryNames } from './zip.ts';
import { readRegularFile } from '../platform/files.ts';
import { tensor } from '../ops/creation.ts';

/** The entries of a `.keras` archive idem reads (no other entry is ever inflated). */
const KERAS_ENTRIES = ['config.json', 'metadata.json', 'model.weights.h5'];

export const IDEM_FORMAT_VERSION = 1;

function ds(t: Tensor, int64 = false): H5Dataset {
  const v = t.dataSync();
  if (t.dtype === 'float32') return { kind: 'dataset', shape: t.shape.slice(), dtype: 'float32', data: Float32Array.from(v), attrs: {} };
  if (int64) return { kind: 'dataset', shape: t.shape.slice(), dtype: 'int64', data: BigInt64Array.from(v, (x) => BigInt(x)), attrs: {} };
  if (t.dtype === 'int32') return { kind: 'dataset', shape: t.shape.slice(), dtype: 'int32', data: Int32Array.from(v), attrs: {} };
  fail('save', `cannot write a ${t.dtype} weight`);
}

// ------------------------------------------------------------------ Keras 3 weights tree

/** The Keras 3 `model.weights.h5` tree of `model` (with optimizer state when asked and compiled). */
export function kerasWeightsTree(model: LayersModel, includeOptimizer = true): H5Group {
  const root = group();
  for (const g of kerasVarGroups(model)) {
    const vars = ensureGroup(root, g.path === '' ? 'vars' : `${g.path}/vars`);
    vars.attrs['name'] = g.layer.name;
    g.vars.forEach((v, i) => vars.children.set(String(i), ds(v.read())));
  }
  const opt = model.optimizer;
  if (includeOptimizer && opt) {
    const vars = ensureGroup(root, 'optimizer/vars');
    vars.attrs['name'] = opt.name;
    optimizerValues(opt, model.trainableWeights).forEach((e, i) => vars.children.set(String(i), ds(e.value!, e.name === 'iteration')));
  }
  return root;
}

function varsOf(root: H5Group, path: string): H5Group | undefined {
  const e = getEntry(root, path === '' ? 'vars' : `${path}/vars`);
  return e && e.kind === 'group' ? e : undefined;
}

function datasetsInOrder(g: H5Group, where: string, op: string): H5Dataset[] {
  const keys = [...g.children.keys()];
  const out: H5Dataset[] = [];
  for (let i = 0; i < keys.length; i++) {
    const e = g.children.get(String(i));
    if (!e) fail(op, `${where}: expected datasets named 0..${keys.length - 1}, found ${keys.join(', ')}`);
    if (e.kind !== 'dataset') fail(op, `${where}/${i} is a group, expected a dataset`);
    out.push(e);
  }
  return out;
}

export interface LoadWeightsOptions {
  /** Legacy `.h5`: match layers by name (default) or by topological order (`false`). Keras 3 files: by Keras path (default) or by the `name` attribute of each group (`true`). */
  byName?: boolean;
  /** Skip layers whose weights do not match instead of failing (they keep their values). */
  skipMismatch?: boolean;
  /** Restore optimizer state when the model is compiled (default true). */
  loadOptimizer?: boolean;
}

/** Plans loading a Keras 3 weights tree into `model`; throws (changing nothing) on any mismatch. */
export function planKerasWeights(model: LayersModel, root: H5Group, file: string, opts: LoadWeightsOptions, op: string): () => void {
  const groups = kerasVarGroups(model);
  const assigns: Assignment[] = [];
  const problems: string[] = [];
  // Groups in the file by their recorded layer name (idem and recent Keras write a `name` attribute on each `vars` group).
  const named = new Map<string, string[]>();
  const walkNames = (g: H5Group, path: string) => {
    for (const [k, c] of g.children) {
      if (c.kind !== 'group') continue;
      if (k === 'vars' && typeof c.attrs['name'] === 'string') named.set(c.attrs['name'], [...(named.get(c.attrs['name']) ?? []), path]);
      else walkNames(c, path === '' ? k : `${path}/${k}`);
    }
  };
  walkNames(root, '');
  const modelNames = new Set(groups.map((g) => g.layer.name));
  const seen = new Set<string>();
  for (const g of groups) {
    let path = g.path;
    // A layer's own group (not a cell or sub-layer) recorded under another of the model's layer
    // names means the file orders same-class layers differently (a branched graph): follow the names.
    // `byName: true` follows them always, `byName: false` never.
    const recorded = varsOf(root, path)?.attrs['name'];
    const swapped = typeof recorded === 'string' && recorded !== g.layer.name && modelNames.has(recorded);
    if (!g.sub && opts.byName !== false && (opts.byName === true || swapped)) {
      const depth = g.path.split('/').length;
      const cands = (named.get(g.layer.name) ?? []).filter((p) => p.split('/').length === depth);
      if (cands.length === 1) path = cands[0]!;
      else if (swapped) problems.push(`${path}/vars holds layer '${recorded}' and no single group of the file is named '${g.layer.name}'`);
    }
    // MultiHeadAttention's projections: Keras 3.0 writes `_query_dense`, later versions `query_dense`; read either.
    if (g.sub && !varsOf(root, path)) {
      const alt = path.replace(/\/_(query|key|value|output)_dense$/, '/$1_dense');
      if (alt !== path && varsOf(root, alt)) path = alt;
    }
    seen.add(path);
    const vg = varsOf(root, path);
    const vpath = path === '' ? 'vars' : `${path}/vars`;
    const where = `${vpath} (layer '${g.layer.name}')`;
    if (g.vars.length === 0) {
      if (vg && vg.children.size > 0) problems.push(`${where}: the file has ${vg.children.size} variables, the layer has none`);
      continue;
    }
    if (!vg) {
      problems.push(`${where}: missing from the file (the layer has ${g.vars.length} weights)`);
      continue;
    }
    try {
      const dss = datasetsInOrder(vg, `${file}: ${where}`, op);
      if (dss.length !== g.vars.length) {
        problems.push(`${where}: ${dss.length} variables in the file, the layer has ${g.vars.length} (${g.vars.map((v) => `${shortName(g.layer, v)} [${v.shape}]`).join(', ')})`);
        continue;
      }
      const mine: Assignment[] = [];
      dss.forEach((d, i) => {
        const w = `${vpath}/${i} (layer '${g.layer.name}', weight '${shortName(g.layer, g.vars[i]!)}')`;
        mine.push(checkAssign(g.vars[i]!, datasetToTensor(d, g.vars[i]!, w, op), w, op));
      });
      assigns.push(...mine);
    } catch (e) {
      problems.push((e as Error).message.replace(/^\w+: /, ''));
    }
  }
  // Layer groups in the file that the model has no place for.
  const extra: string[] = [];
  const walk = (g: H5Group, path: string) => {
    for (const [k, c] of g.children) {
      if (c.kind !== 'group') continue;
      const p = path === '' ? k : `${path}/${k}`;
      if (k === 'vars') {
        if (c.children.size > 0 && !seen.has(path) && path.split('/')[0] !== 'optimizer' && !path.startsWith('compile_metrics') && !path.startsWith('metrics')) extra.push(path);
      } else walk(c, p);
    }
  };
  walk(root, '');
  if (extra.length) problems.push(`the file has weights the model has no layer for: ${extra.join(', ')}`);
  if (problems.length && !opts.skipMismatch) fail(op, `${file} does not match model '${model.name}':\n  ${problems.join('\n  ')}`);
  let optPlan: () => void = () => {};
  const opt = model.optimizer;
  const og = varsOf(root, 'optimizer');
  if (opt && og && opts.loadOptimizer !== false) {
    const where = (i: number) => `${file}: optimizer/vars${i >= 0 ? `/${i}` : ''}`;
    const dss = datasetsInOrder(og, where(-1), op);
    const values = dss.map((d, i) => {
      if (d.dtype === 'int64' || d.dtype === 'int32') return typedToTensor(d.data, d.dtype, 'int32', d.shape, where(i), op);
      return typedToTensor(d.data, d.dtype, 'float32', d.shape, where(i), op);
    });
    optPlan = planOptimizerRestore(opt, model.trainableWeights, values, where, op);
  }
  return () => {
    commit(assigns);
    optPlan();
  };
}

// ------------------------------------------------------------------ legacy (Keras 2) weights

export function legacyWeightsTree(model: LayersModel, root = group()): H5Group {
  const layers = legacyLayers(model);
  root.attrs['layer_names'] = layers.map((l) => l.name);
  root.attrs['backend'] = 'tensorflow';
  root.attrs['keras_version'] = '2.15.0';
  for (const l of layers) {
    const g = ensureGroup(root, l.name);
    // Keras 2 names: `<layer>/<weight>:0`; a wrapped layer's weights keep their own layer's name inside (`bi/forward_lstm/kernel:0`).
    const names = l.weights.map((w) => {
      const base = w.name.replace(/:\d+$/, '');
      return base.includes(`${l.name}/`) ? `${l.name}/${shortName(l, w)}:0` : `${l.name}/${base}:0`;
    });
    g.attrs['weight_names'] = names;
    l.weights.forEach((w, i) => {
      const parts = names[i]!.split('/');
      const parent = ensureGroup(g, parts.slice(0, -1).join('/'));
      parent.children.set(parts[parts.length - 1]!, ds(w.read()));
    });
  }
  return root;
}

/** Attribute list, including h5py's split form (`name0`, `name1`, ... for attributes over 64 KB). */
function attrList(g: H5Group, name: string): string[] | null {
  const v = g.attrs[name];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return [v];
  if (g.attrs[`${name}0`] !== undefined) {
    const out: string[] = [];
    for (let i = 0; g.attrs[`${name}${i}`] !== undefined; i++) out.push(...(g.attrs[`${name}${i}`] as string[]).map(String));
    return out;
  }
  return null;
}

export function planLegacyWeights(model: LayersModel, root: H5Group, file: string, opts: LoadWeightsOptions, op: string): () => void {
  const names = attrList(root, 'layer_names');
  if (!names) fail(op, `${file} has no 'layer_names' attribute: not a Keras 2 weights file`);
  const saved: { name: string; weightNames: string[]; datasets: H5Dataset[] }[] = [];
  for (const n of names) {
    const g = root.children.get(n);
    if (!g || g.kind !== 'group') fail(op, `${file}: layer '${n}' is listed in layer_names but has no group`);
    const wn = attrList(g, 'weight_names') ?? [];
    const dss = wn.map((w) => {
      const e = getEntry(g, w);
      if (!e || e.kind !== 'dataset') fail(op, `${file}: ${n}/${w} is listed in weight_names but is missing`);
      return e;
    });
    saved.push({ name: n, weightNames: wn, datasets: dss });
  }
  const problems: string[] = [];
  const assigns: Assignment[] = [];
  const match = (l: Layer, s: (typeof saved)[number]) => {
    const ws = l.weights;
    if (ws.length !== s.datasets.length) {
      const modelWeights = ws.map((w) => `${shortName(l, w)} [${w.shape}]`).join(', ');
      problems.push(`layer '${l.name}': the file's '${s.name}' has ${s.datasets.length} weights (${s.weightNames.join(', ')}), ` +
        `the model's has ${ws.length} (${modelWeights})`);
      return;
    }
    try {
      const mine = ws.map((w, i) => checkAssign(w, datasetToTensor(s.datasets[i]!, w, `${s.name}/${s.weightNames[i]}`, op), `${s.name}/${s.weightNames[i]}`, op));
      assigns.push(...mine);
    } catch (e) {
      problems.push((e as Error).message.replace(/^\w+: /, ''));
    }
  };
  const weighted = legacyLayers(model).filter((l) => l.weights.length > 0);
  if (opts.byName === false) {
    const withWeights = saved.filter((s) => s.datasets.length > 0);
    if (withWeights.length !== weighted.length) {
      fail(op, `${file}: ${withWeights.length} layers with weights in the file (${withWeights.map((s) => s.name).join(', ')}), ` +
        `${weighted.length} in model '${model.name}' (${weighted.map((l) => l.name).join(', ')}); topological loading needs the same number`);
    }
    weighted.forEach((l, i) => match(l, withWeights[i]!));
  } else {
    const byName = new Map(saved.map((s) => [s.name, s]));
    for (const l of weighted) {
      const s = byName.get(l.name);
      if (!s) problems.push(`layer '${l.name}' is not in the file (file layers: ${names.join(', ')})`);
      else match(l, s);
    }
    const mine = new Set(weighted.map((l) => l.name));
    const unused = saved.filter((s) => s.datasets.length > 0 && !mine.has(s.name)).map((s) => s.name);
    if (unused.length) problems.push(`the file's layers ${unused.join(', ')} have no layer of that name in the model`);
  }
  if (problems.length && !opts.skipMismatch) fail(op, `${file} does not match model '${model.name}':\n  ${problems.join('\n  ')}`);
  return () => commit(assigns);
}

// ------------------------------------------------------------------ compile config

function pascal(camel: string): string {
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

/** A loss or metric name as Keras knows it: idem's camelCase names become snake_case ('meanSquaredError' → 'mean_squared_error'); Keras's own short names stay. */
function kerasName(s: string): string {
  return /[a-z][A-Z]/.test(s) ? camelToSnake(s) : s;
}

/**
 * Optimizer config keys both Keras 3 and Keras 2 take — Keras 2 rebuilds a legacy `.h5`'s
 * optimizer as its legacy class, which refuses Keras 3's `weight_decay`, `use_ema`, `ema_*`, ... —
 * so the training config loads in either. A key outside this list is written only when it holds
 * something other than its default (an AdamW's weight decay: Keras 3 only, as AdamW is).
 */
const PORTABLE_OPTIMIZER_KEYS = [
  'name', 'learning_rate', 'clipnorm', 'global_clipnorm', 'clipvalue', 'beta_1', 'beta_2', 'epsilon', 'amsgrad', 'rho', 'momentum',
  'centered', 'nesterov', 'initial_accumulator_value',
];
const OPTIMIZER_DEFAULTS: Record<string, unknown> = {
  weight_decay: null, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null,
};

function compileConfig(model: LayersModel, notes: string[]): JsonObject | null {
  const args = model.compileArgs;
  const opt = model.optimizer;
  if (!args || !opt) return null;
  const lossOf = (l: unknown): Json => {
    if (typeof l === 'string') return kerasName(l);
    if (l && typeof l === 'object' && typeof (l as { fn?: unknown }).fn === 'function') {
      const k = l as { name: string; fromLogits: boolean };
      return { module: 'keras.losses', class_name: pascal(k.name), config: { name: camelToSnake(k.name), reduction: 'sum_over_batch_size', from_logits: k.fromLogits }, registered_name: null };
    }
    if (l === null) return null;
    notes.push('a loss given as a function is not written to compile_config');
    return null;
  };
  const loss = Array.isArray(args.loss) ? args.loss.map(lossOf)
    : typeof args.loss === 'object' && args.loss !== null && typeof (args.loss as { fn?: unknown }).fn !== 'function'
      ? Object.fromEntries(Object.entries(args.loss).map(([k, v]) => [k, lossOf(v)]))
      : lossOf(args.loss);
  const metricOf = (m: unknown): Json => {
    if (typeof m === 'string') return kerasName(m);
    if (Array.isArray(m)) return m.map(metricOf);
    if (m === null) return null;
    notes.push('metrics given as functions or objects are not written to compile_config');
    return null;
  };
  const metrics = args.metrics === undefined ? null : Array.isArray(args.metrics) ? (args.metrics as unknown[]).map(metricOf).filter((x) => x !== null) : metricOf(args.metrics);
  const s = opt.serialize();
  const lw = args.lossWeights;
  return {
    optimizer: { module: 'keras.optimizers', class_name: s.class_name, config: s.config as Json, registered_name: null },
    loss,
    loss_weights: lw === undefined ? null : (lw as Json),
    metrics,
    weighted_metrics: null,
    run_eagerly: args.runEagerly === true,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/**
 * The `training_config` attribute of a legacy `.h5` (Keras's `model_metadata`): compile_config
 * without the optimizer object, plus `optimizer_config` {class_name, config} holding only the keys
 * Keras 3 and Keras 2 both accept.
 */
function legacyTrainingConfig(model: LayersModel): JsonObject | null {
  const cc = compileConfig(model, []);
  const opt = model.optimizer;
  if (!cc || !opt) return null;
  const { optimizer: _omit, ...rest } = cc;
  void _omit;
  const s = opt.serialize();
  const config: JsonObject = {};
  for (const [k, v] of Object.entries(s.config)) {
    if (v === null) continue; // (Keras 2's legacy optimizers take no null clipnorm and the like)
    if (PORTABLE_OPTIMIZER_KEYS.includes(k) || (k in OPTIMIZER_DEFAULTS && v !== OPTIMIZER_DEFAULTS[k])) config[k] = v as Json;
  }
  return { ...rest, optimizer_config: { class_name: s.class_name, config } };
}

/** The `optimizer_weights` group of a legacy `.h5`: Keras 3's list (iteration, learning_rate, then each variable's slots), names in `weight_names`. */
function legacyOptimizerWeights(model: LayersModel): H5Group | null {
  const opt = model.optimizer;
  if (!opt || opt.iterations === 0) return null;
  const g = group();
  const names: string[] = [];
  for (const e of optimizerValues(opt, model.trainableWeights)) {
    const base = e.variable ? `${e.variable.name.replace(/:\d+$/, '').replace(/\//g, '_')}_${e.slot}` : e.name;
    const n = `${opt.name}/${base}`;
    names.push(n);
    const parts = n.split('/');
    ensureGroup(g, parts.slice(0, -1).join('/')).children.set(parts[parts.length - 1]!, ds(e.value!, e.name === 'iteration'));
  }
  g.attrs['weight_names'] = names;
  return g;
}

/**
 * A legacy `.h5`'s `optimizer_weights` as idem's optimizer state list (iteration, learning rate,
 * each variable's slots in turn). Reads Keras 3's layout (what idem writes) and Keras 2's: the
 * 2.11+ optimizers (`iter`, then each variable's slots) and the legacy ones (`iter`, then each slot
 * kind over all variables). Null when the layout is not one of these.
 */
function legacyOptimizerValues(opt: Optimizer, trainable: readonly { name: string }[], g: H5Group, file: string, op: string): { values: Tensor[]; where: (i: number) => string } | null {
  const names = attrList(g, 'weight_names');
  if (!names || names.length === 0) return null;
  const dss = names.map((n) => {
    const e = getEntry(g, n);
    if (!e || e.kind !== 'dataset') fail(op, `${file}: optimizer_weights/${n} is listed in weight_names but is missing`);
    return e;
  });
  const read = (i: number) => {
    const d = dss[i]!;
    const want = d.dtype === 'int64' || d.dtype === 'int32' ? 'int32' : 'float32';
    return typedToTensor(d.data, d.dtype, want, d.shape, `${file}: optimizer_weights/${names[i]}`, op);
  };
  const where = (i: number) => `${file}: optimizer_weights${i >= 0 ? `/${names[i]}` : ''}`;
  const keras3 = names.length >= 2 && /(^|\/)iteration$/.test(names[0]!) && /(^|\/)learning_rate$/.test(names[1]!);
  if (keras3) return { values: dss.map((_, i) => read(i)), where };
  if (!/(^|\/)iter(ations)?(:0)?$/.test(names[0]!)) return null;
  const slots = names.length - 1;
  const nVars = trainable.length;
  if (nVars === 0 || slots % nVars !== 0) return null;
  const perVar = slots / nVars;
  const lr = tensor([typeof opt.learningRate === 'number' ? opt.learningRate : 0], [], 'float32');
  const values: Tensor[] = [read(0)];
  if (typeof opt.learningRate === 'number') values.push(lr);
  // Keras 2's legacy optimizers group by slot kind (`.../m:0` for every variable, then `.../v:0`).
  const grouped = perVar > 1 && /\/m:0$/.test(names[1]!) && /\/m:0$/.test(names[2] ?? '');
  for (let v = 0; v < nVars; v++) for (let k = 0; k < perVar; k++) values.push(read(grouped ? 1 + k * nVars + v : 1 + v * perVar + k));
  return { values, where };
}

function lossFromKeras(l: unknown, where: string): unknown {
  if (l === null || typeof l === 'string') return l;
  if (Array.isArray(l)) return l.map((x) => lossFromKeras(x, where));
  if (l && typeof l === 'object') {
    const o = l as Record<string, unknown>;
    const cn = o['class_name'];
    if (typeof cn !== 'string') return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, lossFromKeras(v, where)]));
    const cfg = (o['config'] ?? {}) as Record<string, unknown>;
    const f = (kerasLosses as Record<string, (o: { fromLogits?: boolean }) => unknown>)[snakeToCamel(camelToSnake(cn))];
    if (f) return f({ fromLogits: Boolean(cfg['from_logits']) });
    if (cfg['from_logits']) fail('loadLayersModel', `${where}: loss ${cn} with from_logits is not known to idem`);
    return camelToSnake(cn);
  }
  fail('loadLayersModel', `${where}: cannot read loss ${JSON.stringify(l)}`);
}

/**
 * Compile metrics as Keras files hold them: names, or (Keras 2's training config) serialized metric
 * objects (`{class_name: 'MeanMetricWrapper', config: {name, fn}}`), and for a one-output model
 * Keras 2's list of one list.
 */
function metricsFromKeras(model: LayersModel, m: unknown, where: string): unknown {
  const one = (x: unknown): unknown => {
    if (typeof x === 'string' || x === null) return x;
    if (Array.isArray(x)) return x.map(one);
    if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      const cn = o['class_name'];
      const cfg = (o['config'] ?? {}) as Record<string, unknown>;
      if (cn === 'MeanMetricWrapper') return typeof cfg['name'] === 'string' ? cfg['name'] : cfg['fn'];
      if (typeof cn === 'string') return camelToSnake(cn);
      if (cn === undefined) return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, one(v)]));
    }
    fail('loadLayersModel', `${where}: cannot read metric ${JSON.stringify(x)?.slice(0, 200)}`);
  };
  const out = one(m);
  if (Array.isArray(out) && model.outputs.length === 1 && out.length === 1 && Array.isArray(out[0])) return out[0];
  return out;
}

function compileFromKeras(model: LayersModel, cc: unknown, where: string): void {
  if (!cc || typeof cc !== 'object') return;
  const c = cc as Record<string, unknown>;
  const o = c['optimizer'] ?? c['optimizer_config'];
  let optimizer: Optimizer | string;
  if (typeof o === 'string') optimizer = o;
  else if (o && typeof o === 'object') optimizer = deserializeOptimizer(o as { class_name: string; config: Record<string, unknown> });
  else fail('loadLayersModel', `${where}: compile_config has no optimizer`);
  const args: Record<string, unknown> = { optimizer, loss: lossFromKeras(c['loss'], where) };
  if (c['metrics'] !== null && c['metrics'] !== undefined) args['metrics'] = metricsFromKeras(model, c['metrics'], where);
  if (c['loss_weights'] !== null && c['loss_weights'] !== undefined) args['lossWeights'] = c['loss_weights'];
  if (c['run_eagerly'] === true) args['runEagerly'] = true;
  model.compile(args as never);
}

// ------------------------------------------------------------------ .keras

export interface SaveOptions {
  /** Write optimizer state (default true when the model is compiled). */
  includeOptimizer?: boolean;
}

/** The bytes of a `.keras` archive for `model`. */
export async function kerasArchive(model: LayersModel, opts: SaveOptions = {}): Promise<Uint8Array> {
  await h5Ready();
  const notes: string[] = [];
  const spec = toKerasModelSpec(model);
  spec['compile_config'] = compileConfig(model, notes);
  const now = new Date();
  const p2 = (n: number) => String(n).padStart(2, '0');
  const metadata = {
    keras_version: KERAS_VERSION,
    date_saved: `${now.getUTCFullYear()}-${p2(now.getUTCMonth() + 1)}-${p2(now.getUTCDate())}@${p2(now.getUTCHours())}:${p2(now.getUTCMinutes())}:${p2(now.getUTCSeconds())}`,
    idem: {
      format_version: IDEM_FORMAT_VERSION,
      seed_generators: saveSeedState(model),
      random_state: getRandomState(),
      ...(model.optimizer ? { optimizer_step_precision: model.optimizer.stepPrecision } : {}),
      ...(notes.length ? { notes } : {}),
    },
  };
  const enc = new TextEncoder();
  const weights = writeH5(kerasWeightsTree(model, opts.includeOptimizer !== false));
  return writeZip({ 'metadata.json': enc.encode(JSON.stringify(metadata)), 'config.json': enc.encode(JSON.stringify(spec)), 'model.weights.h5': weights });
}

export async function saveKeras(model: LayersModel, file: string, opts: SaveOptions = {}): Promise<void> {
  atomicWriteFile(file, await kerasArchive(model, opts));
}

export interface LoadModelOptions extends LoadContext {
  /** Compile the model from the file's compile_config and restore optimizer state (default true). */
  compile?: boolean;
  /**
   * Also restore the process's global random state saved with the model (`.keras` from idem):
   * the global sequence `fit`'s shuffle and unseeded ops draw from. For resuming a run exactly;
   * default false (loading a model does not touch the program's random state).
   */
  restoreRandomState?: boolean;
}

function parseJson(bytes: Uint8Array | undefined, what: string, op: string): Record<string, unknown> {
  if (!bytes) fail(op, `${what} is missing`);
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    fail(op, `${what} is not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(op, `${what} is not a JSON object`);
  checkConfigDepth(v, what, op);
  return v as Record<string, unknown>;
}

function readBytes(file: string, op: string): Uint8Array {
  return readRegularFile(file, op);
}

/** Loads a `.keras` file (path or bytes) into a new model. */
export async function loadKeras(source: string | Uint8Array, opts: LoadModelOptions = {}, label?: string): Promise<LayersModel> {
  const op = 'loadLayersModel';
  await h5Ready();
  const file = label ?? (typeof source === 'string' ? source : '.keras bytes');
  const bytes = typeof source === 'string' ? readBytes(source, op) : source;
  const entries = readZip(bytes, file, op, KERAS_ENTRIES);
  const config = parseJson(entries.get('config.json'), `${file}: config.json`, op);
  const metadata = entries.has('metadata.json') ? parseJson(entries.get('metadata.json'), `${file}: metadata.json`, op) : {};
  const kv = metadata['keras_version'];
  if (typeof kv === 'string' && !kv.startsWith('3.')) fail(op, `${file}: metadata.json says keras_version ${kv}; .keras files come from Keras 3`);
  const wbytes = entries.get('model.weights.h5');
  if (!wbytes) fail(op, `${file}: model.weights.h5 is missing${zipEntryNames(bytes, file, op).includes('model.weights.npz') ? ' (npz weights are not supported)' : ''}`);
  const wfile = `${file}: model.weights.h5`;
  // The weights file is opened first and its datasets listed (not read): the model is built with
  // every new weight checked against them, then only the datasets the model refers to are read.
  const { model, plan } = withH5(wbytes, wfile, op, (root) => {
    const model = withWeightGuard(fileShapeGuard(storedDatasets(root), `${file}: config.json`, wfile, op), () => modelFromKeras(config, opts, `${file}: config.json`));
    if (opts.compile !== false) compileFromKeras(model, config['compile_config'], `${file}: config.json compile_config`);
    return { model, plan: planKerasWeights(model, root, wfile, { loadOptimizer: opts.compile !== false }, op) };
  });
  const idem = metadata['idem'] as Record<string, unknown> | undefined;
  setStepPrecision(model, idem ? (idem['optimizer_step_precision'] ?? 'float64') : 'float32', `${file}: metadata.json idem.optimizer_step_precision`, op);
  const seeds = planSeedRestore(model, idem?.['seed_generators'], `${file}: metadata.json idem.seed_generators`, op);
  let randomState: RandomState | null = null;
  if (opts.restoreRandomState === true) {
    const rs = idem?.['random_state'];
    if (rs === undefined) fail(op, `${file}: restoreRandomState was asked for, but metadata.json has no idem.random_state (the file was not saved by idem)`);
    randomState = rs as RandomState;
    // validate now (nothing changed yet): setRandomState on the current state is a no-op check path
    const current = getRandomState();
    try {
      setRandomState(randomState);
    } catch (e) {
      setRandomState(current);
      fail(op, `${file}: metadata.json idem.random_state: ${(e as Error).message}`);
    }
    setRandomState(current);
  }
  plan();
  seeds();
  if (randomState) setRandomState(randomState);
  return model;
}

/**
 * A loaded optimizer's `stepPrecision`: what an idem file recorded, else Keras's float32 steps
 * (the file came from Keras, so the training continues as Keras would).
 */
function setStepPrecision(model: LayersModel, v: unknown, where: string, op: string): void {
  const opt = model.optimizer;
  if (!opt) return;
  if (v !== 'float32' && v !== 'float64') fail(op, `${where}: expected 'float32' or 'float64', found ${JSON.stringify(v)}`);
  opt.stepPrecision = v;
}

/** Loads a legacy Keras 2 full-model `.h5` (attribute `model_config` + group `model_weights`). */
export async function loadLegacyH5Model(source: string | Uint8Array, opts: LoadModelOptions = {}, label?: string): Promise<LayersModel> {
  const op = 'loadLayersModel';
  await h5Ready();
  const file = label ?? (typeof source === 'string' ? source : '.h5 bytes');
  return withH5(typeof source === 'string' ? readBytes(source, op) : source, file, op, (root) => {
    const mc = root.attrs['model_config'];
    if (typeof mc !== 'string') fail(op, `${file} has no 'model_config' attribute: it holds weights only (build the model and call loadWeights)`);
    const config = parseJson(new TextEncoder().encode(mc), `${file}: model_config`, op);
    const mw = root.children.get('model_weights');
    if (!mw || mw.kind !== 'group') fail(op, `${file} has no 'model_weights' group`);
    const model = withWeightGuard(fileShapeGuard(storedDatasets(mw), `${file}: model_config`, `${file}: model_weights`, op), () => modelFromKeras(config, opts, `${file}: model_config`));
    const plan = planLegacyWeights(model, mw, `${file}: model_weights`, { byName: true }, op);
    // The training configuration (Keras writes it with the model): compile, then the optimizer state.
    let optPlan: () => void = () => {};
    const tc = root.attrs['training_config'];
    if (opts.compile !== false && typeof tc === 'string') {
      const training = parseJson(new TextEncoder().encode(tc), `${file}: training_config`, op);
      compileFromKeras(model, training, `${file}: training_config`);
      const sp = root.attrs['idem_optimizer_step_precision'];
      setStepPrecision(model, typeof sp === 'string' ? sp : 'float32', `${file}: idem_optimizer_step_precision`, op);
      const og = root.children.get('optimizer_weights');
      const opt = model.optimizer;
      if (opt && og?.kind === 'group') {
        const saved = legacyOptimizerValues(opt, model.trainableWeights, og, file, op);
        if (saved) optPlan = planOptimizerRestore(opt, model.trainableWeights, saved.values, saved.where, op);
        else console.warn(`idem: ${file}: optimizer_weights has a layout idem does not know; the optimizer starts fresh (as Keras does when it cannot restore the state)`);
      }
    }
    plan();
    optPlan();
    return model;
  });
}

// ------------------------------------------------------------------ weights files

export async function saveKerasWeights(model: LayersModel, file: string, opts: SaveOptions = {}): Promise<void> {
  atomicWriteFile(file, await kerasWeightsBytes(model, file, opts), 'saveWeights');
}

/** The bytes `saveKerasWeights` writes: Keras 3 layout for `*.weights.h5`, else Keras 2's. */
export async function kerasWeightsBytes(model: LayersModel, file: string, opts: SaveOptions = {}): Promise<Uint8Array> {
  await h5Ready();
  if (!model.built) fail('saveWeights', `model '${model.name}' is not built yet: call it or give it an input shape first`);
  if (/\.weights\.h5$/.test(file)) return writeH5(kerasWeightsTree(model, opts.includeOptimizer !== false));
  return writeH5(legacyWeightsTree(model));
}

/** Legacy full model `.h5` (Keras 2 `model.save('m.h5')`): Keras 2 config + weights. */
export async function saveLegacyH5Model(model: LayersModel, file: string): Promise<void> {
  atomicWriteFile(file, await legacyH5ModelBytes(model));
}

/** The bytes `saveLegacyH5Model` writes. */
export async function legacyH5ModelBytes(model: LayersModel): Promise<Uint8Array> {
  await h5Ready();
  const root = group();
  root.attrs['model_config'] = JSON.stringify(toKeras2Spec(model));
  root.attrs['keras_version'] = '2.15.0';
  root.attrs['backend'] = 'tensorflow';
  legacyWeightsTree(model, ensureGroup(root, 'model_weights'));
  const tc = legacyTrainingConfig(model);
  if (tc) {
    root.attrs['training_config'] = JSON.stringify(tc);
    root.attrs['idem_optimizer_step_precision'] = model.optimizer!.stepPrecision;
    const ow = legacyOptimizerWeights(model);
    if (ow) root.children.set('optimizer_weights', ow);
  }
  return writeH5(root);
}

/** Keras 2 / TF.js-style spec: `batch_input_shape` on the first layer, nodes as [[name, node, tensor, {}]]. */
export function toKeras2Spec(model: LayersModel, form: 'keras' | 'tfjs' = 'keras'): JsonObject {
  const k3 = toKerasModelSpec(model);
  return convertK3toK2(k3, form) as JsonObject;
}

/** Drops Keras 3's `module` / `registered_name` from every nested object and unwraps DTypePolicy dtypes. */
function stripK3(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripK3);
  if (!v || typeof v !== 'object') return v;
  const o = v as JsonObject;
  if (o['class_name'] === 'DTypePolicy' && o['config'] && typeof o['config'] === 'object') return (o['config'] as JsonObject)['name'] ?? 'float32';
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(o)) if (k !== 'module' && k !== 'registered_name' && k !== 'build_config' && k !== 'compile_config') out[k] = stripK3(x);
  return out;
}

function convertK3toK2(spec: Json, form: 'keras' | 'tfjs'): Json {
  const s = stripK3(spec) as JsonObject;
  const cfg = { ...(s['config'] as JsonObject) };
  if (s['class_name'] === 'Sequential') {
    // The InputLayer stays the first entry (batch_input_shape on it, none on the next layer):
    // Keras 3's legacy loader turns a first layer's batch_input_shape into an input_shape with a
    // second batch axis, and Keras 2 reads an InputLayer entry as its own save would write it.
    cfg['layers'] = (cfg['layers'] as JsonObject[]).map((l) => {
      if (l['class_name'] !== 'InputLayer') return convertK3toK2(l, form);
      const ic = l['config'] as JsonObject;
      return { class_name: 'InputLayer', config: { batch_input_shape: ic['batch_shape'] as Json, dtype: ic['dtype'] ?? 'float32', sparse: false, name: ic['name'] as Json } };
    });
    delete cfg['build_input_shape'];
    // TF.js writes a Sequential as its own saves do: no InputLayer entry, batch_input_shape (and
    // the input dtype) on the first layer.
    const ls = cfg['layers'] as JsonObject[];
    if (form === 'tfjs' && ls.length > 1 && ls[0]!['class_name'] === 'InputLayer') {
      const ic = ls[0]!['config'] as JsonObject;
      const first = ls[1]!;
      first['config'] = { batch_input_shape: ic['batch_input_shape'] as Json, ...(first['config'] as JsonObject) };
      cfg['layers'] = ls.slice(1);
    }
    return { class_name: 'Sequential', config: cfg };
  }
  if (s['class_name'] === 'Functional') {
    cfg['layers'] = (cfg['layers'] as JsonObject[]).map((l) => {
      const c: JsonObject = { class_name: l['class_name'] as Json, config: (convertK3toK2(l, form) as JsonObject)['config'] as Json, name: l['name'] as Json };
      if (l['class_name'] === 'InputLayer') {
        // Keras 2's InputLayer takes no `trainable`: the keys both take.
        const ic = c['config'] as JsonObject;
        c['config'] = { batch_input_shape: ic['batch_shape'] as Json, dtype: ic['dtype'] ?? 'float32', sparse: false, name: ic['name'] as Json };
      }
      c['inbound_nodes'] = ((l['inbound_nodes'] as JsonObject[]) ?? []).map((n) => {
        // MultiHeadAttention(query, value, key=...): Keras 3 reads these calls only in its own
        // node form (its legacy reader passes the list form as one argument), so they keep it.
        if (l['class_name'] === 'MultiHeadAttention') return n;
        const args = n['args'] as Json[];
        const flat = (args.length === 1 && Array.isArray(args[0]) ? (args[0] as Json[]) : args) as JsonObject[];
        const refs = flat.map((a) => [...((a['config'] as JsonObject)['keras_history'] as Json[]), {}] as Json);
        const key = (n['kwargs'] as JsonObject)?.['key'] as JsonObject | undefined;
        if (key) refs.push([...((key['config'] as JsonObject)['keras_history'] as Json[]), {}]);
        // Keras 2 lists a recurrent layer's initial states as inputs after the sequence.
        const states = (n['kwargs'] as JsonObject)?.['initial_state'] as JsonObject[] | undefined;
        if (Array.isArray(states)) for (const st of states) refs.push([...((st['config'] as JsonObject)['keras_history'] as Json[]), {}]);
        return refs;
      });
      return c;
    });
    const asList = (r: Json) => (Array.isArray(r) && typeof r[0] === 'string' ? [r] : r);
    cfg['input_layers'] = asList(cfg['input_layers'] as Json);
    cfg['output_layers'] = asList(cfg['output_layers'] as Json);
    return { class_name: 'Model', config: cfg };
  }
  // A layer: nested layers (wrappers) converted too, keeping `module` (Keras 3 deserializes a
  // wrapped layer with its registry-free loader, which needs it; Keras 2 ignores it).
  for (const key of ['layer', 'backward_layer']) {
    const orig = ((spec as JsonObject)['config'] as JsonObject | undefined)?.[key] as JsonObject | undefined;
    if (cfg[key] && typeof cfg[key] === 'object') {
      const inner = convertK3toK2(cfg[key] as Json, form) as JsonObject;
      cfg[key] = { module: orig?.['module'] ?? 'keras.layers', class_name: inner['class_name'] as Json, config: inner['config'] as Json, registered_name: orig?.['registered_name'] ?? null };
    }
  }
  return { class_name: s['class_name'] as Json, config: cfg };
}

/** What kind of weights file `bytes` is. */
export function sniff(bytes: Uint8Array): 'hdf5' | 'zip' | 'idem' | 'safetensors' | 'unknown' {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46) return 'hdf5';
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) return 'zip';
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(0, 8)) === 'IDEMWTS1') return 'idem';
  if (bytes.length >= 9 && bytes[8] === 0x7b) return 'safetensors';
  return 'unknown';
}

/** Loads Keras weights (`.weights.h5`, legacy `.h5`, or the weights inside a `.keras`) into `model`. */
export async function loadKerasWeights(model: LayersModel, file: string, bytes: Uint8Array, opts: LoadWeightsOptions = {}): Promise<void> {
  const op = 'loadWeights';
  await h5Ready();
  if (!model.built) fail(op, `model '${model.name}' is not built yet: call it or give it an input shape first`);
  let h5bytes = bytes;
  let label = file;
  if (sniff(bytes) === 'zip') {
    const entries = readZip(bytes, file, op, ['model.weights.h5']);
    const w = entries.get('model.weights.h5');
    if (!w) fail(op, `${file}: model.weights.h5 is missing`);
    label = `${file}: model.weights.h5`;
    h5bytes = w;
  }
  const plan = withH5(h5bytes, label, op, (root) => {
    if (attrList(root, 'layer_names')) return planLegacyWeights(model, root, label, opts, op);
    const legacyFullModel = root.children.get('model_weights')?.kind === 'group' && typeof root.attrs['model_config'] === 'string';
    if (legacyFullModel) return planLegacyWeights(model, root.children.get('model_weights') as H5Group, `${label}: model_weights`, opts, op);
    if (root.children.has('layers') || root.children.has('vars')) return planKerasWeights(model, root, label, opts, op);
    fail(op, `${file} is an HDF5 file but neither Keras 3 weights (no 'layers' group) nor Keras 2 weights (no 'layer_names' attribute)`);
  });
  plan();
}

