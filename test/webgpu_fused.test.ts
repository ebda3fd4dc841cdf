/**
 * The WebGPU backend's fused kernels (_LayerNorm, _Attention, _FusedConv2D and their gradients)
 * against the compositions they replace — bit for bit on this backend (SwiftShader rounds every
 * float32 operation) — and against the reference backend within a stated tolerance; the
 * vectorized convolution input gradient against the scalar program; small odd shapes.
 * Skipped, saying why, without an adapter (see webgpu_util.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { attentionComposition, dotProductAttention } from '../src/ops/attention.ts';
import { conv2dBatchNormActivation, conv2dBatchNormActivationComposition, fusedConv2dComposition } from '../src/ops/fused_conv2d.ts';
import { layerNorm, layerNormComposition } from '../src/ops/layer_norm.ts';
import { compare, counting, rand, webgpuSuite } from './webgpu_util.ts';

type T = tf.Tensor;

const gpu = webgpuSuite('webgpu fused-kernel tests');

const r = (shape: number[], seed: number, lo = -1, hi = 1): T => tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape);
const mask = (shape: number[], seed: number): T => tf.greater(r(shape, seed), -0.4);

async function values(fn: () => T | T[]): Promise<Float32Array[]> {
  const out = fn();
  const list = Array.isArray(out) ? out : [out];
  const vals: Float32Array[] = [];
  for (const t of list) vals.push(Float32Array.from(await t.data()));
  return vals;
}

function same(name: string, got: Float32Array[], want: Float32Array[], atol = 0, rtol = 0): void {
  assert.equal(got.length, want.length, `${name}: number of outputs`);
  got.forEach((g, i) => {
    const d = compare(g, want[i]!, atol, rtol, atol === 0 && rtol === 0);
    assert.equal(d.mismatches, 0, `${name} output ${i}: ${d.mismatches} of ${g.length} differ (first ${d.first}; max abs ${d.maxAbs}, rel ${d.maxRel})`);
  });
}

/** fused (counting `kernels`, each must run) and composition on webgpu bit for bit; fused on webgpu vs reference within tol. */
async function checkFused(name: string, kernels: string[], fused: () => T | T[], composition: () => T | T[], tol: { atol: number; rtol: number }): Promise<void> {
  await tf.setBackend('webgpu');
  const [got, counts] = await counting(gpu.be!, kernels, () => values(fused));
  for (const k of kernels) assert.ok(counts[k]! > 0, `${name}: kernel ${k} did not run`);
  const comp = await values(composition);
  same(`${name} (fused vs composition on webgpu)`, got, comp);
  await tf.setBackend('reference');
  const ref = await values(composition);
  same(`${name} (webgpu vs reference)`, got, ref, tol.atol, tol.rtol);
}

describe('webgpu fused kernels', () => {
  it('_LayerNorm / _LayerNormGrad: bit-identical to the composition on webgpu, forward and gradients', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const tol = { atol: 2e-6, rtol: 2e-5 };
    for (const [shape, eps] of [[[3, 7], 1e-3], [[2, 3, 5], 1e-5], [[1, 1], 1e-3], [[5, 33], 1e-6]] as const) {
      const C = shape[shape.length - 1]!;
      const s = shape.reduce((a, b) => a + b, 0);
      const x = () => r([...shape], s, -2, 3);
      const g = () => r([C], s + 1, 0.5, 1.5);
      const b = () => r([C], s + 2);
      const w = () => r([...shape], s + 3);
      await checkFused(`layerNorm [${shape}]`, ['_LayerNorm'], () => layerNorm(x(), g(), b(), eps), () => layerNormComposition(x(), g(), b(), eps), tol);
      const loss = (f: typeof layerNorm) => (a: T, gg: T, bb: T) => tf.sum(tf.mul(f(a, gg, bb, eps), w()));
      await checkFused(`layerNorm gradients [${shape}]`, ['_LayerNorm', '_LayerNormGrad'],
        () => tf.grads(loss(layerNorm))([x(), g(), b()]), () => tf.grads(loss(layerNormComposition as typeof layerNorm))([x(), g(), b()]), tol);
      // x used again after the layer norm: its four gradient contributions in the composition's order.
      const loss2 = (f: typeof layerNorm) => (a: T, gg: T, bb: T) => tf.sum(tf.mul(tf.add(f(a, gg, bb, eps), tf.mul(a, 0.5)), w()));
      await checkFused(`layerNorm gradients, x reused [${shape}]`, ['_LayerNormGrad'],
        () => tf.grads(loss2(layerNorm))([x(), g(), b()]), () => tf.grads(loss2(layerNormComposition as typeof layerNorm))([x(), g(), b()]), tol);
    }
  });

  it('_Attention / _AttentionGrad: bit-identical to the composition on webgpu, with and without masks, gradients from o and probs', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const tol = { atol: 3e-6, rtol: 3e-5 };
    const B = 2, T = 3, S = 5, H = 2, K = 4, V = 3;
    const q = () => r([B, T, H, K], 1);
    const k = () => r([B, S, H, K], 2);
    const v = () => r([B, S, H, V], 3);
    const wo = () => r([B, T, H, V], 4);
    const wp = () => r([B, H, T, S], 5);
    for (const [label, m] of [['no mask', null], ['mask [B,1,T,S]', [B, 1, T, S]], ['mask [1,1,1,S]', [1, 1, 1, S]], ['mask [B,1,T,1]', [B, 1, T, 1]]] as const) {
      const mk = () => (m ? mask([...m], 6 + m.length + m[0]!) : null);
      await checkFused(`attention ${label}`, ['_Attention'], () => dotProductAttention(q(), k(), v(), mk()), () => attentionComposition(q(), k(), v(), mk()), tol);
      const both = (f: typeof attentionComposition) => (a: T, b: T, c: T) => {
        const [o, p] = f(a, b, c, mk());
        return tf.add(tf.sum(tf.mul(o, wo())), tf.sum(tf.mul(p, wp())));
      };
      await checkFused(`attention gradients from o and probs, ${label}`, ['_Attention', '_AttentionGrad'],
        () => tf.grads(both(dotProductAttention))([q(), k(), v()]), () => tf.grads(both(attentionComposition))([q(), k(), v()]), tol);
      const onlyO = (f: typeof attentionComposition) => (a: T, b: T, c: T) => tf.sum(tf.mul(f(a, b, c, mk())[0], wo()));
      await checkFused(`attention gradients from o, ${label}`, ['_AttentionGrad'],
        () => tf.grads(onlyO(dotProductAttention))([q(), k(), v()]), () => tf.grads(onlyO(attentionComposition))([q(), k(), v()]), tol);
      const onlyP = (f: typeof attentionComposition) => (a: T, b: T, c: T) => tf.sum(tf.mul(f(a, b, c, mk())[1], wp()));
      await checkFused(`attention gradients from probs, ${label}`, ['_AttentionGrad'],
        () => tf.grads(onlyP(dotProductAttention))([q(), k(), v()]).slice(0, 2), () => tf.grads(onlyP(attentionComposition))([q(), k(), v()]).slice(0, 2), tol);
    }
  });

  it('_FusedConv2D: bias, relu, batch-norm and residual epilogues bit-identical to the composition on webgpu and to wasm; gradients', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    const tol = { atol: 2e-6, rtol: 2e-5 };
    const x = () => r([2, 7, 6, 3], 11);
    for (const [oc, stride, pad, act, bias] of [[4, 1, 'same', 'relu', true], [3, 2, 'valid', 'linear', true], [5, 1, 'valid', 'relu', false], [8, 2, 'same', 'linear', false]] as const) {
      const args = () => ({ x: x(), filter: r([3, 2, 3, oc], 12 + oc), strides: stride, pad, activation: act, bias: bias ? r([oc], 13) : null });
      const name = `fused.conv2d oc ${oc} s${stride} ${pad} ${act} bias ${bias}`;
      await checkFused(name, ['_FusedConv2D'], () => tf.fused.conv2d(args()), () => fusedConv2dComposition(args()), tol);
      await tf.setBackend('wasm');
      const wasm = await values(() => fusedConv2dComposition(args()));
      await tf.setBackend('webgpu');
      same(`${name} vs wasm`, await values(() => tf.fused.conv2d(args())), wasm);
      const loss = (fused: boolean) => (a: T, f: T) => tf.sum(tf.square((fused ? tf.fused.conv2d : fusedConv2dComposition)({ ...args(), x: a, filter: f })));
      await checkFused(`${name} gradients`, ['_FusedConv2D'], () => tf.grads(loss(true))([x(), r([3, 2, 3, oc], 14)]), () => tf.grads(loss(false))([x(), r([3, 2, 3, oc], 14)]), { atol: 2e-5, rtol: 2e-5 });
    }
    for (const [oc, withRes, scale] of [[4, true, true], [3, false, false], [6, true, false]] as const) {
      const a = () => ({
        x: x(), filter: r([3, 3, 3, oc], 21), strides: [1, 1] as [number, number], pad: 'same' as const, dilations: [1, 1] as [number, number], bias: r([oc], 22),
        bn: { mean: r([oc], 23), variance: r([oc], 24, 0.2, 2), offset: r([oc], 25), scale: scale ? r([oc], 26, 0.5, 1.5) : null, epsilon: 1e-3 },
        residual: withRes ? r([2, 7, 6, oc], 27) : null, relu: true,
      });
      await checkFused(`conv + batch norm${withRes ? ' + residual' : ''} + relu, oc ${oc}`, ['_FusedConv2D'], () => conv2dBatchNormActivation(a()), () => conv2dBatchNormActivationComposition(a()), tol);
    }
  });

  it('conv input gradient: the 4-channel program equals the scalar one bit for bit; max-pool gradient in two passes', async (t) => {
    if (gpu.skip) return t.skip(gpu.skip);
    await tf.setBackend('webgpu');
    for (const [stride, pad, dil] of [[1, 'same', 1], [2, 'valid', 1], [1, 'same', 2], [2, 'same', 1]] as const) {
      const w8 = rand(3 * 3 * 8 * 5, 31);
      // inC 9 (scalar program) whose first 8 input channels are inC 8's (4-channel program).
      const w9 = new Float32Array(3 * 3 * 9 * 5);
      for (let tap = 0; tap < 9; tap++) for (let i = 0; i < 9; i++) for (let o = 0; o < 5; o++) w9[(tap * 9 + i) * 5 + o] = i < 8 ? w8[(tap * 8 + i) * 5 + o]! : 0.25;
      const dy = tf.conv2d(tf.zeros([2, 7, 6, 8]), tf.tensor(w8, [3, 3, 8, 5]), stride, pad, 'NHWC', dil);
      const dyv = rand(dy.size, 32);
      const dx = (c: number, w: Float32Array) => tf.grad((a: T) => tf.sum(tf.mul(tf.conv2d(a, tf.tensor(w, [3, 3, c, 5]), stride, pad, 'NHWC', dil), tf.tensor(dyv, dy.shape))))(tf.zeros([2, 7, 6, c]));
      const a = await values(() => dx(8, w8));
      const b = await values(() => tf.slice(dx(9, w9), [0, 0, 0, 0], [2, 7, 6, 8]));
      same(`conv dx s${stride} ${pad} d${dil}`, a, b);
      await tf.setBackend('reference');
      const want = await values(() => dx(8, w8));
      await tf.setBackend('webgpu');
      same(`conv dx s${stride} ${pad} d${dil} vs reference`, a, want, 2e-6, 2e-5);
    }
    for (const [size, stride, pad] of [[3, 1, 'same'], [2, 2, 'valid'], [3, 2, 'same']] as const) {
      const x = () => tf.round(r([2, 7, 6, 5], 41, -3, 3));
      const g = (a: T) => tf.sum(tf.mul(tf.maxPool(a, size, stride, pad), r(tf.maxPool(tf.zeros([2, 7, 6, 5]), size, stride, pad).shape.slice(), 42)));
      await tf.setBackend('reference');
      const want = await values(() => tf.grad(g)(x()));
      await tf.setBackend('webgpu');
      same(`maxPool grad ${size} ${stride} ${pad} (ties: the first maximum)`, await values(() => tf.grad(g)(x())), want, 1e-7, 1e-6);
    }
  });
});
