/**
 * Layer and model configs between idem and Keras.
 *
 * idem's `getConfig()` is TF.js-shaped: camelCase keys, nested objects `{className, config}`,
 * regularizers `{l1, l2}`, `batchInputShape` on a layer. Keras 3 (`.keras` config.json) writes
 * snake_case keys, nested objects `{module, class_name, config, registered_name}`, `batch_shape`
 * on `InputLayer` only, and functional graphs as `inbound_nodes: [{args: [__keras_tensor__...],
 * kwargs}]`. Keras 2 and TF.js (`model.json`, legacy `.h5` `model_config`) write snake_case (TF.js
 * may also write camelCase) with `batch_input_shape` and `inbound_nodes: [[[name, node, tensor,
 * kwargs], ...]]`. `toKeras*` writes Keras 3; `fromKeras*` reads all three.
 *
 * Reading never evaluates code: a class name is looked up in the layer registry (built-ins and the
 * program's `tf.registerLayer` classes); `Lambda` and unknown classes are errors. Keys are checked:
 * null values and the Keras-only options listed in `IGNORABLE` are dropped only when they hold
 * their default (no effect); any other key idem's layer does not take is an error naming the layer
 * and the key.
 */
import { fail } from '../core/errors.ts';
import { getLimits } from '../core/limits.ts';
import type { DataType } from '../core/dtypes.ts';
import { InputLayer } from '../layers/core.ts';
import { KerasTensor, Layer, toSnakeCase, type Shape } from '../layers/layer.ts';
import '../layers/index.ts'; // registers every built-in layer class
import { RNNBase } from '../layers/recurrent.ts';
import { deserializeLayer, isKerasBuiltinLayer, registeredLayerNames } from '../layers/registry.ts';
import { LayersModel, Sequential } from '../models/model.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** The Keras version written into files (the Keras 3 format, whose readers are 3.x). */
export const KERAS_VERSION = '3.6.0';

export function camelToSnake(k: string): string {
  return toSnakeCase(k);
}
export function snakeToCamel(k: string): string {
  return k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `obj[key]` when `key` is the object's own property (never `constructor`, `toString`, `__proto__` from its prototype). */
function own<T>(obj: Record<string, T> | undefined, key: string): T | undefined {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets `obj[key]` as an own property, even for `__proto__` (a plain assignment would replace the prototype). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Refuses a config nested deeper than `maxConfigDepth` (objects and arrays), walked without
 * recursion, so a hostile file gets an error naming it rather than a stack overflow later.
 */
export function checkConfigDepth(v: unknown, where: string, op: string): void {
  const max = getLimits().maxConfigDepth;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d > max) fail(op, `${where} is nested more than ${max} levels deep (maxConfigDepth; tf.setLimits raises it)`);
    for (const c of Array.isArray(x) ? x : Object.values(x as object)) if (c !== null && typeof c === 'object') stack.push([c, d + 1]);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const MODULE_BY_SUFFIX: [string, string][] = [
  ['Initializer', 'keras.initializers'],
  ['Constraint', 'keras.constraints'],
  ['Regularizer', 'keras.regularizers'],
];

// ------------------------------------------------------------------ idem → Keras 3

function kerasObject(module: string, className: string, config: Json): JsonObject {
  return { module, class_name: className, config, registered_name: null };
}

function toKerasValue(key: string, v: unknown): Json {
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object') return v as Json;
  if (key === 'cells' && Array.isArray(v)) return v.map((c) => toKerasLayerSpec(deserializeLayer(c as { className: string; config: Record<string, unknown> }), false));
  if (Array.isArray(v)) return v.map((x) => toKerasValue('', x));
  if (key.endsWith('Regularizer')) {
    const r = v as { l1?: number; l2?: number };
    return kerasObject('keras.regularizers', 'L1L2', { l1: r.l1 ?? 0, l2: r.l2 ?? 0 });
  }
  if (isObj(v) && typeof v['className'] === 'string' && 'config' in v) {
    if (key === 'layer' || key === 'cell') return toKerasLayerSpec(deserializeLayer(v as { className: string; config: Record<string, unknown> }), false);
    const mod = MODULE_BY_SUFFIX.find(([s]) => key.endsWith(s))?.[1] ?? 'keras';
    return kerasObject(mod, v['className'], toKerasValue('', v['config']) as Json);
  }
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = toKerasValue(k, x);
  return out;
}

/**
 * Keys Keras 3's `get_config` writes (3.6, the version idem's files name) that idem's configs
 * leave out when they hold their default: written with that default, so a file has every key
 * Keras writes. (Keys later Keras versions added — Dense's `quantization_config`, attention's
 * `use_gate` — are not written: Keras 3.6 would reject them as unknown arguments.)
 */
const KERAS_DEFAULT_KEYS: Record<string, JsonObject> = {
  Dense: { kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null },
  Flatten: { data_format: 'channels_last' },
  BatchNormalization: { beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, synchronized: false },
  LayerNormalization: { beta_constraint: null, gamma_constraint: null, rms_scaling: false },
  Conv1D: { groups: 1, activity_regularizer: null, kernel_constraint: null, bias_constraint: null },
  Conv2D: { groups: 1, activity_regularizer: null, kernel_constraint: null, bias_constraint: null },
  Conv2DTranspose: { activity_regularizer: null, kernel_constraint: null, bias_constraint: null },
  DepthwiseConv2D: { activity_regularizer: null, depthwise_constraint: null, bias_constraint: null },
  SeparableConv2D: { activity_regularizer: null, depthwise_constraint: null, pointwise_constraint: null, bias_constraint: null },
  ZeroPadding1D: { data_format: 'channels_last' },
  SimpleRNN: { activity_regularizer: null, kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, zero_output_for_mask: false },
  LSTM: { activity_regularizer: null, kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, zero_output_for_mask: false },
  GRU: { activity_regularizer: null, kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, zero_output_for_mask: false },
  MultiHeadAttention: { activity_regularizer: null, kernel_constraint: null, bias_constraint: null },
  Embedding: { activity_regularizer: null, embeddings_constraint: null },
  SimpleRNNCell: { kernel_constraint: null, recurrent_constraint: null, bias_constraint: null },
  LSTMCell: { kernel_constraint: null, recurrent_constraint: null, bias_constraint: null },
  GRUCell: { kernel_constraint: null, recurrent_constraint: null, bias_constraint: null },
  Conv3D: { groups: 1, activity_regularizer: null, kernel_constraint: null, bias_constraint: null },
};

/** Keys idem's configs carry that Keras 3.6 does not take, dropped when they hold their default. */
const NOT_IN_KERAS_36: Record<string, Record<string, (v: unknown) => boolean>> = {
  Conv2DTranspose: { output_padding: (v) => v === null },
  // A compute strategy only (same results); Keras's RNN layers do not report it.
  SimpleRNN: { implementation: () => true },
  LSTM: { implementation: () => true },
  GRU: { implementation: () => true },
};

/** A layer's Keras 3 `config` (snake_case keys; no `batch_input_shape` except on InputLayer). */
export function toKerasLayerConfig(layer: Layer): JsonObject {
  const out = toKerasLayerConfigOwn(layer);
  const cls = layer.className;
  for (const [k, v] of Object.entries(KERAS_DEFAULT_KEYS[cls] ?? {})) if (!(k in out)) out[k] = v;
  for (const [k, isDefault] of Object.entries(NOT_IN_KERAS_36[cls] ?? {})) if (k in out && isDefault(out[k])) delete out[k];
  // Keras writes a Bidirectional's backward layer too (its reader takes it, idem rebuilds it from `layer`).
  const bw = (layer as unknown as { backwardLayer?: Layer }).backwardLayer;
  if (cls === 'Bidirectional' && bw) out['backward_layer'] = toKerasLayerSpec(bw, false);
  return out;
}

function toKerasLayerConfigOwn(layer: Layer): JsonObject {
  const c = layer.getConfig();
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === 'batchInputShape') {
      if (layer instanceof InputLayer) out['batch_shape'] = v as Json;
      continue;
    }
    if (k === 'layers' || k === 'inputLayers' || k === 'outputLayers') continue; // models: see toKerasModelConfig
    out[k === 'keepDims' ? 'keepdims' : camelToSnake(k)] = toKerasValue(k, v);
  }
  if (layer instanceof InputLayer) out['sparse'] = false; // (no `ragged`: Keras 3.0's InputLayer does not take it)
  return out;
}

/**
 * `build_config` of a single-input layer. Layers with several inputs get none: Keras rebuilds them
 * by calling them in the functional graph, and some (MultiHeadAttention) build from a dict of shapes.
 */
function buildConfig(layer: Layer): JsonObject | undefined {
  const s = layer.buildInputShape;
  if (!layer.built || !s || Array.isArray(s[0])) return undefined;
  return { input_shape: s as Json };
}

/** `{module, class_name, config, registered_name, build_config}` of a layer (a model: its whole graph). */
export function toKerasLayerSpec(layer: Layer, withBuild = true): JsonObject {
  if (layer instanceof LayersModel) return toKerasModelSpec(layer);
  const spec: JsonObject = { module: 'keras.layers', class_name: layer.className, config: toKerasLayerConfig(layer), registered_name: null };
  if (isKerasBuiltinLayer(layer.className)) spec['registered_name'] = null;
  else {
    spec['module'] = null;
    spec['registered_name'] = `Custom>${layer.className}`;
  }
  const b = withBuild ? buildConfig(layer) : undefined;
  if (b) spec['build_config'] = b;
  return spec;
}

/** Nodes of `layer` that belong to `model` (their order gives Keras's node indices). */
function modelNodes(model: LayersModel, layer: Layer): number[] {
  const nodes = (model as unknown as { nodes: { layer: Layer }[] }).nodes;
  const own = new Set(nodes.filter((n) => n.layer === layer));
  const out: number[] = [];
  layer.inboundNodes.forEach((n, i) => {
    if (own.has(n as never) || (layer instanceof InputLayer && i === 0)) out.push(i);
  });
  return out;
}

function kerasTensorRef(model: LayersModel, t: KerasTensor): JsonObject {
  const idx = modelNodes(model, t.sourceLayer).indexOf(t.nodeIndex);
  return { class_name: '__keras_tensor__', config: { shape: t.shape as Json, dtype: t.dtype, keras_history: [t.sourceLayer.name, Math.max(0, idx), t.tensorIndex] } };
}

/** Keras 3 spec of a Sequential or functional model. */
export function toKerasModelSpec(model: LayersModel): JsonObject {
  const base: JsonObject = { name: model.name, trainable: model.trainable, dtype: 'float32' };
  if (model instanceof Sequential) {
    const layers: Json[] = [];
    if (model.built && model.inputs[0]) {
      const il = model.inputs[0].sourceLayer as InputLayer;
      layers.push({
        module: 'keras.layers',
        class_name: 'InputLayer',
        config: { batch_shape: model.inputs[0].shape as Json, dtype: model.inputs[0].dtype, sparse: false, name: il.name },
        registered_name: null,
      });
    }
    for (const l of model.layers) layers.push(toKerasLayerSpec(l));
    const cfg: JsonObject = { ...base, layers };
    if (model.built && model.inputs[0]) cfg['build_input_shape'] = model.inputs[0].shape as Json;
    const spec: JsonObject = { module: 'keras', class_name: 'Sequential', config: cfg, registered_name: null };
    if (model.built && model.inputs[0]) spec['build_config'] = { input_shape: model.inputs[0].shape as Json };
    return spec;
  }
  if (model.isSubclassed()) fail('save', `model '${model.name}' is a subclassed model (its \`call\` is code): save its weights with saveWeights, or build it functionally`);
  const nodes = (model as unknown as { nodes: { layer: Layer; inputs: KerasTensor[]; kwargs: Record<string, unknown>; singleInput: boolean }[] }).nodes;
  const layers: Json[] = model.layers.map((l) => {
    const spec = l instanceof InputLayer ? { module: 'keras.layers', class_name: 'InputLayer', config: toKerasLayerConfig(l), registered_name: null } as JsonObject : toKerasLayerSpec(l);
    spec['name'] = l.name;
    spec['inbound_nodes'] = nodes
      .filter((n) => n.layer === l)
      .map((n) => {
        const refs = n.inputs.map((t) => kerasTensorRef(model, t));
        const kwargs: JsonObject = {};
        for (const [k, v] of Object.entries(n.kwargs ?? {})) {
          if (v === undefined) continue;
          if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string' || v === null) kwargs[k] = v;
          else fail('save', `layer '${l.name}' was called with keyword argument \`${k}\` that cannot be written to a config`);
        }
        if (l.className === 'MultiHeadAttention') {
          // Keras calls mha(query, value, key=...).
          if (refs[2]) kwargs['key'] = refs[2];
          return { args: refs.slice(0, 2), kwargs };
        }
        if (l instanceof RNNBase && refs.length > 1) {
          // A functional initialState: Keras 3 calls rnn(x, initial_state=[...]).
          kwargs['initial_state'] = refs.slice(1);
          return { args: [refs[0]!], kwargs };
        }
        return { args: n.singleInput ? refs : [refs], kwargs };
      });
    return spec;
  });
  const ref = (t: KerasTensor) => [t.sourceLayer.name, Math.max(0, modelNodes(model, t.sourceLayer).indexOf(t.nodeIndex)), t.tensorIndex] as Json;
  const cfg: JsonObject = { ...base, layers, input_layers: model.inputs.map(ref), output_layers: model.outputs.map(ref) };
  const spec: JsonObject = { module: 'keras.src.models.functional', class_name: 'Functional', config: cfg, registered_name: 'Functional' };
  if (model.inputs.length === 1) spec['build_config'] = { input_shape: model.inputs[0]!.shape as Json };
  return spec;
}

// ------------------------------------------------------------------ Keras (3, 2) / TF.js → idem

/** Keras-only options dropped when they hold their default value (no effect on the layer). */
const IGNORABLE: Record<string, (v: unknown) => boolean> = {
  autocast: (v) => v === true,
  sparse: (v) => v === false,
  ragged: (v) => v === false,
  optional: (v) => v === false,
  synchronized: (v) => v === false,
  renorm: (v) => v === false,
  renorm_momentum: () => true,
  fused: (v) => v === null || v === true || v === false,
  stateful: (v) => v === false,
  unroll: (v) => v === false,
  time_major: (v) => v === false,
  use_cudnn: (v) => v === 'auto' || v === true || v === false,
  implementation: (v) => v === 1 || v === 2, // a compute strategy only, same results
  zero_output_for_mask: (v) => typeof v === 'boolean', // set by wrappers, not a user option
  groups: (v) => v === 1,
  input_length: () => true, // Keras 2 Embedding: informational
  use_gate: (v) => v === false,
  rms_scaling: (v) => v === false,
  use_legacy_config: (v) => v === false,
  input_dtype: () => true,
  // build information some Keras 3 versions put in MultiHeadAttention's config
  query_shape: () => true,
  key_shape: () => true,
  value_shape: () => true,
  // Flatten (and others) in Keras 3 carry data_format; idem computes channels-last only
  data_format: (v) => v === 'channels_last',
};

/** Keras keys whose camelCase is not the mechanical one. */
const KEY_ALIASES: Record<string, string> = { keepdims: 'keepDims' };

/** Keras 2 / TF.js class names that are idem classes under another name. */
const CLASS_ALIASES: Record<string, string> = {
  Convolution2D: 'Conv2D', Convolution1D: 'Conv1D', MaxPool2D: 'MaxPooling2D', MaxPool1D: 'MaxPooling1D',
  AvgPool2D: 'AveragePooling2D', AveragePool2D: 'AveragePooling2D', Model: 'Functional',
};

const FORBIDDEN = new Set(['Lambda', 'TFOpLambda', 'SlicingOpLambda']);

function dtypeFromKeras(v: unknown, where: string): DataType {
  let name = v;
  if (isObj(v)) name = isObj(v['config']) ? v['config']['name'] : v['name'];
  if (name === 'float32' || name === 'int32' || name === 'bool') return name;
  if (name === 'int64') return 'int32';
  fail('loadLayersModel', `${where}: dtype ${JSON.stringify(v)} is not supported (idem layers compute in float32)`);
}

function fromKerasNested(key: string, v: unknown, where: string): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (key === 'cells' && Array.isArray(v)) return v; // nested cell specs: converted by construct
  if (Array.isArray(v)) return v.map((x) => fromKerasNested('', x, where));
  if (!isObj(v)) return v;
  const cn = v['class_name'] ?? v['className'];
  if (typeof cn === 'string') {
    if (key.endsWith('_regularizer') || key.endsWith('Regularizer')) {
      const c = (isObj(v['config']) ? v['config'] : {}) as { l1?: number; l2?: number };
      if (cn === 'L1L2') return { l1: c.l1 ?? 0, l2: c.l2 ?? 0 };
      if (cn === 'L1') return { l1: c.l1 ?? 0.01, l2: 0 };
      if (cn === 'L2') return { l1: 0, l2: c.l2 ?? 0.01 };
      fail('loadLayersModel', `${where}: regularizer class '${cn}' is not supported (L1, L2, L1L2 are)`);
    }
    if (key === 'layer' || key === 'backward_layer' || key === 'cell') return v; // nested layer spec: converted by layerFromKeras
    let cfg = isObj(v['config']) ? v['config'] : {};
    // TF.js writes Glorot/He/LeCun initializers as VarianceScaling with distribution 'normal' = truncated normal.
    if (cn === 'VarianceScaling' && cfg['distribution'] === 'normal') cfg = { ...cfg, distribution: 'truncated_normal' };
    const inner: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(cfg)) setOwn(inner, snakeToSnake(k), x);
    return { className: cn, config: inner };
  }
  return v;
}

/** Initializer/constraint configs keep Keras's snake_case; TF.js may write camelCase inside them. */
function snakeToSnake(k: string): string {
  return /[A-Z]/.test(k) ? camelToSnake(k) : k;
}

export interface LoadContext {
  /** The program's custom classes by Keras class name (in addition to `tf.registerLayer`). */
  customObjects?: Record<string, new (args: never) => Layer>;
  /** Where the config comes from: Keras 3 (default), Keras 2 (legacy `.h5`) or TF.js (`model.json`); their defaults differ. */
  source?: 'keras3' | 'keras2' | 'tfjs';
}

function layerClassName(spec: Record<string, unknown>, where: string): string {
  const raw = spec['class_name'] ?? spec['className'];
  if (typeof raw !== 'string') fail('loadLayersModel', `${where}: a layer has no class_name`);
  let cn = own(CLASS_ALIASES, raw) ?? raw;
  const reg = spec['registered_name'];
  if (typeof reg === 'string' && reg.includes('>')) cn = reg.slice(reg.indexOf('>') + 1);
  if (FORBIDDEN.has(cn)) fail('loadLayersModel', `${where}: layer class '${cn}' holds code; idem never runs code from a file (rebuild that part of the model in your program and load its weights)`);
  return cn;
}

/** Keras/TF.js layer config → idem constructor arguments. */
export function layerArgsFromKeras(cls: string, cfg: Record<string, unknown>, where: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(cfg)) {
    if (rawKey === '__proto__') fail('loadLayersModel', `${where}: config key '__proto__' is not an option of any layer`);
    const k = /[A-Z]/.test(rawKey) ? camelToSnake(rawKey) : rawKey;
    if (k === 'batch_shape' || k === 'batch_input_shape') {
      if (v !== null) args['batchInputShape'] = v;
      continue;
    }
    if (k === 'input_shape') {
      if (v !== null) args['inputShape'] = v;
      continue;
    }
    if (k === 'dtype') {
      if (v !== null) args['dtype'] = dtypeFromKeras(v, where);
      continue;
    }
    if (k === 'backward_layer') {
      const fwd = cfg['layer'] as Record<string, unknown> | undefined;
      const otherClass = isObj(v) && fwd && (v['class_name'] ?? v['className']) !== (fwd['class_name'] ?? fwd['className']);
      if (otherClass) fail('loadLayersModel', `${where}: a backward layer of another class than the forward layer is not supported`);
      continue;
    }
    if (v === null) continue;
    // Keras-only options at their default are dropped; any other value goes to the layer, which rejects what it lacks.
    if (own(IGNORABLE, k)?.(v)) continue;
    if (cls === 'InputLayer' && k === 'name') {
      args['name'] = v;
      continue;
    }
    setOwn(args, own(KEY_ALIASES, k) ?? snakeToCamel(k), fromKerasNested(k, v, where));
  }
  if (cls === 'InputLayer' && args['batchInputShape'] === undefined && args['inputShape'] === undefined) fail('loadLayersModel', `${where}: the InputLayer has no batch_shape`);
  // Keras 2 writes a batch norm's axis as a list of one ([3]); Keras 3 (and idem) take the integer.
  if (cls === 'BatchNormalization' && Array.isArray(args['axis']) && (args['axis'] as unknown[]).length === 1) args['axis'] = (args['axis'] as unknown[])[0];
  return args;
}

function construct(cls: string, args: Record<string, unknown>, where: string, ctx: LoadContext): Layer {
  const custom = own(ctx.customObjects, cls);
  if (cls === 'Bidirectional' || cls === 'TimeDistributed') {
    const inner = args['layer'];
    if (!isObj(inner)) fail('loadLayersModel', `${where}: ${cls} needs a \`layer\``);
    args['layer'] = layerFromKeras(inner, ctx, `${where} > layer`);
  }
  if (cls === 'RNN') {
    const cell = args['cell'];
    if (Array.isArray(cell)) args['cell'] = cell.map((c, i) => (isObj(c) ? layerFromKeras(c, ctx, `${where} > cell[${i}]`) : c));
    else if (isObj(cell)) args['cell'] = layerFromKeras(cell, ctx, `${where} > cell`);
    else fail('loadLayersModel', `${where}: RNN needs a \`cell\``);
  }
  if (cls === 'StackedRNNCells') {
    const cells = args['cells'];
    if (!Array.isArray(cells)) fail('loadLayersModel', `${where}: StackedRNNCells needs a list of \`cells\``);
    args['cells'] = cells.map((c, i) => (isObj(c) ? layerFromKeras(c, ctx, `${where} > cells[${i}]`) : c));
  }
  try {
    if (custom) return new custom(args as never);
    if (!registeredLayerNames().includes(cls)) {
      fail('loadLayersModel', `${where}: unknown layer class '${cls}' (idem knows ${registeredLayerNames().join(', ')}; register custom layers with tf.registerLayer or pass customObjects)`);
    }
    return deserializeLayer({ className: cls, config: args });
  } catch (e) {
    if (e instanceof Error && !e.message.includes(where)) e.message = `loadLayersModel: ${where}: ${e.message}`;
    throw e;
  }
}

/** Structural options must survive: a key the layer accepted but does not report was ignored. */
function checkKept(layer: Layer, args: Record<string, unknown>, where: string): void {
  const got = layer.getConfig();
  for (const k of Object.keys(args)) {
    if (/(Initializer|Regularizer|Constraint)$/.test(k) || ['name', 'trainable', 'dtype', 'batchInputShape', 'inputShape', 'batchSize', 'inputDim', 'layer'].includes(k)) continue;
    if (!Object.hasOwn(got, k)) fail('loadLayersModel', `${where}: idem's ${layer.className} does not take option \`${camelToSnake(k)}\` (value ${JSON.stringify(args[k])})`);
  }
}

/** One layer (or nested model) from its Keras/TF.js spec. */
export function layerFromKeras(spec: Record<string, unknown>, ctx: LoadContext, where: string): Layer {
  const cls = layerClassName(spec, where);
  if (cls === 'Sequential' || cls === 'Functional') return modelFromKeras(spec, ctx, where);
  const cfg = spec['config'];
  if (!isObj(cfg)) fail('loadLayersModel', `${where}: layer '${cls}' has no config object`);
  const name = typeof cfg['name'] === 'string' ? cfg['name'] : cls;
  const here = `${where} > ${name} (${cls})`;
  const args = layerArgsFromKeras(cls, cfg, here);
  if (ctx.source === 'keras2' || ctx.source === 'tfjs') {
    // Keras 2 and TF.js hard_sigmoid is clip(0.2·x + 0.5, 0, 1); Keras 3's (idem's) is relu6(x + 3)/6.
    for (const k of ['activation', 'recurrentActivation']) {
      if (args[k] === 'hard_sigmoid') {
        fail('loadLayersModel', `${here}: \`${camelToSnake(k)}\` 'hard_sigmoid' of Keras 2 / TF.js is clip(0.2x + 0.5, 0, 1), ` +
          'which idem (following Keras 3: relu6(x + 3) / 6) does not have; predictions would differ');
      }
    }
    // TF.js's GRU has no reset_after option and computes the reset_after = false form.
    if (ctx.source === 'tfjs' && cls === 'GRU' && args['resetAfter'] === undefined) args['resetAfter'] = false;
  }
  const layer = construct(cls, args, here, ctx);
  checkKept(layer, args, here);
  return layer;
}

type History = [string, number, number];

function historyOf(x: unknown, where: string): History {
  // Keras 3: {class_name: '__keras_tensor__', config: {keras_history: [name, node, tensor]}}; Keras 2: [name, node, tensor, kwargs]
  if (isObj(x) && x['class_name'] === '__keras_tensor__' && isObj(x['config'])) x = x['config']['keras_history'];
  if (Array.isArray(x) && typeof x[0] === 'string' && Number.isInteger(x[1]) && Number.isInteger(x[2])) return [x[0], x[1] as number, x[2] as number];
  fail('loadLayersModel', `${where}: cannot read a layer input reference ${JSON.stringify(x)?.slice(0, 200)}`);
}

function isTensorRef(x: unknown): boolean {
  return isObj(x) && x['class_name'] === '__keras_tensor__';
}

/** Normalizes one inbound node to (inputs, singleInput, kwargs). */
function readNode(node: unknown, cls: string, where: string): { refs: History[]; single: boolean; kwargs: Record<string, unknown> } {
  if (isObj(node) && Array.isArray(node['args'])) {
    // Keras 3
    const args = node['args'] as unknown[];
    const kw = isObj(node['kwargs']) ? { ...node['kwargs'] } : {};
    const kwargs: Record<string, unknown> = {};
    const extra: History[] = [];
    for (const [k, v] of Object.entries(kw)) {
      if (isTensorRef(v) && cls === 'MultiHeadAttention' && k === 'key') extra.push(historyOf(v, where));
      else if (k === 'initial_state' && (isTensorRef(v) || (Array.isArray(v) && v.length > 0 && v.every(isTensorRef)))) {
        // A recurrent layer's initial states: node inputs after the sequence (idem's RNNs take [x, ...states]).
        for (const s of Array.isArray(v) ? v : [v]) extra.push(historyOf(s, where));
      }
      else if (isTensorRef(v) || (Array.isArray(v) && v.some(isTensorRef))) {
        fail('loadLayersModel', `${where}: keyword argument \`${k}\` takes a tensor, which idem's functional models do not support`);
      }
      else if (k === 'mask' && v === null) continue;
      else setOwn(kwargs, k, v);
    }
    if (args.length === 1 && Array.isArray(args[0])) return { refs: (args[0] as unknown[]).map((a) => historyOf(a, where)), single: false, kwargs };
    if (args.length === 1 && extra.length === 0) return { refs: [historyOf(args[0], where)], single: true, kwargs };
    return { refs: [...args.map((a) => historyOf(a, where)), ...extra], single: false, kwargs };
  }
  if (Array.isArray(node)) {
    // Keras 2 / TF.js: [[name, node, tensor, kwargs], ...]
    const refs = node.map((r) => historyOf(r, where));
    const kw = (node[0] as unknown[])?.[3];
    const kwargs: Record<string, unknown> = {};
    if (isObj(kw)) for (const [k, v] of Object.entries(kw)) if (!(k === 'mask' && v === null)) setOwn(kwargs, k, v);
    return { refs, single: refs.length === 1, kwargs };
  }
  fail('loadLayersModel', `${where}: cannot read an inbound node ${JSON.stringify(node)?.slice(0, 200)}`);
}

function refList(v: unknown, where: string): History[] {
  if (!Array.isArray(v)) fail('loadLayersModel', `${where}: input_layers/output_layers must be lists`);
  if (typeof v[0] === 'string') return [historyOf(v, where)]; // a single flat reference
  return v.map((x) => historyOf(x, where));
}

/** A Sequential or functional model from its Keras 3 / Keras 2 / TF.js spec. */
export function modelFromKeras(spec: Record<string, unknown>, ctx: LoadContext, where = 'config'): LayersModel {
  const cls = layerClassName(spec, where);
  let cfg = spec['config'] as unknown;
  if (Array.isArray(cfg)) cfg = { layers: cfg }; // very old Sequential configs
  if (!isObj(cfg)) fail('loadLayersModel', `${where}: the model has no config`);
  const name = typeof cfg['name'] === 'string' ? cfg['name'] : undefined;
  const here = `${where} > ${name ?? cls}`;
  const layerSpecs = cfg['layers'];
  if (!Array.isArray(layerSpecs)) fail('loadLayersModel', `${here}: config has no \`layers\` list`);
  if (cls === 'Sequential') {
    const layers = layerSpecs.map((l, i) => {
      if (!isObj(l)) fail('loadLayersModel', `${here}: layer ${i} is not an object`);
      return layerFromKeras(l, ctx, here);
    });
    const m = new Sequential({ name, layers });
    const bis = cfg['build_input_shape'] ?? (isObj(spec['build_config']) ? spec['build_config']['input_shape'] : undefined);
    if (!m.built && Array.isArray(bis)) m.build(bis as Shape);
    return m;
  }
  if (cls !== 'Functional') fail('loadLayersModel', `${where}: expected a Sequential or Functional model, found '${cls}'`);
  // Functional: create every layer, then connect nodes in passes until all are wired.
  const byName = new Map<string, Layer>();
  const pending: { layer: Layer; nodes: unknown[]; done: number; where: string }[] = [];
  for (const [i, l] of layerSpecs.entries()) {
    if (!isObj(l)) fail('loadLayersModel', `${here}: layer ${i} is not an object`);
    const layer = layerFromKeras(l, ctx, here);
    const lname = typeof l['name'] === 'string' ? l['name'] : layer.name;
    if (byName.has(lname)) fail('loadLayersModel', `${here}: two layers are named '${lname}'`);
    byName.set(lname, layer);
    const nodes = Array.isArray(l['inbound_nodes']) ? (l['inbound_nodes'] as unknown[]) : [];
    if (!(layer instanceof InputLayer)) pending.push({ layer, nodes, done: 0, where: `${here} > ${lname}` });
  }
  // Outputs of each layer's nodes in this model, by node index.
  const outputs = new Map<string, KerasTensor[][]>();
  for (const [n, l] of byName) if (l instanceof InputLayer) outputs.set(n, [[l.inputTensor]]);
  const lookup = (h: History, w: string): KerasTensor | undefined => {
    const layer = byName.get(h[0]);
    if (!layer) fail('loadLayersModel', `${w}: refers to unknown layer '${h[0]}'`);
    return outputs.get(h[0])?.[h[1]]?.[h[2]];
  };
  let progress = true;
  while (progress) {
    progress = false;
    for (const p of pending) {
      while (p.done < p.nodes.length) {
        const node = readNode(p.nodes[p.done], p.layer.className, p.where);
        const ins = node.refs.map((r) => lookup(r, p.where));
        if (ins.some((t) => t === undefined)) break;
        const kts = ins as KerasTensor[];
        const out = p.layer.apply(node.single ? kts[0]! : kts, node.kwargs);
        const lname = [...byName.entries()].find(([, l]) => l === p.layer)![0];
        const list = outputs.get(lname) ?? [];
        list.push(Array.isArray(out) ? out : [out]);
        outputs.set(lname, list);
        p.done++;
        progress = true;
      }
    }
  }
  const stuck = pending.find((p) => p.done < p.nodes.length);
  if (stuck) fail('loadLayersModel', `${stuck.where}: its inputs never become available (a missing layer or a cycle in the graph)`);
  const resolve = (h: History) => {
    const t = lookup(h, here);
    if (!t) fail('loadLayersModel', `${here}: model input/output ${JSON.stringify(h)} does not exist`);
    return t;
  };
  const ins = refList(cfg['input_layers'], here).map(resolve);
  const outs = refList(cfg['output_layers'], here).map(resolve);
  const single = (v: unknown) => Array.isArray(v) && typeof v[0] === 'string';
  return new LayersModel({ name, inputs: single(cfg['input_layers']) || ins.length === 1 ? ins[0]! : ins, outputs: single(cfg['output_layers']) || outs.length === 1 ? outs[0]! : outs });
}
