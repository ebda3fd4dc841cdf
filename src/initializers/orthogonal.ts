/**
 * `Orthogonal({gain = 1, seed})` (Keras 3's algorithm): for shape [..., c] with
 * r = prod(shape[:-1]), draw A ~ N(0, 1) of shape (max(r, c), min(r, c)), take the reduced QR
 * A = QR (Householder, float64), Q ← Q·diag(sign(diag(R))) (makes the result uniformly
 * distributed over orthogonal matrices), transpose if r < c, reshape to `shape`, multiply by gain.
 * So the r×c result has orthonormal columns (r ≥ c) or orthonormal rows (r < c), times gain.
 */
import type { DataType } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { randomNormal } from '../ops/random_normal.ts';
import { floatStorage, fromFloats } from '../ops/random_util.ts';
import { checkFloat, checkNumber, checkOptions, type InitializerConfig, type InitSeed } from './initializer.ts';
import { RandomInitializer } from './random.ts';

/**
 * Reduced QR of an m×n row-major matrix (m ≥ n) by Householder reflections, in float64.
 * Returns Q (m×n, orthonormal columns) and R (n×n upper triangular), A = QR.
 */
export function householderQR(a: ArrayLike<number>, m: number, n: number): { q: Float64Array; r: Float64Array } {
  if (m < n) throw new Error(`householderQR: needs rows >= cols, received ${m}x${n}`);
  const R = Float64Array.from(a as ArrayLike<number>);
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    // Householder vector for column k, rows k..m-1.
    const v = new Float64Array(m - k);
    let norm = 0;
    for (let i = k; i < m; i++) {
      v[i - k] = R[i * n + k]!;
      norm += v[i - k]! * v[i - k]!;
    }
    norm = Math.sqrt(norm);
    const alpha = v[0]! >= 0 ? -norm : norm;
    v[0] = v[0]! - alpha;
    let vn = 0;
    for (let i = 0; i < v.length; i++) vn += v[i]! * v[i]!;
    if (vn > 0) {
      // R ← (I − 2vvᵀ/vᵀv) R on rows k.., columns k..
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i - k]! * R[i * n + j]!;
        const f = (2 * dot) / vn;
        for (let i = k; i < m; i++) R[i * n + j] = R[i * n + j]! - f * v[i - k]!;
      }
    }
    vs.push(vn > 0 ? v.map((x) => x / Math.sqrt(vn)) : v.fill(0));
  }
  // Q = H_0 H_1 … H_{n-1} applied to the first n columns of I (m×n).
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!; // unit vector (or 0)
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * q[i * n + j]!;
      if (dot === 0) continue;
      for (let i = k; i < m; i++) q[i * n + j] = q[i * n + j]! - 2 * dot * v[i - k]!;
    }
  }
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r[i * n + j] = R[i * n + j]!;
  return { q, r };
}

export interface OrthogonalArgs {
  gain?: number;
  seed?: InitSeed;
}

/** gain · (random orthogonal matrix), reshaped; shape must have rank ≥ 2. */
export class Orthogonal extends RandomInitializer {
  static override className = 'Orthogonal';
  static override opName = 'orthogonal';
  readonly gain: number;
  constructor(args: OrthogonalArgs = {}) {
    const o = checkOptions(args, ['gain', 'seed'], 'orthogonal');
    super(o.seed as InitSeed, 'orthogonal');
    this.gain = checkNumber(o.gain ?? 1, 'gain', 'orthogonal');
  }
  protected generate(shape: number[], dtype: DataType): Tensor {
    checkFloat(dtype, 'orthogonal');
    if (shape.length < 2) fail('orthogonal', `\`shape\` must have rank at least 2, received ${fmtShape(shape)} of rank ${shape.length}`);
    let rows = 1;
    for (let i = 0; i < shape.length - 1; i++) rows *= shape[i]!;
    const cols = shape[shape.length - 1]!;
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const out = floatStorage(rows * cols);
    if (n === 0) return fromFloats(out, shape);
    const a = randomNormal([m, n], 0, 1, 'float32', this.seedState.draw());
    const vals = a.dataSync() as ArrayLike<number>;
    a.dispose();
    const { q, r } = householderQR(vals, m, n);
    // Q (m×n) times sign(diag(R)) per column; sign(0) = 0 as in Keras.
    for (let j = 0; j < n; j++) {
      const d = r[j * n + j]!;
      const s = d > 0 ? 1 : d < 0 ? -1 : 0;
      for (let i = 0; i < m; i++) q[i * n + j] = q[i * n + j]! * s;
    }
    if (rows >= cols) {
      for (let i = 0; i < rows * cols; i++) out[i] = this.gain * q[i]!;
    } else {
      // rows < cols: Q is cols×rows; the result is Qᵀ (rows×cols).
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = this.gain * q[j * rows + i]!;
    }
    return fromFloats(out, shape);
  }
  getConfig(): InitializerConfig {
    return { gain: this.gain, seed: this.seedState.config() };
  }
}
