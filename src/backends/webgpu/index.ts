/**
 * WebGPU backend registration.
 *
 * - `registerWebGPUBackend(engine, {gpu?})` (async): finds a GPU — `options.gpu`, else the
 *   browser's `navigator.gpu`, else (Node) the optional `webgpu` package (Dawn), loaded by a
 *   dynamic import so that idem installs and runs without it — requests an adapter and a device,
 *   and registers 'webgpu' ranked by the adapter: priority 1.25 on a fallback (software) adapter
 *   such as SwiftShader (below `native` 2 and `wasm` 1.5: it is never the default there), 3 on a
 *   hardware adapter (above them). Returns the backend, or null when there is no adapter.
 * - `registerLazyWebGPUBackend(engine)`: registers 'webgpu' (priority −1, never the implicit
 *   default) whose factory does the above on first use, so `await tf.setBackend('webgpu')`
 *   works with no set-up where a GPU is reachable, and fails with an error that says what is
 *   missing where none is.
 */
import type { Engine } from '../../core/engine.ts';
import { IdemError } from '../../core/errors.ts';
import { requestDevice, WebGPUBackend, type WebGPUBackendOptions } from './backend.ts';
import type { GPULike } from './gpu.ts';
import { convKernels } from './kernels_conv.ts';
import { elementwiseKernels } from './kernels_elementwise.ts';
import { fusedKernels } from './kernels_fused.ts';
import { matmulKernels } from './kernels_matmul.ts';
import { reduceKernels } from './kernels_reduce.ts';
import { rnnKernels } from './kernels_rnn.ts';
import { seqKernels } from './kernels_seq.ts';
import { shapeKernels } from './kernels_shape.ts';

export { WebGPUBackend, GPUData, type WebGPUMemory, type WebGPUBackendOptions, type Program } from './backend.ts';
export { GEMM_CHOICE, type GemmKind } from './kernels_matmul.ts';
export type { GPULike } from './gpu.ts';

/** Every kernel the backend runs in WGSL (the rest run the reference kernel on host values, or throw). */
export const WEBGPU_KERNELS: Record<string, import('../../core/backend.ts').KernelFunc> = {
  ...elementwiseKernels,
  ...matmulKernels,
  ...reduceKernels,
  ...shapeKernels,
  ...convKernels,
  ...fusedKernels,
  ...seqKernels,
  ...rnnKernels,
};

export interface WebGPUOptions extends WebGPUBackendOptions {
  /** A WebGPU `GPU` object (Node: `create([])` from the `webgpu` package); default: navigator.gpu, then the `webgpu` package. */
  gpu?: GPULike;
  powerPreference?: 'low-power' | 'high-performance';
  /** Registration priority; default 1.25 on a fallback adapter, 3 on hardware. */
  priority?: number;
}

/** `navigator.gpu` where the JavaScript engine has one. */
function navigatorGpu(): GPULike | undefined {
  return (globalThis as { navigator?: { gpu?: GPULike } }).navigator?.gpu;
}

/** The optional `webgpu` package (Node), or null with the reason. */
async function nodeGpu(): Promise<GPULike | string> {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  if (!g.process?.versions?.node) return 'this JavaScript engine has no navigator.gpu';
  const specifier = 'webgpu';
  try {
    const mod = (await import(/* @vite-ignore */ specifier)) as { create?: (flags: string[]) => GPULike; globals?: object };
    if (typeof mod.create !== 'function') return "the 'webgpu' package has no create()";
    // Dawn's constants (GPUBufferUsage, …) as globals, as its README does; idem itself uses numbers.
    if (mod.globals) for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    return mod.create([]);
  } catch (e) {
    return `the optional 'webgpu' package is not installed or did not load (npm install webgpu): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
}

/** Creates the backend on the first GPU found, or returns why there is none. */
export async function createWebGPUBackend(options: WebGPUOptions = {}): Promise<WebGPUBackend | string> {
  let gpu: GPULike | string | undefined = options.gpu ?? navigatorGpu();
  if (!gpu) gpu = await nodeGpu();
  if (typeof gpu === 'string') return gpu;
  const dev = await requestDevice(gpu, options.powerPreference);
  if (!dev) {
    return 'no WebGPU adapter was found (Node: a Vulkan, Metal or D3D12 driver is needed — on Linux without a GPU, SwiftShader: ' +
      'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json with libvulkan1; Chromium: --enable-unsafe-webgpu)';
  }
  return new WebGPUBackend(gpu, dev.adapter, dev.device, WEBGPU_KERNELS, options);
}

export async function registerWebGPUBackend(engine: Engine, options: WebGPUOptions = {}): Promise<WebGPUBackend | null> {
  const existing = engine.findBackend('webgpu');
  if (existing instanceof WebGPUBackend) return existing;
  const be = await createWebGPUBackend(options);
  if (typeof be === 'string') return null;
  const priority = options.priority ?? (be.isFallbackAdapter ? 1.25 : 3);
  engine.removeBackend('webgpu');
  engine.registerBackend('webgpu', () => be, priority);
  return be;
}

export function registerLazyWebGPUBackend(engine: Engine): boolean {
  return engine.registerBackend('webgpu', async () => {
    const be = await createWebGPUBackend();
    if (typeof be === 'string') throw new IdemError(`setBackend('webgpu'): ${be}`);
    return be;
  }, -1);
}
