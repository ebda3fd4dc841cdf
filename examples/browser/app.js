// The demo page: MNIST from the server, the Keras training here (live curves drawn by
// tf.callbacks.liveChart), the hand loop in worker.js, the bit-for-bit check, then a drawing pad
// classified with tf.browser.fromPixels.
import * as tf from '/dist/idem.browser.js';
import { accuracy, batches, kerasModel, loadMnist } from './seed000.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.has('steps')) {
  const o = document.createElement('option');
  o.value = o.textContent = params.get('steps');
  $('steps').prepend(o);
  $('steps').value = o.value;
}
/** What the page reports, for scripts and tests (examples/browser/screenshot.mjs, test/browser_demo.test.ts). */
const demo = (window.demo = { ready: false, done: false, identical: null, error: null });

let data = null;
let model = null;

function fmt(n, d = 4) {
  return Number(n).toFixed(d);
}

async function start() {
  await tf.ready();
  const iso = crossOriginIsolated;
  $('env').textContent = `backend ${tf.getBackend()} · ${navigator.hardwareConcurrency} logical cores · page ${iso ? 'cross-origin isolated (the Worker may use threads)' : 'NOT cross-origin isolated: the Worker runs on one thread (see the README: COOP/COEP headers)'}`;
  $('data').textContent = 'fetching MNIST from the server (55 MB of IDX files)…';
  const t0 = performance.now();
  data = await loadMnist(tf);
  $('data').textContent = `MNIST: ${data.xTrain.shape[0].toLocaleString('en-US')} training and ${data.xTest.shape[0].toLocaleString('en-US')} test images, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  $('train').disabled = false;
  demo.ready = true;
  if (params.has('auto')) train();
}

/** (a) Keras on this thread: fitDataset with the live chart; resolves to the trained weights. */
async function trainKeras(steps) {
  tf.setSeed(0);
  model = kerasModel(tf);
  const status = $('keras-status');
  const t0 = performance.now();
  let last = 0;
  await model.fitDataset(batches(tf, data, steps), {
    epochs: 1,
    verbose: 1, // one line per epoch in the console
    callbacks: [
      tf.callbacks.liveChart($('keras-chart'), { metrics: ['loss'], width: 520 }),
      {
        onBatchEnd: async (b, logs) => {
          last = logs.loss;
          status.textContent = `step ${b + 1}/${steps} · loss (running mean) ${fmt(last)} · ${((performance.now() - t0) / 1000).toFixed(1)} s`;
        },
      },
    ],
  });
  const seconds = (performance.now() - t0) / 1000;
  const acc = accuracy(tf, model.predict(data.xTest, { batchSize: 1000 }), data.yTest);
  status.textContent = `${steps} steps in ${seconds.toFixed(1)} s (${((seconds * 1000) / steps).toFixed(1)} ms/step, 1 thread) · mean loss ${fmt(last, 6)} · test accuracy ${(acc * 100).toFixed(2)}%`;
  return model.getWeights().map((w) => w.dataSync());
}

/** (b) The hand loop in the Worker; resolves to its trained weights. */
function trainInWorker(steps) {
  return new Promise((resolve, reject) => {
    const worker = new Worker('worker.js', { type: 'module' });
    const status = $('hand-status');
    worker.onmessage = ({ data: m }) => {
      if (m.type === 'info') $('worker-where').textContent = `Worker · ${m.threads} thread${m.threads === 1 ? '' : 's'}`;
      else if (m.type === 'chart') $('hand-chart').innerHTML = m.svg;
      else if (m.type === 'progress') status.textContent = `step ${m.step}/${steps} · loss (running mean) ${fmt(m.loss)} · ${m.seconds.toFixed(1)} s`;
      else if (m.type === 'done') {
        status.textContent = `${steps} steps in ${m.seconds.toFixed(1)} s (${((m.seconds * 1000) / steps).toFixed(1)} ms/step, ${m.threads} thread${m.threads === 1 ? '' : 's'}) · mean loss ${fmt(m.meanLoss, 6)} · test accuracy ${(m.acc * 100).toFixed(2)}%`;
        demo.worker = { threads: m.threads, threaded: m.threaded, seconds: m.seconds, acc: m.acc };
        worker.terminate();
        resolve(m.weights);
      } else if (m.type === 'error') {
        worker.terminate();
        reject(new Error(m.message));
      }
    };
    worker.onerror = (e) => reject(new Error(e.message || 'the worker failed to start'));
    worker.postMessage({ steps });
  });
}

function sameBits(a, b) {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    if (x.length !== y.length) return false;
    const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
    const v = new Uint32Array(y.buffer, y.byteOffset, y.length);
    for (let k = 0; k < u.length; k++) if (u[k] !== v[k]) return false;
    return true;
  });
}

async function train() {
  const steps = Number($('steps').value);
  $('train').disabled = true;
  $('verdict').className = 'verdict';
  $('verdict').textContent = 'training…';
  try {
    const a = await trainKeras(steps);
    const b = await trainInWorker(steps);
    const n = a.reduce((s, w) => s + w.length, 0);
    demo.identical = sameBits(a, b);
    $('verdict').className = `verdict ${demo.identical ? 'yes' : 'no'}`;
    $('verdict').textContent = demo.identical
      ? `bit-identical: yes — all ${n.toLocaleString('en-US')} trained parameters are equal bit for bit (Keras on 1 thread, hand loop on ${demo.worker.threads})`
      : 'bit-identical: NO — the two trainings differ';
    $('draw-hint').textContent = 'Draw a digit (white on black); the Keras model classifies it as you draw.';
    classify();
  } catch (e) {
    demo.error = String(e.message || e);
    $('verdict').className = 'verdict no';
    $('verdict').textContent = `error: ${demo.error}`;
  } finally {
    $('train').disabled = false;
    demo.done = true;
  }
}

// ------------------------------------------------------------------ the drawing pad
const pad = $('pad');
const ctx = pad.getContext('2d', { willReadFrequently: true });
const small = $('small');
const sctx = small.getContext('2d', { willReadFrequently: true });
function clearPad() {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, pad.width, pad.height);
  sctx.fillStyle = '#000';
  sctx.fillRect(0, 0, 28, 28);
  $('digit').textContent = '?';
  $('bars').innerHTML = '';
}
clearPad();
let drawing = false;
let prev = null;
const at = (e) => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
};
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  prev = at(e);
  pad.setPointerCapture(e.pointerId);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const p = at(e);
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 20;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(...prev);
  ctx.lineTo(...p);
  ctx.stroke();
  prev = p;
  classify();
});
const stop = () => {
  drawing = false;
  classify();
};
pad.addEventListener('pointerup', stop);
pad.addEventListener('pointercancel', stop);
$('clear').addEventListener('click', clearPad);

/**
 * MNIST's own preparation: the drawing's bounding box scaled to fit 20 × 20, centred by its
 * centre of mass in 28 × 28; then tf.browser.fromPixels (1 channel), / 255, and the model.
 */
function classify() {
  if (!model) return;
  const img = ctx.getImageData(0, 0, pad.width, pad.height).data;
  let [x0, y0, x1, y1] = [pad.width, pad.height, -1, -1];
  for (let y = 0; y < pad.height; y++) for (let x = 0; x < pad.width; x++) if (img[(y * pad.width + x) * 4] > 0) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  if (x1 < 0) return;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const s = 20 / Math.max(w, h);
  sctx.fillStyle = '#000';
  sctx.fillRect(0, 0, 28, 28);
  sctx.imageSmoothingQuality = 'high';
  sctx.drawImage(pad, x0, y0, w, h, (28 - w * s) / 2, (28 - h * s) / 2, w * s, h * s);
  // Centre of mass to the centre (MNIST did this).
  const px = sctx.getImageData(0, 0, 28, 28).data;
  let [m, mx, my] = [0, 0, 0];
  for (let i = 0; i < 784; i++) {
    m += px[i * 4];
    mx += (i % 28) * px[i * 4];
    my += Math.floor(i / 28) * px[i * 4];
  }
  const dx = Math.round(13.5 - mx / m);
  const dy = Math.round(13.5 - my / m);
  if (dx || dy) {
    const copy = sctx.getImageData(0, 0, 28, 28);
    sctx.fillRect(0, 0, 28, 28);
    sctx.putImageData(copy, dx, dy);
  }
  const probs = tf.tidy(() => {
    const x = tf.browser.fromPixels(small, 1).reshape([1, 784]).toFloat().div(255);
    return tf.softmax(model.predict(x)).dataSync();
  });
  const best = probs.indexOf(Math.max(...probs));
  $('digit').textContent = String(best);
  $('bars').innerHTML = Array.from(probs, (p, d) => `<span>${d}</span><div class="bar${d === best ? ' top' : ''}" style="width:${Math.max(1, p * 200).toFixed(0)}px"></div><span>${(p * 100).toFixed(1)}%</span>`).join('');
  demo.guess = { digit: best, probs: Array.from(probs) };
}

$('train').addEventListener('click', train);
start().catch((e) => {
  demo.error = String(e.message || e);
  $('env').textContent = `error: ${demo.error}`;
});
