/**
 * `Variable`: a mutable tensor. Its identity (`id`, `name`) is stable while `assign` swaps the
 * storage it points to, so gradients and optimizers key on the variable itself.
 * Variables are never disposed by `tidy`.
 */
import { fail, fmtShape } from './errors.ts';
import { shapesEqual } from './shape.ts';
import { Tensor } from './tensor.ts';

/** What a variable needs from the engine (set by engine.ts). */
export interface VariableHost {
  assign(v: Variable, value: Tensor): void;
  read(v: Variable): Tensor;
  registerVariable(v: Variable): void;
  /** Graph mode: records an assignment of a symbolic value instead of running it (returns true if it did). */
  interceptAssign(v: Variable, value: Tensor, how: 'assign' | 'assignAdd' | 'assignSub'): { handled: boolean; value?: unknown };
  /** Runs a binary kernel without recording it on any tape (state updates are not differentiable). */
  combine(kernel: 'Add' | 'Sub', a: Tensor, b: Tensor): Tensor;
}
let vhost: VariableHost | null = null;
export function setVariableHost(h: VariableHost): void {
  vhost = h;
}

export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;

  /** Use `tf.variable(...)`. */
  constructor(initial: Tensor, trainable: boolean, name: string) {
    initial.throwIfDisposed('variable');
    super(initial.dataId, initial.shape, initial.dtype);
    this.name = name;
    this.trainable = trainable;
    this.kept = true;
    vhost!.registerVariable(this);
  }

  /** Replaces the value; shape and dtype must match. Returns this variable. */
  assign(value: Tensor): this {
    const r = vhost!.interceptAssign(this, value, 'assign');
    if (r.handled) return this;
    if (value.isDisposed) value.throwIfDisposed(`Variable.assign (${this.name})`);
    if (value.dtype !== this.dtype) {
      fail(`Variable.assign (${this.name})`, `dtype must stay ${this.dtype}, received ${value.dtype}`);
    }
    if (!shapesEqual(value.shape, this.shape)) {
      fail(`Variable.assign (${this.name})`, `shape must stay ${fmtShape(this.shape)}, received ${fmtShape(value.shape)}`);
    }
    if (this.isDisposed) this.throwIfDisposed(`Variable.assign (${this.name})`);
    vhost!.assign(this, value);
    return this;
  }

  /** A tensor holding the current value (it does not change on a later `assign`). */
  read(): Tensor {
    if (this.isDisposed) this.throwIfDisposed(`Variable.read (${this.name})`);
    return vhost!.read(this);
  }

  /** `this += delta` (delta broadcast to this shape is not allowed: shapes must match). */
  assignAdd(delta: Tensor): this {
    if (vhost!.interceptAssign(this, delta, 'assignAdd').handled) return this;
    return this.assign(vhost!.combine('Add', this, delta));
  }

  /** `this -= delta`. */
  assignSub(delta: Tensor): this {
    if (vhost!.interceptAssign(this, delta, 'assignSub').handled) return this;
    return this.assign(vhost!.combine('Sub', this, delta));
  }
}
