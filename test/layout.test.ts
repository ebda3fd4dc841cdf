/**
 * The layout shows the architecture: each folder of src/ imports only from folders below it
 * (or from itself). Order: core → platform → backends → autodiff, random → ops → losses → graph, initializers, data, metrics → variables, optimizers → layers → models → io, compare, summary → applications, report → cli → index and cli.ts.
 * No layer imports the engine, and the engine's frames (its modes) are read only in the folders
 * that own them (docs/architecture.md).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../src');
const RANK: Record<string, number> = { core: 0, platform: 0.5, backends: 1, autodiff: 2, random: 2, ops: 3, losses: 3.5, graph: 4, initializers: 4, data: 4, web: 4, metrics: 4, variables: 5, optimizers: 5, layers: 6, models: 7, io: 8, compare: 8, summary: 8, applications: 9, report: 9, cli: 10, '.': 11 };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layer(path: string): string {
  const rel = relative(SRC, path);
  return rel.includes('/') ? rel.split('/')[0]! : '.';
}

describe('layout', () => {
  it('every import points down the stack', () => {
    const bad: string[] = [];
    for (const f of files(SRC)) {
      const from = layer(f);
      assert.ok(from in RANK, `src/${relative(SRC, f)}: folder '${from}' is not in the layer list of test/layout.test.ts`);
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/from\s+'(\.[^']+)'/g)) {
        const to = layer(resolve(dirname(f), m[1]!));
        if (to !== from && !(RANK[to]! < RANK[from]!)) bad.push(`src/${relative(SRC, f)} (${from}) imports ${m[1]} (${to})`);
      }
    }
    assert.deepEqual(bad, []);
  });
  it('no layer imports the engine: a layer calls ops (a fast path is an op with a fused form)', () => {
    const hits = files(join(SRC, 'layers')).filter((f) => /from\s+'[^']*core\/engine\.ts'/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(hits.map((f) => `src/${relative(SRC, f)}`), []);
  });
  it('no engine mode read outside src/core, src/autodiff, src/graph and src/compare', () => {
    // The frames (src/core/context.ts) are read where they are owned; everything else asks the
    // engine one question (mayUse, inside ops' fused forms) or pauses tapes with noGrad.
    const MODE = /ENGINE\s*\.\s*(frames|tapes|tracer|tracingTaped|opInterceptor|dryRun\w*|debugMode|fastBackward|isRecording|withoutTapes|runStateful|runEffect|hostCall|pushTape|popTape|recordNode|isTapeSaved)\b/;
    const allowed = new Set(['core', 'autodiff', 'graph', 'compare']);
    const hits: string[] = [];
    for (const f of files(SRC)) {
      if (allowed.has(layer(f))) continue;
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        if (MODE.test(line)) hits.push(`src/${relative(SRC, f)}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(hits, []);
  });
  it('no Math.random in src', () => {
    const hits = files(SRC).filter((f) => readFileSync(f, 'utf8').includes('Math' + '.random'));
    assert.deepEqual(hits, []);
  });
});
