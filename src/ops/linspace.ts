/**
 * linspace(start, stop, num): num evenly spaced float32 values from start to stop inclusive,
 * y[i] = start + i·(stop − start)/(num − 1). Not differentiable (no tensor inputs).
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { op } from './op.ts';
import { checkElements } from '../core/limits.ts';

export const linspace = op('linspace', (start: number, stop: number, num: number): Tensor => {
  if (typeof start !== 'number' || !Number.isFinite(start)) fail('linspace', `\`start\` must be a finite number, received ${String(start)}`);
  if (typeof stop !== 'number' || !Number.isFinite(stop)) fail('linspace', `\`stop\` must be a finite number, received ${String(stop)}`);
  if (!Number.isInteger(num) || num <= 0) fail('linspace', `\`num\` must be a positive integer, received ${num}`);
  checkElements('linspace', num, `\`num\` ${num}`);
  return ENGINE.runKernel('LinSpace', {}, { start, stop, num });
});
