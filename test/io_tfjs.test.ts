/**
 * Interop with the real TensorFlow.js (devDependency, cpu backend): a model built and saved by
 * TF.js loads in idem with the same weights (bit for bit) and the same predictions, and an
 * idem-saved model loads in TF.js. The two libraries' kernels sum in different orders, so
 * predictions are compared within |a − b| ≤ 1e-5 · (1 + |a|) (float32 rounding); weights exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import * as tf from '../src/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-tfjs-'));

function closeTo(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: same length`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(a[i]!)));
  assert.ok(worst <= 1e-5, `${what}: largest relative difference ${worst} exceeds 1e-5`);
}

function values(n: number, seed: number): Float32Array {
  tf.setSeed(seed);
  return Float32Array.from(tf.randomNormal([n], 0, 0.5).dataSync());
}

async function capture(save: (h: tfjs.io.IOHandler) => Promise<unknown>): Promise<tfjs.io.ModelArtifacts> {
  let art: tfjs.io.ModelArtifacts | null = null;
  await save(tfjs.io.withSaveHandler(async (a) => {
    art = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  assert.ok(art, 'artifacts captured');
  return art!;
}

test('a TF.js model (saved by @tensorflow/tfjs) loads in idem: same weights, same predictions', async () => {
  await tfjs.setBackend('cpu');
  const m = tfjs.sequential({
    layers: [
      tfjs.layers.conv1d({ filters: 4, kernelSize: 2, inputShape: [6, 3], activation: 'relu' }),
      tfjs.layers.batchNormalization(),
      tfjs.layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }),
      tfjs.layers.gru({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }),
      tfjs.layers.bidirectional({ layer: tfjs.layers.simpleRNN({ units: 2, returnSequences: true }) as never }),
      tfjs.layers.timeDistributed({ layer: tfjs.layers.dense({ units: 3 }) }),
      tfjs.layers.flatten(),
      tfjs.layers.dense({ units: 4, activation: 'tanh' }),
      tfjs.layers.dense({ units: 2 }),
    ],
  });
  const size = (s: (number | null)[]) => s.reduce<number>((a, b) => a * (b ?? 1), 1);
  m.setWeights(m.weights.map((w, i) => tfjs.tensor(w.name.includes("moving_variance") ? values(size(w.shape), i).map((v) => 1 + Math.abs(v)) : values(size(w.shape), i), w.shape as number[])));
  const art = await capture((h) => m.save(h));
  // As tfjs-node's file:// handler writes it: model.json + weights.bin.
  const d = path.join(dir, 'from-tfjs');
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'weights.bin'), new Uint8Array(art.weightData as ArrayBuffer));
  fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify({ modelTopology: art.modelTopology, format: art.format, generatedBy: art.generatedBy, convertedBy: art.convertedBy, weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }] }));
  const x = values(2 * 6 * 3, 99);
  const want = (m.predict(tfjs.tensor(x, [2, 6, 3])) as tfjs.Tensor).dataSync();
  for (const src of [`file://${d}/model.json`, 'memory'] as const) {
    const back = src === 'memory' ? await tf.loadLayersModel(tf.io.fromMemory(art as never)) : await tf.loadLayersModel(src);
    const tfjsWeights = m.weights.map((w) => Array.from(w.read().dataSync()));
    const idemByName = new Map<string, number[]>();
    // TF.js lists all trainable weights first; compare by layer and position inside it.
    assert.equal(back.weights.length, m.weights.length, `${src}: weight count`);
    for (const l of back.layers) l.weights.forEach((w, k) => idemByName.set(`${l.name}#${k}`, Array.from(w.read().dataSync())));
    for (const l of m.layers) l.weights.forEach((w, k) => assert.deepEqual(idemByName.get(`${l.name}#${k}`), Array.from(w.read().dataSync()), `${src}: ${w.name} bit-identical`));
    assert.ok(tfjsWeights.length > 0, 'compared weights');
    closeTo(back.predict(tf.tensor(x, [2, 6, 3])).dataSync(), want, `${src}: predictions`);
  }
});

test('an idem model loads in TF.js (tf.loadLayersModel(tf.io.fromMemory(...))): same weights, same predictions', async () => {
  await tfjs.setBackend('cpu');
  tf.resetLayerNames();
  const input = tf.input({ shape: [5, 4] });
  const a = tf.layers.lstm({ units: 3, returnSequences: true }).apply(input) as tf.KerasTensor;
  const b = tf.layers.conv1d({ filters: 3, kernelSize: 1 }).apply(input) as tf.KerasTensor;
  const s = tf.layers.add().apply([a, b]) as tf.KerasTensor;
  const n = tf.layers.layerNormalization().apply(s) as tf.KerasTensor;
  const g = tf.layers.gru({ units: 2, resetAfter: false }).apply(n) as tf.KerasTensor;
  const bn = tf.layers.batchNormalization().apply(g) as tf.KerasTensor;
  const out = tf.layers.dense({ units: 2, activation: 'sigmoid' }).apply(bn) as tf.KerasTensor;
  const m = tf.model({ inputs: input, outputs: out });
  m.setWeights(m.weights.map((w, i) => tf.tensor(w.name.includes('moving_variance') ? values(w.size, i).map((v) => 1 + Math.abs(v)) : values(w.size, i), w.shape)));
  let art: tf.ModelArtifacts | null = null;
  const res = await m.save(tf.io.withSaveHandler(async (x) => {
    art = x;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const } };
  }));
  assert.ok(res && art, 'the save handler ran');
  const loaded = await tfjs.loadLayersModel(tfjs.io.fromMemory(art as never));
  assert.equal(loaded.weights.length, m.weights.length, 'weight count');
  for (const l of m.layers) {
    const tl = loaded.getLayer(l.name);
    l.weights.forEach((w, k) => assert.deepEqual(Array.from(tl.weights[k]!.read().dataSync()), Array.from(w.read().dataSync()), `${w.name} bit-identical in TF.js`));
  }
  const x = values(3 * 5 * 4, 5);
  closeTo((loaded.predict(tfjs.tensor(x, [3, 5, 4])) as tfjs.Tensor).dataSync(), m.predict(tf.tensor(x, [3, 5, 4])).dataSync(), 'TF.js predictions of the idem model');
  // And through a file:// directory written by idem (4 MB shards named in model.json).
  const d = path.join(dir, 'from-idem');
  await m.save(`file://${d}`);
  const json = JSON.parse(fs.readFileSync(path.join(d, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model', 'format');
  assert.match(json.generatedBy, /^idem/, 'generatedBy');
  const shards = json.weightsManifest[0].paths as string[];
  const data = new Uint8Array(Buffer.concat(shards.map((p) => fs.readFileSync(path.join(d, p)))));
  const viaFiles = await tfjs.loadLayersModel(tfjs.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: data.buffer }));
  closeTo((viaFiles.predict(tfjs.tensor(x, [3, 5, 4])) as tfjs.Tensor).dataSync(), m.predict(tf.tensor(x, [3, 5, 4])).dataSync(), 'TF.js predictions from the file:// directory');
});

test('a file:// directory gives back the same artifacts as a URL or a store would: userDefinedMetadata too', async () => {
  const d = path.join(dir, 'metadata');
  const specs = [{ name: 'w', shape: [2], dtype: 'float32' as const }];
  const art = {
    modelTopology: { class_name: 'Sequential', config: { layers: [] } },
    format: 'layers-model',
    generatedBy: 'test',
    convertedBy: null,
    weightSpecs: specs,
    weightData: new Float32Array([1.5, -2]).buffer,
    userDefinedMetadata: { label: 'digits', classes: [0, 1, 2] },
  };
  await tf.io.fileSystem(`file://${d}`).save!(art as never);
  const back = await tf.io.fileSystem(`file://${d}`).load!();
  assert.deepEqual(back.userDefinedMetadata, { label: 'digits', classes: [0, 1, 2] });
  assert.deepEqual(back.weightSpecs, specs);
  assert.deepEqual(Array.from(new Float32Array(back.weightData as ArrayBuffer)), [1.5, -2]);
  assert.equal(back.format, 'layers-model');
});
