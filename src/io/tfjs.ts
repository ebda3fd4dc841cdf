/**
 * The TF.js layers format and `tf.io` handlers.
 *
 * `model.json` = {modelTopology (Keras 2-style JSON, snake_case), format: 'layers-model',
 * generatedBy, convertedBy, weightsManifest: [{paths: [shard files], weights: [{name, shape,
 * dtype}]}]}; the shards hold the weights' values concatenated in manifest order (float32 / int32
 * little-endian), cut into files of at most 4 MB (`group1-shard1of2.bin`, ...), as
 * tensorflowjs_converter does. Weight names are TF.js's: `<layer>/<weight>` (`dense/kernel`), a
 * wrapped layer inside its wrapper (`bidirectional/forward_lstm/kernel`).
 *
 * Handlers follow TF.js: an object with `save(artifacts)` and/or `load()`;
 * `withSaveHandler(fn)`, `fromMemory(modelJSON | artifacts, ...)`, and `file://` URLs (a
 * directory to save into; `model.json` or its directory to load). Saving to a directory is
 * crash-safe: shard names carry a content hash, `model.json` is replaced last and atomically,
 * and only then are the shards the old `model.json` named (and the new one does not) removed.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { tensor } from '../ops/creation.ts';
import type { Layer } from '../layers/layer.ts';
import type { LayersModel } from '../models/model.ts';
import { atomicWriteFile, removeStaleTemps } from '../models/weights_io.ts';
import { checkConfigDepth, modelFromKeras, type LoadContext } from './keras_config.ts';
import { toKeras2Spec } from './keras.ts';
import { checkAssign, commit, fileShapeGuard, type Assignment } from './state.ts';
import { withWeightGuard } from '../layers/layer.ts';
import { shortName } from './weight_paths.ts';
import { crc32 } from './zip.ts';
import { artifactsFromModelJson } from './http.ts';
import { BROWSER_STORAGE_ADVICE, requireNode, type NodeApis } from '../platform/index.ts';

function nodeFiles(op: string, what: string): NodeApis {
  return requireNode(op, what, BROWSER_STORAGE_ADVICE);
}
import { readRegularFile, regularFileSize } from '../platform/files.ts';

export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | string;
  quantization?: unknown;
}
export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightsManifestEntry[];
}
/** TF.js `ModelArtifacts` (the fields idem reads and writes). */
export interface ModelArtifacts {
  modelTopology?: Record<string, unknown> | ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightSpecs?: WeightsManifestEntry[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  trainingConfig?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
}
export interface ModelJSON {
  modelTopology: Record<string, unknown>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: WeightsManifestGroup[];
  trainingConfig?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
}
export interface SaveResult {
  modelArtifactsInfo: { dateSaved: Date; modelTopologyType: 'JSON'; modelTopologyBytes?: number; weightSpecsBytes?: number; weightDataBytes?: number };
  responses?: unknown[];
}
export interface IOHandler {
  save?: (artifacts: ModelArtifacts) => Promise<SaveResult>;
  load?: () => Promise<ModelArtifacts>;
}

export const GENERATED_BY = 'idem 0.1.0';
export const SHARD_BYTES = 4 * 1024 * 1024;
/** Weight shard files as TF.js (`group1-shard1of2.bin`) and idem (`group1-shard1of2-<crc32>.bin`) name them. */
const SHARD_NAME = /^group\d+-shard\d+of\d+(-[0-9a-f]{8})?\.bin$/;

// ------------------------------------------------------------------ names

/** TF.js weight names of a model, in `model.weights` order, with their variables. */
export function tfjsWeightNames(model: LayersModel): { name: string; layer: Layer; index: number }[] {
  const out: { name: string; layer: Layer; index: number }[] = [];
  for (const l of model.layers) {
    l.weights.forEach((w, index) => {
      const cls = l.className;
      const nested = cls === 'Bidirectional' || (cls !== 'TimeDistributed' && !w.name.replace(/:\d+$/, '').startsWith(`${l.name}/`));
      const inner = w.name.replace(/:\d+$/, '');
      const name = cls === 'TimeDistributed' ? `${l.name}/${inner.slice(inner.lastIndexOf('/') + 1)}` : nested ? `${l.name}/${inner}` : `${l.name}/${shortName(l, w)}`;
      out.push({ name, layer: l, index });
    });
  }
  return out;
}

// ------------------------------------------------------------------ artifacts

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function toBytes(t: Tensor): Uint8Array {
  const v = t.dataSync();
  const arr = t.dtype === 'float32' ? Float32Array.from(v) : Int32Array.from(v);
  return new Uint8Array(arr.buffer, 0, arr.byteLength);
}

/** TF.js `ModelArtifacts` of a model (what `model.save(handler)` passes to the handler). */
export function modelArtifacts(model: LayersModel): ModelArtifacts {
  const topology = { ...toKeras2Spec(model, 'tfjs'), keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
  const names = tfjsWeightNames(model);
  const specs: WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const n of names) {
    const w = n.layer.weights[n.index]!;
    if (w.dtype !== 'float32' && w.dtype !== 'int32') fail('save', `weight '${w.name}' has dtype ${w.dtype}; TF.js weights are float32 or int32`);
    specs.push({ name: n.name, shape: w.shape.slice(), dtype: w.dtype });
    parts.push(toBytes(w.read()));
  }
  const data = concat(parts);
  return {
    modelTopology: topology as Record<string, unknown>,
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
  };
}

function bytesPerElement(dtype: string, where: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool') return 1;
  fail('loadLayersModel', `${where}: weight dtype '${dtype}' is not supported (float32, int32, bool)`);
}

/** Checks specs against data and the model; returns the assignments (nothing assigned yet). */
export function planArtifactsWeights(model: LayersModel, specs: WeightsManifestEntry[], data: Uint8Array, where: string, op: string): Assignment[] {
  let expected = 0;
  for (const s of specs) {
    if (!s || typeof s.name !== 'string') fail(op, `${where}: a weight spec has no name`);
    if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(op, `${where}: weight '${s.name}' has an invalid shape ${JSON.stringify(s.shape)}`);
    if (s.quantization) fail(op, `${where}: weight '${s.name}' is quantized; idem loads float32 weights only (dequantizing would change the values)`);
    expected += s.shape.reduce((a, b) => a * b, 1) * bytesPerElement(s.dtype, `${where}: '${s.name}'`);
  }
  if (data.length !== expected) fail(op, `${where}: the weight data has ${data.length} bytes, the manifest's ${specs.length} weights need ${expected}`);
  // Values by name.
  const values = new Map<string, Tensor>();
  let off = 0;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    let t: Tensor;
    if (s.dtype === 'float32') {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getFloat32(off + 4 * i, true);
      t = tensor(a, s.shape, 'float32');
      off += 4 * n;
    } else if (s.dtype === 'int32') {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getInt32(off + 4 * i, true);
      t = tensor(a, s.shape, 'int32');
      off += 4 * n;
    } else {
      t = tensor(Array.from(data.subarray(off, off + n), (b) => (b ? 1 : 0)), s.shape, 'bool');
      off += n;
    }
    if (values.has(s.name)) fail(op, `${where}: weight '${s.name}' appears twice in the manifest`);
    values.set(s.name, t);
  }
  // Match per layer: the entries whose name starts with `<layer>/`, in manifest order.
  const problems: string[] = [];
  const assigns: Assignment[] = [];
  const used = new Set<string>();
  for (const l of model.layers) {
    const ws = l.weights;
    if (ws.length === 0) continue;
    const mine = specs.filter((s) => s.name.startsWith(`${l.name}/`));
    if (mine.length !== ws.length) {
      problems.push(`layer '${l.name}': ${mine.length} weights in the file (${mine.map((s) => s.name).join(', ') || 'none'}), the layer has ${ws.length}`);
      continue;
    }
    mine.forEach((s, i) => {
      used.add(s.name);
      try {
        assigns.push(checkAssign(ws[i]!, values.get(s.name)!, `${where}: weight '${s.name}'`, op));
      } catch (e) {
        problems.push((e as Error).message.replace(/^\w+: /, ''));
      }
    });
  }
  const unused = specs.filter((s) => !used.has(s.name)).map((s) => s.name);
  if (unused.length && problems.length === 0) problems.push(`weights with no layer in the model: ${unused.join(', ')}`);
  if (problems.length) fail(op, `${where} does not match model '${model.name}':\n  ${problems.join('\n  ')}`);
  return assigns;
}

function asBytes(d: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (d === undefined) return new Uint8Array(0);
  if (Array.isArray(d)) return concat(d.map((b) => new Uint8Array(b)));
  return new Uint8Array(d);
}

/** A model (with its weights) from TF.js artifacts. */
export function modelFromArtifacts(art: ModelArtifacts, ctx: LoadContext, where: string): LayersModel {
  const op = 'loadLayersModel';
  if (!art || typeof art !== 'object') fail(op, `${where}: expected model artifacts`);
  let topo = art.modelTopology as unknown;
  if (topo instanceof ArrayBuffer) fail(op, `${where}: a binary (GraphDef) topology is a graph model, not a layers model`);
  if (!topo || typeof topo !== 'object') fail(op, `${where}: modelTopology is missing`);
  checkConfigDepth(topo, `${where}: modelTopology`, op);
  if ('model_config' in (topo as object)) topo = (topo as Record<string, unknown>)['model_config'];
  if (art.format !== undefined && art.format !== 'layers-model') fail(op, `${where}: format '${art.format}' is not 'layers-model'`);
  const fromIdem = typeof art.generatedBy === 'string' && art.generatedBy.startsWith('idem');
  const specs = art.weightSpecs ?? [];
  const data = asBytes(art.weightData);
  // The specs must describe the data before the model is built, and each weight the topology
  // builds must be one of them (checked before it is allocated).
  const need = specs.reduce((n, s) => n + specBytes(s, where, op), 0);
  if (data.length !== need) fail(op, `${where}: the weight data has ${data.length} bytes, the manifest's ${specs.length} weights need ${need}`);
  const guard = fileShapeGuard(specs.map((s) => ({ shape: s.shape })), `${where}: modelTopology`, `${where}: the weights manifest`, op);
  const model = withWeightGuard(guard, () => modelFromKeras(topo as Record<string, unknown>, { ...ctx, source: fromIdem ? 'keras3' : 'tfjs' }, `${where}: modelTopology`));
  const assigns = planArtifactsWeights(model, specs, data, where, op);
  commit(assigns);
  return model;
}

// ------------------------------------------------------------------ handlers

export function withSaveHandler(saveHandler: (artifacts: ModelArtifacts) => Promise<SaveResult>): IOHandler {
  if (typeof saveHandler !== 'function') fail('io.withSaveHandler', 'expected a function (artifacts) => Promise<SaveResult>');
  return { save: saveHandler };
}

/**
 * TF.js `fromMemory(modelArtifacts)` or the older `fromMemory(modelTopology, weightSpecs,
 * weightData, trainingConfig)`.
 */
export function fromMemory(
  modelArtifacts: ModelArtifacts | Record<string, unknown>,
  weightSpecs?: WeightsManifestEntry[],
  weightData?: ArrayBuffer,
  trainingConfig?: Record<string, unknown>,
): IOHandler {
  const isArtifacts = modelArtifacts && typeof modelArtifacts === 'object' && 'modelTopology' in modelArtifacts;
  const art: ModelArtifacts = isArtifacts && weightSpecs === undefined
    ? (modelArtifacts as ModelArtifacts)
    : { modelTopology: modelArtifacts as Record<string, unknown>, weightSpecs, weightData, trainingConfig };
  return { load: async () => art };
}

function artifactsInfo(art: ModelArtifacts): SaveResult['modelArtifactsInfo'] {
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: JSON.stringify(art.modelTopology).length,
    weightSpecsBytes: JSON.stringify(art.weightSpecs).length,
    weightDataBytes: asBytes(art.weightData).length,
  };
}

/** `file://dir` → dir; `file://dir/model.json` → dir/model.json. */
export function filePath(url: string): string {
  return url.startsWith('file://') ? url.slice('file://'.length) : url;
}

/** Writes model.json + shards into `dir`, crash-safe (see the file comment). */
export function saveToDirectory(art: ModelArtifacts, dir: string): SaveResult {
  const { fs, path } = nodeFiles('save', `saving to the directory '${dir}'`);
  fs.mkdirSync(dir, { recursive: true });
  const data = asBytes(art.weightData);
  const nShards = Math.max(1, Math.ceil(data.length / SHARD_BYTES));
  const paths: string[] = [];
  for (let i = 0; i < nShards; i++) {
    const shard = data.subarray(i * SHARD_BYTES, Math.min(data.length, (i + 1) * SHARD_BYTES));
    const name = `group1-shard${i + 1}of${nShards}-${crc32(shard).toString(16).padStart(8, '0')}.bin`;
    paths.push(name);
    atomicWriteFile(path.join(dir, name), shard);
  }
  const json: ModelJSON = {
    modelTopology: art.modelTopology as Record<string, unknown>,
    format: art.format ?? 'layers-model',
    generatedBy: art.generatedBy ?? GENERATED_BY,
    convertedBy: art.convertedBy ?? null,
    weightsManifest: [{ paths, weights: art.weightSpecs ?? [] }],
  };
  if (art.trainingConfig) json.trainingConfig = art.trainingConfig;
  if (art.userDefinedMetadata) json.userDefinedMetadata = art.userDefinedMetadata;
  const target = path.join(dir, 'model.json');
  let old: string[] = [];
  try {
    const prev = JSON.parse(fs.readFileSync(target, 'utf8')) as ModelJSON;
    old = (prev.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
  } catch {
    /* no previous model */
  }
  atomicWriteFile(target, new TextEncoder().encode(JSON.stringify(json)));
  // Now that the new model.json is in place: remove the shards it does not name — the old
  // model.json's, and those of saves killed before their model.json was written — and the
  // temporary files of killed saves.
  const unnamed = new Set(old.filter((p) => !paths.includes(p) && !p.includes('/') && !p.includes('\\')));
  try {
    for (const n of fs.readdirSync(dir)) if (SHARD_NAME.test(n) && !paths.includes(n)) unnamed.add(n);
  } catch {
    /* best effort */
  }
  for (const p of unnamed) {
    try {
      if (fs.lstatSync(path.join(dir, p)).isFile()) fs.unlinkSync(path.join(dir, p));
    } catch {
      /* already gone */
    }
  }
  removeStaleTemps(dir, (name) => name === 'model.json' || SHARD_NAME.test(name));
  return { modelArtifactsInfo: artifactsInfo(art) };
}

/** Bytes of a weight spec's values, or an error naming the weight (nothing is allocated). */
function specBytes(s: WeightsManifestEntry, where: string, op: string): number {
  if (!s || typeof s.name !== 'string') fail(op, `${where}: a weight spec has no name`);
  if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(op, `${where}: weight '${s.name}' has an invalid shape ${JSON.stringify(s.shape)}`);
  if (s.quantization) fail(op, `${where}: weight '${s.name}' is quantized; idem loads float32 weights only (dequantizing would change the values)`);
  return s.shape.reduce((a, b) => a * b, 1) * bytesPerElement(s.dtype, `${where}: '${s.name}'`);
}

/**
 * Reads model.json (a path to it or to its directory) and its shards. Shards are what the manifest
 * names inside the model's directory: relative paths, each named once, regular files (not pipes
 * or devices) whose real path stays in the directory; their sizes (from `stat`) must add up to
 * what the manifest's weights need before any shard is read.
 */
export function loadFromFiles(p: string): ModelArtifacts {
  const op = 'loadLayersModel';
  const { fs, path } = nodeFiles(op, `reading '${p}'`);
  let file = p;
  try {
    if (fs.statSync(p).isDirectory()) file = path.join(p, 'model.json');
  } catch (e) {
    fail(op, `cannot read ${p}: ${(e as Error).message}`);
  }
  let json: ModelJSON;
  const text = readRegularFile(file, op);
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text)) as ModelJSON;
  } catch (e) {
    fail(op, `${file} is not a readable model.json: ${(e as Error).message}`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) fail(op, `${file}: no modelTopology`);
  if (!Array.isArray(json.weightsManifest)) fail(op, `${file}: no weightsManifest list`);
  const dir = path.dirname(file);
  const shards: { sp: string; full: string; size: number }[] = [];
  const named = new Map<string, string>();
  for (const g of json.weightsManifest) {
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights)) fail(op, `${file}: a weightsManifest group needs paths and weights`);
    const need = g.weights.reduce((n, s) => n + specBytes(s, file, op), 0);
    let have = 0;
    for (const sp of g.paths) {
      const inside = typeof sp === 'string' && sp !== '' && !path.isAbsolute(sp) && !sp.split(/[\\/]/).includes('..');
      if (!inside) fail(op, `${file}: shard path ${JSON.stringify(sp)} must be a relative path inside the model's directory`);
      const key = path.normalize(sp);
      if (named.has(key)) fail(op, `${file}: weight shard '${sp}' is named twice in the manifest (as '${named.get(key)}' before); each shard holds its own bytes`);
      named.set(key, sp);
      const full = path.join(dir, sp);
      const size = regularFileSize(full, op, { within: dir, label: `${file}: weight shard '${sp}'` });
      have += size;
      shards.push({ sp, full, size });
    }
    if (have !== need) fail(op, `${file}: the weight shards ${g.paths.map((x) => `'${x}'`).join(', ')} hold ${have} bytes, the manifest's ${g.weights.length} weights need ${need}`);
  }
  const data = new Uint8Array(shards.reduce((n, s) => n + s.size, 0));
  let off = 0;
  for (const s of shards) {
    data.set(readRegularFile(s.full, op, { within: dir, size: s.size, label: `${file}: weight shard '${s.sp}'` }), off);
    off += s.size;
  }
  // The same artifacts as from a URL or a browser store (userDefinedMetadata included).
  return artifactsFromModelJson(json, data);
}

/** `tf.io` handler for a `file://` URL (TF.js Node's `fileSystem`). */
export function fileSystem(url: string): IOHandler {
  const p = filePath(url);
  return {
    save: async (art) => saveToDirectory(art, p.endsWith('model.json') ? nodeFiles('save', `saving to '${p}'`).path.dirname(p) : p),
    load: async () => loadFromFiles(p),
  };
}
