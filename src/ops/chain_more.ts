/**
 * The chained tensor methods of the ops in src/ops/tfjs_more.ts (TF.js's names): each calls the
 * public op with the tensor as its first argument.
 */
import { Tensor } from '../core/tensor.ts';
import { resizeBilinear, resizeNearestNeighbor } from './image.ts';
import { acos, asin, atan, atan2 } from './inverse_trig.ts';
import { cumprod, cumsum } from './cumulative.ts';
import { topk } from './topk.ts';
import { batchToSpaceND, depthToSpace, localResponseNormalization, mirrorPad, spaceToBatchND } from './rearrange.ts';
import type { MORE_CHAINED_NAMES } from './more_names.ts';

/** The ops of tfjs_more.ts that TF.js chains, by method name. */
export const MORE_CHAINED = {
  asin, acos, atan, atan2, cumsum, cumprod, topk, resizeBilinear, resizeNearestNeighbor, mirrorPad, spaceToBatchND, batchToSpaceND, depthToSpace,
  localResponseNormalization,
} satisfies Record<(typeof MORE_CHAINED_NAMES)[number], unknown>;

type Chained<F> = F extends (x: Tensor, ...rest: infer R) => infer O ? (...rest: R) => O : never;

declare module '../core/tensor.ts' {
  interface Tensor {
    asin: Chained<typeof asin>;
    acos: Chained<typeof acos>;
    atan: Chained<typeof atan>;
    atan2: Chained<typeof atan2>;
    cumsum: Chained<typeof cumsum>;
    cumprod: Chained<typeof cumprod>;
    topk: Chained<typeof topk>;
    resizeBilinear: Chained<typeof resizeBilinear>;
    resizeNearestNeighbor: Chained<typeof resizeNearestNeighbor>;
    mirrorPad: Chained<typeof mirrorPad>;
    spaceToBatchND: Chained<typeof spaceToBatchND>;
    batchToSpaceND: Chained<typeof batchToSpaceND>;
    depthToSpace: Chained<typeof depthToSpace>;
    localResponseNormalization: Chained<typeof localResponseNormalization>;
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
