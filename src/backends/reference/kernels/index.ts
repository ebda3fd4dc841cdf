/** The reference backend's kernel table: one file per family, merged here. */
import type { KernelFunc } from '../../../core/backend.ts';
import { basicKernels } from './basic.ts';
import { convKernels } from './conv.ts';
import { elementwiseKernels } from './elementwise.ts';
import { linalgKernels } from './linalg.ts';
import { nnKernels } from './nn.ts';
import { reduceKernels } from './reduce.ts';
import { scanKernels } from './scan.ts';
import { shapeKernels } from './shape.ts';

const tables = [basicKernels, elementwiseKernels, shapeKernels, reduceKernels, linalgKernels, nnKernels, convKernels, scanKernels];

export const kernels: Record<string, KernelFunc> = {};
for (const table of tables) {
  for (const [name, fn] of Object.entries(table)) {
    if (name in kernels) throw new Error(`reference backend: kernel ${name} defined twice`);
    kernels[name] = fn;
  }
}
