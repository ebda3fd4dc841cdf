/**
 * Makes the README's screenshot of the browser demo (docs/browser-demo.png): starts
 * examples/browser/serve.mjs, opens the page in headless Chromium (test/browser_harness.ts),
 * trains both models (`--steps N`, default 600: one epoch), draws a digit on the pad, and
 * screenshots the page. Prints what the page reported.
 *
 *   npm run build && npx tsx examples/browser/screenshot.ts [--steps 600] [--out docs/browser-demo.png]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { launchChromium, openPage } from '../../test/browser_harness.ts';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const steps = Number(arg('steps', '600'));
const out = arg('out', join(import.meta.dirname, '..', '..', 'docs', 'browser-demo.png'));

/** Starts the demo server on a free port; resolves to its URL and a stop function. */
export async function startDemoServer(extra: string[] = []): Promise<{ url: string; stop: () => void; notFound: string[] }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'serve.mjs'), '--port', '0', '--host', '127.0.0.1', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const notFound: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      for (const m of d.toString().matchAll(/^404 not found: (.*)$/gm)) notFound.push(m[1]!);
      const m = /(http:\/\/[^\s/]+\/)/.exec(text);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${text}`)));
  });
  return { url, stop: () => void child.kill(), notFound };
}

/** Draws a "7" on the pad with the mouse (two strokes). */
export async function drawSeven(page: import('playwright-core').Page): Promise<void> {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = (await page.locator('#pad').boundingBox())!;
  const p = (x: number, y: number): [number, number] => [box.x + (x / 280) * box.width, box.y + (y / 280) * box.height];
  const stroke = async (pts: [number, number][]) => {
    await page.mouse.move(...p(...pts[0]!));
    await page.mouse.down();
    for (const q of pts.slice(1)) await page.mouse.move(...p(...q), { steps: 12 });
    await page.mouse.up();
  };
  await stroke([[70, 60], [205, 60], [185, 110], [150, 170], [125, 235]]);
  await stroke([[115, 145], [190, 145]]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startDemoServer();
  const browser = await launchChromium({ viewport: { width: 1280, height: 1000 } });
  try {
    const run = await openPage(browser, `${server.url}?steps=${steps}&auto=1`);
    await run.page.waitForFunction(() => (globalThis as { demo?: { done: boolean } }).demo?.done === true, undefined, { timeout: 1_800_000, polling: 500 });
    await drawSeven(run.page);
    await run.page.waitForTimeout(300);
    const demo = await run.page.evaluate(() => (globalThis as { demo?: unknown }).demo);
    const statuses = await run.page.locator('.status, #verdict, #env, #data').allTextContents();
    await run.page.screenshot({ path: out, fullPage: true });
    console.log(statuses.join('\n'));
    console.log(JSON.stringify(demo));
    console.log(`screenshot: ${out}`);
    if (run.errors.length) console.log(`console errors: ${run.errors.join('\n')}`);
    if (server.notFound.length) console.log(`not found on the server: ${server.notFound.join(', ')}`);
  } finally {
    await browser.close();
    server.stop();
  }
}
