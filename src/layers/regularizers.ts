/** Keras weight regularizers: `l1`, `l2`, `l1l2` (penalties added to the training loss). */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { abs } from '../ops/abs.ts';
import { add } from '../ops/add.ts';
import { mul } from '../ops/mul.ts';
import { square } from '../ops/square.ts';
import { sum } from '../ops/sum.ts';

export type Regularizer = ((w: Tensor) => Tensor) & { config?: { l1: number; l2: number } };
export type RegularizerIdentifier = Regularizer | { l1?: number; l2?: number } | 'l1' | 'l2' | 'l1l2' | null | undefined;

/** Keras `L1L2`: l1·Σ|w| + l2·Σw² (Keras defaults: l1 = l2 = 0.01 when given by name). */
export function l1l2(args: { l1?: number; l2?: number } = {}): Regularizer {
  const l1 = args.l1 ?? 0;
  const l2 = args.l2 ?? 0;
  for (const [k, v] of [['l1', l1], ['l2', l2]] as const) if (typeof v !== 'number' || !(v >= 0)) fail('regularizer', `\`${k}\` must be a non-negative number, received ${String(v)}`);
  const f = ((w: Tensor) => {
    let r: Tensor | null = null;
    if (l1 > 0) r = mul(sum(abs(w)), l1);
    if (l2 > 0) r = r ? add(r, mul(sum(square(w)), l2)) : mul(sum(square(w)), l2);
    return r ?? mul(sum(w), 0);
  }) as Regularizer;
  f.config = { l1, l2 };
  return f;
}

/**
 * A regularizer as it goes into a layer config: null, `{l1, l2}` for the built-in ones, or the
 * function itself for a custom one (kept as is for in-process clones; files cannot hold it).
 */
export function serializeRegularizer(r: Regularizer | null): Regularizer | { l1: number; l2: number } | null {
  if (r === null) return null;
  return r.config ? { ...r.config } : r;
}

export function getRegularizer(id: RegularizerIdentifier): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (typeof id === 'function') return id;
  if (id === 'l1') return l1l2({ l1: 0.01 });
  if (id === 'l2') return l1l2({ l2: 0.01 });
  if (id === 'l1l2') return l1l2({ l1: 0.01, l2: 0.01 });
  if (typeof id === 'object') return l1l2(id);
  fail('regularizer', `unknown regularizer ${JSON.stringify(id)} (expected 'l1', 'l2', 'l1l2' or {l1, l2})`);
}

/**
 * `tf.regularizers` (TF.js; Keras's lowercase functions): `l1({l1 = 0.01})`, `l2({l2 = 0.01})`,
 * `l1l2({l1 = 0.01, l2 = 0.01})` (Keras `l1_l2`'s defaults; the `tf.l1l2` class form defaults to 0).
 */
export const regularizers = {
  l1: (args: { l1?: number } = {}): Regularizer => l1l2({ l1: args.l1 ?? 0.01 }),
  l2: (args: { l2?: number } = {}): Regularizer => l1l2({ l2: args.l2 ?? 0.01 }),
  l1l2: (args: { l1?: number; l2?: number } = {}): Regularizer => l1l2({ l1: args.l1 ?? 0.01, l2: args.l2 ?? 0.01 }),
};
