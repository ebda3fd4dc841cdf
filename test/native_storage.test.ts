/**
 * The native backend's tensor storage (src/backends/native/backend.ts): kernel outputs of
 * ≥ 1024 floats are 64-byte aligned views into V8 ArrayBuffers; a disposed output's array goes
 * back to a pool and the next output of its length reuses it; arrays handed out by readSync are
 * never recycled (dataSync copies, so what it read is); shared storage (reshape) is released only with its last tensor; pooled
 * outputs that reference kernels read get zero-filled; and a synchronous loop that never
 * disposes stays bounded (plain V8 memory: the GC frees it with no deferred finalizer).
 * Skipped when the addon is not built.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '../src/index.ts';
import { loadNativeAddon, NativeBackend, nativeLoadError } from '../src/backends/native/index.ts';
import { PooledBackend } from '../src/backends/pooled.ts';

const addon = loadNativeAddon();
const skip = addon ? false : `native addon not built (${nativeLoadError() ?? 'missing'})`;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function onNative<T>(fn: (be: NativeBackend) => T): T {
  const prev = tf.getBackend();
  tf.ENGINE.setBackendSync('native');
  try {
    return fn(tf.ENGINE.backend as NativeBackend);
  } finally {
    tf.ENGINE.setBackendSync(prev);
  }
}

describe('storage pool eviction', () => {
  it('a full pool makes room by evicting the least recently asked-for lengths (IDEM_POOL_MB caps it; 2048 MiB by default in Node.js)', () => {
    const prev = process.env['IDEM_POOL_MB'];
    process.env['IDEM_POOL_MB'] = String((100000 * 4) / 1048576);  // room for 100,000 floats
    let be: PooledBackend;
    try {
      be = new PooledBackend({ name: 'pool-test' }, null, true);
    } finally {
      if (prev === undefined) delete process.env['IDEM_POOL_MB'];
      else process.env['IDEM_POOL_MB'] = prev;
    }
    const mk = (n: number) => be.make(be.allocF32(n), [n], 'float32');
    const stats = () => be.storageStats()!;
    const [a, b] = [mk(40000), mk(30000)];
    be.disposeData(a.dataId);
    be.disposeData(b.dataId);
    assert.equal(stats().pooledBytes, 70000 * 4);
    const a2 = mk(40000);  // reuses A: 40000 is now the most recently asked-for length
    assert.equal(stats().pooledBytes, 30000 * 4);
    be.disposeData(a2.dataId);
    const c = mk(40000);  // a fresh one (the pooled one is taken)
    const c2 = mk(40000);
    be.disposeData(c.dataId);
    be.disposeData(c2.dataId);  // 110,000 floats would exceed the cap: B (30000, least recent) is evicted
    assert.equal(stats().pooledBytes, 80000 * 4);
    const r0 = stats().reuses;
    mk(30000);
    assert.equal(stats().reuses, r0, 'B was evicted');
    mk(40000);
    assert.equal(stats().reuses, r0 + 1, 'the 40000-float arrays stayed');
    const big = mk(200000);
    be.disposeData(big.dataId);  // larger than the whole cap: not pooled, nothing evicted for it
    assert.equal(stats().pooledBytes, 40000 * 4);
  });
});

describe('native tensor storage pool', { skip }, () => {
  it('outputs are 64-byte aligned; a disposed output is reused by the next output of its length', () =>
    onNative((be) => {
      const align = (addon as unknown as { alignOffset(b: ArrayBuffer): number }).alignOffset;
      const a = tf.fill([64, 64], 1.5);
      const b = tf.fill([64, 64], 2);
      const c0 = tf.add(a, b);
      const arr0 = be.values(c0);
      assert.equal(arr0.byteOffset, align(arr0.buffer as ArrayBuffer), 'first element on a 64-byte boundary');
      c0.dispose();
      const s0 = be.storageStats()!;
      const c = tf.add(a, b);
      const s1 = be.storageStats()!;
      assert.equal(s1.allocs - s0.allocs, 1, 'one pooled allocation');
      assert.equal(s1.reuses - s0.reuses, 1, 'served from the pool');
      assert.equal(be.values(c), arr0, 'the same array');
      assert.ok(Array.from(c.dataSync()).every((x) => x === 3.5), 'values right');
      assert.equal(s0.pooledBytes - s1.pooledBytes, 64 * 64 * 4, 'left the pool');
      tf.dispose([a, b, c]);
    }));

  it('matMul frees its rank-3 views when nothing records, so the storage of a disposed product is reused by the next one', () =>
    onNative((be) => {
      const a = tf.fill([96, 80], 0.5), b = tf.fill([80, 72], 2);
      tf.matMul(a, b).dispose();
      const s0 = be.storageStats()!;
      for (let i = 0; i < 5; i++) {
        const c = tf.matMul(a, b);
        assert.equal(c.dataSync()[0], 80);
        c.dispose();
      }
      const s1 = be.storageStats()!;
      assert.equal(s1.reuses - s0.reuses, 5, 'every product reused the storage of the one before');
      // Under a tape the views stay (the gradient needs them) and the gradient is right.
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.matMul(x, b)))(a);
      assert.equal(g.dataSync()[0], 144);
      tf.dispose([a, b, g]);
    }));

  it('an array handed out by readSync is never recycled, even after dispose', () =>
    onNative(() => {
      const a = tf.fill([50, 50], 3);
      const t = tf.mul(a, a);
      const v = tf.ENGINE.readSync(t);
      t.dispose();
      const others = Array.from({ length: 5 }, () => tf.mul(a, tf.scalar(-1)));
      assert.equal(v.length, 2500);
      assert.ok(v.every((x) => x === 9), 'values kept');
      tf.dispose([a, ...others]);
    }));

  it('dataSync returns a copy, so the storage it read goes back to the pool on dispose', () =>
    onNative((be) => {
      const a = tf.fill([50, 50], 3);
      const t = tf.mul(a, a);
      const v = t.dataSync();
      assert.notEqual(v.buffer, be.values(t).buffer, 'a copy, not the storage');
      const before = be.storageStats()!.pooledBytes;
      t.dispose();
      assert.equal(be.storageStats()!.pooledBytes - before, 2500 * 4, 'the storage was recycled');
      const others = Array.from({ length: 5 }, () => tf.mul(a, tf.scalar(-1)));
      assert.ok(v.every((x) => x === 9), 'the copy keeps its values while the storage is reused');
      tf.dispose([a, ...others]);
    }));

  it('storage shared by reshape is released with its last tensor', () =>
    onNative((be) => {
      const a = tf.fill([40, 40], 2);
      const t = tf.add(a, a);
      const arr = be.values(t);
      const r = tf.reshape(t, [1600]);
      t.dispose();
      const again = tf.add(a, a); // must not get r's array
      assert.notEqual(be.values(again), arr, 'still owned by the reshape');
      assert.ok(Array.from(r.dataSync()).every((x) => x === 4), 'reshaped values intact');
      tf.dispose([again, a, r]);
    }));

  it('zero-filled storage for reference kernels, and results equal the reference backend', () => {
    const run = (backend: string) => {
      tf.ENGINE.setBackendSync(backend);
      const x = tf.tensor(Float32Array.from({ length: 2048 }, (_, i) => Math.sin(i)), [32, 64]);
      // Dirty pooled arrays of the sizes used below.
      for (const n of [35 * 71, 3 * 1200, 32 * 128, 2048]) tf.dispose(tf.add(tf.fill([n], 7), tf.fill([n], 1)));
      return [tf.pad(x, [[1, 2], [3, 4]]), tf.oneHot(tf.tensor([1, 5, 7], [3], 'int32'), 1200), tf.concat([x, x], 1), tf.transpose(x)].map((t) => Array.from(t.dataSync()));
    };
    const prev = tf.getBackend();
    try {
      assert.deepEqual(run('native'), run('reference'));
    } finally {
      tf.ENGINE.setBackendSync(prev);
    }
  });

  it('a synchronous loop of 20,000 undisposed 16 KiB outputs stays bounded (327 MB allocated)', () =>
    onNative(() => {
      const a = tf.fill([64, 64], 1);
      gc();
      const before = process.memoryUsage().arrayBuffers;
      let last: tf.Tensor | null = null;
      for (let i = 0; i < 20000; i++) last = tf.add(a, a); // never disposed, no event-loop turn
      assert.ok(last!.dataSync()[0] === 2, 'computes');
      // Two collections: V8 may release the backing stores of arrays that one full GC found dead
      // only at the next (one GC left up to 60 MB on CI's machine; the second always frees them).
      gc();
      gc();
      const grown = process.memoryUsage().arrayBuffers - before;
      assert.ok(grown < 32 * 1024 * 1024, `array buffers grew by ${(grown / 1e6).toFixed(1)} MB`);
      a.dispose();
    }));
});
