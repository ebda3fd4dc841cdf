import type { KernelFunc } from '../../../core/backend.ts';

export const convKernels: Record<string, KernelFunc> = {};
