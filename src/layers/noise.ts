/**
 * Noise layers (Keras 3). Each acts only when called with `training: true` (otherwise the
 * identity) and owns a `SeedGenerator` (from `seed`, or the next of the global sequence): a new
 * draw on every call, the same sequence on every run.
 *
 * - SpatialDropout1D(rate): dropout with noiseShape [B, 1, C] — whole channels dropped over time.
 * - SpatialDropout2D(rate, dataFormat): noiseShape [B, 1, 1, C] (channelsLast) or [B, C, 1, 1].
 * - SpatialDropout3D(rate, dataFormat): noiseShape [B, 1, 1, 1, C] or [B, C, 1, 1, 1].
 *   (dropout keeps where u ≥ rate, scales kept units by 1/(1 − rate): `tf.dropout`.)
 * - GaussianNoise(stddev): y = x + N(0, stddev²).
 * - GaussianDropout(rate): y = x · N(1, rate/(1 − rate)) (stddev sqrt(rate/(1 − rate))).
 * - AlphaDropout(rate, noiseShape): keeps the SELU self-normalizing mean and variance:
 *     kept = u ≥ rate (u uniform [0, 1)),  α' = −α·λ = −1.7580993408473766
 *     a = ((1 − rate)(1 + rate·α'²))^(−1/2),  b = −a·α'·rate
 *     y = a·(x·kept + α'·(1 − kept)) + b
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from '../ops/add.ts';
import { cast } from '../ops/cast.ts';
import { greaterEqual } from '../ops/compare.ts';
import { dropout } from '../ops/dropout.ts';
import { mul } from '../ops/mul.ts';
import { randomNormal } from '../ops/random_normal.ts';
import { randomUniform } from '../ops/random_uniform.ts';
import { sub } from '../ops/sub.ts';
import { SeedGenerator } from '../random/seed.ts';
import { checkArgs, Layer, type CallKwargs, type LayerArgs, type Shape } from './layer.ts';
import { registerBuiltinLayer } from './registry.ts';

export type DataFormat = 'channelsLast' | 'channelsFirst';

function checkRate(layer: string, rate: unknown, arg = 'rate'): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    fail(layer, `Invalid value received for argument \`${arg}\`. Expected a float value between 0 and 1. Received: ${arg}=${String(rate)}`);
  }
  return rate;
}

function checkSeedArg(layer: string, seed: unknown): number | null {
  if (seed === undefined || seed === null) return null;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) fail(layer, `Received an invalid value for \`seed\`, expected a number. Received: seed=${String(seed)}`);
  return seed;
}

function single(layer: Layer, inputs: Tensor | Tensor[]): Tensor {
  if (Array.isArray(inputs)) fail(layer.name, `expects a single tensor, received a list of ${inputs.length}`);
  return inputs;
}

/** Common part: a rate (or stddev), a seed and its generator. */
abstract class NoiseLayer extends Layer {
  readonly seed: number | null;
  readonly seedGenerator: SeedGenerator;
  constructor(args: LayerArgs & { seed?: number | null }) {
    const cls = (new.target as unknown as typeof Layer).className;
    const seed = checkSeedArg(cls, args.seed);
    const { seed: _s, ...rest } = args;
    super(rest);
    this.seed = seed;
    this.seedGenerator = new SeedGenerator(seed ?? undefined);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape).slice();
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: this.seed };
  }
}

// ------------------------------------------------------------------ SpatialDropout

export interface SpatialDropoutArgs extends LayerArgs {
  rate: number;
  dataFormat?: DataFormat;
  seed?: number | null;
}

abstract class SpatialDropout extends NoiseLayer {
  readonly rate: number;
  readonly dataFormat: DataFormat;
  protected abstract readonly spatialRank: number;
  constructor(args: SpatialDropoutArgs, hasFormat: boolean) {
    const cls = (new.target as unknown as typeof Layer).className;
    checkArgs(cls, args, hasFormat ? ['rate', 'dataFormat', 'seed'] : ['rate', 'seed']);
    super(args as LayerArgs & { seed?: number | null });
    this.rate = checkRate(cls, args.rate);
    const df = args.dataFormat ?? 'channelsLast';
    if (df !== 'channelsLast' && df !== 'channelsFirst') fail(cls, `Received an invalid value for \`dataFormat\`, expected 'channelsLast' or 'channelsFirst'. Received: dataFormat=${String(df)}`);
    this.dataFormat = df;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = single(this, inputs);
    const want = this.spatialRank + 2;
    if (x.rank !== want) fail(this.name, `expected an input of rank ${want}, received shape [${x.shape}]`);
    if (!kwargs.training || this.rate === 0) return x;
    const b = x.shape[0]!;
    const ones = new Array<number>(this.spatialRank).fill(1);
    const noiseShape = this.dataFormat === 'channelsLast' ? [b, ...ones, x.shape[want - 1]!] : [b, x.shape[1]!, ...ones];
    if (this.rate === 1) return mul(x, 0);
    return dropout(x, this.rate, noiseShape, this.seedGenerator);
  }
  override getConfig(): Record<string, unknown> {
    const c = { ...super.getConfig(), rate: this.rate };
    return this.spatialRank === 1 ? c : { ...c, dataFormat: this.dataFormat };
  }
}

export class SpatialDropout1D extends SpatialDropout {
  static override className = 'SpatialDropout1D';
  protected readonly spatialRank = 1;
  constructor(args: Omit<SpatialDropoutArgs, 'dataFormat'>) {
    super(args, false);
  }
}

export class SpatialDropout2D extends SpatialDropout {
  static override className = 'SpatialDropout2D';
  protected readonly spatialRank = 2;
  constructor(args: SpatialDropoutArgs) {
    super(args, true);
  }
}

export class SpatialDropout3D extends SpatialDropout {
  static override className = 'SpatialDropout3D';
  protected readonly spatialRank = 3;
  constructor(args: SpatialDropoutArgs) {
    super(args, true);
  }
}

// ------------------------------------------------------------------ GaussianNoise, GaussianDropout

export interface GaussianNoiseArgs extends LayerArgs {
  stddev: number;
  seed?: number | null;
}

export class GaussianNoise extends NoiseLayer {
  static override className = 'GaussianNoise';
  readonly stddev: number;
  constructor(args: GaussianNoiseArgs) {
    checkArgs('GaussianNoise', args, ['stddev', 'seed']);
    super(args);
    this.stddev = checkRate('GaussianNoise', args.stddev, 'stddev');
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = single(this, inputs);
    if (!kwargs.training || this.stddev === 0) return x;
    return add(x, randomNormal(x.shape, 0, this.stddev, 'float32', this.seedGenerator));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), stddev: this.stddev };
  }
}

export interface GaussianDropoutArgs extends LayerArgs {
  rate: number;
  seed?: number | null;
}

export class GaussianDropout extends NoiseLayer {
  static override className = 'GaussianDropout';
  readonly rate: number;
  constructor(args: GaussianDropoutArgs) {
    checkArgs('GaussianDropout', args, ['rate', 'seed']);
    super(args);
    this.rate = checkRate('GaussianDropout', args.rate);
    if (this.rate === 1) {
      fail('GaussianDropout', 'Invalid value received for argument `rate`. Expected a float value between 0 and 1 ' +
        '(exclusive of 1: the noise stddev sqrt(rate / (1 - rate)) is infinite). Received: rate=1');
    }
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = single(this, inputs);
    if (!kwargs.training || this.rate === 0) return x;
    const stddev = Math.sqrt(this.rate / (1 - this.rate));
    return mul(x, randomNormal(x.shape, 1, stddev, 'float32', this.seedGenerator));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

// ------------------------------------------------------------------ AlphaDropout

export interface AlphaDropoutArgs extends LayerArgs {
  rate: number;
  noiseShape?: (number | null)[] | null;
  seed?: number | null;
}

/** −α·λ of SELU. */
export const ALPHA_PRIME = -1.7580993408473766;

export class AlphaDropout extends NoiseLayer {
  static override className = 'AlphaDropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  constructor(args: AlphaDropoutArgs) {
    checkArgs('AlphaDropout', args, ['rate', 'noiseShape', 'seed']);
    const { noiseShape, ...rest } = args;
    super(rest);
    this.rate = checkRate('AlphaDropout', args.rate);
    if (this.rate === 1) {
      fail('AlphaDropout', 'Invalid value received for argument `rate`. Expected a float value between 0 and 1 ' +
        '(exclusive of 1: the affine scale a = ((1 - rate)(1 + rate·alpha\'²))^(-1/2) is infinite). Received: rate=1');
    }
    if (noiseShape !== undefined && noiseShape !== null && (!Array.isArray(noiseShape) || noiseShape.some((d) => d !== null && !(Number.isInteger(d) && d > 0)))) {
      fail('AlphaDropout', `Received an invalid value for \`noiseShape\`, expected an array of positive integers or nulls. Received: noiseShape=${JSON.stringify(noiseShape)}`);
    }
    this.noiseShape = noiseShape ? noiseShape.slice() : null;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = single(this, inputs);
    if (!kwargs.training || this.rate === 0) return x;
    let shape = x.shape.slice();
    if (this.noiseShape) {
      if (this.noiseShape.length !== x.rank) fail(this.name, `\`noiseShape\` ${JSON.stringify(this.noiseShape)} must have the input's rank ${x.rank} (input shape [${x.shape}])`);
      shape = this.noiseShape.map((d, i) => d ?? x.shape[i]!);
    }
    const rate = this.rate;
    const kept = cast(greaterEqual(randomUniform(shape, 0, 1, 'float32', this.seedGenerator), rate), x.dtype);
    const a = ((1 - rate) * (1 + rate * ALPHA_PRIME * ALPHA_PRIME)) ** -0.5;
    const b = -a * ALPHA_PRIME * rate;
    const dropped = add(mul(x, kept), mul(sub(1, kept), ALPHA_PRIME));
    return add(mul(dropped, a), b);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape };
  }
}

registerBuiltinLayer(SpatialDropout1D);
registerBuiltinLayer(SpatialDropout2D);
registerBuiltinLayer(SpatialDropout3D);
registerBuiltinLayer(GaussianNoise);
registerBuiltinLayer(GaussianDropout);
registerBuiltinLayer(AlphaDropout);

export const noiseLayers = {
  spatialDropout1d: (args: Omit<SpatialDropoutArgs, 'dataFormat'>) => new SpatialDropout1D(args),
  spatialDropout2d: (args: SpatialDropoutArgs) => new SpatialDropout2D(args),
  spatialDropout3d: (args: SpatialDropoutArgs) => new SpatialDropout3D(args),
  gaussianNoise: (args: GaussianNoiseArgs) => new GaussianNoise(args),
  gaussianDropout: (args: GaussianDropoutArgs) => new GaussianDropout(args),
  alphaDropout: (args: AlphaDropoutArgs) => new AlphaDropout(args),
};
