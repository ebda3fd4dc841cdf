/**
 * Test helpers: value assertions and finite-difference gradient checks.
 *
 * `checkGrad(f, inputs)` runs on the float64 reference backend ('reference64'): analytic
 * gradients from `tf.grads` of `sum(f(...xs) * w)` (random weights w make every output matter)
 * are compared with central differences, element by element.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '../src/index.ts';

export function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, msg = ''): void {
  assert.equal(actual.length, expected.length, `${msg} length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${msg} [${i}]: expected NaN, got ${a}`);
      continue;
    }
    if (a === e) continue;
    const err = Math.abs(a - e);
    assert.ok(err <= tol * Math.max(1, Math.abs(e)), `${msg} [${i}]: ${a} vs expected ${e} (|diff| ${err} > tol ${tol})`);
  }
}

/** Asserts a tensor's shape and values (flat or nested arrays). */
export function expectTensor(t: tf.Tensor, expected: tf.NestedValues, shape?: number[], tol = 1e-5): void {
  if (shape) assert.deepEqual(t.shape, shape, `shape ${JSON.stringify(t.shape)} vs ${JSON.stringify(shape)}`);
  const flat: number[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v) || ArrayBuffer.isView(v)) for (const e of v as ArrayLike<unknown> & Iterable<unknown>) walk(e);
    else flat.push(typeof v === 'boolean' ? (v ? 1 : 0) : (v as number));
  };
  walk(expected);
  close(Array.from(t.dataSync()), flat, tol);
}

/** Deterministic pseudo-random numbers for tests (no Math.random): a small LCG. */
export function rng(seed = 1): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function randTensor(shape: number[], seed = 1, lo = -1, hi = 1): tf.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Array<number>(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * r();
  return tf.tensor(v, shape, 'float32');
}

export interface GradCheckOptions {
  eps?: number;
  tol?: number;
  seed?: number;
}

/** Checks tf.grads(f) against central finite differences in float64. Inputs are plain value arrays + shapes. */
export function checkGrad(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: { values: number[]; shape: number[] }[],
  opts: GradCheckOptions = {},
): void {
  const eps = opts.eps ?? 1e-6;
  const tol = opts.tol ?? 1e-5;
  const prev = tf.getBackend();
  tf.ENGINE.setBackendSync('reference64');
  try {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape, 'float32'));
    const y0 = f(...xs);
    const r = rng(opts.seed ?? 7);
    const wv = Array.from({ length: y0.size }, () => 0.5 + r());
    const w = tf.tensor(wv, y0.shape, 'float32');
    const loss = (...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w));
    const analytic = tf.grads(loss)(xs).map((g) => Array.from(g.dataSync()));
    inputs.forEach((inp, k) => {
      for (let j = 0; j < inp.values.length; j++) {
        const at = (delta: number): number => {
          const vals = inp.values.slice();
          vals[j]! += delta;
          const args = xs.map((x, m) => (m === k ? tf.tensor(vals, inp.shape, 'float32') : x));
          return loss(...args).dataSync()[0]!;
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        const a = analytic[k]![j]!;
        const err = Math.abs(a - numeric);
        assert.ok(
          err <= tol * Math.max(1, Math.abs(numeric)),
          `gradient of input ${k} at [${j}]: analytic ${a} vs numeric ${numeric} (|diff| ${err})`,
        );
      }
    });
  } finally {
    tf.ENGINE.setBackendSync(prev);
  }
}

/** Random values for checkGrad inputs. */
export function randInput(shape: number[], seed = 1, lo = -1, hi = 1): { values: number[]; shape: number[] } {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { values: Array.from({ length: n }, () => lo + (hi - lo) * r()), shape };
}

export function expectThrows(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, 'expected an Error');
    assert.match(e.message, pattern);
    return true;
  });
}

/**
 * Makes sure dist/ (what `require('idem')` loads through the exports map; built by `npm ci`
 * through `prepare`) is newer than src/, rebuilding it with tsc when it is not.
 */
export function ensureDist(): void {
  const root = resolve(import.meta.dirname, '..');
  const dist = join(root, 'dist', 'index.js');
  const newest = (dir: string): number => readdirSync(dir).reduce((m, f) => {
    const p = join(dir, f);
    const s = statSync(p);
    return Math.max(m, s.isDirectory() ? newest(p) : s.mtimeMs);
  }, 0);
  if (existsSync(dist) && newest(join(root, 'src')) <= statSync(dist).mtimeMs) return;
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  } catch (e) {
    assert.fail(`npm run build failed: ${(e as { stdout?: string }).stdout ?? e}`);
  }
}

/** Runs `fn` on the native backend, then restores the backend that was current. */
export function onNative<T>(fn: () => T): T {
  const prev = tf.getBackend();
  tf.ENGINE.setBackendSync('native');
  try {
    return fn();
  } finally {
    tf.ENGINE.setBackendSync(prev);
  }
}

/** Same length and every element the same bits (Object.is: -0 and NaN included). */
export function bitsEqual(a: ArrayLike<number>, b: ArrayLike<number>, msg: string): void {
  assert.equal(a.length, b.length, `${msg}: lengths ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${msg}: element ${i} of ${a.length}: ${a[i]} vs ${b[i]}`);
  }
}
