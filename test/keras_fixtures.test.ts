/**
 * Files saved by real Keras 3.15.1 (test/fixtures/keras-3.15/, see its README: MLP, CNN + batch
 * norm, a ResNet block and a MultiHeadAttention block, each as `.keras`, `.weights.h5` and legacy
 * `.h5`, with Keras's own predictions, weights, Adam state and one resumed training step).
 *
 * Each must load with Keras's predictions within 1e-6, its weights and optimizer state bit for
 * bit, and — loaded with its optimizer — take one more `trainOnBatch` step to Keras's loss and
 * weights within 1e-6 relative. Weights the fixtures list as `noise_only` (a bias feeding batch
 * norm, the attention key bias: their true gradient is zero) get a gradient of rounding noise,
 * which Adam normalizes into a step of up to about the learning rate in a random direction; they
 * are checked to be within 2·lr of Keras's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../src/index.ts';

const DIR = join(import.meta.dirname, 'fixtures', 'keras-3.15');

/** Every entry of a safetensors file as a flat array (F64 included, which idem's reader refuses by design). */
function readRef(name: string): Map<string, { shape: number[]; data: Float32Array | Float64Array | Int32Array }> {
  const bytes = readFileSync(join(DIR, `${name}.ref.safetensors`));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const out = new Map<string, { shape: number[]; data: Float32Array | Float64Array | Int32Array }>();
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    const buf = bytes.buffer.slice(bytes.byteOffset + base + v.data_offsets[0], bytes.byteOffset + base + v.data_offsets[1]);
    const data = v.dtype === 'F32' ? new Float32Array(buf) : v.dtype === 'F64' ? new Float64Array(buf) : v.dtype === 'I32' ? new Int32Array(buf) : v.dtype === 'I64' ? Int32Array.from(new BigInt64Array(buf), Number) : null;
    if (!data) throw new Error(`${name}: unexpected dtype ${v.dtype}`);
    out.set(k, { shape: v.shape, data });
  }
  return out;
}

interface RefJson {
  layers: { class: string; name: string; weights: [string, number[]][] }[];
  noise_only: [string, number][];
  optimizer: { class: string; iterations: number; learning_rate: number };
}

const refJson = (name: string) => JSON.parse(readFileSync(join(DIR, `${name}.ref.json`), 'utf8')) as RefJson;
const tensorOf = (e: { shape: number[]; data: Float32Array | Float64Array | Int32Array }) => tf.tensor(e.data instanceof Int32Array ? e.data : Float32Array.from(e.data), e.shape, e.data instanceof Int32Array ? 'int32' : 'float32');
const bits = (a: ArrayLike<number>) => Buffer.from(Float32Array.from(a).buffer).toString('hex');

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** max |a − b| / max(|b|, 1e-3·max|b|): a relative error that does not blow up at tiny entries. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-3 * scale, 1e-30));
  return m;
}

/** The model's weights by Keras's `layer/i` names (layer.weights order, as the fixtures list them). */
function weightsByKerasName(m: tf.LayersModel, ref: RefJson): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const l of ref.layers) {
    const layer = m.getLayer(l.name);
    const ws = layer.weights;
    assert.equal(ws.length, l.weights.length, `layer ${l.name}: ${ws.length} weights, Keras lists ${l.weights.length}`);
    ws.forEach((w, i) => {
      assert.deepEqual(w.shape, l.weights[i]![1], `${l.name}/${i} shape`);
      out.set(`${l.name}/${i}`, w);
    });
  }
  return out;
}

function checkModel(m: tf.LayersModel, name: string, file: string, withOptimizer: boolean): void {
  const ref = readRef(name);
  const rj = refJson(name);
  const pred = m.predict(tensorOf(ref.get('in/0')!)) as tf.Tensor;
  const d = maxAbsDiff(pred.dataSync(), ref.get('out/0')!.data);
  assert.ok(d <= 1e-6, `${file}: predictions within 1e-6 of Keras's (max |diff| ${d})`);
  const ws = weightsByKerasName(m, rj);
  for (const [k, w] of ws) assert.equal(bits(w.read().dataSync()), bits(ref.get(`w/${k}`)!.data), `${file}: weight ${k} bit-identical`);
  if (!withOptimizer) return;
  const opt = m.optimizer!;
  assert.ok(opt, `${file}: compiled with its optimizer`);
  assert.equal(opt.className, rj.optimizer.class);
  assert.equal(opt.iterations, Number(ref.get('opt/iterations')!.data[0]), `${file}: iterations`);
  assert.equal(Math.fround(opt.learningRate as number), Math.fround(ref.get('opt/learning_rate')!.data[0]!), `${file}: learning rate`);
  assert.equal(opt.stepPrecision, 'float32', `${file}: a Keras file's optimizer takes Keras's float32 step arithmetic`);
  for (const [k, w] of ws) {
    if (!w.trainable) continue;
    for (const slot of ['momentum', 'velocity']) {
      const s = opt.getSlot(w, slot);
      assert.ok(s, `${file}: ${slot} of ${k}`);
      assert.equal(bits(s.read().dataSync()), bits(ref.get(`opt/${k}/${slot}`)!.data), `${file}: ${slot} of ${k} bit-identical`);
    }
  }
}

function checkResume(m: tf.LayersModel, name: string, file: string): void {
  const ref = readRef(name);
  if (!ref.has('resume/loss')) return; // the MLP's resumed step depends on Keras's dropout draws
  const rj = refJson(name);
  const noise = new Set(rj.noise_only.map(([l, i]) => `${l}/${i}`));
  const x = tensorOf(ref.get('resume/in/0')!);
  const y = tensorOf(ref.get('resume/y')!);
  const r = m.trainOnBatch(x, y);
  const loss = Array.isArray(r) ? r[0]! : r;
  const want = ref.get('resume/loss')!.data[0]!;
  assert.ok(Math.abs(loss - want) <= 1e-6 * Math.abs(want), `${file}: resumed loss ${loss} vs Keras ${want}`);
  const lr = m.optimizer!.learningRate as number;
  for (const [k, w] of weightsByKerasName(m, rj)) {
    const got = w.read().dataSync();
    const kerasW = ref.get(`resume/w/${k}`)!.data;
    if (noise.has(k)) {
      const d = maxAbsDiff(got, kerasW);
      assert.ok(d <= 2 * lr, `${file}: noise-only weight ${k} after the resumed step within 2·lr of Keras's (max |diff| ${d})`);
      continue;
    }
    const e = relErr(got, kerasW);
    assert.ok(e <= 1e-6, `${file}: weight ${k} after the resumed step within 1e-6 relative of Keras's (${e})`);
  }
}

describe('files saved by Keras 3.15.1', () => {
  for (const name of ['mlp', 'cnn', 'resnet', 'attention']) {
    it(`${name}: .keras loads (predictions, weights, Adam state) and resumes one step as Keras did`, async () => {
      const m = await tf.loadLayersModel(join(DIR, `${name}.keras`));
      checkModel(m, name, `${name}.keras`, true);
      checkResume(m, name, `${name}.keras`);
    });
    it(`${name}: legacy .h5 loads with its training configuration and optimizer state, and resumes`, async () => {
      const m = await tf.loadLayersModel(join(DIR, `${name}.h5`));
      checkModel(m, name, `${name}.h5`, true);
      checkResume(m, name, `${name}.h5`);
    });
    it(`${name}: .weights.h5 loads into the model (weights and optimizer state)`, async () => {
      const m = await tf.loadLayersModel(join(DIR, `${name}.keras`), { compile: false });
      const ref = readRef(name);
      // Scramble, then load: every weight must come from the file.
      m.setWeights(m.weights.map((w) => tf.zerosLike(w.read())));
      m.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
      await m.loadWeights(join(DIR, `${name}.weights.h5`));
      const pred = m.predict(tensorOf(ref.get('in/0')!)) as tf.Tensor;
      assert.ok(maxAbsDiff(pred.dataSync(), ref.get('out/0')!.data) <= 1e-6);
      checkModel(m, name, `${name}.weights.h5`, false);
      assert.equal(m.optimizer!.iterations, Number(ref.get('opt/iterations')!.data[0]));
    });
  }
});

describe('Keras weight paths (TensorBoard histogram tags)', () => {
  it("are Keras 3's variable paths (as printed by Keras 3.6.0 and 3.15.1)", async () => {
    const { kerasWeightPath } = await import('../src/models/keras_paths.ts');
    tf.resetLayerNames();
    const seq = tf.sequential({ name: 'seq', layers: [tf.layers.lstm({ units: 4, inputShape: [3, 2], name: 'lstm' }), tf.layers.dense({ units: 2, name: 'd' })] });
    const seqPaths = seq.layers.flatMap((l) => l.weights.map((w) => kerasWeightPath(seq, l, w)));
    assert.deepEqual(seqPaths, ['seq/lstm/lstm_cell/kernel', 'seq/lstm/lstm_cell/recurrent_kernel', 'seq/lstm/lstm_cell/bias', 'seq/d/kernel', 'seq/d/bias']);
    const x = tf.input({ shape: [3, 2] });
    const y = tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2 }), name: 'bi' }).apply(x) as tf.KerasTensor;
    const z = tf.layers.dense({ units: 1, name: 'out' }).apply(y) as tf.KerasTensor;
    const fun = tf.model({ inputs: x, outputs: z, name: 'fun' });
    const funPaths = fun.layers.flatMap((l) => l.weights.map((w) => kerasWeightPath(fun, l, w)));
    assert.deepEqual(funPaths, ['bi/forward_lstm/lstm_cell/kernel', 'bi/forward_lstm/lstm_cell/recurrent_kernel', 'bi/forward_lstm/lstm_cell/bias', 'bi/backward_lstm/lstm_cell/kernel', 'bi/backward_lstm/lstm_cell/recurrent_kernel', 'bi/backward_lstm/lstm_cell/bias', 'out/kernel', 'out/bias']);
  });
});

describe('legacy .h5 files saved by Keras 2 (tf_keras 2.21)', () => {
  const K2 = join(import.meta.dirname, 'fixtures', 'keras2-h5');
  for (const name of ['mlp2', 'cnn2', 'lstm2']) {
    it(`${name}.h5 opens with Keras's predictions, its training configuration and Keras 2's optimizer state`, async () => {
      const ref = JSON.parse(readFileSync(join(K2, `${name}.ref.json`), 'utf8')) as { x: number[]; pred: number[]; iterations: number; m0: number[]; v0: number[] };
      const m = await tf.loadLayersModel(join(K2, `${name}.h5`));
      const x = tf.tensor(ref.x as never);
      const d = maxAbsDiff((m.predict(x) as tf.Tensor).dataSync(), (ref.pred as unknown as number[][]).flat(Infinity as 1) as number[]);
      assert.ok(d <= 1e-5, `${name}: predictions within 1e-5 of Keras 2's (max |diff| ${d})`);
      const opt = m.optimizer!;
      assert.ok(opt, 'compiled from training_config');
      assert.equal(opt.className, 'Adam');
      assert.equal(opt.iterations, ref.iterations);
      const w0 = m.trainableWeights[0]!;
      assert.equal(bits(opt.getSlot(w0, 'momentum')!.read().dataSync()), bits(ref.m0), 'the first moment (Keras 2 lists each slot kind over all variables)');
      assert.equal(bits(opt.getSlot(w0, 'velocity')!.read().dataSync()), bits(ref.v0));
      if (name === 'mlp2') {
        const r = m.trainOnBatch(x, tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3).toFloat()) as number[];
        assert.equal(r.length, 2, 'compiled with its accuracy metric: [loss, accuracy]');
      }
    });
  }
});
