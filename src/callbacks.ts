/**
 * `tf.callbacks` as both entries share it: Keras's callbacks (src/models), `progressLines(fn)`
 * (one line of progress per epoch to a function) and `liveChart(element)` (loss and metric
 * curves drawn into a page element as training runs). Each entry adds `tensorBoard` (Node: the
 * event-file writer; browser: a Node-only error).
 */
import { callbacks as modelCallbacks } from './models/index.ts';
import { ProgressLines } from './models/callbacks.ts';
import { liveChart } from './report/live.ts';

export { LiveChart, type LiveChartOptions } from './report/live.ts';

export const sharedCallbacks = {
  ...modelCallbacks,
  /** Calls `fn(line)` once per epoch: `Epoch 3/10 - 600/600 - 2s 3ms/step - loss: 0.3923 - ...`. */
  progressLines: (fn: (line: string) => void) => new ProgressLines(fn),
  /** Loss and metric curves drawn into a page element (or handed to a function as SVG) as training runs. */
  liveChart,
};
