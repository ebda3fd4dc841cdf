/**
 * range(start, stop?, step = 1, dtype = 'float32'): [start, start + step, ...] up to but
 * excluding stop, i.e. ceil((stop − start)/step) values (none when step points away from stop).
 * range(n) is range(0, n). Not differentiable (no tensor inputs).
 */
import { ENGINE } from '../core/engine.ts';
import { type DataType } from '../core/dtypes.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { op } from './op.ts';
import { checkElements } from '../core/limits.ts';

export const range = op('range', (start: number, stop?: number | null, step = 1, dtype: DataType = 'float32'): Tensor => {
  if (stop === undefined || stop === null) {
    stop = start;
    start = 0;
  }
  for (const [nm, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail('range', `\`${nm}\` must be a finite number, received ${String(v)}`);
  }
  if (step === 0) fail('range', `\`step\` must be non-zero, received 0`);
  if (dtype !== 'float32' && dtype !== 'int32') fail('range', `\`dtype\` must be 'float32' or 'int32', received ${String(dtype)}`);
  if (dtype === 'int32' && !(Number.isInteger(start) && Number.isInteger(step))) {
    fail('range', `\`start\` and \`step\` must be integers for dtype int32, received start=${start}, step=${step}`);
  }
  const num = Math.max(0, Math.ceil((stop - start) / step));
  checkElements('range', num, `range(${start}, ${stop}, ${step})`);
  return ENGINE.runKernel('Range', {}, { start, step, num, dtype });
});
