/**
 * Getting a WebGPU adapter for tests: Node's optional `webgpu` package (Dawn) on the SwiftShader
 * Vulkan driver that Debian's Chromium ships (VK_ICD_FILENAMES, set here when that file exists
 * and the variable is not), else nothing — callers skip with the reason.
 */
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import * as tf from '../src/index.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let ready: Promise<tf.WebGPUBackend | string> | null = null;

/** The registered webgpu backend, or why there is none. */
export function webgpuBackend(): Promise<tf.WebGPUBackend | string> {
  ready ??= (async () => {
    if (!process.env['VK_ICD_FILENAMES'] && existsSync(SWIFTSHADER_ICD)) process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
    try {
      const be = await tf.registerWebGPUBackend();
      if (!be) return `no WebGPU adapter (VK_ICD_FILENAMES=${process.env['VK_ICD_FILENAMES'] ?? 'unset'}; needs libvulkan1 and ${SWIFTSHADER_ICD} from Debian's chromium, or a GPU)`;
      return be;
    } catch (e) {
      return `WebGPU unavailable: ${e instanceof Error ? e.message : String(e)}`;
    }
  })();
  return ready;
}

/**
 * A test file's webgpu backend: registered before its tests (or why it cannot be, printed once and
 * given to `t.skip`), and the CPU backend set back after them.
 */
export function webgpuSuite(what: string): { be: tf.WebGPUBackend | null; skip: string | false } {
  const gpu: { be: tf.WebGPUBackend | null; skip: string | false } = { be: null, skip: false };
  before(async () => {
    const r = await webgpuBackend();
    if (typeof r === 'string') gpu.skip = r;
    else gpu.be = r;
    if (gpu.skip) console.log(`# ${what} skipped: ${gpu.skip}`);
  });
  after(() => {
    void tf.setBackend(tf.ENGINE.backendNames().includes('native') ? 'native' : 'wasm');
  });
  return gpu;
}

/** Counts the calls of these kernels on a backend while fn runs (each kernel wrapped, then put back). */
export async function counting<R>(be: tf.KernelBackend, names: string[], fn: () => Promise<R>): Promise<[R, Record<string, number>]> {
  const table = be.kernels as Record<string, tf.KernelFunc>;
  const saved = names.map((n) => table[n]!);
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  names.forEach((n, i) => (table[n] = (args) => (counts[n]!++, saved[i]!(args))));
  try {
    return [await fn(), counts];
  } finally {
    names.forEach((n, i) => (table[n] = saved[i]!));
  }
}

/** A deterministic fill in [lo, hi) (LCG; no Math.random). */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const v = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = lo + (s / 4294967296) * (hi - lo);
  }
  return v;
}

export interface Diff {
  maxAbs: number;
  maxRel: number;
  mismatches: number;
  first: string;
}

/** Element-wise comparison (NaN equals NaN; ±0 distinguished only when `exact`). */
export function compare(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number, exact = false): Diff {
  let maxAbs = 0;
  let maxRel = 0;
  let mismatches = 0;
  let first = '';
  if (a.length !== b.length) return { maxAbs: Infinity, maxRel: Infinity, mismatches: Math.max(a.length, b.length), first: `lengths ${a.length} vs ${b.length}` };
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    const same = exact ? Object.is(x, y) : x === y;
    if (same) continue;
    const d = Math.abs(x - y);
    const r = d / Math.max(Math.abs(y), 1e-30);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, r);
    if (exact || !(d <= atol + rtol * Math.abs(y))) {
      if (!mismatches) first = `[${i}] ${x} vs ${y}`;
      mismatches++;
    }
  }
  return { maxAbs, maxRel, mismatches, first };
}
