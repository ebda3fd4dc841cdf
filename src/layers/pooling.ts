/**
 * Keras pooling layers (channels_last):
 * - `MaxPooling1D/2D`, `AveragePooling1D/2D`: max / mean over each window of `poolSize` moved by
 *   `strides` (default: `poolSize`); 'same' padding never counts padded positions (TensorFlow).
 *   Output length: 'valid' → floor((in − k) / s) + 1, 'same' → ceil(in / s). The 1-D layers run the
 *   2-D op on [batch, 1, steps, channels].
 * - `GlobalAveragePooling1D/2D`, `GlobalMaxPooling1D/2D`: mean / max over the spatial axes
 *   (kept as size-1 axes with `keepDims`).
 */
import { avgPool3d, maxPool3d } from '../ops/conv3d.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { avgPool } from '../ops/avg_pool.ts';
import { max } from '../ops/max.ts';
import { maxPool } from '../ops/max_pool.ts';
import { mean } from '../ops/mean.ts';
import { reshape } from '../ops/reshape.ts';
import { checkRank, convOutputLength, dataFormatArg, intTuple, paddingArg, singleShape } from './convolutional.ts';
import { checkArgs, Layer, type LayerArgs, type Shape } from './layer.ts';
import { registerBuiltinLayer } from './registry.ts';

export interface Pooling1DArgs extends LayerArgs {
  poolSize?: number | number[];
  strides?: number | number[] | null;
  padding?: string;
  dataFormat?: 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';
}

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | number[];
  strides?: number | number[] | null;
  padding?: string;
  dataFormat?: 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';
}

// ------------------------------------------------------------------ windowed pooling

const LAYOUTS: Record<number, string> = { 1: '[batch, steps, channels]', 2: '[batch, height, width, channels]', 3: '[batch, depth, height, width, channels]' };

export interface Pooling3DArgs extends LayerArgs {
  poolSize?: number | number[];
  strides?: number | number[] | null;
  padding?: string;
  dataFormat?: 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';
}

abstract class BasePooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: string;
  readonly dataFormat: 'channels_last';
  private readonly rank: number;
  private readonly mode: 'max' | 'avg';

  constructor(cls: string, args: Pooling2DArgs, rank: number, mode: 'max' | 'avg') {
    checkArgs(cls, args, ['poolSize', 'strides', 'padding', 'dataFormat']);
    super(args);
    this.rank = rank;
    this.mode = mode;
    this.poolSize = intTuple(cls, 'poolSize', args.poolSize ?? 2, rank);
    this.strides = args.strides === undefined || args.strides === null ? this.poolSize.slice() : intTuple(cls, 'strides', args.strides, rank);
    this.padding = paddingArg(cls, args.padding);
    this.dataFormat = dataFormatArg(cls, args.dataFormat);
  }

  private layout(): string {
    return LAYOUTS[this.rank]!;
  }

  protected override checkInputShapes(shapes: readonly (readonly (number | null)[])[]): void {
    super.checkInputShapes(shapes);
    checkRank(this.name, singleShape(this.name, shapes), this.rank + 2, this.layout());
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    checkRank(this.name, x.shape, this.rank + 2, this.layout());
    this.computeOutputShape(x.shape); // checks that the window fits
    const pool = this.mode === 'max' ? maxPool : avgPool;
    const pad = this.padding as 'valid' | 'same';
    if (this.rank === 2) return pool(x, this.poolSize as [number, number], this.strides as [number, number], pad);
    if (this.rank === 3) return (this.mode === 'max' ? maxPool3d : avgPool3d)(x, this.poolSize as [number, number, number], this.strides as [number, number, number], pad);
    const [b, w, c] = x.shape as [number, number, number];
    const y = pool(reshape(x, [b, 1, w, c]), [1, this.poolSize[0]!], [1, this.strides[0]!], pad);
    return reshape(y, [b, y.shape[2]!, c]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkRank(this.name, s, this.rank + 2, this.layout());
    const dims = this.poolSize.map((k, i) => convOutputLength(this.name, s[i + 1]!, k, this.padding, this.strides[i]!, 1));
    return [s[0]!, ...dims, s[s.length - 1]!];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize.slice(), strides: this.strides.slice(), padding: this.padding, dataFormat: this.dataFormat };
  }
}

/** `MaxPooling1D({poolSize = 2, strides = poolSize, padding = 'valid'})` on [batch, steps, channels]. */
export class MaxPooling1D extends BasePooling {
  static override className = 'MaxPooling1D';
  constructor(args: Pooling1DArgs = {}) {
    super('MaxPooling1D', args, 1, 'max');
  }
}

/** `MaxPooling2D({poolSize = [2, 2], strides = poolSize, padding = 'valid'})` on [batch, h, w, channels]. */
export class MaxPooling2D extends BasePooling {
  static override className = 'MaxPooling2D';
  constructor(args: Pooling2DArgs = {}) {
    super('MaxPooling2D', args, 2, 'max');
  }
}

/** `AveragePooling1D({poolSize = 2, strides = poolSize, padding = 'valid'})`. */
export class AveragePooling1D extends BasePooling {
  static override className = 'AveragePooling1D';
  constructor(args: Pooling1DArgs = {}) {
    super('AveragePooling1D', args, 1, 'avg');
  }
}

/** `AveragePooling2D({poolSize = [2, 2], strides = poolSize, padding = 'valid'})`. */
export class AveragePooling2D extends BasePooling {
  static override className = 'AveragePooling2D';
  constructor(args: Pooling2DArgs = {}) {
    super('AveragePooling2D', args, 2, 'avg');
  }
}

/** `MaxPooling3D({poolSize = [2, 2, 2], strides = poolSize, padding = 'valid'})` on [batch, depth, h, w, channels]. */
export class MaxPooling3D extends BasePooling {
  static override className = 'MaxPooling3D';
  constructor(args: Pooling3DArgs = {}) {
    super('MaxPooling3D', args, 3, 'max');
  }
}

/** `AveragePooling3D({poolSize = [2, 2, 2], strides = poolSize, padding = 'valid'})`. */
export class AveragePooling3D extends BasePooling {
  static override className = 'AveragePooling3D';
  constructor(args: Pooling3DArgs = {}) {
    super('AveragePooling3D', args, 3, 'avg');
  }
}

// ------------------------------------------------------------------ global pooling

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';
  keepDims?: boolean;
}

abstract class BaseGlobalPooling extends Layer {
  readonly dataFormat: 'channels_last';
  readonly keepDims: boolean;
  private readonly rank: number;
  private readonly mode: 'max' | 'avg';

  constructor(cls: string, args: GlobalPoolingArgs, rank: number, mode: 'max' | 'avg') {
    checkArgs(cls, args, ['dataFormat', 'keepDims']);
    super(args);
    this.rank = rank;
    this.mode = mode;
    this.dataFormat = dataFormatArg(cls, args.dataFormat);
    this.keepDims = args.keepDims ?? false;
    if (typeof this.keepDims !== 'boolean') fail(cls, `Received an invalid value for \`keepDims\`, expected a boolean. Received: keepDims=${String(args.keepDims)}`);
  }

  private axes(): number[] {
    return this.rank === 1 ? [1] : this.rank === 2 ? [1, 2] : [1, 2, 3];
  }

  protected override checkInputShapes(shapes: readonly (readonly (number | null)[])[]): void {
    super.checkInputShapes(shapes);
    checkRank(this.name, singleShape(this.name, shapes), this.rank + 2, LAYOUTS[this.rank]!);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    checkRank(this.name, x.shape, this.rank + 2, LAYOUTS[this.rank]!);
    return (this.mode === 'max' ? max : mean)(x, this.axes(), this.keepDims);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkRank(this.name, s, this.rank + 2, LAYOUTS[this.rank]!);
    const c = s[s.length - 1]!;
    return this.keepDims ? [s[0]!, ...this.axes().map(() => 1), c] : [s[0]!, c];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepDims: this.keepDims };
  }
}

export class GlobalAveragePooling1D extends BaseGlobalPooling {
  static override className = 'GlobalAveragePooling1D';
  constructor(args: GlobalPoolingArgs = {}) {
    super('GlobalAveragePooling1D', args, 1, 'avg');
  }
}

export class GlobalAveragePooling2D extends BaseGlobalPooling {
  static override className = 'GlobalAveragePooling2D';
  constructor(args: GlobalPoolingArgs = {}) {
    super('GlobalAveragePooling2D', args, 2, 'avg');
  }
}

export class GlobalMaxPooling1D extends BaseGlobalPooling {
  static override className = 'GlobalMaxPooling1D';
  constructor(args: GlobalPoolingArgs = {}) {
    super('GlobalMaxPooling1D', args, 1, 'max');
  }
}

export class GlobalMaxPooling2D extends BaseGlobalPooling {
  static override className = 'GlobalMaxPooling2D';
  constructor(args: GlobalPoolingArgs = {}) {
    super('GlobalMaxPooling2D', args, 2, 'max');
  }
}

export class GlobalAveragePooling3D extends BaseGlobalPooling {
  static override className = 'GlobalAveragePooling3D';
  constructor(args: GlobalPoolingArgs = {}) {
    super('GlobalAveragePooling3D', args, 3, 'avg');
  }
}

export class GlobalMaxPooling3D extends BaseGlobalPooling {
  static override className = 'GlobalMaxPooling3D';
  constructor(args: GlobalPoolingArgs = {}) {
    super('GlobalMaxPooling3D', args, 3, 'max');
  }
}

registerBuiltinLayer(MaxPooling1D);
registerBuiltinLayer(MaxPooling2D);
registerBuiltinLayer(AveragePooling1D);
registerBuiltinLayer(AveragePooling2D);
registerBuiltinLayer(GlobalAveragePooling1D);
registerBuiltinLayer(GlobalAveragePooling2D);
registerBuiltinLayer(GlobalMaxPooling1D);
registerBuiltinLayer(GlobalMaxPooling2D);
registerBuiltinLayer(MaxPooling3D);
registerBuiltinLayer(AveragePooling3D);
registerBuiltinLayer(GlobalAveragePooling3D);
registerBuiltinLayer(GlobalMaxPooling3D);

/** `tf.layers.*` factories of this family (merged into `tf.layers` by the lead). */
export const poolingLayers = {
  maxPooling1d: (args: Pooling1DArgs = {}) => new MaxPooling1D(args),
  maxPooling2d: (args: Pooling2DArgs = {}) => new MaxPooling2D(args),
  averagePooling1d: (args: Pooling1DArgs = {}) => new AveragePooling1D(args),
  averagePooling2d: (args: Pooling2DArgs = {}) => new AveragePooling2D(args),
  globalAveragePooling1d: (args: GlobalPoolingArgs = {}) => new GlobalAveragePooling1D(args),
  globalAveragePooling2d: (args: GlobalPoolingArgs = {}) => new GlobalAveragePooling2D(args),
  globalMaxPooling1d: (args: GlobalPoolingArgs = {}) => new GlobalMaxPooling1D(args),
  globalMaxPooling2d: (args: GlobalPoolingArgs = {}) => new GlobalMaxPooling2D(args),
  maxPooling3d: (args: Pooling3DArgs = {}) => new MaxPooling3D(args),
  averagePooling3d: (args: Pooling3DArgs = {}) => new AveragePooling3D(args),
  globalAveragePooling3d: (args: GlobalPoolingArgs = {}) => new GlobalAveragePooling3D(args),
  globalMaxPooling3d: (args: GlobalPoolingArgs = {}) => new GlobalMaxPooling3D(args),
};
