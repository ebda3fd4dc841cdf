/**
 * The chained tensor methods of the ops in src/ops/tfjs_more.ts (TF.js's names): each calls the
 * public op with the tensor as its first argument.
 */
import { Tensor } from '../core/tensor.ts';
import { resizeBilinear, resizeNearestNeighbor } from './image.ts';
import type { MORE_CHAINED_NAMES } from './more_names.ts';

/** The ops of tfjs_more.ts that TF.js chains, by method name. */
export const MORE_CHAINED = { resizeBilinear, resizeNearestNeighbor } satisfies Record<(typeof MORE_CHAINED_NAMES)[number], unknown>;

type Chained<F> = F extends (x: Tensor, ...rest: infer R) => infer O ? (...rest: R) => O : never;

declare module '../core/tensor.ts' {
  interface Tensor {
    resizeBilinear: Chained<typeof resizeBilinear>;
    resizeNearestNeighbor: Chained<typeof resizeNearestNeighbor>;
  }
}

for (const [name, fn] of Object.entries(MORE_CHAINED)) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...rest: unknown[]) {
      return (fn as (...a: unknown[]) => unknown)(this, ...rest);
    },
    writable: true,
    configurable: true,
  });
}
