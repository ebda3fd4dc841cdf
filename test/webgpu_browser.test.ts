/**
 * The WebGPU backend in headless Chromium (Debian's /usr/bin/chromium with
 * --enable-unsafe-webgpu: `navigator.gpu` on SwiftShader): the backend, ops, layers and training
 * code bundled for the browser by esbuild (Node built-ins that only file IO uses are replaced by
 * empty modules: the WebGPU backend itself imports none), then the W1 MLP trains 3 steps there
 * with losses within 1e-5 of the wasm backend in Node (same seeds: same weights and dropout
 * masks), and a matMul equals wasm's bit for bit. Skipped, saying why, without Chromium or an
 * adapter in it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import * as tf from '../src/index.ts';
import { rand } from './webgpu_util.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = fs.existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it): WebGPU browser test skipped`;
if (skip) console.log(`# ${skip}`);

const ENTRY = `
import * as ops from '../src/ops/index.ts';
import { ENGINE } from '../src/core/engine.ts';
import { registerWebGPUBackend } from '../src/backends/webgpu/index.ts';
import { setSeed } from '../src/random/seed.ts';
import * as layers from '../src/layers/index.ts';
import { sequential } from '../src/models/index.ts';
import { train } from '../src/optimizers/index.ts';
import { kerasLosses } from '../src/losses/keras.ts';
export async function run(xs, ys, n, steps) {
  const be = await registerWebGPUBackend(ENGINE);
  if (!be) return { error: 'no adapter' };
  await ENGINE.setBackend('webgpu');
  const info = be.adapterInfo;
  setSeed(42);
  layers.resetLayerNames();
  const model = sequential();
  for (let i = 0; i < 4; i++) {
    model.add(layers.layers.dense({ units: 256, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
    model.add(layers.layers.dropout({ rate: 0.3 }));
  }
  model.add(layers.layers.dense({ units: 10 }));
  model.compile({ optimizer: train.adam(1e-3), loss: kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
  const losses = [];
  for (let s = 0; s < steps; s++) {
    const x = ops.tensor(Float32Array.from(xs[s]), [n, 784]);
    const y = ops.tensor(Float32Array.from(ys[s]), [n, 10]);
    losses.push(await model.trainOnBatchAsync(x, y));
  }
  const a = ops.tensor(Float32Array.from(xs[0]).subarray(0, 37 * 53), [37, 53]);
  const prod = Array.from(await ops.matMul(a, ops.transpose(a)).data());
  return { losses, prod, adapter: [info.vendor, info.architecture, info.description].join(' / '), fallback: be.isFallbackAdapter, fallbacks: [...be.fallbacks] };
}
`;

async function bundle(dir: string): Promise<string> {
  const entry = path.join(dir, 'entry.js');
  fs.writeFileSync(entry, ENTRY.replaceAll("'../src/", `'${path.resolve(import.meta.dirname, '../src')}/`));
  const r = await build({
    entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent',
    plugins: [{
      name: 'no-node-builtins',
      setup(b) {
        b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'stub' }));
        b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
      },
    }],
  });
  return r.outputFiles[0]!.text;
}

function mnistLike(n: number, steps: number): { xs: number[][]; ys: number[][] } {
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let s = 0; s < steps; s++) {
    xs.push(Array.from(rand(n * 784, 10 + s, 0, 1)));
    const y = new Array<number>(n * 10).fill(0);
    rand(n, 20 + s, 0, 10).forEach((v, i) => (y[i * 10 + Math.floor(v)] = 1));
    ys.push(y);
  }
  return { xs, ys };
}

describe('webgpu in Chromium', () => {
  it('W1 trains 3 steps within 1e-5 of wasm; matMul bit-identical to wasm', { skip, timeout: 240_000 }, async (t) => {
    const n = 16;
    const steps = 3;
    const { xs, ys } = mnistLike(n, steps);
    // The same model on wasm in Node.
    await tf.setBackend('wasm');
    tf.setSeed(42);
    tf.resetLayerNames();
    const model = tf.sequential();
    for (let i = 0; i < 4; i++) {
      model.add(tf.layers.dense({ units: 256, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
      model.add(tf.layers.dropout({ rate: 0.3 }));
    }
    model.add(tf.layers.dense({ units: 10 }));
    model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) });
    const want: number[] = [];
    for (let s = 0; s < steps; s++) want.push(model.trainOnBatch(tf.tensor(xs[s]!, [n, 784]), tf.tensor(ys[s]!, [n, 10])) as number);
    const a = tf.tensor(Float32Array.from(xs[0]!).subarray(0, 37 * 53), [37, 53]);
    const prod = Array.from(tf.matMul(a, tf.transpose(a)).dataSync());

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-webgpu-browser-'));
    const code = await bundle(dir);
    const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      // A file: page is a secure context (navigator.gpu exists only in those).
      fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>idem webgpu</title>');
      await page.goto(`file://${path.join(dir, 'index.html')}`);
      const hasGpu = await page.evaluate(async () => {
        const g = (globalThis as unknown as { navigator: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator.gpu;
        return !!g && !!(await g.requestAdapter());
      });
      if (!hasGpu) return t.skip('Chromium has no WebGPU adapter here (--enable-unsafe-webgpu)');
      await page.addScriptTag({ content: `${code}\nwindow.__idem = { run };`.replace(/export\s*\{[^}]*\};?/g, ''), type: 'module' });
      await page.waitForFunction(() => (globalThis as unknown as { __idem?: unknown }).__idem !== undefined, null, { timeout: 30_000 });
      const got = await page.evaluate(([x, y, nn, st]) => (globalThis as unknown as { __idem: { run: (...a: unknown[]) => Promise<unknown> } }).__idem.run(x, y, nn, st), [xs, ys, n, steps] as const) as {
        losses: number[]; prod: number[]; adapter: string; fallback: boolean; fallbacks: unknown[]; error?: string;
      };
      assert.deepEqual(errors, []);
      assert.equal(got.error, undefined);
      console.log(`# Chromium WebGPU adapter: ${got.adapter} (fallback ${got.fallback})`);
      got.losses.forEach((l, i) => assert.ok(Math.abs(l - want[i]!) <= 1e-5 * Math.abs(want[i]!), `step ${i}: Chromium webgpu ${l} vs wasm ${want[i]}`));
      assert.deepEqual(got.prod, prod, 'matMul bit-identical to wasm');
      assert.deepEqual(got.fallbacks, []);
    } finally {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
