/**
 * `GradientTape`: records the ops applied to watched tensors while `record(fn)` runs, then
 * `gradient(target, sources)` differentiates them (TensorFlow's `tf.GradientTape`).
 *
 *   const tape = new tf.GradientTape();
 *   const loss = tape.record(() => tf.sum(tf.square(tf.sub(tf.matMul(x, w), y))));
 *   const [dw] = tape.gradient(loss, [w]);
 *
 * Trainable variables used inside `record` are watched automatically
 * (`watchAccessedVariables: false` turns that off); other tensors need `tape.watch(t)`.
 * A non-persistent tape can compute gradients once; a persistent one any number of times.
 */
import type { Attrs } from '../core/backend.ts';
import type { Frame } from '../core/context.ts';
import type { KernelName } from '../core/kernels.ts';
import { ENGINE, type GradFunc } from '../core/engine.ts';
import { fail, fmtShape, IdemError } from '../core/errors.ts';
import { shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { Variable } from '../core/variable.ts';
import { backprop } from './backprop.ts';

export interface TapeNode {
  kernelName: string;
  inputNames: string[];
  inputIds: number[];
  inputs: Tensor[];
  outputs: Tensor[];
  attrs: Attrs;
  gradFunc: GradFunc;
}

/**
 * Tensors some tape saved (node inputs and outputs): a `tidy` scope ending while any tape is on
 * the frame stack keeps them (the gradient may be taken after the scope ends).
 */
const tapeSaved = new WeakSet<Tensor>();

/**
 * A recording of the kernels applied to watched tensors: the frame that gradients come from. On
 * the frame stack while `record` runs (GradientTape) or while a gradient function's `f` runs.
 */
export class Tape implements Frame {
  readonly name = 'gradient tape';
  readonly nodes: TapeNode[] = [];
  /** Ids of watched tensors and of everything computed from them while recording. */
  readonly watched = new Set<number>();
  readonly accessedVariables = new Set<Variable>();
  /** False while paused (`noGrad`, or while this tape's own gradient is computed). */
  recording = true;
  constructor(readonly watchAccessedVariables: boolean) {}

  /** A recording tape's kernels may be differentiated later: no backward-only kernels under it. */
  get differentiable(): boolean {
    return this.recording;
  }

  kernel(kernelName: KernelName, inputs: Record<string, Tensor>, attrs: Attrs, outputs: Tensor[]): void {
    if (this.recording) this.record(kernelName, inputs, outputs, attrs, ENGINE.getGradient(kernelName));
  }

  holds(t: Tensor): boolean {
    return tapeSaved.has(t);
  }

  /**
   * Records a node if it reads a watched tensor (or, watching accessed variables, a trainable
   * variable). `gradFunc` undefined marks a non-differentiable kernel: it is recorded so that an
   * attempt to differentiate through it fails clearly.
   */
  record(kernelName: string, inputs: Record<string, Tensor>, outputs: Tensor[], attrs: Attrs, gradFunc: GradFunc | undefined): void {
    let hit = false;
    for (const name in inputs) {
      const t = inputs[name]!;
      if (this.watched.has(t.id)) hit = true;
      else if (t instanceof Variable && t.trainable && this.watchAccessedVariables) {
        this.watched.add(t.id);
        this.accessedVariables.add(t);
        hit = true;
      }
    }
    if (!hit) return;
    const names = Object.keys(inputs);
    const node: TapeNode = {
      kernelName,
      inputNames: names,
      inputIds: names.map((n) => inputs[n]!.id),
      // A variable may be reassigned before the gradient is taken: save its current value.
      inputs: names.map((n) => {
        const t = inputs[n]!;
        return t instanceof Variable ? ENGINE.snapshot(t) : t;
      }),
      outputs,
      attrs,
      gradFunc: gradFunc ?? nonDifferentiable(kernelName),
    };
    for (const t of node.inputs) tapeSaved.add(t);
    for (const t of outputs) tapeSaved.add(t);
    this.nodes.push(node);
    for (const o of outputs) this.watched.add(o.id);
  }

  /** Runs `fn` with this tape on the frame stack. */
  run<T>(fn: () => T): T {
    return ENGINE.frames.with(this, fn);
  }
}

function nonDifferentiable(kernelName: string): GradFunc {
  return () => {
    throw new IdemError(`gradient: kernel '${kernelName}' has no gradient defined (it is not differentiable)`);
  };
}

/** The tapes on the frame stack, bottom first. */
function tapes(): Tape[] {
  return ENGINE.frames.all().filter((f): f is Tape => f instanceof Tape);
}

/** Whether a kernel run now would be recorded by some tape (e.g. a backward pass taken under an outer tape). */
export function isRecording(): boolean {
  for (const t of tapes()) if (t.recording) return true;
  return false;
}

/**
 * Whether what runs now may be differentiated later: a tape records it, or a `tf.function` trace
 * being made may be replayed under one (a fused kernel then saves what its backward pass needs).
 */
export function mayBeDifferentiated(): boolean {
  return ENGINE.frames.differentiable();
}

/**
 * Runs `fn` with every tape paused: its ops are not recorded (state updates, weight creation,
 * inference). PyTorch's `torch.no_grad`, TensorFlow's `tape.stop_recording()`.
 */
export function noGrad<T>(fn: () => T): T {
  return ENGINE.frames.noGrad(fn);
}

/** Records `node` as one differentiable unit on every recording tape that watches an input (customGrad). */
export function recordOnTapes(kernelName: string, inputs: Record<string, Tensor>, outputs: Tensor[], gradFunc: GradFunc): void {
  for (const t of tapes()) if (t.recording) t.record(kernelName, inputs, outputs, {}, gradFunc);
}

export interface GradientTapeOptions {
  persistent?: boolean;
  watchAccessedVariables?: boolean;
}

/** A seed gradient of ones shaped like `t`. */
export function onesFor(t: Tensor): Tensor {
  const b = ENGINE.backend;
  const arr = b.floatPrecision === 'float64' ? new Float64Array(t.size) : new Float32Array(t.size);
  arr.fill(1);
  return ENGINE.makeTensor(arr, t.shape, 'float32');
}

export class GradientTape {
  readonly persistent: boolean;
  private readonly tape: Tape;
  private used = false;

  constructor(options: GradientTapeOptions = {}) {
    this.persistent = options.persistent ?? false;
    this.tape = new Tape(options.watchAccessedVariables ?? true);
  }

  /** Watches tensors so ops on them are recorded (variables are watched when accessed). */
  watch(...tensors: (Tensor | Tensor[])[]): void {
    for (const t of tensors.flat()) this.tape.watched.add(t.id);
  }

  /** Runs `fn` recording its ops on this tape; returns what `fn` returns. Can be called several times. */
  record<T>(fn: () => T): T {
    return this.tape.run(() => {
      const out = fn();
      if (out instanceof Promise) fail('GradientTape.record', 'the recorded function must be synchronous');
      return out;
    });
  }

  /** Trainable variables read while recording, in first-use order. */
  watchedVariables(): Variable[] {
    return [...this.tape.accessedVariables];
  }

  /**
   * Gradients of `target` (summed, as TensorFlow does for non-scalar targets, or weighted by
   * `outputGradients`) with respect to each source; `null` where a source does not affect it.
   */
  gradient(target: Tensor | Tensor[], sources: Tensor[], outputGradients?: Tensor[]): (Tensor | null)[];
  gradient(target: Tensor | Tensor[], sources: Tensor, outputGradients?: Tensor[]): Tensor | null;
  gradient(target: Tensor | Tensor[], sources: Tensor | Tensor[], outputGradients?: Tensor[]): (Tensor | null)[] | Tensor | null {
    if (this.used && !this.persistent) {
      fail('GradientTape.gradient', 'a non-persistent tape can compute gradients only once (create it with {persistent: true})');
    }
    this.used = true;
    const targets = Array.isArray(target) ? target : [target];
    const list = Array.isArray(sources) ? sources : [sources];
    const seeds = targets.map((t, i) => {
      const g = outputGradients?.[i];
      if (g && !shapesEqual(g.shape, t.shape)) {
        fail('GradientTape.gradient', `outputGradients[${i}] must have the target's shape ${fmtShape(t.shape)}, received ${fmtShape(g.shape)}`);
      }
      return g ?? onesFor(t);
    });
    // The backward pass is not recorded on this tape (outer tapes do record it).
    const wasRecording = this.tape.recording;
    this.tape.recording = false;
    let grads: Map<number, Tensor>;
    try {
      grads = backprop(this.tape.nodes, targets, seeds, list.map((s) => s.id));
    } finally {
      this.tape.recording = wasRecording;
    }
    if (!this.persistent) this.tape.nodes.length = 0;
    const out = list.map((s) => grads.get(s.id) ?? null);
    return Array.isArray(sources) ? out : out[0]!;
  }
}
