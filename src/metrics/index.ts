export * from '../losses/keras.ts';
export * from './keras_metrics.ts';
export * from '../losses/keras_more.ts';
export * from './more_metrics.ts';
export { getLoss, getMetric } from './resolve.ts';
