/**
 * The model graph as a `tensorflow.GraphDef`, as the Keras TensorBoard callback shows it: one
 * NodeDef per layer call (name = layer name, op = Keras class name, input = the nodes feeding it,
 * `name:k` for a layer's k-th output when it has several), model inputs as `InputLayer` nodes.
 * Attributes: `_output_shapes` (list(shape), unknown dimensions −1; TensorBoard labels edges
 * with it), `dtype`, `params` (weight count) and `keras_config` (the layer's config as JSON).
 * A layer called twice gets nodes `name` and `name_1`. Subclassed models have no recorded
 * graph: their tracked layers become unconnected nodes.
 */
import type { KerasTensor, Layer, LayerNode, Shape } from '../layers/layer.ts';
import type { LayersModel } from '../models/model.ts';
import { DT, type AttrValue, type GraphDef, type NodeDef, type TensorShapeProto } from './protos.ts';

const enc = new TextEncoder();

function shapeProto(s: Shape): TensorShapeProto {
  return { dim: s.map((d) => ({ size: d ?? -1 })) };
}

function dtypeEnum(d: string): number {
  return d === 'int32' ? DT.INT32 : d === 'bool' ? DT.BOOL : DT.FLOAT;
}

function safeConfig(l: Layer): string {
  try {
    return JSON.stringify(l.getConfig());
  } catch {
    return '{}';
  }
}

function attrs(l: Layer, outputs: KerasTensor[]): Record<string, AttrValue> {
  return {
    _output_shapes: { list: { shape: outputs.map((t) => shapeProto(t.shape)) } },
    dtype: { type: dtypeEnum(outputs[0]?.dtype ?? 'float32') },
    params: { i: l.built ? l.countParams() : 0 },
    keras_config: { s: enc.encode(safeConfig(l)) },
  };
}

/** GraphDef of a Keras model (see the file comment). */
export function modelGraphDef(model: LayersModel): GraphDef {
  const nodes: NodeDef[] = [];
  const graphNodes = (model as unknown as { nodes: LayerNode[] }).nodes;
  if (model.inputs.length === 0 || !graphNodes) {
    // Subclassed: no recorded calls.
    for (const l of model.layers) nodes.push({ name: l.name, op: l.className, input: [], attr: { params: { i: l.built ? l.countParams() : 0 }, keras_config: { s: enc.encode(safeConfig(l)) } } });
    return { node: nodes };
  }
  const nameOf = new Map<LayerNode | KerasTensor, string>();
  const used = new Map<string, number>();
  const unique = (base: string) => {
    const k = used.get(base) ?? 0;
    used.set(base, k + 1);
    return k === 0 ? base : `${base}_${k}`;
  };
  for (const t of model.inputs) {
    const name = unique(t.sourceLayer.name);
    nameOf.set(t, name);
    nodes.push({ name, op: 'InputLayer', input: [], attr: { _output_shapes: { list: { shape: [shapeProto(t.shape)] } }, dtype: { type: dtypeEnum(t.dtype) } } });
  }
  const tensorName = (t: KerasTensor): string => {
    const direct = nameOf.get(t);
    if (direct !== undefined) return direct;
    const producer = t.sourceLayer.inboundNodes[t.nodeIndex]!;
    const base = nameOf.get(producer) ?? t.sourceLayer.name;
    return producer.outputs.length > 1 && t.tensorIndex > 0 ? `${base}:${t.tensorIndex}` : base;
  };
  for (const n of graphNodes) {
    const name = unique(n.layer.name);
    nameOf.set(n, name);
    nodes.push({ name, op: n.layer.className, input: n.inputs.map(tensorName), attr: attrs(n.layer, n.outputs) });
  }
  return { node: nodes };
}
