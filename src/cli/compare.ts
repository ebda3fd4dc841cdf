/**
 * `idem compare a.ts b.ts [--json] [--out FILE] [--steps N] [--batch N] [--seed N]`: loads one model from each file
 * (a TypeScript/JavaScript module, or a .keras / .h5 / model.json file), runs
 * `tf.compare` on an MNIST test batch and prints the report (text, or JSON with --json).
 */
import { stdout, stderr } from 'node:process';
import { resolve } from 'node:path';
import { existsSync, statSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Tensor } from '../core/tensor.ts';
import { setSeed } from '../random/seed.ts';
import { slice } from '../ops/slice.ts';
import { reshape } from '../ops/reshape.ts';
import { oneHot } from '../ops/one_hot.ts';
import { cast } from '../ops/cast.ts';
import { datasets } from '../data/index.ts';
import { LayersModel } from '../models/model.ts';
import { loadLayersModel } from '../io/index.ts';
import { compare, formatCompareReport, trainSideBySide, type CompareModel, type CompareReport, type HandModel } from '../compare/index.ts';

export const usage = `usage: idem compare <a> <b> [--json] [--out <file>] [--steps N] [--batch N] [--seed N]

Loads a model from each file, compares them with tf.compare on the first N images of the MNIST
test set (pixels / 255) and prints where they first diverge and why, then the full table.

Each file is an ES module (TypeScript runs through tsx: \`npx tsx src/cli.ts compare a.ts b.ts\`)
exporting one of
  export default function build(): LayersModel | HandModel    (preferred: a fresh model per call)
  export function build(): LayersModel | HandModel
  export const model: LayersModel | HandModel
and optionally
  export const inputShape = [28, 28, 1]   // one example's shape (default: the Keras model's
                                          // input shape, else [784])
A HandModel is {fn: (x, training) => logits, variables, optimizer?, loss?} (see tf.compare).
A model file is read with tf.loadLayersModel instead: a Keras .keras or .h5 model, or a TF.js
model.json (or its directory); its compile config, when saved, gives the optimizer and loss.
The global seed is reset to 0 before each build, so unseeded initializers draw the same numbers
in both files when they create weights of the same shapes in the same order.
Labels are one-hot (float32, 10 classes), or class indices when the Keras loss is sparse.

  --json          print the report as JSON (the CompareReport object; for \`idem report --compare\`)
  --out <file>    also write the JSON report to <file>
  --batch N       images in the compared batch (default 100)
  --steps N       then train both models N steps on the same MNIST training batches (first
                  N·batch images, in order) and report whether the losses stayed bit-identical
  --seed N        dropout-mask seed of the comparison (default 0)

Exit status: 0 when nothing differs, 1 when the models differ, 2 on bad usage or a load error.
`;

function isModel(m: unknown): m is CompareModel {
  return m instanceof LayersModel || (typeof m === 'object' && m !== null && typeof (m as HandModel).fn === 'function');
}

async function loadModel(file: string): Promise<{ model: CompareModel; inputShape: number[] | null }> {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`compare: no such file '${file}'`);
  if (/\.(keras|h5|hdf5|json)$/i.test(path) || statSync(path).isDirectory()) {
    try {
      return { model: await loadLayersModel(path), inputShape: null };
    } catch (e) {
      throw new Error(`compare: cannot load the model file '${file}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`compare: cannot import '${file}': ${msg}${/\.ts$/.test(file) && /Unknown file extension/.test(msg) ? ' (run through tsx: npx tsx src/cli.ts compare ...)' : ''}`);
  }
  const candidates: unknown[] = [mod['default'], mod['build'], mod['model']];
  let model: unknown = undefined;
  for (const c of candidates) {
    if (c === undefined) continue;
    setSeed(0);
    model = typeof c === 'function' && !isModel(c) ? await (c as () => unknown)() : c;
    break;
  }
  if (!isModel(model)) {
    throw new Error(`compare: '${file}' must export a model: \`export default function build()\`, \`export function build()\` or \`export const model\` ` +
      `returning a Keras model or a hand model {fn, variables}; found exports ${Object.keys(mod).join(', ') || '(none)'}`);
  }
  const shape = mod['inputShape'];
  if (shape !== undefined && !(Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d > 0))) {
    throw new Error(`compare: '${file}' exports inputShape ${JSON.stringify(shape)}; expected a list of positive integers`);
  }
  return { model, inputShape: (shape as number[] | undefined) ?? null };
}

function exampleShape(m: CompareModel, declared: number[] | null): number[] {
  if (declared) return declared;
  if (m instanceof LayersModel) {
    const s = m.inputs[0]?.shape ?? m.layers[0]?.batchInputShape ?? null;
    if (s && s.slice(1).every((d) => typeof d === 'number')) return s.slice(1) as number[];
  }
  return [784];
}

function sparse(m: CompareModel): boolean {
  if (m instanceof LayersModel) {
    const c = (m as unknown as { compiled: { outputs: { loss: { name: string } | null }[] } | null }).compiled;
    return /sparse/i.test(c?.outputs[0]?.loss?.name ?? '');
  }
  return typeof m.loss === 'string' ? /sparse/i.test(m.loss) : typeof m.loss === 'object' && m.loss !== null ? /sparse/i.test(m.loss.name) : false;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

export async function run(argv: string[]): Promise<number> {
  const files: string[] = [];
  let json = false;
  let out: string | null = null;
  let steps = 0;
  let batch = 100;
  let seed = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // Bad option values are usage errors: exit status 2, as the usage says.
    const usageError = (msg: string): number => {
      stderr.write(`idem compare: ${msg}\n`);
      return 2;
    };
    const int = (min: number): number | null => {
      const v = argv[++i];
      const n = Number(v);
      return v === undefined || v === '' || !Number.isInteger(n) || n < min ? null : n;
    };
    if (a === '--json') json = true;
    else if (a === '--out') {
      const v = argv[++i];
      if (v === undefined) return usageError('--out needs a file');
      out = v;
    } else if (a === '--steps' || a === '--batch' || a === '--seed') {
      const min = a === '--batch' ? 1 : 0;
      const n = int(min);
      if (n === null) return usageError(`${a} expects an integer ≥ ${min}, received ${argv[i] ?? 'nothing'}`);
      if (a === '--steps') steps = n;
      else if (a === '--batch') batch = n;
      else seed = n;
    } else if (a.startsWith('-')) {
      stderr.write(`idem compare: unknown option '${a}'\n${usage}`);
      return 2;
    } else files.push(a);
  }
  if (files.length !== 2) {
    stderr.write(`idem compare: two model files expected, received ${files.length}\n${usage}`);
    return 2;
  }
  let A: Awaited<ReturnType<typeof loadModel>>;
  let B: Awaited<ReturnType<typeof loadModel>>;
  try {
    A = await loadModel(files[0]!);
    B = await loadModel(files[1]!);
  } catch (e) {
    stderr.write(`idem ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const shapeA = exampleShape(A.model, A.inputShape);
  const shapeB = exampleShape(B.model, B.inputShape);
  if (shapeA.join() !== shapeB.join()) {
    stderr.write(`idem compare: the models take different inputs: [${shapeA}] vs [${shapeB}] (export inputShape to say)\n`);
    return 2;
  }
  const { train, test } = datasets.mnist.loadData();
  const nTest = test.images.shape[0]!;
  if (batch > nTest) {
    stderr.write(`idem compare: --batch ${batch} exceeds the ${nTest} test images\n`);
    return 2;
  }
  const labels = (l: Tensor) => (sparse(A.model) || sparse(B.model) ? l : cast(oneHot(l, 10), 'float32'));
  const x = reshape(slice(test.images, [0], [batch]), [batch, ...shapeA]);
  const y = labels(slice(test.labels, [0], [batch]));
  const report: CompareReport = compare(A.model, B.model, { xs: x, ys: y }, { seed });
  if (steps > 0) {
    const nTrain = train.images.shape[0]!;
    if (steps * batch > nTrain) {
      stderr.write(`idem compare: --steps ${steps} × --batch ${batch} exceeds the ${nTrain} training images\n`);
      return 2;
    }
    const batches = Array.from({ length: steps }, (_, k) => ({
      xs: reshape(slice(train.images, [k * batch], [batch]), [batch, ...shapeA]),
      ys: labels(slice(train.labels, [k * batch], [batch])),
    }));
    report.training = trainSideBySide(A.model, B.model, batches);
  }
  const text = JSON.stringify(report, null, 2);
  if (out) writeAtomic(out, text + '\n');
  if (json) stdout.write(text + '\n');
  else {
    stdout.write(formatCompareReport(report) + '\n');
    const t = report.training;
    if (t) {
      stdout.write(`\nTrained both ${t.steps} steps on the same MNIST batches: `);
      const last = `last A ${t.lossesA[t.steps - 1]}, B ${t.lossesB[t.steps - 1]}`;
      const first = t.firstDifferentStep;
      stdout.write(first === null
        ? `losses bit-identical at every step (${last})`
        : `losses first differ at step ${first + 1} (A ${t.lossesA[first]}, B ${t.lossesB[first]}); ${last}`);
      stdout.write(t.paramsIdentical === null ? '\n' : `; parameters after training ${t.paramsIdentical ? 'bit-identical' : 'differ'}\n`);
    }
    if (out) stdout.write(`wrote ${out}\n`);
  }
  const differs = !report.identical || (report.training !== undefined && report.training.firstDifferentStep !== null);
  return differs ? 1 : 0;
}
