/**
 * The browser build: bundling the browser entry (src/browser.ts) for platform=browser succeeds
 * (esbuild refuses a Node built-in it cannot resolve), no Node built-in and no Node-only module
 * is in its module graph, HDF5 (h5wasm) and the model file formats are chunks of their own loaded
 * on demand, and the core — what a page downloads before its first line runs — stays under
 * 150 KiB gzipped. Also: both entries export the same names, and the Node-only parts throw an
 * error that says so and what to use instead.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import { spawnSync } from 'node:child_process';
// @ts-expect-error -- a plain .mjs build script without types
import { buildBrowserBundle } from '../browser/build.mjs';

const CORE_LIMIT_GZIP = 150 * 1024;

interface Built {
  files: { file: string; bytes: number; gzip: number; what: string; inputs: string[] }[];
  core: { chunks: string[]; bytes: number; gzip: number };
  metafile: { inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>; outputs: Record<string, { inputs: Record<string, unknown>; imports: { path: string; kind: string }[]; entryPoint?: string }> };
}

describe('browser build', () => {
  let built: Built;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-bundle-'));

  it('bundles src/browser.ts for the browser, with no Node built-in in its module graph', { timeout: 120_000 }, async () => {
    built = (await buildBrowserBundle(outdir)) as Built;
    const inputs = Object.keys(built.metafile.inputs);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const bad = inputs.filter((i) => i.startsWith('node:') || builtins.has(i) || i.startsWith('(disabled)'));
    assert.deepEqual(bad, [], 'Node built-ins in the browser graph');
    for (const [file, meta] of Object.entries(built.metafile.inputs)) {
      for (const imp of meta.imports) assert.ok(!imp.external, `${file} imports ${imp.path}, left external`);
    }
    // Node-only modules never enter the graph.
    const nodeOnly = inputs.filter((i) => /src\/(platform\/node|backends\/native\/(index|loader|backend)|data\/image_folder|summary\/|report\/(index|html|png|logdir)|cli)/.test(i) || /node_modules\/(pngjs|jpeg-js|protobufjs)\//.test(i));
    assert.deepEqual(nodeOnly, [], 'Node-only modules in the browser graph');
    assert.ok(inputs.includes('src/browser.ts') && inputs.includes('src/api.ts'));
  });

  it('keeps HDF5 and the file formats in chunks loaded on demand; the core is under 150 KiB gzipped', () => {
    const main = built.files.find((f) => f.what === 'the bundle')!;
    assert.ok(main && path.basename(main.file) === 'idem.browser.js', 'dist name');
    assert.ok(fs.existsSync(`${main.file}.map`), 'source map written');
    assert.ok(built.core.chunks.some((c) => c.endsWith('/idem.browser.js')), `the core starts at the bundle: ${built.core.chunks}`);
    const coreInputs = built.core.chunks.flatMap((c) => Object.keys(built.metafile.outputs[c]!.inputs));
    assert.ok(coreInputs.includes('src/api.ts') && coreInputs.includes('src/layers/core.ts'), 'the core holds the API and the layers');
    assert.ok(!coreInputs.some((i) => i.startsWith('src/applications/') && !i.endsWith('preprocess.ts')) && !coreInputs.includes('src/io/safetensors.ts') && !coreInputs.includes('src/compare/index.ts'), 'tf.applications\' builders, safetensors and tf.compare are chunks loaded by tf.ready()');
    assert.ok(!coreInputs.some((i) => i.includes('h5wasm')), 'h5wasm is not in the core');
    assert.ok(!coreInputs.some((i) => i === 'src/io/index.ts' || i === 'src/io/keras.ts' || i.includes('fflate')), 'the file formats are not in the core');
    const h5 = built.files.find((f) => f.what.startsWith('HDF5'));
    assert.ok(h5 && h5.inputs.some((i) => i.includes('h5wasm')), 'an HDF5 chunk exists');
    const formats = built.files.find((f) => f.what.startsWith('model file formats'));
    assert.ok(formats && formats.inputs.includes('src/io/keras.ts'), 'a formats chunk exists');
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`# core bundle: ${kib(built.core.bytes)} minified, ${kib(built.core.gzip)} gzipped (${built.core.chunks.length} files); HDF5 chunk ${kib(h5.bytes)} (${kib(h5.gzip)} gzipped); formats chunk ${kib(formats.bytes)} (${kib(formats.gzip)} gzipped)`);
    assert.ok(built.core.gzip < CORE_LIMIT_GZIP, `core bundle ${kib(built.core.gzip)} gzipped, limit ${kib(CORE_LIMIT_GZIP)}: keep code a page does not need at once out of the core — load it with a dynamic import() where its API is asynchronous (as src/io/front.ts does for the file formats, src/backends/webgpu_lazy.ts for WebGPU, src/browser.ts for tf.compare/tf.lint), or make it Node-only; \`node browser/build.mjs\` prints the chunks`);
  });

  it("`import * as tf from 'idem'` resolves to the browser entry in bundlers and to the Node entry in Node (package.json exports)", { timeout: 60_000 }, async () => {
    // A consumer project with idem in its node_modules (a link to this repository, as npm link).
    const root = path.join(import.meta.dirname, '..');
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-consumer-'));
    fs.mkdirSync(path.join(app, 'node_modules'));
    fs.symlinkSync(root, path.join(app, 'node_modules', 'idem'), 'dir');
    fs.writeFileSync(path.join(app, 'app.js'), "import * as tf from 'idem';\nexport default tf;\n");
    const esbuild = await import('esbuild');
    const resolved: Record<string, string> = {};
    for (const platform of ['browser', 'node', 'neutral'] as const) {
      await esbuild.build({
        entryPoints: [path.join(app, 'app.js')], bundle: true, write: false, format: 'esm', platform, logLevel: 'silent',
        plugins: [{
          name: 'which-entry',
          setup(b) {
            b.onResolve({ filter: /^idem$/ }, async (a) => {
              if (a.pluginData === 'probe') return undefined;
              const r = await b.resolve('idem', { kind: a.kind, resolveDir: a.resolveDir, pluginData: 'probe' });
              assert.deepEqual(r.errors, [], `esbuild (${platform}) resolves idem (its entries are in dist/, made by npm run build, which npm ci runs)`);
              resolved[platform] = path.relative(root, r.path);
              return { path: r.path, external: true };
            });
          },
        }],
      });
    }
    assert.deepEqual(resolved, { browser: path.join('dist', 'browser.js'), node: path.join('dist', 'index.js'), neutral: path.join('dist', 'browser.js') }, 'dist/ is made by npm run build (npm ci runs it)');
    const inNode = (args: string[]) => {
      const r = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return path.relative(root, fs.realpathSync(r.stdout.trim().replace(/^file:\/\//, '')));
    };
    assert.equal(inNode(['--input-type=module', '-e', "console.log(import.meta.resolve('idem'))"]), path.join('dist', 'index.js'), 'import in Node');
    assert.equal(inNode(['-e', "console.log(require.resolve('idem'))"]), path.join('dist', 'index.js'), 'require in Node');
    fs.rmSync(app, { recursive: true, force: true });
  });

  it('both entries export the same names (new exports go in src/api.ts)', async () => {
    const node = await import('../src/index.ts');
    const web = await import('../src/browser.ts');
    const a = Object.keys(node).sort();
    const b = Object.keys(web).sort();
    assert.deepEqual(b.filter((k) => !a.includes(k)), [], 'exported by src/browser.ts only');
    assert.deepEqual(a.filter((k) => !b.includes(k)), [], 'exported by src/index.ts only: add shared exports to src/api.ts, Node-only ones also (as a stub) to src/browser.ts');
    assert.deepEqual(Object.keys(web.data).sort(), Object.keys(node.data).sort(), 'tf.data members');
    assert.deepEqual(Object.keys(web.callbacks).sort(), Object.keys(node.callbacks).sort(), 'tf.callbacks members');
    assert.deepEqual(Object.keys(web.summary).sort(), Object.keys(node.summary).sort(), 'tf.summary members');
    assert.deepEqual(Object.keys(web.io).sort(), Object.keys(node.io).sort(), 'tf.io members');
    assert.deepEqual(Object.keys(web.applications).sort(), Object.keys(node.applications).sort(), 'tf.applications members');
  });

  it("the browser entry's Node-only parts say so and what to use instead", async () => {
    const web = await import('../src/browser.ts');
    assert.throws(() => web.data.imageFolder('x'), /tf\.data\.imageFolder: reading an image folder from disk is Node-only .*tf\.browser\.fromPixels/);
    assert.throws(() => web.callbacks.tensorBoard('logs'), /tf\.callbacks\.tensorBoard: writing TensorBoard event files is Node-only .*tf\.callbacks\.liveChart/);
    assert.throws(() => web.summary.scalar('a', 1, 0), /tf\.summary\.scalar: writing and reading TensorBoard event files is Node-only/);
    assert.throws(() => new web.TensorBoard('logs'), /Node-only/);
  });
});
