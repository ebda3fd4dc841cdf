/**
 * The WebGPU backend, loaded on first use: `tf.setBackend('webgpu')` (the lazy registration,
 * priority −1, never picked by default) and `tf.registerWebGPUBackend(options)` import
 * `./webgpu/index.ts` dynamically, so its kernels (WGSL sources included) stay out of the
 * browser bundle's core until a page asks for WebGPU (they form a chunk of their own).
 */
import type { Engine } from '../core/engine.ts';
import { IdemError } from '../core/errors.ts';
import type { WebGPUBackend, WebGPUOptions } from './webgpu/index.ts';

type WebGPUModule = typeof import('./webgpu/index.ts');
let mod: Promise<WebGPUModule> | null = null;

/** The WebGPU backend's module, imported once. */
export function webgpuModule(): Promise<WebGPUModule> {
  mod ??= import('./webgpu/index.ts').catch((e: unknown) => {
    mod = null;
    throw e;
  });
  return mod;
}

/** Registers 'webgpu' so that `await tf.setBackend('webgpu')` creates it (see the file comment). */
export function registerLazyWebGPU(engine: Engine): boolean {
  return engine.registerBackend('webgpu', async () => {
    const be = await (await webgpuModule()).createWebGPUBackend();
    if (typeof be === 'string') throw new IdemError(`setBackend('webgpu'): ${be}`);
    return be;
  }, -1);
}

/** `tf.registerWebGPUBackend(options)`: the backend on the first adapter found, ranked by it; null without one. */
export async function registerWebGPU(engine: Engine, options: WebGPUOptions = {}): Promise<WebGPUBackend | null> {
  return (await webgpuModule()).registerWebGPUBackend(engine, options);
}
