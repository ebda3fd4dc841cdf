/**
 * Model state ↔ plain entries, validated before anything changes.
 *
 * `Assignment`s are collected and checked (shape, dtype, count) for a whole file first; only
 * when every check passes does `commit` assign them, so a bad file leaves the model unchanged.
 */
import { fail } from '../core/errors.ts';
import type { DataType } from '../core/dtypes.ts';
import { Tensor } from '../core/tensor.ts';
import type { Variable } from '../core/variable.ts';
import { tensor } from '../ops/creation.ts';
import { SeedGenerator } from '../random/seed.ts';
import { Layer } from '../layers/layer.ts';
import type { LayersModel } from '../models/model.ts';
import type { Optimizer } from '../optimizers/index.ts';
import type { H5Data, H5Dataset, H5DType, H5Group } from './h5.ts';
import type { WeightGuard } from '../layers/layer.ts';
import { fmtCount } from '../core/limits.ts';

export interface Assignment {
  variable: Variable;
  value: Tensor;
}

const fmt = (s: readonly number[]) => `[${s.join(',')}]`;

/** A float32/int32 tensor from a dataset, or an error saying what is wrong and where. */
export function datasetToTensor(ds: H5Dataset, want: { dtype: DataType; shape: readonly number[] }, where: string, op: string): Tensor {
  if (ds.shape.length !== want.shape.length || ds.shape.some((d, i) => d !== want.shape[i])) {
    fail(op, `${where}: shape ${fmt(ds.shape)} in the file, the model's weight is ${fmt(want.shape)}`);
  }
  return typedToTensor(ds.data, ds.dtype, want.dtype, ds.shape, where, op);
}

export function typedToTensor(data: H5Data, dtype: H5DType | string, want: DataType, shape: readonly number[], where: string, op: string): Tensor {
  if (want === 'float32') {
    // float16 values are widened exactly (every float16 is a float32); narrowing (float64) is refused.
    const widened = dtype === 'float16' && data instanceof Float32Array;
    if (dtype !== 'float32' && !widened) {
      fail(op, `${where}: dtype ${dtype} in the file, the model's weight is float32 (idem does not narrow weights silently)`);
    }
    return tensor(data as Float32Array, shape.slice(), 'float32');
  }
  if (want === 'int32') {
    if (dtype === 'int32') return tensor(data as Int32Array, shape.slice(), 'int32');
    if (dtype === 'int64') {
      const out = new Int32Array(data.length);
      (data as BigInt64Array).forEach((v, i) => {
        if (v > 2147483647n || v < -2147483648n) fail(op, `${where}: int64 value ${v} does not fit the model's int32 weight`);
        out[i] = Number(v);
      });
      return tensor(out, shape.slice(), 'int32');
    }
  }
  fail(op, `${where}: dtype ${dtype} in the file, the model's weight is ${want}`);
}

export function checkAssign(v: Variable, value: Tensor, where: string, op: string): Assignment {
  if (value.dtype !== v.dtype || value.shape.length !== v.shape.length || value.shape.some((d, i) => d !== v.shape[i])) {
    fail(op, `${where}: the file holds ${value.dtype} ${fmt(value.shape)}, the model's '${v.name}' is ${v.dtype} ${fmt(v.shape)}`);
  }
  return { variable: v, value };
}

/** Assigns validated values (nothing can fail here except the engine itself). */
export function commit(assignments: Assignment[]): void {
  for (const a of assignments) a.variable.assign(a.value);
}

// ------------------------------------------------------------------ optimizer state (Keras 3 layout)

/** Keras 3 groups of optimizer slots; slots of one group are interleaved per variable (Keras's `add_optimizer_variables`). */
const SLOT_GROUPS: Record<string, string[][]> = {
  Adam: [['momentum', 'velocity'], ['velocity_hat']],
  AdamW: [['momentum', 'velocity'], ['velocity_hat']],
  RMSprop: [['velocity'], ['momentum'], ['average_gradient']],
};

function slotGroups(opt: Optimizer): string[][] {
  const active = new Set(opt.kerasSlotNames());
  const groups = SLOT_GROUPS[opt.className] ?? [opt.kerasSlotNames()];
  return groups.map((g) => g.filter((n) => active.has(n))).filter((g) => g.length > 0);
}

export interface OptimizerEntry {
  /** What the entry is, for errors and safetensors names: `iteration`, `learning_rate`, `dense/kernel/momentum`. */
  name: string;
  variable: Variable | null;
  slot: string | null;
  value: Tensor | null;
}

/**
 * Keras 3 `optimizer.variables` order: iteration, learning_rate (when a number), then each slot
 * group interleaved over the model's trainable variables. Slots are only listed once the optimizer
 * has made them (a never-used optimizer has just iteration and learning rate, as in Keras).
 */
export function optimizerLayout(opt: Optimizer, trainable: Variable[], asBuilt = false): OptimizerEntry[] {
  const out: OptimizerEntry[] = [{ name: 'iteration', variable: null, slot: null, value: null }];
  if (typeof opt.learningRate === 'number') out.push({ name: 'learning_rate', variable: null, slot: null, value: null });
  const built = asBuilt || trainable.some((v) => opt.kerasSlotNames().some((s) => opt.getSlot(v, s) !== null));
  if (!built) return out;
  for (const g of slotGroups(opt)) for (const v of trainable) for (const s of g) out.push({ name: `${v.name.replace(/:\d+$/, '')}/${s}`, variable: v, slot: s, value: null });
  return out;
}

/** Current values in `optimizerLayout` order (iteration as int64 in files, like Keras on TensorFlow). */
export function optimizerValues(opt: Optimizer, trainable: Variable[]): OptimizerEntry[] {
  return optimizerLayout(opt, trainable).map((e) => {
    if (e.name === 'iteration') return { ...e, value: tensor([opt.iterations], [], 'int32') };
    if (e.name === 'learning_rate') return { ...e, value: tensor([opt.learningRate as number], [], 'float32') };
    const s = opt.getSlot(e.variable!, e.slot!);
    return { ...e, value: s ? s.read() : tensor(new Float32Array(e.variable!.size), e.variable!.shape.slice(), 'float32') };
  });
}

/**
 * Checks saved optimizer values against `opt` and returns the function that applies them.
 * `values[i]` is the i-th saved variable (Keras order); `where(i)` names it for errors.
 */
export function planOptimizerRestore(opt: Optimizer, trainable: Variable[], values: Tensor[], where: (i: number) => string, op: string): () => void {
  const withLr = typeof opt.learningRate === 'number';
  const head = withLr ? 2 : 1;
  const groups = slotGroups(opt);
  const perVar = groups.reduce((n, g) => n + g.length, 0);
  const full = head + perVar * trainable.length;
  if (values.length !== head && values.length !== full) {
    const kind = `${withLr ? 'with a numeric learning rate' : 'with a schedule'}, slots ${groups.flat().join(', ') || 'none'}`;
    fail(op, `${where(-1)}: ${values.length} optimizer variables in the file; this ${opt.className} (${kind}) ` +
      `over ${trainable.length} trainable variables has ${head} before its first step and ${full} after`);
  }
  const it = values[0]!;
  if (it.size !== 1 || it.dtype !== 'int32') fail(op, `${where(0)}: the iteration count must be an integer scalar, found ${it.dtype} ${fmt(it.shape)}`);
  const iterations = it.dataSync()[0]!;
  if (!(iterations >= 0)) fail(op, `${where(0)}: negative iteration count ${iterations}`);
  let lr: number | null = null;
  if (withLr) {
    const t = values[1]!;
    if (t.size !== 1 || t.dtype !== 'float32') fail(op, `${where(1)}: the learning rate must be a float32 scalar, found ${t.dtype} ${fmt(t.shape)}`);
    lr = t.dataSync()[0]!;
    if (!Number.isFinite(lr) || lr < 0) fail(op, `${where(1)}: invalid learning rate ${lr}`);
  }
  const slots: { v: Variable; s: string; value: Tensor }[] = [];
  if (values.length === full && perVar > 0) {
    let i = head;
    for (const g of groups) {
      for (const v of trainable) {
        for (const s of g) {
          const t = values[i]!;
          checkAssign(v, t, `${where(i)} (${s} of '${v.name}')`, op);
          slots.push({ v, s, value: t });
          i++;
        }
      }
    }
  }
  return () => {
    for (const x of slots) opt.setSlot(x.v, x.s, x.value);
    opt.iterations = iterations;
    // Files hold the rate as float32 (Keras's variable); keep the optimizer's exact double when it
    // rounds to the same float32 (e.g. 0.001 from compile_config), so a resume is bit-identical.
    if (lr !== null && Math.fround(lr) !== Math.fround(opt.learningRate as number)) opt.learningRate = lr;
  };
}

// ------------------------------------------------------------------ seed generators (idem extra state)

/** Layers' `SeedGenerator`s (Dropout, noise layers, ...) by `<layer path>.<property>`, for exact resumes. */
export function seedGenerators(model: LayersModel): Map<string, { owner: Layer; prop: string; gen: SeedGenerator }> {
  const out = new Map<string, { owner: Layer; prop: string; gen: SeedGenerator }>();
  const visit = (l: Layer, path: string) => {
    for (const [k, v] of Object.entries(l)) if (v instanceof SeedGenerator) out.set(`${path}.${k}`, { owner: l, prop: k, gen: v });
    for (const c of l.trackedLayers()) visit(c, `${path}/${c.name}`);
  };
  for (const l of model.layers) visit(l, l.name);
  return out;
}

export function saveSeedState(model: LayersModel): Record<string, { seed: number; state: number }> {
  const out: Record<string, { seed: number; state: number }> = {};
  for (const [k, { gen }] of seedGenerators(model)) out[k] = { seed: gen.seed, state: gen.state };
  return out;
}

/** Plans restoring saved generators (same seed and number of draws); unknown entries are errors. */
export function planSeedRestore(model: LayersModel, saved: unknown, where: string, op: string): () => void {
  if (saved === undefined || saved === null) return () => {};
  if (typeof saved !== 'object' || Array.isArray(saved)) fail(op, `${where}: seed_generators must be an object`);
  const live = seedGenerators(model);
  const plan: (() => void)[] = [];
  for (const [k, v] of Object.entries(saved as Record<string, unknown>)) {
    const target = live.get(k);
    const e = v as { seed?: unknown; state?: unknown };
    if (!target) fail(op, `${where}: seed generator '${k}' has no counterpart in the model`);
    if (!Number.isSafeInteger(e?.seed) || !Number.isSafeInteger(e?.state) || (e.state as number) < 0) {
      fail(op, `${where}: seed generator '${k}' must be {seed, state} integers, found ${JSON.stringify(v)}`);
    }
    plan.push(() => {
      const gen = target.gen.seed === e.seed ? target.gen : new SeedGenerator(e.seed as number);
      gen.state = e.state as number;
      (target.owner as unknown as Record<string, unknown>)[target.prop] = gen;
    });
  }
  return () => plan.forEach((p) => p());
}

// ------------------------------------------------------------------ building a model from a file

/** A weight a file holds, for `fileShapeGuard`: its shape, and why its values cannot be in the file (if so). */
export interface StoredWeight {
  shape: readonly number[];
  claimProblem?: string;
}

/** The datasets of an HDF5 tree, as `StoredWeight`s (metadata only: nothing is read). */
export function storedDatasets(root: H5Group): StoredWeight[] {
  const out: StoredWeight[] = [];
  const seen = new Set<H5Dataset>();
  const walk = (g: H5Group) => {
    for (const c of g.children.values()) {
      if (c.kind === 'group') walk(c);
      else if (!seen.has(c)) {
        seen.add(c);
        out.push({ shape: c.shape, claimProblem: c.claimProblem });
      }
    }
  };
  walk(root);
  return out;
}

/**
 * A weight guard (`withWeightGuard`) for building a model whose every weight a file will replace:
 * each new weight must match, by shape, a weight the file holds whose values can be in it (each
 * stored weight used once). So a config claiming `units: 5e7` or `batch_shape: [null, 1e8]` fails
 * here, naming the layer and the weight, before its kernel is allocated or initialized.
 */
export function fileShapeGuard(stored: readonly StoredWeight[], configWhere: string, weightsWhere: string, op: string): WeightGuard {
  const pool = new Map<string, number>();
  const problems = new Map<string, string>();
  for (const s of stored) {
    const key = s.shape.join(',');
    if (s.claimProblem) problems.set(key, s.claimProblem);
    else pool.set(key, (pool.get(key) ?? 0) + 1);
  }
  const summary = () => {
    const shapes = [...new Set(stored.map((s) => `[${s.shape.join(',')}]`))];
    return shapes.length ? `its weights' shapes: ${shapes.slice(0, 8).join(' ')}${shapes.length > 8 ? ` and ${shapes.length - 8} more` : ''}` : 'it holds no weights';
  };
  const used = new Set<string>();
  return (layer, name, shape) => {
    const key = shape.join(',');
    const n = pool.get(key) ?? 0;
    if (n > 0) {
      pool.set(key, n - 1);
      used.add(key);
      return;
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const what = `${configWhere} gives layer '${layer.name}' a weight '${name}' of shape [${shape.join(',')}] (${fmtCount(size)} values)`;
    const problem = problems.get(key);
    if (problem) fail(op, `${what}; ${weightsWhere} has a weight of that shape, but it ${problem} (nothing was allocated)`);
    fail(op, `${what}, but ${weightsWhere} holds no ${used.has(key) ? 'further ' : ''}weight of that shape (${summary()}): the config does not match its weights (nothing was allocated)`);
  };
}
