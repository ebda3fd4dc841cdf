/**
 * The browser's model stores, with TF.js's URL schemes and layouts (a model saved by TF.js in
 * the same origin loads here, and the other way round):
 *
 * - `indexeddb://name`: IndexedDB database `tensorflowjs` (version 1), object stores
 *   `models_store` (`{modelPath, modelArtifacts}`) and `model_info_store` (`{modelPath,
 *   modelArtifactsInfo}`), both keyed by `modelPath`; one transaction writes both.
 * - `localstorage://name`: keys `tensorflowjs_models/<name>/info`, `/topology`, `/weight_specs`,
 *   `/weight_data` (base64) and `/model_metadata` (format, generatedBy, convertedBy,
 *   userDefinedMetadata, trainingConfig). A full store (about 5 MB per origin) is an error that
 *   says so and names the size; nothing half-written is left.
 * - `downloads://name`: the page downloads `name.json` and `name.weights.bin` (default name
 *   `model`); a name ending in `.keras`, `.h5`, `.weights.h5` or `.safetensors` downloads that
 *   one file instead (written by the format code).
 * - `tf.io.browserFiles([model.json, shards...])` loads files a user picked (an `<input
 *   type=file>`); a single `.keras` / `.h5` file is read as that format.
 * - `tf.io.listModels()`, `copyModel(from, to)`, `moveModel(from, to)`, `removeModel(url)` over
 *   both stores.
 *
 * Outside a browser (Node) these schemes are errors that say what to use instead.
 */
import { IdemError, fail } from '../core/errors.ts';
import { isBrowser } from '../platform/index.ts';
import { artifactsFromModelJson, artifactsInfo, modelJsonFromArtifacts, parseModelJson, toArrayBuffer, weightBytes, type ModelArtifactsInfo } from './http.ts';
import type { IOHandler, ModelArtifacts, SaveResult, WeightsManifestEntry } from './tfjs.ts';

export const IDB_NAME = 'tensorflowjs';
export const IDB_VERSION = 1;
export const MODELS_STORE = 'models_store';
export const INFO_STORE = 'model_info_store';
export const LS_PREFIX = 'tensorflowjs_models';

const SCHEMES = ['indexeddb', 'localstorage', 'downloads'] as const;
export type StoreScheme = (typeof SCHEMES)[number];

/** `indexeddb://a/b` → ['indexeddb', 'a/b']; null for other strings. */
export function storeUrl(url: string): [StoreScheme, string] | null {
  const m = /^([a-z]+):\/\/(.*)$/i.exec(url);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  if (!(SCHEMES as readonly string[]).includes(scheme)) return null;
  return [scheme as StoreScheme, m[2]!];
}

function needBrowser(op: string, what: string): void {
  if (!isBrowser()) fail(op, `${what} needs a web browser (it is not available in this JavaScript environment); in Node.js save to a file path ('m.keras', 'file://dir') and load from it`);
}

function checkName(op: string, scheme: string, name: string): void {
  if (name === '') fail(op, `'${scheme}://' needs a model name after it, e.g. '${scheme}://my-model'`);
}

// ------------------------------------------------------------------ IndexedDB

interface StoredModel {
  modelPath: string;
  modelArtifacts: ModelArtifacts;
}
interface StoredInfo {
  modelPath: string;
  modelArtifactsInfo: ModelArtifactsInfo;
}

function idbFactory(op: string): IDBFactory {
  needBrowser(op, "'indexeddb://'");
  const f = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!f) fail(op, "'indexeddb://' needs IndexedDB, which this browser context does not offer (a private window or a sandboxed frame may disable it); use 'localstorage://' or 'downloads://'");
  return f;
}

function request<T>(r: IDBRequest<T>, op: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(new IdemError(`${op}: IndexedDB ${what} failed: ${r.error?.message ?? 'unknown error'}`));
  });
}

async function openDb(op: string): Promise<IDBDatabase> {
  const r = idbFactory(op).open(IDB_NAME, IDB_VERSION);
  r.onupgradeneeded = () => {
    const db = r.result;
    if (!db.objectStoreNames.contains(MODELS_STORE)) db.createObjectStore(MODELS_STORE, { keyPath: 'modelPath' });
    if (!db.objectStoreNames.contains(INFO_STORE)) db.createObjectStore(INFO_STORE, { keyPath: 'modelPath' });
  };
  return request(r, op, `opening the database '${IDB_NAME}'`);
}

function done(tx: IDBTransaction, op: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(new IdemError(`${op}: IndexedDB ${what} failed: ${tx.error?.message ?? 'unknown error'}`));
    tx.onabort = () => {
      const quota = tx.error?.name === 'QuotaExceededError' ? ' (the browser refused the space)' : '';
      reject(new IdemError(`${op}: IndexedDB ${what} was aborted: ${tx.error?.message ?? 'unknown reason'}${quota}`));
    };
  });
}

async function withDb<T>(op: string, fn: (db: IDBDatabase) => Promise<T>): Promise<T> {
  const db = await openDb(op);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

async function idbSave(name: string, art: ModelArtifacts, op = 'save'): Promise<SaveResult> {
  const info = artifactsInfo(art);
  // Stored as TF.js does: one ArrayBuffer of weights.
  const stored: ModelArtifacts = { ...art, weightData: toArrayBuffer(weightBytes(art)) };
  await withDb(op, async (db) => {
    const tx = db.transaction([INFO_STORE, MODELS_STORE], 'readwrite');
    const finished = done(tx, op, `saving 'indexeddb://${name}'`);
    tx.objectStore(INFO_STORE).put({ modelPath: name, modelArtifactsInfo: info } satisfies StoredInfo);
    tx.objectStore(MODELS_STORE).put({ modelPath: name, modelArtifacts: stored } satisfies StoredModel);
    await finished;
  });
  return { modelArtifactsInfo: info };
}

async function idbLoad(name: string, op = 'loadLayersModel'): Promise<ModelArtifacts> {
  return withDb(op, async (db) => {
    const tx = db.transaction(MODELS_STORE, 'readonly');
    const got = await request(tx.objectStore(MODELS_STORE).get(name) as IDBRequest<StoredModel | undefined>, op, `reading 'indexeddb://${name}'`);
    if (!got) fail(op, `no model at 'indexeddb://${name}' (tf.io.listModels() lists the saved ones)`);
    return got.modelArtifacts;
  });
}

async function idbList(op: string): Promise<Record<string, ModelArtifactsInfo>> {
  return withDb(op, async (db) => {
    const tx = db.transaction(INFO_STORE, 'readonly');
    const all = await request(tx.objectStore(INFO_STORE).getAll() as IDBRequest<StoredInfo[]>, op, 'listing the models');
    const out: Record<string, ModelArtifactsInfo> = {};
    for (const r of all) out[`indexeddb://${r.modelPath}`] = r.modelArtifactsInfo;
    return out;
  });
}

async function idbRemove(name: string, op: string): Promise<ModelArtifactsInfo> {
  return withDb(op, async (db) => {
    const tx = db.transaction([INFO_STORE, MODELS_STORE], 'readwrite');
    const finished = done(tx, op, `removing 'indexeddb://${name}'`);
    const info = await request(tx.objectStore(INFO_STORE).get(name) as IDBRequest<StoredInfo | undefined>, op, `reading 'indexeddb://${name}'`);
    if (!info) {
      tx.abort();
      await finished.catch(() => undefined);
      fail(op, `no model at 'indexeddb://${name}'`);
    }
    tx.objectStore(INFO_STORE).delete(name);
    tx.objectStore(MODELS_STORE).delete(name);
    await finished;
    return info.modelArtifactsInfo;
  });
}

// ------------------------------------------------------------------ localStorage

function storage(op: string): Storage {
  needBrowser(op, "'localstorage://'");
  let s: Storage | undefined;
  try {
    s = (globalThis as { localStorage?: Storage }).localStorage;
  } catch {
    s = undefined;
  }
  if (!s) fail(op, "'localstorage://' needs window.localStorage, which this context does not offer (a Worker has none); use 'indexeddb://'");
  return s;
}

const LS_PARTS = ['info', 'topology', 'weight_specs', 'weight_data', 'model_metadata'] as const;
const lsKey = (name: string, part: (typeof LS_PARTS)[number]) => `${LS_PREFIX}/${name}/${part}`;

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function unbase64(s: string, op: string, where: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    fail(op, `${where}: the weight data is not valid base64`);
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function lsSave(name: string, art: ModelArtifacts, op = 'save'): SaveResult {
  const s = storage(op);
  const info = artifactsInfo(art);
  const entries: [string, string][] = [
    [lsKey(name, 'info'), JSON.stringify(info)],
    [lsKey(name, 'topology'), JSON.stringify(art.modelTopology)],
    [lsKey(name, 'weight_specs'), JSON.stringify(art.weightSpecs ?? [])],
    [lsKey(name, 'weight_data'), base64(weightBytes(art))],
    [lsKey(name, 'model_metadata'), JSON.stringify({
      format: art.format,
      generatedBy: art.generatedBy,
      convertedBy: art.convertedBy,
      userDefinedMetadata: art.userDefinedMetadata,
      trainingConfig: art.trainingConfig,
    })],
  ];
  const previous = entries.map(([k]) => s.getItem(k));
  try {
    for (const [k, v] of entries) s.setItem(k, v);
  } catch (e) {
    // Put back what was there: never half a model.
    entries.forEach(([k], i) => (previous[i] === null ? s.removeItem(k) : s.setItem(k, previous[i]!)));
    const chars = entries.reduce((n, [k, v]) => n + k.length + v.length, 0);
    const full = e instanceof Error && /quota/i.test(`${e.name} ${e.message}`);
    const why = full
      ? `localStorage is full (browsers give an origin about 5 MB; this model needs ${(chars * 2 / 1048576).toFixed(1)} MB as UTF-16 text)`
      : (e as Error).message;
    fail(op, `cannot save 'localstorage://${name}': ${why}; use 'indexeddb://${name}' for larger models`);
  }
  return { modelArtifactsInfo: info };
}

function lsLoad(name: string, op = 'loadLayersModel'): ModelArtifacts {
  const s = storage(op);
  const where = `'localstorage://${name}'`;
  const info = s.getItem(lsKey(name, 'info'));
  if (info === null) fail(op, `no model at ${where} (tf.io.listModels() lists the saved ones)`);
  const get = (part: (typeof LS_PARTS)[number]) => {
    const v = s.getItem(lsKey(name, part));
    if (v === null) fail(op, `${where} is incomplete: the key '${lsKey(name, part)}' is missing`);
    return v;
  };
  const json = (part: (typeof LS_PARTS)[number]) => {
    try {
      return JSON.parse(get(part)) as unknown;
    } catch (e) {
      fail(op, `${where}: '${lsKey(name, part)}' is not valid JSON: ${(e as Error).message}`);
    }
  };
  const meta = (s.getItem(lsKey(name, 'model_metadata')) === null ? {} : json('model_metadata')) as Partial<ModelArtifacts>;
  const data = unbase64(get('weight_data'), op, where);
  return {
    modelTopology: json('topology') as Record<string, unknown>,
    weightSpecs: json('weight_specs') as WeightsManifestEntry[],
    weightData: toArrayBuffer(data),
    format: meta.format,
    generatedBy: meta.generatedBy,
    convertedBy: meta.convertedBy,
    userDefinedMetadata: meta.userDefinedMetadata,
    trainingConfig: meta.trainingConfig,
  };
}

function lsList(op: string): Record<string, ModelArtifactsInfo> {
  const s = storage(op);
  const out: Record<string, ModelArtifactsInfo> = {};
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (!k || !k.startsWith(`${LS_PREFIX}/`) || !k.endsWith('/info')) continue;
    const name = k.slice(LS_PREFIX.length + 1, -'/info'.length);
    try {
      out[`localstorage://${name}`] = JSON.parse(s.getItem(k)!) as ModelArtifactsInfo;
    } catch {
      // another library's key: not listed
    }
  }
  return out;
}

function lsRemove(name: string, op: string): ModelArtifactsInfo {
  const s = storage(op);
  const info = s.getItem(lsKey(name, 'info'));
  if (info === null) fail(op, `no model at 'localstorage://${name}'`);
  for (const p of LS_PARTS) s.removeItem(lsKey(name, p));
  try {
    return JSON.parse(info) as ModelArtifactsInfo;
  } catch {
    return { dateSaved: new Date(0), modelTopologyType: 'JSON' };
  }
}

// ------------------------------------------------------------------ downloads

/** Starts the page's downloads of `files` (name → bytes or text), in order. */
export async function downloadFiles(files: [string, Uint8Array | string, string][], op = 'save'): Promise<void> {
  needBrowser(op, "'downloads://'");
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) fail(op, "'downloads://' needs a page (document) to start a download, and a Worker has none: post the bytes to the page, or save to 'indexeddb://'");
  for (const [name, data, type] of files) {
    const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer> | string], { type }));
    const a = doc.createElement('a');
    a.download = name;
    a.href = url;
    a.style.display = 'none';
    doc.body.appendChild(a);
    a.click();
    a.remove();
    // The download has its own reference; free the object URL once it has started.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

async function downloadsSave(name: string, art: ModelArtifacts, op = 'save'): Promise<SaveResult> {
  const base = name === '' ? 'model' : name;
  const weights = `${base}.weights.bin`;
  const json = modelJsonFromArtifacts(art, [`./${weights}`]);
  await downloadFiles([[`${base}.json`, JSON.stringify(json), 'application/json'], [weights, weightBytes(art), 'application/octet-stream']], op);
  return { modelArtifactsInfo: artifactsInfo(art) };
}

// ------------------------------------------------------------------ browserFiles

/** The name of a picked file (or Blob). */
function fileName(f: Blob): string {
  const n = (f as { name?: unknown }).name;
  return typeof n === 'string' ? n : 'blob';
}

/**
 * TF.js's `tf.io.browserFiles(files)`: `[model.json, ...weight files]` as picked in an
 * `<input type=file multiple>` (the shards are matched by the names model.json lists), or one
 * `.keras` / `.h5` file (loaded by `loadLayersModel` through `loadBytes`).
 */
export function browserFiles(files: Blob[] | FileList): IOHandler & { files: Blob[] } {
  const op = 'io.browserFiles';
  const list = files && typeof (files as FileList).length === 'number' ? Array.from(files as ArrayLike<Blob>) : null;
  if (!list || list.length === 0) fail(op, 'expected a non-empty array (or FileList) of File objects: model.json and its weight files, or one .keras/.h5 file');
  for (const f of list) if (typeof Blob === 'undefined' || !(f instanceof Blob)) fail(op, `every item must be a File or Blob, received ${typeof f}`);
  return {
    files: list,
    load: async () => {
      const json = list[0]!;
      const name = fileName(json);
      if (!/\.json$/i.test(name)) fail('loadLayersModel', `io.browserFiles: the first file must be the model.json (or give loadLayersModel a single .keras/.h5 file), received '${name}'`);
      const j = parseModelJson(await json.text(), name, 'loadLayersModel');
      const byName = new Map(list.slice(1).map((f) => [fileName(f), f] as const));
      const parts: Uint8Array[] = [];
      for (const p of j.weightsManifest.flatMap((g) => g.paths)) {
        const base = p.split('/').pop()!;
        const f = byName.get(base);
        if (!f) fail('loadLayersModel', `io.browserFiles: ${name} names the weight file '${base}', which is not among the files given (${[...byName.keys()].join(', ') || 'none'})`);
        parts.push(new Uint8Array(await f.arrayBuffer()));
        byName.delete(base);
      }
      if (byName.size > 0) fail('loadLayersModel', `io.browserFiles: ${[...byName.keys()].join(', ')} ${byName.size === 1 ? 'is' : 'are'} not named by ${name}'s weightsManifest`);
      const data = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
      let o = 0;
      for (const b of parts) {
        data.set(b, o);
        o += b.length;
      }
      return artifactsFromModelJson(j, data);
    },
  };
}

// ------------------------------------------------------------------ by URL

/** The IO handler for an `indexeddb://` / `localstorage://` / `downloads://` URL. */
export function storeHandler(url: string, op: string): IOHandler {
  const s = storeUrl(url);
  if (!s) fail(op, `'${url}' is not an indexeddb://, localstorage:// or downloads:// URL`);
  const [scheme, name] = s;
  if (scheme !== 'downloads') checkName(op, scheme, name);
  if (scheme === 'indexeddb') return { save: (a) => idbSave(name, a), load: () => idbLoad(name) };
  if (scheme === 'localstorage') return { save: async (a) => lsSave(name, a), load: async () => lsLoad(name) };
  return {
    save: (a) => downloadsSave(name, a),
    load: async () => fail('loadLayersModel', "'downloads://' only saves (the browser's download folder cannot be read back): load the files with tf.io.browserFiles([...]) or from a URL"),
  };
}

/** `tf.io.listModels()`: `{url: ModelArtifactsInfo}` of the IndexedDB and localStorage stores. */
export async function listModels(): Promise<Record<string, ModelArtifactsInfo>> {
  const op = 'io.listModels';
  needBrowser(op, 'listing saved models');
  const out: Record<string, ModelArtifactsInfo> = {};
  if ((globalThis as { indexedDB?: IDBFactory }).indexedDB) Object.assign(out, await idbList(op));
  let ls: Storage | undefined;
  try {
    ls = (globalThis as { localStorage?: Storage }).localStorage;
  } catch {
    ls = undefined;
  }
  if (ls) Object.assign(out, lsList(op));
  return out;
}

function storeOf(url: unknown, op: string): [StoreScheme, string] {
  if (typeof url !== 'string') fail(op, `expected a model URL string ('indexeddb://name' or 'localstorage://name'), received ${typeof url}`);
  const s = storeUrl(url);
  if (!s || s[0] === 'downloads') fail(op, `'${url}': expected 'indexeddb://name' or 'localstorage://name'`);
  checkName(op, s[0], s[1]);
  return s;
}

/** `tf.io.removeModel(url)`: deletes a stored model; resolves to its info. */
export async function removeModel(url: string): Promise<ModelArtifactsInfo> {
  const op = 'io.removeModel';
  const [scheme, name] = storeOf(url, op);
  return scheme === 'indexeddb' ? idbRemove(name, op) : lsRemove(name, op);
}

async function loadStored(scheme: StoreScheme, name: string, op: string): Promise<ModelArtifacts> {
  return scheme === 'indexeddb' ? idbLoad(name, op) : lsLoad(name, op);
}

/** `tf.io.copyModel(from, to)` (the stores may differ); resolves to the copy's info. */
export async function copyModel(from: string, to: string): Promise<ModelArtifactsInfo> {
  const op = 'io.copyModel';
  const [fs, fn] = storeOf(from, op);
  const [ts, tn] = storeOf(to, op);
  if (fs === ts && fn === tn) fail(op, `the source and the destination are the same model ('${from}')`);
  const art = await loadStored(fs, fn, op);
  return (ts === 'indexeddb' ? await idbSave(tn, art, op) : lsSave(tn, art, op)).modelArtifactsInfo;
}

/** `tf.io.moveModel(from, to)`: a copy, then the source removed. */
export async function moveModel(from: string, to: string): Promise<ModelArtifactsInfo> {
  const op = 'io.moveModel';
  const [fs, fn] = storeOf(from, op);
  const [ts, tn] = storeOf(to, op);
  if (fs === ts && fn === tn) fail(op, `the source and the destination are the same model ('${from}')`);
  const art = await loadStored(fs, fn, op);
  const info = (ts === 'indexeddb' ? await idbSave(tn, art, op) : lsSave(tn, art, op)).modelArtifactsInfo;
  if (fs === 'indexeddb') await idbRemove(fn, op);
  else lsRemove(fn, op);
  return info;
}
