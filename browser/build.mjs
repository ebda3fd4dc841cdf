// `npm run build` (after tsc): bundles the browser entry (src/browser.ts) into
// dist/idem.browser.js — one minified ES module with its source map, for a
// `<script type="module">` without a bundler — plus the HDF5 library (h5wasm, ~5 MiB) in a chunk
// of its own beside it, loaded by a dynamic import() only when a page reads or writes an HDF5 file
// (.keras, .h5, .weights.h5). Prints the sizes (minified and gzipped).
//
//   node browser/build.mjs              write dist/idem.browser.js (+ .map, + the HDF5 chunk)
//   node browser/build.mjs --outdir D   write into D instead
import * as esbuild from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRY = join(ROOT, 'src', 'browser.ts');
export const BUNDLE_NAME = 'idem.browser';

/** esbuild options for the browser bundle (shared with test/browser_build.test.ts). */
export function bundleOptions(outdir) {
  return {
    entryPoints: { [BUNDLE_NAME]: ENTRY },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'firefox100', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    chunkNames: `${BUNDLE_NAME}-[name]-[hash]`,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'eof',
    absWorkingDir: ROOT,
  };
}

/**
 * The entry's own size: the entry chunk and every chunk it imports statically (what a page
 * downloads before the first line of its code runs), minified and gzipped (level 9).
 */
export function coreSize(metafile, contentsOf) {
  const outs = metafile.outputs;
  // The bundle itself (the chunks of dynamic import()s are entry points in the metafile too).
  const entry = Object.keys(outs).find((k) => k.endsWith(`/${BUNDLE_NAME}.js`) || k === `${BUNDLE_NAME}.js`);
  if (!entry) throw new Error(`no ${BUNDLE_NAME}.js among the outputs`);
  const seen = new Set();
  const stack = [entry];
  while (stack.length) {
    const k = stack.pop();
    if (seen.has(k)) continue;
    seen.add(k);
    for (const i of outs[k].imports) if (i.kind === 'import-statement' && !i.external) stack.push(i.path);
  }
  const parts = [...seen].map((k) => contentsOf(k));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return { chunks: [...seen], bytes: all.length, gzip: gzipSync(all, { level: 9 }).length };
}

/** Builds into `outdir`; returns {files: [{file, bytes, gzip}], core, metafile}. */
export async function buildBrowserBundle(outdir = join(ROOT, 'dist'), { write = true } = {}) {
  if (write) {
    mkdirSync(outdir, { recursive: true });
    // Old chunks (their names carry a hash) would pile up.
    for (const f of existsSync(outdir) ? readdirSync(outdir) : []) if (f.startsWith(`${BUNDLE_NAME}-`)) rmSync(join(outdir, f));
  }
  const result = await esbuild.build({ ...bundleOptions(outdir), write });
  const files = [];
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    if (!out.endsWith('.js')) continue;
    const file = join(ROOT, out);
    const contents = result.outputFiles?.find((o) => o.path === file)?.contents;
    const bytes = contents ?? readFileSync(file);
    const what = out.endsWith(`${BUNDLE_NAME}.js`) ? 'the bundle' : Object.keys(meta.inputs).some((i) => i.includes('h5wasm')) ? 'HDF5, loaded on demand' : Object.keys(meta.inputs).some((i) => i.includes('src/io/index.ts')) ? 'model file formats, loaded on demand' : 'shared code';
    files.push({ file, bytes: meta.bytes, gzip: gzipSync(bytes, { level: 9 }).length, what, inputs: Object.keys(meta.inputs) });
  }
  const core = coreSize(result.metafile, (k) => {
    const file = join(ROOT, k);
    return result.outputFiles?.find((o) => o.path === file)?.contents ?? readFileSync(file);
  });
  return { files, core, metafile: result.metafile, outputFiles: result.outputFiles };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--outdir');
  const outdir = i >= 0 ? process.argv[i + 1] : join(ROOT, 'dist');
  try {
    const { files, core } = await buildBrowserBundle(outdir);
    const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
    for (const f of files) console.log(`${relative(ROOT, f.file)}: ${kib(f.bytes)} minified, ${kib(f.gzip)} gzipped (${f.what})`);
    console.log(`core (what a page loads first): ${kib(core.bytes)} minified, ${kib(core.gzip)} gzipped`);
  } catch (e) {
    console.error(`browser bundle failed: ${e.message}`);
    process.exit(1);
  }
}
