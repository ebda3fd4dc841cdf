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
import { ENGINE, Tape } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { backprop } from './backprop.ts';

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
    ENGINE.pushTape(this.tape);
    try {
      const out = fn();
      if (out instanceof Promise) fail('GradientTape.record', 'the recorded function must be synchronous');
      return out;
    } finally {
      ENGINE.popTape(this.tape);
    }
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
