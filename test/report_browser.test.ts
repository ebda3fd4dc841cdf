/**
 * The `idem report` page in a real browser: Debian's Chromium (/usr/bin/chromium, installed by
 * .ci/run), driven headless by playwright-core, offline (every request that is not the file itself
 * is recorded and aborted). Checks: no console errors, no network, the curves' elements carry the
 * logged values and are drawn where those values say, the legend toggles a run, the first
 * divergence of the compare report is highlighted, and a screenshot is produced.
 * Skipped, with the reason, when Chromium is absent.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- functions run in the page, where the DOM types (not in this project's lib) apply */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pngjs from 'pngjs';
import { chromium } from 'playwright-core';
import * as tf from '../src/index.ts';
import { writeReport } from '../src/report/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'compare_seed000.json');
const skip = fs.existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it): browser test skipped`;
if (skip) console.log(`# ${skip}`);

describe('idem report in headless Chromium', () => {
  it('loads without console errors or network, shows the logged values, highlights the divergence, and screenshots', { skip, timeout: 180_000 }, async () => {
    tf.setSeed(5);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-browser-'));
    const logdir = path.join(dir, 'logs');
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [3], name: 'hidden' }), tf.layers.dense({ units: 1, name: 'out' })] });
    m.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError', metrics: ['mae'] });
    const x = tf.randomNormal([40, 3], 0, 1, 'float32', 1);
    const y = tf.sum(x, 1, true);
    const h = await m.fit(x, y, { epochs: 5, batchSize: 10, validationSplit: 0.25, verbose: 0, callbacks: [tf.callbacks.tensorBoard(logdir, { histogramFreq: 1 })] });
    const { html } = writeReport(logdir, { out: path.join(dir, 'report.html'), compare: FIXTURE });

    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-chromium-profile-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1240, height: 900 },
    });
    try {
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${html}`, { waitUntil: 'load' });

      // The curves carry the logged values.
      assert.deepEqual(await page.locator('svg.curve').evaluateAll((els: any[]) => els.map((e) => e.getAttribute('data-tag'))), ['epoch_loss', 'epoch_mae']);
      const train = page.locator('svg.curve[data-tag="epoch_loss"] g.series[data-run="train"]');
      const val = page.locator('svg.curve[data-tag="epoch_loss"] g.series[data-run="validation"]');
      assert.deepEqual((await train.getAttribute('data-values'))!.split(',').map(Number), h.history['loss']!.map(Math.fround));
      assert.deepEqual((await val.getAttribute('data-values'))!.split(',').map(Number), h.history['val_loss']!.map(Math.fround));
      assert.equal(await train.locator('circle').count(), 5, 'one point per epoch');
      // Drawn where the values say: a larger loss is higher on screen (smaller y).
      const pts = (await train.locator('circle').evaluateAll((els: any[]) => els.map((e) => { const r = e.getBoundingClientRect(); return [Number(e.getAttribute('data-value')), r.y + r.height / 2]; }))) as [number, number][];
      for (let i = 0; i < pts.length; i++)
        for (let j = 0; j < pts.length; j++) if (pts[i]![0] > pts[j]![0]) assert.ok(pts[i]![1] < pts[j]![1], `value ${pts[i]![0]} drawn above ${pts[j]![0]}`);
      const box = await page.locator('svg.curve[data-tag="epoch_loss"]').boundingBox();
      assert.ok(box && box.width > 500 && box.height > 250, `chart is laid out: ${JSON.stringify(box)}`);
      assert.equal(await page.locator('svg.curve[data-tag="epoch_loss"] polyline').count(), 2, 'two lines');
      assert.match((await page.locator('svg.curve[data-tag="epoch_loss"] circle').first().locator('title').textContent()) ?? '', /^train · step 0: \d+\.\d{4}$/);

      // The legend hides and shows a run in every chart.
      await page.locator('svg.curve[data-tag="epoch_mae"] .legend[data-run="validation"]').click();
      assert.equal(await page.locator('g.series.off[data-run="validation"]').count(), 2, 'validation hidden in both charts');
      assert.equal(await page.locator('g.series.off[data-run="train"]').count(), 0, 'train still shown');
      await page.locator('svg.curve[data-tag="epoch_loss"] .legend[data-run="validation"]').click();
      assert.equal(await page.locator('g.series.off').count(), 0, 'shown again');

      // Histograms, summary, graph.
      assert.equal(await page.locator('svg.histogram').count(), 4, 'four weights');
      assert.equal(await page.locator('svg.histogram').first().locator('path.ridge').count(), 5, 'one outline per epoch');
      const names = (await page.locator('svg.graph g.node').evaluateAll((els: any[]) => els.map((e) => e.getAttribute('data-name')))) as string[];
      assert.deepEqual(names, [m.inputs[0]!.sourceLayer.name, 'hidden', 'out'], 'graph nodes');
      assert.match((await page.locator('pre.summary').first().textContent()) ?? '', /Total params: 41/);

      // Compare: the divergent row is highlighted.
      const row = page.locator('#first-divergence');
      assert.equal(await row.count(), 1);
      assert.ok(await row.isVisible(), 'divergent row visible (its section is open)');
      assert.equal(await row.evaluate((e: any) => (globalThis as any).getComputedStyle(e.querySelector('td')).backgroundColor), 'rgb(252, 232, 230)', 'highlight colour');
      assert.match((await page.locator('.divergence-banner').textContent()) ?? '', /First divergence in stochastic · dropout #1/);

      const shot = path.join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = pngjs.PNG.sync.read(fs.readFileSync(shot));
      assert.ok(png.width === 1240 && png.height > 1500, `full-page screenshot ${png.width}×${png.height}`);
      const colors = new Map<number, number>();
      for (let i = 0; i < png.data.length; i += 4) {
        const c = (png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!;
        colors.set(c, (colors.get(c) ?? 0) + 1);
      }
      assert.ok((colors.get(0xe8710a) ?? 0) > 200, `the train colour is on screen (${colors.get(0xe8710a) ?? 0} px)`);
      assert.ok(colors.size > 50, `a drawn page, not a blank one (${colors.size} colours)`);

      assert.deepEqual(errors, [], 'no console errors');
      assert.deepEqual(requests, [], 'no network requests');
    } finally {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });
});
