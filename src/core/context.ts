/**
 * The context stack: everything that watches or changes how a computation runs is a `Frame` on
 * one stack that the engine keeps (`ENGINE.frames`). JAX's trace stack is the model, cut to
 * idem's needs. The frames, each in the folder that owns it:
 *
 *   Tape             src/autodiff/tape.ts     records kernels for the backward pass
 *   FunctionTrace    src/graph/function.ts    `tf.function`'s first call: kernels, effects, variables
 *   GraphRecorder    src/graph/graph.ts       TF1 graph mode: op calls on symbolic tensors become nodes
 *   ShapeProbe       src/graph/probe.ts       shape inference on stand-in values: no state changes
 *   OpTrace          src/compare/trace.ts     `tf.compare` / `tf.lint`: the top-level op calls
 *   DebugFrame       src/core/debug.ts        `enableDebugMode()`: NaN/Infinity checks on every kernel
 *
 * A frame says what it needs (below) and hooks the events it cares about; the engine calls the
 * hooks of the frames from the top of the stack down to the first opaque frame. From those
 * needs the engine answers one question, `ENGINE.mayUse(kernel)`: a fused kernel with a gradient
 * may run unless a frame needs the op-level composition; a backward-only kernel only when no
 * frame records what runs for a later differentiation (src/core/kernels.ts says which is which).
 * Nothing outside src/core, src/autodiff, src/graph and src/compare reads a frame.
 */
import type { Attrs } from './backend.ts';
import type { KernelName } from './kernels.ts';
import type { Tensor } from './tensor.ts';
import type { Variable } from './variable.ts';

/** A public op's implementation, as `op()` wraps it. */
export type OpFn = (...args: unknown[]) => unknown;

/**
 * A replayable effect: a random draw or an optimizer step — host-side state that advances and
 * tensors computed from it. `run` does it; `standIn` gives outputs of the same shapes and dtypes
 * and changes nothing (shape probes use it).
 */
export interface Effect<T> {
  readonly inputs: Tensor[];
  readonly run: (inputs: Tensor[]) => T;
  readonly standIn: (inputs: Tensor[]) => T;
}

export interface Frame {
  /** For messages. */
  readonly name: string;
  /**
   * It watches public op calls (graph recording, compare's op trace, debug mode's op names): a
   * `tf.function` called under it runs its function op by op instead of replaying a trace.
   */
  readonly watchesOps?: boolean;
  /** It needs the op-level composition: ops run their compositions instead of fused kernels. */
  readonly needsComposition?: boolean;
  /**
   * What runs now may be differentiated later because of this frame (a recording tape, a
   * `tf.function` trace that may be replayed under one): backward-only kernels do not run.
   */
  readonly differentiable?: boolean;
  /** Frames below see no event while this one is on the stack (a shape probe). */
  readonly opaque?: boolean;
  /** Present on frames that record for gradients (tapes): false pauses them (`noGrad`). */
  recording?: boolean;

  /** A public op call; returning `{value}` handles it (the op does not run). */
  opCall?(name: string, fn: OpFn, thisArg: unknown, args: unknown[]): { value: unknown } | undefined;
  /** A kernel ran. */
  kernel?(name: KernelName, inputs: Record<string, Tensor>, attrs: Attrs, outputs: Tensor[]): void;
  /** A replayable effect: the frame runs it with `next()` (the frames below, then the effect) or replaces it. */
  effect?<T>(effect: Effect<T>, next: () => T): T;
  /** A variable assignment; returning false stops it (it does not happen). */
  assign?(v: Variable, value: Tensor): boolean | void;
  /** `snapshot` holds the value variable `v` has now. */
  readVariable?(snapshot: Tensor, v: Variable): void;
  /** A tensor's values are read on the host (`dataSync`). */
  readValue?(t: Tensor): void;
  /** Whether the frame still needs `t` (a `tidy` scope ending keeps it). */
  holds?(t: Tensor): boolean;
}

/** The stack of frames, bottom first. */
export class FrameStack {
  private readonly list: Frame[] = [];
  /** Index of the lowest frame that sees events (the topmost opaque frame, else 0). */
  private floor = 0;
  /** Frames that watch op calls (a fast check for every op call). */
  private watchers = 0;

  get length(): number {
    return this.list.length;
  }

  /** The frames, bottom first (a copy). */
  all(): Frame[] {
    return this.list.slice();
  }

  /** Pushes `f` on top, or at the bottom (modes that stay on for the whole process: graph mode, debug mode). */
  push(f: Frame, where: 'top' | 'bottom' = 'top'): void {
    if (where === 'top') this.list.push(f);
    else this.list.unshift(f);
    this.update();
  }

  /** Removes `f` wherever it is (tapes end in any order). */
  remove(f: Frame): void {
    const i = this.list.lastIndexOf(f);
    if (i < 0) return;
    this.list.splice(i, 1);
    this.update();
  }

  /** Runs `fn` with `f` on top of the stack. */
  with<T>(f: Frame, fn: () => T): T {
    this.push(f);
    try {
      return fn();
    } finally {
      this.remove(f);
    }
  }

  private update(): void {
    let floor = 0;
    for (let i = this.list.length - 1; i >= 0; i--) {
      if (this.list[i]!.opaque) {
        floor = i;
        break;
      }
    }
    this.floor = floor;
    let w = 0;
    for (let i = floor; i < this.list.length; i++) if (this.list[i]!.watchesOps) w++;
    this.watchers = w;
  }

  /** The frames that see events, top first. */
  visible(): Frame[] {
    const out: Frame[] = [];
    for (let i = this.list.length - 1; i >= this.floor; i--) out.push(this.list[i]!);
    return out;
  }

  /** Whether a visible frame watches op calls. */
  get watchingOps(): boolean {
    return this.watchers > 0;
  }

  /** Whether a visible frame needs the op-level composition. */
  needsComposition(): boolean {
    for (let i = this.list.length - 1; i >= this.floor; i--) if (this.list[i]!.needsComposition) return true;
    return false;
  }

  /** Whether a visible frame records what runs for a later differentiation. */
  differentiable(): boolean {
    for (let i = this.list.length - 1; i >= this.floor; i--) if (this.list[i]!.differentiable) return true;
    return false;
  }

  /** The first visible frame (from the top) that handles the op call. */
  opCall(name: string, fn: OpFn, thisArg: unknown, args: unknown[]): { value: unknown } | undefined {
    for (let i = this.list.length - 1; i >= this.floor; i--) {
      const r = this.list[i]!.opCall?.(name, fn, thisArg, args);
      if (r) return r;
    }
    return undefined;
  }

  kernel(name: KernelName, inputs: Record<string, Tensor>, attrs: Attrs, outputs: Tensor[]): void {
    for (let i = this.list.length - 1; i >= this.floor; i--) this.list[i]!.kernel?.(name, inputs, attrs, outputs);
  }

  effect<T>(e: Effect<T>, i = this.list.length - 1): T {
    for (; i >= this.floor; i--) {
      const f = this.list[i]!;
      if (f.effect) {
        const below = i - 1;
        return f.effect(e, () => this.effect(e, below));
      }
    }
    return e.run(e.inputs);
  }

  /** False when a frame stops the assignment. */
  assign(v: Variable, value: Tensor): boolean {
    for (let i = this.list.length - 1; i >= this.floor; i--) if (this.list[i]!.assign?.(v, value) === false) return false;
    return true;
  }

  readVariable(snapshot: Tensor, v: Variable): void {
    for (let i = this.list.length - 1; i >= this.floor; i--) this.list[i]!.readVariable?.(snapshot, v);
  }

  readValue(t: Tensor): void {
    for (let i = this.list.length - 1; i >= this.floor; i--) this.list[i]!.readValue?.(t);
  }

  /**
   * Runs `fn` with every frame that records for gradients paused (its ops are not recorded:
   * state updates, weight creation). Frames pushed inside record as usual.
   */
  noGrad<T>(fn: () => T): T {
    const paused: Frame[] = [];
    for (const f of this.list) {
      if (f.recording === true) {
        f.recording = false;
        paused.push(f);
      }
    }
    try {
      return fn();
    } finally {
      for (const f of paused) f.recording = true;
    }
  }

  /** Whether some frame (visible or not: a probe hides a tape, it does not end it) still needs `t`. */
  holds(t: Tensor): boolean {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.holds?.(t)) return true;
    return false;
  }
}
