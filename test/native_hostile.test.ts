/**
 * The native addon called with hostile sizes, each call in its own child process (a segfault or a
 * spin must show up as a failed test, not as a dead test runner): size products that wrap to 0 in
 * 64 bits (so empty arrays would pass the length checks), sizes of 2^31 and more, and loops whose
 * trip counts have no data behind them. Every call either throws a RangeError naming the kernel or
 * returns the right values, quickly.
 *
 * IDEM_NATIVE_ADDON=<path to idem_native.node> runs the same cases against another build (how the
 * cases were checked to crash or hang before the argument checks existed).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon, nativeLoadError } from '../src/backends/native/loader.ts';

const addonPath = process.env['IDEM_NATIVE_ADDON'] ?? fileURLToPath(new URL('../native/build/Release/idem_native.node', import.meta.url));
const skip = loadNativeAddon() ? false : `native addon not built (${nativeLoadError() ?? 'missing'})`;

/** Runs `body` (JavaScript using `a`, the addon, and `E`, an empty Float32Array) in a fresh Node process; returns what it printed. */
function inChild(body: string, timeoutMs = 60_000): { status: number | null; signal: string | null; out: string; timedOut: boolean } {
  const code = `
    const a = require(${JSON.stringify(addonPath)});
    const E = new Float32Array(0);
    const report = (f) => { try { const r = f(); console.log(JSON.stringify({ ok: true, value: r === undefined ? null : Array.from(r) })); }
      catch (e) { console.log(JSON.stringify({ ok: false, name: e.constructor.name, message: e.message })); } };
    ${body}`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, IDEM_NUM_THREADS: '1' } });
  return { status: r.status, signal: r.signal, out: `${r.stdout}${r.stderr}`, timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' };
}

function result(body: string): { ok: boolean; name?: string; message?: string; value?: number[] } {
  const r = inChild(body);
  assert.ok(!r.timedOut, `the call did not return within 60 s (a spin): ${body}`);
  assert.equal(r.signal, null, `the child process died of ${r.signal} (a crash): ${body}\n${r.out}`);
  assert.equal(r.status, 0, `the child process exited with ${r.status}: ${r.out}`);
  return JSON.parse(r.out.trim().split('\n').pop()!);
}

function rangeError(body: string, kernel: string): string {
  const r = result(`report(() => ${body});`);
  assert.equal(r.ok, false, `${body} returned instead of throwing`);
  assert.equal(r.name, 'RangeError', `${body}: ${r.name}: ${r.message}`);
  assert.match(r.message!, new RegExp(`idem native: ${kernel}`), `the message names the kernel: ${r.message}`);
  return r.message!;
}

// Int32Array geometry [batch, inH, inW, inC, outH, outW, outC, fh, fw, sh, sw, dh, dw, top, left].
const geo = (g: number[]) => `new Int32Array(${JSON.stringify(g)})`;

describe('native addon: hostile sizes never crash or spin (child processes)', { skip }, () => {
  it('batchMatMul: sizes of 2^32, and a batch·m·n that wraps to 0 with empty arrays', () => {
    const m = rangeError('a.batchMatMul(E, E, E, 1, 1, 1, 2 ** 32, 2 ** 32, 2 ** 32, false, false)', 'batchMatMul');
    assert.match(m, /m = 4294967296 is too large/);
    assert.match(rangeError('a.batchMatMul(E, E, E, 2 ** 22, 2 ** 22, 2 ** 22, 2 ** 21, 2 ** 21, 0, false, false)', 'batchMatMul'), /batch\*m\*n = 4194304\*2097152\*2097152 overflows/);
  });

  it('fusedMatMul: m = n = k = 2^32 with empty arrays, and an m·n that wraps', () => {
    rangeError('a.fusedMatMul(E, E, null, E, 2 ** 32, 2 ** 32, 2 ** 32, false, false, 0)', 'fusedMatMul');
    rangeError('a.fusedMatMul(E, E, null, E, 2 ** 30, 2 ** 30, 0, false, false, 0)', 'fusedMatMul');
  });

  it('softmax: outer·n·inner = 2^64 (wraps to 0) and a trip count with no data', () => {
    assert.match(rangeError('a.softmax(0, 2 ** 22, 2 ** 21, 2 ** 21, E, E, E)', 'softmax'), /outer\*n\*inner = .* overflows/);
    rangeError('a.softmax(2, 2 ** 30, 0, 2 ** 30, E, E, E)', 'softmax');
  });

  it('pool2d: batch·inH·inW·inC = 2^64 with empty arrays', () => {
    const g = geo([65536, 65536, 65536, 65536, 65536, 65536, 65536, 1, 1, 1, 1, 1, 1, 0, 0]);
    for (const op of [0, 1, 2, 3]) rangeError(`a.pool2d(${op}, ${g}, E, E, E)`, 'pool2d');
  });

  it('pool2d: a window far larger than the padded input costs its valid taps only (same values)', () => {
    // x [1, 8, 8, 1] = 0..63, 'same' pooling with a 2^30 window: every window covers the whole input.
    const big = 2 ** 30;
    const g = geo([1, 8, 8, 1, 8, 8, 1, big, big, 1, 1, 1, 1, big / 2 - 1, big / 2 - 1]);
    const x = 'Float32Array.from({ length: 64 }, (_, i) => i)';
    const max = result(`const out = new Float32Array(64); report(() => (a.pool2d(0, ${g}, ${x}, E, out), out));`);
    assert.equal(max.ok, true, max.message);
    assert.deepEqual(max.value, new Array(64).fill(63));
    const avg = result(`const out = new Float32Array(64); report(() => (a.pool2d(2, ${g}, ${x}, E, out), out));`);
    assert.equal(avg.ok, true, avg.message);
    assert.deepEqual(avg.value, new Array(64).fill(31.5));
  });

  it('conv2d: a geometry whose sizes wrap to 0, loops over empty arrays (a spin), a sum over nothing', () => {
    // x, y and w all have 2^64 elements: 0 after wrapping, so empty arrays matched.
    const g = geo([65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 1, 1, 1, 1, 0, 0]);
    for (const op of [0, 1, 2, 3, 4, 5]) rangeError(`a.conv2d(${op}, ${g}, E, E, E)`, 'conv2d');
    // No channels in or out: every array is empty, but 2^40 output pixels times 2^10 filter rows were looped over.
    const empty = geo([1024, 1, 1, 0, 32768, 32768, 0, 1024, 1, 1, 1, 1, 1, 0, 0]);
    for (const op of [0, 1, 2]) {
      const r = result(`report(() => a.conv2d(${op}, ${empty}, E, E, E));`);
      assert.equal(r.ok, true, r.message);
    }
    // inC = 0: x and w are empty, y [1, 1, 1, 1] is a sum over nothing.
    const spin = geo([1, 1, 1, 0, 1, 1, 1, 2 ** 20, 2 ** 20, 1, 1, 1, 1, 0, 0]);
    const r = result(`const out = new Float32Array([7]); report(() => (a.conv2d(0, ${spin}, E, E, out), out));`);
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(r.value, [0]);
    const f = geo([1, 1, 1, 1, 1, 1, 1, 2 ** 30, 2 ** 30, 1, 1, 1, 1, 0, 0]);
    rangeError(`a.conv2d(0, ${f}, new Float32Array(1), E, new Float32Array(1))`, 'conv2d');
  });

  it('conv2dFused: a geometry whose sizes wrap to 0; no input channels under a 2^25 x 2^25 filter gives the epilogue at once', () => {
    const g = geo([65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 1, 1, 1, 1, 0, 0]);
    rangeError(`a.conv2dFused(${g}, E, E, E, E, E, E, E, E, false)`, 'conv2dFused');
    // y = (0 + bias) + residual for each of 2 output channels.
    const spin = geo([1, 1, 1, 0, 1, 1, 2, 2 ** 25, 2 ** 25, 1, 1, 1, 1, 0, 0]);
    const r = result(`const y = new Float32Array(2); report(() => (a.conv2dFused(${spin}, E, E, y, new Float32Array([1.5, -2]), E, E, E, new Float32Array([0.25, 0.5]), false), y));`);
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(r.value, [1.75, -1.5]);
  });

  it('sum, batch norm: products that wrap, trip counts with no data', () => {
    rangeError('a.sum(E, E, 2 ** 31 - 1, 2 ** 31 - 1, 0)', 'sum');
    rangeError('a.sum(E, E, 2 ** 32, 1, 1)', 'sum');
    rangeError('a.batchNormForward(2 ** 32, 2 ** 32, 0.001, E, E, E, E, E, E)', 'batchNormForward');
    rangeError('a.batchNormForward(2 ** 30, 2 ** 30, 0.001, E, E, E, E, E, E)', 'batchNormForward');
    rangeError('a.batchNormBackward(2 ** 30, 2 ** 30, 0.001, E, E, E, E, E, E, E, E, E, E)', 'batchNormBackward');
  });

  it('the optimizer kernels and dropout: arrays that do not match the attributes, numbers out of range', () => {
    const adam = '{ alpha: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }';
    rangeError(`a.adamUpdate([E, E, E], [E], ${adam})`, 'AdamUpdate');
    rangeError('a.sgdUpdate([E, E, E], [E, E], { learningRate: 0.1, momentum: 0, nesterov: false })', 'SGDUpdate');
    const f = (n: number) => `new Float32Array(${n})`;
    const rms = '{ learningRate: 0.1, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false }';
    rangeError(`a.rmspropUpdate([${f(2)}, ${f(3)}, ${f(2)}, null, null], [${f(2)}, ${f(2)}, null, null], ${rms})`, 'RMSpropUpdate');
    const r = result(`report(() => a.adamUpdate([], [], { alpha: 1e300 * 1e300, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }));`);
    assert.equal(r.ok, false);
    assert.match(r.message!, /idem native: AdamUpdate attribute 'alpha' must be a finite number/);
    rangeError('a.dropout(null, null, new Float32Array(4), 1, 2, 3, 4, NaN, 1)', 'dropout');
  });
});
