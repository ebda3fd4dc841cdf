/** The idem CLI: `idem --help` lists the commands; `idem compare a.ts b.ts [--json]` on the fixture models. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { main } from '../src/cli.ts';

const dir = resolve(import.meta.dirname, 'fixtures/compare');
const keras = resolve(dir, 'keras.ts');
const hand = resolve(dir, 'hand.ts');
const keepProb = resolve(dir, 'hand_keep_prob.ts');

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write;
  const e = process.stderr.write;
  // Strings are the command's output; the test runner's own reports (binary, through stdout) pass.
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => (typeof s === 'string' ? ((out += s), true) : (o as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array, ...rest: unknown[]) => (typeof s === 'string' ? ((err += s), true) : (e as (...a: unknown[]) => boolean).call(process.stderr, s, ...rest))) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe('idem CLI', () => {
  it('--help lists compare', async () => {
    const r = await capture(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /\n {2}compare +compare two models/);
    const h = await capture(['compare', '--help']);
    assert.match(h.out, /^usage: idem compare <a> <b>/);
  });

  it('compare: Keras Dropout(0.3) vs a hand model given keep probability 0.7 as rate (seed 000) — text', async () => {
    const r = await capture(['compare', keras, keepProb, '--batch', '50']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /A: Keras model 'sequential(_\d+)?' \(25,450 trainable parameters\)/);
    assert.match(r.out, /B: hand model 'hand \(rate 0\.7\)'/);
    assert.match(r.out, /batch \[50,784\]/);
    assert.match(r.out, /First divergence \(architecture: #4 dropout rate\):\n {2}Dropout in B drops [67]\d\.\d% of units, A drops [23]\d\.\d%: `rate` is the fraction dropped/);
    assert.match(r.out, /Fix: In B \(op 4 dropout\) use rate = 1 - 0\.7 = 0\.3\./);
  });

  it('compare --json --out: the structured report, written atomically', async () => {
    const out = resolve(mkdtempSync(resolve(tmpdir(), 'idem-compare-')), 'compare.json');
    const r = await capture(['compare', keras, keepProb, '--json', '--batch', '20', '--out', out]);
    assert.equal(r.code, 1);
    const rep = JSON.parse(r.out);
    assert.equal(rep.version, 1);
    assert.equal(rep.firstDivergence.section, 'architecture');
    assert.deepEqual(rep.batch, { shape: [20, 784], seed: 0 });
    const drop = rep.sections.find((s: { id: string }) => s.id === 'stochastic').rows[0];
    assert.equal(drop.values.rateA, 0.3);
    assert.equal(drop.values.rateB, 0.7);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), rep);
  });

  it('compare --steps: the same network both ways trains bit-identically; exit 0', async () => {
    const r = await capture(['compare', keras, hand, '--steps', '3', '--batch', '20']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /No divergence/);
    assert.match(r.out, /Trained both 3 steps on the same MNIST batches: losses bit-identical at every step .*; parameters after training bit-identical/);
  });

  it('compare: a saved .keras model file (tf.loadLayersModel) against the module it came from', async () => {
    const { default: build } = (await import(keras)) as { default: () => import('../src/index.ts').LayersModel };
    const tf = await import('../src/index.ts');
    const file = resolve(mkdtempSync(resolve(tmpdir(), 'idem-compare-')), 'model.keras');
    tf.setSeed(0);
    await tf.saveModel(build(), file);
    const r = await capture(['compare', keras, file, '--batch', '20', '--steps', '2']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /B: Keras model 'sequential(_\d+)?' \(25,450 trainable parameters\)/);
    assert.match(r.out, /No divergence/);
    assert.match(r.out, /losses bit-identical at every step/);
  });

  it('compare: usage errors exit 2 with a message', async () => {
    const one = await capture(['compare', keras]);
    assert.equal(one.code, 2);
    assert.match(one.err, /two model files expected, received 1/);
    const missing = await capture(['compare', keras, resolve(dir, 'nope.ts')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no such file/);
    const noModel = await capture(['compare', keras, resolve(import.meta.dirname, 'util.ts')]);
    assert.equal(noModel.code, 2);
    assert.match(noModel.err, /must export a model/);
  });
});
