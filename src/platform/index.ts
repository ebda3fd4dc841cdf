/**
 * The platform layer: everything idem needs from its host that is not plain JavaScript —
 * fetching bytes, reading and writing files, console output, the clock, the core count, worker
 * threads — so that no module of the browser graph imports a Node built-in.
 *
 * Node's built-ins reach the shared modules only through `nodeApis()`: installed by
 * `src/platform/node.ts` (the Node entry `src/index.ts` imports it first; it imports `node:fs`,
 * `node:path`, ... statically), or, when a module is imported on its own, taken from
 * `process.getBuiltinModule` (Node ≥ 20.16). In a browser it is null, and every Node-only
 * feature calls `requireNode(op, what, instead)`, which throws an error that says so and what to
 * use there instead.
 *
 * Host-neutral helpers: `fetchBytes` / `fetchText` (errors name the URL and the HTTP status),
 * `writeOut` (Node: stdout; browser: the console, one `console.log` per line), `now`,
 * `hardwareConcurrency`, `envVar`, `sayOnce`, `isBrowser` / `inDedicatedWorker` /
 * `crossOriginIsolated`.
 */
import { IdemError } from '../core/errors.ts';

/** The Node built-ins the shared modules use (types only here: nothing is imported). */
export interface NodeApis {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  os: typeof import('node:os');
  zlib: typeof import('node:zlib');
  module: { createRequire: typeof import('node:module').createRequire };
  url: typeof import('node:url');
  workerThreads: typeof import('node:worker_threads');
  process: NodeJS.Process;
}

let installed: NodeApis | null = null;
let looked = false;
let found: NodeApis | null = null;

/** Called by src/platform/node.ts with the statically imported built-ins. */
export function installNodeApis(apis: NodeApis): void {
  installed = apis;
}

interface NodeProcessLike {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

function nodeProcess(): NodeProcessLike | undefined {
  const p = (globalThis as unknown as { process?: NodeProcessLike }).process;
  return p?.versions?.node ? p : undefined;
}

/** Node's built-ins, or null outside Node (browsers, workers, Deno without Node compatibility). */
export function nodeApis(): NodeApis | null {
  if (installed) return installed;
  if (!looked) {
    looked = true;
    const p = nodeProcess();
    const get = p?.getBuiltinModule;
    if (p && get) {
      const m = (id: string) => get.call(p, id);
      found = {
        fs: m('node:fs') as NodeApis['fs'],
        path: m('node:path') as NodeApis['path'],
        os: m('node:os') as NodeApis['os'],
        zlib: m('node:zlib') as NodeApis['zlib'],
        module: m('node:module') as NodeApis['module'],
        url: m('node:url') as NodeApis['url'],
        workerThreads: m('node:worker_threads') as NodeApis['workerThreads'],
        process: p as unknown as NodeJS.Process,
      };
    }
  }
  return found;
}

/** True in Node.js (with its built-ins reachable). */
export function isNode(): boolean {
  return nodeApis() !== null;
}

/**
 * Throws the error for a Node-only feature used elsewhere:
 * `${op}: ${what} is Node-only (this is a browser); ${instead}`.
 */
export function nodeOnly(op: string, what: string, instead: string): never {
  const where = isBrowser() ? 'this is a browser' : 'Node.js built-ins are not available here';
  throw new IdemError(`${op}: ${what} is Node-only (${where}); ${instead}`);
}

/** Node's built-ins, or the Node-only error (see `nodeOnly`). */
export function requireNode(op: string, what: string, instead: string): NodeApis {
  return nodeApis() ?? nodeOnly(op, what, instead);
}

/** The advice for file paths outside Node, shared by the io functions' errors. */
export const BROWSER_STORAGE_ADVICE = "in the browser use an http(s) or relative URL, 'indexeddb://name', 'localstorage://name', 'downloads://name' or tf.io.browserFiles([...])";

interface GlobalLike {
  window?: unknown;
  document?: unknown;
  WorkerGlobalScope?: unknown;
  DedicatedWorkerGlobalScope?: abstract new () => unknown;
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  performance?: { now(): number };
}
const G = globalThis as unknown as GlobalLike;

/** True in a web page or a web worker. */
export function isBrowser(): boolean {
  return !nodeProcess() && (G.window !== undefined || G.WorkerGlobalScope !== undefined);
}

/** True inside a dedicated Web Worker (where `Atomics.wait` may block). */
export function inDedicatedWorker(): boolean {
  return typeof G.DedicatedWorkerGlobalScope === 'function' && globalThis instanceof G.DedicatedWorkerGlobalScope;
}

/** The page's `crossOriginIsolated` (true in Node, where shared memory is always allowed). */
export function crossOriginIsolated(): boolean {
  if (nodeProcess()) return true;
  return G.crossOriginIsolated === true;
}

/** Milliseconds from an arbitrary origin (`performance.now()`). */
export function now(): number {
  return G.performance ? G.performance.now() : Date.now();
}

/** Logical cores: Node's `availableParallelism`, the browser's `navigator.hardwareConcurrency`. */
export function hardwareConcurrency(): number {
  const n = nodeApis();
  if (n) return n.os.availableParallelism?.() ?? n.os.cpus().length ?? 1;
  const h = G.navigator?.hardwareConcurrency;
  return typeof h === 'number' && h >= 1 ? Math.floor(h) : 1;
}

/** An environment variable (Node only; undefined elsewhere). */
export function envVar(name: string): string | undefined {
  return (globalThis as unknown as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

let pending = '';
let consoleWriter: ((line: string) => void) | null = null;

/**
 * Writes progress text. Node: stdout, as is. Elsewhere: complete lines go to `console.log`
 * (or the writer given to `setConsoleWriter`), one call per line; carriage-return redraws keep
 * only the text after the last `\r`, and ANSI escapes are dropped.
 */
export function writeOut(s: string): void {
  const n = nodeApis();
  if (n && !consoleWriter) {
    n.process.stdout.write(s);
    return;
  }
  pending += s;
  let i: number;
  while ((i = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, i);
    pending = pending.slice(i + 1);
    const shown = line.slice(line.lastIndexOf('\r') + 1).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    (consoleWriter ?? ((l: string) => console.log(l)))(shown);
  }
}

/** Redirects `writeOut` (progress lines) to `fn`, line by line; null restores the default. */
export function setConsoleWriter(fn: ((line: string) => void) | null): void {
  consoleWriter = fn;
  pending = '';
}

/** Whether `writeOut` goes to a terminal (progress bars are redrawn in place only there). */
export function outIsTTY(): boolean {
  const n = nodeApis();
  return Boolean(n && !consoleWriter && n.process.stdout.isTTY);
}

const said = new Set<string>();

/** `console.info(message)` the first time `key` is seen in this context; later calls are silent. */
export function sayOnce(key: string, message: string): void {
  if (said.has(key)) return;
  said.add(key);
  console.info(message);
}

/**
 * `fetch(url)` → its bytes. Errors name the operation, the URL and the HTTP status
 * (`loadLayersModel: fetching https://host/m.json failed: HTTP 404 Not Found`), or the network
 * failure.
 */
export async function fetchBytes(url: string, op: string, init?: RequestInit): Promise<Uint8Array> {
  const r = await fetchOk(url, op, init);
  return new Uint8Array(await r.arrayBuffer());
}

/** `fetch(url)` → its text; errors as `fetchBytes`. */
export async function fetchText(url: string, op: string, init?: RequestInit): Promise<string> {
  const r = await fetchOk(url, op, init);
  return r.text();
}

async function fetchOk(url: string, op: string, init?: RequestInit): Promise<Response> {
  if (typeof fetch !== 'function') throw new IdemError(`${op}: cannot fetch ${url}: this JavaScript engine has no fetch()`);
  let r: Response;
  try {
    r = await fetch(url, init);
  } catch (e) {
    throw new IdemError(`${op}: fetching ${absoluteUrl(url)} failed: ${e instanceof Error ? e.message : String(e)}${causeText(e)}`);
  }
  if (!r.ok) throw new IdemError(`${op}: fetching ${absoluteUrl(url)} failed: HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`);
  return r;
}

/** A relative URL resolved against the page's (or Worker's) location, as fetch resolved it. */
function absoluteUrl(url: string): string {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  if (!base) return url;
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}

function causeText(e: unknown): string {
  const c = (e as { cause?: unknown } | null)?.cause;
  if (!c) return '';
  const msg = c instanceof Error ? c.message : String(c);
  return msg ? ` (${msg})` : '';
}

/** True for `http://` / `https://` URLs. */
export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** A file's bytes (Node only); errors name `op` and the file. */
export function readFileBytes(file: string, op: string): Uint8Array {
  const n = requireNode(op, `reading the file '${file}'`, BROWSER_STORAGE_ADVICE);
  try {
    return n.fs.readFileSync(file);
  } catch (e) {
    throw new IdemError(`${op}: cannot read ${file}: ${(e as Error).message}`);
  }
}
