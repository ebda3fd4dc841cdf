// idem's wasm backend in a dedicated Worker: many threads vs one, in alternating windows.
import * as tf from '/dist/idem.browser.js';
import { pairedGemm } from './paired.js';

async function threads(n) {
  tf.setNumThreads(n);
  const t0 = performance.now();
  while (tf.ENGINE.backend.threads && !tf.ENGINE.backend.threads.ready && performance.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 5));
}

self.onmessage = async ({ data: { n, pairs, threads: many } }) => {
  try {
    await tf.setBackend('wasm');
    const result = await pairedGemm([{ name: `${many} threads`, tf, before: () => threads(many) }, { name: '1 thread', tf, before: () => threads(1) }], n, pairs);
    self.postMessage({ ok: true, result: { ...result, threaded: tf.ENGINE.backend.threadedProducts } });
  } catch (e) {
    self.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
};
