/**
 * Keras spatial reshaping layers (channels_last, inputs [batch, height, width, channels]):
 * - `ZeroPadding2D(padding)`: y = pad(x, [[0,0],[top,bottom],[left,right],[0,0]]) with zeros.
 * - `Cropping2D(cropping)`: y = x[:, top : h − bottom, left : w − right, :] (a slice).
 * - `UpSampling2D(size)`: nearest neighbour, y[b, i, j, c] = x[b, floor(i / sh), floor(j / sw), c],
 *   computed as reshape [b, h, 1, w, 1, c] → tile [1, 1, sh, 1, sw, 1] → reshape [b, h·sh, w·sw, c].
 * `padding` / `cropping`: an int n (n on all four sides), [h, w] (symmetric per axis), or
 * [[top, bottom], [left, right]].
 * 1-D versions on [batch, steps, channels]: `ZeroPadding1D(padding)` and `Cropping1D(cropping)`
 * with an int or [start, end], `UpSampling1D(size)` repeating each step `size` times.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { pad } from '../ops/pad.ts';
import { reshape } from '../ops/reshape.ts';
import { slice } from '../ops/slice.ts';
import { tile } from '../ops/tile.ts';
import { checkRank, dataFormatArg, fmtDims, intTuple, singleShape } from './convolutional.ts';
import { checkArgs, Layer, type LayerArgs, type Shape } from './layer.ts';
import { registerBuiltinLayer } from './registry.ts';

type Pair2 = [[number, number], [number, number]];
export type Padding2D = number | [number, number] | [[number, number], [number, number]];

const LAYOUT = '[batch, height, width, channels]';

/** int | [h, w] | [[top, bottom], [left, right]] → [[top, bottom], [left, right]] (non-negative ints). */
function pairs2d(cls: string, arg: string, v: unknown): Pair2 {
  const ok = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 0;
  if (ok(v)) return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2) {
    if (ok(v[0]) && ok(v[1])) return [[v[0], v[0]], [v[1], v[1]]];
    if (v.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) return [[v[0][0], v[0][1]], [v[1][0], v[1][1]]];
  }
  fail(cls, `Received an invalid value for \`${arg}\`, expected a non-negative integer, an array of 2 non-negative integers [height, width], ` +
    `or [[top, bottom], [left, right]]. Received: ${arg}=${JSON.stringify(v)}`);
}

/** A layer on one [batch, height, width, channels] input (rank checked before build and call). */
abstract class Spatial2D extends Layer {
  protected override checkInputShapes(shapes: readonly (readonly (number | null)[])[]): void {
    super.checkInputShapes(shapes);
    checkRank(this.name, singleShape(this.name, shapes), 4, LAYOUT);
  }
}

// ------------------------------------------------------------------ ZeroPadding2D

export interface ZeroPadding2DArgs extends LayerArgs {
  padding?: Padding2D;
  dataFormat?: 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';
}

export class ZeroPadding2D extends Spatial2D {
  static override className = 'ZeroPadding2D';
  readonly padding: Pair2;
  readonly dataFormat: 'channels_last';
  constructor(args: ZeroPadding2DArgs = {}) {
    checkArgs('ZeroPadding2D', args, ['padding', 'dataFormat']);
    super(args);
    this.padding = pairs2d('ZeroPadding2D', 'padding', args.padding ?? 1);
    this.dataFormat = dataFormatArg('ZeroPadding2D', args.dataFormat);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    checkRank(this.name, x.shape, 4, LAYOUT);
    const [h, w] = this.padding;
    return pad(x, [[0, 0], h, w, [0, 0]]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkRank(this.name, s, 4, LAYOUT);
    const grow = (d: number | null, p: [number, number]) => (d === null ? null : d + p[0] + p[1]);
    return [s[0]!, grow(s[1]!, this.padding[0]), grow(s[2]!, this.padding[1]), s[3]!];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.map((p) => p.slice()), dataFormat: this.dataFormat };
  }
}

// ------------------------------------------------------------------ Cropping2D

export interface Cropping2DArgs extends LayerArgs {
  cropping?: Padding2D;
  dataFormat?: 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';
}

export class Cropping2D extends Spatial2D {
  static override className = 'Cropping2D';
  readonly cropping: Pair2;
  readonly dataFormat: 'channels_last';
  constructor(args: Cropping2DArgs = {}) {
    checkArgs('Cropping2D', args, ['cropping', 'dataFormat']);
    super(args);
    this.cropping = pairs2d('Cropping2D', 'cropping', args.cropping ?? 0);
    this.dataFormat = dataFormatArg('Cropping2D', args.dataFormat);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [, h, w] = this.computeOutputShape(x.shape) as number[];
    return slice(x, [0, this.cropping[0][0], this.cropping[1][0], 0], [-1, h!, w!, -1]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkRank(this.name, s, 4, LAYOUT);
    const shrink = (d: number | null, p: [number, number]): number | null => {
      if (d === null) return null;
      if (d - p[0] - p[1] <= 0) {
        fail(this.name, `\`cropping\` ${JSON.stringify(this.cropping)} removes the whole input: each axis must keep at least one element, received input of shape ${fmtDims(s)}`);
      }
      return d - p[0] - p[1];
    };
    return [s[0]!, shrink(s[1]!, this.cropping[0]), shrink(s[2]!, this.cropping[1]), s[3]!];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping.map((p) => p.slice()), dataFormat: this.dataFormat };
  }
}

// ------------------------------------------------------------------ UpSampling2D

export interface UpSampling2DArgs extends LayerArgs {
  size?: number | number[];
  dataFormat?: 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';
  interpolation?: 'nearest' | 'bilinear';
}

export class UpSampling2D extends Spatial2D {
  static override className = 'UpSampling2D';
  readonly size: number[];
  readonly dataFormat: 'channels_last';
  readonly interpolation: 'nearest';
  constructor(args: UpSampling2DArgs = {}) {
    checkArgs('UpSampling2D', args, ['size', 'dataFormat', 'interpolation']);
    super(args);
    this.size = intTuple('UpSampling2D', 'size', args.size ?? 2, 2);
    this.dataFormat = dataFormatArg('UpSampling2D', args.dataFormat);
    const interp = args.interpolation ?? 'nearest';
    if (interp === 'bilinear') fail('UpSampling2D', "`interpolation: 'bilinear'` is not implemented; only 'nearest' is supported. Received: interpolation='bilinear'");
    if (interp !== 'nearest') fail('UpSampling2D', `Received an invalid value for \`interpolation\`, expected 'nearest'. Received: interpolation=${JSON.stringify(interp)}`);
    this.interpolation = interp;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    checkRank(this.name, x.shape, 4, LAYOUT);
    const [b, h, w, c] = x.shape as [number, number, number, number];
    const [sh, sw] = this.size as [number, number];
    if (sh === 1 && sw === 1) return x;
    const t = tile(reshape(x, [b, h, 1, w, 1, c]), [1, 1, sh, 1, sw, 1]);
    return reshape(t, [b, h * sh, w * sw, c]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkRank(this.name, s, 4, LAYOUT);
    return [s[0]!, s[1] === null ? null : s[1]! * this.size[0]!, s[2] === null ? null : s[2]! * this.size[1]!, s[3]!];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size.slice(), dataFormat: this.dataFormat, interpolation: this.interpolation };
  }
}

// ------------------------------------------------------------------ 1-D versions

const LAYOUT1 = '[batch, steps, channels]';

/** int | [start, end] → [start, end] (non-negative ints). */
function pair1d(cls: string, arg: string, v: unknown): [number, number] {
  const ok = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 0;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  fail(cls, `Received an invalid value for \`${arg}\`, expected a non-negative integer or an array of 2 non-negative integers [start, end]. Received: ${arg}=${JSON.stringify(v)}`);
}

/** A layer on one [batch, steps, channels] input. */
abstract class Temporal extends Layer {
  protected override checkInputShapes(shapes: readonly (readonly (number | null)[])[]): void {
    super.checkInputShapes(shapes);
    checkRank(this.name, singleShape(this.name, shapes), 3, LAYOUT1);
  }
}

export class ZeroPadding1D extends Temporal {
  static override className = 'ZeroPadding1D';
  readonly padding: [number, number];
  constructor(args: LayerArgs & { padding?: number | [number, number] } = {}) {
    checkArgs('ZeroPadding1D', args, ['padding']);
    super(args);
    this.padding = pair1d('ZeroPadding1D', 'padding', args.padding ?? 1);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    checkRank(this.name, x.shape, 3, LAYOUT1);
    return pad(x, [[0, 0], this.padding, [0, 0]]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkRank(this.name, s, 3, LAYOUT1);
    return [s[0]!, s[1] === null ? null : s[1]! + this.padding[0] + this.padding[1], s[2]!];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.slice() };
  }
}

export class Cropping1D extends Temporal {
  static override className = 'Cropping1D';
  readonly cropping: [number, number];
  constructor(args: LayerArgs & { cropping?: number | [number, number] } = {}) {
    checkArgs('Cropping1D', args, ['cropping']);
    super(args);
    this.cropping = pair1d('Cropping1D', 'cropping', args.cropping ?? [1, 1]);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [, n] = this.computeOutputShape(x.shape) as number[];
    return slice(x, [0, this.cropping[0], 0], [-1, n!, -1]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkRank(this.name, s, 3, LAYOUT1);
    const n = s[1] === null ? null : s[1]! - this.cropping[0] - this.cropping[1];
    if (n !== null && n <= 0) fail(this.name, `\`cropping\` [${this.cropping}] removes the whole input: at least one step must remain, received input of shape ${fmtDims(s)}`);
    return [s[0]!, n, s[2]!];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping.slice() };
  }
}

export class UpSampling1D extends Temporal {
  static override className = 'UpSampling1D';
  readonly size: number;
  constructor(args: LayerArgs & { size?: number } = {}) {
    checkArgs('UpSampling1D', args, ['size']);
    super(args);
    this.size = intTuple('UpSampling1D', 'size', args.size ?? 2, 1)[0]!;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    checkRank(this.name, x.shape, 3, LAYOUT1);
    const [b, n, c] = x.shape as [number, number, number];
    if (this.size === 1) return x;
    return reshape(tile(reshape(x, [b, n, 1, c]), [1, 1, this.size, 1]), [b, n * this.size, c]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkRank(this.name, s, 3, LAYOUT1);
    return [s[0]!, s[1] === null ? null : s[1]! * this.size, s[2]!];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size };
  }
}

registerBuiltinLayer(ZeroPadding1D);
registerBuiltinLayer(Cropping1D);
registerBuiltinLayer(UpSampling1D);
registerBuiltinLayer(ZeroPadding2D);
registerBuiltinLayer(Cropping2D);
registerBuiltinLayer(UpSampling2D);

/** `tf.layers.*` factories of this family (merged into `tf.layers` by the lead). */
export const reshapingLayers = {
  zeroPadding1d: (args: LayerArgs & { padding?: number | [number, number] } = {}) => new ZeroPadding1D(args),
  cropping1d: (args: LayerArgs & { cropping?: number | [number, number] } = {}) => new Cropping1D(args),
  upSampling1d: (args: LayerArgs & { size?: number } = {}) => new UpSampling1D(args),
  zeroPadding2d: (args: ZeroPadding2DArgs = {}) => new ZeroPadding2D(args),
  cropping2d: (args: Cropping2DArgs = {}) => new Cropping2D(args),
  upSampling2d: (args: UpSampling2DArgs = {}) => new UpSampling2D(args),
};
