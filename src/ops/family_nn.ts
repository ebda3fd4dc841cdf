/** Softmax and cross-entropy on logits. */
export { softmax, logSoftmax } from './softmax.ts';
export {
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
  sigmoidCrossEntropyWithLogits,
  type CrossEntropyArgs,
} from './cross_entropy.ts';
