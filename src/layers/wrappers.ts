/**
 * Keras layer wrappers.
 *
 * `Bidirectional(layer, mergeMode)`: two copies of a recurrent layer rebuilt from its config, a
 * forward one (`forward_<name>`) and one with `goBackwards` flipped (`backward_<name>`). The
 * backward sequence output is reversed in time (when `returnSequences`) so both align, then
 * merged: concat (last axis) | sum | mul | ave ((y + y_rev) / 2) | null ([y, y_rev]). With
 * `returnState`: [output(s), ...forward states, ...backward states]. `initialState` is split in
 * halves (forward, backward). Weights: forward layer's, then backward layer's.
 *
 * `TimeDistributed(layer)`: applies `layer` to every time slice: [batch, time, ...] is reshaped to
 * [batch·time, ...], passed through the layer, and reshaped back to [batch, time, ...out].
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from '../ops/add.ts';
import { concat } from '../ops/concat.ts';
import { mul } from '../ops/mul.ts';
import { reshape } from '../ops/reshape.ts';
import { reverse } from '../ops/reverse.ts';
import { checkArgs, Layer, type CallKwargs, type LayerArgs, type Shape } from './layer.ts';
import { RNNBase } from './recurrent.ts';
import { deserializeLayer, registerBuiltinLayer } from './registry.ts';

type LayerSpec = Layer | { className: string; config: Record<string, unknown> };

function toLayer(owner: string, spec: unknown): Layer {
  if (spec instanceof Layer) return spec;
  if (spec !== null && typeof spec === 'object' && typeof (spec as { className?: unknown }).className === 'string') {
    return deserializeLayer(spec as { className: string; config: Record<string, unknown> });
  }
  fail(owner, `Received an invalid value for \`layer\`, expected a Layer instance (or a {className, config} spec). Received: layer=${String(spec)}`);
}

const stripPrefix = (s: string, p: string) => (s.startsWith(p) ? s.slice(p.length) : s);

// ------------------------------------------------------------------ Bidirectional

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

export interface BidirectionalArgs extends LayerArgs {
  /** A recurrent layer (SimpleRNN, LSTM, GRU); it is copied from its config, not used itself. */
  layer: LayerSpec;
  mergeMode?: MergeMode;
}

const MERGE_MODES = ['concat', 'sum', 'mul', 'ave', null];

export class Bidirectional extends Layer {
  static override className = 'Bidirectional';
  readonly forwardLayer: RNNBase;
  readonly backwardLayer: RNNBase;
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;

  /** The input mask follows the sequence output (Keras). */
  override computeMask(_inputs: Tensor | Tensor[], mask: Tensor | Tensor[] | null): Tensor | Tensor[] | null {
    const m = Array.isArray(mask) ? (mask[0] ?? null) : mask;
    return this.returnSequences ? m : null;
  }
  readonly returnState: boolean;

  constructor(args: BidirectionalArgs) {
    if (args === null || typeof args !== 'object') fail('Bidirectional', `expected an options object such as {layer, mergeMode}, received ${String(args)}`);
    checkArgs('Bidirectional', args, ['layer', 'mergeMode']);
    super(args);
    const mergeMode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (!MERGE_MODES.includes(mergeMode)) {
      fail('Bidirectional', `Received an invalid value for \`mergeMode\`, expected one of 'concat', 'sum', 'mul', 'ave', null. Received: mergeMode=${String(mergeMode)}`);
    }
    this.mergeMode = mergeMode;
    const layer = toLayer('Bidirectional', args.layer);
    if (!(layer instanceof RNNBase)) fail('Bidirectional', `\`layer\` must be a recurrent layer (SimpleRNN, LSTM, GRU), received ${layer.className} '${layer.name}'`);
    const cls = layer.constructor as new (a: Record<string, unknown>) => RNNBase;
    const cfg = layer.getConfig();
    delete cfg['batchInputShape'];
    // An input shape declared on the wrapped layer declares this layer's input.
    if (!this.batchInputShape && layer.batchInputShape) this.batchInputShape = layer.batchInputShape.slice();
    const base = stripPrefix(stripPrefix(layer.name, 'forward_'), 'backward_');
    this.forwardLayer = new cls({ ...cfg, name: `forward_${base}` });
    this.backwardLayer = new cls({ ...cfg, name: `backward_${base}`, goBackwards: !layer.goBackwards });
    this.returnSequences = layer.returnSequences;
    this.returnState = layer.returnState;
    this.forwardLayer.zeroOutputForMask = this.returnSequences;
    this.backwardLayer.zeroOutputForMask = this.returnSequences;
    this.sublayers.push(this.forwardLayer, this.backwardLayer);
  }

  override build(inputShape: Shape | Shape[]): void {
    for (const l of [this.forwardLayer, this.backwardLayer]) {
      if (!l.built) {
        l.build(inputShape);
        l.built = true;
      }
    }
    this.built = true;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[] {
    let x: Tensor;
    let initial: Tensor[] | null = null;
    if (Array.isArray(inputs)) {
      x = inputs[0]!;
      if (inputs.length > 1) initial = inputs.slice(1);
    } else x = inputs;
    if (kwargs['initialState'] !== undefined && kwargs['initialState'] !== null) initial = kwargs['initialState'] as Tensor[];
    let fwState: Tensor[] | null = null;
    let bwState: Tensor[] | null = null;
    if (initial) {
      if (!Array.isArray(initial) || initial.length % 2 !== 0) {
        fail(this.name, `\`initialState\` must be a list of an even number of tensors (forward states, then backward states), received ${Array.isArray(initial) ? initial.length : typeof initial}`);
      }
      const half = initial.length / 2;
      fwState = initial.slice(0, half);
      bwState = initial.slice(half);
    }
    const kw = (st: Tensor[] | null): CallKwargs => ({ training: kwargs.training, mask: kwargs.mask ?? null, ...(st ? { initialState: st } : {}) });
    let y = this.forwardLayer.apply(x, kw(fwState)) as Tensor | Tensor[];
    let yRev = this.backwardLayer.apply(x, kw(bwState)) as Tensor | Tensor[];
    let states: Tensor[] = [];
    if (this.returnState) {
      const a = y as Tensor[];
      const b = yRev as Tensor[];
      states = [...a.slice(1), ...b.slice(1)];
      y = a[0]!;
      yRev = b[0]!;
    }
    let f = y as Tensor;
    let b = yRev as Tensor;
    if (this.returnSequences) b = reverse(b, 1);
    let out: Tensor[];
    switch (this.mergeMode) {
      case 'concat': out = [concat([f, b], -1)]; break;
      case 'sum': out = [add(f, b)]; break;
      case 'ave': out = [mul(add(f, b), 0.5)]; break;
      case 'mul': out = [mul(f, b)]; break;
      default: out = [f, b];
    }
    if (this.returnState || out.length > 1) return [...out, ...states];
    return out[0]!;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const fw = this.forwardLayer.computeOutputShape(inputShape);
    let out = (this.returnState ? (fw as Shape[])[0]! : fw) as Shape;
    const stateShapes = this.returnState ? (fw as Shape[]).slice(1) : [];
    let outs: Shape[];
    if (this.mergeMode === 'concat') {
      out = out.slice();
      const last = out[out.length - 1]!;
      out[out.length - 1] = last === null ? null : last * 2;
      outs = [out];
    } else if (this.mergeMode === null) outs = [out, out.slice()];
    else outs = [out];
    if (this.returnState || outs.length > 1) return [...outs, ...stateShapes, ...stateShapes.map((s) => s.slice())];
    return outs[0]!;
  }

  override getConfig(): Record<string, unknown> {
    const layerCfg = this.forwardLayer.getConfig();
    return { ...super.getConfig(), layer: { className: this.forwardLayer.className, config: layerCfg }, mergeMode: this.mergeMode };
  }
}

// ------------------------------------------------------------------ TimeDistributed

export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied to every time slice (used itself: its weights are shared by all steps). */
  layer: LayerSpec;
}

export class TimeDistributed extends Layer {
  static override className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    if (args === null || typeof args !== 'object') fail('TimeDistributed', `expected an options object such as {layer}, received ${String(args)}`);
    checkArgs('TimeDistributed', args, ['layer']);
    super(args);
    this.layer = toLayer('TimeDistributed', args.layer);
    this.sublayers.push(this.layer);
  }

  private innerShape(inputShape: Shape | Shape[]): Shape {
    if (Array.isArray(inputShape[0])) fail(this.name, 'expects a single input tensor, received a list');
    const s = inputShape as Shape;
    if (s.length < 3) fail(this.name, `expected input of rank ≥ 3 [batch, time, ...], received shape [${s.map((d) => (d === null ? 'null' : d)).join(',')}]`);
    return [null, ...s.slice(2)];
  }

  override build(inputShape: Shape | Shape[]): void {
    const inner = this.innerShape(inputShape);
    if (!this.layer.built) {
      this.layer.build(inner);
      this.layer.built = true;
    }
    this.built = true;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    if (Array.isArray(inputs)) fail(this.name, `expects a single input tensor, received a list of ${inputs.length}`);
    const x = inputs;
    if (x.rank < 3) fail(this.name, `expected input of rank ≥ 3 [batch, time, ...], received shape ${fmtShape(x.shape)}`);
    const [b, t] = x.shape as [number, number];
    const y = this.layer.apply(reshape(x, [b * t, ...x.shape.slice(2)]), { training: kwargs.training });
    if (Array.isArray(y)) fail(this.name, `the wrapped layer '${this.layer.name}' must return a single tensor, it returned ${y.length}`);
    return reshape(y as Tensor, [b, t, ...(y as Tensor).shape.slice(1)]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const inner = this.layer.computeOutputShape(this.innerShape(inputShape));
    if (Array.isArray(inner[0])) fail(this.name, `the wrapped layer '${this.layer.name}' must return a single tensor`);
    return [s[0]!, s[1]!, ...(inner as Shape).slice(1)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
}

registerBuiltinLayer(Bidirectional);
registerBuiltinLayer(TimeDistributed);
