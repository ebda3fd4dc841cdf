/**
 * Keras 3 reshaping layers without weights.
 *
 * - Permute(dims): y = transpose(x, [0, ...dims]); `dims` are 1-based (the batch axis never
 *   moves) and must be a permutation of 1..rank−1. Output shape [B, s[dims[0]], s[dims[1]], …].
 * - RepeatVector(n): [B, F] → [B, n, F], y[b, i, :] = x[b, :] (expandDims at 1, then tile n).
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { expandDims } from '../ops/expand_dims.ts';
import { tile } from '../ops/tile.ts';
import { transpose } from '../ops/transpose.ts';
import { checkArgs, Layer, type LayerArgs, type Shape } from './layer.ts';
import { registerBuiltinLayer } from './registry.ts';

const fmt = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;

export interface PermuteArgs extends LayerArgs {
  dims: number[];
}

export class Permute extends Layer {
  static override className = 'Permute';
  readonly dims: number[];

  constructor(args: PermuteArgs) {
    checkArgs('Permute', args, ['dims']);
    super(args);
    const d = args.dims;
    const sorted = Array.isArray(d) ? d.slice().sort((a, b) => a - b) : null;
    if (!sorted || sorted.length === 0 || !sorted.every((v, i) => v === i + 1)) {
      fail('Permute', `Invalid permutation argument \`dims\` for Permute Layer. The set of indices in \`dims\` must be consecutive and start from 1. Received dims=${JSON.stringify(d)}`);
    }
    this.dims = d.slice();
  }

  private check(rank: number, shape: readonly (number | null)[]): void {
    if (rank !== this.dims.length + 1) {
      fail(this.name, `expected an input of rank ${this.dims.length + 1} (batch + ${this.dims.length} permuted axes, dims=${JSON.stringify(this.dims)}), ` +
        `received shape ${fmt(shape)}`);
    }
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    if (Array.isArray(inputs)) fail(this.name, `expects a single tensor, received a list of ${inputs.length}`);
    this.check(inputs.rank, inputs.shape);
    return transpose(inputs, [0, ...this.dims]);
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    const sh = s as Shape;
    this.check(sh.length, sh);
    return [sh[0]!, ...this.dims.map((d) => sh[d]!)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: this.dims.slice() };
  }
}

export interface RepeatVectorArgs extends LayerArgs {
  n: number;
}

export class RepeatVector extends Layer {
  static override className = 'RepeatVector';
  readonly n: number;

  constructor(args: RepeatVectorArgs) {
    checkArgs('RepeatVector', args, ['n']);
    super(args);
    if (typeof args.n !== 'number' || !Number.isInteger(args.n) || args.n < 0) {
      fail('RepeatVector', `Expected an integer value for \`n\`, got ${typeof args.n === 'number' ? args.n : typeof args.n}.`);
    }
    this.n = args.n;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    if (Array.isArray(inputs)) fail(this.name, `expects a single tensor, received a list of ${inputs.length}`);
    if (inputs.rank !== 2) fail(this.name, `expected an input of rank 2 [batch, features], received shape ${fmt(inputs.shape)}`);
    return tile(expandDims(inputs, 1), [1, this.n, 1]);
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    const sh = s as Shape;
    if (sh.length !== 2) fail(this.name, `expected an input of rank 2 [batch, features], received shape ${fmt(sh)}`);
    return [sh[0]!, this.n, sh[1]!];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

registerBuiltinLayer(Permute);
registerBuiltinLayer(RepeatVector);

export const miscLayers = {
  permute: (args: PermuteArgs) => new Permute(args),
  repeatVector: (args: RepeatVectorArgs) => new RepeatVector(args),
};
