/**
 * Recurrent cells and the generic `RNN` layer (Keras `SimpleRNNCell`, `LSTMCell`, `GRUCell`,
 * `StackedRNNCells`, `RNN`; TF.js `tf.layers.simpleRNNCell`, `lstmCell`, `gruCell`,
 * `stackedRNNCells`, `rnn`).
 *
 * A cell computes ONE time step: `cell.apply([x, ...states])` with x [batch, features] returns
 * `[output, ...newStates]` (TF.js's form; LSTM: [h, h, c]). The built-in cells are the recurrent
 * layers' own step — the same weights (`kernel`, `recurrent_kernel`, `bias`, Keras's layouts) and
 * the same kernels — so `rnn({cell: lstmCell({units})})` computes exactly what `lstm({units})`
 * does: with one built-in cell the RNN runs the whole sequence as that layer does (bit-identical,
 * fused on the native backend); with a `StackedRNNCells` or a cell of the program's own (a
 * `tf.layers.RNNCell` subclass with `stateSize` and `call([x, ...states])`) it loops over the time
 * steps. Masks, `goBackwards`, `returnSequences`, `returnState` and `initialState` work as in the
 * recurrent layers. A cell called on its own (or inside a stack) draws its dropout masks per call,
 * i.e. per step (Keras keeps one mask per sequence).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { zeros } from '../ops/creation.ts';
import { expandDims } from '../ops/expand_dims.ts';
import { reshape } from '../ops/reshape.ts';
import { stack } from '../ops/stack.ts';
import { unstack } from '../ops/unstack.ts';
import { where } from '../ops/where.ts';
import { checkArgs, KerasTensor, Layer, positiveInt, type CallKwargs, type LayerArgs, type Shape } from './layer.ts';
import { GRU, LSTM, RNNBase, SimpleRNN, sequenceAndStates, type GRUArgs, type LSTMArgs, type SimpleRNNArgs } from './recurrent.ts';
import { deserializeLayer, registerBuiltinLayer } from './registry.ts';

/** Options a recurrent LAYER takes and a cell does not. */
const LAYER_ONLY = ['returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll', 'implementation', 'inputLength', 'inputDim', 'inputShape', 'batchInputShape'];

function cellArgs<A extends object>(cls: string, args: A): A {
  if (args === null || typeof args !== 'object') fail(cls, `expected an options object such as {units: 8}, received ${String(args)}`);
  for (const k of LAYER_ONLY) {
    if (k in args && (args as Record<string, unknown>)[k] !== undefined) {
      fail(cls, `unknown option \`${k}\`: a cell computes one step; give it to the RNN layer (tf.layers.rnn({cell, ${k}}))`);
    }
  }
  return { ...args, returnState: true } as A;
}

/** The sizes of a cell's states (`stateSize`: a number or a list). */
export function stateSizes(cell: Layer): number[] {
  const s = (cell as unknown as { stateSize?: number | number[] }).stateSize;
  if (typeof s === 'number' && Number.isInteger(s) && s > 0) return [s];
  if (Array.isArray(s) && s.length > 0 && s.every((d) => Number.isInteger(d) && d > 0)) return s.slice();
  fail(cell.name, `a recurrent cell needs \`stateSize\` (a positive integer or a list of them), found ${JSON.stringify(s)}`);
}

/** The size of a cell's output: `outputSize` where the cell has one, else its first state's (Keras). */
export function outputSize(cell: Layer): number {
  const o = (cell as unknown as { outputSize?: unknown }).outputSize;
  if (typeof o === 'number' && Number.isInteger(o) && o > 0) return o;
  return stateSizes(cell)[0]!;
}

function cellInputs(cell: Layer, inputs: Tensor | Tensor[]): { x: Tensor; states: Tensor[] } {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const [x, ...states] = list;
  if (!x || x.rank !== 2) fail(cell.name, `a cell takes [x, ...states] with x of rank 2 [batch, features], received ${x ? `shape ${fmtShape(x.shape)}` : 'nothing'}`);
  const n = stateSizes(cell).length;
  if (states.length !== 0 && states.length !== n) fail(cell.name, `expected ${n} state tensor(s) after x, received ${states.length}`);
  return { x, states };
}

function cellOutputShape(cell: Layer, inputShape: Shape | Shape[]): Shape[] {
  const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  return [[s[0]!, outputSize(cell)], ...stateSizes(cell).map((n): Shape => [s[0]!, n])];
}

function cellFeatures(cell: Layer, inputShape: Shape | Shape[]): number {
  const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  const f = s[s.length - 1];
  if (typeof f !== 'number') fail(cell.name, `the last dimension (features) of the input must be known, received [${s.map((d) => (d === null ? 'null' : d))}]`);
  return f;
}

function cellConfig(c: Record<string, unknown>): Record<string, unknown> {
  for (const k of ['returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll', 'implementation', 'batchInputShape']) delete c[k];
  return c;
}

/**
 * What a built-in cell changes on its recurrent layer: it builds from [batch, features], calls on
 * `[x, ...states]` (one step: the layer over a sequence of length 1, no mask) and returns
 * `[output, ...newStates]`; its config drops the layer-only options.
 */
export interface CellStep {
  build(inputShape: Shape | Shape[]): void;
  call(inputs: Tensor | Tensor[], kwargs?: CallKwargs): Tensor[];
  computeOutputShape(s: Shape | Shape[]): Shape[];
  computeMask(): null;
}

/**
 * The one-step cell of a recurrent layer class (`SimpleRNN`, `LSTM`, `GRU`): a subclass of it, so
 * the cell has the layer's weights, step kernels and config. The return type is written out (the
 * layer class and the members above) so that the declaration emit names it instead of spelling
 * out an anonymous class, which it cannot do where the base has protected members.
 */
function stepCell<B extends new (...args: any[]) => RNNBase>(Base: B, cls: string): (new (...args: any[]) => CellStep) & B {
  // Abstract only to the checker (B's instance type is the abstract RNNBase); B is concrete.
  abstract class Cell extends Base {
    constructor(...args: any[]) {
      super(cellArgs(cls, args[0] as object));
    }
    override build(inputShape: Shape | Shape[]): void {
      this.buildCell(cellFeatures(this, inputShape));
      this.built = true;
    }
    override call(inputs: Tensor | Tensor[], kwargs: CallKwargs = {}): Tensor[] {
      const { x, states } = cellInputs(this, inputs);
      return super.call(states.length ? [expandDims(x, 1), ...states] : expandDims(x, 1), { ...kwargs, mask: null }) as Tensor[];
    }
    override computeOutputShape(s: Shape | Shape[]): Shape[] {
      return cellOutputShape(this, s);
    }
    override computeMask(): null {
      return null;
    }
    override getConfig(): Record<string, unknown> {
      return cellConfig(super.getConfig());
    }
  }
  return Cell as unknown as (new (...args: any[]) => CellStep) & B;
}

/** Keras `SimpleRNNCell`: h = activation(x·kernel + bias + h₋·recurrent_kernel). */
export class SimpleRNNCell extends stepCell(SimpleRNN, 'SimpleRNNCell') {
  static override className = 'SimpleRNNCell';
  constructor(args: SimpleRNNArgs) {
    super(args);
  }
  get stateSize(): number {
    return this.units;
  }
}

/** Keras `LSTMCell`: states [h, c]; returns [h, h, c]. */
export class LSTMCell extends stepCell(LSTM, 'LSTMCell') {
  static override className = 'LSTMCell';
  constructor(args: LSTMArgs) {
    super(args);
  }
  get stateSize(): number[] {
    return [this.units, this.units];
  }
}

/** Keras `GRUCell` (`resetAfter` true by default, as Keras 3). */
export class GRUCell extends stepCell(GRU, 'GRUCell') {
  static override className = 'GRUCell';
  constructor(args: GRUArgs) {
    super(args);
  }
  get stateSize(): number {
    return this.units;
  }
}

/**
 * TF.js's base class of a program's own cells: subclass it, set `stateSize` and implement
 * `call([x, ...states])` returning `[output, ...newStates]` (output of size `stateSize[0]`).
 */
export abstract class RNNCell extends Layer {
  abstract stateSize: number | number[];
}

type LayerSpec = Layer | { className: string; config: Record<string, unknown> };

function toLayer(owner: string, arg: string, v: unknown): Layer {
  if (v instanceof Layer) return v;
  if (v !== null && typeof v === 'object' && typeof (v as { className?: unknown }).className === 'string') return deserializeLayer(v as { className: string; config: Record<string, unknown> });
  fail(owner, `\`${arg}\` must be a recurrent cell (tf.layers.lstmCell({units}), ...), received ${v === null ? 'null' : typeof v}`);
}

export interface StackedRNNCellsArgs extends LayerArgs {
  cells: LayerSpec[];
}

/** Keras `StackedRNNCells`: cells applied one after another at each step; states are every cell's, in order. */
export class StackedRNNCells extends Layer {
  static override className = 'StackedRNNCells';
  readonly cells: Layer[];

  constructor(args: StackedRNNCellsArgs) {
    if (args === null || typeof args !== 'object') fail('StackedRNNCells', `expected {cells: [...]}, received ${String(args)}`);
    checkArgs('StackedRNNCells', args, ['cells']);
    super(args);
    if (!Array.isArray(args.cells) || args.cells.length === 0) fail('StackedRNNCells', '`cells` must be a non-empty list of cells');
    this.cells = args.cells.map((c, i) => toLayer('StackedRNNCells', `cells[${i}]`, c));
    for (const c of this.cells) stateSizes(c);
  }

  get stateSize(): number[] {
    return this.cells.flatMap((c) => stateSizes(c));
  }

  /** The last cell's output. */
  get outputSize(): number {
    return outputSize(this.cells[this.cells.length - 1]!);
  }

  override build(inputShape: Shape | Shape[]): void {
    let f = cellFeatures(this, inputShape);
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    for (const c of this.cells) {
      if (!c.built) {
        c.build([s[0]!, f]);
        c.built = true;
      }
      f = outputSize(c);
    }
    this.built = true;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs = {}): Tensor[] {
    const { x, states } = cellInputs(this, inputs);
    let h = x;
    let k = 0;
    const next: Tensor[] = [];
    for (const c of this.cells) {
      const n = stateSizes(c).length;
      const mine = states.length ? states.slice(k, k + n) : stateSizes(c).map((d) => zeros([x.shape[0]!, d], x.dtype));
      const r = c.apply([h, ...mine], { training: kwargs.training }) as Tensor | Tensor[];
      const list = Array.isArray(r) ? r : [r];
      h = list[0]!;
      next.push(...(list.length > 1 ? list.slice(1) : [h]));
      k += n;
    }
    return [h, ...next];
  }

  override computeOutputShape(s: Shape | Shape[]): Shape[] {
    return cellOutputShape(this, s);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cells: this.cells.map((c) => ({ className: c.className, config: c.getConfig() })) };
  }
}

export interface RNNArgs extends LayerArgs {
  /** A cell, or a list of cells (stacked). */
  cell: LayerSpec | LayerSpec[];
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  /** Only false (the default) is supported by the generic RNN (the recurrent layers take `stateful: true`). */
  stateful?: boolean;
  /** Accepted for compatibility (idem always unrolls). */
  unroll?: boolean;
  /** TF.js: with `inputLength`, declares the input [batch, inputLength, inputDim]. */
  inputLength?: number | null;
  /** Output at masked steps: zeros (true) or the previous output (false, Keras's default). */
  zeroOutputForMask?: boolean;
}

const BUILTIN_CELLS: Record<string, typeof SimpleRNN | typeof LSTM | typeof GRU> = { SimpleRNNCell: SimpleRNN, LSTMCell: LSTM, GRUCell: GRU };

function flag(cls: string, arg: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') fail(cls, `Received an invalid value for \`${arg}\`, expected a boolean. Received: ${arg}=${String(v)}`);
  return v;
}

/** Keras `RNN(cell)`: runs a cell over the time axis of [batch, time, features] inputs. */
export class RNN extends Layer {
  static override className = 'RNN';
  readonly cell: Layer;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly unroll: boolean;
  readonly zeroOutputForMask: boolean;

  constructor(args: RNNArgs) {
    if (args === null || typeof args !== 'object') fail('RNN', `expected {cell, ...}, received ${String(args)}`);
    checkArgs('RNN', args, ['cell', 'returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll', 'inputLength', 'zeroOutputForMask']);
    const { inputLength, inputDim, cell: _cell, stateful, unroll: _u, returnSequences: _r, returnState: _s, goBackwards: _g, zeroOutputForMask: _z, ...rest } = args;
    void [_cell, _u, _r, _s, _g, _z];
    if ((inputDim !== undefined || (inputLength !== undefined && inputLength !== null)) && rest.inputShape === undefined && rest.batchInputShape === undefined) {
      rest.batchInputShape = [rest.batchSize ?? null, inputLength ?? null, inputDim === undefined ? null : positiveInt('RNN', 'inputDim', inputDim)];
    }
    super(rest);
    this.cell = Array.isArray(args.cell) ? new StackedRNNCells({ cells: args.cell }) : toLayer('RNN', 'cell', args.cell);
    stateSizes(this.cell);
    if (flag('RNN', 'stateful', stateful, false)) fail('RNN', '`stateful: true` is not supported by the generic RNN layer; use tf.layers.simpleRNN / lstm / gru, which take it');
    this.returnSequences = flag('RNN', 'returnSequences', args.returnSequences, false);
    this.returnState = flag('RNN', 'returnState', args.returnState, false);
    this.goBackwards = flag('RNN', 'goBackwards', args.goBackwards, false);
    this.unroll = flag('RNN', 'unroll', args.unroll, false);
    this.zeroOutputForMask = flag('RNN', 'zeroOutputForMask', args.zeroOutputForMask, false);
  }

  get states(): null {
    return null;
  }

  private seqShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (s.length !== 3) fail(this.name, `expected input of rank 3 [batch, time, features], received shape [${s.map((d) => (d === null ? 'null' : d))}]`);
    return s;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = this.seqShape(inputShape);
    if (!this.cell.built) {
      this.cell.build([s[0]!, s[2]!]);
      this.cell.built = true;
    }
    this.built = true;
  }

  /** A symbolic `initialState` becomes extra inputs `[x, ...states]`, as for the recurrent layers. */
  protected override foldSymbolicKwargs(inputs: Tensor | Tensor[] | KerasTensor | KerasTensor[], kwargs: CallKwargs, keys: string[]): [Tensor | Tensor[] | KerasTensor | KerasTensor[], CallKwargs] {
    const other = keys.find((k) => k !== 'initialState');
    if (other !== undefined) return super.foldSymbolicKwargs(inputs, kwargs, [other]);
    const { initialState, ...rest } = kwargs;
    const xs = (Array.isArray(inputs) ? inputs : [inputs]) as KerasTensor[];
    return [[xs[0]!, ...((Array.isArray(initialState) ? initialState : [initialState]) as KerasTensor[])], rest];
  }

  /** With one built-in cell: the matching recurrent layer over the cell's own weights. */
  private runner: RNNBase | null = null;
  private layerFor(): RNNBase | null {
    const Base = BUILTIN_CELLS[this.cell.className];
    if (!Base) return null;
    if (this.runner) return this.runner;
    const cell = this.cell as unknown as RNNBase;
    const cfg: Record<string, unknown> = { ...cell.getConfig(), name: `${this.name}_run`, returnSequences: this.returnSequences, returnState: true, goBackwards: this.goBackwards };
    delete cfg['trainable'];
    const r = new (Base as unknown as new (a: unknown) => RNNBase)(cfg);
    r.kernel = cell.kernel;
    r.recurrentKernel = cell.recurrentKernel;
    r.bias = cell.bias;
    r.built = true;
    r.zeroOutputForMask = this.zeroOutputForMask;
    // Dropout masks from the cell's own generator; not a tracked sublayer (no weights of its own).
    Object.defineProperty(r, 'seedGenerator', { value: cell.seedGenerator });
    Object.defineProperty(this, 'runner', { value: r, enumerable: false, writable: true });
    return r;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs = {}): Tensor | Tensor[] {
    const { x, initial } = sequenceAndStates(this.name, inputs, kwargs);
    if (x.rank !== 3) fail(this.name, `expected input of rank 3 [batch, time, features], received shape ${fmtShape(x.shape)}`);
    const [batch, time] = x.shape as [number, number, number];
    if (time === 0) fail(this.name, `the input must have at least one time step, received shape ${fmtShape(x.shape)}`);
    const sizes = stateSizes(this.cell);
    if (initial && initial.length !== sizes.length) fail(this.name, `\`initialState\` expected ${sizes.length} tensor(s), received ${initial.length}`);
    let mask = kwargs.mask;
    if (Array.isArray(mask)) mask = mask[0] ?? null;
    const runner = this.layerFor();
    if (runner) {
      const { initialState: _is, ...kw } = kwargs;
      void _is;
      const r = runner.call(initial ? [x, ...initial] : x, { ...kw, mask: mask ?? null }) as Tensor[];
      return this.returnState ? r : r[0]!;
    }
    let steps = unstack(x, 1);
    let maskSteps = mask ? unstack(reshape(mask, [batch, time, 1]), 1) : null;
    if (this.goBackwards) {
      steps = steps.reverse();
      if (maskSteps) maskSteps = maskSteps.reverse();
    }
    let states = initial ? initial.slice() : sizes.map((n) => zeros([batch, n], x.dtype));
    const outputs: Tensor[] = [];
    let prev: Tensor | null = null;
    for (let t = 0; t < time; t++) {
      const r = this.cell.apply([steps[t]!, ...states], { training: kwargs.training }) as Tensor | Tensor[];
      const list = Array.isArray(r) ? r : [r];
      let out = list[0]!;
      const next = list.length > 1 ? list.slice(1) : [out];
      if (next.length !== states.length) fail(this.name, `cell '${this.cell.name}' returned ${next.length} state(s), its stateSize has ${states.length}`);
      if (maskSteps) {
        const m = maskSteps[t]!;
        out = where(m, out, this.zeroOutputForMask || prev === null ? zeros(out.shape, out.dtype) : prev);
        states = next.map((s, i) => where(m, s, states[i]!));
      } else states = next;
      prev = out;
      outputs.push(out);
    }
    const output = this.returnSequences ? stack(outputs, 1) : outputs[time - 1]!;
    return this.returnState ? [output, ...states] : output;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: Tensor | Tensor[] | null): Tensor | Tensor[] | null {
    const m = Array.isArray(mask) ? (mask[0] ?? null) : mask;
    const seq = this.returnSequences ? m : null;
    return this.returnState ? ([seq, ...stateSizes(this.cell).map(() => null)] as Tensor[]) : seq;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s = this.seqShape(inputShape);
    const sizes = stateSizes(this.cell);
    const o = outputSize(this.cell);
    const out: Shape = this.returnSequences ? [s[0]!, s[1]!, o] : [s[0]!, o];
    if (!this.returnState) return out;
    return [out, ...sizes.map((n): Shape => [s[0]!, n])];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      cell: { className: this.cell.className, config: this.cell.getConfig() },
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: false,
      unroll: this.unroll,
      zeroOutputForMask: this.zeroOutputForMask,
    };
  }
}

registerBuiltinLayer(SimpleRNNCell);
registerBuiltinLayer(LSTMCell);
registerBuiltinLayer(GRUCell);
registerBuiltinLayer(StackedRNNCells);
registerBuiltinLayer(RNN);

/** `tf.layers.*` factories (TF.js names). */
export const cellLayers = {
  simpleRNNCell: (args: SimpleRNNArgs) => new SimpleRNNCell(args),
  lstmCell: (args: LSTMArgs) => new LSTMCell(args),
  gruCell: (args: GRUArgs) => new GRUCell(args),
  stackedRNNCells: (args: StackedRNNCellsArgs) => new StackedRNNCells(args),
  rnn: (args: RNNArgs) => new RNN(args),
};
