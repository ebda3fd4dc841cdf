/**
 * Statistics of tensors and initial weights: mean, std, the std a weight's shape predicts for
 * the common initializers (fans as Keras computes them) and which initializer a weight looks like.
 *
 * Fans (Keras `compute_fans`): rank 2 [in, out]: fanIn = in, fanOut = out; rank ≥ 3 (convolution
 * kernels [..., in, out]): both times the receptive field (product of the leading dims); rank 1:
 * fanIn = fanOut = size. Expected standard deviations:
 *   glorot*  √(2 / (fanIn + fanOut))      he*  √(2 / fanIn)      lecun*  √(1 / fanIn)
 *   randomNormal std σ: σ (TF1 default σ = 1, Keras default 0.05)
 *   truncatedNormal σ: 0.8796·σ (values beyond 2σ redrawn)   randomUniform [a, b): (b − a)/√12
 * `*Uniform` variants are uniform (max |x| ≈ √3·std), `*Normal` ones truncated normals (max ≈ 2.27·std),
 * plain normals have max |x| of 4 std or more on large tensors; that separates the families.
 */
import type { Tensor } from '../core/tensor.ts';

export interface Stats {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Mean of |x|. */
  meanAbs: number;
  /** Fraction of exact zeros. */
  zeros: number;
  finite: boolean;
}

export function stats(t: Tensor): Stats {
  const d = t.dataSync();
  const n = d.length;
  let s = 0;
  let sa = 0;
  let min = Infinity;
  let max = -Infinity;
  let z = 0;
  let finite = true;
  for (let i = 0; i < n; i++) {
    const v = Number(d[i]);
    if (!Number.isFinite(v)) finite = false;
    s += v;
    sa += Math.abs(v);
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) z++;
  }
  const mean = n ? s / n : 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const e = Number(d[i]) - mean;
    q += e * e;
  }
  return { n, mean, std: n ? Math.sqrt(q / n) : 0, min: n ? min : 0, max: n ? max : 0, meanAbs: n ? sa / n : 0, zeros: n ? z / n : 0, finite };
}

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2]! * rf, fanOut: shape[shape.length - 1]! * rf };
}

export type Family = 'uniform' | 'truncatedNormal' | 'normal' | 'constant' | 'unknown';

export interface InitGuess {
  /** e.g. `glorotUniform`, `randomNormal(stddev 1)`, `zeros`, or `unrecognised`. */
  name: string;
  family: Family;
  /** The std the guess predicts (null for unrecognised). */
  expectedStd: number | null;
  /** How the expectation is computed, e.g. `√(2/(784+256)) = 0.0437`. */
  formula: string;
}

interface Candidate {
  name: string;
  family: Family;
  std: number;
  mean: number;
  formula: string;
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/** The standard initializers' expected std for a weight of this shape. */
export function candidates(shape: readonly number[]): Candidate[] {
  const { fanIn, fanOut } = fans(shape);
  const g = Math.sqrt(2 / (fanIn + fanOut));
  const he = Math.sqrt(2 / fanIn);
  const lc = Math.sqrt(1 / fanIn);
  const gf = `√(2/(${fanIn}+${fanOut})) = ${fmt(g)}`;
  const hf = `√(2/${fanIn}) = ${fmt(he)}`;
  const lf = `√(1/${fanIn}) = ${fmt(lc)}`;
  const list: Candidate[] = [];
  if (shape.length >= 2) {
    list.push(
      { name: 'glorotUniform', family: 'uniform', std: g, mean: 0, formula: gf },
      { name: 'glorotNormal', family: 'truncatedNormal', std: g, mean: 0, formula: gf },
      { name: 'heUniform', family: 'uniform', std: he, mean: 0, formula: hf },
      { name: 'heNormal', family: 'truncatedNormal', std: he, mean: 0, formula: hf },
      { name: 'lecunUniform', family: 'uniform', std: lc, mean: 0, formula: lf },
      { name: 'lecunNormal', family: 'truncatedNormal', std: lc, mean: 0, formula: lf },
    );
  }
  list.push(
    { name: 'randomNormal(stddev 1)', family: 'normal', std: 1, mean: 0, formula: 'σ = 1 (TF1 tf.random_normal default)' },
    { name: 'randomNormal(stddev 0.05)', family: 'normal', std: 0.05, mean: 0, formula: 'σ = 0.05 (Keras RandomNormal default)' },
    { name: 'truncatedNormal(stddev 1)', family: 'truncatedNormal', std: 0.8796, mean: 0, formula: '0.88·σ, σ = 1 (TF1 default)' },
    { name: 'truncatedNormal(stddev 0.05)', family: 'truncatedNormal', std: 0.05 * 0.8796, mean: 0, formula: '0.88·σ, σ = 0.05 (Keras default)' },
    { name: 'randomUniform(-0.05, 0.05)', family: 'uniform', std: 0.1 / Math.sqrt(12), mean: 0, formula: '0.1/√12 = 0.0289 (Keras default)' },
    { name: 'randomUniform(0, 1)', family: 'uniform', std: 1 / Math.sqrt(12), mean: 0.5, formula: '1/√12 = 0.289 (TF1 tf.random_uniform default)' },
  );
  return list;
}

/** Which standard initializer a weight's values look like. */
export function guessInitializer(shape: readonly number[], s: Stats): InitGuess {
  if (s.n === 0) return { name: 'empty', family: 'unknown', expectedStd: null, formula: '' };
  if (s.std === 0) {
    const name = s.mean === 0 ? 'zeros' : s.mean === 1 ? 'ones' : `constant(${fmt(s.mean)})`;
    return { name, family: 'constant', expectedStd: 0, formula: 'all equal' };
  }
  const spread = Math.max(Math.abs(s.max - s.mean), Math.abs(s.min - s.mean)) / s.std;
  let family: Family = 'unknown';
  if (s.n >= 200) family = spread < 1.95 ? 'uniform' : spread < 2.5 ? 'truncatedNormal' : 'normal';
  let best: Candidate | null = null;
  let bestErr = Infinity;
  for (const c of candidates(shape)) {
    if (family !== 'unknown' && c.family !== family) continue;
    // the mean must fit too (within a few standard errors)
    if (Math.abs(s.mean - c.mean) > 4 * (c.std / Math.sqrt(s.n)) + 0.02 * c.std + 1e-12) continue;
    const err = Math.abs(Math.log(s.std / c.std));
    if (err < bestErr) {
      bestErr = err;
      best = c;
    }
  }
  const tol = s.n >= 400 ? 0.1 : s.n >= 30 ? 0.35 : 0.7;
  if (best && bestErr <= tol) return { name: best.name, family: best.family, expectedStd: best.std, formula: best.formula };
  return { name: 'unrecognised', family, expectedStd: null, formula: '' };
}

/** Maximum |a − b| (NaN-safe: NaN on one side only counts as Infinity) and whether bit-identical. */
export function diff(a: Tensor, b: Tensor): { maxAbs: number; scale: number; identical: boolean } {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) return { maxAbs: Infinity, scale: 1, identical: false };
  let m = 0;
  let sc = 0;
  let identical = true;
  for (let i = 0; i < x.length; i++) {
    const u = Number(x[i]);
    const v = Number(y[i]);
    if (!Object.is(u, v)) {
      identical = false;
      const d = Number.isNaN(u) !== Number.isNaN(v) ? Infinity : Number.isNaN(u) ? 0 : Math.abs(u - v);
      if (d > m) m = d;
    }
    const s = Math.max(Math.abs(u), Math.abs(v));
    if (Number.isFinite(s) && s > sc) sc = s;
  }
  return { maxAbs: m, scale: sc, identical };
}

/** Short number for tables: 4 significant digits, exponent form when tiny or huge. */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

export function pct(f: number): string {
  return `${(f * 100).toFixed(1)}%`;
}
