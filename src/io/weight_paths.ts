/**
 * Where each variable of a model lives in Keras files, and what idem calls it.
 *
 * Keras 3 (`model.weights.h5` inside `.keras`, and `.weights.h5`): a layer's own variables are
 * datasets `<path>/vars/0`, `/1`, ... in the layer's creation order, trainable first. Paths follow
 * Keras's object tree, not layer names: a model's layers are `layers/<snake_case class name>`
 * made unique in layer order (`layers/dense`, `layers/dense_1`, `layers/batch_normalization`;
 * a functional model's input layers take `layers/input_layer...` slots and hold nothing); a
 * recurrent layer's variables belong to its cell (`layers/lstm/cell/vars/0..2` = kernel,
 * recurrent_kernel, bias); `Bidirectional` → `forward_layer/cell`, `backward_layer/cell`;
 * `RNN` → `cell` (a `StackedRNNCells` → `cell/cells/<snake_case class>`); `TimeDistributed` → `layer`; `MultiHeadAttention` → `_query_dense`, `_key_dense`,
 * `_value_dense`, `_output_dense` (kernel, bias each); nested models → `<path>/layers/...`.
 *
 * Legacy Keras 2 `.h5`: a group per layer name with attribute `weight_names`
 * (`dense/kernel:0`, ...) and datasets at `<layer>/<weight name>`.
 */
import type { Variable } from '../core/variable.ts';
import { InputLayer } from '../layers/core.ts';
import { Layer, toSnakeCase } from '../layers/layer.ts';
import { LayersModel, Sequential } from '../models/model.ts';

export interface VarGroup {
  /** HDF5 group path without the trailing `/vars`, e.g. `layers/dense_1`. */
  path: string;
  /** The idem layer that owns the variables (name used for errors and by-name loading). */
  layer: Layer;
  vars: Variable[];
  /** Set for a sub-object's group (a recurrent cell, a wrapped layer, an attention projection). */
  sub?: boolean;
}

/** A weight's name relative to its layer: `dense_1/kernel:0` → `kernel`, `mha/query/kernel:0` → `query/kernel`. */
export function shortName(layer: Layer, v: Variable): string {
  const base = v.name.replace(/:\d+$/, '');
  const key = `${layer.name}/`;
  const i = base.lastIndexOf(key);
  return i >= 0 ? base.slice(i + key.length) : base.slice(base.lastIndexOf('/') + 1);
}

function pick(layer: Layer, names: string[]): Variable[] {
  const ws = layer.weights;
  const out: Variable[] = [];
  for (const n of names) {
    const v = ws.find((w) => shortName(layer, w) === n);
    if (v) out.push(v);
  }
  return out;
}

/** Keras's own-variable order for layers whose weights idem names the Keras way. */
const ORDER: Record<string, string[]> = {
  Dense: ['kernel', 'bias'],
  Conv1D: ['kernel', 'bias'],
  Conv2D: ['kernel', 'bias'],
  Conv2DTranspose: ['kernel', 'bias'],
  DepthwiseConv2D: ['kernel', 'bias'],
  SeparableConv2D: ['depthwise_kernel', 'pointwise_kernel', 'bias'],
  BatchNormalization: ['gamma', 'beta', 'moving_mean', 'moving_variance'],
  LayerNormalization: ['gamma', 'beta'],
  Embedding: ['embeddings'],
};

/** Children of a model in Keras's `layers` order, with their unique snake_case names. */
function modelChildren(model: LayersModel): [string, Layer][] {
  const layers = model instanceof Sequential ? model.layers : model.layers; // Sequential omits its InputLayer, functional keeps them
  const used = new Map<string, number>();
  return layers
    .filter((l) => !(model instanceof Sequential && l instanceof InputLayer))
    .map((l) => {
      const base = toSnakeCase(l instanceof LayersModel ? (l instanceof Sequential ? 'Sequential' : 'Functional') : l.className);
      const n = used.get(base);
      used.set(base, n === undefined ? 0 : n + 1);
      return [n === undefined ? base : `${base}_${n + 1}`, l];
    });
}

function layerGroups(layer: Layer, path: string, out: VarGroup[]): void {
  const join = (p: string) => (path === '' ? p : `${path}/${p}`);
  if (layer instanceof LayersModel) {
    for (const [name, child] of modelChildren(layer)) layerGroups(child, join(`layers/${name}`), out);
    return;
  }
  const cls = layer.className;
  if (cls === 'SimpleRNN' || cls === 'LSTM' || cls === 'GRU') {
    out.push({ path: join('cell'), layer, vars: pick(layer, ['kernel', 'recurrent_kernel', 'bias']), sub: true });
    return;
  }
  if (cls === 'Bidirectional') {
    const b = layer as unknown as { forwardLayer: Layer; backwardLayer: Layer };
    const start = out.length;
    layerGroups(b.forwardLayer, join('forward_layer'), out);
    layerGroups(b.backwardLayer, join('backward_layer'), out);
    for (const g of out.slice(start)) g.sub = true;
    return;
  }
  if (cls === 'RNN' || cls === 'StackedRNNCells') {
    // The generic RNN's variables belong to its cell (`cell/vars`); a stack's cells are a list
    // Keras names by snake_case class, made unique (`cell/cells/lstm_cell`, `cell/cells/lstm_cell_1`).
    const start = out.length;
    if (cls === 'RNN') layerGroups((layer as unknown as { cell: Layer }).cell, join('cell'), out);
    else {
      const used = new Map<string, number>();
      for (const c of (layer as unknown as { cells: Layer[] }).cells) {
        const base = toSnakeCase(c.className);
        const n = used.get(base);
        used.set(base, n === undefined ? 0 : n + 1);
        layerGroups(c, join(`cells/${n === undefined ? base : `${base}_${n + 1}`}`), out);
      }
    }
    for (const g of out.slice(start)) g.sub = true;
    return;
  }
  if (cls === 'TimeDistributed') {
    const start = out.length;
    layerGroups((layer as unknown as { layer: Layer }).layer, join('layer'), out);
    for (const g of out.slice(start)) g.sub = true;
    return;
  }
  if (cls === 'MultiHeadAttention') {
    for (const [attr, w] of [['_query_dense', 'query'], ['_key_dense', 'key'], ['_value_dense', 'value'], ['_output_dense', 'attention_output']]) {
      out.push({ path: join(attr!), layer, vars: pick(layer, [`${w}/kernel`, `${w}/bias`]), sub: true });
    }
    return;
  }
  const order = ORDER[cls];
  const vars = order ? pick(layer, order) : layer.weights;
  out.push({ path, layer, vars });
}

/** Every variable group of `model` in Keras 3's layout (groups without variables included). */
export function kerasVarGroups(model: LayersModel): VarGroup[] {
  const out: VarGroup[] = [];
  layerGroups(model, '', out);
  const covered = new Set(out.flatMap((g) => g.vars));
  const missing = model.weights.filter((w) => !covered.has(w));
  if (missing.length) {
    // A layer whose weights are not all where Keras puts them (custom names): keep them at the layer's own path.
    const byLayer = new Map<Layer, Variable[]>();
    for (const g of out) for (const w of g.layer.weights) if (missing.includes(w)) byLayer.set(g.layer, [...(byLayer.get(g.layer) ?? []), w]);
    for (const [layer, ws] of byLayer) {
      const g = out.find((x) => x.layer === layer)!;
      g.vars = [...g.vars, ...ws.filter((w) => !g.vars.includes(w))];
    }
  }
  return out;
}

/** Layers that hold weights, in model order (legacy `.h5` by-name and topological loading). */
/** A model's layers for the legacy `.h5` `layer_names` list (Keras 2 writes every layer). */
export function legacyLayers(model: LayersModel): Layer[] {
  return model instanceof Sequential ? model.layers : model.layers;
}
