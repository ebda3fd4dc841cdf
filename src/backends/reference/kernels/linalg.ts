import type { KernelFunc } from '../../../core/backend.ts';

export const linalgKernels: Record<string, KernelFunc> = {};
