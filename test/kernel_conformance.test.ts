/**
 * Runs the shared kernel-conformance suite (test/kernel_conformance.ts) on every backend present
 * against the reference backend, and checks that the suite reaches every primitive kernel each
 * backend implements itself (a kernel a backend adds must get a case here; fused kernels are
 * checked against their compositions in their own tests).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { kernels as referenceKernels } from '../src/backends/reference/kernels/index.ts';
import { kernelKind, type KernelName } from '../src/core/kernels.ts';
import { CASES, type ConformanceCase } from './kernel_conformance.ts';
import { webgpuBackend } from './webgpu_util.ts';

type Values = { values: Float32Array | Int32Array | Uint8Array; shape: number[]; dtype: string }[];

/** Runs a case on `backend`, recording the kernels it reaches; returns the outputs' values. */
async function runOn(backend: string, c: ConformanceCase, reached?: Set<string>): Promise<Values> {
  await tf.setBackend(backend);
  const be = tf.ENGINE.backend as unknown as { kernels: Record<string, tf.KernelFunc> };
  const kernels = be.kernels;
  if (reached) {
    const spy = new Proxy(kernels, { get: (k, name: string) => (reached.add(name), k[name]) });
    Object.defineProperty(be, 'kernels', { value: spy, configurable: true, writable: true });
  }
  try {
    tf.setSeed(1);
    const out = c.run();
    const list = Array.isArray(out) ? out : [out];
    const vals: Values = [];
    for (const y of list) vals.push({ values: (await y.data()) as Float32Array, shape: y.shape.slice(), dtype: y.dtype });
    return vals;
  } finally {
    if (reached) Object.defineProperty(be, 'kernels', { value: kernels, configurable: true, writable: true });
  }
}

function compare(c: ConformanceCase, got: Values, want: Values, backend: string): void {
  assert.equal(got.length, want.length, `${backend} ${c.name}: number of outputs`);
  got.forEach((g, i) => {
    const w = want[i]!;
    const what = `${backend} ${c.name}: output ${i}`;
    assert.deepEqual(g.shape, w.shape, `${what}: shape`);
    assert.equal(g.dtype, w.dtype, `${what}: dtype`);
    assert.equal(g.values.length, w.values.length, `${what}: size`);
    const exact = c.exact && c.close?.[backend] === undefined;
    const tol = c.close?.[backend] ?? c.tol ?? 1e-5;
    for (let j = 0; j < g.values.length; j++) {
      const a = g.values[j]!;
      const b = w.values[j]!;
      if (exact) {
        if (!Object.is(a, b)) assert.fail(`${what}[${j}]: ${Object.is(a, -0) ? '-0' : a} vs the reference's ${Object.is(b, -0) ? '-0' : b} (bit for bit)`);
      } else if (!(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b))) && !(Number.isNaN(a) && Number.isNaN(b))) {
        assert.fail(`${what}[${j}]: ${a} vs the reference's ${b} (tolerance ${tol})`);
      }
    }
  });
}

const initial = tf.getBackend();
const expected = new Map<string, Values>();

before(async () => {
  for (const c of CASES) expected.set(c.name, await runOn('reference', c));
});

after(async () => {
  await tf.setBackend(initial);
});

/** The kernels `backend` implements itself (not inherited from the reference table), primitives only. */
function ownPrimitives(backend: string): string[] {
  const kernels = tf.ENGINE.findBackend(backend)!.kernels;
  return Object.keys(kernels).filter((k) => kernels[k] !== referenceKernels[k] && kernelKind(k as KernelName) === 'primitive');
}

for (const backend of ['native', 'wasm', 'webgpu']) {
  describe(`kernel conformance: ${backend} against the reference`, () => {
    let skip: string | false = false;
    const reached = new Set<string>();
    before(async () => {
      if (backend === 'webgpu') {
        const be = await webgpuBackend();
        if (typeof be === 'string') skip = be;
      } else if (!tf.ENGINE.backendNames().includes(backend)) {
        skip = `${backend} is not registered`;
      } else {
        try {
          await tf.ENGINE.initBackend(backend);
        } catch (e) {
          skip = `${backend} unavailable: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
    });
    for (const c of CASES) {
      it(c.name, async (t) => {
        if (skip) return t.skip(skip);
        compare(c, await runOn(backend, c, reached), expected.get(c.name)!, backend);
      });
    }
    it(`the cases reach every primitive kernel ${backend} implements itself`, (t) => {
      if (skip) return t.skip(skip);
      const own = ownPrimitives(backend);
      assert.ok(own.length > 0, `${backend} implements kernels of its own`);
      const missing = own.filter((k) => !reached.has(k));
      assert.deepEqual(missing, [], `${backend}: kernels no conformance case reaches`);
    });
  });
}
