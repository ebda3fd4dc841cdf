/**
 * TF.js artifacts over HTTP, and the pieces of the TF.js format that need no model code
 * (so the browser stores and the HTTP handler stay out of the lazily loaded format code).
 *
 * - `http(url, {requestInit, weightPathPrefix, fetchFunc, onProgress})`: TF.js's `tf.io.http`.
 *   `load()` fetches model.json, checks it, then fetches every weight shard named by its
 *   weightsManifest (paths relative to the model.json's folder, or to `weightPathPrefix`; an
 *   absolute path, a URL or `..` is refused). `save(artifacts)` POSTs a multipart form with
 *   `model.json` and `model.weights.bin` (what TF.js's handler sends). Failed requests are
 *   errors naming the URL and the HTTP status.
 * - `parseModelJson` / `artifactsFromModelJson` / `modelJsonFromArtifacts` / `artifactsInfo` /
 *   `weightBytes`: the model.json layout shared by the file, HTTP and browser-store handlers.
 */
import { IdemError, fail } from '../core/errors.ts';
import { fetchBytes, fetchText } from '../platform/index.ts';
import type { IOHandler, ModelArtifacts, ModelJSON, SaveResult, WeightsManifestEntry } from './tfjs.ts';

export type ModelArtifactsInfo = SaveResult['modelArtifactsInfo'];

/** The weight data of artifacts as one byte array (a view when it is one buffer). */
export function weightBytes(art: ModelArtifacts): Uint8Array {
  const d = art.weightData;
  if (d === undefined) return new Uint8Array(0);
  if (Array.isArray(d)) {
    const parts = d.map((b) => new Uint8Array(b));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  return new Uint8Array(d);
}

/** A fresh ArrayBuffer holding exactly `bytes`. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : (bytes.slice().buffer as ArrayBuffer);
}

/** TF.js's ModelArtifactsInfo for artifacts (sizes of the JSON topology, specs and weights). */
export function artifactsInfo(art: ModelArtifacts): ModelArtifactsInfo {
  if (art.modelTopology instanceof ArrayBuffer) fail('save', 'a binary (GraphDef) topology is a graph model; idem saves layers models');
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: art.modelTopology === undefined ? 0 : new TextEncoder().encode(JSON.stringify(art.modelTopology)).length,
    weightSpecsBytes: art.weightSpecs === undefined ? 0 : new TextEncoder().encode(JSON.stringify(art.weightSpecs)).length,
    weightDataBytes: weightBytes(art).length,
  };
}

/** model.json for artifacts whose weights are in the files `paths`. */
export function modelJsonFromArtifacts(art: ModelArtifacts, paths: string[]): ModelJSON {
  const json: ModelJSON = {
    modelTopology: art.modelTopology as Record<string, unknown>,
    format: art.format ?? 'layers-model',
    generatedBy: art.generatedBy,
    convertedBy: art.convertedBy ?? null,
    weightsManifest: [{ paths, weights: art.weightSpecs ?? [] }],
  };
  if (art.trainingConfig) json.trainingConfig = art.trainingConfig;
  if (art.userDefinedMetadata) json.userDefinedMetadata = art.userDefinedMetadata;
  return json;
}

/** Parses and checks model.json text: a topology and a weightsManifest of {paths, weights} groups. */
export function parseModelJson(text: string, where: string, op: string): ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(op, `${where} is not a valid model.json: ${(e as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) fail(op, `${where} is not a model.json (not a JSON object)`);
  const j = json as ModelJSON;
  if (!j.modelTopology || typeof j.modelTopology !== 'object') fail(op, `${where}: no modelTopology`);
  if (!Array.isArray(j.weightsManifest)) fail(op, `${where}: no weightsManifest list`);
  for (const g of j.weightsManifest) {
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights)) fail(op, `${where}: a weightsManifest group needs paths and weights`);
    for (const p of g.paths) {
      if (typeof p !== 'string' || p === '' || p.startsWith('/') || p.startsWith('\\') || /^[a-z][a-z0-9+.-]*:/i.test(p) || p.split(/[\\/]/).includes('..')) {
        fail(op, `${where}: shard path ${JSON.stringify(p)} must be a relative path inside the model's folder`);
      }
    }
  }
  return j;
}

/** Artifacts from a checked model.json and its concatenated shards. */
export function artifactsFromModelJson(json: ModelJSON, data: Uint8Array): ModelArtifacts {
  const specs: WeightsManifestEntry[] = json.weightsManifest.flatMap((g) => g.weights);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    weightSpecs: specs,
    weightData: toArrayBuffer(data),
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
  };
}

export interface HttpOptions {
  /** Passed to every fetch (headers, credentials, ...); `method` and `body` are set for save. */
  requestInit?: RequestInit;
  /** Where the weight shards are (default: the model.json's folder). */
  weightPathPrefix?: string;
  /** A fetch to use instead of the global one. */
  fetchFunc?: typeof fetch;
  /** Called with the fraction of the weight shards fetched so far (0..1). */
  onProgress?: (fraction: number) => void;
}

const HTTP_KEYS = ['requestInit', 'weightPathPrefix', 'fetchFunc', 'onProgress'];

/** `url` resolved against the page's address (in a page or worker), else returned as is. */
export function absoluteUrl(url: string): string {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return base ? new URL(url, base).href : new URL(url).href;
  } catch {
    return url;
  }
}

/** The folder of `url` (up to its last '/'), with the query dropped. */
function folderOf(url: string): string {
  const noQuery = url.split(/[?#]/)[0]!;
  return noQuery.slice(0, noQuery.lastIndexOf('/') + 1);
}

async function withFetch<T>(fetchFunc: typeof fetch | undefined, fn: () => Promise<T>): Promise<T> {
  if (!fetchFunc) return fn();
  const original = globalThis.fetch;
  globalThis.fetch = fetchFunc;
  try {
    return await fn();
  } finally {
    globalThis.fetch = original;
  }
}

/** model.json and its shards fetched from `url` (see the file comment). */
export async function loadModelJsonFromUrl(url: string, options: HttpOptions = {}, op = 'loadLayersModel'): Promise<ModelArtifacts> {
  return withFetch(options.fetchFunc, async () => {
    const text = await fetchText(url, op, options.requestInit);
    const json = parseModelJson(text, url, op);
    const prefix = options.weightPathPrefix !== undefined ? (options.weightPathPrefix.endsWith('/') ? options.weightPathPrefix : `${options.weightPathPrefix}/`) : folderOf(url);
    const paths = json.weightsManifest.flatMap((g) => g.paths);
    let done = 0;
    options.onProgress?.(paths.length === 0 ? 1 : 0);
    const parts = await Promise.all(paths.map(async (p) => {
      const bytes = await fetchBytes(`${prefix}${p}`, `${op} (weight shard of ${url})`, options.requestInit);
      options.onProgress?.(++done / paths.length);
      return bytes;
    }));
    const data = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
    let o = 0;
    for (const b of parts) {
      data.set(b, o);
      o += b.length;
    }
    return artifactsFromModelJson(json, data);
  });
}

/** TF.js's `tf.io.http(url, options)` (see the file comment). */
export function http(url: string, options: HttpOptions = {}): IOHandler {
  const op = 'io.http';
  if (typeof url !== 'string' || url === '') fail(op, `expected a URL string, received ${typeof url}`);
  if (options === null || typeof options !== 'object') fail(op, `expected an options object, received ${String(options)}`);
  for (const k of Object.keys(options)) if (!HTTP_KEYS.includes(k)) fail(op, `unknown option '${k}' (expected ${HTTP_KEYS.join(', ')})`);
  if (options.requestInit?.body !== undefined) fail(op, 'requestInit.body is set by the handler (the model files); leave it out');
  return {
    load: () => loadModelJsonFromUrl(url, options),
    save: async (art: ModelArtifacts): Promise<SaveResult> => withFetch(options.fetchFunc, async () => {
      const info = artifactsInfo(art);
      const form = new FormData();
      const json = modelJsonFromArtifacts(art, ['./model.weights.bin']);
      form.append('model.json', new Blob([JSON.stringify(json)], { type: 'application/json' }), 'model.json');
      form.append('model.weights.bin', new Blob([weightBytes(art) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), 'model.weights.bin');
      let r: Response;
      try {
        r = await fetch(url, { ...options.requestInit, method: options.requestInit?.method ?? 'POST', body: form });
      } catch (e) {
        throw new IdemError(`save: posting the model to ${url} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (!r.ok) throw new IdemError(`save: posting the model to ${url} failed: HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`);
      return { modelArtifactsInfo: info, responses: [r] };
    }),
  };
}
