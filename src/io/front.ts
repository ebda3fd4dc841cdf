/**
 * The public face of saving and loading (`tf.loadLayersModel`, `model.save` / `saveWeights` /
 * `loadWeights`, `tf.io`), for Node and browsers. It routes each target by its form and loads
 * the format code (`./index.ts`: Keras .keras/.h5, TF.js conversion, safetensors — about a third
 * of the browser bundle) with a dynamic `import()` the first time a model is saved or loaded, so
 * a page that only trains never downloads it; the HDF5 library is loaded later still, only for
 * HDF5 files.
 *
 * The browser stores (./stores.ts) and the HTTP handler (./http.ts) are in that chunk too: only
 * the routing below is loaded up front. The safetensors helpers (synchronous by their API) are
 * added to `tf.io` by the entries: the Node entry imports them, the browser entry loads them with
 * `await tf.ready()`.
 *
 * Targets:
 * - an IO handler object (`tf.io.withSaveHandler`, `fromMemory`, `http`, `browserFiles`, ...);
 * - `indexeddb://name`, `localstorage://name`, `downloads://name` (./stores.ts; browsers only);
 * - an `http(s)://` URL, and in a browser any other URL (relative to the page): a model.json
 *   with its shards, a `.keras` / `.h5` file, or (weights) `.weights.h5` / `.h5` /
 *   `.safetensors` / idem weights, told apart by the first bytes; a failed request is an error
 *   naming the URL and the HTTP status;
 * - in Node, a file path or `file://` URL (unchanged: ./index.ts).
 */
import { fail } from '../core/errors.ts';
import { LayersModel, registerModelIO } from '../models/model.ts';
import { fetchBytes, isBrowser, isHttpUrl, isNode } from '../platform/index.ts';
import type { LoadModelOptions, LoadWeightsOptions, SaveOptions } from './keras.ts';
import type { HttpOptions, ModelArtifactsInfo } from './http.ts';
import type { IOHandler, ModelArtifacts, SaveResult, WeightsManifestEntry } from './tfjs.ts';

type Impl = typeof import('./index.ts');
let implPromise: Promise<Impl> | null = null;

/** The format code, loaded once on first use. */
export function formats(): Promise<Impl> {
  implPromise ??= import('./index.ts').catch((e: unknown) => {
    implPromise = null;
    throw e;
  });
  return implPromise;
}

const STORE_SCHEMES = ['indexeddb', 'localstorage', 'downloads'];

/** `indexeddb://a` → ['indexeddb', 'a'] (also localstorage, downloads); null for other strings. */
function storeUrl(url: string): [string, string] | null {
  const m = /^([a-z]+):\/\/(.*)$/i.exec(url);
  return m && STORE_SCHEMES.includes(m[1]!.toLowerCase()) ? [m[1]!.toLowerCase(), m[2]!] : null;
}

/** `url` resolved against the page's address (in a page or worker), else returned as is. */
function absoluteUrl(url: string): string {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return base ? new URL(url, base).href : new URL(url).href;
  } catch {
    return url;
  }
}

function isHandler(x: unknown): x is IOHandler {
  return x !== null && typeof x === 'object' && (typeof (x as IOHandler).save === 'function' || typeof (x as IOHandler).load === 'function');
}

function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

/** True when `s` should be fetched: an http(s) URL, or in a browser anything but file://. */
function isFetchedUrl(s: string): boolean {
  return isHttpUrl(s) || (!isNode() && !s.startsWith('file://'));
}

/** The URL's path without query or fragment, for extension checks. */
function urlPath(url: string): string {
  return url.split(/[?#]/)[0]!.toLowerCase();
}

function looksLikeJson(bytes: Uint8Array): boolean {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b; // '{'
}

/** `model.save(target)`: see the file comment. */
export async function saveModel(model: LayersModel, target: unknown, options: SaveOptions = {}): Promise<SaveResult | void> {
  const op = 'save';
  if (isHandler(target)) {
    if (!target.save) fail(op, 'the IO handler has no save method');
    return target.save((await formats()).modelArtifacts(model));
  }
  if (typeof target !== 'string' || target === '') fail(op, `expected a file path, a URL ('indexeddb://name', 'downloads://name', http(s)://...) or an IO handler, received ${typeof target}`);
  const store = storeUrl(target);
  if (store) {
    const [scheme, name] = store;
    if (scheme === 'downloads' && /\.(keras|h5|hdf5)$/i.test(name)) {
      if (/\.weights\.h5$/i.test(name)) fail(op, `'${target}' names a weights file: use model.saveWeights for .weights.h5`);
      const impl = await formats();
      await impl.downloadFiles([[name, await impl.modelFileBytes(model, name, options), 'application/octet-stream']], op);
      return;
    }
    const impl = await formats();
    return impl.storeHandler(target, op).save!(impl.modelArtifacts(model));
  }
  if (isHttpUrl(target)) {
    const impl = await formats();
    return impl.http(target).save!(impl.modelArtifacts(model));
  }
  if (!isNode() && !target.startsWith('file://')) {
    fail(op, `cannot save to '${target}' in a browser: use 'indexeddb://name', 'localstorage://name', 'downloads://name' ` +
      "(also 'downloads://name.keras') or an http(s):// URL that accepts a POST");
  }
  return (await formats()).saveModel(model, target, options);
}

/** `model.saveWeights(target)`: a file path (Node), or `downloads://name.weights.h5|.h5|.safetensors`. */
export async function saveWeights(model: LayersModel, file: string, options: SaveOptions = {}): Promise<void> {
  const op = 'saveWeights';
  if (typeof file !== 'string' || file === '') fail(op, `expected a file path or 'downloads://name.weights.h5', received ${typeof file}`);
  const store = storeUrl(file);
  if (store) {
    const [scheme, name] = store;
    if (scheme !== 'downloads') {
      fail(op, `'${file}': weights alone go to a file or to 'downloads://name.weights.h5' (or .h5, .safetensors); ` +
        `save the whole model to '${scheme}://${name}' with model.save`);
    }
    if (name === '') fail(op, "'downloads://' needs a file name, e.g. 'downloads://w.weights.h5'");
    const impl = await formats();
    await impl.downloadFiles([[name, await impl.weightsFileBytes(model, name, options), 'application/octet-stream']], op);
    return;
  }
  if (!isNode()) fail(op, `cannot write the file '${file}' in a browser: use 'downloads://name.weights.h5' (or .h5, .safetensors), or save the whole model to 'indexeddb://name'`);
  return (await formats()).saveWeights(model, file, options);
}

/** `model.loadWeights(source)`: a file path (Node), a URL, or a File/Blob; the format from the first bytes. */
export async function loadWeights(model: LayersModel, source: string | Blob, options: LoadWeightsOptions = {}): Promise<void> {
  const op = 'loadWeights';
  if (isBlob(source)) {
    const name = (source as { name?: string }).name ?? 'blob';
    return (await formats()).loadWeightsBytes(model, new Uint8Array(await source.arrayBuffer()), name, options);
  }
  if (typeof source !== 'string' || source === '') fail(op, `expected a file path, a URL or a File, received ${typeof source}`);
  if (storeUrl(source)) fail(op, `'${source}': browser stores hold whole models: load it with tf.loadLayersModel('${source}')`);
  if (isFetchedUrl(source)) {
    const url = absoluteUrl(source);
    const bytes = await fetchBytes(url, op);
    return (await formats()).loadWeightsBytes(model, bytes, url, options);
  }
  return (await formats()).loadWeights(model, source, options);
}

/**
 * `tf.loadLayersModel(source, options)`: a path (Node), a URL (model.json, .keras, .h5), a
 * browser store URL, an IO handler, or a picked `.keras` / `.h5` File.
 */
export async function loadLayersModel(source: string | IOHandler | Blob, options: LoadModelOptions = {}): Promise<LayersModel> {
  const op = 'loadLayersModel';
  if (isBlob(source)) {
    const name = (source as { name?: string }).name ?? 'blob';
    const bytes = new Uint8Array(await source.arrayBuffer());
    if (looksLikeJson(bytes)) fail(op, `${name} is a model.json: give its weight files too, with tf.loadLayersModel(tf.io.browserFiles([json, ...weightFiles]))`);
    return (await formats()).loadLayersModelBytes(bytes, name, options);
  }
  if (isHandler(source)) {
    if (!source.load) fail(op, 'the IO handler has no load method');
    const art = await source.load();
    return (await formats()).loadLayersModelArtifacts(art, (source as { files?: Blob[] }).files ? 'io.browserFiles' : 'IO handler', options);
  }
  if (typeof source !== 'string' || source === '') fail(op, `expected a path, a URL or an IO handler, received ${typeof source}`);
  const store = storeUrl(source);
  if (store) {
    const impl = await formats();
    return impl.loadLayersModelArtifacts(await impl.storeHandler(source, op).load!(), source, options);
  }
  if (isFetchedUrl(source)) {
    const url = absoluteUrl(source);
    const impl = await formats();
    if (urlPath(url).endsWith('.json')) return impl.loadLayersModelArtifacts(await impl.loadModelJsonFromUrl(url), url, options);
    const bytes = await fetchBytes(url, op);
    if (looksLikeJson(bytes)) {
      // A model.json served under another name: its shards sit beside it.
      const json = impl.parseModelJson(new TextDecoder().decode(bytes), url, op);
      if (json.weightsManifest.some((g) => g.paths.length > 0)) return impl.loadLayersModelArtifacts(await impl.loadModelJsonFromUrl(url), url, options);
      return impl.loadLayersModelArtifacts(impl.artifactsFromModelJson(json, new Uint8Array(0)), url, options);
    }
    return impl.loadLayersModelBytes(bytes, url, options);
  }
  return (await formats()).loadLayersModel(source, options);
}

/** A handler that loads the format code only when it is used. */
function lazyHandler(make: (impl: Impl) => IOHandler, canSave: boolean, canLoad: boolean): IOHandler {
  return {
    ...(canSave ? { save: async (a: ModelArtifacts) => make(await formats()).save!(a) } : {}),
    ...(canLoad ? { load: async () => make(await formats()).load!() } : {}),
  };
}

/** TF.js's `tf.io.withSaveHandler(fn)`. */
function withSaveHandler(saveHandler: (artifacts: ModelArtifacts) => Promise<SaveResult>): IOHandler {
  if (typeof saveHandler !== 'function') fail('io.withSaveHandler', 'expected a function (artifacts) => Promise<SaveResult>');
  return { save: saveHandler };
}

/** TF.js's `tf.io.fromMemory(modelArtifacts)` or `fromMemory(modelTopology, weightSpecs, weightData, trainingConfig)`. */
function fromMemory(modelArtifacts: ModelArtifacts | Record<string, unknown>, weightSpecs?: WeightsManifestEntry[], weightData?: ArrayBuffer, trainingConfig?: Record<string, unknown>): IOHandler {
  return lazyHandler((impl) => impl.io.fromMemory(modelArtifacts, weightSpecs, weightData, trainingConfig), false, true);
}

/** TF.js Node's `tf.io.fileSystem('file://dir')` (Node only). */
function fileSystem(url: string): IOHandler {
  if (!isNode()) {
    fail('io.fileSystem', `reading and writing '${url}' on disk is Node-only${isBrowser() ? ' (this is a browser)' : ''}; ` +
      "in the browser use 'indexeddb://name', 'localstorage://name', 'downloads://name', an http(s) URL or tf.io.browserFiles([...])");
  }
  return lazyHandler((impl) => impl.io.fileSystem(url), true, true);
}

/** TF.js's `tf.io.http(url, {requestInit, weightPathPrefix, fetchFunc, onProgress})` (./http.ts). */
function http(url: string, options: HttpOptions = {}): IOHandler {
  if (typeof url !== 'string' || url === '') fail('io.http', `expected a URL string, received ${typeof url}`);
  return lazyHandler((impl) => impl.http(url, options), true, true);
}

/** TF.js's `tf.io.browserFiles([model.json, ...weight files])` (./stores.ts). */
function browserFiles(files: Blob[] | FileList): IOHandler & { files: Blob[] } {
  const list = files && typeof (files as FileList).length === 'number' ? Array.from(files as ArrayLike<Blob>) : null;
  if (!list || list.length === 0) fail('io.browserFiles', 'expected a non-empty array (or FileList) of File objects: model.json and its weight files');
  for (const f of list) if (!isBlob(f)) fail('io.browserFiles', `every item must be a File or Blob, received ${typeof f}`);
  return { files: list, load: async () => (await formats()).browserFiles(list).load!() };
}

/**
 * `tf.io` without the safetensors helpers (`saveSafetensors` / `loadSafetensors` read and write
 * files: Node only; `encodeSafetensors` / `decodeSafetensors` work on bytes anywhere), which each
 * entry adds: TF.js's handlers and model management.
 */
export const ioRouting = {
  withSaveHandler,
  fromMemory,
  fileSystem,
  http,
  browserHTTPRequest: http,
  browserFiles,
  /** `{url: ModelArtifactsInfo}` of the models in IndexedDB and localStorage. */
  listModels: async (): Promise<Record<string, ModelArtifactsInfo>> => (await formats()).listModels(),
  /** Copies a stored model (`indexeddb://` / `localstorage://`, either way). */
  copyModel: async (from: string, to: string): Promise<ModelArtifactsInfo> => (await formats()).copyModel(from, to),
  /** Copies, then removes the source. */
  moveModel: async (from: string, to: string): Promise<ModelArtifactsInfo> => (await formats()).moveModel(from, to),
  /** Deletes a stored model; resolves to its info. */
  removeModel: async (url: string): Promise<ModelArtifactsInfo> => (await formats()).removeModel(url),
};

registerModelIO({
  save: (m, t, o) => saveModel(m, t, o as SaveOptions),
  saveWeights: (m, f, o) => saveWeights(m, f, o as SaveOptions),
  loadWeights: (m, f, o) => loadWeights(m, f as string | Blob, o as LoadWeightsOptions),
});

export type { IOHandler, ModelArtifacts, SaveResult } from './tfjs.ts';
export type { LoadWeightsOptions, LoadModelOptions, SaveOptions } from './keras.ts';
export type { HttpOptions, ModelArtifactsInfo } from './http.ts';
