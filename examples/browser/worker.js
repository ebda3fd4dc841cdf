// The hand-written loop, in a dedicated Worker: there the wasm backend may use worker threads
// over shared memory (the page is cross-origin isolated), which a page's main thread may not.
import * as tf from '/dist/idem.browser.js';
import { accuracy, batches, handNetwork, loadMnist } from './seed000.js';

const post = (m, transfer = []) => self.postMessage(m, transfer);

self.onmessage = async ({ data: { steps } }) => {
  try {
    const threads = tf.setNumThreads(navigator.hardwareConcurrency || 1);
    // Workers start in the background; products stay on this thread until they are up.
    const t0 = performance.now();
    while (tf.ENGINE.backend.threads && !tf.ENGINE.backend.threads.ready && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    post({ type: 'info', threads, isolated: self.crossOriginIsolated, backend: tf.getBackend() });
    tf.setSeed(0);
    const data = await loadMnist(tf);
    const { forward, vars } = handNetwork(tf);
    const opt = tf.train.adam(1e-3);
    // The same live chart as the page's Keras fit, driven by hand; its SVG goes to the page.
    const chart = tf.callbacks.liveChart((svg) => post({ type: 'chart', svg }), { metrics: ['loss'], width: 520 });
    chart.setParams({ epochs: 1, steps, verbose: 0 });
    await chart.onTrainBegin();
    await chart.onEpochBegin(0);
    const start = performance.now();
    let total = 0;
    let step = 0;
    for await (const { xs, ys } of batches(tf, data, steps)) {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.softmaxCrossEntropyWithLogits({ labels: ys, logits: forward(xs, true) })), vars);
        opt.applyGradients(grads);
        return value.dataSync()[0];
      });
      total += loss;
      step++;
      await chart.onBatchEnd(step - 1, { loss: total / step });
      if (step % 10 === 0 || step === steps) post({ type: 'progress', step, loss: total / step, seconds: (performance.now() - start) / 1000 });
    }
    const seconds = (performance.now() - start) / 1000;
    await chart.onEpochEnd(0, { loss: total / step });
    const acc = accuracy(tf, forward(data.xTest, false), data.yTest);
    const weights = vars.map((v) => v.read().dataSync().slice());
    post({ type: 'done', acc, meanLoss: total / step, seconds, threads: tf.getNumThreads(), threaded: tf.ENGINE.backend.threadedProducts ?? 0, weights }, weights.map((w) => w.buffer));
  } catch (e) {
    post({ type: 'error', message: String((e && e.stack) || e) });
  }
};
