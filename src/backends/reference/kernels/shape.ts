import type { KernelFunc } from '../../../core/backend.ts';

export const shapeKernels: Record<string, KernelFunc> = {};
