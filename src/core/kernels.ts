/**
 * What the engine knows about kernels by name: which ones are fused kernels that ops declare
 * next to their compositions, and of what kind (`ENGINE.mayUse` decides from it).
 *
 * - 'fused': bit-identical to its op's composition, with a gradient of its own: used unless a
 *   frame needs the op-level composition (tf.compare's op trace).
 * - 'backward': a backward-only kernel (no gradient, or a less exact one than the composition's):
 *   used only when nothing records the computation for a later differentiation.
 * Every other kernel is a primitive: ops call it directly.
 */
import { fail } from './errors.ts';

/** A kernel's name (checked against the kernel table in a later step). */
export type KernelName = string;

export type KernelKind = 'primitive' | 'fused' | 'backward';

/**
 * How an op uses a kernel, for `ENGINE.mayUse`: its kind, or 'inference' — a use without a
 * gradient (a fused kernel given an epilogue it cannot differentiate), allowed only when no
 * frame is on the stack at all.
 */
export type KernelUse = KernelKind | 'inference';

const KINDS: Record<string, KernelKind> = {
  _FusedMatMul: 'fused',
  _FusedConv2D: 'fused',
  _RNNSequence: 'fused',
  _Attention: 'fused',
  _LayerNorm: 'fused',
  Dropout: 'fused',
  _DropoutGrad: 'fused',
  FusedBatchNorm: 'fused',
  AdamUpdate: 'fused',
  SGDUpdate: 'fused',
  RMSpropUpdate: 'fused',
  _ReluGrad: 'backward',
  _FusedMatMulGrad: 'backward',
  _SoftmaxCrossEntropyGrad: 'backward',
  FusedBatchNormGrad: 'backward',
  _RNNSequenceGrad: 'backward',
  _AttentionGrad: 'backward',
  _LayerNormGrad: 'backward',
};

export function kernelKind(name: string): KernelKind {
  return KINDS[name] ?? 'primitive';
}

// ---------------------------------------------------------------- fused optimizer kernels

/**
 * `AdamUpdate`: Adam without amsgrad (src/optimizers/adam.ts), α the step's bias-corrected
 * step size lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ): m' = m + (g − m)·f32(1 − β₁), v' = v + (g·g − v)·f32(1 − β₂),
 * x' = x − (m'·α)/(√v' + ε). Slots m, v.
 */
export type AdamUpdateAttrs = {
  alpha: number;
  beta1: number;
  beta2: number;
  epsilon: number;
};
/**
 * `SGDUpdate` (src/optimizers/sgd.ts): x' = x − g·lr; momentum μ ≠ 0: m' = m·μ − g·lr and
 * x' = x + m' (nesterov: x' = x + (m'·μ − g·lr)). Slot momentum (μ ≠ 0 only).
 */
export type SGDUpdateAttrs = {
  learningRate: number;
  momentum: number;
  nesterov: boolean;
};
/**
 * `RMSpropUpdate` (src/optimizers/rmsprop.ts): rms' = rms·ρ + (g·g)·f32(1 − ρ); centered:
 * mg' = mg·ρ + g·f32(1 − ρ), den = (rms' − mg'·mg') + ε, else den = rms' + ε; inc = (g·lr)/√den;
 * momentum μ > 0: mom' = mom·μ + inc, x' = x − mom', else x' = x − inc. Slots rms, mg
 * (centered only), momentum (μ > 0 only).
 */
export type RMSpropUpdateAttrs = {
  learningRate: number;
  rho: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
};

/** The fused optimizer kernels and their attributes. */
export interface OptimizerKernelAttrs {
  AdamUpdate: AdamUpdateAttrs;
  SGDUpdate: SGDUpdateAttrs;
  RMSpropUpdate: RMSpropUpdateAttrs;
}
export type OptimizerKernelName = keyof OptimizerKernelAttrs;

/**
 * Each fused optimizer kernel's slots, in order, and which of them a configuration uses. The
 * kernel's inputs are, for variable i: `g<i>` (gradient), `x<i>` (variable) and `<slot><i>` for
 * each slot used; its outputs, per variable: x', then the new value of each slot used.
 */
export const OPTIMIZER_KERNELS: { [K in OptimizerKernelName]: { slots: readonly string[]; uses: (a: OptimizerKernelAttrs[K]) => boolean[] } } = {
  AdamUpdate: { slots: ['m', 'v'], uses: () => [true, true] },
  SGDUpdate: { slots: ['momentum'], uses: (a) => [a.momentum !== 0] },
  RMSpropUpdate: { slots: ['rms', 'mg', 'momentum'], uses: (a) => [true, a.centered, a.momentum > 0] },
};

const ATTR_TYPES: { [K in OptimizerKernelName]: Record<keyof OptimizerKernelAttrs[K], 'number' | 'boolean'> } = {
  AdamUpdate: { alpha: 'number', beta1: 'number', beta2: 'number', epsilon: 'number' },
  SGDUpdate: { learningRate: 'number', momentum: 'number', nesterov: 'boolean' },
  RMSpropUpdate: { learningRate: 'number', rho: 'number', momentum: 'number', epsilon: 'number', centered: 'boolean' },
};

/** One variable of a fused optimizer kernel: gradient, variable, and each slot (null where unused). */
export interface OptimizerKernelVariable<T> {
  g: T;
  x: T;
  slots: (T | null)[];
}

/**
 * A fused optimizer kernel's arguments, checked, for a backend: the attributes (finite numbers,
 * booleans) and the variables in order (every float32 array of one variable of one size);
 * throws an error naming the kernel and the argument otherwise.
 */
export function optimizerKernelArgs<K extends OptimizerKernelName, T extends { shape: readonly number[]; dtype: string }>(
  kernel: K,
  inputs: Record<string, T>,
  attrs: Record<string, unknown>,
): { attrs: OptimizerKernelAttrs[K]; uses: boolean[]; vars: OptimizerKernelVariable<T>[] } {
  const types = ATTR_TYPES[kernel] as Record<string, string>;
  for (const [name, type] of Object.entries(types)) {
    const v = attrs[name];
    if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) fail(kernel, `attribute '${name}' must be a ${type === 'number' ? 'finite number' : type}, received ${String(v)}`);
  }
  const extra = Object.keys(attrs).filter((k) => !(k in types));
  if (extra.length) fail(kernel, `unknown attribute(s) ${extra.join(', ')} (expected ${Object.keys(types).join(', ')})`);
  const a = attrs as unknown as OptimizerKernelAttrs[K];
  const spec = OPTIMIZER_KERNELS[kernel] as { slots: readonly string[]; uses: (a: OptimizerKernelAttrs[K]) => boolean[] };
  const uses = spec.uses(a);
  const vars: OptimizerKernelVariable<T>[] = [];
  let expected = 0;
  for (let i = 0; `g${i}` in inputs; i++) {
    const get = (name: string): T => {
      const t = inputs[`${name}${i}`];
      if (t === undefined) fail(kernel, `input '${name}${i}' is missing`);
      if (t.dtype !== 'float32') fail(kernel, `input '${name}${i}' must be float32, received ${t.dtype}`);
      if (!sameShape(t.shape, inputs[`x${i}`]?.shape ?? t.shape)) fail(kernel, `input '${name}${i}' has shape [${t.shape}], expected the variable's [${inputs[`x${i}`]!.shape}]`);
      expected++;
      return t;
    };
    const x = get('x');
    vars.push({ g: get('g'), x, slots: spec.slots.map((s, k) => (uses[k] ? get(s) : null)) });
  }
  if (expected !== Object.keys(inputs).length) {
    const known = new Set(vars.flatMap((_, i) => ['g', 'x', ...spec.slots.filter((_, k) => uses[k])].map((n) => `${n}${i}`)));
    fail(kernel, `unexpected input(s) ${Object.keys(inputs).filter((k) => !known.has(k)).join(', ')}`);
  }
  return { attrs: a, uses, vars };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
