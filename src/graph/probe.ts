/**
 * Shape inference by running code once on stand-in values: graph mode's symbolic tensors
 * (src/graph/graph.ts) and a layer's default `computeOutputShape` (src/layers/layer.ts) both
 * use `probe`. The probe is an opaque frame: the frames below (tapes, traces, graph recording,
 * debug mode) see nothing of it; variable assignments do not happen and effects (random draws,
 * optimizer steps) run their stand-ins, so no state changes and no random sequence advances.
 * It reports whether it skipped a state change (graph mode marks such a node stateful).
 */
import type { Effect, Frame } from '../core/context.ts';
import { ENGINE } from '../core/engine.ts';

export class ShapeProbe implements Frame {
  readonly name = 'shape probe';
  readonly opaque = true;
  /** Set when the probed code would have changed state (an assignment or an effect). */
  skippedEffect = false;

  assign(): boolean {
    this.skippedEffect = true;
    return false;
  }

  effect<T>(e: Effect<T>): T {
    this.skippedEffect = true;
    return e.standIn(e.inputs);
  }
}

/** Runs `fn` in a shape probe: its result (stand-in values), and whether it skipped a state change. */
export function probe<T>(fn: () => T): { result: T; skippedEffect: boolean } {
  const frame = new ShapeProbe();
  const result = ENGINE.frames.with(frame, fn);
  return { result, skippedEffect: frame.skippedEffect };
}

/** Two probes' output shapes, with the dimensions that differ between them unknown (`unknown`). */
export function mergeShapes<U>(a: readonly number[], b: readonly number[] | undefined, unknown: U): (number | U)[] {
  return a.map((d, k) => (b && (b.length !== a.length || b[k] !== d) ? unknown : d));
}
