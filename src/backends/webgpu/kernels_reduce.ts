/**
 * Reductions (`Sum Mean Max Min Prod All Any` over any set of axes, `ArgMax ArgMin` over one)
 * and the softmax family (`Softmax LogSoftmax SoftmaxCrossEntropyWithLogits
 * SparseSoftmaxCrossEntropyWithLogits SigmoidCrossEntropyWithLogits _SoftmaxCrossEntropyGrad`).
 *
 * One invocation per output element folds its slice in the reference's order (row-major over
 * the reduced axes). WGSL has no float64, so float32 sums use Neumaier's compensated summation
 * (a running float32 sum plus a float32 correction term): the result is the exactly rounded
 * sum in nearly every case and differs from the reference (float64 accumulation, rounded once)
 * by at most an ulp or two — bounded in test/webgpu.test.ts. Max/Min propagate NaN as the
 * reference does; int32 sums wrap as int32.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import type { DataType } from '../../core/dtypes.ts';
import { sizeFromShape, stridesOf } from '../../core/shape.ts';
import { grid1d, MAIN_1D, wgslType, type Program, type WebGPUBackend, type WgslType } from './backend.ts';
import { collapse, HELPERS, runBinary } from './kernels_elementwise.ts';

/** Compensated float32 summation state: s (sum), c (correction). */
export const KAHAN = `
fn kadd_(s: ptr<function, f32>, c: ptr<function, f32>, v: f32) {
  let t = *s + v;
  if (abs(*s) >= abs(v)) { *c = *c + ((*s - t) + v); } else { *c = *c + ((v - t) + *s); }
  *s = t;
}`;

type ReduceOp = 'Sum' | 'Mean' | 'Max' | 'Min' | 'Prod' | 'All' | 'Any';

function foldCode(op: ReduceOp, t: WgslType): { init: string; step: string; result: string; out: DataType | null } {
  if (t === 'f32') {
    switch (op) {
      case 'Sum': return { init: 'var s = 0.0; var c = 0.0;', step: 'kadd_(&s, &c, v);', result: 's + c', out: null };
      case 'Mean': return { init: 'var s = 0.0; var c = 0.0;', step: 'kadd_(&s, &c, v);', result: 'select((s + c) / f32(p.count), nan_(), p.count == 0u)', out: 'float32' };
      case 'Max': return { init: 'var s = inf_(true);', step: 's = max_(s, v);', result: 's', out: null };
      case 'Min': return { init: 'var s = inf_(false);', step: 's = min_(s, v);', result: 's', out: null };
      case 'Prod': return { init: 'var s = 1.0;', step: 's = s * v;', result: 's', out: null };
      default: return { init: 'var s = 0u;', step: '', result: 's', out: 'bool' };
    }
  }
  if (t === 'i32') {
    switch (op) {
      case 'Sum': return { init: 'var s = 0;', step: 's = s + v;', result: 's', out: null };
      case 'Mean': return { init: 'var s = 0.0; var c = 0.0;', step: 'kadd_(&s, &c, f32(v));', result: 'select((s + c) / f32(p.count), nan_(), p.count == 0u)', out: 'float32' };
      case 'Max': return { init: 'var s = i32(-2147483648);', step: 's = max(s, v);', result: 's', out: null };
      case 'Min': return { init: 'var s = 2147483647;', step: 's = min(s, v);', result: 's', out: null };
      case 'Prod': return { init: 'var s = 1;', step: 's = s * v;', result: 's', out: null };
      default: return { init: 'var s = 0u;', step: '', result: 's', out: 'bool' };
    }
  }
  switch (op) {
    case 'All': return { init: 'var s = 1u;', step: 's = s & min(v, 1u);', result: 's', out: 'bool' };
    case 'Any': return { init: 'var s = 0u;', step: 's = s | min(v, 1u);', result: 's', out: 'bool' };
    case 'Sum': return { init: 'var s = 0;', step: 's = s + i32(v);', result: 's', out: 'int32' };
    case 'Prod': return { init: 'var s = 1;', step: 's = s * i32(v);', result: 's', out: 'int32' };
    case 'Max': return { init: 'var s = 0u;', step: 's = max(s, v);', result: 's', out: null };
    case 'Min': return { init: 'var s = 1u;', step: 's = min(s, v);', result: 's', out: null };
    default: return { init: 'var s = 0.0; var c = 0.0;', step: 'kadd_(&s, &c, f32(v));', result: 'select((s + c) / f32(p.count), nan_(), p.count == 0u)', out: 'float32' };
  }
}

/** `op` of x over `axes` (any order, unique), as the reference kernels' attrs. */
export function runReduce(be: WebGPUBackend, op: ReduceOp, x: TensorInfo, axesIn: readonly number[], keepDims: boolean): TensorInfo {
  const shape = x.shape;
  const axes = [...new Set(axesIn)].sort((a, b) => a - b);
  const t = wgslType(x.dtype);
  const fold = foldCode(op, t);
  const outDtype = fold.out ?? x.dtype;
  const outShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
  const y = be.makeOutput(outShape, outDtype);
  const nOut = sizeFromShape(outShape);
  if (nOut === 0) return y;
  const xs = stridesOf(shape);
  const keptAxes = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const kept = collapse(keptAxes.map((i) => shape[i]!), [keptAxes.map((i) => xs[i]!)]);
  const red = collapse(axes.map((i) => shape[i]!), [axes.map((i) => xs[i]!)]);
  const count = sizeFromShape(axes.map((i) => shape[i]!));
  const kr = kept.shape.length;
  const rr = red.shape.length;
  const params: [string, WgslType][] = [['n', 'u32'], ['count', 'u32']];
  for (let d = 0; d < kr; d++) params.push([`kd${d}`, 'u32'], [`ks${d}`, 'u32']);
  for (let d = 0; d < rr; d++) params.push([`rd${d}`, 'u32'], [`rs${d}`, 'u32']);
  const values = [nOut, count];
  for (let d = 0; d < kr; d++) values.push(kept.shape[d]!, kept.strides[0]![d]!);
  for (let d = 0; d < rr; d++) values.push(red.shape[d]!, red.strides[0]![d]!);
  let base = '  var rem = gid; var base = 0u;\n';
  for (let d = kr - 1; d >= 0; d--) base += `  base = base + (rem % p.kd${d}) * p.ks${d}; rem = rem / p.kd${d};\n`;
  let off: string;
  if (rr === 0) off = '    let off = 0u;\n';
  else if (rr === 1) off = '    let off = r * p.rs0;\n';
  else {
    off = '    var q = r; var off = 0u;\n';
    for (let d = rr - 1; d >= 0; d--) off += `    off = off + (q % p.rd${d}) * p.rs${d}; q = q / p.rd${d};\n`;
  }
  const prog: Program = {
    key: `reduce:${op}:${t}:${kr}:${rr}`,
    inputs: [t],
    outputs: [wgslType(outDtype)],
    params,
    code: () => `${HELPERS}\n${KAHAN}\n${MAIN_1D}  if (gid >= p.n) { return; }\n${base}  ${fold.init}\n` +
      `  for (var r = 0u; r < p.count; r++) {\n${off}    let v = in0[base + off];\n    ${fold.step}\n  }\n  out0[gid] = ${fold.result};\n}`,
  };
  be.run(prog, [x], [y], values, grid1d(nOut));
  return y;
}

function reduceKernel(op: ReduceOp): KernelFunc {
  return (args) => runReduce(args.backend as WebGPUBackend, op, args.inputs['x']!, args.attrs['axes'] as number[], args.attrs['keepDims'] === true);
}

function argKernel(kind: 'max' | 'min'): KernelFunc {
  return (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    const axis = args.attrs['axis'] as number;
    const n = x.shape[axis]!;
    const outer = sizeFromShape(x.shape.slice(0, axis));
    const inner = sizeFromShape(x.shape.slice(axis + 1));
    const y = be.makeOutput(x.shape.filter((_, d) => d !== axis), 'int32');
    if (outer * inner === 0) return y;
    const t = wgslType(x.dtype);
    const better = kind === 'max' ? 'v > best' : 'v < best';
    const nan = t === 'f32' ? 'isnan_(v)' : 'false';
    const stop = t === 'f32' ? 'isnan_(best)' : 'false';
    const prog: Program = {
      key: `arg:${kind}:${t}`,
      inputs: [t],
      outputs: ['i32'],
      params: [['outer', 'u32'], ['n', 'u32'], ['inner', 'u32']],
      code: () => `${HELPERS}\n${MAIN_1D}  if (gid >= p.outer * p.inner) { return; }
  let o = gid / p.inner; let i = gid % p.inner; let base = o * p.n * p.inner + i;
  var best = in0[base]; var bi = 0u;
  for (var j = 1u; j < p.n; j++) { if (${stop}) { break; } let v = in0[base + j * p.inner]; if (${nan} || ${better}) { best = v; bi = j; } }
  out0[gid] = i32(bi);
}`,
    };
    be.run(prog, [x], [y], [outer, n, inner], grid1d(outer * inner));
    return y;
  };
}

// ---------------------------------------------------------------- softmax family

/** WGSL computing m (max) and ls (log Σ exp(x − m)) of the slice base + j·stride, j < n. */
const SLICE_STATS = `
fn stats_(base: u32, n: u32, stride: u32) -> vec2f {
  var m = inf_(true);
  for (var j = 0u; j < n; j++) { m = max_(m, in0[base + j * stride]); }
  var s = 0.0; var c = 0.0;
  for (var j = 0u; j < n; j++) { kadd_(&s, &c, exp(in0[base + j * stride] - m)); }
  return vec2f(m, log(s + c));
}`;

/** Softmax (or log-softmax) of x along `axis` (the Softmax / LogSoftmax kernels). */
export function softmaxLike(be: WebGPUBackend, x: TensorInfo, axis: number, log: boolean): TensorInfo {
  const y = be.makeOutput(x.shape, 'float32');
  const n = x.shape[axis]!;
  const outer = sizeFromShape(x.shape.slice(0, axis));
  const inner = sizeFromShape(x.shape.slice(axis + 1));
  if (outer * inner * n === 0) return y;
  const prog: Program = {
    key: `softmax:${log}`,
    inputs: ['f32'],
    outputs: ['f32'],
    params: [['outer', 'u32'], ['n', 'u32'], ['inner', 'u32']],
    code: () => `${HELPERS}\n${KAHAN}\n${SLICE_STATS}\n${MAIN_1D}  if (gid >= p.outer * p.inner) { return; }
  let base = (gid / p.inner) * p.n * p.inner + gid % p.inner;
  let st = stats_(base, p.n, p.inner);
  for (var j = 0u; j < p.n; j++) { let q = base + j * p.inner; let v = (in0[q] - st.x) - st.y; out0[q] = ${log ? 'v' : 'exp(v)'}; }
}`,
  };
  be.run(prog, [x], [y], [outer, n, inner], grid1d(outer * inner));
  return y;
}

function softmaxCE(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const labels = args.inputs['labels']!;
  const logits = args.inputs['logits']!;
  const axis = args.attrs['axis'] as number;
  const n = logits.shape[axis]!;
  const outer = sizeFromShape(logits.shape.slice(0, axis));
  const inner = sizeFromShape(logits.shape.slice(axis + 1));
  const y = be.makeOutput(logits.shape.filter((_, i) => i !== axis), 'float32');
  if (outer * inner === 0) return y;
  if (n === 0) return be.makeHost(new Float32Array(outer * inner), y.shape, 'float32');
  const prog: Program = {
    key: 'softmaxCE',
    inputs: ['f32', 'f32'],
    outputs: ['f32'],
    params: [['outer', 'u32'], ['n', 'u32'], ['inner', 'u32']],
    code: () => `${HELPERS}\n${KAHAN}\n${SLICE_STATS}\n${MAIN_1D}  if (gid >= p.outer * p.inner) { return; }
  let base = (gid / p.inner) * p.n * p.inner + gid % p.inner;
  let st = stats_(base, p.n, p.inner);
  var s = 0.0; var c = 0.0;
  for (var j = 0u; j < p.n; j++) { let q = base + j * p.inner; let z = in1[q]; if (z != 0.0) { kadd_(&s, &c, z * ((st.x + st.y) - in0[q])); } }
  out0[gid] = s + c;
}`,
  };
  be.run(prog, [logits, labels], [y], [outer, n, inner], grid1d(outer * inner));
  return y;
}

function sparseSoftmaxCE(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const labels = args.inputs['labels']!;
  const logits = args.inputs['logits']!;
  const n = logits.shape[logits.shape.length - 1]!;
  const rows = sizeFromShape(labels.shape);
  const host = be.hostValues(labels);
  if (host) {
    // The reference's check, when the labels are on the host (else out-of-range labels give NaN).
    for (let i = 0; i < host.length; i++) if (!(host[i]! >= 0 && host[i]! < n)) return be.cpuKernel('SparseSoftmaxCrossEntropyWithLogits', args) as TensorInfo;
  }
  const y = be.makeOutput(labels.shape, 'float32');
  if (rows === 0) return y;
  const prog: Program = {
    key: `sparseSoftmaxCE:${labels.dtype}`,
    inputs: ['f32', wgslType(labels.dtype)],
    outputs: ['f32'],
    params: [['rows', 'u32'], ['n', 'u32']],
    code: () => `${HELPERS}\n${KAHAN}\n${SLICE_STATS}\n${MAIN_1D}  if (gid >= p.rows) { return; }
  let base = gid * p.n;
  let label = i32(in1[gid]);
  if (label < 0 || label >= i32(p.n)) { out0[gid] = nan_(); return; }
  let st = stats_(base, p.n, 1u);
  out0[gid] = (st.x + st.y) - in0[base + u32(label)];
}`,
  };
  be.run(prog, [logits, labels], [y], [rows, n], grid1d(rows));
  return y;
}

function sigmoidCE(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  return runBinary(be, 'SigmoidCE', args.inputs['logits']!, args.inputs['labels']!, '(max(a, 0.0) - a * b) + log1p_(exp(-abs(a)))', 'float32');
}

/** dy[.., None] · (softmax(logits) − labels): the Softmax, Sub and column-broadcast Mul kernels. */
function softmaxCEGrad(args: KernelArgs): TensorInfo {
  const be = args.backend as WebGPUBackend;
  const logits = args.inputs['logits']!;
  const labels = args.inputs['labels']!;
  const dy = args.inputs['dy']!;
  const s = softmaxLike(be, logits, logits.shape.length - 1, false);
  const d = runBinary(be, 'Sub', s, labels, 'a - b', 'float32');
  be.disposeData(s.dataId);
  const out = runBinary(be, 'Mul', { dataId: dy.dataId, shape: [...dy.shape, 1], dtype: 'float32' }, d, 'a * b', 'float32');
  be.disposeData(d.dataId);
  return out;
}

/**
 * Cumsum / Cumprod: one invocation per line along the axis, in the reference's order (float32
 * sums compensated, as the reductions; products and int32 in their own type).
 */
function scanKernel(kind: 'sum' | 'prod'): KernelFunc {
  return (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    const axis = args.attrs['axis'] as number;
    const y = be.makeOutput(x.shape, x.dtype);
    const n = x.shape[axis]!;
    const inner = sizeFromShape(x.shape.slice(axis + 1));
    const lines = sizeFromShape(x.shape.slice(0, axis)) * inner;
    if (lines === 0 || n === 0) return y;
    const t = wgslType(x.dtype);
    const f = t === 'f32';
    const init = kind === 'sum' ? (f ? 'var s = 0.0; var c = 0.0;' : 'var s = 0;') : f ? 'var s = 1.0;' : 'var s = 1;';
    const add = kind === 'sum' ? (f ? 'kadd_(&s, &c, in0[q]);' : 's = s + in0[q];') : 's = s * in0[q];';
    const val = kind === 'sum' && f ? 's + c' : 's';
    const prog: Program = {
      key: `scan:${kind}:${t}`,
      inputs: [t],
      outputs: [t],
      params: [['lines', 'u32'], ['n', 'u32'], ['inner', 'u32'], ['exclusive', 'u32'], ['reverse', 'u32']],
      code: () => `${KAHAN}\n${MAIN_1D}  if (gid >= p.lines) { return; }
  let base = (gid / p.inner) * p.n * p.inner + gid % p.inner;
  ${init}
  for (var j = 0u; j < p.n; j = j + 1u) {
    let q = base + select(j, p.n - 1u - j, p.reverse == 1u) * p.inner;
    if (p.exclusive == 1u) { out0[q] = ${val}; ${add} } else { ${add} out0[q] = ${val}; }
  }
}`,
    };
    be.run(prog, [x], [y], [lines, n, inner, args.attrs['exclusive'] ? 1 : 0, args.attrs['reverse'] ? 1 : 0], grid1d(lines));
    return y;
  };
}

/**
 * TopK over the last axis: one invocation per row picks its k outputs in order, each the first in
 * the reference's order (value descending, NaN first, equal values by index) after the previous
 * one — O(k·n) per row, no scratch memory.
 */
function topkKernel(args: KernelArgs): TensorInfo[] {
  const be = args.backend as WebGPUBackend;
  const x = args.inputs['x']!;
  const k = args.attrs['k'] as number;
  const n = x.shape[x.shape.length - 1]!;
  const shape = [...x.shape.slice(0, -1), k];
  const values = be.makeOutput(shape, x.dtype);
  const indices = be.makeOutput(shape, 'int32');
  const rows = n === 0 ? 0 : sizeFromShape(x.shape) / n;
  if (rows === 0 || k === 0) return [values, indices];
  const t = wgslType(x.dtype);
  const nan = (v: string): string => (t === 'f32' ? `isnan_(${v})` : 'false');
  const prog: Program = {
    key: `topk:${t}`,
    inputs: [t],
    outputs: [t, 'i32'],
    params: [['rows', 'u32'], ['n', 'u32'], ['k', 'u32']],
    code: () => `${HELPERS}
fn before_(v: ${t}, i: u32, w: ${t}, j: u32) -> bool {
  if (${nan('v')}) { return !${nan('w')} || i < j; }
  if (${nan('w')}) { return false; }
  return v > w || (v == w && i < j);
}
${MAIN_1D}  if (gid >= p.rows) { return; }
  let base = gid * p.n;
  var pv = in0[base]; var pi = 0u;
  for (var q = 0u; q < p.k; q = q + 1u) {
    var found = false; var bv = pv; var bi = 0u;
    for (var i = 0u; i < p.n; i = i + 1u) {
      let v = in0[base + i];
      if ((q == 0u || before_(pv, pi, v, i)) && (!found || before_(v, i, bv, bi))) { found = true; bv = v; bi = i; }
    }
    out0[gid * p.k + q] = bv; out1[gid * p.k + q] = i32(bi);
    pv = bv; pi = bi;
  }
}`,
  };
  be.run(prog, [x], [values, indices], [rows, n, k], grid1d(rows));
  return [values, indices];
}

export const reduceKernels: Record<string, KernelFunc> = {
  TopK: topkKernel,
  Cumsum: scanKernel('sum'),
  Cumprod: scanKernel('prod'),
  Sum: reduceKernel('Sum'),
  Mean: reduceKernel('Mean'),
  Max: reduceKernel('Max'),
  Min: reduceKernel('Min'),
  Prod: reduceKernel('Prod'),
  All: reduceKernel('All'),
  Any: reduceKernel('Any'),
  ArgMax: argKernel('max'),
  ArgMin: argKernel('min'),
  Softmax: (args) => softmaxLike(args.backend as WebGPUBackend, args.inputs['logits']!, args.attrs['dim'] as number, false),
  LogSoftmax: (args) => softmaxLike(args.backend as WebGPUBackend, args.inputs['logits']!, args.attrs['axis'] as number, true),
  SoftmaxCrossEntropyWithLogits: softmaxCE,
  SparseSoftmaxCrossEntropyWithLogits: sparseSoftmaxCE,
  SigmoidCrossEntropyWithLogits: sigmoidCE,
  _SoftmaxCrossEntropyGrad: softmaxCEGrad,
};
