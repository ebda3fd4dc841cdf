/**
 * `idem report`: a logdir written by the TensorBoard callback → the HTML page (curves carry the
 * logged values, histograms, summary, graph, compare report) and PNG curves (decoded with pngjs).
 * test/fixtures/compare_seed000.json is a hand-written CompareReport (src/compare/types.ts) in the
 * shape of seed 000's mistake.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import pngjs from 'pngjs';
import * as tf from '../src/index.ts';
import { main } from '../src/cli.ts';
import { curveRaster, formatTick, layoutChart, layoutGraph, niceStep, readLogdir, Raster, writeReport } from '../src/report/index.ts';
import { hexColor } from '../src/report/png.ts';
import { curveSvg, MAX_DOTS } from '../src/report/svg.ts';
import { glyph } from '../src/report/font.ts';
import { encodeEvent, DT } from '../src/summary/protos.ts';
import { frameRecord } from '../src/summary/records.ts';
import { expectThrows } from './util.ts';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'compare_seed000.json');

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'idem-report-'));
}

/** Attribute values of every `<tag ... name="...">` whose opening tag matches `filter`. */
function attrs(html: string, tagRe: RegExp): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of html.matchAll(tagRe)) {
    const rec: Record<string, string> = {};
    for (const a of m[0].matchAll(/([a-z-]+)="([^"]*)"/g)) rec[a[1]!] = a[2]!;
    out.push(rec);
  }
  return out;
}

describe('idem report', () => {
  let logdir = '';
  let history: Record<string, number[]> = {};
  let weights: tf.Variable[] = [];
  before(async () => {
    tf.setSeed(7);
    logdir = tmpdir();
    const inp = tf.input({ shape: [4], name: 'features' });
    const a = tf.layers.dense({ units: 6, activation: 'relu', name: 'left' }).apply(inp) as tf.KerasTensor;
    const b = tf.layers.dense({ units: 6, activation: 'tanh', name: 'right' }).apply(inp) as tf.KerasTensor;
    const c = tf.layers.concatenate({ name: 'join' }).apply([a, b]) as tf.KerasTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(c) as tf.KerasTensor;
    const m = tf.model({ inputs: inp, outputs: out, name: 'branchy' });
    m.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = tf.randomNormal([30, 4], 0, 1, 'float32', 11);
    const y = tf.oneHot(tf.tensor(Array.from({ length: 30 }, (_, i) => i % 3), [30], 'int32'), 3);
    const h = await m.fit(x, y, { epochs: 4, batchSize: 10, validationSplit: 0.2, verbose: 0, callbacks: [tf.callbacks.tensorBoard(logdir, { histogramFreq: 2 })] });
    history = h.history;
    weights = m.weights;
  });

  it('reads the logdir: runs, scalars, histograms, summary text and graph', () => {
    const d = readLogdir(logdir);
    assert.deepEqual(d.runs.map((r) => r.name), ['train', 'validation']);
    const [train, val] = d.runs;
    assert.deepEqual(train!.scalars.get('epoch_loss')!.map((p) => p.value), history['loss']!.map(Math.fround));
    assert.deepEqual(val!.scalars.get('epoch_accuracy')!.map((p) => [p.step, p.value]), history['val_accuracy']!.map((v, i) => [i, Math.fround(v)]));
    assert.deepEqual(train!.histograms.get('left/kernel/histogram')!.map((p) => p.step), [0, 2], 'histogramFreq 2');
    const last = train!.histograms.get('probs/kernel/histogram')!.at(-1)!;
    assert.equal(last.num, 12 * 3, 'num = kernel size');
    assert.equal(last.bins.reduce((n, b) => n + b.count, 0), 36, 'bins hold every value');
    assert.match(train!.texts.get('model_summary')![0]!.text, /Model: "branchy"/);
    assert.deepEqual(train!.graph!.node.map((n) => n.name), ['features', 'left', 'right', 'join', 'probs']);
    assert.deepEqual(train!.graph!.node[3]!.input, ['left', 'right']);
  });

  it('`idem report` writes one self-contained HTML page whose curves carry the logged values, and PNGs', async () => {
    const out = path.join(tmpdir(), 'r.html');
    const pngDir = path.join(tmpdir(), 'png');
    // The real command line, in a child process (as a user runs it).
    const cli = path.resolve(import.meta.dirname, '../src/cli.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'report', logdir, '--out', out, '--png', pngDir, '--compare', FIXTURE], { encoding: 'utf8' });
    assert.equal(r.status, 0, `exit code (stderr: ${r.stderr})`);
    assert.match(r.stdout, /^wrote .*r\.html \(2 run\(s\): train, validation; 2 scalar tag\(s\); compare report\)\nwrote .*epoch_loss\.png\nwrote .*epoch_accuracy\.png\n$/, r.stdout);
    const html = fs.readFileSync(out, 'utf8');
    // Self-contained: no external resource of any kind.
    assert.equal(/<link\b|<script\s+src|<img\b|url\((?!#)|@import/i.test(html), false, 'no external resources');
    assert.deepEqual([...html.matchAll(/https?:\/\/[^"'\s<]*/g)].map((m) => m[0]).filter((u) => u !== 'http://www.w3.org/2000/svg'), [], 'no URLs but the SVG namespace');
    // Curves: one chart per epoch metric, train and validation series with the logged values.
    const charts = attrs(html, /<svg class="curve"[^>]*>/g).map((a) => a['data-tag']);
    assert.deepEqual(charts, ['epoch_loss', 'epoch_accuracy'], 'loss first, then the metric');
    const series = attrs(html, /<g class="series"[^>]*>/g);
    const find = (tagIndex: number, run: string) => series.filter((s) => s['data-run'] === run)[tagIndex]!;
    assert.deepEqual(find(0, 'train')['data-values']!.split(',').map(Number), history['loss']!.map(Math.fround));
    assert.deepEqual(find(0, 'validation')['data-values']!.split(',').map(Number), history['val_loss']!.map(Math.fround));
    assert.deepEqual(find(1, 'validation')['data-values']!.split(',').map(Number), history['val_accuracy']!.map(Math.fround));
    assert.equal(find(0, 'train')['data-steps'], '0,1,2,3');
    assert.equal(attrs(html, /<circle [^>]*>/g).length, 4 * 4, '4 points × (2 runs × 2 charts)');
    // Histograms, one per weight.
    const hists = attrs(html, /<svg class="histogram"[^>]*>/g);
    assert.deepEqual(hists.map((h) => h['data-tag']), weights.map((w) => `${w.name.replace(/:0$/, '')}/histogram`));
    assert.ok(hists.every((h) => h['data-steps'] === '0,2'), 'steps 0 and 2');
    // Model: summary and graph.
    assert.match(html, /<pre class="summary">Model: &quot;branchy&quot;[\s\S]*Total params: /);
    const nodes = attrs(html, /<g class="node[^"]*"[^>]*>/g);
    assert.deepEqual(nodes.map((n) => [n['data-name'], n['data-op'], n['data-inputs']]), [
      ['features', 'InputLayer', ''],
      ['left', 'Dense', 'features'],
      ['right', 'Dense', 'features'],
      ['join', 'Concatenate', 'left,right'],
      ['probs', 'Dense', 'join'],
    ]);
    assert.equal(attrs(html, /<path class="edge"[^>]*>/g).length, 5, 'five edges');
    // Compare: both models, the first divergence banner and its highlighted row.
    assert.match(html, /class="model-card side-a"[^>]*>.*seed000_keras/);
    assert.match(html, /class="model-card side-b"[^>]*>.*seed000_tf/);
    const div = /<tr class="differs divergence" id="first-divergence" data-status="differs"><td>([^<]*)<\/td><td class="a">([^<]*)<\/td><td class="b">([^<]*)</.exec(html);
    assert.ok(div, 'divergent row marked');
    assert.deepEqual(div.slice(1), ['dropout #1 (A: dropout, B: op 4 dropout)', '70.1% dropped', '29.8% dropped']);
    assert.equal((html.match(/id="first-divergence"/g) ?? []).length, 1, 'one row marked');
    assert.match(html, /<div class="divergence-banner" data-section="stochastic">.*Fix:<\/strong> In A use rate = 1 - 0.7 = 0.3/);

    // PNGs: one per chart, 2× the SVG size, with the series drawn where the chart model puts it.
    assert.deepEqual(fs.readdirSync(pngDir).sort(), ['epoch_accuracy.png', 'epoch_loss.png']);
    const png = pngjs.PNG.sync.read(fs.readFileSync(path.join(pngDir, 'epoch_loss.png')));
    assert.deepEqual([png.width, png.height], [1120, 600]);
    const model = layoutChart('epoch_loss', [
      { name: 'train', color: '#e8710a', points: history['loss']!.map((v, i) => ({ step: i, value: Math.fround(v) })) },
      { name: 'validation', color: '#1a73e8', points: history['val_loss']!.map((v, i) => ({ step: i, value: Math.fround(v) })) },
    ]);
    for (const [k, rgb] of [[0, [0xe8, 0x71, 0x0a]], [1, [0x1a, 0x73, 0xe8]]] as const) {
      for (const [x, y] of model.series[k]!.px) {
        const i = (Math.round(y * 2) * png.width + Math.round(x * 2)) * 4;
        assert.deepEqual([png.data[i], png.data[i + 1], png.data[i + 2]], [...rgb], `series ${k} point at (${x}, ${y})`);
      }
    }
  });

  it('finds <logdir>/compare.json by itself, and rejects a malformed one naming the field', () => {
    const dir = tmpdir();
    fs.cpSync(logdir, dir, { recursive: true });
    fs.copyFileSync(FIXTURE, path.join(dir, 'compare.json'));
    const r = writeReport(dir);
    assert.equal(r.html, path.join(dir, 'report.html'));
    assert.equal(r.compare?.firstDivergence?.section, 'stochastic');
    assert.match(fs.readFileSync(r.html, 'utf8'), /id="first-divergence"/);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ version: 1, a: { name: 'x' }, b: { name: 'y' } }));
    expectThrows(() => writeReport(dir, { compare: bad }), /report: .*bad\.json: not a compare report.*"sections" must be an array/);
    expectThrows(() => writeReport(tmpdir()), /report: no event files \(events\.out\.tfevents\.\*\) under/);
  });

  it('the CLI rejects unknown options and missing arguments with exit code 2', async () => {
    const err = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      assert.equal(await main(['report']), 2);
      assert.equal(await main(['report', logdir, '--bogus']), 2);
      assert.equal(await main(['report', 'a', 'b']), 2);
    } finally {
      process.stderr.write = err;
    }
  });

  it('reads TensorFlow 2 tensor-form scalars and histograms (plugins scalars/histograms)', () => {
    const dir = tmpdir();
    const le = (xs: number[]) => new Uint8Array(new Float64Array(xs).buffer);
    const recs = [
      encodeEvent({ wallTime: 1, fileVersion: 'brain.Event:2' }),
      encodeEvent({ wallTime: 2, step: 0, summary: { value: [{ tag: 'epoch_loss', metadata: { pluginData: { pluginName: 'scalars' } }, tensor: { dtype: DT.FLOAT, floatVal: [0.75] } }] } }),
      // Later values of a tag may come without metadata (TF writes it once).
      encodeEvent({ wallTime: 3, step: 1, summary: { value: [{ tag: 'epoch_loss', tensor: { dtype: DT.FLOAT, floatVal: [0.5] } }] } }),
      encodeEvent({ wallTime: 4, step: 1, summary: { value: [{ tag: 'w', metadata: { pluginData: { pluginName: 'histograms' } }, tensor: { dtype: DT.DOUBLE, tensorShape: { dim: [{ size: 2 }, { size: 3 }] }, tensorContent: le([0, 1, 3, 1, 2, 5]) } }] } }),
    ];
    fs.writeFileSync(path.join(dir, 'events.out.tfevents.1.host'), Buffer.concat(recs.map((r) => frameRecord(r))));
    const d = readLogdir(dir);
    assert.equal(d.runs[0]!.name, '.');
    assert.deepEqual(d.runs[0]!.scalars.get('epoch_loss')!.map((p) => [p.step, p.value]), [[0, 0.75], [1, 0.5]]);
    assert.deepEqual(d.runs[0]!.histograms.get('w')![0], { step: 1, min: 0, max: 2, num: 8, bins: [{ left: 0, right: 1, count: 3 }, { left: 1, right: 2, count: 5 }] });
  });
});

describe('report drawing', () => {
  it('nice ticks and labels', () => {
    assert.deepEqual([niceStep(0.13), niceStep(3), niceStep(7), niceStep(0.0004)], [0.2, 5, 10, 0.0005]);
    assert.deepEqual([formatTick(0.25, 0.05), formatTick(3, 1), formatTick(2e-5, 1e-5), formatTick(0, 0.1)], ['0.25', '3', '2.0e-5', '0']);
    const m = layoutChart('t', [{ name: 'r', color: '#000000', points: [{ step: 0, value: 1 }, { step: 10, value: 2 }] }]);
    assert.deepEqual(m.xTicks.map((t) => t.value), [0, 2, 4, 6, 8, 10]);
    assert.equal(m.series[0]!.px[0]![0], m.plot.left, 'first step at the left edge');
    assert.equal(m.series[0]!.px[1]![0], m.plot.right, 'last step at the right edge');
    assert.ok(m.series[0]!.px[1]![1] < m.series[0]!.px[0]![1], 'larger value drawn higher');
  });

  it('long series: a line through every point, dots only up to MAX_DOTS', () => {
    const pts = Array.from({ length: MAX_DOTS + 100 }, (_, i) => ({ step: i + 1, value: 1 / (i + 1) }));
    const svg = curveSvg('batch_loss', [{ name: 'train', color: '#e8710a', points: pts }]);
    assert.equal((svg.match(/<circle /g) ?? []).length, 0, 'no dots');
    assert.equal(/<polyline points="([^"]*)"/.exec(svg)![1]!.split(' ').length, pts.length, 'every point on the line');
    assert.equal(/data-values="([^"]*)"/.exec(svg)![1]!.split(',').length, pts.length, 'every value in data-values');
    const short = curveSvg('x', [{ name: 'train', color: '#e8710a', points: pts.slice(0, MAX_DOTS) }]);
    assert.equal((short.match(/<circle /g) ?? []).length, MAX_DOTS, 'dots up to the limit');
  });

  it('graph layout: a node sits one row below its deepest input; branches share a row', () => {
    const L = layoutGraph({ node: [
      { name: 'in', op: 'InputLayer' },
      { name: 'a', op: 'Dense', input: ['in'] },
      { name: 'b', op: 'Dense', input: ['in'] },
      { name: 'a2', op: 'Dense', input: ['a'] },
      { name: 'cat', op: 'Concatenate', input: ['a2', 'b:0'] },
    ] });
    const y = Object.fromEntries(L.boxes.map((b) => [b.node.name, b.y]));
    const x = Object.fromEntries(L.boxes.map((b) => [b.node.name, b.x]));
    assert.ok(y['a'] === y['b'] && y['a']! > y['in']!, 'a and b in row 1');
    assert.ok(x['a'] !== x['b'], 'side by side');
    assert.ok(y['cat']! > y['a2']! && y['a2']! > y['a']!, 'cat below a2 below a');
  });

  it('bitmap text and thick lines land on the expected pixels', () => {
    const R = new Raster(20, 12);
    R.text('A', 1, 1, [0, 0, 0], 1);
    const g = glyph('a');
    for (let r = 0; r < 7; r++) for (let c = 0; c < 5; c++) assert.equal(R.get(1 + c, 1 + r)[0] === 0, g[r]![c], `glyph A at row ${r}, col ${c}`);
    const L = new Raster(10, 10);
    L.line(1, 5, 8, 5, [255, 0, 0], 3);
    assert.deepEqual([L.get(4, 4), L.get(4, 5), L.get(4, 6), L.get(4, 7)], [[255, 0, 0], [255, 0, 0], [255, 0, 0], [255, 255, 255]]);
    assert.deepEqual(hexColor('#1a73e8'), [26, 115, 232]);
    assert.equal(curveRaster('x', [{ name: 'r', color: '#000000', points: [{ step: 0, value: 0 }] }], 100, 80, 1).width, 100);
  });
});
