import type { KernelFunc } from '../../../core/backend.ts';

export const elementwiseKernels: Record<string, KernelFunc> = {};
