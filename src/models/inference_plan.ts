/**
 * The inference plan of a functional model (Grappler's "remapper" idea, at the Keras graph):
 * chains Conv2D → [BatchNormalization] → [Add] → [relu] whose intermediate results feed only the
 * next layer of the chain run as one fused convolution (`conv2dBatchNormActivation`,
 * src/ops/fused_conv2d.ts: on native one `_FusedConv2D` kernel with the bias, the batch norm, the
 * residual add and relu in the GEMM's epilogue), bit-identical to the layers one by one. ResNet's
 * blocks are such chains (conv → bn → relu; conv → bn → add(shortcut) → relu; the projection
 * conv → bn).
 *
 * `LayersModel.call` uses the plan only for inference calls (`training` not true) when
 * `fusedInferenceAllowed()` (nothing records gradients, no graph-mode or tf.compare op
 * interception, a backend with the fused kernel). Then it also frees each intermediate tensor
 * after its last consumer (as TF.js's executor does in `predict`), unless it is a model input or
 * output, a variable or kept.
 *
 * A chain is only formed from layers of exactly these classes (subclasses may change `call`):
 * Conv2D with activation 'linear'; BatchNormalization over the last axis, not called with
 * training=true; Add of two inputs of the same shape; Activation('relu') or ReLU() with default
 * arguments. At run time a chain whose input carries a mask runs layer by layer instead.
 */
import { Conv2D } from '../layers/convolutional.ts';
import { Activation } from '../layers/core.ts';
import { ReLU } from '../layers/activations.ts';
import type { KerasTensor, LayerNode } from '../layers/layer.ts';
import { Add } from '../layers/merge.ts';
import { BatchNormalization } from '../layers/normalization.ts';

export interface FusedChain {
  conv: LayerNode;
  bn: LayerNode | null;
  add: LayerNode | null;
  /** The Add's other input (the shortcut). */
  residual: KerasTensor | null;
  act: LayerNode | null;
  /** The chain's last node: the fused step runs in its place. */
  last: LayerNode;
  /** The chain's nodes in order. */
  nodes: LayerNode[];
}

export interface InferencePlan {
  /** Nodes run as part of a later fused step. */
  skip: Set<LayerNode>;
  /** The chain ending at each node. */
  at: Map<LayerNode, FusedChain>;
  /** How many node inputs read each KerasTensor (with multiplicity). */
  uses: Map<KerasTensor, number>;
}

function exactly(node: LayerNode, cls: abstract new (...a: never[]) => unknown): boolean {
  return Object.getPrototypeOf(node.layer) === cls.prototype;
}

function isRelu(node: LayerNode): boolean {
  if (node.inputs.length !== 1 || node.outputs.length !== 1) return false;
  if (exactly(node, Activation)) return (node.layer as Activation).activation === 'relu';
  if (exactly(node, ReLU)) {
    const r = node.layer as ReLU;
    return r.maxValue === null && r.negativeSlope === 0 && r.threshold === 0;
  }
  return false;
}

function sameShape(a: KerasTensor, b: KerasTensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i] && (d !== null || i === 0));
}

export function planInference(nodes: readonly LayerNode[], outputs: readonly KerasTensor[]): InferencePlan {
  const uses = new Map<KerasTensor, number>();
  const consumers = new Map<KerasTensor, LayerNode[]>();
  for (const n of nodes) {
    for (const t of n.inputs) {
      uses.set(t, (uses.get(t) ?? 0) + 1);
      const c = consumers.get(t) ?? [];
      if (!c.includes(n)) c.push(n);
      consumers.set(t, c);
    }
  }
  const isOutput = new Set(outputs);
  /** The one node reading t (once), when t is not also a model output. */
  const claimed = new Set<LayerNode>();
  const sole = (t: KerasTensor): LayerNode | null => {
    const c = consumers.get(t);
    return !isOutput.has(t) && c && c.length === 1 && uses.get(t) === 1 && !claimed.has(c[0]!) ? c[0]! : null;
  };
  const skip = new Set<LayerNode>();
  const at = new Map<LayerNode, FusedChain>();
  for (const conv of nodes) {
    if (!exactly(conv, Conv2D) || conv.inputs.length !== 1 || conv.outputs.length !== 1 || claimed.has(conv)) continue;
    const layer = conv.layer as Conv2D;
    if (layer.activation !== 'linear' || conv.inputs[0]!.rank !== 4 || conv.kwargs['training'] === true) continue;
    const chain: FusedChain = { conv, bn: null, add: null, residual: null, act: null, last: conv, nodes: [conv] };
    let cur = conv.outputs[0]!;
    let next = sole(cur);
    if (next && exactly(next, BatchNormalization) && next.inputs.length === 1 && next.kwargs['training'] !== true) {
      const bn = next.layer as BatchNormalization;
      if (bn.axis === -1 || bn.axis === cur.rank - 1) {
        chain.bn = next;
        cur = next.outputs[0]!;
        next = sole(cur);
      }
    }
    if (next && exactly(next, Add) && next.inputs.length === 2 && next.outputs.length === 1) {
      const other = next.inputs[0] === cur ? next.inputs[1]! : next.inputs[0]!;
      if (other !== cur && sameShape(other, cur) && sameShape(next.outputs[0]!, cur)) {
        chain.add = next;
        chain.residual = other;
        cur = next.outputs[0]!;
        next = sole(cur);
      }
    }
    if (next && isRelu(next)) {
      chain.act = next;
      cur = next.outputs[0]!;
    }
    const parts = [chain.bn, chain.add, chain.act].filter((n): n is LayerNode => n !== null);
    if (parts.length === 0) continue;
    chain.nodes = [conv, ...parts];
    chain.last = parts[parts.length - 1]!;
    for (const n of chain.nodes) {
      claimed.add(n);
      if (n !== chain.last) skip.add(n);
    }
    at.set(chain.last, chain);
  }
  return { skip, at, uses };
}
