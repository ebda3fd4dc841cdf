/**
 * What the engine knows about kernels by name: which ones are fused kernels that ops declare
 * next to their compositions, and of what kind (`ENGINE.mayUse` decides from it).
 *
 * - 'fused': bit-identical to its op's composition, with a gradient of its own: used unless a
 *   frame needs the op-level composition (tf.compare's op trace).
 * - 'backward': a backward-only kernel (no gradient, or a less exact one than the composition's):
 *   used only when nothing records the computation for a later differentiation.
 * Every other kernel is a primitive: ops call it directly.
 */
/** A kernel's name (checked against the kernel table in a later step). */
export type KernelName = string;

export type KernelKind = 'primitive' | 'fused' | 'backward';

/**
 * How an op uses a kernel, for `ENGINE.mayUse`: its kind, or 'inference' — a use without a
 * gradient (a fused kernel given an epilogue it cannot differentiate), allowed only when no
 * frame is on the stack at all.
 */
export type KernelUse = KernelKind | 'inference';

const KINDS: Record<string, KernelKind> = {
  _FusedMatMul: 'fused',
  _FusedConv2D: 'fused',
  _RNNSequence: 'fused',
  _Attention: 'fused',
  _LayerNorm: 'fused',
  Dropout: 'fused',
  _DropoutGrad: 'fused',
  FusedBatchNorm: 'fused',
  OptimizerUpdate: 'fused',
  _ReluGrad: 'backward',
  _FusedMatMulGrad: 'backward',
  _SoftmaxCrossEntropyGrad: 'backward',
  FusedBatchNormGrad: 'backward',
  _RNNSequenceGrad: 'backward',
  _AttentionGrad: 'backward',
  _LayerNormGrad: 'backward',
};

export function kernelKind(name: string): KernelKind {
  return KINDS[name] ?? 'primitive';
}
