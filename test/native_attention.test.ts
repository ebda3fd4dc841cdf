/**
 * The fused attention kernels (`_Attention`, `_AttentionGrad`) against `attentionComposition`
 * (src/ops/attention.ts): outputs, attention probabilities and the gradients of q, k, v
 * bit-identical on random shapes, with masks broadcast every way, gradients from the output, the
 * probabilities or both, for 1, 2 and 3 threads, on every ISA path, fused and recomputed
 * backward; the Keras MultiHeadAttention layer (causal and padding masks, returned scores)
 * trains to the same weights with and without the fused kernels.
 *
 * The fused LayerNormalization kernels (`_LayerNorm`, `_LayerNormGrad`, native/src/attention.cc)
 * against their definition, `layerNormComposition` (src/ops/layer_norm.ts), on the native
 * backend: output and the gradients of x, gamma and beta bit-identical on random shapes (odd
 * sizes, rank 1 to 4), with x also used by other ops before and after the normalization (its
 * gradient contributions must interleave as the composition's), for 1, 2 and 3 threads, on
 * every ISA path, through the fused backward kernel and through the recomputed composition
 * (under an outer tape); and the Keras layer with the fused kernel equals it without.
 * Skipped, with a message, when the addon is not built.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { loadNativeAddon, nativeLoadError } from '../src/backends/native/index.ts';
import { hasSeqKernels } from '../src/backends/native/seq_kernels.ts';
import { layerNorm, layerNormComposition } from '../src/ops/layer_norm.ts';
import { attentionComposition, dotProductAttention } from '../src/ops/attention.ts';
import type { KernelFunc } from '../src/core/backend.ts';
import { rng, onNative, bitsEqual } from './util.ts';

const addon = loadNativeAddon();
const skip = addon && hasSeqKernels(addon) ? false : `native addon not built (${nativeLoadError() ?? 'missing'})`;

function values(n: number, r: () => number, scale = 1, offset = 0): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 29);
    v[i] = k === 0 ? 0 : k === 1 ? -0 : offset + scale * (2 * r() - 1);
  }
  return v;
}

type IsaAddon = { info(): { isa: string; isas?: string[] }; setIsa?(name: string): boolean };

describe('fused LayerNormalization: bit-identical to the composition', { skip }, () => {
  it('random shapes, x used elsewhere too, 1 / 2 / 3 threads, every ISA path, fused and recomputed backward', () => {
    onNative(() => {
      const r = rng(777);
      const isaAddon = addon as unknown as IsaAddon;
      const isas = isaAddon.info().isas ?? [isaAddon.info().isa];
      const prevIsa = isaAddon.info().isa;
      const before = tf.getNumThreads();
      try {
        for (let n = 0; n < 30; n++) {
          const rank = 1 + Math.floor(r() * 4);
          // The last case: enough rows (303, not a multiple of the kernel's group of 4) and columns
          // (70: three column blocks) that both passes split over the pool.
          const shape = n === 29 ? [3, 101, 70] : Array.from({ length: rank }, (_, i) => (i === rank - 1 ? 1 + Math.floor(r() * (n % 5 === 4 ? 300 : 40)) : 1 + Math.floor(r() * 6)));
          const C = shape[rank - 1]!;
          const size = shape.reduce((a, b) => a * b, 1);
          const eps = [1e-3, 1e-5, 0.1][n % 3]!;
          const uses = n % 4; // 0: LN only; 1: x used after; 2: before; 3: both
          if (isaAddon.setIsa) isaAddon.setIsa(isas[n % isas.length]!);
          tf.tidy(() => {
            const x = tf.tensor(values(size, r, 2, r() < 0.3 ? 50 : 0), shape);
            const gamma = tf.tensor(values(C, r, 1.5), [C]);
            const beta = tf.tensor(values(C, r), [C]);
            const s1 = tf.tensor(values(size, r), shape);
            const s2 = tf.tensor(values(size, r), shape);
            const run = (ln: typeof layerNorm) => (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
              let l = tf.scalar(0);
              if (uses & 2) l = tf.sum(tf.mul(tf.square(xx), s2));
              l = tf.add(l, tf.sum(tf.mul(ln(xx, g, b, eps), s1)));
              if (uses & 1) l = tf.add(l, tf.sum(tf.mul(xx, s2)));
              return l;
            };
            tf.setNumThreads(1);
            const ref = [layerNormComposition(x, gamma, beta, eps).dataSync() as Float32Array,
              ...tf.grads(run((a, b, c, e) => layerNormComposition(a, b, c, e)))([x, gamma, beta]).map((t) => t.dataSync() as Float32Array)];
            for (const threads of [1, 2, 3]) {
              tf.setNumThreads(threads);
              const got = [layerNorm(x, gamma, beta, eps).dataSync() as Float32Array, ...tf.grads(run(layerNorm))([x, gamma, beta]).map((t) => t.dataSync() as Float32Array)];
              got.forEach((v, i) => bitsEqual(v, ref[i]!, `[${shape}] eps ${eps} uses ${uses} ISA ${isas[n % isas.length]} threads ${threads}: result ${i}`));
            }
            // Under an outer tape the gradient recomputes the composition.
            const outer = new tf.GradientTape({ persistent: true });
            let taped: tf.Tensor[] = [];
            outer.record(() => {
              taped = tf.grads(run(layerNorm))([x, gamma, beta]);
              return taped[0]!;
            });
            taped.forEach((t, i) => bitsEqual(t.dataSync(), ref[i + 1]!, `[${shape}] taped gradient ${i}`));
          });
        }
      } finally {
        tf.setNumThreads(before);
        if (isaAddon.setIsa) isaAddon.setIsa(prevIsa);
      }
    });
  });

  it('the Keras layer (in a model, trained) gives the same weights with and without the fused kernels', async () => {
    const kernels = tf.ENGINE.findBackend('native')!.kernels as Record<string, KernelFunc>;
    const train = async (fused: boolean): Promise<Float32Array[]> => {
      const saved: Record<string, KernelFunc> = {};
      if (!fused) for (const k of ['_LayerNorm', '_LayerNormGrad']) {
        saved[k] = kernels[k]!;
        delete kernels[k];
      }
      const prev = tf.getBackend();
      tf.ENGINE.setBackendSync('native');
      try {
        tf.setSeed(3);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const L = tf.layers as any;
        const x = tf.input({ shape: [5, 12] });
        const h = L.dense({ units: 12 }).apply(x);
        const n1 = L.layerNormalization().apply(L.add().apply([x, h]));
        const n2 = L.layerNormalization({ epsilon: 1e-5 }).apply(L.dense({ units: 12, activation: 'relu' }).apply(n1));
        const out = L.dense({ units: 3 }).apply(L.globalAveragePooling1d().apply(L.add().apply([n1, n2])));
        const model = tf.model({ inputs: x, outputs: out });
        model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
        const r = rng(4);
        for (let s = 0; s < 3; s++) await model.trainOnBatch(tf.tensor(values(4 * 5 * 12, r, 3), [4, 5, 12]), tf.tensor(values(12, r), [4, 3]));
        return model.getWeights().map((w: tf.Tensor) => w.dataSync() as Float32Array);
      } finally {
        tf.ENGINE.setBackendSync(prev);
        for (const k of Object.keys(saved)) kernels[k] = saved[k]!;
      }
    };
    const ref = await train(false);
    const got = await train(true);
    got.forEach((w, i) => bitsEqual(w, ref[i]!, `weight ${i}`));
  });
});

describe('fused attention: bit-identical to the composition', { skip }, () => {
  it('random shapes, broadcast masks, gradients from o and/or probs, 1 / 2 / 3 threads, every ISA path', () => {
    onNative(() => {
      const r = rng(4242);
      const isaAddon = addon as unknown as IsaAddon;
      const isas = isaAddon.info().isas ?? [isaAddon.info().isa];
      const prevIsa = isaAddon.info().isa;
      const before = tf.getNumThreads();
      const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
      try {
        for (let n = 0; n < 24; n++) {
          const big = n % 6 === 5;
          const [B, T, S, H, K, V] = [int(1, 4), big ? int(30, 70) : int(1, 9), big ? int(30, 70) : int(1, 9), int(1, 4), int(1, 17), int(1, 17)];
          const maskKind = n % 5; // 0 none, 1 [B,1,T,S], 2 [1,1,T,S], 3 [B,1,1,S], 4 [B,1,T,1]
          const uses = 1 + (n % 3); // 1 o, 2 probs, 3 both
          if (isaAddon.setIsa) isaAddon.setIsa(isas[n % isas.length]!);
          tf.tidy(() => {
            const q = tf.tensor(values(B * T * H * K, r, 1.5), [B, T, H, K]);
            const k = tf.tensor(values(B * S * H * K, r, 1.5), [B, S, H, K]);
            const v = tf.tensor(values(B * S * H * V, r), [B, S, H, V]);
            let mask: tf.Tensor | null = null;
            if (maskKind) {
              const shape = [[B, 1, T, S], [1, 1, T, S], [B, 1, 1, S], [B, 1, T, 1]][maskKind - 1]!;
              const m = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() < 0.7);
              mask = tf.tensor(m, shape, 'bool');
            }
            const so = tf.tensor(values(B * T * H * V, r), [B, T, H, V]);
            const sp = tf.tensor(values(B * H * T * S, r), [B, H, T, S]);
            const run = (f: typeof dotProductAttention) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor => {
              const [o, p] = f(a, b, c, mask);
              let l = tf.scalar(0);
              if (uses & 1) l = tf.add(l, tf.sum(tf.mul(o, so)));
              if (uses & 2) l = tf.add(l, tf.sum(tf.mul(p, sp)));
              return l;
            };
            tf.setNumThreads(1);
            const comp = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor | null) => attentionComposition(a, b, c, m);
            const ref = [...comp(q, k, v, mask).map((t) => t.dataSync() as Float32Array), ...tf.grads(run(comp))([q, k, v]).map((t) => t.dataSync() as Float32Array)];
            for (const threads of [1, 2, 3]) {
              tf.setNumThreads(threads);
              const got = [...dotProductAttention(q, k, v, mask).map((t) => t.dataSync() as Float32Array), ...tf.grads(run(dotProductAttention))([q, k, v]).map((t) => t.dataSync() as Float32Array)];
              got.forEach((x, i) => bitsEqual(x, ref[i]!, `B${B} T${T} S${S} H${H} K${K} V${V} mask ${maskKind} uses ${uses} ISA ${isas[n % isas.length]} threads ${threads}: result ${i}`));
            }
            const outer = new tf.GradientTape({ persistent: true });
            let taped: tf.Tensor[] = [];
            outer.record(() => {
              taped = tf.grads(run(dotProductAttention))([q, k, v]);
              return taped[0]!;
            });
            taped.forEach((t, i) => bitsEqual(t.dataSync(), ref[i + 2]!, `taped gradient ${i}`));
          });
        }
      } finally {
        tf.setNumThreads(before);
        if (isaAddon.setIsa) isaAddon.setIsa(prevIsa);
      }
    });
  });

  it('Keras MultiHeadAttention (masks, returned scores) trains to the same weights with and without the fused kernels', async () => {
    const kernels = tf.ENGINE.findBackend('native')!.kernels as Record<string, KernelFunc>;
    const train = async (fused: boolean, causal: boolean): Promise<Float32Array[]> => {
      const saved: Record<string, KernelFunc> = {};
      if (!fused) for (const k of ['_Attention', '_AttentionGrad', '_LayerNorm', '_LayerNormGrad']) {
        saved[k] = kernels[k]!;
        delete kernels[k];
      }
      const prev = tf.getBackend();
      tf.ENGINE.setBackendSync('native');
      try {
        tf.setSeed(11);
        const mha = tf.layers.multiHeadAttention({ numHeads: 3, keyDim: 5, valueDim: 4 });
        const ln = tf.layers.layerNormalization();
        const dense = tf.layers.dense({ units: 2 });
        const opt = tf.train.adam(0.01);
        const r = rng(12);
        // Build the layers (their weights) before differentiating.
        const x0 = tf.zeros([2, 6, 7]);
        ln.apply(tf.add(x0, mha.apply([x0, x0]) as tf.Tensor));
        mha.apply([x0, tf.zeros([2, 5, 7])]);
        dense.apply(x0);
        for (let s = 0; s < 3; s++) {
          const x = tf.tensor(values(2 * 6 * 7, r, 2), [2, 6, 7]);
          const ctx = tf.tensor(values(2 * 5 * 7, r, 2), [2, 5, 7]);
          const mask = tf.tensor(Array.from({ length: 2 * 6 * 5 }, () => r() < 0.8), [2, 6, 5], 'bool');
          opt.minimize(() => {
            const self = mha.apply([x, x], { useCausalMask: causal }) as tf.Tensor;
            const [cross, scores] = mha.apply([x, ctx], { attentionMask: mask, returnAttentionScores: true }) as tf.Tensor[];
            const h = ln.apply(tf.add(x, tf.add(self, cross!))) as tf.Tensor;
            return tf.add(tf.mean(tf.square(dense.apply(h) as tf.Tensor)), tf.mean(tf.square(scores!)));
          });
        }
        return [...mha.getWeights(), ...ln.getWeights(), ...dense.getWeights()].map((w: tf.Tensor) => w.dataSync() as Float32Array);
      } finally {
        tf.ENGINE.setBackendSync(prev);
        for (const k of Object.keys(saved)) kernels[k] = saved[k]!;
      }
    };
    for (const causal of [false, true]) {
      const ref = await train(false, causal);
      const got = await train(true, causal);
      got.forEach((w, i) => bitsEqual(w, ref[i]!, `causal ${causal} weight ${i}`));
    }
  });
});
