/** The README's main job, short: Keras fit and the hand loop on real MNIST agree bit for bit; then compare explains seed 000's mistake. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

describe('main job (examples/main.ts)', () => {
  it('Keras fit and the hand-written loop train to bit-identical weights on MNIST (8 steps)', () => {
    const root = resolve(import.meta.dirname, '..');
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/main.ts', '--steps', '8'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.match(out, /bit-identical: yes — all 400,906 trained parameters are equal bit for bit/);
    const accs = [...out.matchAll(/test accuracy ([\d.]+)%/g)].map((m) => Number(m[1]));
    assert.equal(accs.length, 2);
    assert.equal(accs[0], accs[1]);
    assert.ok(accs[0]! > 30, `8 steps already beat chance (10%): ${accs[0]}%`);
    // then tf.compare on seed 000's mistake names the dropout difference
    assert.match(out, /First divergence \(architecture: #4 dropout rate\):\n {2}Dropout in B drops [67]\d\.\d% of units, A drops [23]\d\.\d%: `rate` is the fraction dropped; B was given 0\.7, which looks like a keep probability/);
    assert.match(out, /Fix: In B \(op 4 dropout\) use rate = 1 - 0\.7 = 0\.3\./);
    assert.match(out, /Initial weights — same/);
    assert.match(out, /Stochastic layers \(training mode\) — differs/);
  });
});
