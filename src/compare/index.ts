/** Sameness tools: `compare` (two models, first divergence explained) and `lint` (the classic traps). */
export { compare, dropoutWhy, type CompareOptions } from './compare.ts';
export { formatCompareReport, type FormatOptions } from './format.ts';
export { type HandModel, type CompareModel, type CompareData } from './subject.ts';
export * from './types.ts';
