/**
 * The browser demo (examples/browser/) end to end in headless Chromium: serve.mjs serves the page,
 * the bundle and MNIST; the page trains the seed-000 MLP 20 steps with the Keras API (main thread)
 * and with the hand loop in a Worker (2 threads, cross-origin isolated), says they are
 * bit-identical, and classifies a digit drawn on the pad with tf.browser.fromPixels. No console
 * errors, no request to another host. Skipped, with the reason, when Chromium is absent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromiumSkip, launchChromium, openPage, type PageRun, type TestBrowser } from './browser_harness.ts';
import { drawSeven, startDemoServer } from '../examples/browser/screenshot.ts';
// @ts-expect-error -- a plain .mjs build script without types
import { buildBrowserBundle } from '../browser/build.mjs';

const skip = chromiumSkip;

describe('the browser demo (examples/browser)', { skip }, () => {
  let server: { url: string; stop: () => void; notFound: string[] };
  let browser: TestBrowser;
  let run: PageRun;

  before(async () => {
    // This tree's bundle, built aside (serve.mjs --dist).
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-demo-dist-'));
    await buildBrowserBundle(dist);
    server = await startDemoServer(['--dist', dist]);
    browser = await launchChromium({ viewport: { width: 1280, height: 1000 } });
  });
  after(async () => {
    await browser?.close();
    server?.stop();
  });

  it('trains both ways (page and Worker), bit-identical, then classifies a drawn digit', { timeout: 300_000 }, async () => {
    run = await openPage(browser, `${server.url}?steps=20&auto=1`);
    await run.page.waitForFunction(() => (globalThis as { demo?: { done: boolean } }).demo?.done === true, undefined, { timeout: 280_000, polling: 250 });
    const demo = (await run.page.evaluate(() => (globalThis as { demo?: unknown }).demo)) as { identical: boolean; error: string | null; worker: { threads: number; threaded: number } };
    assert.equal(demo.error, null);
    assert.equal(demo.identical, true, 'the page says bit-identical');
    assert.match((await run.page.locator('#verdict').textContent()) ?? '', /^bit-identical: yes — all 400,906 trained parameters are equal bit for bit/);
    assert.equal(demo.worker.threads, 2);
    assert.ok(demo.worker.threaded > 0, 'the Worker ran products on its threads');
    assert.ok((await run.page.locator('#keras-chart svg.curve').count()) === 1 && (await run.page.locator('#hand-chart svg.curve').count()) === 1, 'two live charts');
    await drawSeven(run.page);
    const guess = (await run.page.evaluate(() => (globalThis as { demo?: { guess?: { digit: number; probs: number[] } } }).demo?.guess)) as { digit: number; probs: number[] };
    assert.equal(guess.probs.length, 10);
    assert.ok(Math.abs(guess.probs.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.equal(await run.page.locator('#digit').textContent(), String(guess.digit));
    assert.deepEqual(run.errors, []);
    assert.deepEqual(browser.foreignRequests, []);
    assert.deepEqual(server.notFound, [], 'every request the page made was served (no 404: favicon, chunks, MNIST)');
    assert.ok(run.console.some((l) => /^log: Epoch 1\/1 - 20\/20 - /.test(l)), 'fit logged its epoch line');
    // A regular Chromium window (not this persistent headless context) asks for /favicon.ico when
    // the page names no icon, and logs the 404 as a console error: the page names one.
    assert.match(fs.readFileSync(path.join(import.meta.dirname, '..', 'examples', 'browser', 'index.html'), 'utf8'), /<link rel="icon" href="data:,">/);
  });
});
