import type { KernelFunc } from '../../../core/backend.ts';

export const reduceKernels: Record<string, KernelFunc> = {};
