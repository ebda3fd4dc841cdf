/**
 * `tf.fused`: TF.js's fused ops, each bit-identical to its composition (one kernel on native):
 * `matMul` (src/ops/fused_mat_mul.ts) and `conv2d` (src/ops/fused_conv2d.ts).
 */
export * from './fused_mat_mul.ts';
export { conv2d, fusedConv2dComposition, type FusedConv2DArgs, type FusedConvActivation } from './fused_conv2d.ts';
