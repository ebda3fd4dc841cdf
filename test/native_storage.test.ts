/**
 * The native backend's tensor storage (native/src/storage.h): kernel outputs come from the
 * addon's pool, disposed tensors give their block back (and the next output of that size
 * reuses it), arrays handed out by dataSync are never recycled, shared storage (reshape) is
 * released only with its last tensor, and tensors left to the garbage collector come back to
 * the pool through their ArrayBuffer's finalizer, so a loop without dispose stays bounded.
 * Skipped when the addon is not built.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '../src/index.ts';
import { loadNativeAddon, NativeBackend, nativeLoadError } from '../src/backends/native/index.ts';

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

describe('native tensor storage pool', { skip }, () => {
  it('a disposed output goes back to the pool and the next output of its size reuses it', () =>
    onNative((be) => {
      const a = tf.fill([64, 64], 1.5);
      const b = tf.fill([64, 64], 2);
      tf.dispose(tf.add(a, b)); // warm: one block of this size in the pool
      const s0 = be.storageStats()!;
      const c = tf.add(a, b);
      const s1 = be.storageStats()!;
      assert.equal(s1.allocs - s0.allocs, 1, 'one pooled allocation');
      assert.equal(s1.reuses - s0.reuses, 1, 'served from the pool');
      assert.equal(s1.liveBytes - s0.liveBytes, 64 * 64 * 4, 'live bytes grow by the tensor');
      c.dispose();
      const s2 = be.storageStats()!;
      assert.equal(s2.liveBytes, s0.liveBytes, 'back to the pool on dispose');
      assert.equal(s2.pooledBytes, s0.pooledBytes, 'pooled again');
      tf.dispose([a, b]);
    }));

  it('an array handed out by dataSync is never recycled, even after dispose', () =>
    onNative(() => {
      const a = tf.fill([50, 50], 3);
      const t = tf.mul(a, a);
      const v = t.dataSync();
      t.dispose();
      const others = Array.from({ length: 5 }, () => tf.mul(a, tf.scalar(-1)));
      assert.equal(v.length, 2500);
      assert.ok(v.every((x) => x === 9), 'values kept');
      tf.dispose([a, ...others]);
    }));

  it('storage shared by reshape is released with its last tensor', () =>
    onNative((be) => {
      const a = tf.fill([40, 40], 2);
      const t = tf.add(a, a);
      const r = tf.reshape(t, [1600]);
      const live = be.storageStats()!.liveBytes;
      t.dispose();
      assert.equal(be.storageStats()!.liveBytes, live, 'still held by the reshape');
      const again = tf.add(a, a); // must not get r's block
      assert.ok(Array.from(r.dataSync()).every((x) => x === 4), 'reshaped values intact');
      tf.dispose([again, a]);
      r.dispose();
    }));

  it('zero-filled storage for reference kernels, and results equal the reference backend', () => {
    const run = (backend: string) => {
      tf.ENGINE.setBackendSync(backend);
      // Several sizes ≥ 1024 through kernels that allocate zeroed outputs (pad, oneHot, concat …).
      const x = tf.tensor(Float32Array.from({ length: 2048 }, (_, i) => Math.sin(i)), [32, 64]);
      for (let i = 0; i < 3; i++) tf.dispose(tf.mul(x, x)); // dirty pooled blocks
      return [tf.pad(x, [[1, 2], [3, 4]]), tf.oneHot(tf.tensor([1, 5, 7], [3], 'int32'), 1200), tf.concat([x, x], 1), tf.transpose(x)].map((t) => Array.from(t.dataSync()));
    };
    const prev = tf.getBackend();
    try {
      assert.deepEqual(run('native'), run('reference'));
    } finally {
      tf.ENGINE.setBackendSync(prev);
    }
  });

  it('20,000 undisposed 16 KiB outputs: the garbage collector returns them, live storage stays bounded', () =>
    onNative((be) => {
      const a = tf.fill([64, 64], 1);
      gc();
      const before = be.storageStats()!.liveBytes;
      let last: tf.Tensor | null = null;
      for (let i = 0; i < 20000; i++) last = tf.add(a, a); // never disposed
      assert.ok(last!.dataSync()[0] === 2, 'computes');
      gc();
      // Finalizers run after the GC, from the event loop; give them a turn.
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          gc();
          setImmediate(() => {
            const grown = be.storageStats()!.liveBytes - before;
            assert.ok(grown < 64 * 1024 * 1024, `live storage grew by ${(grown / 1e6).toFixed(1)} MB for 327 MB allocated`);
            a.dispose();
            resolve();
          });
        }),
      );
    }));
});
