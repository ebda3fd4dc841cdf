/**
 * Seed 004 ("MNIST with Tensorflow and Keras, same architecture but less accurate in
 * Tensorflow"): the thread's two programs (examples/seeds/seed004-tf.ts, the TF1 graph program;
 * examples/seeds/seed004-keras.ts, the Keras program) run side by side, and the gap explained.
 *
 * The architecture is the same: 784 → H × [Dense 128 relu → Dropout 0.3] → Dense 10, Adam 1e-3,
 * batch 128, H = 2 or 5. What differs is the initial weights: the TF program draws every weight
 * and bias from `tf.random_normal` (std 1), Keras's `Dense` uses Glorot uniform (std
 * √(2/(fan_in+fan_out)) ≈ 0.05 for 784 → 128) and zero biases.
 *
 * Why std 1 hurts: a pre-activation z = Σᵢ xᵢWᵢ + b has variance Σᵢ xᵢ² + 1 when W, b ~ N(0, 1).
 * An MNIST image has Σ xᵢ² ≈ 80, so the first layer's pre-activations have std ≈ 9; relu keeps
 * half of the energy, so every further 128-wide layer multiplies the scale by ≈ √(128/2) = 8. The
 * logits are then in the hundreds (2 hidden layers) or hundreds of thousands (5): the softmax is
 * saturated, Adam's steps of ~1e-3 per weight are tiny next to weights of size 1, and dropout
 * adds noise of the same enormous size. With Glorot's scale every layer stays of order 1.
 * The program prints the measured std per layer for both initializers and both APIs, then the
 * test accuracy of each program with each initializer: the gap follows the initializer, not the API.
 *
 * Run:  npx tsx examples/seeds/seed004.ts [--epochs N] [--steps N] [--test-limit N]
 * (default: one epoch per run — the thread ran 5: `seed004-tf.ts --epochs 5` for that)
 */
import { pathToFileURL } from 'node:url';
import * as tf from '../../src/index.ts';
import { main as tfProgram, type Seed004Result } from './seed004-tf.ts';
import { buildModel, main as kerasProgram } from './seed004-keras.ts';

export interface Seed004Options {
  epochs?: number;
  /** Steps per epoch of the TF program; the Keras program trains on steps·128 images (default: full epochs). */
  steps?: number;
  testLimit?: number;
  /** Which hidden-layer counts to run (default [2, 5]). */
  hidden?: number[];
  /** Also run the Keras program (default true). */
  keras?: boolean;
  log?: (line: string) => void;
}

export interface Seed004Run {
  api: 'tf' | 'keras';
  init: 'normal' | 'glorot';
  hidden: number;
  /** Std of each layer's pre-activations at initialization (hidden layers, then the logits). */
  initStd: number[];
  /** Test accuracy after the last epoch. */
  testAccuracy: number;
  testLoss: number;
  tf?: Seed004Result;
}

const print = (line: string) => console.log(line);

function std(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i]!;
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i]! - m) ** 2;
  return Math.sqrt(s / v.length);
}

/** Pre-activation std per Dense layer of a Keras model at initialization, on `x` (inference: no dropout). */
export function kerasInitStd(model: tf.Sequential, x: tf.Tensor): number[] {
  const out: number[] = [];
  let h = x;
  for (const layer of model.layers) {
    if (layer.className !== 'Dense') continue;
    const [w, b] = layer.getWeights();
    const z = tf.add(tf.matMul(h, w!), b!);
    out.push(std(z.dataSync()));
    h = tf.relu(z);
  }
  return out;
}

/** The first 1000 test images, flattened (the images the per-layer stds are measured on). */
function scaleImages(): tf.Tensor {
  const { test } = tf.datasets.mnist.loadData();
  return tf.slice(test.images.reshape([-1, 784]), [0, 0], [1000, 784]);
}

export async function main(options: Seed004Options = {}): Promise<Seed004Run[]> {
  const log = options.log ?? print;
  const quiet = () => {};
  const epochs = options.epochs ?? 1;
  const hiddens = options.hidden ?? [2, 5];
  const x = scaleImages();
  let sumSq = 0;
  const xs = x.dataSync();
  for (let i = 0; i < xs.length; i++) sumSq += xs[i]! * xs[i]!;
  const meanSumSq = sumSq / 1000;
  log(`seed 004: std-1 vs Glorot initial weights, ${epochs} epoch(s) per run, backend '${tf.getBackend()}'`);
  log(`images: Σ x² = ${meanSumSq.toFixed(1)} on average → first-layer std with N(0, 1) weights ≈ √(Σ x² + 1) = ${Math.sqrt(meanSumSq + 1).toFixed(2)}; each 128-wide relu layer then × √(128/2) = 8`);
  const runs: Seed004Run[] = [];
  for (const hidden of hiddens) {
    for (const init of ['normal', 'glorot'] as const) {
      const r = tfProgram({ init, hidden, epochs, steps: options.steps, testLimit: options.testLimit, log: quiet });
      runs.push({ api: 'tf', init, hidden, initStd: r.initPreactivationStd, testAccuracy: r.testAccuracy.at(-1)!, testLoss: r.testLoss.at(-1)!, tf: r });
      log(`TF1 program,   ${init === 'normal' ? 'random_normal (std 1)' : 'Glorot uniform      '}, ${hidden} hidden: init std ${r.initPreactivationStd.map((s) => s.toPrecision(3)).join(' → ')}; test accuracy ${(100 * r.testAccuracy.at(-1)!).toFixed(2)}% (loss ${r.testLoss.at(-1)!.toPrecision(4)})`);
    }
    if (options.keras === false) continue;
    for (const init of ['glorot', 'normal'] as const) {
      // The Keras program's own loss (softmax + probability cross-entropy) with Glorot; with std-1
      // weights its logits form (the TF program's loss), so the two differ only in the initializer.
      const fromLogits = init === 'normal';
      tf.setSeed(0);
      const initStd = kerasInitStd(buildModel(init, hidden, fromLogits), x);
      const r = await kerasProgram({ init, hidden, fromLogits, epochs, limit: options.steps ? options.steps * 128 : undefined, testLimit: options.testLimit, verbose: 0, printSummary: false, log: quiet });
      const acc = r.history['val_accuracy']!.at(-1)!;
      const loss = r.history['val_loss']!.at(-1)!;
      runs.push({ api: 'keras', init, hidden, initStd, testAccuracy: acc, testLoss: loss });
      log(`Keras program, ${init === 'normal' ? 'randomNormal (std 1) ' : 'Glorot uniform      '}, ${hidden} hidden: init std ${initStd.map((s) => s.toPrecision(3)).join(' → ')}; test accuracy ${(100 * acc).toFixed(2)}% (loss ${loss.toPrecision(4)})${fromLogits ? ' [logits loss, as the TF program]' : ''}`);
    }
  }
  return runs;
}

function parseArgs(argv: string[]): Seed004Options {
  const o: Seed004Options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} expects a positive integer, received ${argv[i]}`);
      return v;
    };
    if (a === '--epochs') o.epochs = int();
    else if (a === '--steps') o.steps = int();
    else if (a === '--test-limit') o.testLimit = int();
    else if (a === '--hidden') o.hidden = [int()];
    else if (a === '--no-keras') o.keras = false;
    else throw new Error(`unknown argument ${a} (expected --epochs N, --steps N, --test-limit N, --hidden N, --no-keras)`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(parseArgs(process.argv.slice(2)));
}
