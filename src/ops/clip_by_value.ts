/**
 * clipByValue(x, min, max) = min(max(x, min), max) (float32 or int32; NaN propagates).
 * Gradient (TF): passes where min <= x <= max, zero elsewhere.
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { greaterEqual, lessEqual } from './compare.ts';
import { assertNumeric, convertToTensor, type TensorLike } from './convert.ts';
import { logicalAnd } from './logical.ts';
import { op } from './op.ts';
import { where } from './where.ts';

export const clipByValue = op('clipByValue', (x: TensorLike, clipValueMin: number, clipValueMax: number): Tensor => {
  const $x = convertToTensor(x, 'x', 'clipByValue');
  assertNumeric($x, 'x', 'clipByValue');
  for (const [name, v] of [['clipValueMin', clipValueMin], ['clipValueMax', clipValueMax]] as const) {
    if (typeof v !== 'number' || Number.isNaN(v)) fail('clipByValue', `\`${name}\` must be a number, received ${String(v)}`);
    if ($x.dtype === 'int32' && !Number.isInteger(v) && Number.isFinite(v)) {
      fail('clipByValue', `\`${name}\` must be an integer for an int32 \`x\`, received ${v}`);
    }
  }
  if (clipValueMin > clipValueMax) {
    fail('clipByValue', `\`clipValueMin\` must be <= \`clipValueMax\`, received clipValueMin=${clipValueMin} and clipValueMax=${clipValueMax}`);
  }
  return ENGINE.runKernel('ClipByValue', { x: $x }, { clipValueMin, clipValueMax });
});

ENGINE.registerGradient('ClipByValue', (dy, { inputs, attrs }) => {
  const x = inputs['x']!;
  const inside = logicalAnd(greaterEqual(x, attrs['clipValueMin'] as number), lessEqual(x, attrs['clipValueMax'] as number));
  return { x: () => where(inside, dy, 0) };
});
