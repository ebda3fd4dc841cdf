/** Linear algebra: matMul (batched, broadcasting), dot, outerProduct. */
export { matMul } from './mat_mul.ts';
export { dot } from './dot.ts';
export { outerProduct } from './outer_product.ts';
