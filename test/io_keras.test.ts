/**
 * Round trips through every format for models covering every layer type with weights, and the
 * Keras layouts checked with an independent HDF5 reader (jsfive, pure JavaScript; the files are
 * written by h5wasm, the HDF5 C library).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as jsfive from 'jsfive';
import { unzipSync } from 'fflate';
import * as tf from '../src/index.ts';
import { CASES, predict, scramble, weightBits } from './io_models.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-io-'));

type H5 = { get(p: string): { value: unknown; shape: number[]; dtype: string; attrs: Record<string, unknown>; keys: string[] } | undefined; attrs: Record<string, unknown>; keys: string[] };
function openJsfive(bytes: Uint8Array): H5 {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return new (jsfive as unknown as { File: new (b: ArrayBuffer, n: string) => H5 }).File(ab as ArrayBuffer, 'f');
}
const strip = (s: unknown) => String(s).replace(/\0+$/, '');

function sameModel(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor | tf.Tensor[], what: string): void {
  assert.deepEqual(weightBits(b), weightBits(a), `${what}: weights are bit-identical`);
  assert.deepEqual(b.weights.map((w) => w.name), a.weights.map((w) => w.name), `${what}: weight names`);
  const pa = predict(a, x);
  const pb = predict(b, x);
  pa.forEach((p, i) => assert.deepEqual(Array.from(pb[i]!), Array.from(p), `${what}: output ${i} is bit-identical`));
}

for (const c of CASES) {
  test(`io round trip (${c.name}): .keras, .h5 model, TF.js model.json, weights .weights.h5 / .h5 / .safetensors`, async () => {
    tf.resetLayerNames();
    const m = c.build();
    scramble(m);
    const x = c.input();
    // Keras 3 declares the input on an InputLayer, not as the first layer's batchInputShape: compare the rest, and the inputs.
    const configs = (mm: tf.LayersModel) => [
      ...mm.layers.map((l) => JSON.stringify({ c: l.className, k: { ...l.getConfig(), batchInputShape: undefined } })),
      JSON.stringify(mm.inputs.map((t) => [t.shape, t.dtype])),
      JSON.stringify(mm.outputs.map((t) => t.shape)),
    ];
    for (const target of ['m.keras', 'm.h5', 'file://tfjs']) {
      const p = target.startsWith('file://') ? `file://${path.join(dir, c.name, 'tfjs')}` : path.join(dir, `${c.name}-${target}`);
      await m.save(p);
      const back = await tf.loadLayersModel(p.startsWith('file://') ? `${p}/model.json` : p);
      sameModel(m, back, x, `${c.name} via ${target}`);
      assert.deepEqual(configs(back), configs(m), `${c.name} via ${target}: every layer's config survives`);
    }
    for (const file of ['w.weights.h5', 'w.h5', 'w.safetensors']) {
      const p = path.join(dir, `${c.name}-${file}`);
      await m.saveWeights(p);
      tf.resetLayerNames();
      const fresh = c.build(); // same architecture, other initial values
      scramble(fresh, 99);
      assert.notDeepEqual(weightBits(fresh), weightBits(m), 'the fresh model starts different');
      await fresh.loadWeights(p);
      sameModel(m, fresh, x, `${c.name} via ${file}`);
    }
  });
}

test('.keras layout read back by jsfive (independent HDF5 reader): config.json, metadata.json, Keras paths', async () => {
  tf.resetLayerNames();
  const m = CASES[1]!.build();
  scramble(m);
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'mse' });
  await m.fit(tf.randomNormal([4, 6, 3]), tf.randomNormal([4, 2]), { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
  const file = path.join(dir, 'layout.keras');
  await m.save(file);
  const zip = unzipSync(fs.readFileSync(file));
  assert.deepEqual(Object.keys(zip).sort(), ['config.json', 'metadata.json', 'model.weights.h5'], 'the three Keras 3 entries');
  const meta = JSON.parse(new TextDecoder().decode(zip['metadata.json']));
  assert.match(meta.keras_version, /^3\./, 'keras_version 3.x');
  assert.match(meta.date_saved, /^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/, 'date_saved in Keras format');
  const cfg = JSON.parse(new TextDecoder().decode(zip['config.json']));
  assert.equal(cfg.class_name, 'Sequential', 'class_name');
  assert.equal(cfg.module, 'keras', 'module');
  assert.equal(cfg.config.layers[0].class_name, 'InputLayer', 'Keras 3 Sequential lists its InputLayer');
  assert.deepEqual(cfg.config.layers[0].config.batch_shape, [null, 6, 3], 'batch_shape');
  const lstm = cfg.config.layers.find((l: { config: { name: string } }) => l.config.name === 'lstm');
  assert.equal(lstm.module, 'keras.layers', 'layer module');
  assert.equal(lstm.config.return_sequences, true, 'snake_case keys');
  assert.deepEqual(lstm.config.kernel_initializer, { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null }, 'nested initializer object');
  assert.equal(cfg.compile_config.optimizer.class_name, 'Adam', 'compile_config optimizer');
  assert.equal(cfg.compile_config.loss, 'mse', 'compile_config loss');

  const h5 = openJsfive(zip['model.weights.h5']!);
  const val = (p: string) => Array.from(h5.get(p)!.value as ArrayLike<number>);
  const w = (name: string) => Array.from(m.weights.find((v) => v.name === name)!.read().dataSync());
  // Keras paths: class-name slots in layer order, recurrent weights under `cell`, wrappers by attribute.
  assert.deepEqual(val('layers/conv1d/vars/0'), w('c1/kernel:0'), 'conv1d kernel');
  assert.deepEqual(val('layers/lstm/cell/vars/1'), w('lstm/recurrent_kernel:0'), 'lstm recurrent kernel under cell');
  assert.deepEqual(val('layers/gru_1/cell/vars/2'), w('gru_v1/bias:0'), 'second GRU is gru_1');
  assert.deepEqual(h5.get('layers/gru/cell/vars/2')!.shape, [2, 9], 'reset_after GRU bias is [2, 3u]');
  assert.deepEqual(val('layers/bidirectional/backward_layer/cell/vars/0'), w('backward_lstm/kernel:0'), 'bidirectional backward');
  assert.deepEqual(val('layers/time_distributed/layer/vars/0'), Array.from(m.getLayer('td').weights[0]!.read().dataSync()), 'time distributed inner layer');
  assert.deepEqual(val('layers/layer_normalization/vars/0'), w('ln/gamma:0'), 'layer norm gamma');
  assert.deepEqual(val('layers/dense/vars/1'), w('out/bias:0'), 'dense bias');
  assert.equal(strip(h5.get('layers/dense/vars')!.attrs['name']), 'out', 'vars group records the layer name');
  assert.equal(h5.get('layers/dense/vars/0')!.dtype, '<f4', 'float32 little-endian');
  // Optimizer: iteration (int64), learning_rate, then (momentum, velocity) per trainable variable.
  const opt = m.optimizer!;
  assert.equal(Number(val('optimizer/vars/0')[0]), 2, 'iteration = 2 steps');
  assert.ok(h5.get('optimizer/vars/0')!.dtype.includes('i8'), `iteration is int64, got ${h5.get('optimizer/vars/0')!.dtype}`);
  assert.deepEqual(val('optimizer/vars/1'), [Math.fround(0.01)], 'learning_rate');
  const tw = m.trainableWeights;
  assert.equal(h5.get('optimizer/vars')!.keys.length, 2 + 2 * tw.length, 'iteration, lr, 2 slots per trainable weight');
  assert.deepEqual(val('optimizer/vars/2'), Array.from(opt.getSlot(tw[0]!, 'momentum')!.read().dataSync()), 'first momentum');
  assert.deepEqual(val('optimizer/vars/3'), Array.from(opt.getSlot(tw[0]!, 'velocity')!.read().dataSync()), 'first velocity (interleaved)');
});

test('legacy .h5 and .weights.h5 layouts read back by jsfive', async () => {
  tf.resetLayerNames();
  const m = CASES[0]!.build();
  scramble(m);
  const legacy = path.join(dir, 'legacy.h5');
  await m.saveWeights(legacy);
  const h5 = openJsfive(fs.readFileSync(legacy));
  assert.deepEqual((h5.attrs['layer_names'] as string[]).map(strip), m.layers.map((l) => l.name), 'layer_names lists every layer');
  assert.equal(strip(h5.attrs['backend']), 'tensorflow', 'backend attribute');
  assert.match(strip(h5.attrs['keras_version']), /^2\./, 'keras_version 2.x');
  assert.deepEqual((h5.get('bn')!.attrs['weight_names'] as string[]).map(strip), ['bn/gamma:0', 'bn/beta:0', 'bn/moving_mean:0', 'bn/moving_variance:0'], 'weight_names');
  assert.deepEqual(Array.from(h5.get('bn/bn/moving_variance:0')!.value as ArrayLike<number>), Array.from(m.getLayer('bn').weights[3]!.read().dataSync()), 'dataset at <layer>/<weight name>');
  assert.deepEqual(Array.from(h5.get('sep/sep/pointwise_kernel:0')!.value as ArrayLike<number>), Array.from(m.getLayer('sep').weights[1]!.read().dataSync()), 'separable pointwise kernel');
  const full = path.join(dir, 'legacy_model.h5');
  await m.save(full);
  const f2 = openJsfive(fs.readFileSync(full));
  const mc = JSON.parse(strip(f2.attrs['model_config']));
  assert.equal(mc.class_name, 'Sequential', 'model_config');
  assert.deepEqual(mc.config.layers[0].config.batch_input_shape, [null, 6, 6, 2], 'Keras 2 batch_input_shape on the first layer');
  assert.deepEqual(Array.from(f2.get('model_weights/out/out/kernel:0')!.value as ArrayLike<number>), Array.from(m.getLayer('out').weights[0]!.read().dataSync()), 'model_weights group');
});

test('loadWeights by name (default) and by topological order for legacy .h5; a mismatch lists every layer', async () => {
  tf.resetLayerNames();
  const mk = (names: string[]) => tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], name: names[0] }), tf.layers.dense({ units: 2, name: names[1] })] });
  const a = mk(['first', 'second']);
  scramble(a);
  const file = path.join(dir, 'names.h5');
  await a.saveWeights(file);
  const renamed = mk(['x1', 'x2']);
  const before = weightBits(renamed);
  await assert.rejects(renamed.loadWeights(file), (e: Error) => /layer 'x1' is not in the file/.test(e.message) && /layer 'x2'/.test(e.message) && /first, second/.test(e.message), 'by name: names every missing layer');
  assert.deepEqual(weightBits(renamed), before, 'nothing changed');
  await renamed.loadWeights(file, { byName: false });
  assert.deepEqual(weightBits(renamed), weightBits(a), 'topological order loads');
  const wider = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [2], name: 'first' }), tf.layers.dense({ units: 2, name: 'second' })] });
  const wb = weightBits(wider);
  await assert.rejects(wider.loadWeights(file), (e: Error) => /first\/first\/kernel:0: shape \[2,3\] in the file, the model's weight is \[2,4\]/.test(e.message) && /second/.test(e.message), 'shape mismatch names file, dataset and both shapes');
  assert.deepEqual(weightBits(wider), wb, 'nothing changed after a shape mismatch');
});

test('Keras 3 and Keras 2 / TF.js configs are read (fixtures); Lambda and unknown classes are refused', async () => {
  const k3 = JSON.parse(fs.readFileSync(new URL('./fixtures/io/keras3_sequential_config.json', import.meta.url), 'utf8'));
  const m3 = (await import('../src/io/keras_config.ts')).modelFromKeras(k3, {});
  assert.deepEqual(m3.layers.map((l) => l.className), ['Dense', 'Dropout', 'Dense'], 'layers');
  assert.deepEqual(m3.inputs[0]!.shape, [null, 784], 'batch_shape');
  assert.equal((m3.layers[0]!.getConfig() as { activation: string }).activation, 'relu', 'activation');
  const k2 = JSON.parse(fs.readFileSync(new URL('./fixtures/io/keras2_functional_config.json', import.meta.url), 'utf8'));
  const m2 = (await import('../src/io/keras_config.ts')).modelFromKeras(k2, { source: 'keras2' });
  assert.deepEqual(m2.layers.map((l) => l.className), ['InputLayer', 'Dense', 'Dense', 'Concatenate', 'Dense'], 'functional layers');
  assert.deepEqual(m2.outputs[0]!.shape, [null, 1], 'output shape');
  const k3f = JSON.parse(fs.readFileSync(new URL('./fixtures/io/keras3_functional_config.json', import.meta.url), 'utf8'));
  const mf = (await import('../src/io/keras_config.ts')).modelFromKeras(k3f, {});
  assert.deepEqual(mf.layers.map((l) => l.className), ['InputLayer', 'MultiHeadAttention', 'GlobalAveragePooling1D', 'Flatten'], 'Keras 3 functional layers (query_shape, data_format, keepdims, mask kwargs read)');
  assert.deepEqual(mf.outputs[0]!.shape, [null, 3], 'Keras 3 functional output');
  const lambda = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 2] } }, { class_name: 'Lambda', config: { name: 'l', function: ['4wEAAAAAAAAA', null, null] } }] } };
  const kc = await import('../src/io/keras_config.ts');
  assert.throws(() => kc.modelFromKeras(lambda, {}), /Lambda' holds code; idem never runs code from a file/, 'Lambda refused');
  const unknown = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 2] } }, { class_name: 'MyBlock', config: { name: 'b' } }] } };
  assert.throws(() => kc.modelFromKeras(unknown, {}), /unknown layer class 'MyBlock'.*register custom layers/, 'unknown class refused with a hint');
  const bad = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 2] } }, { class_name: 'Dense', config: { name: 'd', units: 2, lora_rank: 4 } }] } };
  assert.throws(() => kc.modelFromKeras(bad, {}), /d \(Dense\).*lora_?[rR]ank/, 'an option idem lacks is an error naming layer and key');
});

test('tf.io.saveSafetensors / loadSafetensors: header layout, aligned data, values and dtypes', () => {
  const f = path.join(dir, 'named.safetensors');
  const a = tf.tensor([[1.5, -2], [3, 4.25]]);
  const b = tf.tensor([7, -8, 9], [3], 'int32');
  tf.io.saveSafetensors(f, { 'dense_1/kernel': a, step: b }, { note: 'hi' });
  const bytes = fs.readFileSync(f);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0, 'data section 8-byte aligned');
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  assert.deepEqual(header['dense_1/kernel'], { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, 'F32 entry');
  assert.deepEqual(header['step'], { dtype: 'I32', shape: [3], data_offsets: [16, 28] }, 'I32 entry');
  assert.deepEqual(header['__metadata__'], { note: 'hi' }, 'metadata');
  assert.equal(bytes.readFloatLE(8 + n + 12), 4.25, 'little-endian float32 row-major');
  const back = tf.io.loadSafetensors(f);
  assert.deepEqual(Array.from(back['dense_1/kernel']!.dataSync()), [1.5, -2, 3, 4.25], 'float values');
  assert.equal(back['step']!.dtype, 'int32', 'int32 dtype');
  assert.deepEqual(Array.from(back['step']!.dataSync()), [7, -8, 9], 'int values');
});

test('Keras 3 files: groups recorded under another layer name (same-class layers ordered differently) are followed by name', async () => {
  const { readH5, writeH5, h5Ready } = await import('../src/io/h5.ts');
  const { zipSync, unzipSync: unz } = await import('fflate');
  await h5Ready();
  tf.resetLayerNames();
  const x = tf.input({ shape: [3] });
  const p = tf.layers.dense({ units: 3, name: 'left' }).apply(x) as tf.KerasTensor;
  const q = tf.layers.dense({ units: 3, name: 'right' }).apply(x) as tf.KerasTensor;
  const m = tf.model({ inputs: x, outputs: tf.layers.concatenate().apply([p, q]) as tf.KerasTensor });
  scramble(m);
  const file = path.join(dir, 'branches.keras');
  await m.save(file);
  const entries = unz(fs.readFileSync(file));
  const root = readH5(entries['model.weights.h5']!, 'w', 'test');
  const layers = root.children.get('layers');
  assert.ok(layers && layers.kind === 'group', 'layers group');
  const a = layers.children.get('dense')!;
  layers.children.set('dense', layers.children.get('dense_1')!);
  layers.children.set('dense_1', a);
  entries['model.weights.h5'] = new Uint8Array(writeH5(root));
  const swapped = path.join(dir, 'swapped.keras');
  fs.writeFileSync(swapped, zipSync(entries));
  tf.resetLayerNames();
  const fresh = await tf.loadLayersModel(file);
  scramble(fresh, 3);
  await fresh.loadWeights(swapped);
  assert.deepEqual(weightBits(fresh), weightBits(m), 'names recorded in the file win over the class-name slots');
  scramble(fresh, 3);
  await fresh.loadWeights(swapped, { byName: false });
  assert.notDeepEqual(weightBits(fresh), weightBits(m), 'byName: false uses the slots only (and here swaps the branches)');
});

test('compile_config round trip (loss object with fromLogits, metrics) and skipMismatch', async () => {
  tf.resetLayerNames();
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'h' }), tf.layers.dense({ units: 3, name: 'logits' })] });
  m.compile({ optimizer: tf.train.rmsprop(0.005, 0.8, 0.5, 1e-6, true), loss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
  const x = tf.randomNormal([6, 3]);
  const y = tf.oneHot(tf.tensor([0, 1, 2, 0, 1, 2], [6], 'int32'), 3);
  await m.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
  const f = path.join(dir, 'compiled.keras');
  await m.save(f);
  const cfg = JSON.parse(new TextDecoder().decode(unzipSync(fs.readFileSync(f))['config.json']));
  assert.deepEqual(cfg.compile_config.loss, { module: 'keras.losses', class_name: 'CategoricalCrossentropy', config: { name: 'categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true }, registered_name: null }, 'loss object');
  assert.deepEqual(cfg.compile_config.metrics, ['accuracy'], 'metrics');
  assert.equal(cfg.compile_config.optimizer.config.centered, true, 'optimizer config');
  assert.equal(cfg.compile_config.run_eagerly, false, 'run_eagerly (compiled train step)');
  const back = await tf.loadLayersModel(f);
  assert.equal(back.optimizer!.iterations, 2, 'iterations restored');
  for (const v of m.trainableWeights) {
    for (const s of ['velocity', 'momentum', 'average_gradient']) {
      const a = m.optimizer!.getSlot(v, s)!.read().dataSync();
      const b = back.optimizer!.getSlot(back.weights.find((w) => w.name === v.name)!, s)!.read().dataSync();
      assert.deepEqual(Array.from(b), Array.from(a), `RMSprop slot ${s} of ${v.name}`);
    }
  }
  const e1 = m.evaluate(x, y) as tf.Tensor[];
  const e2 = back.evaluate(x, y) as tf.Tensor[];
  assert.deepEqual(e2.map((t) => t.dataSync()[0]), e1.map((t) => t.dataSync()[0]), 'same loss and accuracy after loading');
  await m.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
  await back.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
  assert.deepEqual(weightBits(back), weightBits(m), 'training continues identically');
  // runEagerly round trip (Keras run_eagerly).
  m.compile({ optimizer: 'sgd', loss: 'mse', runEagerly: true });
  const fe = path.join(dir, 'eager.keras');
  await m.save(fe);
  assert.equal(JSON.parse(new TextDecoder().decode(unzipSync(fs.readFileSync(fe))['config.json'])).compile_config.run_eagerly, true, 'run_eagerly written');
  assert.equal((await tf.loadLayersModel(fe)).compileArgs?.runEagerly, true, 'run_eagerly read back');
  // skipMismatch: matching layers load, the mismatched one keeps its values.
  tf.resetLayerNames();
  const other = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'h' }), tf.layers.dense({ units: 5, name: 'logits' })] });
  const kept = weightBits(other).slice(2);
  const legacy = path.join(dir, 'skip.h5');
  await m.saveWeights(legacy);
  await other.loadWeights(legacy, { skipMismatch: true });
  assert.deepEqual(weightBits(other).slice(0, 2), weightBits(m).slice(0, 2), 'the matching layer loaded');
  assert.deepEqual(weightBits(other).slice(2), kept, 'the mismatched layer kept its values');
});

test('TF.js shards: weights over 4 MB are split into 4 MB files and load back bit-identical', async () => {
  tf.resetLayerNames();
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 1100, inputShape: [1000] })] });
  const d = path.join(dir, 'big');
  await m.save(`file://${d}`);
  const json = JSON.parse(fs.readFileSync(path.join(d, 'model.json'), 'utf8'));
  const sizes = (json.weightsManifest[0].paths as string[]).map((p) => fs.statSync(path.join(d, p)).size);
  assert.deepEqual(sizes, [4 * 1024 * 1024, 4 * 1100 * 1000 + 4 * 1100 - 4 * 1024 * 1024], 'two shards, the first exactly 4 MB');
  assert.match(json.weightsManifest[0].paths[0], /^group1-shard1of2-[0-9a-f]{8}\.bin$/, 'shard names');
  const back = await tf.loadLayersModel(`file://${d}`);
  assert.deepEqual(weightBits(back), weightBits(m), 'bit-identical');
  // Saving again replaces the model and removes the shards only the old model.json named.
  scramble(m);
  await m.save(`file://${d}`);
  assert.equal(fs.readdirSync(d).filter((n) => n.endsWith('.bin')).length, 2, 'old shards removed');
  assert.deepEqual(weightBits(await tf.loadLayersModel(`file://${d}`)), weightBits(m), 'new weights');
});

test('.keras specs: every layer idem defines is a Keras built-in (no hand list), a custom layer is Custom>Name', async () => {
  const { toKerasLayerSpec } = await import('../src/io/keras_config.ts');
  const { registeredLayerNames, isKerasBuiltinLayer } = await import('../src/layers/registry.ts');
  const names = registeredLayerNames();
  assert.ok(names.length > 50, `${names.length} layer classes registered`);
  assert.deepEqual(names.filter((n) => !isKerasBuiltinLayer(n)), ['ThresholdedReLU'], 'idem layers Keras 3 does not have');
  for (const [layer, module, registered] of [
    [tf.layers.dense({ units: 2 }), 'keras.layers', null],
    [tf.layers.leakyReLU(), 'keras.layers', null],
    [tf.layers.thresholdedReLU(), null, 'Custom>ThresholdedReLU'],
  ] as const) {
    const spec = toKerasLayerSpec(layer, false);
    assert.equal(spec['module'], module, layer.className);
    assert.equal(spec['registered_name'], registered, layer.className);
  }
  class Scale2 extends tf.layers.Layer {
    static override className = 'Scale2';
    override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.mul(Array.isArray(x) ? x[0]! : x, 2);
    }
  }
  tf.registerLayer(Scale2);
  const spec = toKerasLayerSpec(new Scale2({}), false);
  assert.equal(spec['registered_name'], 'Custom>Scale2');
  assert.equal(spec['module'], null);
});
