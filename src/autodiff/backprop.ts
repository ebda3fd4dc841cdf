/**
 * Reverse-mode differentiation over a tape of recorded kernel calls.
 *
 * Only nodes on a path from a source to a target are visited. Gradients are accumulated with
 * the `Add` kernel and computed by each kernel's registered gradient function, which is written
 * with ops: when an outer tape is recording, the backward pass is itself recorded, so gradients
 * of gradients work.
 */
import { ENGINE } from '../core/engine.ts';
import { IdemError } from '../core/errors.ts';
import { fmtShape } from '../core/errors.ts';
import { shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import type { TapeNode } from './tape.ts';

function zerosFor(t: Tensor): Tensor {
  const b = ENGINE.backend;
  const arr = b.floatPrecision === 'float64' ? new Float64Array(t.size) : new Float32Array(t.size);
  return ENGINE.makeTensor(arr, t.shape, 'float32');
}

/**
 * The gradients of a node's outputs, one per output. An output nothing differentiated (the
 * dropout mask, a fused matmul's saved pre-activation) reads as zeros, made only if the
 * gradient function looks at it: most never do, and each was a full-size allocation per step.
 */
function outputGrads(outputs: readonly Tensor[], grads: Map<number, Tensor>): Tensor[] {
  const dys: Tensor[] = new Array<Tensor>(outputs.length);
  for (let k = 0; k < outputs.length; k++) {
    const o = outputs[k]!;
    const g = grads.get(o.id);
    if (g) {
      dys[k] = g;
      continue;
    }
    let zeros: Tensor | undefined;
    Object.defineProperty(dys, k, { get: () => (zeros ??= zerosFor(o)), enumerable: true, configurable: true });
  }
  return dys;
}

/**
 * Gradients of `targets` (seeded with `seeds`, same shapes) with respect to `sourceIds`.
 * Returns a map id → gradient for every source reached (unreached sources are absent).
 */
export function backprop(nodes: readonly TapeNode[], targets: Tensor[], seeds: Tensor[], sourceIds: readonly number[]): Map<number, Tensor> {
  // Forward: which tensors depend on a source.
  const fromSource = new Set<number>(sourceIds);
  const forward: boolean[] = new Array(nodes.length).fill(false);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.inputIds.some((id) => fromSource.has(id))) {
      forward[i] = true;
      for (const o of n.outputs) fromSource.add(o.id);
    }
  }
  // Backward: which tensors a target depends on.
  const toTarget = new Set<number>(targets.map((t) => t.id));
  const used: boolean[] = new Array(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!forward[i]) continue;
    if (n.outputs.some((o) => toTarget.has(o.id))) {
      used[i] = true;
      for (const id of n.inputIds) toTarget.add(id);
    }
  }

  const grads = new Map<number, Tensor>();
  const accumulate = (id: number, g: Tensor): void => {
    const prev = grads.get(id);
    grads.set(id, prev ? ENGINE.runKernel('Add', { a: prev, b: g }) : g);
  };
  targets.forEach((t, i) => accumulate(t.id, seeds[i]!));

  const sources = new Set(sourceIds);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (!used[i]) continue;
    const n = nodes[i]!;
    if (!n.outputs.some((o) => grads.has(o.id))) continue;
    const dys = outputGrads(n.outputs, grads);
    // The inputs whose gradient is wanted (a gradient function computing several at once in
    // one kernel makes only these).
    const needed: string[] = [];
    for (let k = 0; k < n.inputNames.length; k++) {
      const id = n.inputIds[k]!;
      if (toTarget.has(id) && fromSource.has(id) && n.inputs[k]!.dtype === 'float32') needed.push(n.inputNames[k]!);
    }
    const inputs: Record<string, Tensor> = {};
    for (let k = 0; k < n.inputNames.length; k++) inputs[n.inputNames[k]!] = n.inputs[k]!;
    const given = n.outputs.map((o) => grads.has(o.id));
    const thunks = n.gradFunc(dys[0]!, { inputs, outputs: n.outputs, attrs: n.attrs, needed, given }, dys);
    for (const o of n.outputs) if (!sources.has(o.id)) grads.delete(o.id);
    n.inputNames.forEach((name, k) => {
      if (!needed.includes(name)) return;
      const id = n.inputIds[k]!;
      const input = n.inputs[k]!;
      const thunk = thunks[name];
      if (!thunk) throw new IdemError(`gradient: kernel '${n.kernelName}' defines no gradient for its input '${name}'`);
      const g = thunk();
      if (!shapesEqual(g.shape, input.shape)) {
        throw new IdemError(
          `gradient: kernel '${n.kernelName}' produced a gradient of shape ${fmtShape(g.shape)} for input '${name}' of shape ${fmtShape(input.shape)}`,
        );
      }
      accumulate(id, g);
    });
  }
  return grads;
}
