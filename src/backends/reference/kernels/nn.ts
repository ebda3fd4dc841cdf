import type { KernelFunc } from '../../../core/backend.ts';

export const nnKernels: Record<string, KernelFunc> = {};
