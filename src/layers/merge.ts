/**
 * Keras 3 merge layers: they take a LIST of tensors (`layer.apply([a, b])`).
 *
 * - Elementwise (`Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`): the inputs'
 *   non-batch shapes broadcast (NumPy rules, aligned on the right; a size-1 dimension stretches,
 *   otherwise sizes must be equal); batch sizes must agree. Inputs of lower rank are expanded at
 *   axis 1 until the ranks agree (Keras's `_reshape_required` path), then folded left to right:
 *   `add(add(x0, x1), x2)…`; `Average` = that sum / n; `Subtract` takes exactly 2 inputs.
 * - `Concatenate(axis = -1)`: `concat(inputs, axis)`; all other dimensions must match.
 * - `Dot(axes, normalize = false)`: Keras `batch_dot` — per sample, contracts `axes[0]` of x1
 *   with `axes[1]` of x2; the result is [batch, x1 dims left..., x2 dims left...] (a rank-1
 *   result becomes [batch, 1]). With `normalize`, each input is first L2-normalized along its
 *   contracted axis: x · min(rsqrt(Σx²), 1e7) (Keras 3's `ops.normalize`, epsilon 1e-7), so the
 *   result is the cosine proximity.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from '../ops/add.ts';
import { concat } from '../ops/concat.ts';
import { div } from '../ops/div.ts';
import { expandDims } from '../ops/expand_dims.ts';
import { matMul } from '../ops/mat_mul.ts';
import { maximum } from '../ops/maximum.ts';
import { minimum } from '../ops/minimum.ts';
import { mul } from '../ops/mul.ts';
import { reshape } from '../ops/reshape.ts';
import { rsqrt } from '../ops/rsqrt.ts';
import { square } from '../ops/square.ts';
import { sub } from '../ops/sub.ts';
import { sum } from '../ops/sum.ts';
import { transpose } from '../ops/transpose.ts';
import { logicalOr } from '../ops/logical.ts';
import { any as anyOp } from '../ops/all_any.ts';
import { broadcastTo } from '../ops/broadcast_to.ts';
import { fill } from '../ops/creation.ts';
import { checkArgs, KerasTensor, Layer, type CallKwargs, type LayerArgs, type Shape } from './layer.ts';
import { registerBuiltinLayer } from './registry.ts';

const fmt = (s: readonly (number | null)[]) => `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')}${s.length === 1 ? ',' : ''})`;
const fmtList = (ss: readonly (readonly (number | null)[])[]) => `[${ss.map(fmt).join(', ')}]`;

function asShapeList(layer: string, inputShape: Shape | Shape[], what = 'A merge layer'): Shape[] {
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !Array.isArray(inputShape[0])) {
    fail(layer, `${what} should be called on a list of inputs. Received: input_shape=${Array.isArray(inputShape) && !Array.isArray(inputShape[0]) ? fmt(inputShape as Shape) : String(inputShape)}`);
  }
  return inputShape as Shape[];
}

function asTensorList(layer: string, inputs: Tensor | Tensor[], what = 'A merge layer'): Tensor[] {
  if (!Array.isArray(inputs)) fail(layer, `${what} should be called on a list of inputs. Received: a single tensor of shape ${fmt(inputs.shape)}`);
  return inputs;
}

/** Keras `_compute_elemwise_op_output_shape` (shapes without the batch dimension). */
export function broadcastMergeShapes(layer: string, shape1: Shape, shape2: Shape): Shape {
  if (shape1.length < shape2.length) return broadcastMergeShapes(layer, shape2, shape1);
  if (shape2.length === 0) return shape1.slice();
  const out: Shape = shape1.slice(0, shape1.length - shape2.length);
  const tail = shape1.slice(shape1.length - shape2.length);
  tail.forEach((i, k) => {
    const j = shape2[k]!;
    if (i === null || j === null) out.push(null);
    else if (i === 1) out.push(j);
    else if (j === 1) out.push(i);
    else {
      if (i !== j) fail(layer, `Inputs have incompatible shapes. Received shapes ${fmt(shape1)} and ${fmt(shape2)}`);
      out.push(i);
    }
  });
  return out;
}

/**
 * Base of layers called on a LIST of inputs. Works around the shared `Layer.applySymbolic`, which
 * reads a single output shape of a list-input layer as a list of shapes: on symbolic inputs the
 * single output shape is handed over wrapped (`[shape]`) and the one KerasTensor unwrapped.
 * Subclasses implement `outputShapeFor` instead of `computeOutputShape`; `currentKwargs` holds
 * the kwargs of the `apply` in progress (for kwargs that change the outputs).
 */
export abstract class ListInputLayer extends Layer {
  private wrapSingle = false;
  private wrapped = false;
  protected currentKwargs: CallKwargs | null = null;

  protected abstract outputShapeFor(inputShape: Shape | Shape[]): Shape | Shape[];

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const out = this.outputShapeFor(inputShape);
    if (this.wrapSingle && !Array.isArray(out[0])) {
      this.wrapped = true;
      return [out as Shape];
    }
    return out;
  }

  override apply(inputs: Tensor | Tensor[] | KerasTensor | KerasTensor[], kwargs: CallKwargs = {}): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    const symbolicList = Array.isArray(inputs) && inputs.length > 0 && inputs.every((x) => x instanceof KerasTensor);
    this.currentKwargs = kwargs;
    this.wrapSingle = symbolicList;
    this.wrapped = false;
    try {
      const r = super.apply(inputs, kwargs);
      return this.wrapped && Array.isArray(r) && r.length === 1 ? r[0] : r;
    } finally {
      this.wrapSingle = false;
      this.wrapped = false;
      this.currentKwargs = null;
    }
  }
}

/** Base of the elementwise merges: shape checks, rank alignment, a left fold. */
export abstract class Merge extends ListInputLayer {
  protected minInputs = 1;
  protected maxInputs = Infinity;

  constructor(args: LayerArgs = {}) {
    checkArgs((new.target as unknown as typeof Layer).className, args, []);
    super(args);
  }

  protected abstract mergeFunction(inputs: Tensor[]): Tensor;

  private checkShapes(shapes: Shape[]): Shape {
    const cls = this.className;
    if (shapes.length < this.minInputs || shapes.length > this.maxInputs) {
      if (this.minInputs === this.maxInputs) fail(this.name, `A \`${cls}\` layer should be called on exactly ${this.minInputs} inputs. Received: input_shape=${fmtList(shapes)}`);
      fail(this.name, `A merge layer should be called on a list of at least ${this.minInputs} input${this.minInputs === 1 ? '' : 's'}. ` +
        `Got ${shapes.length} inputs. Full input_shape received: ${fmtList(shapes)}`);
    }
    const batch = new Set(shapes.map((s) => s[0]).filter((d) => d !== null && d !== undefined));
    if (batch.size > 1) fail(this.name, `Cannot merge tensors with different batch sizes. Received tensors with shapes ${fmtList(shapes)}`);
    let out: Shape = shapes[0]!.slice(1);
    for (let i = 1; i < shapes.length; i++) out = broadcastMergeShapes(this.name, out, shapes[i]!.slice(1));
    const b = batch.size === 1 ? [...batch][0]! : null;
    return [b, ...out];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.checkShapes(asShapeList(this.name, inputShape));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = asTensorList(this.name, inputs);
    this.checkShapes(xs.map((t) => t.shape));
    const maxRank = Math.max(...xs.map((t) => t.rank));
    const aligned = xs.map((t) => {
      let x = t;
      while (x.rank < maxRank) x = expandDims(x, 1);
      return x;
    });
    return this.mergeFunction(aligned);
  }

  protected outputShapeFor(inputShape: Shape | Shape[]): Shape {
    return this.checkShapes(asShapeList(this.name, inputShape));
  }

  /** Keras: the OR of the inputs' masks when every input has one, else no mask. */
  override computeMask(inputs: Tensor | Tensor[], mask: Tensor | Tensor[] | null): Tensor | null {
    if (mask === null || mask === undefined) return null;
    const masks = Array.isArray(mask) ? mask : [mask];
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    if (masks.length !== xs.length) fail(this.name, `computeMask: ${xs.length} inputs but ${masks.length} masks`);
    if (masks.some((m) => m === null || m === undefined)) return null;
    return masks.slice(1).reduce((a, m) => logicalOr(a, m), masks[0]!);
  }
}

/** `Add()`: x0 + x1 + … */
export class Add extends Merge {
  static override className = 'Add';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => add(a, b), xs[0]!);
  }
}

/** `Subtract()`: x0 − x1 (exactly two inputs). */
export class Subtract extends Merge {
  static override className = 'Subtract';
  protected override minInputs = 2;
  protected override maxInputs = 2;
  protected mergeFunction(xs: Tensor[]): Tensor {
    return sub(xs[0]!, xs[1]!);
  }
}

/** `Multiply()`: x0 · x1 · … */
export class Multiply extends Merge {
  static override className = 'Multiply';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => mul(a, b), xs[0]!);
  }
}

/** `Average()`: (x0 + x1 + …) / n */
export class Average extends Merge {
  static override className = 'Average';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return div(xs.slice(1).reduce((a, b) => add(a, b), xs[0]!), xs.length);
  }
}

/** `Maximum()`: elementwise max over the inputs. */
export class Maximum extends Merge {
  static override className = 'Maximum';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => maximum(a, b), xs[0]!);
  }
}

/** `Minimum()`: elementwise min over the inputs. */
export class Minimum extends Merge {
  static override className = 'Minimum';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => minimum(a, b), xs[0]!);
  }
}

// ------------------------------------------------------------------ Concatenate

export interface ConcatenateArgs extends LayerArgs {
  axis?: number;
}

export class Concatenate extends ListInputLayer {
  static override className = 'Concatenate';
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    checkArgs('Concatenate', args, ['axis']);
    super(args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) fail('Concatenate', `Received an invalid value for \`axis\`, expected an integer. Received: axis=${String(axis)}`);
    this.axis = axis;
  }

  private checkShapes(shapes: Shape[]): Shape {
    if (shapes.length < 1) fail(this.name, 'A `Concatenate` layer should be called on a list of at least 1 input. Received: input_shape=[]');
    const rank = shapes[0]!.length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    const bad = () => fail(this.name, `A \`Concatenate\` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=${fmtList(shapes)}`);
    if (axis < 0 || axis >= rank) fail(this.name, `\`axis\` ${this.axis} is out of range for inputs of rank ${rank}. Received: input_shape=${fmtList(shapes)}`);
    if (axis === 0) fail(this.name, `cannot concatenate along the batch axis (axis=${this.axis}). Received: input_shape=${fmtList(shapes)}`);
    const out = shapes[0]!.slice();
    for (const s of shapes.slice(1)) {
      if (s.length !== rank) bad();
      for (let i = 0; i < rank; i++) {
        if (i === axis) continue;
        const a = out[i]!;
        const b = s[i]!;
        if (a !== null && b !== null && a !== b) bad();
        if (a === null) out[i] = b;
      }
    }
    out[axis] = shapes.some((s) => s[axis] === null) ? null : shapes.reduce((n, s) => n + (s[axis] as number), 0);
    return out;
  }

  override build(inputShape: Shape | Shape[]): void {
    this.checkShapes(asShapeList(this.name, inputShape, 'A `Concatenate` layer'));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = asTensorList(this.name, inputs, 'A `Concatenate` layer');
    this.checkShapes(xs.map((t) => t.shape));
    return concat(xs, this.axis);
  }

  protected outputShapeFor(inputShape: Shape | Shape[]): Shape {
    return this.checkShapes(asShapeList(this.name, inputShape, 'A `Concatenate` layer'));
  }

  /**
   * Keras: each input's mask brought to the input's shape (all true where an input has none,
   * broadcast over the last axis where it is shorter), concatenated along `axis`, then any over
   * the last axis; no mask when no input has one.
   */
  override computeMask(inputs: Tensor | Tensor[], mask: Tensor | Tensor[] | null): Tensor | null {
    if (mask === null || mask === undefined) return null;
    const masks = Array.isArray(mask) ? mask : [mask];
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    if (masks.length !== xs.length) fail(this.name, `computeMask: ${xs.length} inputs but ${masks.length} masks`);
    if (masks.every((m) => m === null || m === undefined)) return null;
    const full = xs.map((x, i) => {
      const m = masks[i];
      if (m === null || m === undefined) return fill(x.shape, true, 'bool');
      return m.rank < x.rank ? broadcastTo(expandDims(m, -1), x.shape) : m;
    });
    return anyOp(concat(full, this.axis), -1);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

// ------------------------------------------------------------------ Dot

export interface DotArgs extends LayerArgs {
  axes: number | [number, number];
  normalize?: boolean;
}

/** Keras 3 `ops.normalize(x, axis, order=2)`: x · min(rsqrt(Σ_axis x²), 1/1e-7). */
function l2Normalize(x: Tensor, axis: number): Tensor {
  const squareSum = sum(square(x), axis, true);
  return mul(x, minimum(rsqrt(squareSum), 1 / 1e-7));
}

/** Keras `batch_dot(x, y, axes)` for ranks ≥ 2 with contraction axes ≥ 1. */
export function batchDot(x: Tensor, y: Tensor, ax: number, ay: number): Tensor {
  const b = x.shape[0]!;
  const xRest = x.shape.filter((_, i) => i !== 0 && i !== ax);
  const yRest = y.shape.filter((_, i) => i !== 0 && i !== ay);
  const k = x.shape[ax]!;
  const xPerm = [0, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== ax), ax];
  const yPerm = [0, ay, ...y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== ay)];
  const isId = (p: number[]) => p.every((v, i) => v === i);
  const x3 = reshape(isId(xPerm) ? x : transpose(x, xPerm), [b, -1, k]);
  const y3 = reshape(isId(yPerm) ? y : transpose(y, yPerm), [b, k, -1]);
  const out = matMul(x3, y3);
  const shape = [b, ...xRest, ...yRest];
  return reshape(out, shape.length === 1 ? [b, 1] : shape);
}

export class Dot extends ListInputLayer {
  static override className = 'Dot';
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  constructor(args: DotArgs) {
    checkArgs('Dot', args, ['axes', 'normalize']);
    super(args);
    const a = args.axes;
    const okInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
    if (!(okInt(a) || (Array.isArray(a) && a.length === 2 && a.every(okInt)))) {
      fail('Dot', `Invalid format for argument \`axes\`: expected an integer or a list of 2 integers. Received: axes=${JSON.stringify(a)}`);
    }
    this.axes = Array.isArray(a) ? [a[0], a[1]] : a;
    this.normalize = args.normalize ?? false;
  }

  private resolve(shapes: Shape[]): [number, number] {
    if (shapes.length !== 2) fail(this.name, `A \`Dot\` layer should be called on a list of 2 inputs. Received: input_shape=${fmtList(shapes)}`);
    const [s1, s2] = shapes as [Shape, Shape];
    const axes: [number, number] = Array.isArray(this.axes)
      ? [this.axes[0] < 0 ? this.axes[0] + s1.length : this.axes[0], this.axes[1] < 0 ? this.axes[1] + s2.length : this.axes[1]]
      : this.axes < 0
        ? [this.axes + s1.length, this.axes + s2.length]
        : [this.axes, this.axes];
    if (s1.length < 2 || s2.length < 2) fail(this.name, `inputs must have rank >= 2 (a batch dimension and at least one more). Received: input_shape=${fmtList(shapes)}`);
    if (axes[0] <= 0 || axes[0] >= s1.length || axes[1] <= 0 || axes[1] >= s2.length) {
      fail(this.name, `Received an invalid value for \`axes\`: each axis must be a non-batch axis of its input. Received: axes=${JSON.stringify(this.axes)}, input_shape=${fmtList(shapes)}`);
    }
    const d1 = s1[axes[0]]!;
    const d2 = s2[axes[1]]!;
    if (d1 !== null && d2 !== null && d1 !== d2) {
      fail(this.name, `Incompatible input shapes: axis values ${d1} (at axis ${axes[0]}) != ${d2} (at axis ${axes[1]}). Full input shapes: ${fmt(s1)}, ${fmt(s2)}`);
    }
    if (s1[0] !== null && s2[0] !== null && s1[0] !== s2[0]) fail(this.name, `Cannot merge tensors with different batch sizes. Received tensors with shapes ${fmtList(shapes)}`);
    return axes;
  }

  override build(inputShape: Shape | Shape[]): void {
    this.resolve(asShapeList(this.name, inputShape, 'A `Dot` layer'));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = asTensorList(this.name, inputs, 'A `Dot` layer');
    const [a0, a1] = this.resolve(xs.map((t) => t.shape));
    let [x1, x2] = xs as [Tensor, Tensor];
    if (this.normalize) {
      x1 = l2Normalize(x1, a0);
      x2 = l2Normalize(x2, a1);
    }
    return batchDot(x1, x2, a0, a1);
  }

  protected outputShapeFor(inputShape: Shape | Shape[]): Shape {
    const shapes = asShapeList(this.name, inputShape, 'A `Dot` layer');
    const [a0, a1] = this.resolve(shapes);
    const s1 = shapes[0]!.filter((_, i) => i !== a0);
    const s2 = shapes[1]!.filter((_, i) => i !== a1 && i !== 0);
    const out = [...s1, ...s2];
    return out.length === 1 ? [...out, 1] : out;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: Array.isArray(this.axes) ? this.axes.slice() : this.axes, normalize: this.normalize };
  }
}

registerBuiltinLayer(Add);
registerBuiltinLayer(Subtract);
registerBuiltinLayer(Multiply);
registerBuiltinLayer(Average);
registerBuiltinLayer(Maximum);
registerBuiltinLayer(Minimum);
registerBuiltinLayer(Concatenate);
registerBuiltinLayer(Dot);

export const mergeLayers = {
  add: (args: LayerArgs = {}) => new Add(args),
  subtract: (args: LayerArgs = {}) => new Subtract(args),
  multiply: (args: LayerArgs = {}) => new Multiply(args),
  average: (args: LayerArgs = {}) => new Average(args),
  maximum: (args: LayerArgs = {}) => new Maximum(args),
  minimum: (args: LayerArgs = {}) => new Minimum(args),
  concatenate: (args: ConcatenateArgs = {}) => new Concatenate(args),
  dot: (args: DotArgs) => new Dot(args),
};
