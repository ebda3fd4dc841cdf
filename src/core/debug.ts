/**
 * Debug mode (`tf.enableDebugMode()`): a frame at the bottom of the stack that checks every
 * float32 kernel output for NaN and ±Infinity and names the op that made the first one. It
 * watches op calls (its messages name ops), so a `tf.function` runs op by op under it.
 */
import type { Attrs } from './backend.ts';
import type { Frame } from './context.ts';
import { ENGINE } from './engine.ts';
import { IdemError } from './errors.ts';
import type { Tensor } from './tensor.ts';

class DebugFrame implements Frame {
  readonly name = 'debug mode';
  readonly watchesOps = true;

  kernel(kernelName: string, _inputs: Record<string, Tensor>, _attrs: Attrs, outputs: Tensor[]): void {
    for (const o of outputs) {
      if (o.dtype !== 'float32') continue;
      const v = ENGINE.peek(o);
      for (let i = 0; i < v.length; i++) {
        const x = v[i]!;
        if (x !== x || x === Infinity || x === -Infinity) {
          const ops = ENGINE.opNames();
          const op = ops.length ? ops.join(' > ') : kernelName;
          throw new IdemError(
            `debug mode: ${op} (kernel ${kernelName}) produced ${x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'} ` +
              `at flat index ${i} of its output of shape [${o.shape}]`,
          );
        }
      }
    }
  }
}

const DEBUG = new DebugFrame();
let on = false;

export function setDebugMode(enabled: boolean): void {
  if (enabled === on) return;
  on = enabled;
  if (enabled) ENGINE.frames.push(DEBUG, 'bottom');
  else ENGINE.frames.remove(DEBUG);
}
