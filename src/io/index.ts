/**
 * Saving and loading: Keras `.keras` / `.weights.h5` / legacy `.h5`, TF.js `model.json` + shards
 * with `tf.io` handlers, safetensors — the file formats. The public functions (`tf.loadLayersModel`,
 * `model.save`, ...) are in ./front.ts, which routes URLs and browser stores and loads this module
 * on first use (a dynamic import: the browser bundle keeps it in a chunk of its own); the byte
 * functions here (`loadLayersModelBytes`, `modelFileBytes`, ...) serve it.
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
import { fail } from '../core/errors.ts';
import { LayersModel } from '../models/model.ts';
import { atomicWriteFile, decodeWeights } from '../models/weights_io.ts';
import type { LoadContext } from './keras_config.ts';
import {
  kerasArchive, kerasWeightsBytes, legacyH5ModelBytes, loadKeras, loadKerasWeights, loadLegacyH5Model, saveKeras, saveKerasWeights,
  saveLegacyH5Model, sniff, type LoadModelOptions, type LoadWeightsOptions, type SaveOptions,
} from './keras.ts';
import { fileSystem, fromMemory, modelArtifacts, modelFromArtifacts, withSaveHandler, type IOHandler, type ModelArtifacts, type SaveResult } from './tfjs.ts';
import { nodeApis } from '../platform/index.ts';
import { readRegularFile } from '../platform/files.ts';
import { decodeSafetensors, encodeSafetensors, loadSafetensors, modelSafetensors, planSafetensors, saveSafetensors } from './safetensors.ts';

function isHandler(x: unknown): x is IOHandler {
  return x !== null && typeof x === 'object' && (typeof (x as IOHandler).save === 'function' || typeof (x as IOHandler).load === 'function');
}

function readFile(file: string, op: string): Uint8Array {
  return readRegularFile(file, op);
}

function isDirectory(p: string): boolean {
  const n = nodeApis();
  return n !== null && n.fs.existsSync(p) && n.fs.statSync(p).isDirectory();
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
  if (file.endsWith('.safetensors')) return atomicWriteFile(file, modelSafetensors(model, { includeOptimizer: options.includeOptimizer ?? false }), 'saveWeights');
  if (file.endsWith('.h5') || file.endsWith('.hdf5')) return saveKerasWeights(model, file, options);
  fail('saveWeights', `cannot tell the format of '${file}': use .weights.h5 (Keras 3), .h5 (Keras 2) or .safetensors (idem's own format: tf.saveModelWeights)`);
}

/** `model.loadWeights(file)`: the format is read from the file's first bytes. */
export async function loadWeights(model: LayersModel, file: string, options: LoadWeightsOptions = {}): Promise<void> {
  const op = 'loadWeights';
  if (typeof file !== 'string') fail(op, `expected a file path, received ${typeof file}`);
  return loadWeightsBytes(model, readFile(file, op), file, options);
}

/** `loadWeights` from a file's bytes (fetched, picked in a page, ...); `file` names it in errors. */
export async function loadWeightsBytes(model: LayersModel, bytes: Uint8Array, file: string, options: LoadWeightsOptions = {}): Promise<void> {
  const op = 'loadWeights';
  const kind = sniff(bytes);
  if (kind === 'hdf5' || kind === 'zip') return loadKerasWeights(model, file, bytes, options);
  if (kind === 'safetensors' || file.endsWith('.safetensors')) return planSafetensors(model, bytes, file, op, options)();
  if (kind === 'idem') {
    const entries = decodeWeights(bytes, file);
    const ws = model.weights;
    if (entries.length !== ws.length) fail(op, `${file} holds ${entries.length} weights, model '${model.name}' has ${ws.length}`);
    entries.forEach((e, i) => {
      const w = ws[i]!;
      if (e.dtype !== w.dtype || e.shape.join() !== w.shape.join()) fail(op, `${file}: weight ${i} ('${e.name}') is ${e.dtype} [${e.shape}], the model's '${w.name}' is ${w.dtype} [${w.shape}]`);
    });
    model.setWeights(entries.map((e) => e.tensor));
    return;
  }
  const firstBytes = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  fail(op, `${file} is not a weights file idem knows (HDF5, .keras zip, safetensors or idem weights; first bytes ${firstBytes})`);
}

function loadContext(options: LoadModelOptions, op: string): LoadContext & LoadModelOptions {
  if (options === null || typeof options !== 'object') fail(op, `expected an options object, received ${String(options)}`);
  for (const k of Object.keys(options)) {
    if (!['customObjects', 'compile', 'restoreRandomState'].includes(k)) fail(op, `unknown option '${k}' (expected customObjects, compile, restoreRandomState)`);
  }
  return { customObjects: options.customObjects, compile: options.compile, restoreRandomState: options.restoreRandomState };
}

/**
 * A model from the bytes of a `.keras` or legacy `.h5` file (fetched from a URL, picked in a
 * page, ...), told apart by their first bytes; `label` names the source in errors.
 */
export async function loadLayersModelBytes(bytes: Uint8Array, label: string, options: LoadModelOptions = {}): Promise<LayersModel> {
  const op = 'loadLayersModel';
  const ctx = loadContext(options, op);
  const kind = sniff(bytes);
  if (kind === 'zip') return loadKeras(bytes, ctx, label);
  if (kind === 'hdf5') return loadLegacyH5Model(bytes, ctx, label);
  fail(op, `${label} is neither a .keras (zip) nor an HDF5 (.h5) file, nor a TF.js model.json (first bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
}

/** A model from TF.js artifacts (what the browser stores and the HTTP handler give). */
export async function loadLayersModelArtifacts(art: ModelArtifacts, label: string, options: LoadModelOptions = {}): Promise<LayersModel> {
  return modelFromArtifacts(art, loadContext(options, 'loadLayersModel'), label);
}

/** The bytes of a whole model in the format `name`'s extension asks for: `.keras` or legacy `.h5`. */
export async function modelFileBytes(model: LayersModel, name: string, options: SaveOptions = {}): Promise<Uint8Array> {
  if (name.endsWith('.keras')) return kerasArchive(model, options);
  if (name.endsWith('.weights.h5')) fail('save', `'${name}' names a weights file: use model.saveWeights for .weights.h5`);
  if (name.endsWith('.h5') || name.endsWith('.hdf5')) return legacyH5ModelBytes(model);
  fail('save', `cannot tell the format of '${name}': use a name ending in .keras or .h5`);
}

/** The bytes of a weights file in the format `name`'s extension asks for (`.weights.h5`, `.h5`, `.safetensors`). */
export async function weightsFileBytes(model: LayersModel, name: string, options: SaveOptions = {}): Promise<Uint8Array> {
  if (name.endsWith('.safetensors')) return modelSafetensors(model, { includeOptimizer: options.includeOptimizer ?? false });
  if (name.endsWith('.h5') || name.endsWith('.hdf5')) return kerasWeightsBytes(model, name, options);
  fail('saveWeights', `cannot tell the format of '${name}': use .weights.h5 (Keras 3), .h5 (Keras 2) or .safetensors`);
}

/**
 * `tf.loadLayersModel(pathOrHandler, options)`: a `.keras` file, a legacy `.h5` model, a TF.js
 * `model.json` (path, its directory, or `file://` URL) or a TF.js IO handler (`tf.io.fromMemory`).
 */
export async function loadLayersModel(source: string | IOHandler, options: LoadModelOptions = {}): Promise<LayersModel> {
  const op = 'loadLayersModel';
  const ctx = loadContext(options, op);
  if (isHandler(source)) {
    if (!source.load) fail(op, 'the IO handler has no load method');
    return modelFromArtifacts(await source.load(), ctx, 'IO handler');
  }
  if (typeof source !== 'string' || source === '') fail(op, `expected a path, a file:// URL or an IO handler, received ${typeof source}`);
  const p = source.startsWith('file://') ? source.slice(7) : source;
  if (p.endsWith('.keras')) return loadKeras(p, ctx);
  if (p.endsWith('.h5') || p.endsWith('.hdf5')) return loadLegacyH5Model(p, ctx);
  if (p.endsWith('.json') || source.startsWith('file://') || isDirectory(p)) return modelFromArtifacts(await fileSystem(p).load!(), ctx, p);
  // Unknown extension: look at the bytes.
  const bytes = readFile(p, op);
  const kind = sniff(bytes);
  if (kind === 'zip') return loadKeras(bytes, ctx, p);
  if (kind === 'hdf5') return loadLegacyH5Model(bytes, ctx, p);
  fail(op, `cannot tell the format of '${source}' (expected .keras, .h5, or a TF.js model.json)`);
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

// model.save / saveWeights / loadWeights route through ./front.ts (URLs, browser stores, then
// this module's file formats); importing it registers them.
import './front.ts';

export { loadKeras, saveKeras, kerasArchive } from './keras.ts';
export { modelArtifacts, modelFromArtifacts, type IOHandler, type ModelArtifacts, type SaveResult, type ModelJSON } from './tfjs.ts';
export { modelSafetensors, saveSafetensors, loadSafetensors } from './safetensors.ts';
// For ./front.ts (which loads this module on first use): the browser stores and the HTTP handler.
export { browserFiles, copyModel, downloadFiles, listModels, moveModel, removeModel, storeHandler } from './stores.ts';
export { artifactsFromModelJson, http, loadModelJsonFromUrl, parseModelJson } from './http.ts';
export type { LoadWeightsOptions, LoadModelOptions, SaveOptions } from './keras.ts';
