/** Sameness tools: `compare` (two models, first divergence explained) and `lint` (the classic traps). */
export { fitLintLines } from './fit_lint.ts';

export { compare, dropoutWhy, type CompareOptions } from './compare.ts';
export { formatCompareReport, type FormatOptions } from './format.ts';
export { lint, formatLint, type LintOptions } from './lint.ts';
export { trainSideBySide, type SideBySide } from './train.ts';
export { type HandModel, type CompareModel, type CompareData } from './subject.ts';
export * from './types.ts';
