/**
 * Pooling windows far larger than their input (a filter of 10^6 with 'same' padding: 10^12 taps
 * per output, nearly all in the padding) cost what the input costs: the op clips each window to
 * what the input can fill (clipPoolWindow: the same taps, in the same order) before any backend
 * runs, and the reference kernels (which wasm's pooling uses) visit only in-bounds taps. The work
 * is counted, not timed: the geometry the kernels receive (before: the 10^6 window itself, 13 s
 * of reference work per op here; now at most in + (out − 1)·s taps per axis) and the 2-D poolings
 * pool3d runs (before: 2·10^6). A reference kernel called directly with an unclipped 10^9 window
 * runs in a child process with a hang guard (before: minutes).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/index.ts';
import type { KernelFunc } from '../src/core/backend.ts';
import { clipPoolWindow } from '../src/ops/conv_util.ts';
import { rand, webgpuBackend } from './webgpu_util.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The input positions output o's window reads, in order (no dilation). */
function taps(o: number, inSize: number, f: number, s: number, before: number): number[] {
  const r: number[] = [];
  for (let k = 0; k < f; k++) {
    const i = o * s + k - before;
    if (i >= 0 && i < inSize) r.push(i);
  }
  return r;
}

describe('pooling windows larger than the input', () => {
  it('clipPoolWindow keeps every output\'s taps and the output size, on every small geometry', () => {
    let clipped = 0;
    for (let inSize = 1; inSize <= 6; inSize++) {
      for (let f = 1; f <= 14; f++) {
        for (let s = 1; s <= 3; s++) {
          for (let before = 0; before <= f + 2; before++) {
            for (let aft = 0; aft <= f + 2; aft++) {
              const out = Math.floor((inSize + before + aft - f) / s) + 1;
              if (out <= 0) continue;
              const c = clipPoolWindow(inSize, f, s, before, aft);
              const geo = `in ${inSize}, f ${f}, s ${s}, pad ${before}/${aft} → f ${c.f}, pad ${c.before}/${c.after}`;
              assert.ok(c.f >= 1 && c.before >= 0 && c.after >= 0 && c.f <= f, geo);
              assert.equal(Math.floor((inSize + c.before + c.after - c.f) / s) + 1, out, `output size: ${geo}`);
              for (let o = 0; o < out; o++) assert.deepEqual(taps(o, inSize, c.f, s, c.before), taps(o, inSize, f, s, before), `output ${o}: ${geo}`);
              if (c.f < f) clipped++;
              else assert.deepEqual(c, { f, before, after: aft }, geo);
            }
          }
        }
      }
    }
    assert.ok(clipped > 1000, `${clipped} geometries were clipped`);
    // 'same' with a filter of 10^6 over 5 rows: at most in + (out − 1)·s taps remain.
    assert.deepEqual(clipPoolWindow(5, 1e6, 1, 499999, 500000), { f: 9, before: 4, after: 4 });
    // A window that fits is unchanged.
    assert.deepEqual(clipPoolWindow(28, 3, 2, 0, 1), { f: 3, before: 0, after: 1 });
  });

  const backends = ['reference', 'wasm', 'native', 'webgpu'] as const;
  const prev = tf.getBackend();
  after(async () => {
    await tf.setBackend(prev);
  });

  for (const name of backends) {
    it(`maxPool/avgPool with a 10^6 filter ('same') on ${name}: the kernels get the clipped window; values and gradients are the whole-input ones`, async (t) => {
      if (name === 'webgpu') {
        const be = await webgpuBackend();
        if (typeof be === 'string') return t.skip(be);
      }
      if (!(await tf.setBackend(name).then(() => true, () => false))) return t.skip(`the ${name} backend is not available`);
      const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
      const seen: { name: string; filterSize: number[]; pad: number[] }[] = [];
      const saved: Record<string, KernelFunc> = {};
      for (const k of ['MaxPool', 'AvgPool', 'MaxPoolGrad', 'AvgPoolGrad']) {
        saved[k] = be.kernels[k]!;
        be.kernels[k] = (args) => {
          seen.push({ name: k, filterSize: (args.attrs['filterSize'] as number[]).slice(), pad: (args.attrs['pad'] as number[]).slice() });
          return saved[k]!(args);
        };
      }
      try {
        const [B, H, W, C] = [2, 5, 7, 3];
        const xv = rand(B * H * W * C, 7);
        const x = tf.tensor(xv, [B, H, W, C]);
        const dyv = rand(B * H * W * C, 8);
        const dy = tf.tensor(dyv, [B, H, W, C]);
        const my = tf.maxPool(x, 1e6, 1, 'same');
        const ay = tf.avgPool(x, [1e6, 1e6], 1, 'same');
        const mdx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v, 1e6, 1, 'same'), dy)))(x);
        const adx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(v, 1e6, 1, 'same'), dy)))(x);
        const [m, a, md, ad] = await Promise.all([my.data(), ay.data(), mdx.data(), adx.data()]);
        // Each kernel saw a window of at most in + (out − 1) taps per axis: [9, 13], not [10^6, 10^6].
        assert.deepEqual(new Set(seen.map((s) => s.name)), new Set(['MaxPool', 'AvgPool', 'MaxPoolGrad', 'AvgPoolGrad']));
        for (const s of seen) assert.deepEqual({ filterSize: s.filterSize, pad: s.pad }, { filterSize: [9, 13], pad: [4, 4, 6, 6] }, s.name);
        // Every window covers the whole image: per image and channel, the max (its first
        // position gets the whole dy sum) and the mean (sum in float64, rounded once).
        const exact = name !== 'webgpu';
        for (let b = 0; b < B; b++) {
          for (let c = 0; c < C; c++) {
            let best = -Infinity, at = -1, sum = 0, dsum = 0;
            for (let p = 0; p < H * W; p++) {
              const i = (b * H * W + p) * C + c;
              if (xv[i]! > best) [best, at] = [xv[i]!, i];
              sum += xv[i]!;
              dsum += dyv[i]!;
            }
            for (let p = 0; p < H * W; p++) {
              const i = (b * H * W + p) * C + c;
              assert.equal(m[i], best, `${name} maxPool [${b},${p},${c}]`);
              if (exact) assert.equal(a[i], Math.fround(sum / (H * W)), `${name} avgPool [${b},${p},${c}]`);
              else assert.ok(Math.abs(a[i]! - sum / (H * W)) < 1e-5, `${name} avgPool [${b},${p},${c}]`);
              const wantMax = i === at ? dsum : 0;
              assert.ok(Math.abs(md[i]! - wantMax) < 1e-5, `${name} maxPool gradient [${b},${p},${c}]: ${md[i]} vs ${wantMax}`);
              assert.ok(Math.abs(ad[i]! - dsum / (H * W)) < 1e-5, `${name} avgPool gradient [${b},${p},${c}]: ${ad[i]} vs ${dsum / (H * W)}`);
            }
          }
        }
        // Strided, one axis huge: the same as the brute-force windows.
        const sy = await tf.maxPool(x, [1, 100001], [2, 3], 'same').data();
        assert.deepEqual(seen.at(-1), { name: 'MaxPool', filterSize: [1, 13], pad: [0, 0, 6, 6] }, 'the clipped window');
        const outW = Math.ceil(W / 3);
        for (let b = 0; b < B; b++) for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < outW; ox++) for (let c = 0; c < C; c++) {
          let best = -Infinity;
          for (let ix = 0; ix < W; ix++) best = Math.max(best, xv[((b * H + oy * 2) * W + ix) * C + c]!);
          assert.equal(sy[((b * 3 + oy) * outW + ox) * C + c], best);
        }
      } finally {
        Object.assign(be.kernels, saved);
      }
    });
  }

  it('the reference kernels called directly with an unclipped 10^9 window give the op\'s bits at once (a child process, 120 s hang guard)', () => {
    // Before, the reference kernels stepped through every tap row of the window and every tap
    // of the in-bounds rows: 6·10^9 steps per output here, minutes for these 35 outputs; they
    // now visit only in-bounds taps. Run in a child so that a regression fails at the guard.
    const code = `
      import * as tf from './src/index.ts';
      await tf.setBackend('reference');
      const x = tf.tensor(Float32Array.from({ length: 105 }, (_, i) => ((i * 37) % 101) / 101 - 0.5), [1, 5, 7, 3]);
      const be = tf.ENGINE.backend;
      const attrs = { filterSize: [1e9, 1e9], strides: [1, 1], pad: [499999999, 500000000, 499999999, 500000000] };
      const direct = (k) => Array.from(be.readSync(be.kernels[k]({ inputs: { x }, attrs, backend: be }).dataId));
      const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
      console.log(JSON.stringify({
        max: same(direct('MaxPool'), Array.from(tf.maxPool(x, 1e9, 1, 'same').dataSync())),
        avg: same(direct('AvgPool'), Array.from(tf.avgPool(x, 1e9, 1, 'same').dataSync())),
      }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.ok(!(r.error as NodeJS.ErrnoException | undefined)?.code, `the direct kernel calls did not finish within 120 s: ${(r.error as Error | undefined)?.message}`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { max: true, avg: true });
  });

  it('maxPool3d/avgPool3d with a 10^6-deep filter pad and loop over the input\'s depth only', async () => {
    await tf.setBackend('reference');
    const [D, H, W, C] = [4, 3, 3, 2];
    const xv = rand(D * H * W * C, 11);
    const x = tf.tensor(xv, [1, D, H, W, C]);
    const be = tf.ENGINE.backend as unknown as { kernels: Record<string, KernelFunc> };
    const saved = { MaxPool: be.kernels['MaxPool']!, AvgPool: be.kernels['AvgPool']! };
    let calls = 0;
    for (const k of ['MaxPool', 'AvgPool'] as const) {
      be.kernels[k] = (args) => {
        calls++;
        return saved[k](args);
      };
    }
    try {
      const m = await tf.maxPool3d(x, [1e6, 1, 1], 1, 'same').data();
      const a = await tf.avgPool3d(x, [1e6, 1, 1], 1, 'same').data();
      // One 2-D pooling per depth tap: at most in + (out − 1) = 7 per op, not 10^6.
      assert.ok(calls <= 14, `${calls} 2-D poolings`);
      for (let d = 0; d < D; d++) for (let p = 0; p < H * W * C; p++) {
        let best = -Infinity, sum = 0;
        for (let e = 0; e < D; e++) {
          best = Math.max(best, xv[e * H * W * C + p]!);
          sum += xv[e * H * W * C + p]!;
        }
        assert.equal(m[d * H * W * C + p], best);
        assert.ok(Math.abs(a[d * H * W * C + p]! - sum / D) < 1e-6);
      }
    } finally {
      Object.assign(be.kernels, saved);
    }
  });
});
