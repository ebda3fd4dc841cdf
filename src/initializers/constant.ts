/**
 * Constant initializers: `Zeros` (all 0), `Ones` (all 1), `Constant({value})` (every element =
 * value; an array value is broadcast to the shape, as Keras's `broadcast_to(value, shape)`),
 * and `Identity({gain})`: gain·eye(rows, cols), 2-D shapes only.
 */
import type { DataType } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { broadcastTo } from '../ops/broadcast_to.ts';
import { fill, tensor } from '../ops/creation.ts';
import type { NestedValues } from '../ops/convert.ts';
import { checkNumber, checkOptions, fmtValue, Initializer, type InitializerConfig } from './initializer.ts';

/** y = 0. */
export class Zeros extends Initializer {
  static override className = 'Zeros';
  static override opName = 'zeros';
  protected generate(shape: number[], dtype: DataType): Tensor {
    return fill(shape, dtype === 'bool' ? false : 0, dtype);
  }
  getConfig(): InitializerConfig {
    return {};
  }
}

/** y = 1. */
export class Ones extends Initializer {
  static override className = 'Ones';
  static override opName = 'ones';
  protected generate(shape: number[], dtype: DataType): Tensor {
    return fill(shape, dtype === 'bool' ? true : 1, dtype);
  }
  getConfig(): InitializerConfig {
    return {};
  }
}

export interface ConstantArgs {
  /** The value (default 0); a nested array is broadcast to the requested shape. */
  value?: number | NestedValues;
}

/** y = value (broadcast). */
export class Constant extends Initializer {
  static override className = 'Constant';
  static override opName = 'constant';
  readonly value: number | NestedValues;
  constructor(args: ConstantArgs = {}) {
    super();
    const o = checkOptions(args, ['value'], 'constant');
    const v = o.value ?? 0;
    if (typeof v === 'number') checkNumber(v, 'value', 'constant');
    else if (!Array.isArray(v)) fail('constant', `\`value\` must be a number or an array of numbers, received ${fmtValue(v)}`);
    this.value = v as number | NestedValues;
  }
  protected generate(shape: number[], dtype: DataType): Tensor {
    const v = this.value;
    if (typeof v === 'number') {
      if (dtype === 'int32' && !Number.isInteger(v)) fail('constant', `\`value\` must be an integer for dtype int32, received ${v}`);
      return fill(shape, dtype === 'bool' ? v !== 0 : v, dtype);
    }
    const t = tensor(v, undefined, dtype);
    try {
      return broadcastTo(t, shape);
    } catch {
      fail('constant', `\`value\` of shape ${fmtShape(t.shape)} cannot be broadcast to shape ${fmtShape(shape)}`);
    } finally {
      t.dispose();
    }
  }
  getConfig(): InitializerConfig {
    return { value: this.value };
  }
}

export interface IdentityArgs {
  /** Multiplier (default 1). */
  gain?: number;
}

/** y = gain · eye(rows, cols); shape must be 2-D. */
export class Identity extends Initializer {
  static override className = 'Identity';
  static override opName = 'identity';
  readonly gain: number;
  constructor(args: IdentityArgs = {}) {
    super();
    const o = checkOptions(args, ['gain'], 'identity');
    this.gain = checkNumber(o.gain ?? 1, 'gain', 'identity');
  }
  protected generate(shape: number[], dtype: DataType): Tensor {
    if (shape.length !== 2) fail('identity', `\`shape\` must be 2-D (identity matrices only), received ${fmtShape(shape)} of rank ${shape.length}`);
    if (dtype === 'int32' && !Number.isInteger(this.gain)) fail('identity', `\`gain\` must be an integer for dtype int32, received ${this.gain}`);
    if (dtype !== 'float32' && dtype !== 'int32') fail('identity', `\`dtype\` must be float32 or int32, received ${String(dtype)}`);
    const [r, c] = shape as [number, number];
    const flat = new Array<number>(r * c).fill(0);
    for (let i = 0; i < Math.min(r, c); i++) flat[i * c + i] = this.gain;
    return tensor(flat, shape, dtype);
  }
  getConfig(): InitializerConfig {
    return { gain: this.gain };
  }
}
