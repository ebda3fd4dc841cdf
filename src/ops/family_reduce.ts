/** Reductions: mean, max, min, prod, argMax/argMin, logSumExp, all/any, moments. */
export { mean } from './mean.ts';
export { max } from './max.ts';
export { min } from './min.ts';
export { prod } from './prod.ts';
export { argMax, argMin } from './arg_max.ts';
export { logSumExp } from './log_sum_exp.ts';
export { all, any } from './all_any.ts';
export { moments } from './moments.ts';
