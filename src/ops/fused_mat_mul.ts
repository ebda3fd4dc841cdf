/**
 * `tf.fused.matMul({a, b, transposeA, transposeB, bias, activation, preluActivationWeights,
 * leakyreluAlpha})` (TF.js's fused op): activation(op(a)·op(b) + bias).
 *
 * It always equals the composition `activation(add(matMul(a, b, ta, tb), bias))` bit for bit:
 * - with a backend that has the `_FusedMatMul` kernel (native, wasm), rank-2 float32 operands, a
 *   bias of shape [n] (or none) and activation 'linear' or 'relu', one kernel computes the GEMM
 *   (the same GEMM as `BatchMatMul`, same summation order) and adds the bias and applies relu
 *   to each float32 result (the same two roundings as Add then Relu). Its gradient is the
 *   composition's, op for op: dz = relu'(·)·dy = where(y > 0, dy, 0) (y > 0 exactly where the
 *   pre-activation is > 0), dbias = Σ_rows dz, da/db = the BatchMatMul gradient products.
 * - otherwise it runs the composition itself.
 * So a Keras Dense layer (which uses this op) and a hand-written matMul + add + relu give
 * identical numbers.
 */
import type { Attrs } from '../core/backend.ts';
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { reduceTo } from './broadcast_util.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { elu } from './elu.ts';
import { leakyRelu } from './leaky_relu.ts';
import { matMul as plainMatMul } from './mat_mul.ts';
import { fused, fusedOp } from './op.ts';
import { prelu } from './prelu.ts';
import { relu, reluGrad } from './relu.ts';
import { relu6 } from './relu6.ts';
import { sigmoid } from './sigmoid.ts';

export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'prelu' | 'leakyrelu' | 'sigmoid';
const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'relu6', 'elu', 'prelu', 'leakyrelu', 'sigmoid'];

export interface FusedMatMulArgs {
  a: TensorLike;
  b: TensorLike;
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: TensorLike | null;
  activation?: FusedActivation;
  preluActivationWeights?: TensorLike | null;
  leakyreluAlpha?: number;
}

function activate(y: Tensor, activation: string, args: FusedMatMulArgs): Tensor {
  switch (activation) {
    case 'linear':
      return y;
    case 'relu':
      return relu(y);
    case 'relu6':
      return relu6(y);
    case 'elu':
      return elu(y);
    case 'sigmoid':
      return sigmoid(y);
    case 'leakyrelu':
      return leakyRelu(y, args.leakyreluAlpha ?? 0.2);
    default: {
      if (args.preluActivationWeights === undefined || args.preluActivationWeights === null) {
        fail('fused.matMul', "activation 'prelu' needs `preluActivationWeights`");
      }
      return prelu(y, args.preluActivationWeights);
    }
  }
}

/**
 * `fused.matMul` written with the public ops: activation(matMul(a, b) + bias). The fused kernel
 * gives the same bits; `tf.compare` runs this form so both sides of a comparison show
 * matMul / add / activation however each was written.
 */
export function fusedMatMulComposition(args: FusedMatMulArgs): Tensor {
  let y = plainMatMul(args.a, args.b, args.transposeA ?? false, args.transposeB ?? false);
  if (args.bias !== undefined && args.bias !== null) y = add(y, args.bias);
  const activation = args.activation ?? 'linear';
  if (!ACTIVATIONS.includes(activation)) {
    fail('fused.matMul', `\`activation\` must be one of ${ACTIVATIONS.join(', ')}, received ${String(activation)}`);
  }
  return activate(y, activation, args);
}

/** The arguments checked and converted (the composition and the fused form both start here). */
function parse(args: FusedMatMulArgs): { a: Tensor; b: Tensor; bias: Tensor | null; transposeA: boolean; transposeB: boolean; activation: string } {
  if (args === null || typeof args !== 'object') fail('fused.matMul', `expected {a, b, transposeA?, transposeB?, bias?, activation?}, received ${String(args)}`);
  const activation = args.activation ?? 'linear';
  if (!ACTIVATIONS.includes(activation)) {
    fail('fused.matMul', `\`activation\` must be one of ${ACTIVATIONS.join(', ')}, received ${String(activation)}`);
  }
  const a = convertToTensor(args.a, 'a', 'fused.matMul');
  const b = convertToTensor(args.b, 'b', 'fused.matMul');
  const bias = args.bias === undefined || args.bias === null ? null : convertToTensor(args.bias, 'bias', 'fused.matMul');
  return { a, b, bias, transposeA: args.transposeA ?? false, transposeB: args.transposeB ?? false, activation };
}

export const matMul = fusedOp(
  'fused.matMul',
  (args: FusedMatMulArgs): Tensor => {
    const p = parse(args);
    return fusedMatMulComposition({ ...args, a: p.a, b: p.b, bias: p.bias });
  },
  {
    // One kernel: the BatchMatMul GEMM, then the bias add and relu on each float32 result.
    kernel: '_FusedMatMul',
    fits: (args) => {
      const { a, b, bias, transposeA, transposeB, activation } = parse(args);
      if (activation !== 'linear' && activation !== 'relu') return false;
      if (a.rank !== 2 || b.rank !== 2 || a.dtype !== 'float32' || b.dtype !== 'float32') return false;
      if (a.shape[transposeA ? 0 : 1] !== b.shape[transposeB ? 1 : 0]) return false;
      return bias === null || (bias.dtype === 'float32' && bias.rank === 1 && bias.shape[0] === b.shape[transposeB ? 0 : 1]);
    },
    run: (args) => {
      const { a, b, bias, transposeA, transposeB, activation } = parse(args);
      return ENGINE.runKernel('_FusedMatMul', bias ? { a, b, bias } : { a, b }, { transposeA, transposeB, activation });
    },
  },
);

/**
 * A rank-2 product as `_FusedMatMul`'s gradient needs it: a linear, bias-free `_FusedMatMul` is
 * the same GEMM with the same strides as BatchMatMul (same bits) without matMul's reshapes to
 * rank 3; plain matMul where the backend lacks the kernel.
 */
const product = fused(
  (x: Tensor, y: Tensor, tx: boolean, ty: boolean): Tensor => plainMatMul(x, y, tx, ty),
  {
    kernel: '_FusedMatMul',
    fits: () => true,
    run: (x, y, tx, ty) => ENGINE.runKernel('_FusedMatMul', { a: x, b: y }, { transposeA: tx, transposeB: ty, activation: 'linear' }),
  },
);

/** `_FusedMatMul`'s gradient written with ops: dz = relu'(·)·dy, BatchMatMul's gradient products on dz, dbias = Σ_rows dz. */
function fusedMatMulGradient(dy: Tensor, inputs: Record<string, Tensor>, outputs: Tensor[], attrs: Attrs): Record<string, () => Tensor> {
  const a = inputs['a']!;
  const b = inputs['b']!;
  const ta = attrs['transposeA'] === true;
  const tb = attrs['transposeB'] === true;
  let dz: Tensor | null = null;
  // Relu's gradient: where(x > 0, dy, 0), with y > 0 exactly where x > 0 (relu(x) = x there, 0 or NaN elsewhere).
  const z = (): Tensor => (dz ??= attrs['activation'] === 'relu' ? reluGrad(dy, outputs[0]!) : dy);
  const grads: Record<string, () => Tensor> = {
    a: () => {
      if (!ta && !tb) return product(z(), b, false, true);
      if (!ta && tb) return product(z(), b, false, false);
      if (ta && !tb) return product(b, z(), false, true);
      return product(b, z(), true, true);
    },
    b: () => {
      if (!ta && !tb) return product(a, z(), true, false);
      if (!ta && tb) return product(z(), a, true, false);
      if (ta && !tb) return product(a, z(), false, false);
      return product(z(), a, true, true);
    },
  };
  if (inputs['bias']) grads['bias'] = () => reduceTo(z(), inputs['bias']!.shape);
  return grads;
}

type GradArgs = [dy: Tensor, inputs: Record<string, Tensor>, outputs: Tensor[], attrs: Attrs, needed: readonly string[] | undefined];

/**
 * The wanted gradients in one backward-only `_FusedMatMulGrad` kernel (the same kernels'
 * arithmetic, so the same bits) when nothing records this backward pass; the composition
 * otherwise.
 */
const fusedMatMulGrads = fused(
  (dy: Tensor, inputs: Record<string, Tensor>, outputs: Tensor[], attrs: Attrs, _needed: readonly string[] | undefined) => fusedMatMulGradient(dy, inputs, outputs, attrs),
  {
    kernel: '_FusedMatMulGrad',
    fits: (...[dy, , , , needed]: GradArgs) => needed !== undefined && dy.dtype === 'float32',
    run: (...[dy, inputs, outputs, attrs, needed]: GradArgs) => {
      const { a, b } = inputs as { a: Tensor; b: Tensor };
      const names = ['a', 'b', 'bias'].filter((nm) => needed!.includes(nm) && inputs[nm] !== undefined);
      let mask = 0;
      for (const nm of names) mask |= nm === 'a' ? 1 : nm === 'b' ? 2 : 4;
      let got: Tensor[] | null = null;
      const get = (i: number) => (): Tensor => {
        got ??= ENGINE.runKernelMulti('_FusedMatMulGrad', attrs['activation'] === 'relu' ? { dy, a, b, y: outputs[0]! } : { dy, a, b },
          { transposeA: attrs['transposeA'], transposeB: attrs['transposeB'], activation: attrs['activation'], grads: mask });
        return got[i]!;
      };
      const thunks: Record<string, () => Tensor> = {};
      names.forEach((nm, i) => (thunks[nm] = get(i)));
      return thunks;
    },
  },
);

ENGINE.registerGradient('_FusedMatMul', (dy, { inputs, outputs, attrs, needed }) => fusedMatMulGrads(dy, inputs, outputs, attrs, needed));
