/**
 * Builds the native addon (native/build/Release/idem_native.node) with node-gyp. Run by
 * `npm install` (package.json "install" script). It never fails the install: if the build
 * cannot run (no compiler, no headers, no node-gyp), it prints one warning and exits 0, and
 * idem uses its other backends.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = join(dirname(process.execPath), '..');

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    join(prefix, 'lib/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return [process.execPath, c];
  return ['node-gyp'];
}

function warn(reason) {
  console.warn(`idem: native backend not built (${reason}); using the WebAssembly backend (or the JavaScript reference backend) instead.`);
  process.exit(0);
}

if (process.env.IDEM_SKIP_NATIVE) warn('IDEM_SKIP_NATIVE is set');
const [cmd, ...pre] = findNodeGyp();
const args = [...pre, 'rebuild', '-C', here];
// Use the installed Node headers (no download) when npm did not say where they are.
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : '');
if (nodedir) args.push(`--nodedir=${nodedir}`);
const verbose = !!process.env.IDEM_NATIVE_VERBOSE;
const r = spawnSync(cmd, args, { stdio: verbose ? 'inherit' : 'pipe', encoding: 'utf8' });
if (r.error) warn(`could not run node-gyp: ${r.error.message}`);
if (r.status !== 0) {
  // The first lines that say what went wrong (compiler errors before node-gyp's boilerplate).
  const lines = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /error|not found|No such file/i.test(l) && !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l));
  const why = (errors.length ? errors : lines).slice(0, 3).join(' | ');
  warn(`node-gyp exited with ${r.status}${why ? `: ${why}` : ''}; set IDEM_NATIVE_VERBOSE=1 for the full log`);
}
console.log('idem: native backend built (native/build/Release/idem_native.node)');
