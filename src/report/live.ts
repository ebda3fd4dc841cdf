/**
 * `tf.callbacks.liveChart(target, options)`: loss and metric curves drawn as training runs —
 * what tfjs-vis's `fitCallbacks` gives TF.js users, with the report's SVG charts (./svg.ts).
 *
 * One chart per quantity (`loss`, `acc`, `mae`, ...): the epoch values of the training data
 * ('train', orange) and of the validation data ('validation', blue, from `val_*`), and the running
 * batch values within each epoch ('batch', light; `batches: false` leaves them out). x is the
 * epoch: an epoch's value sits at its end (epoch 1 at x = 1), a batch at epoch + its fraction.
 *
 * `target` is a DOM element (the charts replace its content; a `<style>` for them is added to the
 * document once) or a function called with the charts' SVG markup (e.g. in a Worker, to post it
 * to the page; or in Node, to write a file). Redraws happen at most every `minInterval` ms (100)
 * during an epoch and at every epoch's end; after a redraw the callback yields to the event loop
 * (a macrotask), so a page training on its main thread paints the curves as they grow.
 */
import { fail } from '../core/errors.ts';
import { Callback, type Logs } from '../models/callbacks.ts';
import type { SeriesInput } from './chart.ts';

// The chart code is imported at the first redraw: it stays out of the browser bundle's core.
type Svg = typeof import('./svg.ts');
let svgModule: Promise<Svg> | null = null;
const svgCode = (): Promise<Svg> => (svgModule ??= import('./svg.ts'));

export interface LiveChartOptions {
  /** Quantities to draw (default: every one in the logs, `loss` first). */
  metrics?: string[];
  /** Draw the running batch values too (default true). */
  batches?: boolean;
  /** Chart size in CSS pixels (default 460 × 260). */
  width?: number;
  height?: number;
  /** Least time between two redraws within an epoch, ms (default 100). */
  minInterval?: number;
}

const KEYS = ['metrics', 'batches', 'width', 'height', 'minInterval'];
const TRAIN = '#e8710a';
const VALIDATION = '#1a73e8';
const BATCH = '#f6b26b';
const STYLE_ID = 'idem-live-chart-style';

type Target = Element | ((svg: string, logs: { epoch: number; logs: Logs }) => void);

/** A macrotask turn: lets the browser paint (microtasks would not). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof MessageChannel === 'function') {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(null);
    } else setTimeout(resolve, 0);
  });
}

export class LiveChart extends Callback {
  private readonly options: Required<Omit<LiveChartOptions, 'metrics'>> & { metrics: string[] | null };
  /** quantity → run → points. */
  private readonly data = new Map<string, Map<string, { step: number; value: number }[]>>();
  private epoch = 0;
  private last = 0;
  private lastLogs: Logs = {};

  constructor(readonly target: Target, options: LiveChartOptions = {}) {
    super();
    const op = 'liveChart';
    const isElement = typeof Element === 'function' && target instanceof Element;
    if (!isElement && typeof target !== 'function') fail(op, `\`target\` must be a DOM element or a function (svg: string) => void, received ${target === null ? 'null' : typeof target}`);
    if (options === null || typeof options !== 'object') fail(op, `\`options\` must be an object, received ${String(options)}`);
    for (const k of Object.keys(options)) if (!KEYS.includes(k)) fail(op, `unknown option '${k}' (expected ${KEYS.join(', ')})`);
    if (options.metrics !== undefined && (!Array.isArray(options.metrics) || options.metrics.some((m) => typeof m !== 'string'))) {
      fail(op, "`metrics` must be an array of names, e.g. ['loss', 'acc']");
    }
    for (const k of ['width', 'height', 'minInterval'] as const) {
      const v = options[k];
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) fail(op, `\`${k}\` must be a non-negative number, received ${String(v)}`);
    }
    this.options = { metrics: options.metrics ?? null, batches: options.batches ?? true, width: options.width ?? 460, height: options.height ?? 260, minInterval: options.minInterval ?? 100 };
  }

  private add(quantity: string, run: string, step: number, value: number): void {
    if (this.options.metrics && !this.options.metrics.includes(quantity)) return;
    let runs = this.data.get(quantity);
    if (!runs) this.data.set(quantity, (runs = new Map()));
    let pts = runs.get(run);
    if (!pts) runs.set(run, (pts = []));
    pts.push({ step, value });
  }

  /** The charts' SVG markup (one `<svg class="curve">` per quantity). */
  async svg(): Promise<string> {
    const { curveSvg } = await svgCode();
    const names = this.options.metrics ?? [...this.data.keys()].sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    const charts: string[] = [];
    for (const q of names) {
      const runs = this.data.get(q);
      if (!runs) continue;
      const series: SeriesInput[] = [];
      const color = { batch: BATCH, train: TRAIN, validation: VALIDATION } as Record<string, string>;
      for (const run of ['batch', 'train', 'validation']) {
        const pts = runs.get(run);
        if (pts && pts.length) series.push({ name: run, color: color[run]!, points: pts });
      }
      charts.push(curveSvg(q, series, this.options.width, this.options.height, 'epoch'));
    }
    return charts.join('');
  }

  private async redraw(): Promise<void> {
    this.last = Date.now();
    const svg = await this.svg();
    if (typeof this.target === 'function') this.target(svg, { epoch: this.epoch, logs: this.lastLogs });
    else {
      const doc = this.target.ownerDocument;
      if (doc && !doc.getElementById(STYLE_ID)) {
        const style = doc.createElement('style');
        style.id = STYLE_ID;
        const curveCss = (await svgCode()).CURVE_CSS.split('\n').map((l) => `.idem-live ${l}`).join('\n');
        style.textContent = `.idem-live{display:flex;flex-wrap:wrap;gap:12px}.idem-live svg{background:#fff;border:1px solid #dadce0;border-radius:6px}\n${curveCss}`;
        doc.head.appendChild(style);
      }
      this.target.classList.add('idem-live');
      this.target.innerHTML = svg;
    }
    await yieldToEventLoop();
  }

  override async onTrainBegin(): Promise<void> {
    this.data.clear();
    this.last = 0;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }

  override async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (!this.options.batches) return;
    const steps = this.params.steps || 1;
    for (const [k, v] of Object.entries(logs)) if (k !== 'batch' && k !== 'size' && !k.startsWith('val_')) this.add(k, 'batch', this.epoch + (batch + 1) / steps, v);
    this.lastLogs = logs;
    if (Date.now() - this.last >= this.options.minInterval) await this.redraw();
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    for (const [k, v] of Object.entries(logs)) {
      if (k.startsWith('val_')) this.add(k.slice(4), 'validation', epoch + 1, v);
      else this.add(k, 'train', epoch + 1, v);
    }
    this.lastLogs = logs;
    await this.redraw();
  }
}

/** `tf.callbacks.liveChart(target, options)`: see the file comment. */
export function liveChart(target: Target, options?: LiveChartOptions): LiveChart {
  return new LiveChart(target, options);
}
