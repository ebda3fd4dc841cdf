/**
 * einsum(equation, ...tensors) as TF.js supports it: one or two inputs, an explicit output after
 * `->`, no ellipsis, no label twice in one input or in the output, every output label present in
 * an input, a label's sizes equal wherever it occurs (no broadcasting).
 *
 * A composition (so every backend runs it and autodiff differentiates it): labels only one input
 * has and the output lacks are summed out of that input first; then, with two inputs, the labels
 * both have and the output keeps are a batch, the ones both have and the output lacks are
 * contracted, the rest are each input's own — one batched matMul over
 * [batch, ownA, contracted] × [batch, contracted, ownB], reshaped and transposed to the output.
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { matMul } from './mat_mul.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { sum } from './sum.ts';
import { transpose } from './transpose.ts';

interface Term {
  t: Tensor;
  labels: string[];
}

/** Sums the labels of `x` that `keep` rejects; the rest keep their order. */
function sumOut(x: Term, keep: (l: string) => boolean): Term {
  const axes = x.labels.flatMap((l, i) => (keep(l) ? [] : [i]));
  if (axes.length === 0) return x;
  return { t: sum(x.t, axes), labels: x.labels.filter(keep) };
}

/** `x` with its labels in the order `want` (a permutation of x.labels). */
function arrange(x: Term, want: string[]): Tensor {
  const perm = want.map((l) => x.labels.indexOf(l));
  return perm.every((p, i) => p === i) ? x.t : transpose(x.t, perm);
}

export const einsum = op('einsum', (equation: string, ...tensors: TensorLike[]): Tensor => {
  if (typeof equation !== 'string') fail('einsum', `\`equation\` must be a string such as 'ij,jk->ik', received ${typeof equation}`);
  const eq = equation.replace(/\s/g, '');
  const parts = eq.split('->');
  if (parts.length !== 2) fail('einsum', `\`equation\` must have exactly one '->' (TF.js's einsum has no implicit output), received '${equation}'`);
  const [lhs, out] = parts as [string, string];
  if (lhs.includes('.') || out.includes('.')) fail('einsum', `the ellipsis ('...') is not supported (as in TF.js), received '${equation}'`);
  const terms = lhs.split(',');
  if (terms.length > 2) fail('einsum', `at most 2 inputs are supported (as in TF.js), the equation '${equation}' has ${terms.length}`);
  if (tensors.length !== terms.length) fail('einsum', `the equation '${equation}' has ${terms.length} input(s), received ${tensors.length} tensor(s)`);
  const sizes = new Map<string, number>();
  const xs: Term[] = terms.map((term, k) => {
    const t = convertToTensor(tensors[k]!, `tensors[${k}]`, 'einsum');
    if (t.dtype === 'bool') fail('einsum', `\`tensors[${k}]\` must be numeric (float32 or int32), received bool`);
    const labels = [...term];
    if (labels.some((l) => !/^[A-Za-z]$/.test(l))) fail('einsum', `subscripts must be letters, received '${term}' in '${equation}'`);
    if (new Set(labels).size !== labels.length) fail('einsum', `input subscripts '${term}' repeat a label (a diagonal): not supported, as in TF.js`);
    if (labels.length !== t.rank) {
      fail('einsum', `\`tensors[${k}]\` has rank ${t.rank} (shape ${fmtShape(t.shape)}) but its subscripts '${term}' name ${labels.length} axes`);
    }
    labels.forEach((l, i) => {
      const d = t.shape[i]!;
      const seen = sizes.get(l);
      if (seen !== undefined && seen !== d) {
        fail('einsum', `label '${l}' has size ${seen} in one place and ${d} in \`tensors[${k}]\` (shape ${fmtShape(t.shape)}, axis ${i})`);
      }
      sizes.set(l, d);
    });
    return { t, labels };
  });
  if (xs.length === 2 && xs[0]!.t.dtype !== xs[1]!.t.dtype) {
    fail('einsum', `the inputs must have one dtype, received ${xs[0]!.t.dtype} and ${xs[1]!.t.dtype}`);
  }
  const outLabels = [...out];
  if (new Set(outLabels).size !== outLabels.length) fail('einsum', `output subscripts '${out}' repeat a label`);
  for (const l of outLabels) if (!sizes.has(l)) fail('einsum', `output label '${l}' is in no input of '${equation}'`);
  const inOut = (l: string): boolean => outLabels.includes(l);
  if (xs.length === 1) return arrange(sumOut(xs[0]!, inOut), outLabels);

  const [a0, b0] = xs as [Term, Term];
  // Labels one input has alone and the output lacks: summed out of that input now.
  const a = sumOut(a0, (l) => inOut(l) || b0.labels.includes(l));
  const b = sumOut(b0, (l) => inOut(l) || a0.labels.includes(l));
  const both = a.labels.filter((l) => b.labels.includes(l));
  const batch = both.filter(inOut);
  const contracted = both.filter((l) => !inOut(l));
  const ownA = a.labels.filter((l) => !both.includes(l));
  const ownB = b.labels.filter((l) => !both.includes(l));
  const n = (ls: string[]): number => ls.reduce((p, l) => p * sizes.get(l)!, 1);
  // (No contracted label: a contraction of length 1, i.e. an outer product per batch entry.)
  const at = reshape(arrange(a, [...batch, ...ownA, ...contracted]), [n(batch), n(ownA), n(contracted)]);
  const bt = reshape(arrange(b, [...batch, ...contracted, ...ownB]), [n(batch), n(contracted), n(ownB)]);
  let y = matMul(at, bt);
  const have = [...batch, ...ownA, ...ownB];
  y = reshape(y, have.map((l) => sizes.get(l)!));
  return arrange({ t: y, labels: have }, outLabels);
});
