/**
 * `Optimizer`: the base class of every optimizer (Keras 3 `BaseOptimizer` semantics, TF.js API).
 *
 * One `applyGradients(grads)` call, with lr = the learning rate at step `iterations`
 * (a schedule is called with `iterations` before it is incremented):
 *   1. gradients /= lossScaleFactor (if set), then clipping: clipnorm (each g ← g·c/max(‖g‖, c)),
 *      globalClipnorm (all g ← g·c·min(1/‖all‖, 1/c)) or clipvalue (g ← clip(g, −c, c));
 *   2. decoupled weight decay, every variable first: var ← var − var·wd·lr;
 *   3. the subclass's update step per variable (Keras 3 formula, same operation order);
 *   4. iterations += 1.
 * Slot variables (optimizer state) are created lazily on the first apply for a variable, as
 * non-trainable variables named like TensorFlow's: `<var name without :N>/<Prefix>[_k]`,
 * k being the slot's fixed index (e.g. `dense_1/kernel/Adam`, `dense_1/kernel/Adam_1`).
 * Updates run with every gradient tape paused, inside a tidy scope; state is written with
 * `Variable.assign`, so any backend works.
 */
import { ENGINE } from '../core/engine.ts';
import { OPTIMIZER_KERNELS, type OptimizerKernelAttrs, type OptimizerKernelName } from '../core/kernels.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { shapesEqual } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { Variable } from '../core/variable.ts';
import { tidy, variable } from '../core/api.ts';
import { variableGrads, variableGradsSources } from '../autodiff/gradients.ts';
import { add } from '../ops/add.ts';
import { sub } from '../ops/sub.ts';
import { mul } from '../ops/mul.ts';
import { div } from '../ops/div.ts';
import { sqrt } from '../ops/sqrt.ts';
import { square } from '../ops/square.ts';
import { sum } from '../ops/sum.ts';
import { maximum } from '../ops/maximum.ts';
import { clipByValue } from '../ops/clip_by_value.ts';
import { clone } from '../ops/identity.ts';
import { fill } from '../ops/creation.ts';
import { LearningRateSchedule, deserializeSchedule } from './schedules.ts';
import { minimizeNode, SymbolicTensor } from '../graph/graph.ts';
import { noGrad } from '../autodiff/tape.ts';

export type LearningRate = number | LearningRateSchedule;
export type NamedTensor = { name: string; tensor: Tensor };
/** Gradients as TF.js `{varName: grad}`, `[{name, tensor}]`, or Keras `[[grad, variable], ...]`. */
export type GradientsInput = Record<string, Tensor | null | undefined> | NamedTensor[] | [Tensor | null, Variable][];
export type OptimizerConfig = Record<string, unknown>;

/**
 * A fused optimizer kernel (src/core/kernels.ts) with its named attributes: what an optimizer's
 * `fusedUpdate` declares.
 */
export type FusedUpdate = { [K in OptimizerKernelName]: { kernel: K; attrs: OptimizerKernelAttrs[K] } }[OptimizerKernelName];

/** A fused kernel's input names per variable (g0, x0, m0, v0, g1, …), made once per kernel, slots used and count. */
const FUSED_NAMES = new Map<string, string[]>();
function fusedInputNames(kernel: string, slots: readonly string[], nVars: number): string[] {
  const key = `${kernel}:${slots.join(',')}:${nVars}`;
  let names = FUSED_NAMES.get(key);
  if (!names) {
    names = [];
    for (let i = 0; i < nVars; i++) names.push(`g${i}`, `x${i}`, ...slots.map((s) => `${s}${i}`));
    FUSED_NAMES.set(key, names);
  }
  return names;
}

/** Options every optimizer accepts (Keras base-optimizer arguments, camelCase). */
export interface BaseOptimizerArgs {
  learningRate?: LearningRate;
  weightDecay?: number | null;
  clipnorm?: number | null;
  clipvalue?: number | null;
  globalClipnorm?: number | null;
  lossScaleFactor?: number | null;
  name?: string;
}
export const BASE_ARG_KEYS = ['learningRate', 'weightDecay', 'clipnorm', 'clipvalue', 'globalClipnorm', 'lossScaleFactor', 'name'];

/** One kind of optimizer state per variable. `index` fixes the `_k` suffix of its name. */
export interface SlotSpec {
  /** TF name, used by getSlot (e.g. 'm'). */
  name: string;
  /** Keras 3 name, also accepted by getSlot (e.g. 'momentum'). */
  keras: string;
  index: number;
  initialValue: number;
  active: boolean;
}

/** Slot variables of every optimizer (never looked up as model variables by name). */
const SLOT_VARIABLES = new WeakSet<Variable>();

/** `dense_1/kernel:0` → `dense_1/kernel`. */
export function baseVariableName(name: string): string {
  return name.replace(/:\d+$/, '');
}

export function checkArgKeys(op: string, args: object, allowed: string[]): void {
  if (args === null || typeof args !== 'object') fail(op, `expected an options object, received ${String(args)}`);
  const bad = Object.keys(args).filter((k) => !allowed.includes(k));
  if (bad.length) fail(op, `unknown option(s) ${bad.map((k) => `'${k}'`).join(', ')} (expected some of ${allowed.join(', ')})`);
}

export function checkNumber(op: string, arg: string, v: unknown, lo: number, hi: number, loOpen = false, hiOpen = false): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) {
    const range = `${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? '∞' : hi}${hiOpen || hi === Infinity ? ')' : ']'}`;
    fail(op, `\`${arg}\` must be a number in ${range}, received ${String(v)}`);
  }
  return v as number;
}

function optionalPositive(op: string, arg: string, v: number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  return checkNumber(op, arg, v, 0, Infinity, true);
}

function checkLearningRate(op: string, lr: unknown): LearningRate {
  if (lr instanceof LearningRateSchedule) return lr;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    fail(op, `\`learningRate\` must be a number >= 0 or a LearningRateSchedule, received ${typeof lr === 'number' ? lr : typeof lr}`);
  }
  return lr;
}

/** snake_case config keys shared by every optimizer → camelCase option names. */
export const BASE_CONFIG_KEYS: Record<string, string> = {
  name: 'name',
  learning_rate: 'learningRate',
  weight_decay: 'weightDecay',
  clipnorm: 'clipnorm',
  global_clipnorm: 'globalClipnorm',
  clipvalue: 'clipvalue',
  loss_scale_factor: 'lossScaleFactor',
};

/** Converts a Keras config to constructor options; unknown or unsupported keys are errors. */
export function configToArgs(op: string, config: OptimizerConfig, own: Record<string, string>): Record<string, unknown> {
  if (config === null || typeof config !== 'object') fail(op, `expected a config object, received ${String(config)}`);
  const keys: Record<string, string> = { ...BASE_CONFIG_KEYS, ...own };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === 'use_ema') {
      if (v) fail(op, '`use_ema` (moving averages of the weights) is not supported');
      continue;
    }
    if (k === 'ema_momentum') continue;
    // Keras 2 (TF 2.11+ optimizers) writes these; they change nothing here.
    if (k === 'jit_compile' || k === 'is_legacy_optimizer') continue;
    // Keras 2's legacy optimizers: `decay` is a learning-rate decay, `lr` the old name of the rate.
    if (k === 'decay') {
      if (v !== 0 && v !== null && v !== undefined) {
        fail(op, `\`decay\` ${String(v)} (Keras 2's inverse-time learning-rate decay) is not supported; ` +
          'use a learning-rate schedule (tf.schedules.inverseTimeDecay)');
      }
      continue;
    }
    if (k === 'lr' && !('learning_rate' in config)) {
      out['learningRate'] = v;
      continue;
    }
    if (k === 'ema_overwrite_frequency' || k === 'gradient_accumulation_steps') {
      if (v !== null && v !== undefined) fail(op, `\`${k}\` is not supported (received ${String(v)})`);
      continue;
    }
    const ck = keys[k];
    if (ck === undefined) fail(op, `unknown config key '${k}' (expected some of ${Object.keys(keys).join(', ')})`);
    if (v === null || v === undefined) {
      if (ck === 'weightDecay' || ck === 'clipnorm' || ck === 'clipvalue' || ck === 'globalClipnorm' || ck === 'lossScaleFactor') out[ck] = null;
      continue;
    }
    if (ck === 'learningRate' && typeof v === 'object') out[ck] = deserializeSchedule(v as { class_name: string; config: Record<string, unknown> });
    else out[ck] = v;
  }
  return out;
}

export abstract class Optimizer {
  /** Keras class name, e.g. 'Adam'. */
  abstract readonly className: string;
  /** TF slot-name prefix, e.g. 'Adam' → `w/Adam`, `w/Adam_1`. */
  protected abstract readonly slotPrefix: string;
  /** Every slot kind this optimizer may use (inactive ones are not created). */
  protected abstract slotSpecs(): SlotSpec[];
  /**
   * The update of one variable. `slots[k]` is the slot with index k (undefined when inactive),
   * `lr` the learning rate for this step, `step` = iterations + 1 (Keras's `local_step`).
   */
  protected abstract updateStep(gradient: Tensor, v: Variable, slots: (Variable | undefined)[], lr: number, step: number): void;
  /**
   * The fused kernel that runs this step for every variable in one call, with its named
   * attributes (TensorFlow's `ResourceApplyAdam` shape), bit-identical to `updateStep` variable
   * by variable; null where this configuration has none (then `updateStep` runs). An optimizer
   * with a fast path declares it here and nowhere else: the base class feeds the kernel the
   * gradients, the variables and the slots it names (src/core/kernels.ts `OPTIMIZER_KERNELS`,
   * whose slot names are this optimizer's `SlotSpec.name`s) when the backend has the kernel.
   */
  protected fusedUpdate(_lr: number, _step: number): FusedUpdate | null {
    return null;
  }

  private fusedPlan: { kernel: string; mask: number; used: string[]; indexes: number[] } | undefined;

  /** Runs `fusedUpdate`'s kernel on every variable and assigns the new values; false (nothing done) when there is none. */
  private runFusedUpdate(gradients: Tensor[], vars: Variable[], lr: number, step: number): boolean {
    if (vars.length === 0) return false;
    const fused = this.fusedUpdate(lr, step);
    if (fused === null || !ENGINE.hasKernel(fused.kernel)) return false;
    const spec = OPTIMIZER_KERNELS[fused.kernel] as { slots: readonly string[]; uses: (a: unknown) => boolean[] };
    const uses = spec.uses(fused.attrs);
    let mask = 0;
    for (let k = 0; k < uses.length; k++) if (uses[k]) mask |= 1 << k;
    // The kernel's slots used and their indexes among this optimizer's slots (once per kernel and mask).
    let plan = this.fusedPlan;
    if (!plan || plan.kernel !== fused.kernel || plan.mask !== mask) {
      const used = spec.slots.filter((_, k) => uses[k]);
      const specs = this.slotSpecs();
      plan = this.fusedPlan = { kernel: fused.kernel, mask, used, indexes: used.map((name) => specs.find((s) => s.name === name)!.index) };
    }
    const { used, indexes } = plan;
    const inputs: Record<string, Tensor> = {};
    const targets: Variable[] = [];
    const names = fusedInputNames(fused.kernel, used, vars.length);
    let q = 0;
    for (let i = 0; i < vars.length; i++) {
      const v = vars[i]!;
      const slots = this.slots.get(v) ?? [];
      inputs[names[q++]!] = gradients[i]!;
      inputs[names[q++]!] = v;
      targets.push(v);
      for (const k of indexes) {
        inputs[names[q++]!] = slots[k]!;
        targets.push(slots[k]!);
      }
    }
    const outs = ENGINE.runKernelMulti(fused.kernel, inputs, fused.attrs);
    targets.forEach((t, i) => t.assign(outs[i]!));
    return true;
  }

  /** Optimizer-specific config entries (snake_case). */
  protected abstract ownConfig(): OptimizerConfig;

  readonly name: string;
  weightDecay: number | null;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  readonly lossScaleFactor: number | null;
  /** Number of `applyGradients` calls so far (int). */
  iterations = 0;
  /**
   * Precision of the per-step scalars (Adam's and Adamax's bias corrections β₁ᵗ, β₂ᵗ and the step
   * size α): 'float64' (idem's default: exact powers, one rounding when the scalar meets a
   * float32 tensor) or 'float32' (Keras's form: β, t, the powers, 1 − βᵗ, √ and α each rounded to
   * float32, as Keras computes them on float32 tensors — about 7e-6 relative apart per step).
   * Loading an optimizer from a Keras file sets 'float32', so a resumed Keras training continues
   * as Keras would; idem's own files record the setting and keep it. Not part of the Keras config.
   */
  stepPrecision: 'float64' | 'float32' = 'float64';

  private lr: LearningRate;
  private readonly slots = new Map<Variable, (Variable | undefined)[]>();
  /** Slots in creation order (getWeights order). */
  private readonly slotOrder: Variable[] = [];
  private excludeNames: RegExp[] = [];
  private readonly excludeVars = new WeakSet<Variable>();

  constructor(op: string, args: BaseOptimizerArgs, defaultLearningRate: number) {
    this.lr = checkLearningRate(op, args.learningRate ?? defaultLearningRate);
    this.weightDecay = args.weightDecay === null || args.weightDecay === undefined ? null : checkNumber(op, 'weightDecay', args.weightDecay, 0, Infinity);
    this.clipnorm = optionalPositive(op, 'clipnorm', args.clipnorm);
    this.clipvalue = optionalPositive(op, 'clipvalue', args.clipvalue);
    this.globalClipnorm = optionalPositive(op, 'globalClipnorm', args.globalClipnorm);
    this.lossScaleFactor = optionalPositive(op, 'lossScaleFactor', args.lossScaleFactor);
    const nClip = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((c) => c !== null).length;
    if (nClip > 1) {
      fail(op, `Only one of \`clipnorm\`, \`clipvalue\` and \`globalClipnorm\` can be set. Received: clipnorm=${this.clipnorm}, clipvalue=${this.clipvalue}, globalClipnorm=${this.globalClipnorm}`);
    }
    if (args.name !== undefined && typeof args.name !== 'string') fail(op, `\`name\` must be a string, received ${typeof args.name}`);
    this.name = args.name ?? op.toLowerCase();
  }

  // ---------------------------------------------------------------- learning rate

  /** The configured learning rate: a number or a schedule. */
  get learningRate(): LearningRate {
    return this.lr;
  }
  /** Sets a number or a schedule. Like Keras, a schedule cannot be replaced by a number. */
  set learningRate(v: LearningRate) {
    const lr = checkLearningRate(this.className, v);
    if (this.lr instanceof LearningRateSchedule && !(lr instanceof LearningRateSchedule)) {
      fail(this.className, 'this optimizer was created with a LearningRateSchedule as its learning rate, hence its learning rate is not settable to a number (create the optimizer ' +
        'with a number instead)');
    }
    this.lr = lr;
  }
  /** The learning rate the next `applyGradients` uses (a schedule evaluated at `iterations`). */
  currentLearningRate(): number {
    const lr = this.lr;
    if (lr instanceof LearningRateSchedule) {
      const v = lr(this.iterations);
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(this.className, `the learning-rate schedule returned ${String(v)} at step ${this.iterations}`);
      return v;
    }
    return lr;
  }

  // ---------------------------------------------------------------- weight decay exclusion

  /** Keras `exclude_from_weight_decay`: these variables (or names matching a substring/regex) get no decay. */
  excludeFromWeightDecay(opts: { varList?: Variable[]; varNames?: (string | RegExp)[] }): void {
    if (this.slotOrder.length > 0) fail('excludeFromWeightDecay', 'can only be configured before the optimizer is built (before the first applyGradients)');
    for (const v of opts.varList ?? []) this.excludeVars.add(v);
    this.excludeNames = (opts.varNames ?? []).map((n) => (typeof n === 'string' ? new RegExp(n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : n));
  }
  private useWeightDecay(v: Variable): boolean {
    if (this.excludeVars.has(v)) return false;
    return !this.excludeNames.some((r) => r.test(v.name));
  }

  // ---------------------------------------------------------------- slots

  /** Names of the slots this optimizer uses with its current settings (TF names). */
  getSlotNames(): string[] {
    return this.slotSpecs()
      .filter((s) => s.active)
      .map((s) => s.name);
  }

  /** Keras 3 names of the slots this optimizer uses with its current settings (e.g. Adam: momentum, velocity). */
  kerasSlotNames(): string[] {
    return this.slotSpecs()
      .filter((s) => s.active)
      .map((s) => s.keras);
  }

  /**
   * Sets the slot `slotName` (TF or Keras name) of `v` to `value`, creating it if the optimizer
   * has not updated `v` yet (restoring saved optimizer state). Shape and dtype must be `v`'s.
   */
  setSlot(v: Variable, slotName: string, value: Tensor): void {
    const spec = this.slotSpecs().find((s) => s.active && (s.name === slotName || s.keras === slotName));
    if (!spec) fail('setSlot', `${this.className} has no active slot '${slotName}' (slots: ${this.kerasSlotNames().join(', ')})`);
    if (!shapesEqual(v.shape, value.shape) || v.dtype !== value.dtype) {
      fail('setSlot', `slot '${slotName}' of '${v.name}' must be ${v.dtype} ${fmtShape(v.shape)}, received ${value.dtype} ${fmtShape(value.shape)}`);
    }
    const existing = this.slots.get(v)?.[spec.index];
    noGrad(() => tidy(() => (existing ? existing.assign(clone(value)) : this.makeSlot(v, spec, value))));
  }

  /** The slot variable for `v` (TF name like 'm' or Keras name like 'momentum'), or null before its first update. */
  getSlot(v: Variable, slotName: string): Variable | null {
    const spec = this.slotSpecs().find((s) => s.name === slotName || s.keras === slotName);
    if (!spec) fail('getSlot', `${this.className} has no slot '${slotName}' (slots: ${this.slotSpecs().map((s) => s.name).join(', ')})`);
    return this.slots.get(v)?.[spec.index] ?? null;
  }

  private slotName(v: Variable, index: number): string {
    // TensorFlow names: `dense_1/kernel:0` → `dense_1/kernel/Adam:0`; a name without `:N` gets none.
    const suffix = /:\d+$/.test(v.name) ? ':0' : '';
    return `${baseVariableName(v.name)}/${this.slotPrefix}${index === 0 ? '' : `_${index}`}${suffix}`;
  }

  private makeSlot(v: Variable, spec: SlotSpec, value?: Tensor): Variable {
    const init = value ? clone(value) : fill(v.shape, spec.initialValue, v.dtype);
    const s = variable(init, false, this.slotName(v, spec.index));
    SLOT_VARIABLES.add(s);
    let list = this.slots.get(v);
    if (!list) this.slots.set(v, (list = []));
    list[spec.index] = s;
    this.slotOrder.push(s);
    return s;
  }

  /** Creates the missing slots of `vars`, kind by kind (Keras's build order). */
  private buildSlots(vars: Variable[]): void {
    for (const spec of this.slotSpecs()) {
      if (!spec.active) continue;
      for (const v of vars) if (!this.slots.get(v)?.[spec.index]) this.makeSlot(v, spec);
    }
  }

  // ---------------------------------------------------------------- gradients

  /** TF.js `computeGradients`: the loss value and gradients of trainable variables by name. */
  computeGradients(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
    return variableGrads(f, this.trainableList(varList));
  }

  private trainableList(varList?: Variable[]): Variable[] {
    if (varList !== undefined) {
      if (!Array.isArray(varList)) fail('minimize', '`varList` must be an array of Variables');
      varList.forEach((v, i) => {
        if (!(v instanceof Variable)) fail('minimize', `varList[${i}] must be a Variable, received ${typeof v}`);
      });
      return varList.filter((v) => v.trainable);
    }
    return ENGINE.liveVariables().filter((v) => v.trainable && !SLOT_VARIABLES.has(v));
  }

  /**
   * TF.js `minimize(f, returnCost = false, varList?)`: one step on the gradients of the scalar
   * `f()` with respect to the trainable variables in `varList` (default: every live trainable
   * variable). Non-trainable variables are never updated. Returns the cost when asked, else null.
   */
  minimize(f: (() => Tensor) | Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    // Graph mode (TF1): `minimize(symbolicLoss)` returns a training node to fetch with session.run.
    if (f instanceof SymbolicTensor) return minimizeNode(this, f, varList);
    if (typeof f !== 'function') fail('minimize', '`f` must be a function returning a scalar Tensor');
    const vars = this.trainableList(varList);
    if (vars.length === 0) fail('minimize', varList ? 'none of the variables in `varList` is trainable' : 'there are no trainable variables');
    const { value, grads } = variableGrads(f, vars);
    if (Object.keys(grads).length === 0) {
      fail('minimize', `no gradients: the loss does not depend on any of the ${vars.length} trainable variable(s) ` +
        `(${vars.slice(0, 5).map((v) => `'${v.name}'`).join(', ')}${vars.length > 5 ? ', ...' : ''})`);
    }
    const byName = new Map(vars.map((v) => [v.name, v]));
    const pairs: [Tensor, Variable][] = [];
    for (const [name, g] of Object.entries(grads)) pairs.push([g, byName.get(name)!]);
    this.applyGradients(pairs);
    for (const g of Object.values(grads)) g.dispose();
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  private resolveVariable(name: string): Variable {
    if (typeof name !== 'string') fail('applyGradients', `variable names must be strings, received ${typeof name}`);
    // The live (non-slot) variable with this name; more than one is ambiguous.
    const found = ENGINE.liveVariables().filter((v) => v.name === name && !SLOT_VARIABLES.has(v));
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      fail('applyGradients', `${found.length} live variables are named '${name}', so a gradient keyed by that name is ambiguous: pass [gradient, variable] pairs, the map returned by ` +
        `tf.variableGrads, or give the variables unique names`);
    }
    fail('applyGradients', `no live variable is named '${name}' (pass [gradient, variable] pairs for unnamed or disposed variables)`);
  }

  private normalize(grads: GradientsInput): [Tensor, Variable][] {
    const out: [Tensor, Variable][] = [];
    if (Array.isArray(grads)) {
      grads.forEach((e, i) => {
        if (Array.isArray(e)) {
          const [g, v] = e;
          if (!(v instanceof Variable)) fail('applyGradients', `pair ${i}: the second element must be a Variable, received ${typeof v}`);
          if (g !== null && g !== undefined) out.push([g, v]);
        } else if (e && typeof e === 'object' && 'name' in e && 'tensor' in e) {
          if (e.tensor !== null && e.tensor !== undefined) out.push([e.tensor, this.resolveVariable(e.name)]);
        } else {
          fail('applyGradients', `entry ${i} must be {name, tensor} or [gradient, variable], received ${typeof e}`);
        }
      });
    } else if (grads && typeof grads === 'object') {
      const sources = variableGradsSources(grads);
      for (const [name, g] of Object.entries(grads)) if (g !== null && g !== undefined) out.push([g, sources?.get(name) ?? this.resolveVariable(name)]);
    } else {
      fail('applyGradients', `expected {name: gradient}, [{name, tensor}] or [[gradient, variable]], received ${typeof grads}`);
    }
    for (const [g, v] of out) {
      if (!(g instanceof Tensor)) fail('applyGradients', `the gradient of '${v.name}' must be a Tensor, received ${typeof g}`);
      g.throwIfDisposed('applyGradients');
      v.throwIfDisposed('applyGradients');
      if (v.dtype !== 'float32') fail('applyGradients', `variable '${v.name}' must be float32, it is ${v.dtype}`);
      if (g.dtype !== v.dtype) fail('applyGradients', `the gradient of '${v.name}' must be ${v.dtype}, received ${g.dtype}`);
      if (!shapesEqual(g.shape, v.shape)) fail('applyGradients', `the gradient of '${v.name}' must have the variable's shape ${fmtShape(v.shape)}, received ${fmtShape(g.shape)}`);
    }
    const seen = new Set<Variable>();
    for (const [, v] of out) {
      if (seen.has(v)) fail('applyGradients', `variable '${v.name}' has more than one gradient`);
      seen.add(v);
    }
    return out;
  }

  private clip(grads: Tensor[]): Tensor[] {
    if (this.clipnorm !== null) {
      const c = this.clipnorm;
      return grads.map((g) => div(mul(g, c), maximum(sqrt(sum(square(g))), c)));
    }
    if (this.globalClipnorm !== null) {
      const c = this.globalClipnorm;
      if (grads.length === 0) return grads;
      let total = sum(square(grads[0]!));
      for (const g of grads.slice(1)) total = add(total, sum(square(g)));
      // c · min(1/‖g‖, 1/c) = c / max(‖g‖, c)
      const scale = div(c, maximum(sqrt(total), c));
      return grads.map((g) => mul(g, scale));
    }
    if (this.clipvalue !== null) {
      const c = this.clipvalue;
      return grads.map((g) => clipByValue(g, -c, c));
    }
    return grads;
  }

  /** Keras `apply(grads, variables)`: gradients and variables as parallel lists. */
  apply(grads: (Tensor | null)[], vars: Variable[]): void {
    if (!Array.isArray(grads) || !Array.isArray(vars) || grads.length !== vars.length) {
      fail('apply', `\`grads\` and \`vars\` must be arrays of the same length, received ${Array.isArray(grads) ? grads.length : typeof grads} and ${Array.isArray(vars) ? vars.length : typeof vars}`);
    }
    this.applyGradients(grads.map((g, i) => [g, vars[i]!] as [Tensor | null, Variable]));
  }

  /** Applies one step (see the file comment) and increments `iterations`. */
  applyGradients(grads: GradientsInput): void {
    const pairs = this.normalize(grads);
    // One replayable unit under tf.function: a replay reruns this with the new gradients, so
    // `iterations` and the learning-rate schedule advance as in eager execution.
    const vars = pairs.map((p) => p[1]);
    ENGINE.effect(
      pairs.map((p) => p[0]),
      (gs) => {
        this.applyPairs(gs.map((g, i) => [g, vars[i]!] as [Tensor, Variable]));
        return null;
      },
      () => null,
    );
  }

  private applyPairs(pairs: [Tensor, Variable][]): void {
    const lr = this.currentLearningRate();
    const step = this.iterations + 1;
    noGrad(() =>
      tidy(() => {
        const vars = pairs.map((p) => p[1]);
        this.buildSlots(vars);
        let gs = pairs.map((p) => p[0]);
        if (this.lossScaleFactor !== null) {
          const s = this.lossScaleFactor;
          gs = gs.map((g) => div(g, s));
        }
        gs = this.clip(gs);
        if (this.weightDecay !== null) {
          const wd = this.weightDecay;
          for (const v of vars) if (this.useWeightDecay(v)) v.assign(sub(v, mul(mul(v, wd), lr)));
        }
        if (!this.runFusedUpdate(gs, vars, lr, step)) vars.forEach((v, i) => this.updateStep(gs[i]!, v, this.slots.get(v) ?? [], lr, step));
      }),
    );
    this.iterations++;
  }

  // ---------------------------------------------------------------- weights

  /** `[{name: 'iter', tensor: int32 scalar}, ...slots in creation order]` (snapshots). */
  getWeights(): NamedTensor[] {
    const iter = ENGINE.makeTensor(new Int32Array([this.iterations]), [], 'int32');
    return [{ name: 'iter', tensor: iter }, ...this.slotOrder.map((s) => ({ name: s.name, tensor: s.read() }))];
  }

  /**
   * Restores `getWeights()` output: the first entry is the iteration count, the others are
   * slots matched by name (`<variable>/<Prefix>[_k]`); missing slots are created for the live
   * variable of that name.
   */
  setWeights(weights: NamedTensor[]): void {
    if (!Array.isArray(weights) || weights.length === 0) fail('setWeights', 'expected [{name, tensor}, ...] starting with the iteration count');
    weights.forEach((w, i) => {
      if (!w || typeof w.name !== 'string' || !(w.tensor instanceof Tensor)) fail('setWeights', `entry ${i} must be {name: string, tensor: Tensor}`);
    });
    const it = weights[0]!.tensor;
    if (it.size !== 1) fail('setWeights', `the first weight must be the scalar iteration count, received shape ${fmtShape(it.shape)}`);
    const n = it.dataSync()[0]!;
    if (!Number.isInteger(n) || n < 0) fail('setWeights', `the iteration count must be an integer >= 0, received ${n}`);
    const byName = new Map(this.slotOrder.map((s) => [s.name, s]));
    const specs = this.slotSpecs();
    const re = new RegExp(`^(.*)/${this.slotPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:_(\\d+))?$`);
    // Validate everything before changing anything.
    const plan: (() => void)[] = [];
    for (const w of weights.slice(1)) {
      const existing = byName.get(w.name);
      if (existing) {
        if (!shapesEqual(existing.shape, w.tensor.shape)) fail('setWeights', `weight '${w.name}' has shape ${fmtShape(existing.shape)}, received ${fmtShape(w.tensor.shape)}`);
        if (existing.dtype !== w.tensor.dtype) fail('setWeights', `weight '${w.name}' is ${existing.dtype}, received ${w.tensor.dtype}`);
        plan.push(() => existing.assign(clone(w.tensor)));
        continue;
      }
      const m = re.exec(w.name);
      const spec = m ? specs.find((s) => s.index === (m[2] === undefined ? 0 : Number(m[2]))) : undefined;
      if (!m || !spec || !spec.active) fail('setWeights', `unknown weight '${w.name}' for ${this.className} (expected '<variable>/${this.slotPrefix}[_k]' for slots ` +
        `${this.getSlotNames().join(', ')})`);
      const live = ENGINE.liveVariables().filter((v) => !SLOT_VARIABLES.has(v) && baseVariableName(v.name) === m[1]);
      const v = live[live.length - 1];
      if (!v) fail('setWeights', `weight '${w.name}': no live variable is named '${m[1]}'`);
      if (!shapesEqual(v.shape, w.tensor.shape) || v.dtype !== w.tensor.dtype) {
        fail('setWeights', `weight '${w.name}' must be ${v.dtype} ${fmtShape(v.shape)} like '${v.name}', received ${w.tensor.dtype} ${fmtShape(w.tensor.shape)}`);
      }
      plan.push(() => this.makeSlot(v, spec, w.tensor));
    }
    noGrad(() => tidy(() => plan.forEach((p) => p())));
    this.iterations = n;
  }

  /** Disposes the slot variables (the optimizer can be used again; slots are recreated at zero). */
  dispose(): void {
    for (const s of this.slotOrder) s.dispose();
    this.slotOrder.length = 0;
    this.slots.clear();
  }

  // ---------------------------------------------------------------- config

  /** Keras config (snake_case keys). */
  getConfig(): OptimizerConfig {
    const lr = this.lr instanceof LearningRateSchedule ? this.lr.serialize() : this.lr;
    return {
      name: this.name,
      learning_rate: lr,
      weight_decay: this.weightDecay,
      clipnorm: this.clipnorm,
      global_clipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      use_ema: false,
      ema_momentum: 0.99,
      ema_overwrite_frequency: null,
      loss_scale_factor: this.lossScaleFactor,
      gradient_accumulation_steps: null,
      ...this.ownConfig(),
    };
  }

  /** Keras serialization shape `{class_name, config}`. */
  serialize(): { class_name: string; config: OptimizerConfig } {
    return { class_name: this.className, config: this.getConfig() };
  }
}

export { SLOT_VARIABLES };
