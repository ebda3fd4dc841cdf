/**
 * Keras 3 recurrent layers: `SimpleRNN`, `LSTM`, `GRU` (the cells' equations, weight layouts,
 * gate orders and defaults are Keras's, so weights exchange with Keras files unchanged).
 *
 * Inputs are [batch, time, features]. The cells' equations and the time loop are the op
 * `recurrentSequence` (src/ops/recurrent.ts): its definition is the loop unrolled with public
 * ops, so gradients flow through the ops; on the native backend one fused kernel computes the
 * same numbers bit for bit (forward and gradients). Per step t (x_t [batch, in]):
 *
 *   SimpleRNN  h = act(x·W + b + h₋·U)                    W [in, u], U [u, u], b [u]
 *   LSTM       z = x·W + h₋·U + b, [i f c̃ o] = split(z, 4)  W [in, 4u], U [u, 4u], b [4u]
 *              c = σ(f)·c₋ + σ(i)·act(c̃),  h = σ(o)·act(c)   (σ = recurrentActivation)
 *   GRU        resetAfter (default): b [2, 3u] = [input bias; recurrent bias]
 *              [xz xr xh] = split(x·W + b₀, 3), [rz rr rh] = split(h₋·U + b₁, 3)
 *              z = σ(xz + rz), r = σ(xr + rr), ĥ = act(xh + r·rh)
 *              resetAfter = false: b [3u], [rz rr] = h₋·U[:, :2u], ĥ = act(xh + (r·h₋)·U[:, 2u:])
 *              h = z·h₋ + (1 − z)·ĥ                      gate order z, r, h
 *
 * Masking (`kwargs.mask`, bool [batch, time]): at a masked step the states keep their previous
 * values and the output repeats the previous output (zeros before the first unmasked step), as
 * Keras's backend `rnn`. `goBackwards` reads the sequence (and mask) reversed and returns the
 * outputs in that processing order. `returnState` adds the final states (LSTM [h, c]).
 *
 * Dropout (training only), Keras 3's DropoutRNNCell: one mask per call, drawn from the layer's
 * SeedGenerator as `dropout(ones, rate)` of the step input's shape ([batch, in]) and of the state
 * shape ([batch, u]) for `recurrentDropout`, the same for every step. With `recurrentDropout > 0`,
 * LSTM and GRU use Keras's `implementation = 1`: one mask per gate (4 or 3, input masks first),
 * per-gate matMuls with the column blocks of the kernels.
 */
import { getConstraint, serializeConstraint, type ConstraintIdentifier, type Constraint } from './constraints.ts';
import type { DataType } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { variable } from '../core/api.ts';
import { stopGradient } from '../ops/stop_gradient.ts';
import { concat } from '../ops/concat.ts';
import { ones, zeros } from '../ops/creation.ts';
import { dropout } from '../ops/dropout.ts';
import { recurrentSequence, type ActivationSpec, type RecurrentCell } from '../ops/recurrent.ts';
import { getInitializer, Initializer, type InitializerConfig, type InitializerIdentifier } from '../initializers/index.ts';
import { SeedGenerator } from '../random/seed.ts';
import { activationName, getActivation } from './activations.ts';
import { checkArgs, KerasTensor, Layer, positiveInt, type CallKwargs, type LayerArgs, type Shape } from './layer.ts';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.ts';
import { registerBuiltinLayer } from './registry.ts';
import { Bidirectional, TimeDistributed, type BidirectionalArgs, type TimeDistributedArgs } from './wrappers.ts';

// ------------------------------------------------------------------ shared arguments

export interface RNNBaseArgs extends LayerArgs {
  units: number;
  activation?: string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  recurrentRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  recurrentConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
  /** Fraction of the input units to drop (training only), in [0, 1). */
  dropout?: number;
  /** Fraction of the recurrent units to drop (training only), in [0, 1). */
  recurrentDropout?: number;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  seed?: number | null;
  /**
   * Keep the final states of a call as the initial states of the next (batch i of one call
   * continues batch i of the previous); needs a fixed batch size (`batchInputShape` or
   * `batchSize`). `resetStates()` sets them back to zeros.
   */
  stateful?: boolean;
  /** Keras/TF.js compute strategy (1: per-gate products, 2: one product); the same results either way. */
  implementation?: number;
  /** Keras/TF.js: unroll the time loop (idem always does); accepted for compatibility. */
  unroll?: boolean;
  /** TF.js: the length of the input sequences; with `inputDim`, the input shape `[batch, inputLength, inputDim]`. */
  inputLength?: number | null;
  /**
   * TF.js: a function `(x, rate) => x'` used instead of `tf.dropout` to make the dropout masks
   * (TF.js added it to inject masks in tests). Not saved in configs.
   */
  dropoutFunc?: ((x: Tensor, rate: number) => Tensor) | null;
}

const BASE_KEYS = [
  'units', 'activation', 'useBias',
  'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer',
  'kernelConstraint', 'recurrentConstraint', 'biasConstraint',
  'dropout', 'recurrentDropout', 'returnSequences', 'returnState', 'goBackwards', 'seed', 'stateful', 'implementation', 'unroll', 'inputLength', 'dropoutFunc',
] as const;

function rate(layer: string, arg: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(layer, `Received an invalid value for \`${arg}\`, expected a float in [0, 1) (the fraction of units to drop). Received: ${arg}=${String(v)}`);
  return v;
}

function bool(layer: string, arg: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(layer, `Received an invalid value for \`${arg}\`, expected a boolean. Received: ${arg}=${String(v)}`);
  return v;
}

function initConfig(i: Initializer): { className: string; config: InitializerConfig } {
  return { className: i.className, config: i.getConfig() };
}

const regConfig = serializeRegularizer;

const fmt = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null ? 'null' : d)).join(',')}]`;

/**
 * A recurrent layer's inputs: the sequence and its initial states, given either as extra inputs
 * (Keras also accepts [sequences, ...initialStates]) or as `initialState` — not both.
 */
export function sequenceAndStates(name: string, inputs: Tensor | Tensor[], kwargs: CallKwargs): { x: Tensor; initial: Tensor[] | null } {
  const x = Array.isArray(inputs) ? inputs[0]! : inputs;
  let initial = Array.isArray(inputs) && inputs.length > 1 ? inputs.slice(1) : null;
  const is = kwargs['initialState'];
  if (is !== undefined && is !== null) {
    if (initial) fail(name, 'initial states were given both as extra inputs and as `initialState`');
    initial = (Array.isArray(is) ? is : [is]) as Tensor[];
  }
  return { x, initial };
}

/**
 * The Keras `RNN` layer around one cell: argument handling, the unrolled time loop, masking,
 * `goBackwards`, `returnSequences`, `returnState`, initial states and dropout masks.
 */
export abstract class RNNBase extends Layer {
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | ((w: Tensor) => Tensor) | null;
  readonly recurrentConstraint: Constraint | ((w: Tensor) => Tensor) | null;
  readonly biasConstraint: Constraint | ((w: Tensor) => Tensor) | null;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly returnSequences: boolean;

  /** Keras: the input mask follows the sequence output; a last-step output has no mask. */
  override computeMask(_inputs: Tensor | Tensor[], mask: Tensor | Tensor[] | null): Tensor | Tensor[] | null {
    const m = Array.isArray(mask) ? (mask[0] ?? null) : mask;
    const seq = this.returnSequences ? m : null;
    return this.returnState ? [seq, ...new Array(this.stateCount).fill(null)] as Tensor[] : seq;
  }
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly seed: number | null;
  readonly seedGenerator: SeedGenerator;
  /**
   * Output at masked steps: false (Keras's default) repeats the previous output; true gives zeros
   * (Bidirectional sets it to `returnSequences` on its two layers, as Keras does). Not config.
   */
  zeroOutputForMask = false;
  kernel: Tensor | null = null;
  recurrentKernel: Tensor | null = null;
  bias: Tensor | null = null;

  constructor(args: RNNBaseArgs, extraKeys: readonly string[]) {
    const cls = new.target.className;
    if (args === null || typeof args !== 'object') fail(cls, `expected an options object such as {units: 8}, received ${String(args)}`);
    checkArgs(cls, args, [...BASE_KEYS, ...extraKeys]);
    // TF.js: `inputDim` (+ `inputLength`) declare a sequence input [batch, inputLength, inputDim].
    const { inputLength, inputDim, stateful, implementation, unroll, dropoutFunc, ...layerArgs } = args;
    if ((inputDim !== undefined || (inputLength !== undefined && inputLength !== null)) && layerArgs.inputShape === undefined && layerArgs.batchInputShape === undefined) {
      const len = inputLength ?? null;
      if (len !== null && (!Number.isInteger(len) || len <= 0)) fail(cls, `Received an invalid value for \`inputLength\`, expected a positive integer. Received: inputLength=${String(len)}`);
      layerArgs.batchInputShape = [layerArgs.batchSize ?? null, len, inputDim === undefined ? null : positiveInt(cls, 'inputDim', inputDim)];
    }
    super(layerArgs);
    this.stateful = bool(cls, 'stateful', stateful, false);
    if (implementation !== undefined && implementation !== 1 && implementation !== 2) {
      fail(cls, `Received an invalid value for \`implementation\`, expected 1 or 2. Received: implementation=${String(implementation)}`);
    }
    this.implementation = implementation ?? 2;
    this.unroll = bool(cls, 'unroll', unroll, false);
    if (dropoutFunc !== undefined && dropoutFunc !== null && typeof dropoutFunc !== 'function') fail(cls, `\`dropoutFunc\` must be a function (x, rate) => tensor, received ${typeof dropoutFunc}`);
    this.dropoutFunc = dropoutFunc ?? null;
    this.units = positiveInt(cls, 'units', args.units);
    this.activation = activationName(args.activation === undefined ? 'tanh' : args.activation, cls);
    this.useBias = bool(cls, 'useBias', args.useBias, true);
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform');
    this.recurrentInitializer = getInitializer(args.recurrentInitializer ?? 'orthogonal');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.recurrentRegularizer = getRegularizer(args.recurrentRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.kernelConstraint = getConstraint(args.kernelConstraint);
    this.recurrentConstraint = getConstraint(args.recurrentConstraint);
    this.biasConstraint = getConstraint(args.biasConstraint);
    this.dropout = rate(cls, 'dropout', args.dropout);
    this.recurrentDropout = rate(cls, 'recurrentDropout', args.recurrentDropout);
    this.returnSequences = bool(cls, 'returnSequences', args.returnSequences, false);
    this.returnState = bool(cls, 'returnState', args.returnState, false);
    this.goBackwards = bool(cls, 'goBackwards', args.goBackwards, false);
    if (args.seed !== undefined && args.seed !== null && (typeof args.seed !== 'number' || !Number.isFinite(args.seed))) {
      fail(cls, `Received an invalid value for \`seed\`, expected a number or null. Received: seed=${String(args.seed)}`);
    }
    this.seed = args.seed ?? null;
    this.seedGenerator = new SeedGenerator(args.seed ?? undefined);
  }

  readonly stateful: boolean;
  readonly implementation: number;
  readonly unroll: boolean;
  readonly dropoutFunc: ((x: Tensor, rate: number) => Tensor) | null;
  /** A stateful layer's states (non-trainable variables, not weights), created on its first call. */
  private stateVars: Variable[] | null = null;

  /** The current states of a stateful layer (null before its first call). */
  get states(): Tensor[] | null {
    return this.stateVars ? this.stateVars.map((v) => v.read()) : null;
  }

  /** Sets a stateful layer's states to zeros, or to `states` ([batch, units] each). */
  resetStates(states?: Tensor | Tensor[] | null): void {
    if (!this.stateful) fail(this.name, 'resetStates: the layer is not stateful (create it with `stateful: true`)');
    if (!this.stateVars) {
      if (states === undefined || states === null) return;
      const list = Array.isArray(states) ? states : [states];
      this.makeStateVars(list[0]!.shape[0]!, list[0]!.dtype);
    }
    const vars = this.stateVars!;
    if (states === undefined || states === null) {
      for (const v of vars) v.assign(zeros(v.shape, v.dtype));
      return;
    }
    const list = Array.isArray(states) ? states : [states];
    if (list.length !== vars.length) fail(this.name, `resetStates expected ${vars.length} state tensor(s), received ${list.length}`);
    list.forEach((s, i) => {
      if (s.rank !== 2 || s.shape[0] !== vars[i]!.shape[0] || s.shape[1] !== this.units) {
        fail(this.name, `resetStates: state ${i} must have shape ${fmtShape(vars[i]!.shape)}, received ${fmtShape(s.shape)}`);
      }
      vars[i]!.assign(s);
    });
  }

  private makeStateVars(batch: number, dtype: DataType): void {
    this.stateVars = Array.from({ length: this.stateCount }, (_, i) => variable(zeros([batch, this.units], dtype), false, `${this.name}/states_${i}:0`));
  }

  /** A symbolic `initialState` (functional models) becomes extra inputs: `[x, ...states]`, which `call` reads back. */
  protected override foldSymbolicKwargs(inputs: Tensor | Tensor[] | KerasTensor | KerasTensor[], kwargs: CallKwargs, keys: string[]): [Tensor | Tensor[] | KerasTensor | KerasTensor[], CallKwargs] {
    const other = keys.find((k) => k !== 'initialState');
    if (other !== undefined) return super.foldSymbolicKwargs(inputs, kwargs, [other]);
    const { initialState, ...rest } = kwargs;
    const states = (Array.isArray(initialState) ? initialState : [initialState]) as KerasTensor[];
    const xs = (Array.isArray(inputs) ? inputs : [inputs]) as KerasTensor[];
    if (xs.length !== 1) fail(this.name, 'initial states were given both as extra inputs and as `initialState`');
    if (states.length !== this.stateCount) fail(this.name, `\`initialState\` expected ${this.stateCount} tensor(s) of shape [batch,${this.units}], received ${states.length}`);
    return [[xs[0]!, ...states], rest];
  }

  /** Number of state tensors (LSTM 2: h and c; others 1). */
  protected get stateCount(): number {
    return 1;
  }

  /** Dropout masks per gate in Keras's implementation 1 (LSTM 4, GRU 3), else 1. */
  protected get maskCount(): number {
    return 1;
  }

  /** Creates the cell's weights for input dimension `inDim`. */
  protected abstract buildCell(inDim: number): void;

  /** The cell's kind for `recurrentSequence`. */
  protected abstract get cell(): RecurrentCell;

  /** The gates' activation (LSTM, GRU). */
  protected get gateActivation(): ActivationSpec | undefined {
    return undefined;
  }

  /** GRU's resetAfter. */
  protected get resetAfterFlag(): boolean {
    return false;
  }

  private seqShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = this.seqShape(inputShape);
    if (s.length !== 3) fail(this.name, `expected input of rank 3 [batch, time, features], received shape ${fmt(s)}`);
    const inDim = s[2];
    if (typeof inDim !== 'number') fail(this.name, `the last dimension (features) of the input must be known, received shape ${fmt(s)}`);
    this.buildCell(inDim);
    this.built = true;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[] {
    const given = sequenceAndStates(this.name, inputs, kwargs);
    const x = given.x;
    let initial = given.initial;
    if (x.rank !== 3) fail(this.name, `expected input of rank 3 [batch, time, features], received shape ${fmtShape(x.shape)}`);
    const [batch, time, feat] = x.shape as [number, number, number];
    if (this.kernel && this.kernel.shape[0] !== feat) fail(this.name, `expected ${this.kernel.shape[0]} input features (the layer was built for them), received shape ${fmtShape(x.shape)}`);
    if (time === 0) fail(this.name, `the input must have at least one time step, received shape ${fmtShape(x.shape)}`);

    if (this.stateful) {
      const fixed = this.batchInputShape?.[0];
      if (typeof fixed !== 'number') fail(this.name, 'a stateful RNN needs a fixed batch size: give the first layer `batchInputShape` (or `batchSize` with `inputShape`)');
      if (batch !== fixed) fail(this.name, `a stateful RNN takes batches of exactly ${fixed} (its batch size), received ${batch}`);
      if (!this.stateVars) this.makeStateVars(batch, x.dtype);
      if (!initial) initial = this.stateVars!.map((v) => v.read());
    }
    if (initial) {
      if (initial.length !== this.stateCount) {
        fail(this.name, `\`initialState\` expected ${this.stateCount} tensor(s) of shape [${batch},${this.units}], received ${initial.length}`);
      }
      initial.forEach((s, i) => {
        if (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== this.units) {
          fail(this.name, `\`initialState\` ${i} expected shape [${batch},${this.units}], received ${fmtShape(s.shape)}`);
        }
      });
    }

    let mask = kwargs.mask;
    if (Array.isArray(mask)) mask = mask[0] ?? null;
    if (mask !== undefined && mask !== null) {
      if (mask.dtype !== 'bool') fail(this.name, `\`mask\` must be a bool tensor of shape [${batch},${time}], received dtype ${mask.dtype}`);
      if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time) {
        fail(this.name, `\`mask\` must have shape [batch, time] = [${batch},${time}], received ${fmtShape(mask.shape)}`);
      }
    } else mask = null;

    // Keras 3's DropoutRNNCell: one mask per call (per gate with implementation 1), the same
    // for every step.
    const inputMasks: Tensor[] = [];
    const recurrentMasks: Tensor[] = [];
    if (kwargs.training) {
      const drop = (x: Tensor, r: number): Tensor => (this.dropoutFunc ? this.dropoutFunc(x, r) : dropout(x, r, null, this.seedGenerator));
      if (this.dropout > 0) for (let k = 0; k < this.maskCount; k++) inputMasks.push(drop(ones([batch, feat], x.dtype), this.dropout));
      if (this.recurrentDropout > 0) for (let k = 0; k < this.maskCount; k++) recurrentMasks.push(drop(ones([batch, this.units], x.dtype), this.recurrentDropout));
    }

    const res = recurrentSequence({
      cell: this.cell,
      x,
      kernel: this.kernel!,
      recurrentKernel: this.recurrentKernel!,
      bias: this.bias,
      initialStates: initial,
      mask,
      activation: { name: this.activation, fn: getActivation(this.activation) },
      ...(this.gateActivation ? { recurrentActivation: this.gateActivation } : {}),
      resetAfter: this.resetAfterFlag,
      goBackwards: this.goBackwards,
      returnSequences: this.returnSequences,
      zeroOutputForMask: this.zeroOutputForMask,
      inputMasks,
      recurrentMasks,
      // A user's dropoutFunc may make masks that depend on watched tensors: the composition
      // differentiates through them.
      ...(this.dropoutFunc ? { composition: true } : {}),
    });
    if (this.stateful && this.stateVars) {
      // The next call starts from these values; no gradient flows back into an earlier batch.
      res.slice(1).forEach((s, i) => this.stateVars![i]!.assign(stopGradient(s)));
    }
    return this.returnState ? res : res[0]!;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s = this.seqShape(inputShape);
    if (s.length !== 3) fail(this.name, `expected input of rank 3 [batch, time, features], received shape ${fmt(s)}`);
    const out: Shape = this.returnSequences ? [s[0]!, s[1]!, this.units] : [s[0]!, this.units];
    if (!this.returnState) return out;
    return [out, ...Array.from({ length: this.stateCount }, (): Shape => [s[0]!, this.units])];
  }

  protected addKernels(kernelCols: number, recurrentCols: number, biasShape: number[], biasInit: Initializer): void {
    this.kernel = this.addWeight('kernel', [this.kernelInDim, kernelCols], { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, recurrentCols], {
      initializer: this.recurrentInitializer, regularizer: this.recurrentRegularizer, constraint: this.recurrentConstraint,
    });
    if (this.useBias) this.bias = this.addWeight('bias', biasShape, { initializer: biasInit, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }

  private kernelInDim = 0;
  protected setInDim(n: number): void {
    this.kernelInDim = n;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: initConfig(this.kernelInitializer),
      recurrentInitializer: initConfig(this.recurrentInitializer),
      biasInitializer: initConfig(this.biasInitializer),
      kernelRegularizer: regConfig(this.kernelRegularizer),
      recurrentRegularizer: regConfig(this.recurrentRegularizer),
      biasRegularizer: regConfig(this.biasRegularizer),
      ...(this.kernelConstraint ? { kernelConstraint: serializeConstraint(this.kernelConstraint) } : {}),
      ...(this.recurrentConstraint ? { recurrentConstraint: serializeConstraint(this.recurrentConstraint) } : {}),
      ...(this.biasConstraint ? { biasConstraint: serializeConstraint(this.biasConstraint) } : {}),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      seed: this.seed,
      stateful: this.stateful,
      unroll: this.unroll,
      implementation: this.implementation,
    };
  }
}

// ------------------------------------------------------------------ SimpleRNN

export type SimpleRNNArgs = RNNBaseArgs;

/** Keras `SimpleRNN`: `h = activation(x·kernel + bias + h₋·recurrentKernel)`. */
export class SimpleRNN extends RNNBase {
  static override className = 'SimpleRNN';

  constructor(args: SimpleRNNArgs) {
    super(args, []);
  }

  protected buildCell(inDim: number): void {
    this.setInDim(inDim);
    this.addKernels(this.units, this.units, [this.units], this.biasInitializer);
  }

  protected get cell(): RecurrentCell {
    return 'simple';
  }
}

// ------------------------------------------------------------------ LSTM

export interface LSTMArgs extends RNNBaseArgs {
  recurrentActivation?: string | null;
  /** Adds 1 to the forget gate's bias at initialization (Keras default true). */
  unitForgetBias?: boolean;
}

/** Keras's LSTM bias initializer with `unitForgetBias`: [init(u), ones(u), init(2u)]. */
export class UnitForgetBias extends Initializer {
  static override className = 'UnitForgetBias';
  constructor(readonly base: Initializer, readonly units: number) {
    super();
  }
  protected generate(_shape: number[], dtype: DataType): Tensor {
    return concat([this.base.apply([this.units], dtype), ones([this.units], dtype), this.base.apply([2 * this.units], dtype)], 0);
  }
  getConfig(): InitializerConfig {
    return this.base.getConfig();
  }
}

/**
 * Keras `LSTM`: kernel [in, 4u], recurrent kernel [u, 4u], bias [4u], gate order i, f, c, o;
 * `c = σ(f)·c₋ + σ(i)·act(c̃)`, `h = σ(o)·act(c)`; returns states [h, c].
 */
export class LSTM extends RNNBase {
  static override className = 'LSTM';
  readonly recurrentActivation: string;
  readonly unitForgetBias: boolean;

  constructor(args: LSTMArgs) {
    super(args, ['recurrentActivation', 'unitForgetBias']);
    this.recurrentActivation = activationName(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation, 'LSTM');
    this.unitForgetBias = bool('LSTM', 'unitForgetBias', args.unitForgetBias, true);
  }

  protected override get stateCount(): number {
    return 2;
  }

  protected override get maskCount(): number {
    return this.recurrentDropout > 0 ? 4 : 1;
  }

  protected buildCell(inDim: number): void {
    this.setInDim(inDim);
    const u = this.units;
    this.addKernels(4 * u, 4 * u, [4 * u], this.unitForgetBias ? new UnitForgetBias(this.biasInitializer, u) : this.biasInitializer);
  }

  protected get cell(): RecurrentCell {
    return 'lstm';
  }

  protected override get gateActivation(): ActivationSpec {
    return { name: this.recurrentActivation, fn: getActivation(this.recurrentActivation) };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, unitForgetBias: this.unitForgetBias };
  }
}

// ------------------------------------------------------------------ GRU

export interface GRUArgs extends RNNBaseArgs {
  recurrentActivation?: string | null;
  /** Reset gate after the recurrent matMul (Keras 3 default true; bias [2, 3u]). */
  resetAfter?: boolean;
}

/**
 * Keras `GRU`: kernel [in, 3u], recurrent kernel [u, 3u], gate order z, r, h; bias [2, 3u]
 * (input and recurrent biases) with `resetAfter` (default), [3u] without.
 */
export class GRU extends RNNBase {
  static override className = 'GRU';
  readonly recurrentActivation: string;
  readonly resetAfter: boolean;

  constructor(args: GRUArgs) {
    super(args, ['recurrentActivation', 'resetAfter']);
    this.recurrentActivation = activationName(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation, 'GRU');
    this.resetAfter = bool('GRU', 'resetAfter', args.resetAfter, true);
  }

  protected override get maskCount(): number {
    return this.recurrentDropout > 0 ? 3 : 1;
  }

  protected buildCell(inDim: number): void {
    this.setInDim(inDim);
    const u = this.units;
    this.addKernels(3 * u, 3 * u, this.resetAfter ? [2, 3 * u] : [3 * u], this.biasInitializer);
  }

  protected get cell(): RecurrentCell {
    return 'gru';
  }

  protected override get gateActivation(): ActivationSpec {
    return { name: this.recurrentActivation, fn: getActivation(this.recurrentActivation) };
  }

  protected override get resetAfterFlag(): boolean {
    return this.resetAfter;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter };
  }
}

registerBuiltinLayer(SimpleRNN);
registerBuiltinLayer(LSTM);
registerBuiltinLayer(GRU);

export { Bidirectional, TimeDistributed, type BidirectionalArgs, type TimeDistributedArgs, type MergeMode } from './wrappers.ts';

/** Factories for `tf.layers` (TF.js names). */
export const recurrentLayers = {
  simpleRNN: (args: SimpleRNNArgs) => new SimpleRNN(args),
  lstm: (args: LSTMArgs) => new LSTM(args),
  gru: (args: GRUArgs) => new GRU(args),
  bidirectional: (args: BidirectionalArgs) => new Bidirectional(args),
  timeDistributed: (args: TimeDistributedArgs) => new TimeDistributed(args),
};
