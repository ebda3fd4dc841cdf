/**
 * `LayerNormalization` and `MultiHeadAttention` (Keras 3).
 *
 * LayerNormalization(axis = -1, epsilon = 1e-3, center, scale), per sample over `axis`:
 *   mean, variance = moments(x, axis, keepDims)      (population variance)
 *   inv = rsqrt(variance + epsilon) · gamma ;  res = −mean · inv + beta
 *   y   = x · inv + res                               (Keras 3's exact formula and order)
 * gamma ('ones') and beta ('zeros') have the shape of the normalized axes.
 *
 * MultiHeadAttention(numHeads, keyDim, valueDim = keyDim, dropout = 0, useBias = true,
 * outputShape): Keras's EinsumDense projections, with these weight layouts and names
 *   query/kernel [qDim, H, keyDim]  query/bias [H, keyDim]   (same for key/…, value/… with valueDim)
 *   attention_output/kernel [H, valueDim, outDim]  attention_output/bias [outDim]
 * (outDim = query's last dim unless `outputShape`). For query [B, T, qDim], value [B, S, vDim],
 * key [B, S, kDim] (key defaults to value):
 *   q = einsum('abc,cde->abde', query, Wq) + bq          → [B, T, H, keyDim]   (k, v likewise)
 *   q = q · 1/sqrt(keyDim)                               (scale applied to the query)
 *   scores = einsum('aecd,abcd->acbe', k, q)             → [B, H, T, S]
 *   scores = where(mask, scores, −1e9) (mask [B, T, S] broadcast over heads; a numeric mask keeps
 *            entries > 0.5, as Keras's Softmax), softmax over S
 *   o = einsum('acbe,aecd->abcd', dropout(scores), v)    → [B, T, H, valueDim]
 *   out = einsum('abcd,cde->abe', o, Wo) + bo            → [B, T, outDim]
 * Each projection is a reshape + fused.matMul (matMul + bias: one kernel on the native backend);
 * the attention core (scores, mask, softmax, dropout, · v) is the op dotProductAttention
 * (src/ops/attention.ts: transposes + matMul, one fused kernel on the native backend). Call with `apply([query, value])` or
 * `apply([query, value, key])`; kwargs `attentionMask` (bool, broadcastable to [B, T, S]),
 * `useCausalMask`, `returnAttentionScores` (then the result is [output, scores]), `training`
 * (dropout on the attention probabilities, from the layer's own SeedGenerator).
 */
import { getConstraint, serializeConstraint, type ConstraintIdentifier, type Constraint } from './constraints.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { add } from '../ops/add.ts';
import { cast } from '../ops/cast.ts';
import { greater } from '../ops/compare.ts';
import { logicalAnd } from '../ops/logical.ts';
import { dropout } from '../ops/dropout.ts';
import { expandDims } from '../ops/expand_dims.ts';
import { matMul as fusedMatMul } from '../ops/fused_mat_mul.ts';
import { moments } from '../ops/moments.ts';
import { layerNorm } from '../ops/layer_norm.ts';
import { dotProductAttention } from '../ops/attention.ts';
import { mul } from '../ops/mul.ts';
import { neg } from '../ops/neg.ts';
import { reshape } from '../ops/reshape.ts';
import { rsqrt } from '../ops/rsqrt.ts';
import { tensor } from '../ops/creation.ts';
import { getInitializer, type Initializer, type InitializerIdentifier } from '../initializers/index.ts';
import { SeedGenerator } from '../random/seed.ts';
import { checkArgs, Layer, positiveInt, type CallKwargs, type LayerArgs, type Shape } from './layer.ts';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from './regularizers.ts';
import { registerBuiltinLayer } from './registry.ts';
import { ListInputLayer } from './merge.ts';

const fmt = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
const initConfig = (i: Initializer) => ({ className: i.className, config: i.getConfig() });

// ------------------------------------------------------------------ LayerNormalization

export interface LayerNormalizationArgs extends LayerArgs {
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
  betaConstraint?: ConstraintIdentifier;
  gammaConstraint?: ConstraintIdentifier;
}

export class LayerNormalization extends Layer {
  static override className = 'LayerNormalization';
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  private readonly betaRegularizer;
  private readonly gammaRegularizer;
  private readonly betaConstraint: Constraint | ((w: Tensor) => Tensor) | null;
  private readonly gammaConstraint: Constraint | ((w: Tensor) => Tensor) | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private axes: number[] = [];

  constructor(args: LayerNormalizationArgs = {}) {
    checkArgs('LayerNormalization', args, ['axis', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint']);
    super(args);
    const axis = args.axis ?? -1;
    const okAxis = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
    if (!(okAxis(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every(okAxis)))) {
      fail('LayerNormalization', `Expected an int or a list of ints for the argument 'axis'. Received: axis=${JSON.stringify(axis)}`);
    }
    this.axis = Array.isArray(axis) ? axis.slice() : axis;
    this.epsilon = args.epsilon ?? 1e-3;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0)) {
      fail('LayerNormalization', `Received an invalid value for \`epsilon\`, expected a positive float. Received: epsilon=${String(this.epsilon)}`);
    }
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones');
    this.betaRegularizer = getRegularizer(args.betaRegularizer);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer);
    this.betaConstraint = getConstraint(args.betaConstraint);
    this.gammaConstraint = getConstraint(args.gammaConstraint);
  }

  private resolveAxes(rank: number): number[] {
    const list = Array.isArray(this.axis) ? this.axis : [this.axis];
    const axes = list.map((a) => {
      const r = a < 0 ? a + rank : a;
      if (r < 0 || r >= rank) fail(this.name, `Invalid axis: ${a} for an input of rank ${rank}`);
      return r;
    });
    if (new Set(axes).size !== axes.length) fail(this.name, `Duplicate axis: ${JSON.stringify(this.axis)}`);
    return axes.sort((a, b) => a - b);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    this.axes = this.resolveAxes(s.length);
    const shape = this.axes.map((a) => {
      const d = s[a];
      if (typeof d !== 'number') fail(this.name, `the normalized axis ${a} must have a known size, received input shape ${fmt(s)}`);
      return d;
    });
    if (this.scale) this.gamma = this.addWeight('gamma', shape, { initializer: this.gammaInitializer, regularizer: this.gammaRegularizer, constraint: this.gammaConstraint });
    if (this.center) this.beta = this.addWeight('beta', shape, { initializer: this.betaInitializer, regularizer: this.betaRegularizer, constraint: this.betaConstraint });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const axes = this.resolveAxes(x.rank);
    const lastOnly = axes.length === 1 && axes[0] === x.rank - 1;
    // The last axis: the op layerNorm (the same ops; one fused kernel on the native backend).
    if (lastOnly) return layerNorm(x, this.gamma, this.beta, this.epsilon);
    const bshape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    const broadcast = (v: Tensor | null) => (v === null || lastOnly ? v : reshape(v, bshape));
    const { mean, variance } = moments(x, axes, true);
    const gamma = broadcast(this.gamma);
    const beta = broadcast(this.beta);
    let inv = rsqrt(add(variance, this.epsilon));
    if (gamma) inv = mul(inv, gamma);
    let res = mul(neg(mean), inv);
    if (beta) res = add(res, beta);
    return add(mul(x, inv), res);
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape).slice();
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: Array.isArray(this.axis) ? this.axis.slice() : this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initConfig(this.betaInitializer),
      gammaInitializer: initConfig(this.gammaInitializer),
      betaRegularizer: serializeRegularizer(this.betaRegularizer),
      gammaRegularizer: serializeRegularizer(this.gammaRegularizer),
      ...(this.betaConstraint ? { betaConstraint: serializeConstraint(this.betaConstraint) } : {}),
      ...(this.gammaConstraint ? { gammaConstraint: serializeConstraint(this.gammaConstraint) } : {}),
    };
  }
}

// ------------------------------------------------------------------ MultiHeadAttention

export interface MultiHeadAttentionArgs extends LayerArgs {
  numHeads: number;
  keyDim: number;
  valueDim?: number | null;
  dropout?: number;
  useBias?: boolean;
  /** Last dimension of the output (default: the query's last dimension). */
  outputShape?: number | [number] | null;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
  seed?: number | null;
  /**
   * Keras: the axes attention runs over (axes of the projected [batch, ..., heads, dim] tensor).
   * idem computes attention over the sequence axis of [batch, length, dim] inputs, Keras's
   * default: null, 1, [1] or -2 (the same axis); others are refused.
   */
  attentionAxes?: number | number[] | null;
  /** Keras 3.12+: a gating projection (only false, the default, is supported). */
  useGate?: boolean;
}

export { MASKED_SCORE } from '../ops/attention.ts';

/** Lower-triangular bool [1, T, S] (query t may attend to key s ≤ t; Keras `_compute_causal_mask`). */
export function causalMask(t: number, s: number): Tensor {
  const v: boolean[] = [];
  for (let i = 0; i < t; i++) for (let j = 0; j < s; j++) v.push(j <= i);
  return tensor(v, [1, t, s], 'bool');
}

export class MultiHeadAttention extends ListInputLayer {
  static override className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShapeArg: number | null;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  private readonly kernelRegularizer;
  private readonly biasRegularizer;
  private readonly kernelConstraint: Constraint | ((w: Tensor) => Tensor) | null;
  private readonly biasConstraint: Constraint | ((w: Tensor) => Tensor) | null;
  readonly seed: number | null;
  readonly seedGenerator: SeedGenerator;
  /** Keras's `attention_axes`: null until built unless given, then [1] (the sequence axis). */
  attentionAxes: number[] | null = null;
  queryKernel: Variable | null = null;
  queryBias: Variable | null = null;
  keyKernel: Variable | null = null;
  keyBias: Variable | null = null;
  valueKernel: Variable | null = null;
  valueBias: Variable | null = null;
  outputKernel: Variable | null = null;
  outputBias: Variable | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    checkArgs('MultiHeadAttention', args, [
      'numHeads', 'keyDim', 'valueDim', 'dropout', 'useBias', 'outputShape', 'kernelInitializer', 'biasInitializer',
      'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'seed', 'attentionAxes', 'useGate',
    ]);
    super(args);
    const ax = args.attentionAxes;
    if (ax !== undefined && ax !== null) {
      const list = Array.isArray(ax) ? ax : [ax];
      // For [batch, length, dim] inputs the projected rank is 4: axis 1 (or −2) is the sequence.
      if (list.length !== 1 || !(list[0] === 1 || list[0] === -2)) {
        fail('MultiHeadAttention', `\`attentionAxes\` ${JSON.stringify(ax)} is not supported: idem attends over the sequence axis of [batch, length, dim] inputs (attentionAxes null, 1, [1] or -2)`);
      }
      this.attentionAxes = [1];
    }
    if (args.useGate !== undefined && args.useGate !== false) fail('MultiHeadAttention', '`useGate: true` is not supported (only the default false)');
    this.numHeads = positiveInt('MultiHeadAttention', 'numHeads', args.numHeads);
    this.keyDim = positiveInt('MultiHeadAttention', 'keyDim', args.keyDim);
    this.valueDim = args.valueDim === undefined || args.valueDim === null ? this.keyDim : positiveInt('MultiHeadAttention', 'valueDim', args.valueDim);
    const rate = args.dropout ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) fail('MultiHeadAttention', `Received an invalid value for \`dropout\`, expected a float in [0, 1). Received: dropout=${String(rate)}`);
    this.dropout = rate;
    this.useBias = args.useBias ?? true;
    const os = args.outputShape;
    if (os === undefined || os === null) this.outputShapeArg = null;
    else if (Array.isArray(os) && os.length === 1) this.outputShapeArg = positiveInt('MultiHeadAttention', 'outputShape', os[0]);
    else if (typeof os === 'number') this.outputShapeArg = positiveInt('MultiHeadAttention', 'outputShape', os);
    else fail('MultiHeadAttention', `Received an invalid value for \`outputShape\`, expected a positive integer (the last dimension of the output). Received: outputShape=${JSON.stringify(os)}`);
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.kernelConstraint = getConstraint(args.kernelConstraint);
    this.biasConstraint = getConstraint(args.biasConstraint);
    this.seed = args.seed ?? null;
    this.seedGenerator = new SeedGenerator(args.seed ?? undefined);
  }

  private shapes(inputShape: Shape | Shape[]): { q: Shape; v: Shape; k: Shape } {
    if (!Array.isArray(inputShape) || !Array.isArray(inputShape[0]) || inputShape.length < 2 || inputShape.length > 3) {
      fail(this.name, 'must be called on a list [query, value] or [query, value, key]');
    }
    const [q, v, k] = inputShape as Shape[];
    for (const [n, s] of [['query', q], ['value', v], ['key', k ?? v]] as const) {
      if (s!.length !== 3) fail(this.name, `\`${n}\` must have rank 3 [batch, length, dim] (only the default attention axes are supported), received shape ${fmt(s!)}`);
      if (typeof s![2] !== 'number') fail(this.name, `the last dimension of \`${n}\` must be known, received shape ${fmt(s!)}`);
    }
    if (v![1] !== null && (k ?? v)![1] !== null && v![1] !== (k ?? v)![1]) fail(this.name, `\`key\` and \`value\` must have the same length, received key ${fmt(k!)} and value ${fmt(v!)}`);
    return { q: q!, v: v!, k: k ?? v! };
  }

  override build(inputShape: Shape | Shape[]): void {
    const { q, v, k } = this.shapes(inputShape);
    this.attentionAxes = [1];
    const H = this.numHeads;
    const kw = (reg: ReturnType<typeof getRegularizer>, init: Initializer) => ({
      initializer: init,
      regularizer: reg,
      constraint: init === this.kernelInitializer ? this.kernelConstraint : this.biasConstraint,
    });
    const outDim = this.outputShapeArg ?? (q[2] as number);
    this.queryKernel = this.addWeight('query/kernel', [q[2] as number, H, this.keyDim], kw(this.kernelRegularizer, this.kernelInitializer));
    if (this.useBias) this.queryBias = this.addWeight('query/bias', [H, this.keyDim], kw(this.biasRegularizer, this.biasInitializer));
    this.keyKernel = this.addWeight('key/kernel', [k[2] as number, H, this.keyDim], kw(this.kernelRegularizer, this.kernelInitializer));
    if (this.useBias) this.keyBias = this.addWeight('key/bias', [H, this.keyDim], kw(this.biasRegularizer, this.biasInitializer));
    this.valueKernel = this.addWeight('value/kernel', [v[2] as number, H, this.valueDim], kw(this.kernelRegularizer, this.kernelInitializer));
    if (this.useBias) this.valueBias = this.addWeight('value/bias', [H, this.valueDim], kw(this.biasRegularizer, this.biasInitializer));
    this.outputKernel = this.addWeight('attention_output/kernel', [H, this.valueDim, outDim], kw(this.kernelRegularizer, this.kernelInitializer));
    if (this.useBias) this.outputBias = this.addWeight('attention_output/bias', [outDim], kw(this.biasRegularizer, this.biasInitializer));
  }

  /** einsum('abc,cde->abde', x, W) + b: [B, T, c] → [B, T, H, d]. */
  private project(x: Tensor, kernel: Variable, bias: Variable | null, d: number): Tensor {
    const [B, T, c] = x.shape as [number, number, number];
    // matMul + bias as one fused.matMul on the rows (the same GEMM and additions: bit-identical).
    const y = fusedMatMul({ a: reshape(x, [B * T, c]), b: reshape(kernel, [c, this.numHeads * d]), bias: bias ? reshape(bias, [this.numHeads * d]) : null });
    return reshape(y, [B, T, this.numHeads, d]);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[] {
    if (!Array.isArray(inputs) || inputs.length < 2 || inputs.length > 3) fail(this.name, 'must be called on a list [query, value] or [query, value, key]');
    const [query, value, key = inputs[1]!] = inputs as [Tensor, Tensor, Tensor?];
    this.shapes([query.shape, value.shape, key.shape]);
    const wantQ = this.queryKernel!.shape[0];
    if (query.shape[2] !== wantQ || key.shape[2] !== this.keyKernel!.shape[0] || value.shape[2] !== this.valueKernel!.shape[0]) {
      fail(this.name, `input dimensions changed since the layer was built: query ${fmt(query.shape)}, value ${fmt(value.shape)}, key ${fmt(key.shape)}; ` +
        `built for query/key/value dims ${wantQ}/${this.keyKernel!.shape[0]}/${this.valueKernel!.shape[0]}`);
    }
    const [B, T] = query.shape as [number, number];
    const S = value.shape[1]!;
    const H = this.numHeads;
    let q = this.project(query, this.queryKernel!, this.queryBias, this.keyDim); // [B,T,H,K]
    const k = this.project(key, this.keyKernel!, this.keyBias, this.keyDim); // [B,S,H,K]
    const v = this.project(value, this.valueKernel!, this.valueBias, this.valueDim); // [B,S,H,V]
    q = mul(q, 1 / Math.sqrt(this.keyDim));
    let mask = (kwargs['attentionMask'] as Tensor | null | undefined) ?? null;
    if (mask !== null) {
      if (mask.dtype !== 'bool') mask = greater(mask.dtype === 'float32' ? mask : cast(mask, 'float32'), 0.5); // Keras: keep where mask > 0.5
      if (mask.rank < 2 || mask.rank > 3) fail(this.name, `\`attentionMask\` must be broadcastable to [B, T, S] = [${B},${T},${S}], received shape ${fmt(mask.shape)}`);
    }
    if (kwargs['useCausalMask']) {
      const c = causalMask(T, S);
      mask = mask === null ? c : logicalAnd(mask.rank === 2 ? expandDims(mask, 0) : mask, c);
    }
    let m4: Tensor | null = null;
    if (mask !== null) {
      m4 = expandDims(mask.rank === 2 ? expandDims(mask, 0) : mask, -3); // [B|1, 1, T, S]
      const ok = m4.shape.every((d, i) => d === 1 || d === [B, H, T, S][i]);
      if (!ok) fail(this.name, `\`attentionMask\` must be broadcastable to [B, T, S] = [${B},${T},${S}], received shape ${fmt(mask.shape)}`);
    }
    // scores = qkᵀ (+ mask), softmax, dropout, · v: the op dotProductAttention (one fused kernel
    // on the native backend without dropout; the same ops otherwise).
    const drop = kwargs.training && this.dropout > 0 ? (p: Tensor) => dropout(p, this.dropout, null, this.seedGenerator) : null;
    const [o, probs] = dotProductAttention(q, k, v, m4, drop); // o [B,T,H,V]
    const outDim = this.outputKernel!.shape[2]!;
    const out = reshape(fusedMatMul({ a: reshape(o, [B * T, H * this.valueDim]), b: reshape(this.outputKernel!, [H * this.valueDim, outDim]), bias: this.outputBias }), [B, T, outDim]);
    return kwargs['returnAttentionScores'] ? [out, probs] : out;
  }

  protected outputShapeFor(inputShape: Shape | Shape[]): Shape | Shape[] {
    const { q, v } = this.shapes(inputShape);
    const out: Shape = [q[0]!, q[1]!, this.outputShapeArg ?? q[2]!];
    if (this.currentKwargs?.['returnAttentionScores']) return [out, [q[0]!, this.numHeads, q[1]!, v[1]!]];
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShapeArg,
      attentionAxes: this.attentionAxes ? this.attentionAxes.slice() : null,
      kernelInitializer: initConfig(this.kernelInitializer),
      biasInitializer: initConfig(this.biasInitializer),
      kernelRegularizer: serializeRegularizer(this.kernelRegularizer),
      biasRegularizer: serializeRegularizer(this.biasRegularizer),
      ...(this.kernelConstraint ? { kernelConstraint: serializeConstraint(this.kernelConstraint) } : {}),
      ...(this.biasConstraint ? { biasConstraint: serializeConstraint(this.biasConstraint) } : {}),
      seed: this.seed,
    };
  }
}

registerBuiltinLayer(LayerNormalization);
registerBuiltinLayer(MultiHeadAttention);

export const attentionLayers = {
  multiHeadAttention: (args: MultiHeadAttentionArgs) => new MultiHeadAttention(args),
  layerNormalization: (args: LayerNormalizationArgs = {}) => new LayerNormalization(args),
};
