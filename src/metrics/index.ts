export * from './keras_losses.ts';
export * from './keras_metrics.ts';
export * from './more_losses.ts';
export * from './more_metrics.ts';
export { getLoss, getMetric } from './resolve.ts';
