/**
 * Kernel names are typed (src/core/kernels.ts): a misspelt kernel, input or attribute does not
 * compile (the `@ts-expect-error` lines below are checked by `tsc` in `npm test`), and
 * `ENGINE.kernelReport` says what each backend's kernel table covers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/index.ts';
import { KERNEL_NAMES, NOT_DIFFERENTIABLE, kernelKind, type KernelName } from '../src/core/kernels.ts';
import { webgpuBackend } from './webgpu_util.ts';

describe('typed kernel names', () => {
  it('a misspelt kernel name, input or attribute is a compile error', () => {
    const x = tf.tensor([1, 2]);
    const calls = [
      // @ts-expect-error 'Ad' is no kernel
      () => tf.ENGINE.runKernel('Ad', { a: x, b: x }),
      // @ts-expect-error Add takes a and b, not x
      () => tf.ENGINE.runKernel('Add', { x, b: x }),
      // @ts-expect-error Sum's attribute is keepDims
      () => tf.ENGINE.runKernel('Sum', { x }, { axes: [0], keepDim: true }),
      // @ts-expect-error AdamUpdate's attributes are typed: beta1 is a number
      () => tf.ENGINE.runKernelMulti('AdamUpdate', {}, { alpha: 1, beta1: '0.9', beta2: 0.999, epsilon: 1e-7 }),
      // @ts-expect-error no gradient for a kernel that does not exist
      () => tf.ENGINE.registerGradient('Relu7', () => ({})),
      // @ts-expect-error mayUse asks about kernels only
      () => tf.ENGINE.mayUse('_FusedMatmul'),
    ];
    // At run time the same mistakes throw, naming the kernel.
    assert.throws(calls[0]!, /kernel 'Ad' is not implemented/);
    assert.equal(tf.ENGINE.runKernel('Add', { a: x, b: x }).dataSync()[1], 4);
  });

  it('every kernel name is listed once with its kind', () => {
    assert.equal(new Set(KERNEL_NAMES).size, KERNEL_NAMES.length);
    assert.equal(kernelKind('Add'), 'primitive');
    assert.equal(kernelKind('_FusedMatMul'), 'fused');
    assert.equal(kernelKind('AdamUpdate'), 'fused');
    assert.equal(kernelKind('_FusedMatMulGrad'), 'backward');
  });
});

describe('kernelReport: what a backend covers', () => {
  const fused = KERNEL_NAMES.filter((k) => kernelKind(k) !== 'primitive');
  for (const name of ['reference', 'native', 'wasm']) {
    it(`${name}: no primitive kernel missing, no unknown name, every differentiable kernel has a gradient`, async (t) => {
      if (!tf.ENGINE.backendNames().includes(name)) return t.skip(`${name} not registered`);
      await tf.ENGINE.initBackend(name);
      const r = tf.ENGINE.kernelReport(name);
      assert.deepEqual(r.missing, [], `${name} lacks primitive kernels`);
      assert.deepEqual(r.unknown, [], `${name} has kernels under names no op calls`);
      assert.deepEqual(r.withoutGradient, [], 'kernels without a gradient');
      // The reference backend has no fused kernel (the compositions are the definitions); the native one all.
      if (name === 'reference') assert.deepEqual(r.missingFused, fused);
      if (name === 'native') assert.deepEqual(r.missingFused, []);
      if (name === 'wasm') assert.ok(!r.missingFused.includes('AdamUpdate') && !r.missingFused.includes('_FusedMatMul'));
    });
  }

  it('webgpu: no primitive kernel missing and the fused optimizer kernels present', async (t) => {
    const be = await webgpuBackend();
    if (typeof be === 'string') return t.skip(be);
    const r = tf.ENGINE.kernelReport('webgpu');
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.unknown, []);
    for (const k of ['AdamUpdate', 'SGDUpdate', 'RMSpropUpdate'] as const) assert.ok(!r.missingFused.includes(k), k);
  });

  it('a backend that lacks a kernel, or spells one wrong, is reported when it is instantiated', () => {
    const ref = new tf.ReferenceBackend();
    const kernels: Record<string, tf.KernelFunc> = { ...ref.kernels, Addd: ref.kernels['Add']! };
    delete kernels['Add'];
    delete kernels['Relu'];
    const partial = Object.assign(Object.create(Object.getPrototypeOf(ref)), ref, { kernels });
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => void warnings.push(m);
    try {
      tf.ENGINE.registerBackend('partial-test', () => partial, 0);
      const r = tf.ENGINE.kernelReport('partial-test');
      assert.deepEqual(r.missing, ['Add', 'Relu']);
      assert.deepEqual(r.unknown, ['Addd']);
    } finally {
      console.warn = warn;
      tf.ENGINE.removeBackend('partial-test');
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /backend 'partial-test' lacks 2 kernel\(s\) ops call \(Add, Relu\); has kernels no op calls \(Addd: misspelt\?\)/);
  });

  it('a kernel without a gradient is reported unless it is not differentiable by design', () => {
    const kernels = KERNEL_NAMES.filter((k) => !NOT_DIFFERENTIABLE.has(k));
    const saved = tf.ENGINE.getGradient('Erf')!;
    assert.ok(kernels.includes('Erf' as KernelName) && saved);
    const engine = tf.ENGINE as unknown as { gradients: Map<string, unknown> };
    engine.gradients.delete('Erf');
    try {
      assert.deepEqual(tf.ENGINE.kernelReport('reference').withoutGradient, ['Erf']);
    } finally {
      tf.ENGINE.registerGradient('Erf', saved);
    }
    assert.deepEqual(tf.ENGINE.kernelReport('reference').withoutGradient, []);
  });
});
