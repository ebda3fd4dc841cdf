/**
 * A reusable harness for tests that run idem in a real browser: Debian's Chromium
 * (/usr/bin/chromium, installed by .ci/run), driven headless by playwright-core, against a local
 * static HTTP server on 127.0.0.1.
 *
 *   const server = await startServer({ mounts: { '/bundle/': dir }, pages: { '/t.html': html }, isolated: true });
 *   const browser = await launchChromium();            // { args } for extra flags (WebGPU: ['--enable-unsafe-webgpu'], gpu: true)
 *   const run = await openPage(browser, server.url('/t.html'));
 *   const value = await run.page.evaluate(async () => ...);
 *   assert.deepEqual(run.errors, []); assert.deepEqual(browser.foreignRequests, []);
 *   await browser.close(); await server.close();
 *
 * - `startServer`: serves files under `mounts` (URL prefix → folder), in-memory `pages` (path →
 *   text or bytes, or a function of the request), answers 404 for anything else, records every
 *   request (`server.requests`), and with `isolated` sends the COOP/COEP headers that make a page
 *   cross-origin isolated (SharedArrayBuffer, threads). `onPost` handles POST bodies.
 * - `launchChromium`: a fresh profile, no network but the test server: any request to another
 *   origin is recorded in `foreignRequests` and aborted (blob: and data: URLs are allowed).
 * - `openPage`: a new tab that collects console errors, page errors and every console line.
 * - `chromiumSkip`: false, or the reason to skip (Chromium absent) for `it(..., { skip })`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env['IDEM_CHROMIUM'] ?? '/usr/bin/chromium';
export const chromiumSkip: string | false = fs.existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it): browser test skipped`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.csv': 'text/csv',
  '.svg': 'image/svg+xml',
};

export interface ServerOptions {
  /** URL prefix (ending in '/') → folder served under it. */
  mounts?: Record<string, string>;
  /** Path → content (or a function of the request returning content, or null for 404). */
  pages?: Record<string, string | Uint8Array | ((req: http.IncomingMessage) => string | Uint8Array | null)>;
  /** Send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp. */
  isolated?: boolean;
  /** Handles a POST: its path and body; the returned status is sent (default 200). */
  onPost?: (path: string, body: Buffer, headers: http.IncomingHttpHeaders) => number | void;
}

export interface TestServer {
  origin: string;
  url(p: string): string;
  /** Every request: 'GET /path' (with the status answered). */
  requests: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = decodeURIComponent(url.pathname);
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (options.isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    const send = (status: number, body: string | Uint8Array, type = 'text/plain; charset=utf-8') => {
      requests.push({ method: req.method ?? 'GET', path: p, status });
      res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    };
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = options.onPost ? (options.onPost(p, Buffer.concat(chunks), req.headers) ?? 200) : 405;
        send(status, status < 300 ? 'ok' : 'refused');
      });
      return;
    }
    const page = options.pages?.[p];
    if (page !== undefined) {
      const body = typeof page === 'function' ? page(req) : page;
      if (body === null) return send(404, 'not found');
      return send(200, body, TYPES[path.extname(p)] ?? 'application/octet-stream');
    }
    for (const [prefix, dir] of Object.entries(options.mounts ?? {})) {
      if (!p.startsWith(prefix)) continue;
      const rel = p.slice(prefix.length);
      const file = path.resolve(dir, rel);
      if (!file.startsWith(path.resolve(dir) + path.sep) && file !== path.resolve(dir)) return send(403, 'forbidden');
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return send(200, fs.readFileSync(file), TYPES[path.extname(file)] ?? 'application/octet-stream');
    }
    send(404, 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (p: string) => `${origin}${p}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface ChromiumOptions {
  /** Extra command-line flags. */
  args?: string[];
  /** Keep the GPU (WebGPU tests); default false adds --disable-gpu. */
  gpu?: boolean;
  /** Origins requests may go to (default: any 127.0.0.1 / localhost origin: the test servers). */
  allow?: (url: URL) => boolean;
  viewport?: { width: number; height: number };
}

export interface TestBrowser {
  context: BrowserContext;
  /** Requests to any origin but the local test servers (aborted). */
  foreignRequests: string[];
  /** Files downloaded (suggested name → bytes), when a page starts downloads. */
  downloads: Map<string, Buffer>;
  close(): Promise<void>;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<TestBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', ...(options.gpu ? [] : ['--disable-gpu']), '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps', ...(options.args ?? [])],
    viewport: options.viewport ?? { width: 1240, height: 900 },
  });
  const foreignRequests: string[] = [];
  const allow = options.allow ?? ((u: URL) => u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost'));
  await context.route('**/*', (route) => {
    const raw = route.request().url();
    let u: URL | null = null;
    try {
      u = new URL(raw);
    } catch {
      u = null;
    }
    if (u && (u.protocol === 'blob:' || u.protocol === 'data:' || allow(u))) return route.continue();
    foreignRequests.push(raw);
    return route.abort();
  });
  const downloads = new Map<string, Buffer>();
  return {
    context,
    foreignRequests,
    downloads,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface PageRun {
  page: Page;
  /** Console errors and uncaught page errors, in order. */
  errors: string[];
  /** Every console message, `type: text`. */
  console: string[];
  /** Waits until the downloads the page started have been saved. */
  settleDownloads(): Promise<void>;
}

/** Opens `url` in a new tab, collecting console output and errors; waits for 'load'. */
export async function openPage(browser: TestBrowser, url: string): Promise<PageRun> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  const lines: string[] = [];
  const downloadsDone: Promise<void>[] = [];
  page.on('console', (msg) => {
    lines.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error') errors.push(`${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${String(e)}`));
  page.on('download', (d) => {
    downloadsDone.push((async () => {
      const file = await d.path();
      if (file) browser.downloads.set(d.suggestedFilename(), fs.readFileSync(file));
    })());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, console: lines, settleDownloads: async () => void (await Promise.all(downloadsDone)) };
}

/** A page that imports `moduleUrl` as `window.tf` and sets `window.tfReady` (or `window.tfError`). */
export function harnessPage(moduleUrl: string, title = 'idem test'): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>
<script type="module">
try {
  const tf = await import(${JSON.stringify(moduleUrl)});
  window.tf = tf;
  window.tfReady = true;
} catch (e) {
  window.tfError = String(e && e.stack || e);
}
</script></body></html>`;
}

/** Waits for a `harnessPage` to have imported its module; throws with the import error. */
export async function waitForTf(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => (globalThis as any).tfReady === true || (globalThis as any).tfError !== undefined, undefined, { timeout });
  const err = await page.evaluate(() => (globalThis as any).tfError as string | undefined);
  if (err) throw new Error(`the page could not import idem: ${err}`);
}
