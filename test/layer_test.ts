/**
 * `runLayerTest`: one call that checks what every layer must do (Keras's `run_layer_test`):
 *   1. build and call on a seeded input: the output shape (and, when given, values);
 *   2. a symbolic call (`tf.input`): the same shape with a free batch dimension;
 *   3. its weights: the trainable and non-trainable counts;
 *   4. config round trip: `deserializeLayer({className, config: getConfig()})` has the same config,
 *      and with the same weights gives the same output bit for bit;
 *   5. gradients against central finite differences on the float64 reference backend, for the
 *      input (float inputs) and for every trainable weight (a few entries of each);
 *   6. save/load: a model of the layer written as `.keras` and read back gives the same output
 *      bit for bit, and so does one written as TF.js `model.json`.
 * A new layer's test calls it once (docs/architecture.md, "Add a layer").
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../src/index.ts';
import { rng } from './util.ts';

export interface LayerTestSpec {
  /** A new layer with fixed arguments (called several times; seeded initializers make them equal). */
  make: () => tf.Layer;
  /** The input shape, batch included. */
  inputShape: number[];
  /** 'float32' (default) or 'int32' (indices: values in [0, intRange)). */
  inputDtype?: 'float32' | 'int32';
  intRange?: number;
  /** The output shape for `inputShape`. */
  expectedOutputShape: number[];
  /** Expected output values (float32, within 1e-5) for the seeded input, when known. */
  expectedOutput?: number[];
  trainableWeights: number;
  nonTrainableWeights?: number;
  /** Skip the gradient check (a layer whose output is not differentiable, e.g. a mask). */
  noGradient?: boolean;
  /** Finite-difference tolerance (relative; default 1e-5) and step (default 1e-6). */
  gradTol?: number;
  /** Skip the save/load check. */
  noSave?: boolean;
}

function input(spec: LayerTestSpec, seed = 11): tf.Tensor {
  const r = rng(seed);
  const n = spec.inputShape.reduce((a, b) => a * b, 1);
  if (spec.inputDtype === 'int32') {
    const range = spec.intRange ?? 5;
    return tf.tensor(Array.from({ length: n }, () => Math.floor(r() * range)), spec.inputShape, 'int32');
  }
  return tf.tensor(Array.from({ length: n }, () => r() * 2 - 1), spec.inputShape);
}

const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer));

function call(layer: tf.Layer, x: tf.Tensor): tf.Tensor {
  const y = layer.apply(x);
  assert.ok(y instanceof tf.Tensor, `${layer.className} returns one tensor`);
  return y;
}

export async function runLayerTest(spec: LayerTestSpec): Promise<void> {
  const x = input(spec);
  // 1. build and call
  const layer = spec.make();
  const name = layer.className;
  const y = call(layer, x);
  assert.deepEqual(y.shape, spec.expectedOutputShape, `${name}: output shape`);
  if (spec.expectedOutput) {
    const got = Array.from(y.dataSync());
    assert.equal(got.length, spec.expectedOutput.length, `${name}: output size`);
    got.forEach((v, i) => assert.ok(Math.abs(v - spec.expectedOutput![i]!) <= 1e-5 * Math.max(1, Math.abs(spec.expectedOutput![i]!)), `${name}: output[${i}] ${v} vs ${spec.expectedOutput![i]}`));
  }
  // 2. symbolic call
  const sym = spec.make().apply(tf.input({ shape: spec.inputShape.slice(1), dtype: spec.inputDtype ?? 'float32' })) as tf.KerasTensor;
  assert.deepEqual(sym.shape, [null, ...spec.expectedOutputShape.slice(1)], `${name}: symbolic output shape`);
  // 3. weights
  assert.equal(layer.trainableWeights.length, spec.trainableWeights, `${name}: trainable weights`);
  assert.equal(layer.nonTrainableWeights.length, spec.nonTrainableWeights ?? 0, `${name}: non-trainable weights`);
  assert.equal(layer.getWeights().length, layer.trainableWeights.length + layer.nonTrainableWeights.length, `${name}: getWeights`);
  // 4. config round trip
  const config = layer.getConfig();
  const again = tf.deserializeLayer({ className: name, config: JSON.parse(JSON.stringify(config)) });
  assert.deepEqual(again.getConfig(), config, `${name}: config round trip`);
  call(again, x);
  again.setWeights(layer.getWeights());
  assert.deepEqual(bits(call(again, x)), bits(y), `${name}: the rebuilt layer with the same weights gives the same output`);
  // 5. gradients
  if (!spec.noGradient) checkLayerGradients(spec, layer, x);
  // 6. save/load
  if (!spec.noSave) await checkSaveLoad(spec, layer, x, y);
}

/** Input and weight gradients of sum(layer(x)·w) on reference64 against central differences. */
function checkLayerGradients(spec: LayerTestSpec, original: tf.Layer, x32: tf.Tensor): void {
  const name = original.className;
  const tol = spec.gradTol ?? 1e-5;
  const eps = 1e-6;
  const prev = tf.getBackend();
  tf.ENGINE.setBackendSync('reference64');
  try {
    const x = tf.tensor(x32.dataSync().slice(), x32.shape, x32.dtype);
    const layer = spec.make();
    call(layer, x);
    layer.setWeights(original.getWeights().map((w: tf.Tensor) => tf.tensor(w.dataSync().slice(), w.shape, w.dtype)));
    const r = rng(5);
    const w = tf.tensor(Array.from({ length: spec.expectedOutputShape.reduce((a, b) => a * b, 1) }, () => 0.5 + r()), spec.expectedOutputShape);
    const loss = (xx: tf.Tensor) => tf.sum(tf.mul(call(layer, xx), w));
    const value = (xx: tf.Tensor) => loss(xx).dataSync()[0]!;
    const near = (analytic: number, numeric: number, what: string) =>
      assert.ok(Math.abs(analytic - numeric) <= tol * Math.max(1, Math.abs(numeric)), `${name}: gradient of ${what}: analytic ${analytic} vs numeric ${numeric}`);
    // A few entries of each tensor (all when small), chosen by a fixed stride.
    const entries = (n: number) => (n <= 24 ? [...Array(n).keys()] : Array.from({ length: 24 }, (_, i) => Math.floor((i * n) / 24)));
    if (x.dtype === 'float32') {
      const gx = tf.grad(loss)(x).dataSync();
      const xv = x.dataSync();
      for (const j of entries(xv.length)) {
        const at = (d: number) => {
          const v = Float64Array.from(xv);
          v[j]! += d;
          return value(tf.tensor(v, x.shape));
        };
        near(gx[j]!, (at(eps) - at(-eps)) / (2 * eps), `the input at [${j}]`);
      }
    }
    const vars = layer.trainableWeights;
    const { grads } = tf.variableGrads(() => loss(x), vars);
    for (const v of vars) {
      const g = grads[v.name]!.dataSync();
      const v0 = v.read().dataSync().slice();
      for (const j of entries(v0.length)) {
        const at = (d: number) => {
          const vv = Float64Array.from(v0);
          vv[j]! += d;
          v.assign(tf.tensor(vv, v.shape));
          return value(x);
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(Float64Array.from(v0), v.shape));
        near(g[j]!, numeric, `weight ${v.name} at [${j}]`);
      }
    }
  } finally {
    tf.ENGINE.setBackendSync(prev);
  }
}

/** A one-layer model saved as `.keras` and as TF.js files, read back: the same output bit for bit. */
async function checkSaveLoad(spec: LayerTestSpec, layer: tf.Layer, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  const name = layer.className;
  const inp = tf.input({ shape: spec.inputShape.slice(1), dtype: spec.inputDtype ?? 'float32' });
  const fresh = spec.make();
  const model = tf.model({ inputs: inp, outputs: fresh.apply(inp) as tf.KerasTensor });
  fresh.setWeights(layer.getWeights());
  const want = bits(model.predict(x) as tf.Tensor);
  assert.deepEqual(want, bits(y), `${name}: in a model, the same output`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-layer-test-'));
  try {
    for (const target of [path.join(dir, 'm.keras'), `file://${path.join(dir, 'tfjs')}`]) {
      await model.save(target);
      const back = await tf.loadLayersModel(target.startsWith('file://') ? `${target}/model.json` : target);
      assert.deepEqual(bits(back.predict(x) as tf.Tensor), want, `${name}: saved to ${path.basename(target)} and loaded, the same output`);
      const l = back.layers.find((b) => b.className === name);
      assert.ok(l, `${name}: the loaded model has the layer`);
      assert.deepEqual({ ...l.getConfig(), name: undefined }, { ...fresh.getConfig(), name: undefined }, `${name}: the loaded layer's config`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
