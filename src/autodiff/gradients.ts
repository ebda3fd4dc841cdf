/**
 * Functional gradients in TF.js's names: `grad`, `grads`, `valueAndGrad`, `valueAndGrads`,
 * `variableGrads`, and `customGrad` for ops that define their own gradient.
 */
import { ENGINE, type GradFunc } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { shapesEqual } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { backprop } from './backprop.ts';
import { noGrad, onesFor, recordOnTapes, Tape } from './tape.ts';

function checkSeed(y: Tensor, dy: Tensor | undefined, op: string): Tensor {
  if (!(y instanceof Tensor)) fail(op, `the function must return a Tensor, received ${typeof y}`);
  if (dy === undefined) return onesFor(y);
  if (!shapesEqual(dy.shape, y.shape)) fail(op, `\`dy\` must have the output's shape ${fmtShape(y.shape)}, received ${fmtShape(dy.shape)}`);
  return dy;
}

function run(op: string, f: () => Tensor, watched: Tensor[], dy: Tensor | undefined, watchVariables: boolean) {
  const tape = new Tape(watchVariables);
  for (const x of watched) tape.watched.add(x.id);
  const y = tape.run(f);
  if (!(y instanceof Tensor)) fail(op, `the function must return a Tensor, received ${typeof y}`);
  const seed = checkSeed(y, dy, op);
  const grads = backprop(tape.nodes, [y], [seed], watched.map((x) => x.id));
  return { value: y, grads, tape };
}

function gradOrZeros(grads: Map<number, Tensor>, x: Tensor): Tensor {
  const g = grads.get(x.id);
  if (g) return g;
  // TF.js returns zeros for inputs that do not affect the output.
  const b = ENGINE.backend;
  return ENGINE.makeTensor(b.floatPrecision === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size), x.shape, 'float32');
}

function assertFloatInput(x: Tensor, op: string, i: number): void {
  if (!(x instanceof Tensor)) fail(op, `argument ${i} must be a Tensor, received ${typeof x}`);
  if (x.dtype !== 'float32') fail(op, `can only differentiate with respect to float32 tensors, argument ${i} is ${x.dtype}`);
}

/** `tf.grad(f)(x, dy?)`: the gradient of `f` at `x`. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => {
    assertFloatInput(x, 'grad', 0);
    const { grads } = run('grad', () => f(x), [x], dy, false);
    return gradOrZeros(grads, x);
  };
}

/** `tf.grads(f)([x1, x2, ...], dy?)`: gradients of `f` with respect to each argument. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  return (xs, dy) => {
    if (!Array.isArray(xs)) fail('grads', '`xs` must be an array of tensors');
    xs.forEach((x, i) => assertFloatInput(x, 'grads', i));
    const { grads: g } = run('grads', () => f(...xs), xs, dy, false);
    return xs.map((x) => gradOrZeros(g, x));
  };
}

export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    assertFloatInput(x, 'valueAndGrad', 0);
    const { value, grads: g } = run('valueAndGrad', () => f(x), [x], dy, false);
    return { value, grad: gradOrZeros(g, x) };
  };
}

export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  return (xs, dy) => {
    xs.forEach((x, i) => assertFloatInput(x, 'valueAndGrads', i));
    const { value, grads: g } = run('valueAndGrads', () => f(...xs), xs, dy, false);
    return { value, grads: xs.map((x) => gradOrZeros(g, x)) };
  };
}

/**
 * `tf.variableGrads(f, varList?)`: value of the scalar `f()` and gradients keyed by variable
 * name, for `varList` or for every trainable variable `f` reads.
 */
/**
 * The `grads` map returned by `variableGrads` carries, under this (non-enumerable) key, the
 * Variable behind each name, so `optimizer.applyGradients(grads)` updates exactly those
 * variables even when another live variable has the same name.
 */
export const GRADIENT_VARIABLES: unique symbol = Symbol('idem.gradientVariables');

export function variableGradsSources(grads: object): Map<string, Variable> | undefined {
  return (grads as { [GRADIENT_VARIABLES]?: Map<string, Variable> })[GRADIENT_VARIABLES];
}

export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  if (varList) {
    for (const v of varList) if (!v.trainable) fail('variableGrads', `variable '${v.name}' in varList is not trainable`);
  }
  const tape = new Tape(varList === undefined);
  if (varList) for (const v of varList) tape.watched.add(v.id);
  const y = tape.run(f);
  if (!(y instanceof Tensor) || y.rank !== 0) fail('variableGrads', `the function must return a scalar Tensor, received ${y instanceof Tensor ? 'shape ' + fmtShape(y.shape) : typeof y}`);
  const vars = varList ?? [...tape.accessedVariables];
  const g = backprop(tape.nodes, [y], [onesFor(y)], vars.map((v) => v.id));
  const out: Record<string, Tensor> = {};
  const sources = new Map<string, Variable>();
  for (const v of vars) {
    const gv = g.get(v.id);
    if (!gv) continue;
    const other = sources.get(v.name);
    if (other !== undefined && other !== v) {
      fail('variableGrads', `two different variables named '${v.name}' were used: the gradients are keyed by name, so one would be lost. Give the variables unique names, or use tf.grads / ` +
        `GradientTape with [gradient, variable] pairs`);
    }
    sources.set(v.name, v);
    out[v.name] = gv;
  }
  Object.defineProperty(out, GRADIENT_VARIABLES, { value: sources, enumerable: false });
  return { value: y, grads: out };
}

/**
 * `tf.customGrad(f)`: `f(...xs)` returns `{value, gradFunc}`, where `gradFunc(dy, saved)`
 * returns one gradient per input. The forward ops inside `f` are not recorded; the op
 * becomes one node whose gradient is `gradFunc` (used for numerically stable composites).
 */
export function customGrad(
  f: (...xs: Tensor[]) => { value: Tensor; gradFunc: (dy: Tensor, xs: Tensor[]) => Tensor[] },
): (...xs: Tensor[]) => Tensor {
  return (...xs) => {
    const { value, gradFunc } = noGrad(() => f(...xs));
    if (!(value instanceof Tensor)) fail('customGrad', '`value` must be a Tensor');
    const inputs: Record<string, Tensor> = {};
    xs.forEach((x, i) => (inputs[`x${i}`] = x));
    const g: GradFunc = (dy, saved) => {
      const ins = xs.map((_, i) => saved.inputs[`x${i}`]!);
      let res: Tensor[] | null = null;
      const get = (): Tensor[] => {
        if (!res) {
          res = gradFunc(dy, ins);
          if (!Array.isArray(res) || res.length !== xs.length) fail('customGrad', `gradFunc must return ${xs.length} gradients`);
        }
        return res;
      };
      return Object.fromEntries(xs.map((_, i) => [`x${i}`, () => get()[i]!]));
    };
    recordOnTapes('CustomGradient', inputs, [value], g);
    return value;
  };
}

/**
 * The gradients with respect to `xs` of `f(...xs)`'s outputs, each seeded with its entry of
 * `seeds` (undefined: that output gets none): the autodiff of `f`, run now. A fused kernel's
 * gradient falls back to this (its composition's own gradient) when something records the
 * backward pass; outer tapes record it, so second order works.
 */
export function compositionGradients(f: (...xs: Tensor[]) => Tensor[], xs: Tensor[], seeds: (Tensor | undefined)[]): Tensor[] {
  const tape = new Tape(false);
  for (const x of xs) tape.watched.add(x.id);
  const outs = tape.run(() => f(...xs));
  const targets: Tensor[] = [];
  const given: Tensor[] = [];
  outs.forEach((o, k) => {
    const s = seeds[k];
    if (s !== undefined) {
      targets.push(o);
      given.push(s);
    }
  });
  const g = backprop(tape.nodes, targets, given, xs.map((x) => x.id));
  return xs.map((x) => gradOrZeros(g, x));
}
