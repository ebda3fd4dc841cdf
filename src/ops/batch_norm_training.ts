/**
 * `batchNormTraining(x, {axes, scale?, offset?, epsilon})`: batch normalization with the batch's
 * own statistics, as a BatchNormalization layer's training call computes it:
 *
 *   {mean, variance} = moments(x, axes)           (population variance)
 *   y = batchNorm(x, mean, variance, offset, scale, epsilon)
 *
 * returning `{y, mean, variance}` (mean and variance without the reduced axes). That composition
 * is the definition. Fast path (`fused`): with the statistics over every axis but the last and
 * float32 tensors, one `FusedBatchNorm` kernel (native) — 3 passes forward and 3 for its
 * gradient instead of ~20, bit-identical to the composition and its autodiff (native/src/norm.h;
 * bit-identity of dx holds when x is used by nothing else: the composition adds x's partial
 * gradients in tape order).
 */
import { ENGINE, type GradFunc } from '../core/engine.ts';
import type { Tensor } from '../core/tensor.ts';
import { compositionGradients } from '../autodiff/gradients.ts';
import { batchNorm } from './batch_norm.ts';
import { moments } from './moments.ts';
import { fused, fusedOp } from './op.ts';
import { reshape } from './reshape.ts';

export interface BatchNormTrainingArgs {
  /** The axes the statistics are taken over (every axis but the channel axis). */
  axes: number[];
  /** γ, shape [C] (C the size of the one axis not in `axes`). */
  scale?: Tensor | null;
  /** β, shape [C]. */
  offset?: Tensor | null;
  epsilon: number;
}

export interface BatchNormTrainingResult {
  y: Tensor;
  mean: Tensor;
  variance: Tensor;
}

/** Whether `axes` are every axis of a rank-`rank` tensor but the last. */
function allButLast(axes: number[], rank: number): boolean {
  return axes.length === rank - 1 && !axes.includes(rank - 1);
}

function composition(x: Tensor, args: BatchNormTrainingArgs): BatchNormTrainingResult {
  const { axes, epsilon } = args;
  const { mean, variance } = moments(x, axes);
  // The statistics and parameters broadcast along the last axis directly; other axes need a reshape.
  const paramShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const lastAxis = allButLast(axes, x.rank);
  const shaped = (t: Tensor | null | undefined) => (t === null || t === undefined ? undefined : lastAxis ? t : reshape(t, paramShape));
  const y = batchNorm(x, shaped(mean)!, shaped(variance)!, shaped(args.offset), shaped(args.scale), epsilon);
  return { y, mean, variance };
}

export const batchNormTraining = fusedOp('batchNormTraining', composition, {
  kernel: 'FusedBatchNorm',
  fits: (x, args) => x.dtype === 'float32' && allButLast(args.axes, x.rank),
  run: (x, args) => {
    const ins: Record<string, Tensor> = { x };
    if (args.scale) ins['scale'] = args.scale;
    if (args.offset) ins['offset'] = args.offset;
    const [y, mean, variance] = ENGINE.runKernelMulti('FusedBatchNorm', ins, { epsilon: args.epsilon });
    return { y: y!, mean: mean!, variance: variance! };
  },
});

type GradArgs = Parameters<GradFunc>;

/**
 * The gradient of `FusedBatchNorm`: one backward-only `FusedBatchNormGrad` call, shared by the x,
 * scale and offset thunks; the gradients arriving at the mean and variance outputs (`dys[1]`,
 * `dys[2]`) are passed on as dmean / dvariance when given. When something records this backward
 * pass (second order): the composition's own autodiff.
 */
export const fusedBatchNormGradient: GradFunc = fused(
  (...[dy, { inputs, attrs, given }, dys]: GradArgs): Record<string, () => Tensor> => {
    const names = ['x', 'scale', 'offset'].filter((n) => inputs[n] !== undefined);
    const f = (...xs: Tensor[]): Tensor[] => {
      const by: Record<string, Tensor> = {};
      names.forEach((n, i) => (by[n] = xs[i]!));
      const x = by['x']!;
      const r = composition(x, { axes: x.shape.slice(0, -1).map((_, i) => i), scale: by['scale'], offset: by['offset'], epsilon: attrs['epsilon'] as number });
      return [r.y, r.mean, r.variance];
    };
    let res: Tensor[] | null = null;
    const get = (): Tensor[] => (res ??= compositionGradients(f, names.map((n) => inputs[n]!), [dy, dys[1], dys[2]].map((d, k) => (given?.[k] ? d : undefined))));
    const out: Record<string, () => Tensor> = {};
    names.forEach((n, i) => (out[n] = () => get()[i]!));
    return out;
  },
  {
    kernel: 'FusedBatchNormGrad',
    fits: () => true,
    run: (...[dy, { inputs, outputs, attrs, given }, dys]: GradArgs) => {
      let res: Tensor[] | null = null;
      const run = (): Tensor[] => {
        if (res) return res;
        const ins: Record<string, Tensor> = { dy, x: inputs['x']!, mean: outputs[1]!, variance: outputs[2]! };
        if (inputs['scale']) ins['scale'] = inputs['scale'];
        // Outputs that received no gradient are left out (adding +0 would turn a −0 into +0,
        // which the composition would not do).
        if (given?.[1]) ins['dmean'] = dys[1]!;
        if (given?.[2]) ins['dvariance'] = dys[2]!;
        res = ENGINE.runKernelMulti('FusedBatchNormGrad', ins, { epsilon: attrs['epsilon'] });
        return res;
      };
      const out: Record<string, () => Tensor> = { x: () => run()[0]! };
      if (inputs['scale']) out['scale'] = () => run()[1]!;
      if (inputs['offset']) out['offset'] = () => run()[2]!;
      return out;
    },
  },
);

ENGINE.registerGradient('FusedBatchNorm', fusedBatchNormGradient);
