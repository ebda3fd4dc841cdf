// Runs one idem measurement inside a dedicated Worker (where the wasm backend may use threads).
import * as tf from '/dist/idem.browser.js';
import { w1, w4 } from './workloads.js';

self.onmessage = async ({ data: { workload, options, threads } }) => {
  try {
    await tf.setBackend('wasm');
    const used = tf.setNumThreads(threads);
    const t0 = performance.now();
    while (tf.ENGINE.backend.threads && !tf.ENGINE.backend.threads.ready && performance.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 10));
    const lib = { tf, logitsLoss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) };
    const values = workload === 'W1' ? await w1(lib, options) : await w4(lib, options);
    self.postMessage({ ok: true, values, threads: used, threaded: tf.ENGINE.backend.threadedProducts ?? 0 });
  } catch (e) {
    self.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
};
