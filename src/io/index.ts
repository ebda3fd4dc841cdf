/**
 * Saving and loading: Keras `.keras` / `.weights.h5` / legacy `.h5`, TF.js `model.json` + shards
 * with `tf.io` handlers, safetensors. Importing this module registers the model methods
 * (`model.save`, `saveWeights`, `loadWeights`); `src/index.ts` imports it.
 *
 *   await model.save('m.keras');                       // Keras 3 zip (config, weights, optimizer state)
 *   await model.save('m.h5');                          // Keras 2 legacy full model
 *   await model.save('file://out/dir');                // TF.js model.json + 4 MB shards
 *   await model.save(tf.io.withSaveHandler(async (a) => ...));
 *   await model.saveWeights('w.weights.h5');           // Keras 3 weights (+ optimizer state)
 *   await model.saveWeights('w.h5');                   // Keras 2 weights
 *   await model.saveWeights('w.safetensors');
 *   await model.loadWeights(file, {byName, skipMismatch});
 *   const m = await tf.loadLayersModel('m.keras' | 'm.h5' | 'file://dir/model.json' | handler);
 */
import * as fs from 'node:fs';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { tensor } from '../ops/creation.ts';
import { LayersModel, registerModelIO } from '../models/model.ts';
import { atomicWriteFile, readWeightsFile } from '../models/weights_io.ts';
import type { LoadContext } from './keras_config.ts';
import { loadKeras, loadKerasWeights, loadLegacyH5Model, saveKeras, saveKerasWeights, saveLegacyH5Model, sniff, type LoadModelOptions, type LoadWeightsOptions, type SaveOptions } from './keras.ts';
import { fileSystem, fromMemory, modelArtifacts, modelFromArtifacts, withSaveHandler, type IOHandler, type SaveResult } from './tfjs.ts';
import { decodeSafetensors, encodeSafetensors, modelSafetensors, planSafetensors } from './safetensors.ts';

function isHandler(x: unknown): x is IOHandler {
  return x !== null && typeof x === 'object' && (typeof (x as IOHandler).save === 'function' || typeof (x as IOHandler).load === 'function');
}

function readFile(file: string, op: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    fail(op, `cannot read ${file}: ${(e as Error).message}`);
  }
}

/** `model.save(target)`: see the file comment. */
export async function saveModel(model: LayersModel, target: unknown, options: SaveOptions = {}): Promise<SaveResult | void> {
  if (isHandler(target)) {
    if (!target.save) fail('save', 'the IO handler has no save method');
    return target.save(modelArtifacts(model));
  }
  if (typeof target !== 'string' || target === '') fail('save', `expected a file path, a file:// URL or an IO handler, received ${typeof target}`);
  if (target.endsWith('.keras')) return saveKeras(model, target, options);
  if (target.endsWith('.weights.h5')) fail('save', `'${target}' names a weights file: use model.saveWeights for .weights.h5`);
  if (target.endsWith('.h5') || target.endsWith('.hdf5')) return saveLegacyH5Model(model, target);
  if (target.startsWith('file://')) return fileSystem(target).save!(modelArtifacts(model));
  fail('save', `cannot tell the format of '${target}': use a path ending in .keras or .h5, or a file:// URL for the TF.js format`);
}

/** `model.saveWeights(file)`: `.weights.h5` (Keras 3), `.h5` (Keras 2), `.safetensors`. */
export async function saveWeights(model: LayersModel, file: string, options: SaveOptions = {}): Promise<void> {
  if (typeof file !== 'string') fail('saveWeights', `expected a file path, received ${typeof file}`);
  if (file.endsWith('.safetensors')) return atomicWriteFile(file, modelSafetensors(model, { includeOptimizer: options.includeOptimizer ?? false }));
  if (file.endsWith('.h5') || file.endsWith('.hdf5')) return saveKerasWeights(model, file, options);
  fail('saveWeights', `cannot tell the format of '${file}': use .weights.h5 (Keras 3), .h5 (Keras 2) or .safetensors (idem's own format: tf.saveModelWeights)`);
}

/** `model.loadWeights(file)`: the format is read from the file's first bytes. */
export async function loadWeights(model: LayersModel, file: string, options: LoadWeightsOptions = {}): Promise<void> {
  const op = 'loadWeights';
  if (typeof file !== 'string') fail(op, `expected a file path, received ${typeof file}`);
  const bytes = readFile(file, op);
  const kind = sniff(bytes);
  if (kind === 'hdf5' || kind === 'zip') return loadKerasWeights(model, file, bytes, options);
  if (kind === 'safetensors' || file.endsWith('.safetensors')) return planSafetensors(model, bytes, file, op, options)();
  if (kind === 'idem') {
    const entries = readWeightsFile(file);
    const ws = model.weights;
    if (entries.length !== ws.length) fail(op, `${file} holds ${entries.length} weights, model '${model.name}' has ${ws.length}`);
    entries.forEach((e, i) => {
      const w = ws[i]!;
      if (e.dtype !== w.dtype || e.shape.join() !== w.shape.join()) fail(op, `${file}: weight ${i} ('${e.name}') is ${e.dtype} [${e.shape}], the model's '${w.name}' is ${w.dtype} [${w.shape}]`);
    });
    model.setWeights(entries.map((e) => e.tensor));
    return;
  }
  fail(op, `${file} is not a weights file idem knows (HDF5, .keras zip, safetensors or idem weights; first bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
}

/**
 * `tf.loadLayersModel(pathOrHandler, options)`: a `.keras` file, a legacy `.h5` model, a TF.js
 * `model.json` (path, its directory, or `file://` URL) or a TF.js IO handler (`tf.io.fromMemory`).
 */
export async function loadLayersModel(source: string | IOHandler, options: LoadModelOptions = {}): Promise<LayersModel> {
  const op = 'loadLayersModel';
  for (const k of Object.keys(options)) {
    if (!['customObjects', 'compile', 'restoreRandomState'].includes(k)) fail(op, `unknown option '${k}' (expected customObjects, compile, restoreRandomState)`);
  }
  const ctx: LoadContext & LoadModelOptions = { customObjects: options.customObjects, compile: options.compile, restoreRandomState: options.restoreRandomState };
  if (isHandler(source)) {
    if (!source.load) fail(op, 'the IO handler has no load method');
    return modelFromArtifacts(await source.load(), ctx, 'IO handler');
  }
  if (typeof source !== 'string' || source === '') fail(op, `expected a path, a file:// URL or an IO handler, received ${typeof source}`);
  const p = source.startsWith('file://') ? source.slice(7) : source;
  if (p.endsWith('.keras')) return loadKeras(p, ctx);
  if (p.endsWith('.h5') || p.endsWith('.hdf5')) return loadLegacyH5Model(p, ctx);
  if (p.endsWith('.json') || source.startsWith('file://') || (fs.existsSync(p) && fs.statSync(p).isDirectory())) return modelFromArtifacts(await fileSystem(p).load!(), ctx, p);
  // Unknown extension: look at the bytes.
  const bytes = readFile(p, op);
  const kind = sniff(bytes);
  if (kind === 'zip') return loadKeras(bytes, ctx, p);
  if (kind === 'hdf5') return loadLegacyH5Model(bytes, ctx, p);
  fail(op, `cannot tell the format of '${source}' (expected .keras, .h5, or a TF.js model.json)`);
}

/** Writes named tensors to a safetensors file, atomically (`{name: tensor}` or `[{name, tensor}]`). */
export function saveSafetensors(file: string, tensors: Record<string, Tensor> | { name: string; tensor: Tensor }[], metadata: Record<string, string> = {}): void {
  const list = Array.isArray(tensors) ? tensors : Object.entries(tensors).map(([name, tensor]) => ({ name, tensor }));
  atomicWriteFile(file, encodeSafetensors(list, metadata));
}

/** Reads a safetensors file (validated) into `{name: tensor}` (F32 → float32, I32/I64 → int32, BOOL → bool). */
export function loadSafetensors(file: string): Record<string, Tensor> {
  const op = 'loadSafetensors';
  const { entries } = decodeSafetensors(readFile(file, op), file, op);
  const out: Record<string, Tensor> = {};
  for (const e of entries) {
    const copy = new Uint8Array(e.data);
    if (e.dtype === 'F32') out[e.name] = tensor(new Float32Array(copy.buffer), e.shape, 'float32');
    else if (e.dtype === 'I32') out[e.name] = tensor(new Int32Array(copy.buffer), e.shape, 'int32');
    else if (e.dtype === 'I64') {
      const v = new BigInt64Array(copy.buffer);
      const i32 = new Int32Array(v.length);
      v.forEach((x, i) => {
        if (x > 2147483647n || x < -2147483648n) fail(op, `${file}: tensor '${e.name}' holds int64 value ${x}, outside int32`);
        i32[i] = Number(x);
      });
      out[e.name] = tensor(i32, e.shape, 'int32');
    } else if (e.dtype === 'BOOL') out[e.name] = tensor(Array.from(copy, (b) => (b ? 1 : 0)), e.shape, 'bool');
    else fail(op, `${file}: tensor '${e.name}' has dtype ${e.dtype}; idem tensors are float32, int32 or bool`);
  }
  return out;
}

/** `tf.io`: TF.js handlers plus idem's safetensors helpers. */
export const io = {
  saveSafetensors,
  loadSafetensors,
  withSaveHandler,
  fromMemory,
  fileSystem,
  /** Named tensors → safetensors bytes. */
  encodeSafetensors,
  /** safetensors bytes → entries, validated. */
  decodeSafetensors,
};

registerModelIO({
  save: (m, t, o) => saveModel(m, t, o as SaveOptions),
  saveWeights: (m, f, o) => saveWeights(m, f, o as SaveOptions),
  loadWeights: (m, f, o) => loadWeights(m, f, o as LoadWeightsOptions),
});

export { loadKeras, saveKeras, kerasArchive } from './keras.ts';
export { modelArtifacts, modelFromArtifacts, type IOHandler, type ModelArtifacts, type SaveResult, type ModelJSON } from './tfjs.ts';
export { modelSafetensors } from './safetensors.ts';
export type { LoadWeightsOptions, LoadModelOptions, SaveOptions } from './keras.ts';
