/**
 * Guards against the native tests silently skipping: in CI (`.ci/run` sets IDEM_REQUIRE_NATIVE=1)
 * a native addon that did not build is a failure, not a skip; and everywhere a built addon older
 * than its sources (a checkout or rebase after the last build) is a failure that says to rebuild,
 * since every native test would otherwise run the old binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadNativeAddon, nativeLoadError } from '../src/backends/native/loader.js';

const root = join(import.meta.dirname, '..');
const addonPath = join(root, 'native/build/Release/idem_native.node');

test('native addon: built when IDEM_REQUIRE_NATIVE=1, and not older than its sources', () => {
  if (process.env.IDEM_REQUIRE_NATIVE === '1') {
    assert.ok(loadNativeAddon() !== null, `IDEM_REQUIRE_NATIVE=1 but the native addon did not load: ${nativeLoadError()}`);
  }
  if (!existsSync(addonPath)) return;
  const built = statSync(addonPath).mtimeMs;
  const sources = ['native/binding.gyp', ...readdirSync(join(root, 'native/src')).map((f) => `native/src/${f}`)];
  const stale = sources.filter((f) => statSync(join(root, f)).mtimeMs > built);
  assert.deepEqual(stale, [], `the native addon is older than ${stale.join(', ')}: run \`npm run build:native\``);
});
